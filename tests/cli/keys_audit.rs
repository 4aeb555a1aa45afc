//! `keys audit`: exact findings and exit codes for keys of chosen ages and expiries, under the
//! rotation policy from the flags, the profile or the defaults; keys that never expire,
//! service-account keys that can do everything, orphaned keys; `-q` one line a key; the scope
//! (`--service-account`, `--name`, `--all-environments`).

use serde_json::Value;

use crate::harness::{World, three_accounts, two_environments};

/// The sandbox's admin key never expires, as admin keys often do not: these tests about the
/// rotation policy leave it out with `--no-expiry-keys ignore` (the test of that rule,
/// by_default_a_key_that_never_expires_…, is below).
const NO_EXPIRY_IGNORED: [&str; 2] = ["--no-expiry-keys", "ignore"];

fn audit(world: &World, args: &[&str]) -> crate::harness::Run {
    let mut all = vec!["keys", "audit"];
    all.extend_from_slice(&NO_EXPIRY_IGNORED);
    all.extend_from_slice(args);
    world.run(&all)
}

#[test]
fn a_clean_tenant_exits_zero() {
    let world = World::new();
    world.seed_key("fresh", None, 1, Some(60));
    let run = audit(&world, &[]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    --- stderr
    All 2 key(s) pass: younger than 90d and none expires within 14d, no service-account key can do everything, every owner is still a member.
    ");
    assert_eq!(run.stdout, "");
    assert_eq!(
        audit(&world, &["-o", "json"]).code(0).json(),
        serde_json::json!([])
    );
    let quiet = audit(&world, &["-q"]);
    assert_eq!(
        (quiet.code, quiet.stdout.as_str(), quiet.stderr.as_str()),
        (0, "", "")
    );
}

#[test]
fn old_expiring_and_expired_keys_are_reported_with_reasons_and_exit_10() {
    let world = World::new();
    world.seed_key("fresh", None, 1, Some(60));
    let old = world.seed_key("old", None, 120, None).id;
    let soon = world.seed_key("soon", None, 10, Some(3)).id;
    let dead = world.seed_key("dead", None, 30, Some(-1)).id;

    let json = audit(&world, &["-o", "json"]).code(10).json();
    let got: Vec<(&str, Vec<&str>)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let reasons = f["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            (f["key"]["id"].as_str().unwrap(), reasons)
        })
        .collect();
    assert_eq!(
        got,
        [
            (dead.as_str(), vec!["expired"]),
            (soon.as_str(), vec!["expiring"]),
            (old.as_str(), vec!["too_old"])
        ]
    );
    assert_eq!(json[0]["key"]["expired"], true);
    assert_eq!(json[2]["detail"], "created 120 days ago (max age 90d)");
    assert_eq!(json[2]["fails"], true);
    assert_eq!(
        json[2]["command"],
        format!("flexprice-admin keys rotate {old}")
    );

    let plain = audit(&world, &[]);
    let lines: Vec<Vec<&str>> = plain
        .code(10)
        .stdout
        .lines()
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0][..2], [dead.as_str(), "dead"]);
    assert_eq!(lines[1][3], "expiring");
    assert!(
        lines[1][4].starts_with("expires in 2 days")
            || lines[1][4].starts_with("expires in 3 days"),
        "{:?}",
        lines[1]
    );

    let table = audit(&world, &["-o", "table"]);
    table
        .code(10)
        .stderr_has("flexprice-admin keys rotate ID")
        .stderr_has("flexprice-admin keys rotate --due");
    assert!(!table.stderr.contains("keys create"), "{}", table.stderr);

    // One line a key, saying which and why: what cron mails.
    let quiet = audit(&world, &["-q"]);
    let lines: Vec<&str> = quiet.code(10).stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", quiet.stdout);
    assert!(
        lines[0].starts_with(&format!("{dead} (dead): expired ")),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(&format!("{soon} (soon): expires in ")),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        format!("{old} (old): created 120 days ago (max age 90d)")
    );
}

