//! `keys create`, `keys list` and `keys delete` end to end.

use flexprice_sandbox::SeedKey;
use jiff::{SignedDuration, Timestamp};

use crate::harness::{World, display_form, fault, is_secret_key};

#[test]
fn create_prints_the_secret_alone_and_warns_on_stderr() {
    let world = World::new();
    let run = world.run(&["keys", "create", "--name", "ci-ingest"]);
    run.code(0)
        .stderr_has("only time the secret is shown")
        .stderr_has("must be rotated");
    let secret = run.stdout.strip_suffix('\n').expect("newline-terminated");
    assert!(
        is_secret_key(secret),
        "stdout is exactly the secret: {:?}",
        run.stdout
    );
    assert!(
        !run.stderr.contains(secret),
        "the secret never reaches stderr"
    );

    // The key exists, is owned by the caller, and expires in 90 days (Flexprice's guidance).
    let key = world
        .sandbox
        .keys()
        .into_iter()
        .find(|k| k.name == "ci-ingest")
        .expect("key minted");
    assert_eq!(key.user_id, world.sandbox.admin_user_id());
    let lifetime = key
        .expires_at
        .expect("has an expiry")
        .duration_since(key.created_at);
    assert!(
        (lifetime - SignedDuration::from_hours(90 * 24)).abs() < SignedDuration::from_secs(5),
        "{lifetime:?}"
    );
    // The new secret authenticates.
    world.run_as(secret, &["whoami", "-q"]).code(0);
}

#[test]
fn create_json_has_the_key_object_and_the_secret() {
    let world = World::new();
    let (key, secret) = world.create_key(&["--name", "json-key", "--expires-in", "7d"]);
    assert!(is_secret_key(&secret));
    assert!(key["id"].as_str().unwrap().starts_with("secret_"));
    assert_eq!(key["name"], "json-key");
    assert_eq!(key["type"], "private_key");
    assert_eq!(key["owner_type"], "user");
    assert_eq!(key["expired"], false);
    assert_eq!(key["display_id"].as_str().unwrap(), display_form(&secret));
    let created: Timestamp = key["created_at"].as_str().unwrap().parse().unwrap();
    let expires: Timestamp = key["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(
        (expires.duration_since(created) - SignedDuration::from_hours(7 * 24)).abs()
            < SignedDuration::from_secs(5)
    );
}

#[test]
fn create_for_a_service_account_by_name() {
    let world = World::new();
    let account = world.service_account("ingest-bot", "event_ingestor");
    let (key, secret) = world.create_key(&[
        "--name",
        "ci-ingest",
        "--service-account",
        "ingest-bot",
        "--no-expiry",
    ]);
    assert_eq!(key["owner_type"], "service_account");
    assert_eq!(key["owner_id"], account.as_str());
    assert_eq!(key["owner_name"], "ingest-bot");
    assert_eq!(key["roles"], serde_json::json!(["event_ingestor"]));
    assert!(key["expires_at"].is_null());
    let sent = world
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == "/v1/secrets/api/keys")
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"name": "ci-ingest", "type": "private_key", "service_account_id": account})
    );
    // The service account's key authenticates as the service account.
    let me = world.run_as(&secret, &["whoami", "-o", "json"]);
    assert_eq!(me.code(0).json()["type"], "service_account");
}

#[test]
fn create_takes_its_default_lifetime_from_the_profile() {
    let world = World::new();
    world.write_config("[profiles.ci]\ndefault_expiry = \"30d\"\n");
    let run = world.run(&[
        "--profile",
        "ci",
        "keys",
        "create",
        "--name",
        "short",
        "-o",
        "json",
    ]);
    let key = &run.code(0).json()["key"];
    let created: Timestamp = key["created_at"].as_str().unwrap().parse().unwrap();
    let expires: Timestamp = key["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(
        (expires.duration_since(created) - SignedDuration::from_hours(30 * 24)).abs()
            < SignedDuration::from_secs(5)
    );
}

#[test]
fn create_with_expires_at_sends_that_time() {
    let world = World::new();
    let at = Timestamp::now()
        .checked_add(SignedDuration::from_hours(24 * 10))
        .unwrap();
    let at = Timestamp::from_second(at.as_second()).unwrap().to_string();
    let (key, _) = world.create_key(&["--name", "dated", "--expires-at", &at]);
    assert_eq!(key["expires_at"], at.as_str());
}

