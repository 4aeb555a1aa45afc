//! Output shapes shared by every command: `-o jsonl` beside `-o json`, tables that fit 80
//! columns with IDs whole, one rendering of a user key's owner, and the short-lifetime warning.

use flexprice_sandbox::SeedKey;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::harness::World;

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn jsonl_is_json_one_object_a_line() {
    let world = World::new();
    world.ignore_keys_without_expiry();
    let account = world.service_account("ingest-bot", "event_ingestor");
    world.create_key(&["--name", "a", "--service-account", &account]);
    world.create_key(&["--name", "b", "--service-account", &account]);

    for args in [
        &["keys", "list"][..],
        &["service-accounts", "list"][..],
        &["roles", "list"][..],
        &["environments", "list"][..],
    ] {
        let json = world.run(&[args, &["-o", "json"]].concat());
        json.code(0);
        let jsonl = world.run(&[args, &["-o", "jsonl"]].concat());
        jsonl.code(0);
        let whole = json.json();
        assert!(!whole.as_array().unwrap().is_empty(), "{args:?}");
        assert_eq!(
            Value::Array(lines(&jsonl.stdout)),
            whole,
            "{args:?}: the same items, one a line"
        );
    }
    let tenant = world.sandbox.tenant_key().to_string();
    let json = world.run_as(
        &tenant,
        &["keys", "list", "--all-environments", "-o", "json"],
    );
    let jsonl = world.run_as(
        &tenant,
        &["keys", "list", "--all-environments", "-o", "jsonl"],
    );
    assert_eq!(
        Value::Array(lines(&jsonl.code(0).stdout)),
        json.code(0).json()
    );
    // One object: one line.
    let run = world.run(&["whoami", "-o", "jsonl"]);
    run.code(0);
    assert_eq!(run.stdout.lines().count(), 1);
    assert_eq!(lines(&run.stdout)[0]["name"], "Admin");
    // A created key, with its secret, on one line.
    let run = world.run(&["keys", "create", "--name", "c", "-o", "jsonl"]);
    run.code(0);
    let created = lines(&run.stdout);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["key"]["name"], "c");
    assert!(created[0]["api_key"].as_str().unwrap().starts_with("sk_"));
    // Nothing to list: nothing written (a log gains no line), where json writes `[]`.
    let run = world.run(&["keys", "list", "--name", "none", "-o", "jsonl"]);
    run.code(0);
    assert_eq!(run.stdout, "");
    let run = world.run(&["keys", "audit", "-o", "jsonl"]);
    run.code(0);
    assert_eq!(run.stdout, "");
}

#[test]
fn a_user_keys_owner_reads_the_same_in_list_audit_and_json() {
    let world = World::new();
    let now = Timestamp::now();
    let id = world
        .sandbox
        .seed_key(SeedKey {
            name: "old-user-key".into(),
            created_at: Some(now - SignedDuration::from_hours(24 * 100)),
            ..SeedKey::default()
        })
        .id;
    let field = |stdout: &str, column: usize| -> String {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&id))
            .expect("the key");
        line.split('\t').nth(column).unwrap().to_string()
    };
    let list = world.run(&["keys", "list"]);
    list.code(0);
    let audit = world.run(&["keys", "audit"]);
    audit.code(10);
    assert_eq!(field(&list.stdout, 2), "Admin");
    assert_eq!(field(&audit.stdout, 2), "Admin");
    let json = world.run(&["keys", "list", "-o", "json"]).json();
    let listed = json
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(listed["owner_name"], "Admin");
    assert_eq!(listed["owner_type"], "user");
    let audited = world.run(&["keys", "audit", "-o", "json"]).json();
    assert_eq!(audited[0]["key"]["owner_name"], "Admin");
    assert_eq!(audited[0]["key"]["owner_id"], listed["owner_id"]);
}

#[test]
fn tables_fit_eighty_columns_with_ids_shortened_to_a_unique_start() {
    let world = World::new();
    world.ignore_keys_without_expiry();
    let account = world.service_account(
        "a-service-account-with-a-rather-long-descriptive-name",
        "event_ingestor",
    );
    let now = Timestamp::now();
    let id = world
        .sandbox
        .seed_key(SeedKey {
            name: "a-key-name-long-enough-to-need-more-than-its-share-of-a-row".into(),
            owner_user_id: Some(account),
            created_at: Some(now - SignedDuration::from_hours(24 * 120)),
            expires_at: Some(now + SignedDuration::from_hours(24 * 3)),
            ..SeedKey::default()
        })
        .id;
    for command in ["keys list", "keys audit"] {
        let mut cmd = std::process::Command::new("/bin/sh");
        cmd.env_clear()
            .envs(
                world
                    .std_cmd()
                    .get_envs()
                    .filter_map(|(k, v)| Some((k, v?))),
            )
            .env("NO_COLOR", "1")
            .arg("-c")
            .arg(format!(
                "stty cols 80 rows 40; exec '{}' {command}",
                crate::harness::bin().display()
            ));
        let mut session = crate::harness::pty(cmd);
        let raw = session.exp_eof().expect("exits");
        // rexpect hands back one char per byte: put the UTF-8 (`…`) back together.
        let screen = String::from_utf8(raw.chars().map(|c| c as u32 as u8).collect()).unwrap();
        let rows: Vec<&str> = screen
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| l.starts_with("ID ") || l.starts_with("secret_"))
            .collect();
        let keys = if command == "keys list" { 2 } else { 1 };
        assert_eq!(
            rows.len(),
            1 + keys,
            "{command}: a header and one line a key:\n{screen}"
        );
        assert_eq!(
            screen.lines().filter(|l| !l.trim().is_empty()).count(),
            rows.len() + usize::from(command == "keys audit") * 2,
            "{command}: nothing wrapped onto a line of its own:\n{screen}"
        );
        for row in &rows {
            assert!(
                row.chars().count() <= 80,
                "{command}: wider than 80:\n{screen}"
            );
        }
        // The ID, the widest column, gave way to its unique start (no `…`: it is copied).
        let row = rows
            .iter()
            .find(|r| r.contains("a-key-"))
            .expect("the seeded key's row");
        let shown = row.split(' ').next().unwrap();
        assert!(id.starts_with(shown) && shown.len() < id.len(), "{screen}");
        assert!(row.contains('…'), "{command}: long cells cut:\n{screen}");
    }
}

#[test]
fn a_key_that_lives_no_longer_than_the_expiring_window_is_warned_about() {
    let world = World::new();
    world.ignore_keys_without_expiry();
    let run = world.run(&[
        "keys",
        "create",
        "--name",
        "weekly",
        "--expires-in",
        "7d",
        "-q",
    ]);
    run.code(0)
        .stderr_has("a key that lives 7d is no longer than the expiring window (14d, the default expiring_within)")
        .stderr_has("keys rotate --due");
    let id = world
        .run(&["keys", "list", "--name", "weekly", "-q"])
        .stdout
        .trim()
        .to_string();
    let run = world.run(&["keys", "audit", "-q"]);
    run.code(10)
        .stderr_has(&format!(
            "key {id} (weekly) lives 7d, no longer than the expiring window"
        ))
        .stderr_has("profile set --expiring-within");
    // A window shorter than the lifetime: no churn, no warning, and nothing found.
    let run = world.run(&["keys", "audit", "-q", "--expiring-within", "3d"]);
    run.code(0);
    assert_eq!(run.stderr, "");
    let run = world.run(&[
        "keys",
        "create",
        "--name",
        "monthly",
        "--expires-in",
        "30d",
        "-q",
    ]);
    run.code(0);
    assert_eq!(run.stderr, "");
}