#[test]
fn thresholds_are_configurable() {
    let world = World::new();
    let week_old = world.seed_key("week-old", None, 7, Some(40)).id;
    let run = audit(
        &world,
        &["--max-age", "5d", "--expiring-within", "30d", "-q"],
    );
    assert_eq!(
        run.code(10).stdout,
        format!("{week_old} (week-old): created 7 days ago (max age 5d)\n")
    );
    let run = audit(
        &world,
        &["--max-age", "5d", "--expiring-within", "45d", "-o", "json"],
    );
    assert_eq!(
        run.code(10).json()[0]["reasons"],
        serde_json::json!(["expiring", "too_old"])
    );
    let run = audit(&world, &["--max-age", "5d"]);
    insta::assert_snapshot!(world.shown(&run, &[(&week_old, "[WEEK_OLD]")]), @"
    exit 10
    --- stdout
    [WEEK_OLD]	week-old	Admin	too_old	created 7 days ago (max age 5d)
    --- stderr
    1 of 2 key(s) need attention.
    hint: rotate a key (new secret, same name and owner, old one revoked) with `flexprice-admin keys rotate ID`, or every key listed here as too_old, expiring or expired with `flexprice-admin keys rotate --due --max-age 5d`
    ");
    audit(&world, &["--max-age", "8d"]).code(0);
}

#[test]
fn bad_thresholds_are_usage_errors() {
    let world = World::new();
    let mut shown = String::new();
    for args in [
        ["keys", "audit", "--max-age", "0d"],
        ["keys", "audit", "--expiring-within", "-1d"],
        ["keys", "audit", "--max-age", "forever"],
    ] {
        shown.push_str(&world.transcript(&args, &world.run(&args), &[]));
    }
    insta::assert_snapshot!(shown, @"
    $ keys audit --max-age 0d
    exit 2
    --- stdout
    --- stderr
    error: invalid value '0d' for '--max-age <DURATION>': must be longer than zero

    For more information, try '--help'.

    $ keys audit --expiring-within -1d
    exit 2
    --- stdout
    --- stderr
    error: invalid value '-1d' for '--expiring-within <DURATION>': must be positive, e.g. 90d

    For more information, try '--help'.

    $ keys audit --max-age forever
    exit 2
    --- stdout
    --- stderr
    error: invalid value 'forever' for '--max-age <DURATION>': expected a duration such as 90d, 12h, 2w, 6mo or 1y (units: y, mo, w, d, h, m, s)

    For more information, try '--help'.
    ");
    assert!(world.requests().is_empty());
}

/// `keys audit | head -1` over a large result: the reader closes the pipe before the audit has
/// written everything. Elsewhere a closed stdout ends the command quietly with 0; the audit's
/// finding is its exit code, so it stays 10. The pipe is closed before the command starts, so
/// every write fails, whatever the timing.
#[test]
fn a_closed_pipe_does_not_hide_the_finding() {
    let world = World::new();
    for i in 0..200 {
        world.seed_key(&format!("old-{i}"), None, 120, None);
    }
    for args in [
        &["keys", "audit"][..],
        &["keys", "audit", "-q"][..],
        &["keys", "audit", "-o", "json"][..],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = world.std_cmd();
        cmd.args(args).stdout(writer);
        let run = crate::harness::finish_std(&mut cmd);
        run.code(10);
        assert!(!run.stderr.contains("error"), "{args:?}: {}", run.stderr);
    }
    // The same with nothing to report stays 0.
    let clean = World::new();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = clean.std_cmd();
    cmd.args(["keys", "audit", "-o", "json"])
        .args(NO_EXPIRY_IGNORED)
        .stdout(writer);
    crate::harness::finish_std(&mut cmd).code(0);
}

/// (key ID, reasons) of an audit's JSON.
fn reported(json: &Value) -> Vec<(String, Vec<String>)> {
    json.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let reasons = f["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_owned())
                .collect();
            (f["key"]["id"].as_str().unwrap().to_owned(), reasons)
        })
        .collect()
}

/// The STATUS column of `keys list` (plain), by key ID.
fn statuses(world: &World, args: &[&str]) -> Vec<(String, String)> {
    let mut all = vec!["keys", "list"];
    all.extend_from_slice(args);
    world
        .run(&all)
        .code(0)
        .stdout
        .lines()
        .map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            (fields[0].to_owned(), fields[6].to_owned())
        })
        .collect()
}