#[test]
fn create_refuses_bad_input_before_sending_anything() {
    let world = World::new();
    let cases: &[(&[&str], &str)] = &[
        (&["keys", "create"], "--name"),
        (&["keys", "create", "--name", ""], "--name"),
        (&["keys", "create", "--name", "  "], "--name"),
        (
            &["keys", "create", "--name", "x", "--expires-in", "soon"],
            "--expires-in",
        ),
        (
            &["keys", "create", "--name", "x", "--expires-in", "-3d"],
            "--expires-in",
        ),
        (
            &[
                "keys",
                "create",
                "--name",
                "x",
                "--expires-at",
                "2001-01-01T00:00:00Z",
            ],
            "--expires-at",
        ),
        (
            &[
                "keys",
                "create",
                "--name",
                "x",
                "--expires-in",
                "1d",
                "--no-expiry",
            ],
            "--no-expiry",
        ),
        (
            &[
                "keys",
                "create",
                "--name",
                "x",
                "--service-account",
                "user_123",
            ],
            "--service-account",
        ),
        (&["keys", "create", "--name", "x", "-o", "yaml"], "--output"),
    ];
    for (args, flag) in cases {
        let run = world.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(flag),
            "{args:?} should name {flag}: {}",
            run.stderr
        );
    }
    assert!(
        world.mutating_requests().is_empty(),
        "{:?}",
        world.mutating_requests()
    );
    assert!(
        world.requests().is_empty(),
        "bad input sends no request at all"
    );
}

#[test]
fn dry_run_prints_the_request_and_sends_none() {
    let world = World::new();
    let run = world.run(&["keys", "create", "--name", "planned", "--dry-run"]);
    run.code(0)
        .stdout_has("POST http://")
        .stdout_has("/v1/secrets/api/keys")
        .stdout_has("\"name\":\"planned\"");
    assert!(
        !run.stdout.contains(world.sandbox.admin_key()),
        "the credential is redacted"
    );
    assert!(world.mutating_requests().is_empty());
    assert!(world.sandbox.keys().iter().all(|k| k.name != "planned"));
}

#[test]
fn list_is_newest_first_in_every_format() {
    let world = World::new();
    let now = Timestamp::now();
    for (i, name) in ["old", "middle", "new"].iter().enumerate() {
        world.sandbox.seed_key(SeedKey {
            name: name.to_string(),
            created_at: Some(now - SignedDuration::from_hours(48 - i as i64 * 10)),
            expires_at: Some(now + SignedDuration::from_hours(24 * 30)),
            ..SeedKey::default()
        });
    }
    let plain = world.run(&["keys", "list"]);
    let names: Vec<&str> = plain
        .code(0)
        .stdout
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    assert_eq!(names, ["admin", "new", "middle", "old"]);
    let first: Vec<&str> = plain.stdout.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!(
        first.len(),
        7,
        "ID NAME OWNER ROLES CREATED EXPIRES STATUS: {first:?}"
    );
    assert_eq!(&first[1..4], ["new", "Admin", "super_admin"]);
    assert_eq!(first[6], "active");
    first[4]
        .parse::<Timestamp>()
        .expect("CREATED is RFC 3339 when piped");

    let json = world.run(&["keys", "list", "-o", "json"]).code(0).json();
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "new", "middle", "old"]);

    let table = world.run(&["keys", "list", "-o", "table"]);
    table
        .code(0)
        .stdout_has("ID")
        .stdout_has("EXPIRES")
        .stdout_has("in 30 days");

    let limited = world.run(&["keys", "list", "--limit", "2", "-q"]);
    assert_eq!(limited.code(0).stdout.lines().count(), 2);
    let named = world
        .run(&["keys", "list", "--name", "middle", "-o", "json"])
        .code(0)
        .json();
    assert_eq!(named.as_array().unwrap().len(), 1);
}

#[test]
fn list_marks_expired_keys() {
    let world = World::new();
    world.seed_key("stale", None, 100, Some(-10));
    let table = world.run(&["keys", "list", "-o", "table"]);
    table.code(0).stdout_has("expired 10 days ago");
    let json = world
        .run(&["keys", "list", "-o", "json", "--name", "stale"])
        .code(0)
        .json();
    assert_eq!(json[0]["expired"], true);
}

