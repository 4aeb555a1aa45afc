//! `service-accounts create | list | rename | delete` end to end.

use crate::harness::World;

#[test]
fn create_list_rename_delete() {
    let world = World::new();
    let run = world.run(&[
        "service-accounts",
        "create",
        "--name",
        "ingest-bot",
        "--role",
        "event_ingestor",
        "-o",
        "json",
    ]);
    let account = run.code(0).json();
    run.stderr_has("Created service account")
        .stderr_has("keys create");
    let id = account["id"].as_str().unwrap().to_string();
    assert_eq!(account["type"], "service_account");
    assert_eq!(account["roles"], serde_json::json!(["event_ingestor"]));

    let list = world.run(&["service-accounts", "list"]);
    assert_eq!(
        list.code(0).stdout,
        format!("{id}\tingest-bot\tevent_ingestor\n")
    );
    // users/search is always sent with limit and offset: without them the server answers 500.
    let search = world
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/users/search")
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&search.body).unwrap();
    assert_eq!(body["type"], "service_account");
    assert!(
        body["limit"].as_u64().unwrap() > 0 && body["offset"] == 0,
        "{body}"
    );

    let renamed = world.run(&[
        "service-accounts",
        "rename",
        "ingest-bot",
        "ingest-eu",
        "-o",
        "json",
    ]);
    assert_eq!(renamed.code(0).json()["name"], "ingest-eu");
    renamed.stderr_has("from ingest-bot to ingest-eu");

    world
        .run(&["service-accounts", "delete", "ingest-eu"])
        .code(2)
        .stderr_has("--yes");
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("published"));
    world
        .run(&["service-accounts", "delete", "ingest-eu", "--yes"])
        .code(0)
        .stderr_has("Archived service account");
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("archived"));
    let empty = world.run(&["service-accounts", "list"]);
    empty.code(0).stderr_has("No service accounts found");
}

#[test]
fn bad_role_sets_are_refused_before_sending() {
    let world = World::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--role", "all_writer"],
            "cannot be held by a service account",
        ),
        (&["--role", "nope"], "does not exist"),
        (
            &["--role", "event_reader", "--role", "event_reader"],
            "twice",
        ),
        (
            &["--role", "super_admin", "--role", "event_reader"],
            "only role",
        ),
    ];
    for (roles, why) in cases {
        let mut args = vec!["service-accounts", "create", "--name", "x"];
        args.extend_from_slice(roles);
        let run = world.run(&args);
        run.code(2).stderr_has("--role").stderr_has(why);
    }
    world
        .run(&["service-accounts", "create", "--name", "x"])
        .code(2)
        .stderr_has("--role");
    assert!(world.requests().is_empty());
}

#[test]
fn delete_with_active_keys_names_them_and_suggests_revoke_keys() {
    let world = World::new();
    let id = world.service_account("busy-bot", "event_reader");
    let (key, _) = world.create_key(&["--name", "busy-key", "--service-account", "busy-bot"]);
    let run = world.run(&["service-accounts", "delete", "busy-bot", "--yes"]);
    run.code(7)
        .stderr_has("still has active API keys")
        .stderr_has(key["id"].as_str().unwrap())
        .stderr_has("busy-key")
        .stderr_has("--revoke-keys")
        .stderr_has("publishable keys");
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("published"));

    let run = world.run(&[
        "service-accounts",
        "delete",
        "busy-bot",
        "--revoke-keys",
        "--yes",
    ]);
    run.code(0)
        .stderr_has("Revoked key")
        .stderr_has("Archived service account");
    assert_eq!(
        world
            .sandbox
            .key(key["id"].as_str().unwrap())
            .unwrap()
            .status,
        "deleted"
    );
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("archived"));
}

