//! `users list` and `users remove` (offboarding) end to end, against the sandbox in both of its
//! modes: as released, where a removed person's keys keep working, and as the revision that
//! deletes them (`SandboxOptions::remove_user_deletes_keys`).

use flexprice_sandbox::{SandboxOptions, SeedKey};
use serde_json::Value;

use crate::harness::{Run, World, signal_at_gate, spawn_with};

const EMAIL: &str = "leaver@example.com";

/// Both revisions of `POST /v1/users/{id}/remove`, each with its name for messages.
fn both_modes() -> [(&'static str, World); 2] {
    [
        ("released", World::new()),
        (
            "deleting",
            World::with(SandboxOptions {
                remove_user_deletes_keys: true,
                ..SandboxOptions::default()
            }),
        ),
    ]
}

/// A person holding a super_admin key in each environment; returns (user ID, [Sandbox key ID,
/// Production key ID], [their raw keys]).
fn leaver(world: &World) -> (String, [String; 2], [String; 2]) {
    let id = world.sandbox.seed_user("Leaver", EMAIL, &["super_admin"]);
    let mint = |env: &str, name: &str| {
        world.sandbox.seed_key(SeedKey {
            name: name.into(),
            owner_user_id: Some(id.clone()),
            environment_id: Some(env.to_owned()),
            expires_at: Some(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 60)),
            ..SeedKey::default()
        })
    };
    let a = mint(world.sandbox.sandbox_environment_id(), "leaver-sandbox");
    let b = mint(world.sandbox.production_environment_id(), "leaver-prod");
    (id, [a.id, b.id], [a.raw_key, b.raw_key])
}

/// Runs with the tenant-level key, which sees every environment.
fn as_tenant(world: &World, args: &[&str]) -> Run {
    world.run_as(world.sandbox.tenant_key(), args)
}

