//! `keys audit`'s findings beyond the rotation policy: keys that never expire and
//! service-account keys that can do everything, each under a rule (fail, report, ignore) from the
//! flags, else the profile, else the documented defaults; and `-q`, one line per key and why.

use crate::harness::World;

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
    world
        .run(&["keys", "audit", "-o", "table"])
        .code(10)
        .stderr_has("`flexprice-admin keys rotate ID`")
        .stderr_has("--no-expiry-keys report|ignore")
        .stderr_has("(now no_expiry_keys: fail)");
    // report: listed, exit 0; -q then prints nothing (cron mails nothing).
    let report = world.run(&["keys", "audit", "--no-expiry-keys", "report"]);
    report
        .code(0)
        .stderr_has("0 of 3 key(s) need attention. 2 more reported without failing the audit (--no-expiry-keys report).");
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
    run.stderr_has("privileged_keys report")
        .stderr_has("service-accounts create --name NAME --role event_ingestor");
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
    world
        .run(&["profile", "set", "--privileged-keys", "fail"])
        .code(0)
        .stderr_has("privileged_keys");
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
    world
        .run(&["keys", "audit", "--privileged-keys", "sometimes"])
        .code(2)
        .stderr_has("--privileged-keys");
    world.write_config("[profiles.default]\nno_expiry_keys = \"never\"\n");
    world
        .run(&["keys", "audit"])
        .code(2)
        .stderr_has("no_expiry_keys = \"never\" must be \"fail\", \"report\" or \"ignore\"");
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