#[test]
fn a_publishable_key_blocks_the_archive_and_is_explained() {
    let world = World::new();
    let id = world.service_account("pk-bot", "event_reader");
    world.create_key(&[
        "--name",
        "browser",
        "--service-account",
        "pk-bot",
        "--publishable",
    ]);
    let run = world.run(&[
        "service-accounts",
        "delete",
        "pk-bot",
        "--revoke-keys",
        "--yes",
    ]);
    run.code(7)
        .stderr_has("publishable keys")
        .stderr_has("keys delete secret_");
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("published"));
}

#[test]
fn ambiguous_account_names_list_the_candidates() {
    let world = World::new();
    let a = world.service_account("twin-bot", "event_reader");
    // A twin made elsewhere (the dashboard): this tool refuses to make one without a flag.
    let b = world
        .sandbox
        .seed_service_account("twin-bot", &["event_ingestor"]);
    let run = world.run(&[
        "keys",
        "create",
        "--name",
        "k",
        "--service-account",
        "twin-bot",
    ]);
    run.code(2)
        .stderr_has("ambiguous")
        .stderr_has(&a)
        .stderr_has(&b);
    assert!(world.sandbox.keys().iter().all(|k| k.name != "k"));
}

#[test]
fn create_if_missing_run_twice_creates_one_account_and_prints_its_id_both_times() {
    let world = World::new();
    let args = [
        "service-accounts",
        "create",
        "--name",
        "ingest",
        "--role",
        "event_ingestor",
        "--if-missing",
        "-q",
    ];
    let first = world.run(&args);
    first.code(0);
    let id = first.stdout.trim().to_string();
    assert!(id.starts_with("user_"), "{}", first.stdout);
    let second = world.run(&args);
    second.code(0);
    assert_eq!(
        second.stdout.trim(),
        id,
        "the same ID, as a script reads it"
    );
    let creates = |world: &World| {
        world
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v1/users")
            .count()
    };
    assert_eq!(creates(&world), 1, "the second run created nothing");

    // Without -q it says so; -o json gives the account as a create would.
    let said = world.run(&[
        "service-accounts",
        "create",
        "--name",
        "ingest",
        "--role",
        "event_ingestor",
        "--if-missing",
        "-o",
        "json",
    ]);
    said.code(0).stderr_has(&format!(
        "Service account 'ingest' already exists ({id}, roles event_ingestor); nothing was created (--if-missing)."
    ));
    assert_eq!(said.json()["id"], id.as_str());
    assert_eq!(said.json()["roles"], serde_json::json!(["event_ingestor"]));

    // Other roles: not what was asked for, and roles cannot change: exit 7, nothing created.
    let other = world.run(&[
        "service-accounts",
        "create",
        "--name",
        "ingest",
        "--role",
        "event_reader",
        "--if-missing",
    ]);
    other
        .code(7)
        .stderr_has("already exists with roles event_ingestor, not event_reader")
        .stderr_has(&id);
    assert_eq!(other.stdout, "");

    // Without --if-missing the second create is still refused (exit 7).
    world
        .run(&[
            "service-accounts",
            "create",
            "--name",
            "ingest",
            "--role",
            "event_ingestor",
        ])
        .code(7)
        .stderr_has("already exists");
    // Two accounts of the name: --if-missing cannot tell which was meant.
    world
        .run(&[
            "service-accounts",
            "create",
            "--name",
            "ingest",
            "--role",
            "event_ingestor",
            "--allow-duplicate-name",
        ])
        .code(0);
    world
        .run(&args)
        .code(7)
        .stderr_has("2 service accounts are named 'ingest'");
    assert_eq!(creates(&world), 2);

    // The two flags contradict each other: refused before any request.
    let before = world.requests().len();
    world
        .run(&[
            "service-accounts",
            "create",
            "--name",
            "x",
            "--role",
            "event_ingestor",
            "--if-missing",
            "--allow-duplicate-name",
        ])
        .code(2)
        .stderr_has("--if-missing");
    assert_eq!(world.requests().len(), before);
}