#[test]
fn the_profile_policy_is_what_audit_reports_and_what_list_calls_expiring() {
    let world = World::new();
    world.ignore_keys_without_expiry();
    let forty_days_old = world.seed_key("forty", None, 40, None).id;
    let expires_in_ten = world.seed_key("ten", None, 1, Some(10)).id;

    // Built-in policy: 90 days, 14 days.
    let json = world.run(&["keys", "audit", "-o", "json"]).code(10).json();
    assert_eq!(
        reported(&json),
        [(expires_in_ten.clone(), vec!["expiring".to_string()])]
    );
    assert!(statuses(&world, &[]).contains(&(expires_in_ten.clone(), "expiring".into())));

    // The profile's policy: 30 days, 7 days. The audit and the list agree with it.
    world.write_config("[profiles.default]\nmax_age = \"30d\"\nexpiring_within = \"7d\"\nno_expiry_keys = \"ignore\"\n",
    );
    let json = world.run(&["keys", "audit", "-o", "json"]).code(10).json();
    assert_eq!(
        reported(&json),
        [(forty_days_old.clone(), vec!["too_old".to_string()])]
    );
    assert_eq!(json[0]["detail"], "created 40 days ago (max age 30d)");
    let listed = statuses(&world, &[]);
    assert!(
        listed.contains(&(expires_in_ten.clone(), "active".into())),
        "{listed:?}"
    );

    // Flags win over the profile, and the hint repeats them for `keys rotate --due`.
    let run = world.run_line("keys audit --max-age 50d --expiring-within 12d -o table");
    insta::assert_snapshot!(world.shown(&run, &[(&forty_days_old, "[FORTY]"), (&expires_in_ten, "[TEN]")]), @"
    exit 10
    --- stdout
    ID                                NAME OWNER REASONS  DETAIL
    [TEN] ten  Admin expiring expires in 10 days
    --- stderr
    warning: key [TEN] (ten) lives 11d, no longer than the expiring window (12d, --expiring-within): such a key is due for rotation as soon as it exists, so every `keys rotate --due` replaces it; give keys a lifetime longer than 12d (--expires-in, or `flexprice-admin profile set --default-expiry`), or shorten the window (`flexprice-admin profile set --expiring-within`)
    1 of 3 key(s) need attention.
    hint: rotate a key (new secret, same name and owner, old one revoked) with `flexprice-admin keys rotate ID`, or every key listed here as too_old, expiring or expired with `flexprice-admin keys rotate --due --max-age 50d --expiring-within 12d`
    ");
    let json = world
        .run(&["keys", "audit", "--max-age", "50d", "-o", "json"])
        .code(0)
        .json();
    assert_eq!(json, serde_json::json!([]));

    // Profile values are read by every command, so the hint does not repeat them.
    let run = world.run(&["keys", "audit", "-o", "table"]);
    insta::assert_snapshot!(world.shown(&run, &[(&forty_days_old, "[FORTY]"), (&expires_in_ten, "[TEN]")]), @"
    exit 10
    --- stdout
    ID                                NAME  OWNER REASONS DETAIL
    [FORTY] forty Admin too_old created 40 days ago (max age 30d)
    --- stderr
    1 of 3 key(s) need attention.
    hint: rotate a key (new secret, same name and owner, old one revoked) with `flexprice-admin keys rotate ID`, or every key listed here as too_old, expiring or expired with `flexprice-admin keys rotate --due`
    ");
}

#[test]
fn a_bad_policy_in_the_profile_is_a_usage_error_naming_it() {
    let world = World::new();
    world.write_config("[profiles.default]\nexpiring_within = \"a while\"\n");
    let run = world.run(&["keys", "audit"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @r#"
    exit 2
    --- stdout
    --- stderr
    error: [TMP]/config/flexprice-admin/config.toml: profile 'default': expiring_within = "a while" expected a duration such as 90d, 12h, 2w, 6mo or 1y (units: y, mo, w, d, h, m, s)
    "#);
    assert!(world.requests().is_empty());
}

#[test]
fn audit_covers_one_service_account_or_one_name() {
    let world = World::new();
    world.ignore_keys_without_expiry();
    let bot = world.service_account("ingest-bot", "event_ingestor");
    let other = world.service_account("report-bot", "event_reader");
    let bots_old = world.seed_key("ci-ingest", Some(&bot), 120, None).id;
    let bots_expiring = world.seed_key("backfill", Some(&bot), 1, Some(3)).id;
    let others_old = world.seed_key("ci-ingest", Some(&other), 100, None).id;
    world.seed_key("fresh", Some(&bot), 1, None);

    let json = world
        .run_line("keys audit --service-account ingest-bot -o json")
        .code(10)
        .json();
    let ids: Vec<String> = reported(&json).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [bots_expiring.clone(), bots_old.clone()]);

    let json = world
        .run(&["keys", "audit", "--name", "ci-ingest", "-o", "json"])
        .code(10)
        .json();
    let ids: Vec<String> = reported(&json).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [bots_old.clone(), others_old]);

    let run = world.run(&[
        "keys",
        "audit",
        "--service-account",
        &bot,
        "--name",
        "ci-ingest",
        "-o",
        "table",
    ]);
    insta::assert_snapshot!(world.shown(&run, &[(&bot, "[BOT]"), (&bots_old, "[BOTS_OLD]"), (&bots_expiring, "[BOTS_EXPIRING]")]), @"
    exit 10
    --- stdout
    ID                                NAME      OWNER      REASONS DETAIL
    [BOTS_OLD] ci-ingest ingest-bot too_old created 120 days ago (max age 90d)
    --- stderr
    1 of 1 key(s) of service account ingest-bot named ci-ingest need attention.
    hint: rotate a key (new secret, same name and owner, old one revoked) with `flexprice-admin keys rotate ID`, or every key listed here as too_old, expiring or expired with `flexprice-admin keys rotate --due --service-account [BOT] --name ci-ingest`
    ");
    assert!(run.stdout.contains(&bots_old), "{}", run.stdout);

    let run = world.run_line("keys audit --service-account report-bot --name backfill");
    insta::assert_snapshot!(world.shown(&run, &[(&bot, "[BOT]"), (&bots_old, "[BOTS_OLD]"), (&bots_expiring, "[BOTS_EXPIRING]")]), @"
    exit 0
    --- stdout
    --- stderr
    All 0 key(s) of service account report-bot named backfill pass: younger than 90d and none expires within 14d, no service-account key can do everything, every owner is still a member.
    ");
    let run = world.run(&["keys", "audit", "--service-account", "nobody"]);
    insta::assert_snapshot!(world.shown(&run, &[(&bot, "[BOT]"), (&bots_old, "[BOTS_OLD]"), (&bots_expiring, "[BOTS_EXPIRING]")]), @"
    exit 4
    --- stdout
    --- stderr
    error: --service-account: no service account with ID or name 'nobody'
    hint: `flexprice-admin service-accounts list` shows them (archived accounts are not listed)
    ");
    let run = world.run(&["keys", "audit", "--service-account", "user_123"]);
    insta::assert_snapshot!(world.shown(&run, &[(&bot, "[BOT]"), (&bots_old, "[BOTS_OLD]"), (&bots_expiring, "[BOTS_EXPIRING]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: --service-account: 'user_123' looks like a service account ID but is malformed (user_ followed by 26 characters of 0-9 and A-Z, or at least the first 8 of them as a table shows it)
    hint: copy the ID from the list command, or pass the service account's exact name
    ");
}

#[test]
fn by_default_a_key_that_never_expires_fails_the_audit_the_admins_own_included() {
    let world = World::new();
    let admin_key = world.sandbox.admin_key_id();
    let legacy = world.seed_key("legacy", None, 1, None).id;
    world.seed_key("fresh", None, 1, Some(60));
    let json = world.run(&["keys", "audit", "-o", "json"]).code(10).json();
    let found: Vec<(&str, &str, bool)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key"]["id"].as_str().unwrap(),
                f["reasons"][0].as_str().unwrap(),
                f["fails"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "{json}");
    for id in [&admin_key, &legacy] {
        assert!(
            found.contains(&(id.as_str(), "no_expiry", true)),
            "{found:?}"
        );
    }
    assert_eq!(json[0]["detail"], "never expires");
    assert!(
        json[0]["command"]
            .as_str()
            .unwrap()
            .starts_with("flexprice-admin keys rotate secret_")
    );
    // -q: which key and why, one line each; nothing else on stdout.
    let quiet = world.run(&["keys", "audit", "-q"]);
    let mut lines: Vec<&str> = quiet.code(10).stdout.lines().collect();
    lines.sort();
    let mut want = vec![
        format!("{admin_key} (admin): never expires"),
        format!("{legacy} (legacy): never expires"),
    ];
    want.sort();
    assert_eq!(lines, want);
    // The table says how to give such a key an expiry, and how to change the rule.
    let run = world.run(&["keys", "audit", "-o", "table"]);
    insta::assert_snapshot!(world.shown(&run, &[(&admin_key, "[ADMIN_KEY]"), (&legacy, "[LEGACY]")]), @"
    exit 10
    --- stdout
    ID                                NAME   OWNER REASONS   DETAIL
    [LEGACY] legacy Admin no_expiry never expires
    [ADMIN_KEY] admin  Admin no_expiry never expires
    --- stderr
    2 of 3 key(s) need attention.
    hint: a key that never expires gets an expiry when rotated: `flexprice-admin keys rotate ID` (the new key lives --expires-in, else the profile's default_expiry, else 90d); `keys rotate --due` leaves such keys alone. To stop reporting them: --no-expiry-keys report|ignore, or `flexprice-admin profile set --no-expiry-keys` (now no_expiry_keys: fail)
    ");
    // report: listed, exit 0; -q then prints nothing (cron mails nothing).
    let report = world.run(&["keys", "audit", "--no-expiry-keys", "report"]);
    insta::assert_snapshot!(world.shown(&report, &[(&admin_key, "[ADMIN_KEY]"), (&legacy, "[LEGACY]")]), @"
    exit 0
    --- stdout
    [LEGACY]	legacy	Admin	no_expiry	never expires
    [ADMIN_KEY]	admin	Admin	no_expiry	never expires
    --- stderr
    0 of 3 key(s) need attention. 2 more reported without failing the audit (--no-expiry-keys report).
    hint: a key that never expires gets an expiry when rotated: `flexprice-admin keys rotate ID` (the new key lives --expires-in, else the profile's default_expiry, else 90d); `keys rotate --due` leaves such keys alone. To stop reporting them: --no-expiry-keys report|ignore, or `flexprice-admin profile set --no-expiry-keys` (now --no-expiry-keys: report)
    ");
    assert_eq!(report.stdout.lines().count(), 2);
    let quiet = world.run(&["keys", "audit", "-q", "--no-expiry-keys", "report"]);
    assert_eq!(
        (quiet.code, quiet.stdout.as_str(), quiet.stderr.as_str()),
        (0, "", "")
    );
    let json = world
        .run(&["keys", "audit", "--no-expiry-keys", "report", "-o", "json"])
        .code(0)
        .json();
    assert!(
        json.as_array().unwrap().iter().all(|f| f["fails"] == false),
        "{json}"
    );
    // ignore: not looked at.
    let ignored = world.run(&["keys", "audit", "--no-expiry-keys", "ignore", "-o", "json"]);
    assert_eq!(ignored.code(0).json(), serde_json::json!([]));
}

#[test]
fn a_service_accounts_all_powerful_key_is_reported_and_fails_only_when_the_rule_says() {
    let world = World::new();
    world.ignore_keys_without_expiry();
    let root = world.service_account("legacy-etl", "super_admin");
    let ingest = world.service_account("ingest-bot", "event_ingestor");
    let powerful = world.seed_key("etl", Some(&root), 1, Some(60)).id;
    world.seed_key("ingest", Some(&ingest), 1, Some(60));
    // A person's super_admin key is not privileged: it is tied to someone accountable.
    world.seed_key("mine", None, 1, Some(60));

    let run = world.run(&["keys", "audit"]);
    let rows: Vec<Vec<&str>> = run
        .code(0)
        .stdout
        .lines()
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(
        rows,
        [vec![
            powerful.as_str(),
            "etl",
            "legacy-etl",
            "privileged",
            "a service account's key holding super_admin (every permission)"
        ]]
    );
    insta::assert_snapshot!(world.shown(&run, &[(&powerful, "[POWERFUL]"), (&root, "[ROOT]")]), @"
    exit 0
    --- stdout
    [POWERFUL]	etl	legacy-etl	privileged	a service account's key holding super_admin (every permission)
    --- stderr
    0 of 4 key(s) need attention. 1 more reported without failing the audit (privileged_keys report).
    hint: a service account's key that can do everything: give the service an account with only the roles it needs (`flexprice-admin service-accounts create --name NAME --role event_ingestor`, or all_reader to read) and a key for it, then revoke this one. To make such keys fail the audit: --privileged-keys fail, or `flexprice-admin profile set --privileged-keys fail` (now privileged_keys: report)
    ");
    let quiet = world.run(&["keys", "audit", "-q"]);
    assert_eq!((quiet.code, quiet.stdout.as_str()), (0, ""));

    // fail, from the flag, then from the profile; ignore from the flag over the profile.
    let quiet = world.run(&["keys", "audit", "-q", "--privileged-keys", "fail"]);
    assert_eq!(
        quiet.code(10).stdout,
        format!(
            "{powerful} (etl): a service account's key holding super_admin (every permission)\n"
        )
    );
    let run = world.run(&["profile", "set", "--privileged-keys", "fail"]);
    insta::assert_snapshot!(world.shown(&run, &[(&powerful, "[POWERFUL]"), (&root, "[ROOT]")]), @"
    exit 0
    --- stdout
    --- stderr
    Updated profile 'default' in [TMP]/config/flexprice-admin/config.toml (api_url, privileged_keys).
    ");
    let json = world.run(&["keys", "audit", "-o", "json"]).code(10).json();
    assert_eq!(json[0]["reasons"], serde_json::json!(["privileged"]));
    assert_eq!(json[0]["fails"], true);
    assert_eq!(json[0]["command"], serde_json::Value::Null);
    let shown = world.run(&["profile", "show", "-o", "json"]).code(0).json();
    assert_eq!(shown["privileged_keys"], "fail");
    assert_eq!(shown["no_expiry_keys"], "ignore");
    world
        .run(&["keys", "audit", "--privileged-keys", "ignore"])
        .code(0);
}

#[test]
fn a_bad_rule_is_refused_naming_where_it_is() {
    let world = World::new();
    let run = world.run(&["keys", "audit", "--privileged-keys", "sometimes"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 2
    --- stdout
    --- stderr
    error: invalid value 'sometimes' for '--privileged-keys <RULE>'
      [possible values: fail, report, ignore]

    For more information, try '--help'.
    ");
    world.write_config("[profiles.default]\nno_expiry_keys = \"never\"\n");
    let run = world.run(&["keys", "audit"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @r#"
    exit 2
    --- stdout
    --- stderr
    error: [TMP]/config/flexprice-admin/config.toml: profile 'default': no_expiry_keys = "never" must be "fail", "report" or "ignore"
    "#);
    assert!(world.requests().is_empty());
}

/// `-q` lines carry key names from the server: a hostile name stays on its one line, without
/// the escapes it holds.
#[test]
fn a_hostile_key_name_keeps_its_quiet_line_one_line() {
    let world = World::new();
    let id = world
        .seed_key(
            "evil\nsecret_FORGED (x): fine\u{1b}]0;pwned\u{7}",
            None,
            1,
            None,
        )
        .id;
    let quiet = world.run(&["keys", "audit", "-q"]);
    let line = quiet
        .code(10)
        .stdout
        .lines()
        .find(|l| l.starts_with(&id))
        .expect("the key's line")
        .to_string();
    assert!(line.ends_with(": never expires"), "{line}");
    assert!(!quiet.stdout.contains('\u{1b}') && !quiet.stdout.contains('\u{7}'));
    assert_eq!(
        quiet.stdout.lines().count(),
        2,
        "the admin's key and this one"
    );
    assert!(!quiet.stdout.lines().any(|l| l.starts_with("secret_FORGED")));
}

#[test]
fn keys_audit_and_rotate_cover_the_accounts_named_and_repeat_them_in_hints() {
    let world = World::new();
    let [a, b, c] = three_accounts(&world);
    let audit =
        world.run_line("keys audit --service-account bot-a --service-account bot-c -o json");
    audit.code(10);
    let found: Vec<String> = audit
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"]["id"].as_str().unwrap().to_string())
        .collect();
    assert!(found.contains(&a) && found.contains(&c), "{found:?}");
    assert!(!found.contains(&b), "{found:?}");
    let table = world.run_line("keys audit --service-account bot-a --service-account bot-c");
    insta::assert_snapshot!(world.shown(&table, &[(&a, "[KEY_A]"), (&c, "[KEY_C]")]), @"
    exit 10
    --- stdout
    [KEY_A]	key-a	bot-a	too_old,no_expiry	created 100 days ago (max age 90d); never expires
    [KEY_C]	key-c	bot-c	too_old,no_expiry	created 100 days ago (max age 90d); never expires
    --- stderr
    2 of 2 key(s) of service accounts bot-a, bot-c need attention.
    hint: rotate a key (new secret, same name and owner, old one revoked) with `flexprice-admin keys rotate ID`, or every key listed here as too_old, expiring or expired with `flexprice-admin keys rotate --due --service-account bot-a --service-account bot-c`
    hint: a key that never expires gets an expiry when rotated: `flexprice-admin keys rotate ID` (the new key lives --expires-in, else the profile's default_expiry, else 90d); `keys rotate --due` leaves such keys alone. To stop reporting them: --no-expiry-keys report|ignore, or `flexprice-admin profile set --no-expiry-keys` (now no_expiry_keys: fail)
    ");

    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}/{{name}}.key", dir.path().display());
    let rotate = world.run(&[
        "keys",
        "rotate",
        "--due",
        "--service-account",
        "bot-a",
        "--service-account",
        "bot-b",
        "--store",
        &store,
        "--yes",
    ]);
    rotate.code(0);
    assert_eq!(world.status(&a), "deleted");
    assert_eq!(world.status(&b), "deleted");
    assert_eq!(world.status(&c), "published");
    assert!(dir.path().join("key-a.key").exists());
    assert!(dir.path().join("key-b.key").exists());
    assert!(!dir.path().join("key-c.key").exists());
}

#[test]
fn audit_walks_every_environment() {
    let world = World::new();
    world.ignore_keys_without_expiry();
    let (_, production_key) = two_environments(&world);
    let json = world
        .run_as(
            world.sandbox.tenant_key(),
            &["keys", "audit", "--all-environments", "-o", "json"],
        )
        .code(10)
        .json();
    assert_eq!(json.as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json[0]["key"]["id"], production_key.as_str());
    assert_eq!(
        json[0]["key"]["environment_id"],
        world.sandbox.production_environment_id()
    );
    assert_eq!(json[0]["key"]["environment_name"], "Production");
    assert_eq!(json[0]["reasons"], serde_json::json!(["too_old"]));
    let plain = world.run_as(
        world.sandbox.tenant_key(),
        &["keys", "audit", "--all-environments"],
    );
    let fields: Vec<&str> = plain.code(10).stdout.trim_end().split('\t').collect();
    assert_eq!(fields[0], production_key);
    assert_eq!(fields[5], world.sandbox.production_environment_id());
    // The admin's own environment alone has nothing to report.
    world.run(&["keys", "audit"]).code(0);
}

/// A credential that may not list users (403): both ways of gathering keys (the current
/// environment, read a page at a time; `--all-environments`, every key at once) say that
/// orphaned keys were not looked for, still judge every other rule the same and exit 10, and
/// keep 10 when the reader closes the pipe. Pinned when `gather_listed` and
/// `gather_everywhere` were split out of `keys audit`.
#[test]
fn without_user_read_both_ways_of_gathering_warn_and_still_judge() {
    let world = World::new();
    world.ignore_keys_without_expiry();
    let old = world.seed_key("old", None, 100, None).id;
    let fresh = world.seed_key("fresh", None, 1, Some(60)).id;
    world.add_fault("/v1/users/search status=403");
    let tenant = world.sandbox.tenant_key().to_string();
    for args in [&[][..], &["--all-environments"][..]] {
        let run = |extra: &[&str]| {
            let mut all = vec!["keys", "audit"];
            all.extend_from_slice(args);
            all.extend_from_slice(extra);
            world.run_as(&tenant_or_admin(&world, &tenant, args), &all)
        };
        let json = run(&["-o", "json"]);
        json.code(10)
            .stderr_has("warning: orphaned keys were not looked for: this credential may not list the tenant's users (it needs user:read)");
        assert_eq!(
            reported(&json.json()),
            [(old.clone(), vec!["too_old".to_string()])],
            "{args:?}"
        );
        let table = run(&[]);
        table
            .code(10)
            .stderr_has("orphaned keys were not looked for");
        assert!(!table.stdout.contains(&fresh), "{args:?}");
        // The admin's key, `old` and `fresh`: the same three either way.
        table.stderr_has("1 of 3 key(s)");
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = world.std_cmd();
        cmd.env("FLEXPRICE_API_KEY", tenant_or_admin(&world, &tenant, args))
            .args(["keys", "audit", "-q"])
            .args(args)
            .stdout(writer);
        crate::harness::finish_std(&mut cmd).code(10);
    }
}

/// The tenant's key for `--all-environments` (the admin's is bound to one), else the admin's.
fn tenant_or_admin(world: &World, tenant: &str, args: &[&str]) -> String {
    if args.contains(&"--all-environments") {
        tenant.to_string()
    } else {
        world.sandbox.admin_key().to_string()
    }
}