fn ids(keys: &Value) -> Vec<String> {
    let mut ids: Vec<String> = keys
        .as_array()
        .expect("an array")
        .iter()
        .map(|k| k["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// Whether a raw key still authenticates (the revocation cache is not involved: these keys
/// were never used before).
fn works(world: &World, raw: &str) -> bool {
    world.run_as(raw, &["whoami", "-q"]).code == 0
}

#[test]
fn revoke_keys_revokes_in_every_environment_then_removes() {
    for (mode, world) in both_modes() {
        let (id, key_ids, raw) = leaver(&world);
        let run = as_tenant(
            &world,
            &[
                "users",
                "remove",
                EMAIL,
                "--revoke-keys",
                "--yes",
                "-o",
                "json",
            ],
        );
        let json = run.code(0).json();
        assert_eq!(json["user"]["id"], id.as_str(), "{mode}");
        assert_eq!(json["user"]["email"], EMAIL, "{mode}");
        assert_eq!(
            ids(&json["revoked_keys"]),
            sorted(key_ids.to_vec()),
            "{mode}"
        );
        assert_eq!(json["remaining_keys"], serde_json::json!([]), "{mode}");
        assert_eq!(json["every_environment"], true, "{mode}");
        let environments: Vec<&str> = json["revoked_keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["environment_id"].as_str().unwrap())
            .collect();
        assert!(
            environments.contains(&world.sandbox.production_environment_id()),
            "{mode}: {environments:?}"
        );
        assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("archived"));
        for key in &key_ids {
            assert_eq!(world.status(key), "deleted", "{mode}");
        }
        for raw in &raw {
            assert!(!works(&world, raw), "{mode}: a revoked key still works");
        }
        // Each key revoked in its own environment, then the person removed: in that order.
        let mutating: Vec<(String, Option<String>)> = world
            .mutating_requests()
            .into_iter()
            .map(|r| {
                (
                    format!("{} {}", r.method, r.path),
                    r.header("x-environment-id").map(str::to_owned),
                )
            })
            .collect();
        assert_eq!(mutating.len(), 3, "{mode}: {mutating:?}");
        assert_eq!(mutating[2].0, format!("POST /v1/users/{id}/remove"));
        for (i, key) in key_ids.iter().enumerate() {
            let delete = mutating
                .iter()
                .find(|(what, _)| what.ends_with(key.as_str()))
                .unwrap_or_else(|| panic!("{mode}: no DELETE of {key}: {mutating:?}"));
            let env = [
                world.sandbox.sandbox_environment_id(),
                world.sandbox.production_environment_id(),
            ][i];
            assert_eq!(delete.1.as_deref(), Some(env), "{mode}");
        }
    }
}

#[test]
fn keep_keys_removes_and_names_each_remaining_key_with_its_revoke_command() {
    // The receipt in each mode, one after the other.
    let mut receipts = String::new();
    for (mode, world) in both_modes() {
        let (id, key_ids, raw) = leaver(&world);
        let run = as_tenant(&world, &["users", "remove", &id, "--keep-keys", "--yes"]);
        let named = [
            (id.as_str(), "[LEAVER]"),
            (key_ids[0].as_str(), "[SANDBOX_KEY]"),
            (key_ids[1].as_str(), "[PRODUCTION_KEY]"),
        ];
        receipts.push_str(&format!("== {mode}\n{}", world.shown(&run, &named)));
        assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("archived"));
        if mode == "deleting" {
            // The server revoked them itself: nothing remains, and the receipt says so.
            for raw in &raw {
                assert!(!works(&world, raw), "{mode}");
            }
            let audit = as_tenant(
                &world,
                &["keys", "audit", "--all-environments", "-o", "json"],
            );
            let json = audit.json();
            assert!(
                !json.to_string().contains("orphaned"),
                "{mode}: nothing orphaned: {json}"
            );
            continue;
        }
        // Released: both keys still work, each printed with the command that revokes it.
        for raw in &raw {
            assert!(
                works(&world, raw),
                "as released, the removed person's keys work"
            );
        }
        let lines: Vec<Vec<&str>> = run
            .stdout
            .lines()
            .map(|l| l.split('\t').collect())
            .collect();
        assert_eq!(lines.len(), 2, "{}", run.stdout);
        for key in &key_ids {
            let line = lines
                .iter()
                .find(|l| l[0] == key.as_str())
                .expect("the key listed");
            let env = &world.sandbox.key(key).unwrap().environment_id;
            let command = format!("flexprice-admin keys delete {key} --environment {env}");
            assert_eq!(line[3], command);
        }

        // The audit finds them, in each environment, as orphaned: a reason that fails it.
        let audit = as_tenant(
            &world,
            &["keys", "audit", "--all-environments", "-o", "json"],
        );
        let json = audit.code(10).json();
        let orphans: Vec<&Value> = json
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["reasons"][0] == "orphaned")
            .collect();
        assert_eq!(orphans.len(), 2, "{json}");
        for finding in &orphans {
            assert_eq!(finding["fails"], true);
            let key = finding["key"]["id"].as_str().unwrap();
            let env = finding["key"]["environment_id"].as_str().unwrap();
            assert_eq!(
                finding["command"],
                format!("flexprice-admin keys delete {key} --environment {env}")
            );
            assert!(
                finding["detail"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("its owner {id} is no longer a member")),
                "{finding}"
            );
        }
        let quiet = as_tenant(&world, &["keys", "audit", "--all-environments", "-q"]);
        quiet.code(10);
        for key in &key_ids {
            let line = quiet
                .stdout
                .lines()
                .find(|l| l.starts_with(key.as_str()))
                .unwrap_or_else(|| panic!("-q names {key}:\n{}", quiet.stdout));
            assert!(line.contains("no longer a member"), "{line}");
            assert!(line.contains("keys delete"), "{line}");
        }
        let plain = as_tenant(&world, &["keys", "audit", "--all-environments"]);
        let orphan_rows = plain
            .code(10)
            .stdout
            .lines()
            .filter(|l| {
                l.split('\t')
                    .nth(3)
                    .is_some_and(|r| r.starts_with("orphaned"))
            })
            .count();
        assert_eq!(orphan_rows, 2, "{}", plain.stdout);
        let table = as_tenant(
            &world,
            &["keys", "audit", "--all-environments", "-o", "table"],
        );
        table.code(10).stderr_has("orphaned keys still work");

        // `keys list` marks them, in the table and in JSON.
        let list = as_tenant(
            &world,
            &["keys", "list", "--all-environments", "-o", "json"],
        );
        for key in list.code(0).json().as_array().unwrap() {
            let orphaned = key_ids.iter().any(|k| key["id"] == k.as_str());
            assert_eq!(key["orphaned"], orphaned, "{key}");
        }
        // In the admin's own environment, through the streamed fast path too.
        let listed = world.run(&["keys", "list", "-o", "json"]).code(0).json();
        let mine = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == key_ids[0].as_str())
            .expect("the Sandbox key");
        assert_eq!(mine["orphaned"], true);
        let jsonl = world.run(&["keys", "list", "-o", "jsonl"]);
        assert!(
            jsonl.code(0).stdout.contains("\"orphaned\":true"),
            "{}",
            jsonl.stdout
        );
        let plain = world.run(&["keys", "list"]);
        let row = plain
            .code(0)
            .stdout
            .lines()
            .find(|l| l.starts_with(key_ids[0].as_str()))
            .expect("the key")
            .to_string();
        assert_eq!(row.split('\t').nth(6), Some("orphaned"), "{row}");

        // The printed commands, run as printed, revoke them; the audit is then clean of them.
        for line in &lines {
            let words: Vec<&str> = line[3].split(' ').skip(1).collect();
            let mut args = words.clone();
            args.push("--yes");
            as_tenant(&world, &args).code(0);
        }
        let after = as_tenant(
            &world,
            &["keys", "audit", "--all-environments", "-o", "json"],
        );
        assert!(!after.stdout.contains("orphaned"), "{}", after.stdout);
    }
    insta::assert_snapshot!(receipts, @"
    == released
    exit 0
    --- stdout
    [SANDBOX_KEY]	leaver-sandbox	00000000-0000-0000-0000-000000000000	flexprice-admin keys delete [SANDBOX_KEY] --environment 00000000-0000-0000-0000-000000000000
    [PRODUCTION_KEY]	leaver-prod	00000000-0000-0000-0000-000000000001	flexprice-admin keys delete [PRODUCTION_KEY] --environment 00000000-0000-0000-0000-000000000001
    --- stderr
    Removed Leaver ([LEAVER]) from the tenant.
    warning: key [SANDBOX_KEY] (leaver-sandbox) in Sandbox of the removed Leaver still works: revoke it with `flexprice-admin keys delete [SANDBOX_KEY] --environment 00000000-0000-0000-0000-000000000000`
    warning: key [PRODUCTION_KEY] (leaver-prod) in Production of the removed Leaver still works: revoke it with `flexprice-admin keys delete [PRODUCTION_KEY] --environment 00000000-0000-0000-0000-000000000001`
    hint: `flexprice-admin keys audit` reports them as orphaned until they are revoked
    == deleting
    exit 0
    --- stdout
    --- stderr
    Removed Leaver ([LEAVER]) from the tenant.
    Flexprice revoked their 2 key(s) itself.
    ");
}

#[test]
fn neither_flag_off_a_terminal_exits_2_and_sends_nothing() {
    // What each mode shows: the same.
    let mut shown_by_mode = Vec::new();
    for (mode, world) in both_modes() {
        let mut shown = String::new();
        let (id, key_ids, _) = leaver(&world);
        // Without --yes: refused before any request.
        let named = [
            (id.as_str(), "[LEAVER]"),
            (key_ids[0].as_str(), "[SANDBOX_KEY]"),
            (key_ids[1].as_str(), "[PRODUCTION_KEY]"),
        ];
        let run = as_tenant(&world, &["users", "remove", EMAIL]);
        shown.push_str(&world.shown(&run, &named));
        assert!(
            world.requests().is_empty(),
            "{mode}: {:?}",
            world.requests()
        );
        // With --yes but neither --revoke-keys nor --keep-keys: the keys are named, nothing
        // changes.
        let run = as_tenant(&world, &["users", "remove", EMAIL, "--yes"]);
        shown.push_str(&world.shown(&run, &named));
        assert!(world.mutating_requests().is_empty(), "{mode}");
        assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("published"));
        // Both flags at once is a usage error.
        as_tenant(
            &world,
            &[
                "users",
                "remove",
                EMAIL,
                "--yes",
                "--revoke-keys",
                "--keep-keys",
            ],
        )
        .code(2);
        // A dry run prints what --revoke-keys would send, and sends none of it.
        let dry = as_tenant(
            &world,
            &["users", "remove", EMAIL, "--revoke-keys", "--dry-run"],
        );
        shown.push_str(&world.shown(&dry, &named));
        assert!(world.mutating_requests().is_empty(), "{mode}");
        shown_by_mode.push(shown);
    }
    assert_eq!(
        shown_by_mode[0], shown_by_mode[1],
        "both modes refuse alike"
    );
    insta::assert_snapshot!(shown_by_mode[0], @"
    exit 2
    --- stdout
    --- stderr
    error: refusing to remove a person without confirmation: nothing was sent
    hint: pass --yes to confirm (prompts are only shown on a terminal without --no-input)
    exit 2
    --- stdout
    --- stderr
    error: Leaver still holds 2 live key(s), which Flexprice leaves working after the removal; nothing was changed
    hint: live key [SANDBOX_KEY] (leaver-sandbox) in Sandbox
    hint: live key [PRODUCTION_KEY] (leaver-prod) in Production
    hint: pass --revoke-keys to revoke them first, or --keep-keys to remove Leaver and keep them
    exit 0
    --- stdout
    DELETE http://127.0.0.1:[PORT]/v1/secrets/api/keys/[SANDBOX_KEY]
    x-api-key: [DISPLAY_ID]

    DELETE http://127.0.0.1:[PORT]/v1/secrets/api/keys/[PRODUCTION_KEY]
    x-api-key: [DISPLAY_ID]

    POST http://127.0.0.1:[PORT]/v1/users/[LEAVER]/remove
    x-api-key: [DISPLAY_ID]

    --- stderr
    Dry run: 3 requests not sent.
    ");
}

#[test]
fn a_person_without_keys_needs_only_yes() {
    let world = World::new();
    let id = world
        .sandbox
        .seed_user("Quiet", "quiet@example.com", &["all_reader"]);
    let run = world.run(&["users", "remove", "QUIET@example.com", "--yes", "-q"]);
    assert_eq!(run.code(0).stdout, format!("{id}\n"));
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("archived"));
    // A credential bound to one environment says it saw only that one.
    let other = world
        .sandbox
        .seed_user("Other", "other@example.com", &["all_reader"]);
    let run = world.run(&["users", "remove", &other, "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(&other, "[OTHER]")]), @"
    exit 0
    --- stdout
    --- stderr
    warning: this credential is an API key bound to one environment: keys in other environments are not seen here; a tenant-level key or a login token sees them all
    Removed Other ([OTHER]) from the tenant.
    ");
}

#[test]
fn the_caller_a_service_account_and_strangers_are_refused() {
    let world = World::new();
    world
        .sandbox
        .seed_user("Second", "second@example.com", &["super_admin"]);
    let run = world.run_line("users remove admin@flexprice.dev --revoke-keys --yes");
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 2
    --- stdout
    --- stderr
    error: refusing to remove Admin (00000000-0000-0000-0000-000000000000): it is the account this command runs as; nothing was changed
    hint: Flexprice would let you lock yourself out; ask another admin to remove you
    ");
    let bot = world.service_account("ingest-bot", "event_ingestor");
    let run = world.run(&["users", "remove", "ingest-bot", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(&bot, "[BOT]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: ID|EMAIL: 'ingest-bot' is a service account ([BOT]), not a person
    hint: archive it with `flexprice-admin service-accounts delete [BOT] --revoke-keys`
    ");
    let run = world.run(&["users", "remove", "nobody@example.com", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(&bot, "[BOT]")]), @"
    exit 4
    --- stdout
    --- stderr
    error: ID|EMAIL: no person with ID or email 'nobody@example.com' in the tenant
    hint: `flexprice-admin users list` shows the tenant's people (removed people are not listed)
    ");
    assert!(
        world
            .mutating_requests()
            .iter()
            .all(|r| r.path == "/v1/users")
    );
    assert_eq!(
        world
            .sandbox
            .user_status(world.sandbox.admin_user_id())
            .as_deref(),
        Some("published")
    );
}

#[test]
fn a_caller_that_cannot_see_other_peoples_keys_needs_keep_keys() {
    let world = World::new();
    let (id, _, raw) = leaver(&world);
    // A service account holding super_admin may remove people (user:write) but never sees
    // another principal's keys (not a super_admin *user*).
    let root = world.service_account("root-bot", "super_admin");
    let (_, secret) = world.create_key(&["--name", "root", "--service-account", &root]);
    let run = world.run_as(
        &secret,
        &["users", "remove", EMAIL, "--revoke-keys", "--yes"],
    );
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[LEAVER]"), (&root, "[ROOT]")]), @"
    exit 6
    --- stdout
    --- stderr
    error: cannot list the keys of Leaver with this credential: only a super_admin user's credential sees other people's keys; nothing was changed
    hint: run it with a super_admin user's credential (a tenant-level key or a login token sees every environment)
    hint: or pass --keep-keys to remove them anyway, leaving any key of theirs working
    ");
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("published"));
    let run = world.run_as(&secret, &["users", "remove", EMAIL, "--keep-keys", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[LEAVER]"), (&root, "[ROOT]")]), @"
    exit 0
    --- stdout
    --- stderr
    warning: the keys of Leaver cannot be listed with this credential: any they hold keeps working after the removal; `flexprice-admin keys audit --all-environments` with a super_admin user's credential finds them
    Removed Leaver ([LEAVER]) from the tenant.
    ");
    assert!(works(&world, &raw[0]));
    // Now the admin is the tenant's last person: Flexprice keeps one (exit 7).
    let run = world.run_as(
        &secret,
        &[
            "users",
            "remove",
            "admin@flexprice.dev",
            "--keep-keys",
            "--yes",
        ],
    );
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[LEAVER]"), (&root, "[ROOT]")]), @"
    exit 7
    --- stdout
    --- stderr
    warning: the keys of Admin cannot be listed with this credential: any they hold keeps working after the removal; `flexprice-admin keys audit --all-environments` with a super_admin user's credential finds them
    error: Admin (00000000-0000-0000-0000-000000000000) is the tenant's last person, and Flexprice keeps at least one
    hint: invite their successor first: a person is invited from the Flexprice dashboard
    ");
}

#[test]
fn users_list_shows_people_roles_and_live_key_counts() {
    let world = World::new();
    let (id, _, _) = leaver(&world);
    world.sandbox.seed_key(SeedKey {
        name: "expired".into(),
        owner_user_id: Some(id.clone()),
        expires_at: Some(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1)),
        ..SeedKey::default()
    });
    let json = as_tenant(&world, &["users", "list", "-o", "json"])
        .code(0)
        .json();
    let people = json.as_array().unwrap();
    let leaver = people.iter().find(|p| p["id"] == id.as_str()).unwrap();
    assert_eq!(
        leaver["live_keys"], 2,
        "one in each environment; the expired one not counted"
    );
    assert_eq!(leaver["roles"], serde_json::json!(["super_admin"]));
    assert_eq!(leaver["email"], EMAIL);
    let admin = people
        .iter()
        .find(|p| p["id"] == world.sandbox.admin_user_id())
        .unwrap();
    assert_eq!(admin["live_keys"], 1);
    // A key bound to the Sandbox environment counts there only, and says so.
    let run = world.run(&["users", "list"]);
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[LEAVER]")]), @"
    exit 0
    --- stdout
    [LEAVER]	Leaver	leaver@example.com	super_admin	1
    00000000-0000-0000-0000-000000000000	Admin	admin@flexprice.dev	super_admin	1
    --- stderr
    Live keys counted in this credential's environment only (this credential is an API key bound to one environment: keys in other environments are not seen here; a tenant-level key or a login token sees them all).
    ");
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with(id.as_str()))
        .expect("the person");
    assert_eq!(
        row.split('\t').collect::<Vec<_>>(),
        [id.as_str(), "Leaver", EMAIL, "super_admin", "1"]
    );
    // A reader who cannot see others' keys gets the people, without counts.
    let reader = world
        .sandbox
        .seed_user("Reader", "reader@example.com", &["all_reader"]);
    let key = world
        .sandbox
        .seed_key(SeedKey {
            owner_user_id: Some(reader),
            ..SeedKey::default()
        })
        .raw_key;
    let json = world
        .run_as(&key, &["users", "list", "-o", "json"])
        .code(0)
        .json();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .all(|p| p["live_keys"].is_null()),
        "{json}"
    );
    // No user:read: the 403 explained.
    let ingest = world.service_account("ingest-bot", "event_ingestor");
    let (_, secret) = world.create_key(&["--name", "i", "--service-account", &ingest]);
    let run = world.run_as(&secret, &["users", "list"]);
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[LEAVER]")]), @"
    exit 6
    --- stdout
    --- stderr
    error: listing the tenant's people
    caused by: POST /v1/users/search: the server answered 403 Forbidden: insufficient permissions (request ID [ULID_1])
    hint: this command needs the permission user:read
    hint: the credential's account (ingest-bot) holds: event_ingestor
    hint: roles that grant user:read: all_reader, all_writer, super_admin
    hint: a service account may hold all_reader, which grants user:read and reads everything without writing: `flexprice-admin service-accounts create --name NAME --role all_reader`
    ");
}

#[test]
fn a_read_only_service_account_reads_and_cannot_write() {
    let world = World::new();
    let run = world.run_line("service-accounts create --name reporting --role all_reader");
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    [USER_1]
    --- stderr
    Created service account [USER_1] (reporting) with roles all_reader.
    hint: mint a key for it: `flexprice-admin keys create --name NAME --service-account [USER_1]`
    ");
    let (key, secret) = world.create_key(&["--name", "reports", "--service-account", "reporting"]);
    assert_eq!(key["roles"], serde_json::json!(["all_reader"]));
    let check = |permission: &str| {
        world.run_with(&["keys", "check", "--permission", permission], |cmd| {
            cmd.write_stdin(format!("{secret}\n"));
        })
    };
    check("event:read").code(0);
    check("secret:read").code(0);
    let run = check("event:write");
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 6
    --- stdout
    authenticates	yes
    key	[KEY_1]
    name	reports
    owner	reporting (service account)
    roles	all_reader
    environment	the admin credential's environment
    created	[TIME]
    expires	[TIME]
    permission	event:write: not granted
    --- stderr
    The key works: it authenticates as reporting (service account).
    error: the key's roles (all_reader) do not grant event:write
    hint: roles that grant event:write: all_writer, event_ingestor, super_admin
    hint: of those, a service account can hold: event_ingestor, super_admin
    hint: a key's roles are fixed when it is created (a copy of its account's roles then): no change to this key can grant it. The fix is a new key for an account that holds one of those roles
    hint: e.g. `flexprice-admin service-accounts create --name NAME --role event_ingestor` then `flexprice-admin keys create --name KEY --service-account NAME`
    ");
    // It reads keys and users with its own key, and may not mint one.
    world.run_as(&secret, &["keys", "list"]).code(0);
    world.run_as(&secret, &["users", "list"]).code(0);
    world
        .run_as(&secret, &["keys", "create", "--name", "x", "--no-expiry"])
        .code(6);
    // `roles show` says service accounts may hold it.
    let shown = world
        .run(&["roles", "show", "all_reader", "-o", "json"])
        .code(0)
        .json();
    assert_eq!(
        shown["assignable_to"],
        serde_json::json!(["user", "service_account"])
    );
    let run = world.run(&["roles", "show", "all_reader"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    id	all_reader
    name	All Reader
    description	Read-only access to all resources
    assignable to	user,service_account
    permissions	*:read
    --- stderr
    ");
    // all_writer stays refused to service accounts, before anything is sent.
    let run = world.run_line("service-accounts create --name w --role all_writer");
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 2
    --- stdout
    --- stderr
    error: --role: role 'all_writer' cannot be held by a service account (service accounts can hold: super_admin, all_reader, event_ingestor, event_reader)
    hint: `flexprice-admin roles list --for service-account` shows the roles a service account can hold
    ");
}

#[test]
fn whoami_lists_the_users_commands() {
    let world = World::new();
    let json = world.run(&["whoami", "-o", "json"]).code(0).json();
    let allowed = |command: &str| {
        json["commands"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["command"] == command)
            .unwrap_or_else(|| panic!("whoami lists {command}: {json}"))["allowed"]
            .clone()
    };
    for command in [
        "users list",
        "users remove",
        "users remove --revoke-keys",
        "users remove --keep-keys",
    ] {
        assert_eq!(allowed(command), true, "{command}");
    }
    // A service account holding super_admin can remove people, but not see their keys.
    let root = world.service_account("root-bot", "super_admin");
    let (_, secret) = world.create_key(&["--name", "root", "--service-account", &root]);
    let json = world
        .run_as(&secret, &["whoami", "-o", "json"])
        .code(0)
        .json();
    let find = |command: &str| {
        json["commands"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["command"] == command)
            .unwrap()["allowed"]
            .clone()
    };
    assert_eq!(find("users remove --keep-keys"), true);
    assert_eq!(find("users remove --revoke-keys"), false);
}

/// On a terminal, with neither flag, the question offers to revoke the keys first: "no" changes
/// nothing, "yes" revokes every key and removes the person. `--yes` without a flag answers a
/// question nobody saw, so it is refused as off a terminal.
#[test]
fn on_a_terminal_it_asks_and_yes_without_a_flag_is_refused() {
    let world = World::new();
    let (id, key_ids, _) = leaver(&world);
    let ask = || {
        let mut cmd = world.std_cmd();
        cmd.env("FLEXPRICE_API_KEY", world.sandbox.tenant_key())
            .args(["users", "remove", EMAIL]);
        let mut session = crate::harness::pty(cmd);
        session
            .exp_string(
                "Revoke 2 key(s) of Leaver (leaver@example.com), then remove them from the tenant?",
            )
            .expect("the question");
        session
    };
    let mut session = ask();
    session.send_line("n").expect("answer no");
    session.exp_string("Nothing changed").expect("declined");
    session
        .exp_string("--keep-keys")
        .expect("the other way named");
    session.exp_eof().expect("exits");
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("published"));
    assert!(world.mutating_requests().is_empty());

    let mut cmd = world.std_cmd();
    cmd.env("FLEXPRICE_API_KEY", world.sandbox.tenant_key())
        .args(["users", "remove", EMAIL, "--yes"]);
    let mut session = crate::harness::pty(cmd);
    session
        .exp_string("--revoke-keys")
        .expect("a flag is needed");
    session.exp_eof().expect("exits");
    assert!(world.mutating_requests().is_empty());

    let mut session = ask();
    session.send_line("y").expect("answer yes");
    session.exp_string("Removed Leaver").expect("removed");
    session.exp_eof().expect("exits");
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("archived"));
    for key in &key_ids {
        assert_eq!(world.status(key), "deleted");
    }
}

/// A key minted for the person while the removal is under way (held at the sandbox's gate) is
/// caught by the look afterwards: named with its revoke command, exit 8.
#[test]
fn a_key_minted_during_the_removal_is_caught_afterwards() {
    let world = World::new();
    let (id, _, _) = leaver(&world);
    world.add_fault(&format!("POST /v1/users/{id}/remove hold=removing"));
    let late = std::thread::scope(|s| {
        let run = s.spawn(|| {
            as_tenant(
                &world,
                &[
                    "users",
                    "remove",
                    EMAIL,
                    "--revoke-keys",
                    "--yes",
                    "-o",
                    "json",
                ],
            )
        });
        world.sandbox.wait_held("removing", 1);
        let late = world.sandbox.seed_key(SeedKey {
            name: "minted-meanwhile".into(),
            owner_user_id: Some(id.clone()),
            environment_id: Some(world.sandbox.production_environment_id().to_owned()),
            ..SeedKey::default()
        });
        world.sandbox.release("removing");
        let run = run.join().expect("the command's thread");
        run.code(8)
            .stderr_has("still work after revoking")
            .stderr_has(&format!(
                "keys delete {} --environment {}",
                late.id,
                world.sandbox.production_environment_id()
            ));
        let json = run.json();
        assert_eq!(ids(&json["remaining_keys"]), std::slice::from_ref(&late.id));
        assert_eq!(json["revoked_keys"].as_array().unwrap().len(), 2);
        late
    });
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("archived"));
    assert_eq!(world.status(&late.id), "published");
}

/// SIGTERM while the keys are being revoked: the revocation in flight finishes, the person is
/// not removed (nothing half-done: a re-run revokes the rest and removes them), exit 143.
#[test]
fn sigterm_during_the_revocations_removes_no_one() {
    let world = World::new();
    let (id, key_ids, _) = leaver(&world);
    world.add_fault("DELETE /v1/secrets/api/keys/* hold=revoke");
    let child = spawn_with(
        &world,
        &["users", "remove", EMAIL, "--revoke-keys", "--yes"],
        |cmd| {
            cmd.env("FLEXPRICE_API_KEY", world.sandbox.tenant_key());
        },
    );
    let (code, _, log) = signal_at_gate(&world, child, ("revoke", 1), libc::SIGTERM, "SIGTERM");
    assert_eq!(code, 143, "{log}");
    assert!(log.contains("was not removed"), "{log}");
    assert_eq!(
        world.sandbox.user_status(&id).as_deref(),
        Some("published"),
        "{log}"
    );
    assert!(
        !world.requests().iter().any(|r| r.path.ends_with("/remove")),
        "{log}"
    );
    // The run again finishes the job.
    world.sandbox.clear_faults();
    as_tenant(
        &world,
        &["users", "remove", EMAIL, "--revoke-keys", "--yes"],
    )
    .code(0);
    for key in &key_ids {
        assert_eq!(world.status(key), "deleted");
    }
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("archived"));
}
