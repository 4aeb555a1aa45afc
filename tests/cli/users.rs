//! `users list` and `users remove` (offboarding) end to end, against the sandbox in both of its
//! modes: as released, where a removed person's keys keep working, and as the revision that
//! deletes them (`SandboxOptions::remove_user_deletes_keys`).

use flexprice_sandbox::{SandboxOptions, SeedKey};
use serde_json::Value;

use crate::harness::{Run, World, finish_child, read_until, signal, spawn_with};

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
    for (mode, world) in both_modes() {
        let (id, key_ids, raw) = leaver(&world);
        let run = as_tenant(&world, &["users", "remove", &id, "--keep-keys", "--yes"]);
        run.code(0).stderr_has("Removed Leaver");
        assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("archived"));
        if mode == "deleting" {
            // The server revoked them itself: nothing remains, and the receipt says so.
            run.stderr_has("Flexprice revoked their 2 key(s) itself.");
            assert_eq!(run.stdout, "", "{mode}");
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
            run.stderr_has(&format!("revoke it with `{command}`"));
        }
        run.stderr_has("keys audit");

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
}

#[test]
fn neither_flag_off_a_terminal_exits_2_and_sends_nothing() {
    for (mode, world) in both_modes() {
        let (id, key_ids, _) = leaver(&world);
        // Without --yes: refused before any request.
        let run = as_tenant(&world, &["users", "remove", EMAIL]);
        run.code(2)
            .stderr_has("--yes")
            .stderr_has("nothing was sent");
        assert!(
            world.requests().is_empty(),
            "{mode}: {:?}",
            world.requests()
        );
        // With --yes but neither --revoke-keys nor --keep-keys: the keys are named, nothing
        // changes.
        let run = as_tenant(&world, &["users", "remove", EMAIL, "--yes"]);
        run.code(2)
            .stderr_has("still holds 2 live key(s)")
            .stderr_has("--revoke-keys")
            .stderr_has("--keep-keys");
        for key in &key_ids {
            run.stderr_has(key);
        }
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
        dry.code(0).stdout_has(&format!(
            "POST {}/users/{id}/remove",
            world.sandbox.api_url()
        ));
        assert!(world.mutating_requests().is_empty(), "{mode}");
    }
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
    world
        .run(&["users", "remove", &other, "--yes"])
        .code(0)
        .stderr_has("bound to one environment");
}

#[test]
fn the_caller_a_service_account_and_strangers_are_refused() {
    let world = World::new();
    world
        .sandbox
        .seed_user("Second", "second@example.com", &["super_admin"]);
    let run = world.run(&[
        "users",
        "remove",
        "admin@flexprice.dev",
        "--revoke-keys",
        "--yes",
    ]);
    run.code(2)
        .stderr_has("the account this command runs as")
        .stderr_has("nothing was changed");
    let bot = world.service_account("ingest-bot", "event_ingestor");
    world
        .run(&["users", "remove", "ingest-bot", "--yes"])
        .code(2)
        .stderr_has("is a service account")
        .stderr_has(&format!("service-accounts delete {bot}"));
    world
        .run(&["users", "remove", "nobody@example.com", "--yes"])
        .code(4)
        .stderr_has("users list");
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
    world
        .run_as(
            &secret,
            &["users", "remove", EMAIL, "--revoke-keys", "--yes"],
        )
        .code(6)
        .stderr_has("only a super_admin user's credential sees other people's keys")
        .stderr_has("--keep-keys");
    assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("published"));
    world
        .run_as(&secret, &["users", "remove", EMAIL, "--keep-keys", "--yes"])
        .code(0)
        .stderr_has("cannot be listed with this credential");
    assert!(works(&world, &raw[0]));
    // Now the admin is the tenant's last person: Flexprice keeps one (exit 7).
    world
        .run_as(
            &secret,
            &[
                "users",
                "remove",
                "admin@flexprice.dev",
                "--keep-keys",
                "--yes",
            ],
        )
        .code(7)
        .stderr_has("last person");
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
    run.code(0).stderr_has("this credential's environment only");
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
    world
        .run_as(&secret, &["users", "list"])
        .code(6)
        .stderr_has("needs the permission user:read")
        .stderr_has("a service account may hold all_reader");
}

#[test]
fn a_read_only_service_account_reads_and_cannot_write() {
    let world = World::new();
    let run = world.run(&[
        "service-accounts",
        "create",
        "--name",
        "reporting",
        "--role",
        "all_reader",
    ]);
    run.code(0).stderr_has("with roles all_reader");
    let (key, secret) = world.create_key(&["--name", "reports", "--service-account", "reporting"]);
    assert_eq!(key["roles"], serde_json::json!(["all_reader"]));
    let check = |permission: &str| {
        world.run_with(&["keys", "check", "--permission", permission], |cmd| {
            cmd.write_stdin(format!("{secret}\n"));
        })
    };
    check("event:read").code(0);
    check("secret:read").code(0);
    check("event:write")
        .code(6)
        .stderr_has("the key's roles (all_reader) do not grant event:write")
        .stderr_has("a service account can hold: event_ingestor, super_admin");
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
    world
        .run(&["roles", "show", "all_reader"])
        .code(0)
        .stdout_has("user,service_account");
    // all_writer stays refused to service accounts, before anything is sent.
    world
        .run(&[
            "service-accounts",
            "create",
            "--name",
            "w",
            "--role",
            "all_writer",
        ])
        .code(2)
        .stderr_has("all_reader, event_ingestor, event_reader");
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
    let mut child = spawn_with(
        &world,
        &["users", "remove", EMAIL, "--revoke-keys", "--yes"],
        |cmd| {
            cmd.env("FLEXPRICE_API_KEY", world.sandbox.tenant_key());
        },
    );
    world.sandbox.wait_held("revoke", 1);
    signal(&child, libc::SIGTERM);
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let log = read_until(&mut stderr, "SIGTERM");
    world.sandbox.release("revoke");
    let (code, _, log) = finish_child(child, stderr, log);
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
