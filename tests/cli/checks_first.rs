//! Checks before questions: what can be known from the server is checked before the operator is
//! asked anything (on a terminal) or anything is changed, and references by name stay
//! unambiguous (service-account names, environment names).

use flexprice_sandbox::SeedKey;

use crate::harness::{World, exit_code, pty};

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
fn keys_create_checks_the_service_account_before_asking_for_a_name() {
    let world = World::new();
    world.service_account("ingest-bot", "event_ingestor");
    let mut cmd = world.std_cmd();
    cmd.args(["keys", "create", "--service-account", "ingest-bto"]);
    let mut session = pty(cmd);
    let before = session
        .exp_string("no service account with ID or name 'ingest-bto'")
        .expect("the typo is reported first");
    assert!(!before.contains("Key name"), "{before}");
    session.exp_eof().expect("exits");
    assert_eq!(exit_code(&mut session), 4);
    assert!(world.sandbox.keys().iter().all(|k| k.name != "ingest-bto"));
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
fn environment_takes_a_name_or_an_id() {
    let world = World::new();
    let production = world.sandbox.production_environment_id().to_string();
    let key = world
        .sandbox
        .seed_key(SeedKey {
            name: "prod-ingest".into(),
            environment_id: Some(production.clone()),
            ..SeedKey::default()
        })
        .id;
    let tenant = world.sandbox.tenant_key().to_string();
    for environment in ["Production", production.as_str()] {
        let run = world.run_as(
            &tenant,
            &["--environment", environment, "keys", "list", "-q"],
        );
        run.code(0);
        assert_eq!(run.stdout.trim(), key, "--environment {environment}");
    }
    let run = world.run_as(&tenant, &["--environment", "Prod", "keys", "list"]);
    run.code(4)
        .stderr_has("no environment is named 'Prod'")
        .stderr_has("Sandbox, Production");
    // A profile keeps the name as given; it is resolved each time it is used.
    world
        .run(&[
            "profile",
            "set",
            "--profile",
            "p",
            "--environment",
            "Production",
        ])
        .code(0);
    let run = world.run_as(&tenant, &["--profile", "p", "keys", "list", "-q"]);
    run.code(0);
    assert_eq!(run.stdout.trim(), key);
}

#[test]
fn auth_login_takes_an_environment_by_name_and_the_profile_keeps_it() {
    let world = World::new();
    let tenant = world.sandbox.tenant_key().to_string();
    let login = world.run_with(
        &[
            "auth",
            "login",
            "--profile",
            "named-env",
            "--environment",
            "Production",
            "--api-key-stdin",
        ],
        |cmd| {
            cmd.env_remove("FLEXPRICE_API_KEY")
                .env("DBUS_SESSION_BUS_ADDRESS", crate::secret_service::address())
                .write_stdin(format!("{tenant}\n"));
        },
    );
    login.code(0).stderr_has("Logged in");
    let config = std::fs::read_to_string(world.config_dir().join("config.toml")).unwrap();
    assert!(config.contains("environment = \"Production\""), "{config}");
    let production = world.sandbox.production_environment_id();
    let checks: Vec<_> = world
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/users/me"))
        .collect();
    assert!(!checks.is_empty());
    for check in checks {
        let sent = check
            .headers
            .iter()
            .find(|(k, _)| k == "x-environment-id")
            .map(|(_, v)| v.as_str());
        assert_eq!(
            sent,
            Some(production),
            "the key was checked in Production, by ID"
        );
    }
}