#[test]
fn list_filters_by_service_account() {
    let world = World::new();
    world.service_account("ingest-bot", "event_ingestor");
    world.create_key(&["--name", "a", "--service-account", "ingest-bot"]);
    world.create_key(&["--name", "b"]);
    let json = world
        .run(&[
            "keys",
            "list",
            "--service-account",
            "ingest-bot",
            "-o",
            "json",
        ])
        .code(0)
        .json();
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a"]);
}

#[test]
fn list_of_nothing_says_so_and_suggests_the_next_command() {
    let world = World::new();
    let account = world.service_account("empty-bot", "event_reader");
    let run = world.run(&["keys", "list", "--service-account", &account]);
    run.code(0)
        .stderr_has("No keys found")
        .stderr_has("keys create");
    assert_eq!(run.stdout, "");
}

#[test]
fn delete_needs_yes_off_a_terminal_and_sends_nothing_without_it() {
    let world = World::new();
    let (key, _) = world.create_key(&["--name", "victim"]);
    let run = world.run(&["keys", "delete", "victim"]);
    run.code(2).stderr_has("--yes");
    assert_eq!(
        world
            .sandbox
            .key(key["id"].as_str().unwrap())
            .unwrap()
            .status,
        "published"
    );
    assert!(
        world
            .mutating_requests()
            .iter()
            .all(|r| r.method != "DELETE")
    );
}

#[test]
fn delete_revokes_by_name_and_id_and_reports_each() {
    let world = World::new();
    let (a, secret_a) = world.create_key(&["--name", "first"]);
    let (b, _) = world.create_key(&["--name", "second"]);
    let b_id = b["id"].as_str().unwrap();
    let run = world.run(&["keys", "delete", "first", b_id, "--yes"]);
    run.code(0)
        .stderr_has(&format!(
            "Revoked key {} (first)",
            a["id"].as_str().unwrap()
        ))
        .stderr_has(&format!("Revoked key {b_id} (second)"))
        .stderr_has("up to two minutes");
    for id in [a["id"].as_str().unwrap(), b_id] {
        assert_eq!(world.sandbox.key(id).unwrap().status, "deleted");
    }
    // Never used before the revocation, so not in Flexprice's cache: refused at once (a used one
    // lingers, see tests/cli/revocation.rs).
    world.run_as(&secret_a, &["whoami"]).code(3);
}

#[test]
fn delete_of_an_ambiguous_name_lists_candidates_and_revokes_nothing() {
    let world = World::new();
    let (a, _) = world.create_key(&["--name", "twin"]);
    let (b, _) = world.create_key(&["--name", "twin"]);
    let run = world.run(&["keys", "delete", "twin", "--yes"]);
    run.code(2)
        .stderr_has("ambiguous")
        .stderr_has(a["id"].as_str().unwrap())
        .stderr_has(b["id"].as_str().unwrap());
    assert!(
        world
            .mutating_requests()
            .iter()
            .all(|r| r.method != "DELETE")
    );
}

#[test]
fn delete_of_an_unknown_key_is_not_found() {
    let world = World::new();
    world
        .run(&["keys", "delete", "ghost", "--yes"])
        .code(4)
        .stderr_has("keys list");
    world
        .run(&["keys", "delete", "secret_nope", "--yes"])
        .code(2)
        .stderr_has("malformed");
    assert!(world.mutating_requests().is_empty());
}

#[test]
fn a_batch_with_a_failure_exits_8_and_reports_each_key() {
    let world = World::new();
    let (ok, _) = world.create_key(&["--name", "fine"]);
    let (bad, _) = world.create_key(&["--name", "stuck"]);
    let bad_id = bad["id"].as_str().unwrap();
    world.sandbox.add_fault(fault(&format!(
        "DELETE /v1/secrets/api/keys/{bad_id} status=500"
    )));
    let run = world.run(&["keys", "delete", "fine", "stuck", "--yes"]);
    run.code(8)
        .stderr_has(&format!(
            "Revoked key {} (fine)",
            ok["id"].as_str().unwrap()
        ))
        .stderr_has(&format!("could not revoke key {bad_id} (stuck)"))
        .stderr_has("1 of 2 keys");
    assert_eq!(
        world
            .sandbox
            .key(ok["id"].as_str().unwrap())
            .unwrap()
            .status,
        "deleted"
    );
    assert_eq!(world.sandbox.key(bad_id).unwrap().status, "published");
}
