//! `keychain get | list | remove | prune` and `--store keychain`, against a real Secret Service
//! (gnome-keyring on a private D-Bus bus, see secret_service.rs), read back across processes and
//! through `secret-tool`.

use crate::harness::{Run, World, due_key, is_secret_key, mode};
use crate::secret_service::{address, secret_tool_lookup, secret_tool_store, unique};

fn run_profile(world: &World, profile: &str, args: &[&str]) -> Run {
    let mut all = vec!["--profile", profile];
    all.extend_from_slice(args);
    world.run_keychain(&all)
}

/// A profile that exists in config.toml, unique in the shared keychain.
fn profile(world: &World) -> String {
    let name = unique("p");
    let dir = world.config_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    text.push_str(&format!("[profiles.{name}]\n"));
    std::fs::write(path, text).unwrap();
    name
}

#[test]
fn a_key_stored_in_the_keychain_reads_back_across_processes() {
    let world = World::new();
    let profile = profile(&world);
    let run = run_profile(
        &world,
        &profile,
        &[
            "keys", "create", "--name", "ingest", "--store", "keychain", "-o", "json",
        ],
    );
    run.code(0);
    let key = run.json()["key"].clone();
    let (key_id, me) = (
        key["id"].as_str().unwrap().to_string(),
        key["owner_id"].as_str().unwrap().to_string(),
    );
    let account = format!("{profile}/{me}/ingest");
    assert_eq!(run.json()["stored_in"][0], format!("keychain:{account}"));

    let got = run_profile(&world, &profile, &["keychain", "get", "ingest"]);
    got.code(0);
    let secret = got.stdout.strip_suffix('\n').unwrap();
    assert!(is_secret_key(secret));
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    // Another program reads the same entry: service flexprice-admin, account
    // <profile>/<owner id>/<name> (keyring-core's Secret Service store calls the account
    // attribute `username`).
    assert_eq!(
        secret_tool_lookup("flexprice-admin", &account).as_deref(),
        Some(secret)
    );
    world.assert_works(secret);

    // A second key of the same name and owner would leave the first, still active, without
    // its secret: refused off a terminal, nothing minted; with --yes it replaces the entry.
    world.sandbox.clear_requests();
    run_profile(
        &world,
        &profile,
        &["keys", "create", "--name", "ingest", "--store", "keychain"],
    )
    .code(2)
    .stderr_has(&key_id)
    .stderr_has("--yes");
    assert!(world.mutating_requests().is_empty(), "nothing minted");
    assert_eq!(
        secret_tool_lookup("flexprice-admin", &account).as_deref(),
        Some(secret)
    );
    run_profile(
        &world,
        &profile,
        &[
            "keys", "create", "--name", "ingest", "--store", "keychain", "--yes",
        ],
    )
    .code(0);
    let again = run_profile(&world, &profile, &["keychain", "get", "ingest"]);
    assert_ne!(again.stdout.trim_end(), secret);

    let named = [(profile.as_str(), "[PROFILE]"), (me.as_str(), "[ME]")];
    let list = run_profile(&world, &profile, &["keychain", "list", "-o", "plain"]);
    insta::assert_snapshot!(world.shown(&list, &named), @"
    exit 0
    --- stdout
    ingest	[ME]	[KEY_1]	active
    --- stderr
    ");
    let table = run_profile(&world, &profile, &["keychain", "list", "-o", "table"]);
    insta::assert_snapshot!(world.shown(&table, &named), @"
    exit 0
    --- stdout
    NAME   OWNER                                KEY ID                            KEY
    ingest [ME] [KEY_1] active
    --- stderr
    ");

    run_profile(&world, &profile, &["keychain", "remove", "ingest"])
        .code(2)
        .stderr_has("--yes");
    run_profile(&world, &profile, &["keychain", "remove", "ingest", "--yes"]).code(0);
    run_profile(&world, &profile, &["keychain", "get", "ingest"])
        .code(4)
        .stderr_has("keychain list");
    assert_eq!(secret_tool_lookup("flexprice-admin", &account), None);
}

/// `keys create --store keychain` asks before overwriting an entry that holds a live key's
/// secret, and it learns whether the entry is there by reading it. An entry that cannot be read
/// (here: two items answer to it, as a second program's copy makes them) is not "no entry": the
/// command refuses before minting, with the keychain's own error, as apply does, instead of
/// minting a key whose secret then overwrites, or fails to reach, that entry.
#[test]
fn an_entry_that_cannot_be_read_is_never_taken_for_an_empty_one() {
    let world = World::new();
    let profile = profile(&world);
    let run = run_profile(
        &world,
        &profile,
        &[
            "keys", "create", "--name", "ingest", "--store", "keychain", "-o", "json",
        ],
    );
    run.code(0);
    let me = run.json()["key"]["owner_id"].as_str().unwrap().to_string();
    let account = format!("{profile}/{me}/ingest");
    let first = secret_tool_lookup("flexprice-admin", &account).unwrap();
    // A second item with the same service and account (and one attribute more).
    let mut copy = std::process::Command::new("secret-tool")
        .args([
            "store",
            "--label",
            "a copy",
            "service",
            "flexprice-admin",
            "username",
            &account,
            "copied-by",
            "another-tool",
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", address())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut copy.stdin.take().unwrap(), first.as_bytes()).unwrap();
    assert!(copy.wait().unwrap().success());

    world.sandbox.clear_requests();
    let again = run_profile(
        &world,
        &profile,
        &["keys", "create", "--name", "ingest", "--store", "keychain"],
    );
    again.code(2).stderr_has("2 entries match");
    assert!(
        world.mutating_requests().is_empty(),
        "nothing minted:\n{}",
        again.stderr
    );
    assert!(world.recovery_files().is_empty());
}

/// Keychain entries are `<profile>/<owner>/<name>`, with no environment in them, and one
/// service account can hold a key of one name in two environments. `keys create` in Production
/// looks for the entry's holder among Production's keys only, so the Sandbox key whose secret
/// the entry holds is not found, and its secret is overwritten without a question: that key
/// stays live with its secret nowhere.
#[test]
#[ignore = "not fixed: telling a live key of another environment from a revoked one needs every \
            environment's keys (keys::everywhere), which a credential bound to one environment \
            cannot list; the probe would have to refuse (or ask) for any entry it cannot place"]
fn an_entry_held_by_a_live_key_of_another_environment_is_never_overwritten_unasked() {
    let world = World::new();
    let profile = profile(&world);
    let svc = world.service_account("env-bot", "event_ingestor");
    let tenant = world.sandbox.tenant_key().to_string();
    let create = |environment: &str, yes: bool| {
        let mut args = vec![
            "--profile",
            &profile,
            "--environment",
            environment,
            "keys",
            "create",
            "--name",
            "ci",
            "--service-account",
            &svc,
            "--store",
            "keychain",
        ];
        if yes {
            args.push("--yes");
        }
        world.run_with(&args, |cmd| {
            cmd.env("FLEXPRICE_API_KEY", &tenant)
                .env("DBUS_SESSION_BUS_ADDRESS", address());
        })
    };
    create(world.sandbox.sandbox_environment_id(), false).code(0);
    let account = format!("{profile}/{svc}/ci");
    let sandbox_secret = secret_tool_lookup("flexprice-admin", &account).unwrap();
    world.assert_works(&sandbox_secret);

    world.sandbox.clear_requests();
    let run = create(world.sandbox.production_environment_id(), false);
    run.code(2).stderr_has("--yes");
    assert!(world.mutating_requests().is_empty(), "nothing minted");
    assert_eq!(
        secret_tool_lookup("flexprice-admin", &account).as_deref(),
        Some(sandbox_secret.as_str())
    );
}

/// Issue 17 item 2: svc-a's `ingest` and svc-b's `ingest` get an entry each; neither replaces
/// the other; `keychain get ingest` asks which (exit 2), `--service-account` picks.
#[test]
fn two_owners_keys_of_one_name_get_two_entries() {
    let world = World::new();
    let profile = profile(&world);
    let a = world.service_account("svc-a", "event_ingestor");
    let b = world.service_account("svc-b", "event_ingestor");
    for owner in ["svc-a", "svc-b"] {
        run_profile(
            &world,
            &profile,
            &[
                "keys",
                "create",
                "--name",
                "ingest",
                "--service-account",
                owner,
                "--store",
                "keychain",
            ],
        )
        .code(0);
    }
    let secret_a = secret_tool_lookup("flexprice-admin", &format!("{profile}/{a}/ingest")).unwrap();
    let secret_b = secret_tool_lookup("flexprice-admin", &format!("{profile}/{b}/ingest")).unwrap();
    assert_ne!(secret_a, secret_b);
    // Each secret is its own owner's live key.
    world.run_as(&secret_a, &["whoami", "-q"]).stdout_has(&a);
    world.run_as(&secret_b, &["whoami", "-q"]).stdout_has(&b);

    run_profile(&world, &profile, &["keychain", "get", "ingest"])
        .code(2)
        .stderr_has(&a)
        .stderr_has(&b)
        .stderr_has("--service-account");
    let got = run_profile(
        &world,
        &profile,
        &["keychain", "get", "ingest", "--service-account", &b],
    );
    assert_eq!(got.code(0).stdout.trim_end(), secret_b);
    let listed = run_profile(&world, &profile, &["keychain", "list", "-o", "json"]).json();
    let owners: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["owner"].as_str().unwrap())
        .collect();
    assert_eq!(owners.len(), 2);
    assert!(owners.contains(&a.as_str()) && owners.contains(&b.as_str()));
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["active"] == true)
    );
}

/// Entries written before owners were kept apart (`<profile>/<name>`): `keychain get` reads
/// them as they are; `keychain list` moves each whose key it can tell to
/// `<profile>/<owner id>/<name>`, and then shows its key.
#[test]
fn old_entries_are_read_and_then_moved_under_their_owner() {
    let world = World::new();
    let profile = profile(&world);
    let a = world.service_account("svc-old", "event_ingestor");
    let (key, secret) = world.create_key(&["--name", "legacy", "--service-account", &a]);
    let old_account = format!("{profile}/legacy");
    secret_tool_store("flexprice-admin", &old_account, &secret);

    let got = run_profile(&world, &profile, &["keychain", "get", "legacy"]);
    assert_eq!(got.code(0).stdout.trim_end(), secret);

    let listed = run_profile(&world, &profile, &["keychain", "list", "-o", "json"]);
    let named = [
        (profile.as_str(), "[PROFILE]"),
        (a.as_str(), "[SVC_OLD]"),
        (key["id"].as_str().unwrap(), "[LEGACY]"),
    ];
    insta::assert_snapshot!(world.shown(&listed, &named), @r#"
    exit 0
    --- stdout
    [
      {
        "name": "legacy",
        "owner": "[SVC_OLD]",
        "account": "[PROFILE]/[SVC_OLD]/legacy",
        "key_id": "[LEGACY]",
        "active": true
      }
    ]
    --- stderr
    Moved keychain entry [PROFILE]/legacy to [PROFILE]/[SVC_OLD]/legacy (entries are now kept apart by owner).
    "#);
    let new_account = format!("{profile}/{a}/legacy");
    assert_eq!(secret_tool_lookup("flexprice-admin", &old_account), None);
    assert_eq!(
        secret_tool_lookup("flexprice-admin", &new_account).as_deref(),
        Some(secret.as_str())
    );
    let got = run_profile(&world, &profile, &["keychain", "get", "legacy"]);
    assert_eq!(got.code(0).stdout.trim_end(), secret);
}

#[test]
fn keychain_and_stdout_together_show_and_store_the_same_secret() {
    let world = World::new();
    let profile = profile(&world);
    let run = run_profile(
        &world,
        &profile,
        &[
            "keys", "create", "--name", "both", "--store", "keychain", "--store", "stdout", "-o",
            "json",
        ],
    );
    run.code(0);
    let json = run.json();
    let shown = json["api_key"].as_str().unwrap();
    let me = json["key"]["owner_id"].as_str().unwrap();
    assert_eq!(
        json["stored_in"][0],
        format!("keychain:{profile}/{me}/both")
    );
    let got = run_profile(&world, &profile, &["keychain", "get", "both"]);
    assert_eq!(got.stdout.trim_end(), shown);
}

#[test]
fn a_failed_keychain_delivery_leaves_a_recovery_file() {
    let world = World::new();
    let profile = profile(&world);
    let run = world.run_with(
        &[
            "--profile",
            &profile,
            "keys",
            "create",
            "--name",
            "k",
            "--store",
            "keychain",
        ],
        |cmd| {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", address())
                .env("FLEXPRICE_ADMIN_TEST_FAIL_DELIVERY", "keychain");
        },
    );
    run.code(9).stderr_has("keychain:").stderr_has("recovery");
    let files = world.recovery_files();
    assert_eq!(files.len(), 1);
    assert_eq!(mode(&files[0]), 0o600);
    assert!(is_secret_key(
        std::fs::read_to_string(&files[0]).unwrap().trim_end()
    ));
}

#[test]
fn a_keychain_entry_is_updated_by_a_rotation_without_store_and_flagged_when_left_behind() {
    let world = World::new();
    let name = crate::secret_service::unique("rk");
    let old = due_key(&world, &name, "keychain");
    let me = world.sandbox.key(&old).unwrap().user_id;
    let account = format!("default/{me}/{name}");
    let first = secret_tool_lookup("flexprice-admin", &account).unwrap();

    // No --store: the keychain entry gets the new secret.
    let rotated = world.run_keychain(&["keys", "rotate", &old, "--yes", "-o", "json"]);
    rotated.code(0);
    let current = rotated.json()["new_key"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let second = secret_tool_lookup("flexprice-admin", &account).unwrap();
    assert_ne!(first, second);
    world.assert_works(&second);

    // Rotated elsewhere: the entry keeps a revoked secret, and says so.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("k.key");
    world
        .run_keychain(&[
            "keys",
            "rotate",
            &current,
            "--yes",
            "--store",
            &format!("file:{}", file.display()),
        ])
        .code(0)
        .stderr_has(&format!(
            "keychain entry {account} still holds the secret of revoked key {current}"
        ));
    let got = world.run_keychain(&["keychain", "get", &name]);
    got.code(0)
        .stderr_has("rotated and revoked")
        .stderr_has("keychain prune");
    assert_eq!(got.stdout.trim_end(), second);

    // keychain list shows it not active; prune removes it (asked first).
    let listed = world
        .run_keychain(&["keychain", "list", "-o", "json"])
        .json();
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name.as_str())
        .unwrap()
        .clone();
    assert_eq!(entry["key_id"], current.as_str());
    assert_eq!(entry["active"], false);
    assert_eq!(entry["owner"], me.as_str());
    // The keychain is shared with other tests, so the stale entries are counted, and the
    // question and the receipt must use the number each needs ("1 keychain entry").
    let asked = world.run_keychain(&["keychain", "prune"]);
    asked.code(2).stderr_has("--yes");
    let stale = asked
        .stderr
        .lines()
        .filter(|l| l.ends_with("): not active"))
        .count();
    asked.stderr_has(&match stale {
        1 => "Remove this keychain entry, whose key is no longer active?".to_string(),
        n => format!("Remove these {n} keychain entries, whose keys are no longer active?"),
    });
    assert!(secret_tool_lookup("flexprice-admin", &account).is_some());
    let pruned = world.run_keychain(&["keychain", "prune", "--yes"]);
    pruned.code(0).stdout_has(&account);
    pruned.stderr_has(&match pruned.stdout.lines().count() {
        1 => "Removed 1 keychain entry.".to_string(),
        n => format!("Removed {n} keychain entries."),
    });
    assert_eq!(secret_tool_lookup("flexprice-admin", &account), None);
}

/// A profile whose environment is a name (as `auth login --environment` and `profile set`
/// save it): `keychain list` and `keychain prune` list the keys in that environment, by its
/// ID. Found by attacking `--environment NAME`: the keychain commands skip the lookup every
/// other command makes, and sent the name as `X-Environment-ID`; the server refused it (403),
/// so list showed every entry's key as unknown and prune failed, its hint saying that
/// Production is not one of the tenant's environments. Without a credential, list still
/// lists, as before.
#[test]
fn keychain_list_and_prune_look_up_an_environment_given_by_name() {
    let world = World::new();
    let profile = profile(&world);
    let path = world.config_dir().join("config.toml");
    let config = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{config}environment = \"Production\"\n")).unwrap();
    let tenant = world.sandbox.tenant_key().to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["--profile", profile.as_str()];
        all.extend_from_slice(args);
        world.run_with(&all, |cmd| {
            cmd.env("FLEXPRICE_API_KEY", &tenant)
                .env("DBUS_SESSION_BUS_ADDRESS", address());
        })
    };
    let created = run(&[
        "keys", "create", "--name", "prod-kc", "--store", "keychain", "-o", "json",
    ]);
    let key_id = created.code(0).json()["key"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        world.sandbox.key(&key_id).unwrap().environment_id,
        world.sandbox.production_environment_id()
    );
    let listed = run(&["keychain", "list", "-o", "json"]);
    assert!(
        !listed.code(0).stderr.contains("could not list"),
        "{}",
        listed.stderr
    );
    let entry = listed.json()[0].clone();
    assert_eq!(
        (&entry["key_id"], &entry["active"]),
        (&key_id.as_str().into(), &true.into())
    );
    let pruned = run(&["keychain", "prune", "--yes"]);
    pruned.code(0).stderr_has("nothing to remove");
    let account = entry["account"].as_str().unwrap();
    assert!(secret_tool_lookup("flexprice-admin", account).is_some());
    let production = world.sandbox.production_environment_id();
    for request in world.requests() {
        let environment = request
            .headers
            .iter()
            .find(|(k, _)| k == "x-environment-id");
        assert!(
            environment.is_none_or(|(_, id)| id == production),
            "{} {} sent {environment:?}",
            request.method,
            request.path
        );
    }
    // No credential: the entries are listed all the same, their keys' state unknown.
    let mut all = vec!["--profile", profile.as_str(), "keychain", "list"];
    all.push("-o");
    all.push("json");
    let bare = world.run_with(&all, |cmd| {
        cmd.env_remove("FLEXPRICE_API_KEY")
            .env("DBUS_SESSION_BUS_ADDRESS", address());
    });
    let named = [
        (profile.as_str(), "[PROFILE]"),
        (key_id.as_str(), "[PROD_KC]"),
    ];
    insta::assert_snapshot!(world.shown(&bare, &named), @r#"
    exit 0
    --- stdout
    [
      {
        "name": "prod-kc",
        "owner": "00000000-0000-0000-0000-000000000000",
        "account": "[PROFILE]/00000000-0000-0000-0000-000000000000/prod-kc",
        "key_id": "[PROD_KC]",
        "active": null
      }
    ]
    --- stderr
    warning: no admin credential, so whether each entry's key is active is not shown: no API key: flexprice-admin needs an admin credential
    "#);
}
