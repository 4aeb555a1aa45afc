//! `service-accounts create | list | rename | delete`: roles checked before sending, names kept
//! unambiguous, `--if-missing`, keys that block an archive named before anything is asked, the
//! receipts, and the environment header user administration will need.

use flexprice_sandbox::SandboxOptions;

use crate::harness::{World, exit_code, pty};

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
    assert_eq!(world.status(key["id"].as_str().unwrap()), "deleted");
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

#[test]
fn service_accounts_delete_names_blocking_keys_before_asking() {
    let world = World::new();
    let account = world.service_account("ingest-bot", "event_ingestor");
    let (key, _) = world.create_key(&["--name", "ci-ingest", "--service-account", &account]);

    let mut cmd = world.std_cmd();
    cmd.args(["service-accounts", "delete", "ingest-bot"]);
    let mut session = pty(cmd);
    let before = session
        .exp_string("still has active API keys")
        .expect("refused at once");
    assert!(!before.contains("Archive service account"), "{before}");
    session
        .exp_string(key["id"].as_str().unwrap())
        .expect("names the blocking key");
    session.exp_string("--revoke-keys").expect("names the fix");
    session.exp_eof().expect("exits");
    assert_eq!(exit_code(&mut session), 7);
    assert_eq!(
        world.sandbox.user_status(&account).as_deref(),
        Some("published")
    );
    assert!(
        world
            .mutating_requests()
            .iter()
            .all(|r| r.method != "DELETE"),
        "nothing was changed"
    );

    // Off a terminal too: the same refusal, not "pass --yes".
    let run = world.run(&["sa", "delete", "ingest-bot"]);
    run.code(7)
        .stderr_has("still has active API keys")
        .stderr_has("ci-ingest");
    assert!(!run.stderr.contains("--yes"), "{}", run.stderr);
}

#[test]
fn a_second_service_account_of_the_same_name_needs_a_flag_and_is_named_by_id() {
    let world = World::new();
    let first = world.service_account("ingest-bot", "event_ingestor");
    let run = world.run(&[
        "sa",
        "create",
        "--name",
        "ingest-bot",
        "--role",
        "event_reader",
    ]);
    run.code(7)
        .stderr_has("a service account named 'ingest-bot' already exists")
        .stderr_has(&first)
        .stderr_has("--allow-duplicate-name");
    assert!(
        world
            .mutating_requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count()
            == 1,
        "only the first account was created"
    );
    let run = world.run(&[
        "sa",
        "create",
        "--name",
        "ingest-bot",
        "--role",
        "event_reader",
        "--allow-duplicate-name",
        "-q",
    ]);
    run.code(0)
        .stderr_has("2 service accounts are now named 'ingest-bot'");
    let second = run.stdout.trim();
    assert!(
        second.starts_with("user_") && second != first,
        "{}",
        run.stdout
    );
    // Every later reference by that name is ambiguous, as the warning said.
    world
        .run(&["keys", "list", "--service-account", "ingest-bot"])
        .code(2)
        .stderr_has("ambiguous");
}

#[test]
fn writes_confirm_on_stderr_what_they_did() {
    let world = World::new();
    let run = world.run(&[
        "service-accounts",
        "create",
        "--name",
        "receipt-bot",
        "--role",
        "event_reader",
    ]);
    run.code(0).stderr_has("Created service account");
    let run = world.run(&["keys", "create", "--name", "receipt-key"]);
    run.code(0).stderr_has("Created key secret_");
    let run = world.run(&["service-accounts", "rename", "receipt-bot", "receipt-bot-2"]);
    run.code(0).stderr_has("Renamed service account");
    let run = world.run(&["keys", "delete", "receipt-key", "--yes"]);
    run.code(0)
        .stderr_has("Revoked key secret_")
        .stderr_has("(receipt-key)");
    let run = world.run(&["service-accounts", "delete", "receipt-bot-2", "--yes"]);
    run.code(0).stderr_has("Archived service account");
}

fn strict() -> World {
    World::with(SandboxOptions {
        environment_required_for_user_admin: true,
        ..SandboxOptions::default()
    })
}

#[test]
fn user_administration_carries_the_configured_environment() {
    let world = strict();
    let env = world.sandbox.sandbox_environment_id().to_owned();
    let tenant_key = world.sandbox.tenant_key().to_owned();
    let login_token = world.sandbox.jwt_for(world.sandbox.admin_user_id());
    for (i, credential) in [tenant_key, login_token].iter().enumerate() {
        let name = format!("env-bot-{i}");
        let id = world.service_account(&name, "event_reader");
        world.sandbox.clear_requests();
        let as_unbound = |args: &[&str], with_env: bool| {
            world.run_with(args, |cmd| {
                cmd.env("FLEXPRICE_API_KEY", credential);
                if with_env {
                    cmd.env("FLEXPRICE_ENVIRONMENT_ID", &env);
                }
            })
        };
        let renamed = format!("{name}-renamed");
        // Without an environment the server refuses, and the tool says what to pass.
        as_unbound(&["service-accounts", "rename", &name, &renamed], false)
            .code(6)
            .stderr_has("--environment");
        as_unbound(&["service-accounts", "rename", &name, &renamed], true).code(0);
        as_unbound(&["service-accounts", "delete", &renamed, "--yes"], true).code(0);
        assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("archived"));

        let admin_calls: Vec<_> = world
            .requests()
            .into_iter()
            .filter(|r| r.path == format!("/v1/users/{id}") && r.status < 300)
            .collect();
        let methods: Vec<&str> = admin_calls.iter().map(|r| r.method.as_str()).collect();
        assert_eq!(methods, ["PUT", "DELETE"]);
        for r in &admin_calls {
            assert_eq!(
                r.header("x-environment-id"),
                Some(env.as_str()),
                "{}",
                r.method
            );
        }
    }
}
