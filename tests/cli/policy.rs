//! The rotation policy (`max_age`, `expiring_within` in the profile, `--max-age` and
//! `--expiring-within` on the command line) and the key scope (`--service-account`, `--name`),
//! as `keys audit` and `keys list` apply them.

use serde_json::Value;

use crate::harness::World;

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
    let run = world.run(&[
        "keys",
        "audit",
        "--max-age",
        "50d",
        "--expiring-within",
        "12d",
        "-o",
        "table",
    ]);
    run.code(10)
        .stderr_has("keys rotate --due --max-age 50d --expiring-within 12d`")
        .stderr_has("1 of 3 key(s) need attention");
    let json = world
        .run(&["keys", "audit", "--max-age", "50d", "-o", "json"])
        .code(0)
        .json();
    assert_eq!(json, serde_json::json!([]));

    // Profile values are read by every command, so the hint does not repeat them.
    world
        .run(&["keys", "audit", "-o", "table"])
        .code(10)
        .stderr_has("every key listed here as too_old, expiring or expired with `flexprice-admin keys rotate --due`");
}

#[test]
fn a_bad_policy_in_the_profile_is_a_usage_error_naming_it() {
    let world = World::new();
    world.write_config("[profiles.default]\nexpiring_within = \"a while\"\n");
    world
        .run(&["keys", "audit"])
        .code(2)
        .stderr_has("profile 'default': expiring_within = \"a while\"");
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
        .run(&[
            "keys",
            "audit",
            "--service-account",
            "ingest-bot",
            "-o",
            "json",
        ])
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
    run.code(10)
        .stderr_has("1 of 1 key(s) of service account ingest-bot named ci-ingest need attention")
        .stderr_has(&format!(
            "keys rotate --due --service-account {bot} --name ci-ingest`"
        ));
    assert!(run.stdout.contains(&bots_old), "{}", run.stdout);

    world
        .run(&[
            "keys",
            "audit",
            "--service-account",
            "report-bot",
            "--name",
            "backfill",
        ])
        .code(0)
        .stderr_has("All 0 key(s) of service account report-bot named backfill");
    world
        .run(&["keys", "audit", "--service-account", "nobody"])
        .code(4)
        .stderr_has("--service-account");
    world
        .run(&["keys", "audit", "--service-account", "user_123"])
        .code(2)
        .stderr_has("malformed");
}
