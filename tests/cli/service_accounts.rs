//! `service-accounts create | list | rename | delete`: roles checked before sending, names kept
//! unambiguous, `--if-missing`, keys that block an archive named before anything is asked, the
//! receipts, and the environment header user administration will need.

use flexprice_sandbox::SandboxOptions;

use crate::harness::{World, exit_code, pty, signal_at_gate, spawn};

#[test]
fn create_list_rename_delete() {
    let world = World::new();
    let run =
        world.run_line("service-accounts create --name ingest-bot --role event_ingestor -o json");
    let account = run.code(0).json();
    insta::assert_snapshot!(world.shown(&run, &[(account["id"].as_str().unwrap(), "[BOT]")]), @r#"
    exit 0
    --- stdout
    {
      "id": "[BOT]",
      "name": "ingest-bot",
      "email": null,
      "type": "service_account",
      "roles": [
        "event_ingestor"
      ]
    }
    --- stderr
    Created service account [BOT] (ingest-bot) with roles event_ingestor.
    hint: mint a key for it: `flexprice-admin keys create --name NAME --service-account [BOT]`
    "#);
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

    let renamed = world.run_line("service-accounts rename ingest-bot ingest-eu -o json");
    assert_eq!(renamed.code(0).json()["name"], "ingest-eu");
    insta::assert_snapshot!(world.shown(&renamed, &[(&id, "[BOT]")]), @r#"
    exit 0
    --- stdout
    {
      "id": "[BOT]",
      "name": "ingest-eu",
      "email": null,
      "type": "service_account",
      "roles": [
        "event_ingestor"
      ]
    }
    --- stderr
    Renamed service account [BOT] from ingest-bot to ingest-eu.
    "#);

    let run = world.run(&["service-accounts", "delete", "ingest-eu"]);
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[BOT]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: refusing to continue without confirmation: Archive service account ingest-eu ([BOT])?
    hint: pass --yes to confirm (prompts are only shown on a terminal without --no-input)
    ");
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("published"));
    let run = world.run(&["service-accounts", "delete", "ingest-eu", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[BOT]")]), @"
    exit 0
    --- stdout
    --- stderr
    Archived service account [BOT] (ingest-eu).
    ");
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("archived"));
    let empty = world.run(&["service-accounts", "list"]);
    insta::assert_snapshot!(world.shown(&empty, &[(&id, "[BOT]")]), @"
    exit 0
    --- stdout
    --- stderr
    No service accounts found.
    hint: create one with `flexprice-admin service-accounts create --name NAME --role event_ingestor`
    ");
}

#[test]
fn bad_role_sets_are_refused_before_sending() {
    let world = World::new();
    let cases: &[&[&str]] = &[
        &["--role", "all_writer"],
        &["--role", "nope"],
        &["--role", "event_reader", "--role", "event_reader"],
        &["--role", "super_admin", "--role", "event_reader"],
        &[],
    ];
    let mut shown = String::new();
    for roles in cases {
        let mut args = vec!["service-accounts", "create", "--name", "x"];
        args.extend_from_slice(roles);
        shown.push_str(&world.transcript(&args, &world.run(&args), &[]));
    }
    insta::assert_snapshot!(shown, @"
    $ service-accounts create --name x --role all_writer
    exit 2
    --- stdout
    --- stderr
    error: --role: role 'all_writer' cannot be held by a service account (service accounts can hold: super_admin, all_reader, event_ingestor, event_reader)
    hint: `flexprice-admin roles list --for service-account` shows the roles a service account can hold

    $ service-accounts create --name x --role nope
    exit 2
    --- stdout
    --- stderr
    error: --role: role 'nope' does not exist (roles: all_reader, all_writer, event_ingestor, event_reader, super_admin)
    hint: `flexprice-admin roles list --for service-account` shows the roles a service account can hold

    $ service-accounts create --name x --role event_reader --role event_reader
    exit 2
    --- stdout
    --- stderr
    error: --role: role 'event_reader' is given twice
    hint: `flexprice-admin roles list --for service-account` shows the roles a service account can hold

    $ service-accounts create --name x --role super_admin --role event_reader
    exit 2
    --- stdout
    --- stderr
    error: --role: super_admin must be the only role: it already grants everything
    hint: `flexprice-admin roles list --for service-account` shows the roles a service account can hold

    $ service-accounts create --name x
    exit 2
    --- stdout
    --- stderr
    error: the following required arguments were not provided:
      --role <ROLE>

    Usage: flexprice-admin service-accounts create --name <NAME> --role <ROLE> --api-url <URL>

    For more information, try '--help'.
    ");
    assert!(world.requests().is_empty());
}

#[test]
fn delete_with_active_keys_names_them_and_suggests_revoke_keys() {
    let world = World::new();
    let id = world.service_account("busy-bot", "event_reader");
    let (key, _) = world.create_key(&["--name", "busy-key", "--service-account", "busy-bot"]);
    let run = world.run(&["service-accounts", "delete", "busy-bot", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(key["id"].as_str().unwrap(), "[BUSY_KEY]"), (&id, "[BOT]")]), @"
    exit 7
    --- stdout
    --- stderr
    error: service account busy-bot ([BOT]) still has active API keys (nothing was changed)
    hint: active key [BUSY_KEY] (busy-key)
    hint: revoke them and archive in one step: `flexprice-admin service-accounts delete [BOT] --revoke-keys`
    hint: publishable keys (pk_...) minted for the account block the archive too, but are never listed: revoke them by ID with `flexprice-admin keys delete secret_...`
    ");
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("published"));

    let run = world.run_line("service-accounts delete busy-bot --revoke-keys --yes");
    insta::assert_snapshot!(world.shown(&run, &[(key["id"].as_str().unwrap(), "[BUSY_KEY]"), (&id, "[BOT]")]), @"
    exit 0
    --- stdout
    --- stderr
    Revoked key [BUSY_KEY] (busy-key)
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    Archived service account [BOT] (busy-bot).
    ");
    assert_eq!(world.status(key["id"].as_str().unwrap()), "deleted");
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("archived"));
}

/// SIGTERM while `--revoke-keys` revokes the account's key: the revocation in flight finishes,
/// the account is not archived (a change started after the user asked to stop), exit 143 as the
/// man page says; a re-run archives it. It used to archive the account anyway and exit 0.
#[test]
fn sigterm_during_the_revocations_archives_nothing_and_exits_143() {
    let world = World::new();
    let id = world.service_account("leaving-bot", "event_reader");
    let (key, _) = world.create_key(&["--name", "last", "--service-account", "leaving-bot"]);
    let key = key["id"].as_str().unwrap().to_string();
    world.add_fault("DELETE /v1/secrets/api/keys/* hold=revoke");
    let child = spawn(
        &world,
        &[
            "service-accounts",
            "delete",
            "leaving-bot",
            "--revoke-keys",
            "--yes",
        ],
    );
    let (code, out, log) = signal_at_gate(&world, child, ("revoke", 1), libc::SIGTERM, "SIGTERM");
    assert_eq!(code, 143, "{log}");
    assert_eq!(out, "");
    assert!(log.contains("was not archived"), "{log}");
    assert!(
        log.contains(&format!("service-accounts delete {id} --yes")),
        "{log}"
    );
    assert_eq!(
        world.status(&key),
        "deleted",
        "the revocation in flight finished"
    );
    assert_eq!(
        world.sandbox.user_status(&id).as_deref(),
        Some("published"),
        "{log}"
    );
    assert!(
        !world
            .requests()
            .iter()
            .any(|r| r.method == "DELETE" && r.path.ends_with(&id)),
        "{log}"
    );
    world.sandbox.clear_faults();
    world
        .run(&["service-accounts", "delete", &id, "--yes"])
        .code(0);
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
    let run = world.run_line("service-accounts delete pk-bot --revoke-keys --yes");
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[BOT]")]), @"
    exit 7
    --- stdout
    --- stderr
    error: service account pk-bot ([BOT]) still has active API keys (DELETE /v1/users/[BOT]: the server answered 400 Bad Request: Revoke all API keys before archiving this service account (request ID [ULID_1]))
    hint: no active key of this account is visible here: keys in other environments are listed only there (run this command with an admin key of each environment)
    hint: publishable keys (pk_...) minted for the account block the archive too, but are never listed: revoke them by ID with `flexprice-admin keys delete secret_...`
    ");
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
    let run = world.run_line("keys create --name k --service-account twin-bot");
    insta::assert_snapshot!(world.shown(&run, &[(&a, "[TWIN_A]"), (&b, "[TWIN_B]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: --service-account: 'twin-bot' is ambiguous: 2 service accounts have that name
    hint: [TWIN_B]  roles event_ingestor
    hint: [TWIN_A]  roles event_reader
    hint: pass the ID instead of the name
    ");
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
    let said = world.run_line(
        "service-accounts create --name ingest --role event_ingestor --if-missing -o json",
    );
    insta::assert_snapshot!(world.shown(&said, &[(&id, "[INGEST]")]), @r#"
    exit 0
    --- stdout
    {
      "id": "[INGEST]",
      "name": "ingest",
      "email": null,
      "type": "service_account",
      "roles": [
        "event_ingestor"
      ]
    }
    --- stderr
    Service account 'ingest' already exists ([INGEST], roles event_ingestor); nothing was created (--if-missing).
    "#);
    assert_eq!(said.json()["id"], id.as_str());
    assert_eq!(said.json()["roles"], serde_json::json!(["event_ingestor"]));

    // Other roles: not what was asked for, and roles cannot change: exit 7, nothing created.
    let other =
        world.run_line("service-accounts create --name ingest --role event_reader --if-missing");
    insta::assert_snapshot!(world.shown(&other, &[(&id, "[INGEST]")]), @"
    exit 7
    --- stdout
    --- stderr
    error: a service account named 'ingest' already exists with roles event_ingestor, not event_reader; nothing was created
    hint: a service account's roles cannot change: use [INGEST] as it is, or create one under another name
    ");
    assert_eq!(other.stdout, "");

    // Without --if-missing the second create is still refused (exit 7).
    let run = world.run_line("service-accounts create --name ingest --role event_ingestor");
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[INGEST]")]), @"
    exit 7
    --- stdout
    --- stderr
    error: a service account named 'ingest' already exists; a second one would make the name ambiguous wherever it is used
    hint: [INGEST]  roles event_ingestor
    hint: choose another name, or pass --allow-duplicate-name (later references then need the ID)
    ");
    // Two accounts of the name: --if-missing cannot tell which was meant.
    world
        .run_line(
            "service-accounts create --name ingest --role event_ingestor --allow-duplicate-name",
        )
        .code(0);
    let run = world.run(&args);
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[INGEST]")]), @"
    exit 7
    --- stdout
    --- stderr
    error: 2 service accounts are named 'ingest', so --if-missing cannot tell which one is meant; nothing was created
    hint: [USER_1]  roles event_ingestor
    hint: [INGEST]  roles event_ingestor
    hint: refer to the one you mean by its ID, or archive the others (`flexprice-admin service-accounts delete ID`)
    ");
    assert_eq!(creates(&world), 2);

    // The two flags contradict each other: refused before any request.
    let before = world.requests().len();
    let run = world.run_line("service-accounts create --name x --role event_ingestor --if-missing --allow-duplicate-name");
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[INGEST]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: the argument '--if-missing' cannot be used with '--allow-duplicate-name'

    Usage: flexprice-admin service-accounts create --name <NAME> --role <ROLE> --if-missing --api-url <URL>

    For more information, try '--help'.
    ");
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
    assert_eq!(world.deletes(), 0, "nothing was changed");

    // Off a terminal too: the same refusal, not "pass --yes".
    let run = world.run(&["sa", "delete", "ingest-bot"]);
    insta::assert_snapshot!(world.shown(&run, &[(key["id"].as_str().unwrap(), "[KEY]"), (&account, "[BOT]")]), @"
    exit 7
    --- stdout
    --- stderr
    error: service account ingest-bot ([BOT]) still has active API keys (nothing was changed)
    hint: active key [KEY] (ci-ingest)
    hint: revoke them and archive in one step: `flexprice-admin service-accounts delete [BOT] --revoke-keys`
    hint: publishable keys (pk_...) minted for the account block the archive too, but are never listed: revoke them by ID with `flexprice-admin keys delete secret_...`
    ");
    assert!(!run.stderr.contains("--yes"), "{}", run.stderr);
}

#[test]
fn a_second_service_account_of_the_same_name_needs_a_flag_and_is_named_by_id() {
    let world = World::new();
    let first = world.service_account("ingest-bot", "event_ingestor");
    let run = world.run_line("sa create --name ingest-bot --role event_reader");
    insta::assert_snapshot!(world.shown(&run, &[(&first, "[FIRST]")]), @"
    exit 7
    --- stdout
    --- stderr
    error: a service account named 'ingest-bot' already exists; a second one would make the name ambiguous wherever it is used
    hint: [FIRST]  roles event_ingestor
    hint: choose another name, or pass --allow-duplicate-name (later references then need the ID)
    ");
    assert!(
        world
            .mutating_requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count()
            == 1,
        "only the first account was created"
    );
    let run =
        world.run_line("sa create --name ingest-bot --role event_reader --allow-duplicate-name -q");
    insta::assert_snapshot!(world.shown(&run, &[(&first, "[FIRST]")]), @"
    exit 0
    --- stdout
    [USER_1]
    --- stderr
    warning: 2 service accounts are now named 'ingest-bot'; refer to this one by its ID, [USER_1]
    ");
    let second = run.stdout.trim();
    assert!(
        second.starts_with("user_") && second != first,
        "{}",
        run.stdout
    );
    // Every later reference by that name is ambiguous, as the warning said.
    let run = world.run(&["keys", "list", "--service-account", "ingest-bot"]);
    insta::assert_snapshot!(world.shown(&run, &[(&first, "[FIRST]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: --service-account: 'ingest-bot' is ambiguous: 2 service accounts have that name
    hint: [USER_1]  roles event_reader
    hint: [FIRST]  roles event_ingestor
    hint: pass the ID instead of the name
    ");
}

#[test]
fn writes_confirm_on_stderr_what_they_did() {
    let world = World::new();
    let run = world.run_line("service-accounts create --name receipt-bot --role event_reader");
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    [USER_1]
    --- stderr
    Created service account [USER_1] (receipt-bot) with roles event_reader.
    hint: mint a key for it: `flexprice-admin keys create --name NAME --service-account [USER_1]`
    ");
    let run = world.run(&["keys", "create", "--name", "receipt-key"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    [SECRET]
    --- stderr
    warning: Created key [KEY_1] (receipt-key); it expires [TIME] (in 90 days). This is the only time the secret is shown: copy it now into a secret manager; it cannot be retrieved later, and a lost key must be rotated.
    ");
    let run = world.run(&["service-accounts", "rename", "receipt-bot", "receipt-bot-2"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    [USER_1]
    --- stderr
    Renamed service account [USER_1] from receipt-bot to receipt-bot-2.
    ");
    let run = world.run(&["keys", "delete", "receipt-key", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    --- stderr
    Revoked key [KEY_1] (receipt-key)
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
    let run = world.run(&["service-accounts", "delete", "receipt-bot-2", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    --- stderr
    Archived service account [USER_1] (receipt-bot-2).
    ");
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

/// What the server sent as `search` for `type`, one account whose ID holds a line break.
fn fault_one_id_with_a_line_break(world: &World, user_type: &str) {
    world.add_fault(&format!(
        r#"POST /v1/users/search status=200 content-type=application/json body={{"items":[{{"id":"user_01M92HMJ3T\nuser_FORGED","name":"bot","type":"{user_type}","roles":["event_ingestor"]}}],"pagination":{{"total":1,"limit":50,"offset":0}}}}"#
    ));
}

/// An ID the server chose that holds a line break prints as one line under `-q`: a script that
/// reads the IDs (to delete each, say) is never handed a forged second one.
#[test]
fn an_account_id_holding_a_line_break_prints_as_one_line() {
    let world = World::new();
    fault_one_id_with_a_line_break(&world, "service_account");
    let run = world.run(&["service-accounts", "list", "-q"]);
    run.code(0);
    assert_eq!(run.stdout, "user_01M92HMJ3T user_FORGED\n");

    let world = World::new();
    fault_one_id_with_a_line_break(&world, "user");
    let run = world.run(&["users", "list", "-q"]);
    run.code(0);
    assert_eq!(run.stdout, "user_01M92HMJ3T user_FORGED\n");
}
