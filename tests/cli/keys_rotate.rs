//! `keys rotate` of one key, with a fault at each step: the old key keeps working unless step 6
//! (its revocation) succeeded, every minted secret is accounted for (its destination, a 0600
//! recovery file, or nowhere because its key was revoked), a re-run finishes from the recovery
//! file without minting again, and the exit code is as documented.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::process::Stdio;

use flexprice_sandbox::SeedKey;
use jiff::{SignedDuration, Span, Timestamp, tz::TimeZone};
use serde_json::Value;

use crate::harness::{
    PAST_THE_CAP, World, assert_rerun_finishes_into, display_form, due_key, due_key_in_a_file,
    due_key_to_file, file_names, finish_std, is_secret_key, leaks, looked_up_after_the_create,
    mode, new_keys, paths_requested, read_trimmed, says_unread, service_key, spawn,
    the_recovery_file,
};

/// The next create call meets `action` (a fault's action in the sandbox's grammar).
fn fail_next_create(world: &World, action: &str) {
    world.add_fault(&format!("POST /v1/secrets/api/keys {action} times=1"));
}

/// How many times `keys rotate` tries the new key before giving up (`VERIFY_ATTEMPTS` in
/// src/commands/keys/rotate.rs): the verification test counts them.
const VERIFY_ATTEMPTS: usize = 4;

#[test]
fn rotate_replaces_the_key_and_revokes_the_old_one() {
    let world = World::new();
    let (account, old_id, old_secret) = service_key(&world, "ingest");
    world.sandbox.clear_requests();
    let run = world.run(&["keys", "rotate", "ingest", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(&old_id, "[OLD]")]), @"
    exit 0
    --- stdout
    [SECRET]
    --- stderr
    Rotated ingest: new key [KEY_1] (stored in stdout); old key [OLD] revoked.
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
    let new_secret = run.stdout.trim();
    assert!(is_secret_key(new_secret), "{:?}", run.stdout);

    let sent = world
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    let body: Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(body["name"], "ingest");
    assert_eq!(body["service_account_id"], account.as_str());
    let expires: Timestamp = body["expires_at"].as_str().unwrap().parse().unwrap();
    let lifetime = expires.duration_since(Timestamp::now());
    assert!(
        (lifetime - SignedDuration::from_hours(30 * 24)).abs() < SignedDuration::from_secs(60),
        "old lifetime kept"
    );

    assert_eq!(world.status(&old_id), "deleted");
    world.run_as(&old_secret, &["whoami"]).code(3);
    world.run_as(new_secret, &["whoami"]).code(0);
}

#[test]
fn rotate_json_names_old_and_new_keys_and_where_the_secret_went() {
    let world = World::new();
    let (_, old_id, _) = service_key(&world, "json");
    let json = world
        .run(&[
            "keys",
            "rotate",
            &old_id,
            "--yes",
            "-o",
            "json",
            "--expires-in",
            "7d",
        ])
        .code(0)
        .json();
    assert_eq!(json["old_key"]["id"], old_id.as_str());
    assert_eq!(json["new_key"]["name"], "json");
    assert_ne!(json["new_key"]["id"], json["old_key"]["id"]);
    assert_eq!(json["stored_in"], serde_json::json!(["stdout"]));
    assert!(is_secret_key(json["api_key"].as_str().unwrap()));
    assert_eq!(json["old_key_revoked"], true);
}

#[test]
fn keep_old_leaves_the_old_key_working() {
    let world = World::new();
    let (_, old_id, old_secret) = service_key(&world, "keep");
    let run = world.run(&["keys", "rotate", "keep", "--keep-old", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(&old_id, "[OLD]")]), @"
    exit 0
    --- stdout
    [SECRET]
    --- stderr
    Rotated keep: new key [KEY_1] (stored in stdout); old key [OLD] kept (--keep-old).
    ");
    assert_eq!(world.status(&old_id), "published");
    world.run_as(&old_secret, &["whoami"]).code(0);
}

#[test]
fn a_create_that_fails_leaves_the_old_key_untouched() {
    let world = World::new();
    let (_, old_id, old_secret) = service_key(&world, "c500");
    fail_next_create(&world, "status=500");
    let run = world.run(&["keys", "rotate", "c500", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 1
    --- stdout
    --- stderr
    error: step 3 (create the new key) failed; key [KEY_1] is untouched: POST /v1/secrets/api/keys: the server answered 500 Internal Server Error: Injected fault (request ID [ULID_1]); no key was created
    ");
    assert_eq!(run.stdout, "");
    assert_eq!(world.status(&old_id), "published");
    world.run_as(&old_secret, &["whoami"]).code(0);
}

#[test]
fn a_lost_create_response_reports_the_orphan_and_exits_9() {
    let world = World::new();
    let (_, old_id, old_secret) = service_key(&world, "lost");
    fail_next_create(&world, "commit-then-reset");
    let run = world.run(&["keys", "rotate", "lost", "--yes"]);
    let orphan = world
        .sandbox
        .keys()
        .into_iter()
        .find(|k| k.name == "lost" && k.id != old_id)
        .expect("server committed");
    insta::assert_snapshot!(world.shown(&run, &[(&orphan.id, "[ORPHAN]"), (&old_id, "[OLD]")]), @"
    exit 9
    --- stdout
    --- stderr
    error: step 3 (create the new key) failed; key [OLD] is untouched: the server created [ORPHAN] but its answer was lost, so its secret is unrecoverable (orphaned key; POST /v1/secrets/api/keys: no answer from the server: the connection was closed before a complete answer arrived)
    hint: revoke the orphan: `flexprice-admin keys delete [ORPHAN] --yes`, then try again
    ");
    assert_eq!(orphan.status, "published");
    assert_eq!(world.status(&old_id), "published");
    world.run_as(&old_secret, &["whoami"]).code(0);
}

#[test]
fn a_lost_create_response_is_revoked_when_asked() {
    let world = World::new();
    let (_, old_id, _) = service_key(&world, "lost2");
    fail_next_create(&world, "commit-then-reset");
    let run = world.run_line("keys rotate lost2 --yes --on-store-failure revoke");
    let orphan = world
        .sandbox
        .keys()
        .into_iter()
        .find(|k| k.name == "lost2" && k.id != old_id)
        .unwrap();
    insta::assert_snapshot!(world.shown(&run, &[(&old_id, "[OLD]")]), @"
    exit 9
    --- stdout
    --- stderr
    error: step 3 (create the new key) failed; key [OLD] is untouched: the server created [KEY_1] but its answer was lost (POST /v1/secrets/api/keys: no answer from the server: the connection was closed before a complete answer arrived); the orphaned key was revoked (--on-store-failure revoke)
    hint: Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
    assert_eq!(orphan.status, "deleted");
    assert_eq!(world.status(&old_id), "published");
}

/// Step 4 before step 5: a new key that the API refuses goes to no destination (a service
/// reading its key file would pick up a key that does not work); it waits in the recovery file,
/// the old key stays, and a re-run, once the API accepts the new key, finishes the rotation
/// from that file without minting another.
#[test]
fn a_new_key_that_does_not_authenticate_is_not_delivered_and_a_rerun_finishes() {
    let world = World::new();
    let (_, old_id, old_secret) = service_key(&world, "v401");
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("v401.key");
    std::fs::write(&dest, format!("{old_secret}\n")).unwrap();
    let store = format!("file:{}", dest.display());
    world.add_fault("GET /v1/users/me status=401");
    world.sandbox.clear_requests();
    let run = world.run(&["keys", "rotate", "v401", "--yes", "--store", &store]);
    insta::assert_snapshot!(world.shown(&run, &[(&old_id, "[OLD]")]), @"
    exit 9
    --- stdout
    --- stderr
    error: step 4 (check the new key) failed; old key [OLD] is untouched and still active: key [KEY_1] was created but its secret was not delivered (every destination: the API refused the new key 4 times (GET /v1/users/me: the server answered 401 Unauthorized: Injected fault (request ID [ULID_1]))); the secret is in the recovery file [TMP]/state/flexprice-admin/recovered-[KEY_1]-[TIME].key
    hint: copy the secret from [TMP]/state/flexprice-admin/recovered-[KEY_1]-[TIME].key into its destination, then delete the file (it is readable only by you)
    hint: or re-run `flexprice-admin keys rotate [OLD]` (or `keys rotate --due`): it checks the new key, delivers its secret from the recovery file to the same destinations, revokes the old key and deletes the file
    ");
    // The new key's tries, told from the admin's own `GET /users/me` beside the listing.
    let tries = checks_with_the_new_key(&world);
    assert_eq!(tries, VERIFY_ATTEMPTS, "attempts before giving up");
    assert!(
        !run.stderr.contains("whoami"),
        "no hints about the admin key: {}",
        run.stderr
    );
    assert_eq!(run.stdout, "", "nothing delivered, stdout included");
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        format!("{old_secret}\n"),
        "the destination keeps the old, working secret"
    );
    let (_, waiting) = the_recovery_file(&world, &run.stderr);
    let waiting = waiting.trim_end().to_string();
    assert!(is_secret_key(&waiting));
    assert_eq!(world.status(&old_id), "published");
    world.sandbox.clear_faults();
    world.assert_works(&old_secret);

    // The API accepts the new key now: the re-run the hint names delivers it from the file.
    assert!(
        run.stderr
            .contains(&format!("re-run `flexprice-admin keys rotate {old_id}`"))
    );
    let creates = world.creates();
    let run = world.run(&["keys", "rotate", &old_id, "--yes", "--store", &store]);
    insta::assert_snapshot!(world.shown(&run, &[(&old_id, "[OLD]")]), @"
    exit 0
    --- stdout
    --- stderr
    Finishing the rotation of key [OLD] (v401): delivering the secret of its new key [KEY_1] from [TMP]/state/flexprice-admin/recovered-[KEY_1]-[TIME].key.
    Rotated v401: new key [KEY_1] (stored in file:[TMP]/v401.key); old key [OLD] revoked.
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
    assert_eq!(world.creates(), creates, "no second key was minted");
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap().trim_end(),
        waiting,
        "the secret that waited is the one delivered"
    );
    assert!(world.recovery_files().is_empty());
    assert_eq!(world.status(&old_id), "deleted");
}

#[test]
fn a_failed_revocation_names_the_old_key_still_active() {
    let world = World::new();
    let (_, old_id, old_secret) = service_key(&world, "d500");
    world.add_fault(&format!("DELETE /v1/secrets/api/keys/{old_id} status=500"));
    let run = world.run(&["keys", "rotate", "d500", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(&old_id, "[OLD]")]), @"
    exit 1
    --- stdout
    [SECRET]
    --- stderr
    Rotated d500: new key [KEY_1] (stored in stdout); old key [OLD] NOT revoked.
    error: step 6 (revoke the old key) failed: new key [KEY_1] is delivered and works, but old key [OLD] is still active; revoke it with `flexprice-admin keys delete [OLD] --yes`
    caused by: DELETE /v1/secrets/api/keys/[OLD]: the server answered 500 Internal Server Error: Injected fault (request ID [ULID_1])
    hint: the server failed; try again later, and quote the request ID if you report it
    ");
    let new_secret = run.stdout.trim();
    world.run_as(new_secret, &["whoami"]).code(0);
    world.run_as(&old_secret, &["whoami"]).code(0);
}

#[test]
fn a_lost_revocation_response_is_retried() {
    let world = World::new();
    let (_, old_id, _) = service_key(&world, "dlost");
    world.add_fault(&format!(
        "DELETE /v1/secrets/api/keys/{old_id} commit-then-reset times=1"
    ));
    world.run(&["keys", "rotate", "dlost", "--yes"]).code(0);
    assert_eq!(world.status(&old_id), "deleted");
    let deletes = world
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(
        deletes, 2,
        "the idempotent DELETE was repeated after the lost answer"
    );
}

#[test]
fn another_users_key_cannot_be_rotated() {
    let world = World::new();
    let user = world.another_user();
    let theirs = world.sandbox.seed_key(SeedKey {
        name: "danas".into(),
        owner_user_id: Some(user),
        ..SeedKey::default()
    });
    let run = world.run(&["keys", "rotate", &theirs.id, "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 6
    --- stdout
    --- stderr
    error: key [KEY_1] (danas) belongs to user [USER_1]; Flexprice mints user keys only for the calling user
    hint: ask that user to rotate it with their own credential, or revoke it with `flexprice-admin keys delete`
    ");
    assert_eq!(world.creates(), 0);
}

#[test]
fn dry_run_and_confirmation_send_nothing() {
    let world = World::new();
    let (_, old_id, _) = service_key(&world, "plan");
    world.sandbox.clear_requests();
    let run = world.run(&["keys", "rotate", "plan", "--dry-run"]);
    insta::assert_snapshot!(world.shown(&run, &[(&old_id, "[OLD]")]), @r#"
    exit 0
    --- stdout
    POST http://127.0.0.1:[PORT]/v1/secrets/api/keys
    x-api-key: [DISPLAY_ID]
    {"expires_at":"[TIME]","name":"plan","service_account_id":"[USER_1]","type":"private_key"}

    DELETE http://127.0.0.1:[PORT]/v1/secrets/api/keys/[OLD]
    x-api-key: [DISPLAY_ID]

    --- stderr
    Dry run: 2 requests not sent.
    "#);
    let run = world.run(&["keys", "rotate", "plan"]);
    insta::assert_snapshot!(world.shown(&run, &[(&old_id, "[OLD]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: refusing to rotate keys without confirmation: nothing was sent
    hint: pass --yes to confirm (prompts are only shown on a terminal without --no-input)
    ");
    assert!(world.mutating_requests().is_empty());
    assert_eq!(world.status(&old_id), "published");
}

#[test]
fn rotate_to_a_file_writes_the_new_secret_there_and_not_to_stdout() {
    let world = World::new();
    let (_, old_id, old_secret) = service_key(&world, "filed");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("filed.key");
    let store = format!("file:{}", path.display());
    let json = world
        .run(&[
            "keys", "rotate", "filed", "--store", &store, "--yes", "-o", "json",
        ])
        .code(0)
        .json();
    let written = std::fs::read_to_string(&path).unwrap();
    let new_secret = written.trim_end();
    assert!(is_secret_key(new_secret) && new_secret != old_secret);
    assert!(
        json.get("api_key").is_none(),
        "the secret went only to the file: {json}"
    );
    assert_eq!(
        json["stored_in"],
        serde_json::json!([format!("file:{}", path.display())])
    );
    assert_eq!(world.status(&old_id), "deleted");
    world.run_as(new_secret, &["whoami"]).code(0);
}

#[test]
fn a_failed_delivery_keeps_the_old_key_and_the_new_secret_in_a_recovery_file() {
    let world = World::new();
    let (_, old_id, old_secret) = service_key(&world, "undelivered");
    let run = world.run_line("keys rotate undelivered --store exec:false --yes");
    insta::assert_snapshot!(world.shown(&run, &[(&old_id, "[OLD]")]), @"
    exit 9
    --- stdout
    --- stderr
    error: step 5 (deliver the secret) failed; old key [OLD] is untouched and still active: key [KEY_1] was created but its secret was not delivered (exec:false: 'false' exited with exit status: 1); the secret is in the recovery file [TMP]/state/flexprice-admin/recovered-[KEY_1]-[TIME].key
    hint: copy the secret from [TMP]/state/flexprice-admin/recovered-[KEY_1]-[TIME].key into its destination, then delete the file (it is readable only by you)
    hint: or re-run `flexprice-admin keys rotate [OLD]` (or `keys rotate --due`): it checks the new key, delivers its secret from the recovery file to the same destinations, revokes the old key and deletes the file
    ");
    let (_, recovered) = the_recovery_file(&world, "");
    assert!(
        !run.stderr.contains(recovered.trim_end()),
        "the error names the file, not the secret"
    );
    world.run_as(recovered.trim_end(), &["whoami"]).code(0);
    assert_eq!(world.status(&old_id), "published");
    world.run_as(&old_secret, &["whoami"]).code(0);
}

#[test]
fn a_failed_delivery_with_revoke_removes_the_new_key_only() {
    let world = World::new();
    let (_, old_id, _) = service_key(&world, "norecovery");
    let run =
        world.run_line("keys rotate norecovery --store exec:false --on-store-failure revoke --yes");
    insta::assert_snapshot!(world.shown(&run, &[(&old_id, "[OLD]")]), @"
    exit 9
    --- stdout
    --- stderr
    error: step 5 (deliver the secret) failed; old key [OLD] is untouched and still active: the secret of key [KEY_1] could not be delivered (exec:false: 'false' exited with exit status: 1); the key was revoked (--on-store-failure revoke), so no recovery file was needed
    hint: Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
    assert!(world.recovery_files().is_empty());
    let keys: Vec<_> = world
        .sandbox
        .keys()
        .into_iter()
        .filter(|k| k.name == "norecovery")
        .collect();
    assert_eq!(keys.len(), 2);
    for key in keys {
        let expected = if key.id == old_id {
            "published"
        } else {
            "deleted"
        };
        assert_eq!(key.status, expected, "{}", key.id);
    }
}

#[test]
fn a_destination_that_cannot_take_a_secret_stops_rotation_before_minting() {
    let world = World::new();
    let (_, old_id, _) = service_key(&world, "preflight");
    world.sandbox.clear_requests();
    let run = world.run_line("keys rotate preflight --store file:/nonexistent/dir/k --yes");
    insta::assert_snapshot!(world.shown(&run, &[(&old_id, "[OLD]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: --store file:/nonexistent/dir/k: the directory /nonexistent/dir does not exist; no key was created
    ");
    assert!(world.mutating_requests().is_empty());
    assert_eq!(world.status(&old_id), "published");
}

#[test]
fn rotating_into_the_keychain_replaces_the_predecessors_entry() {
    let world = World::new();
    // The test Secret Service is shared by every test in this process: use a name of our own.
    let name = crate::secret_service::unique("kc");
    let bot = world.service_account("kc-bot", "event_ingestor");
    world
        .run_keychain(&[
            "keys",
            "create",
            "--name",
            &name,
            "--service-account",
            "kc-bot",
            "--store",
            "keychain",
        ])
        .code(0);
    let before = world.run_keychain(&["keychain", "get", &name]);
    let old_secret = before.code(0).stdout.trim().to_string();
    world
        .run_keychain(&["keys", "rotate", &name, "--store", "keychain", "--yes"])
        .code(0)
        .stderr_has(&format!("keychain:default/{bot}/{name}"));
    let after = world.run_keychain(&["keychain", "get", &name]);
    let new_secret = after.code(0).stdout.trim().to_string();
    assert_ne!(new_secret, old_secret);
    world.run_as(&new_secret, &["whoami"]).code(0);
    world.run_as(&old_secret, &["whoami"]).code(3);
    world
        .run_keychain(&["keychain", "remove", &name, "--yes"])
        .code(0);
}

#[test]
fn a_keychain_failure_after_minting_keeps_the_old_key() {
    let world = World::new();
    world.service_account("kcf-bot", "event_ingestor");
    let (old, old_secret) = world.create_key(&["--name", "kcf", "--service-account", "kcf-bot"]);
    let run = world.run_with(
        &["keys", "rotate", "kcf", "--store", "keychain", "--yes"],
        |cmd| {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", crate::secret_service::address())
                .env("FLEXPRICE_ADMIN_TEST_FAIL_DELIVERY", "keychain");
        },
    );
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 9
    --- stdout
    --- stderr
    error: step 5 (deliver the secret) failed; old key [KEY_1] is untouched and still active: key [KEY_2] was created but its secret was not delivered (keychain:default/[USER_1]/kcf: failed on purpose (test hook)); the secret is in the recovery file [TMP]/state/flexprice-admin/recovered-[KEY_2]-[TIME].key
    hint: copy the secret from [TMP]/state/flexprice-admin/recovered-[KEY_2]-[TIME].key into its destination, then delete the file (it is readable only by you)
    hint: or re-run `flexprice-admin keys rotate [KEY_1]` (or `keys rotate --due`): it checks the new key, delivers its secret from the recovery file to the same destinations, revokes the old key and deletes the file
    ");
    assert_eq!(world.recovery_files().len(), 1);
    assert_eq!(world.status(old["id"].as_str().unwrap()), "published");
    world.run_as(&old_secret, &["whoami"]).code(0);
}

#[test]
fn json_output_keeps_the_secret_when_a_later_step_fails() {
    let world = World::new();
    let (_, old_id, _) = service_key(&world, "jfail");
    world.add_fault(&format!("DELETE /v1/secrets/api/keys/{old_id} status=500"));
    let run = world.run(&["keys", "rotate", "jfail", "--yes", "-o", "json"]);
    let json = run.code(1).json();
    let secret = json["api_key"]
        .as_str()
        .expect("the secret is in the output");
    assert_eq!(json["old_key_revoked"], false);
    assert!(json["error"].as_str().unwrap().contains("step 6"));
    world.run_as(secret, &["whoami"]).code(0);
}

#[test]
fn an_unwritable_stdout_keeps_the_new_secret_in_a_recovery_file() {
    let world = World::new();
    let (_, old_id, _) = service_key(&world, "full");
    let run = world.run_into_a_full_disk(&["keys", "rotate", "full", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(&old_id, "[OLD]")]), @"
    exit 9
    --- stdout
    --- stderr
    error: step 5 (deliver the secret) failed; old key [OLD] is untouched and still active: key [KEY_1] was created but its secret was not delivered (stdout: No space left on device (os error 28)); the secret is in the recovery file [TMP]/state/flexprice-admin/recovered-[KEY_1]-[TIME].key
    hint: copy the secret from [TMP]/state/flexprice-admin/recovered-[KEY_1]-[TIME].key into its destination, then delete the file (it is readable only by you)
    hint: or re-run `flexprice-admin keys rotate [OLD]` (or `keys rotate --due`): it checks the new key, delivers its secret from the recovery file to the same destinations, revokes the old key and deletes the file
    ");
    let (_, secret) = the_recovery_file(&world, "");
    world.run_as(secret.trim(), &["whoami"]).code(0);
    assert_eq!(
        world.status(&old_id),
        "published",
        "step 5 failed: the old key stays"
    );
}

#[test]
fn a_rotation_without_store_delivers_where_the_secret_went_and_records_no_secret() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ingest.key");
    let old = due_key(&world, "ingest", &format!("file:{}", file.display()));
    let old_secret = read_trimmed(&file);

    // The record: 0600, in a 0700 directory, where the secret went and never the secret.
    let record = world
        .state_dir()
        .join(format!("delivered/default/{old}.json"));
    assert_eq!(mode(&record), 0o600);
    assert_eq!(mode(record.parent().unwrap()), 0o700);
    let text = std::fs::read_to_string(&record).unwrap();
    assert!(!text.contains(&old_secret));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        json["places"],
        serde_json::json!([{"kind": "file", "path": file.display().to_string()}])
    );

    // No --store: the new secret goes to the same file, nothing on stdout.
    let run = world.run(&["keys", "rotate", &old, "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(&old, "[OLD]"), (file.to_str().unwrap(), "[FILE]")]), @"
    exit 0
    --- stdout
    --- stderr
    warning: the new key ingest will live 7d, which is no longer than the expiring window (14d, the default expiring_within): such a key is due for rotation as soon as it exists, so every `keys rotate --due` replaces it; give keys a lifetime longer than 14d (--expires-in, or `flexprice-admin profile set --default-expiry`), or shorten the window (`flexprice-admin profile set --expiring-within`)
    Rotated ingest: new key [KEY_1] (stored in file:[FILE]); old key [OLD] revoked.
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
    assert_eq!(run.stdout, "");
    let new_secret = read_trimmed(&file);
    assert!(is_secret_key(&new_secret) && new_secret != old_secret);
    world.assert_works(&new_secret);
    assert_eq!(world.status(&old), "deleted");

    // The batch, the same: from the new key's record.
    world.sandbox.clear_requests();
    let run = world.run(&["keys", "rotate", "--due", "--yes"]);
    run.code(0);
    assert_eq!(run.stdout, "");
    assert_eq!(world.creates(), 1);
    let third = read_trimmed(&file);
    assert!(third != new_secret);
    world.assert_works(&third);
}

#[test]
fn a_new_key_that_would_churn_is_warned_about() {
    let world = World::new();
    let key = world.seed_key("short", None, 1, Some(30)).id;
    let run = world.run(&["keys", "rotate", "short", "--expires-in", "7d", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(&key, "[OLD]")]), @"
    exit 0
    --- stdout
    [SECRET]
    --- stderr
    warning: the new key short will live 7d, which is no longer than the expiring window (14d, the default expiring_within): such a key is due for rotation as soon as it exists, so every `keys rotate --due` replaces it; give keys a lifetime longer than 14d (--expires-in, or `flexprice-admin profile set --default-expiry`), or shorten the window (`flexprice-admin profile set --expiring-within`)
    Rotated short: new key [KEY_1] (stored in stdout); old key [OLD] revoked.
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
    assert_eq!(world.status(&key), "deleted");
}

fn ten_years_after(at: Timestamp) -> Timestamp {
    at.to_zoned_datetime(TimeZone::UTC)
        .checked_add(Span::new().years(10))
        .unwrap()
        .timestamp()
}

#[test]
fn rotating_a_key_that_outlives_the_cap_gives_a_key_within_it() {
    let world = World::new();
    let now = world.sandbox.now();
    // The API accepts any expiry: a key made elsewhere with a 20-year lifetime.
    let old = world.sandbox.seed_key(flexprice_sandbox::SeedKey {
        name: "forever".into(),
        created_at: Some(now - jiff::SignedDuration::from_hours(24)),
        expires_at: Some(ten_years_after(ten_years_after(now))),
        ..Default::default()
    });
    let before = Timestamp::now();
    let run = world.run(&["keys", "rotate", &old.id, "--yes", "-o", "json"]);
    let after = Timestamp::now();
    run.code(0);
    let json = run.json();
    assert_eq!(json["old_key"]["id"], old.id.as_str());
    let expires: Timestamp = json["new_key"]["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        expires <= ten_years_after(after),
        "{expires} is beyond ten years"
    );
    assert!(
        expires >= ten_years_after(before) - jiff::SignedDuration::from_secs(1),
        "{expires} is shorter than ten years: clamped, not shortened"
    );
    let new_id = json["new_key"]["id"].as_str().unwrap();
    assert_eq!(
        world.sandbox.key(new_id).unwrap().expires_at,
        Some(expires),
        "the server has the expiry shown"
    );
}

#[test]
fn a_rotation_under_the_cache_does_not_claim_the_old_key_is_dead() {
    let world = World::new();
    let start = Timestamp::now();
    world.sandbox.set_now(start);
    world.service_account("cache-bot", "event_ingestor");
    let (old, old_secret) =
        world.create_key(&["--name", "cached", "--service-account", "cache-bot"]);
    let old_id = old["id"].as_str().unwrap();
    // The old key's consumer has just used it, so the server holds it in its cache.
    world.run_as(&old_secret, &["whoami"]).code(0);

    let run = world.run(&["keys", "rotate", "cached", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(old_id, "[OLD]")]), @"
    exit 0
    --- stdout
    [SECRET]
    --- stderr
    Rotated cached: new key [KEY_1] (stored in stdout); old key [OLD] revoked.
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
    let new_secret = run.stdout.trim();
    assert!(is_secret_key(new_secret), "{:?}", run.stdout);
    assert_eq!(world.status(old_id), "deleted");

    // As the receipt warned: the old key still works inside the window, and not after it.
    world.run_as(&old_secret, &["whoami"]).code(0);
    world
        .sandbox
        .set_now(start + SignedDuration::from_secs(119));
    world.run_as(&old_secret, &["whoami"]).code(0);
    world
        .sandbox
        .set_now(start + SignedDuration::from_secs(120));
    world.run_as(&old_secret, &["whoami"]).code(3);
    world.run_as(new_secret, &["whoami"]).code(0);
}

#[test]
fn a_rotation_in_json_reports_the_revocation_and_the_caveat() {
    let world = World::new();
    world.service_account("json-bot", "event_ingestor");
    let (_, old_secret) = world.create_key(&["--name", "j", "--service-account", "json-bot"]);
    world.run_as(&old_secret, &["whoami"]).code(0);
    let run = world.run(&["keys", "rotate", "j", "--yes", "-o", "json"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @r#"
    exit 0
    --- stdout
    {
      "old_key": {
        "id": "[KEY_1]",
        "name": "j",
        "display_id": "[DISPLAY_ID]",
        "type": "private_key",
        "status": "published",
        "roles": [
          "event_ingestor"
        ],
        "owner_type": "service_account",
        "owner_id": "[USER_1]",
        "owner_name": "json-bot",
        "created_at": "[TIME]",
        "expires_at": "[TIME]",
        "expired": false
      },
      "new_key": {
        "id": "[KEY_2]",
        "name": "j",
        "display_id": "[DISPLAY_ID]",
        "type": "private_key",
        "status": "published",
        "roles": [
          "event_ingestor"
        ],
        "owner_type": "service_account",
        "owner_id": "[USER_1]",
        "owner_name": "json-bot",
        "created_at": "[TIME]",
        "expires_at": "[TIME]",
        "expired": false
      },
      "stored_in": [
        "stdout"
      ],
      "api_key": "[SECRET]",
      "old_key_revoked": true
    }
    --- stderr
    Rotated j: new key [KEY_2] (stored in stdout); old key [KEY_1] revoked.
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    "#);
    assert_eq!(run.json()["old_key_revoked"], true);
    // Revoked in Flexprice's records, yet still accepted for now: the note is what tells users.
    world.run_as(&old_secret, &["whoami"]).code(0);
}

/// `keys rotate NAME`: four round trips, the minimum its data needs. The listing goes out with
/// `GET /users/me` (only a user key's owner may rotate it); after the create, the new key's
/// check and the listing of the owner's keys (has another run crossed this one?) go out
/// together; then the revocation. Each pair must be held at its gate at once.
#[test]
fn keys_rotate_takes_four_round_trips() {
    let world = World::new();
    let (old, _) = world.create_key(&["--name", "rt"]);
    let old_id = old["id"].as_str().unwrap().to_string();
    world.sandbox.clear_requests();
    // The first matching fault takes each request, one use each: the first two at `resolve`,
    // the next two at `check`.
    for gate in ["resolve", "check"] {
        for path in ["/v1/users/me", "/v1/secrets/api/keys"] {
            world.add_fault(&format!("GET {path} hold={gate} times=1"));
        }
    }
    let run = std::thread::scope(|s| {
        let run = s.spawn(|| world.run(&["keys", "rotate", "rt", "--yes"]));
        for gate in ["resolve", "check"] {
            world.sandbox.wait_held(gate, 2);
            world.sandbox.release(gate);
        }
        run.join().expect("the command's thread")
    });
    let new_secret = run.code(0).stdout.trim().to_string();
    let requested = paths_requested(&world);
    let owners = world
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/secrets/api/keys" && r.method == "GET")
        .nth(1)
        .and_then(|r| r.query)
        .unwrap_or_default();
    world.assert_works(&new_secret);
    let sorted = |wave: &[String]| {
        let mut wave = wave.to_vec();
        wave.sort();
        wave
    };
    assert_eq!(requested.len(), 6, "{requested:?}");
    let together = ["GET /v1/secrets/api/keys", "GET /v1/users/me"];
    assert_eq!(sorted(&requested[0..2]), together, "{requested:?}");
    assert_eq!(requested[2], "POST /v1/secrets/api/keys", "{requested:?}");
    assert_eq!(sorted(&requested[3..5]), together, "{requested:?}");
    assert_eq!(
        requested[5],
        format!("DELETE /v1/secrets/api/keys/{old_id}"),
        "{requested:?}"
    );
    // The second listing asks only for the owner's keys made since the old one (a second of
    // slack).
    assert!(
        owners.contains(&format!("user_id={}", world.sandbox.admin_user_id())),
        "{owners}"
    );
    let created = old["created_at"]
        .as_str()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap();
    let since = owners
        .split('&')
        .find_map(|pair| pair.strip_prefix("start_time="))
        .expect("a start_time");
    let since: jiff::Timestamp = since.replace("%3A", ":").parse().unwrap();
    assert_eq!(
        created - since,
        jiff::SignedDuration::from_secs(1),
        "{owners}"
    );
}

/// Item 2: the new key's own verification answers an error that quotes the new key (a server
/// or proxy echoing the caller's credential). A key that fails its check is delivered nowhere:
/// its secret is in the recovery file and nowhere else: not the destination, not stderr, not
/// the `-o json` document's `"error"`, which shows its display form. The admin's own
/// `GET /users/me` (beside the listing) meets the same fault: its key is not shown either.
#[test]
fn a_new_key_quoted_back_during_its_verification_reaches_only_its_recovery_file() {
    let world = World::with_immediate_revocation();
    let account = world.service_account("ingest-bot", "event_ingestor");
    let (old, _) = world.create_key(&["--name", "ingest", "--service-account", &account]);
    let old_id = old["id"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ingest.key");
    world.add_fault(r#"GET /v1/users/me status=500 header=X-Request-ID:req-{credential} body={"code":"internal_error","message":"db error for key {credential}","http_status_code":500}"#);
    let store = format!("file:{}", file.display());
    let run = world.run(&[
        "keys",
        "rotate",
        &old_id,
        "--store",
        &store,
        "--yes",
        "-o",
        "json",
        "--verbose",
    ]);
    run.code(9);
    assert!(!file.exists(), "a key that failed its check was delivered");
    let (file, secret) = the_recovery_file(&world, &run.stderr);
    let secret = secret.trim_end();
    assert!(crate::harness::is_secret_key(secret), "{secret:?}");
    let admin = world.sandbox.admin_key().to_string();
    for (name, text) in [("stderr", &run.stderr), ("stdout", &run.stdout)] {
        assert!(!leaks(text, secret), "{name}:\n{text}");
        assert!(!leaks(text, &admin), "{name} shows the admin key:\n{text}");
    }
    assert!(
        world
            .requests()
            .iter()
            .any(|r| r.path == "/v1/users/me" && r.status == 500),
        "the verification met the quoting fault"
    );
    let json = run.json();
    let error = json["error"].as_str().expect("the failed step is named");
    assert!(error.contains(&display_form(secret)), "{error}");
    assert_eq!(json["recovery_file"], file.display().to_string());
    assert!(
        json.get("api_key").is_none(),
        "stdout is not a destination: {json}"
    );
    assert_eq!(
        world.status(&old_id),
        "published",
        "a new key that fails verification leaves the old one working"
    );
}

#[test]
fn a_state_directory_linked_to_a_shared_directory_is_never_made_0700() {
    let world = World::new();
    let (key, _) = world.create_key(&["--name", "linked"]);
    let old_id = key["id"].as_str().unwrap().to_string();
    let shared = tempfile::tempdir().unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let state = world.state_dir();
    // `keys create` left its delivery record there; the directory becomes the link instead.
    let _ = std::fs::remove_dir_all(&state);
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    symlink(shared.path(), &state).unwrap();
    world.sandbox.clear_requests();

    let run = world.run(&["keys", "rotate", "linked", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(&old_id, "[OLD]"), (shared.path().to_str().unwrap(), "[SHARED]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: cannot create [TMP]/state/flexprice-admin/locks
    caused by: [TMP]/state/flexprice-admin is a symbolic link to a directory open to other users (mode 1777); permissions are never changed through a link
    hint: make [TMP]/state/flexprice-admin a directory of its own (`rm [TMP]/state/flexprice-admin && mkdir -m 700 [TMP]/state/flexprice-admin`), or point the link at a private directory of yours (mode 700)
    ");
    assert_eq!(mode(shared.path()), 0o1777);
    assert!(world.mutating_requests().is_empty(), "no key was minted");
    assert_eq!(world.status(&old_id), "published");
    assert_eq!(
        std::fs::read_dir(shared.path()).unwrap().count(),
        0,
        "nothing was written into the shared directory"
    );

    // Pointed at a private directory of ours, the link is used as it is.
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    world.run(&["keys", "rotate", "linked", "--yes"]).code(0);
    assert_eq!(world.status(&old_id), "deleted");
}

#[test]
fn a_failed_single_rotation_prints_its_object_with_the_error() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("jf", None);
    world.add_fault("POST /v1/secrets/api/keys status=403 times=1");
    let run = world.run(&["keys", "rotate", &old, "--yes", "-o", "json"]);
    let json = run.code(6).json();
    assert_eq!(json["old_key"]["id"], old.as_str());
    assert!(
        json.get("new_key").is_none() && json.get("api_key").is_none(),
        "{json}"
    );
    assert_eq!(json["old_key_revoked"], false);
    assert!(json["error"].as_str().unwrap().contains("step 3"), "{json}");

    let run = world.run(&[
        "keys",
        "rotate",
        &old,
        "--yes",
        "-o",
        "json",
        "--store",
        "exec:false",
    ]);
    let json = run.code(9).json();
    assert!(json["error"].as_str().unwrap().contains("step 5"), "{json}");
    assert!(
        json.get("api_key").is_none(),
        "the secret is in the recovery file only: {json}"
    );
    assert_eq!(world.recovery_files().len(), 1);
    assert_eq!(world.status(&old), "published");
}

#[test]
fn a_lost_create_during_rotation_exits_9_whatever_the_policy() {
    let world = World::with_immediate_revocation();
    for policy in ["keep", "revoke"] {
        let old = world.aged_key(&format!("l-{policy}"), None);
        world.add_fault("POST /v1/secrets/api/keys commit-then-reset times=1");
        let run = world.run(&[
            "keys",
            "rotate",
            &old,
            "--yes",
            "--on-store-failure",
            policy,
        ]);
        run.code(9).stderr_has("step 3");
        let orphan = new_keys(&world, &format!("l-{policy}"), &[&old]);
        assert_eq!(orphan.len(), 1);
        assert_eq!(
            orphan[0].status,
            if policy == "keep" {
                "published"
            } else {
                "deleted"
            }
        );
        assert_eq!(world.status(&old), "published");
    }
}

/// A server-chosen name of 260 characters makes `{name}.key` longer than any file name may be
/// (255 bytes). Pre-flight must find out before minting: exit 2, nothing created.
#[test]
fn a_name_too_long_for_the_file_system_is_refused_before_minting() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let long = "n".repeat(260);
    let old = world.aged_key(&long, None);
    let store = format!("file:{}", dir.path().join("{name}.key").display());
    world.sandbox.clear_requests();
    let run = world.run(&["keys", "rotate", &old, "--yes", "--store", &store]);
    insta::assert_snapshot!(world.shown(&run, &[(&old, "[OLD]"), (&long, "[260 n]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: --store file:[TMP]/[260 n].key: the file name (264 bytes) or the whole path is too long for the file system in [TMP]; no key was created
    ");
    assert_eq!(world.creates(), 0, "nothing minted");
    assert!(world.recovery_files().is_empty());
    assert_eq!(world.status(&old), "published");

    // The same with a fixed path: 300 characters in one file name.
    let fixed = format!("file:{}", dir.path().join("f".repeat(300)).display());
    let run = world.run(&["keys", "create", "--name", "long-path", "--store", &fixed]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 2
    --- stdout
    --- stderr
    error: --store file:[TMP]/ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff: the file name (300 bytes) or the whole path is too long for the file system in [TMP]; no key was created
    ");
    assert_eq!(world.creates(), 0, "nothing minted");
    assert!(
        file_names(dir.path()).is_empty(),
        "{:?}",
        file_names(dir.path())
    );
}

/// The child lists the file descriptors it inherited: only its stdin (the secret), stdout and
/// stderr (the pipe its output is kept in, shown only if it fails). No socket to the API, no
/// admin key file, no lock file, not our own end of its stdin. The binary is started with
/// nothing open but 0, 1 and 2, so anything more came from it.
#[test]
fn an_exec_child_inherits_no_descriptor_but_its_three() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let admin_file = dir.path().join("admin.key");
    std::fs::write(&admin_file, world.sandbox.admin_key()).unwrap();
    std::fs::set_permissions(
        &admin_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let received = dir.path().join("received");
    let listed = dir.path().join("fds");
    let old = world.aged_key("fd-probe", None);
    // `ls` lists the descriptors of the shell the secret was handed to (`$$`), which holds
    // only what it inherited; the redirection is a subshell's, never the shell's own.
    let store = format!(
        "exec:sh -c 'cat > \"$1\"; (ls -l /proc/$$/fd > \"$2\"); true' sh {} {}",
        received.display(),
        listed.display()
    );
    let mut cmd = world.std_cmd();
    cmd.args(["keys", "rotate", &old, "--yes", "--store", &store])
        .env_remove("FLEXPRICE_API_KEY")
        .env("FLEXPRICE_API_KEY_FILE", &admin_file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    // SAFETY: close_range(2) in the forked child before exec; async-signal-safe.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::close_range(3, libc::c_uint::MAX, 0);
            Ok(())
        });
    }
    let run = finish_std(&mut cmd);
    run.code(0);
    let listing = &std::fs::read_to_string(&listed).unwrap();
    let open: Vec<&str> = listing
        .lines()
        .filter(|l| l.starts_with('l') && l.contains(" -> "))
        .filter_map(|l| l.split(" -> ").next()?.rsplit(' ').next())
        .filter(|n| n.parse::<u32>().is_ok())
        .collect();
    assert_eq!(open, ["0", "1", "2"], "inherited:\n{listing}");
    let secret = std::fs::read_to_string(&received).unwrap();
    assert!(is_secret_key(&secret), "{secret:?}");
}

/// The destination fails and so does revoking the new key (the server answers 500 to every
/// DELETE): the secret must not be lost with its key active. It is in the recovery file, the
/// new key works, the old key is untouched, exit 9.
#[test]
fn a_failed_revocation_under_revoke_keeps_the_secret_in_the_recovery_file() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("unrevocable", None);
    world.add_fault("DELETE /v1/secrets/api/keys/* status=500");
    let run = world.run(&[
        "keys",
        "rotate",
        &old,
        "--yes",
        "--store",
        "exec:false",
        "--on-store-failure",
        "revoke",
    ]);
    insta::assert_snapshot!(world.shown(&run, &[(&old, "[OLD]")]), @"
    exit 9
    --- stdout
    --- stderr
    warning: could not revoke key [KEY_1] (DELETE /v1/secrets/api/keys/[KEY_1]: the server answered 500 Internal Server Error: Injected fault (request ID [ULID_1])); keeping its secret in a recovery file instead
    error: step 5 (deliver the secret) failed; old key [OLD] is untouched and still active: key [KEY_1] was created but its secret was not delivered (exec:false: 'false' exited with exit status: 1); the secret is in the recovery file [TMP]/state/flexprice-admin/recovered-[KEY_1]-[TIME].key
    hint: copy the secret from [TMP]/state/flexprice-admin/recovered-[KEY_1]-[TIME].key into its destination, then delete the file (it is readable only by you)
    hint: or re-run `flexprice-admin keys rotate [OLD]` (or `keys rotate --due`): it checks the new key, delivers its secret from the recovery file to the same destinations, revokes the old key and deletes the file
    ");
    let (file, secret) = the_recovery_file(&world, &run.stderr);
    world.assert_works(secret.trim_end());
    assert!(
        run.stderr.contains(&file.display().to_string()),
        "{}",
        run.stderr
    );
    assert_eq!(world.status(&old), "published");
}

/// The `GET /users/me` requests made with another key than the admin's: the new key's checks.
fn checks_with_the_new_key(world: &World) -> usize {
    let admin_form = display_form(world.sandbox.admin_key());
    world
        .requests()
        .iter()
        .filter(|r| {
            r.path == "/v1/users/me"
                && !r
                    .headers
                    .iter()
                    .any(|(name, value)| name == "x-api-key" && *value == admin_form)
        })
        .count()
}

/// The new key fails its check (step 4), so its secret waits in the recovery file and the
/// error says a re-run of `keys rotate OLD` delivers it "to the same destinations". The re-run
/// the hint names has no `--store`: it must deliver where the first run was told to (here a
/// file), not where the old key's secret went (nowhere recorded: stdout). Broke: the failed
/// check recorded nothing, so the re-run printed the secret to stdout and left the file empty.
#[test]
fn a_rerun_after_a_failed_check_delivers_where_the_first_run_was_told() {
    let world = World::with_immediate_revocation();
    let (old, _dir, dest, store) = due_key_to_file(&world, "mover");
    world.add_fault("GET /v1/users/me status=401");
    let run = world.run(&["keys", "rotate", &old, "--yes", "--store", &store]);
    run.code(9)
        .stderr_has("step 4 (check the new key) failed")
        .stderr_has(&format!("re-run `flexprice-admin keys rotate {old}`"));
    assert!(!dest.exists());
    let (_, waiting) = the_recovery_file(&world, &run.stderr);

    world.sandbox.clear_faults();
    assert_rerun_finishes_into(&world, &old, &dest, &waiting);
}

/// The server answers the create with a secret of an unexpected shape (a space in it). It must
/// go nowhere but the recovery file, and the error must say why; it is not sent to the server
/// as a credential four times over, to be reported as "refused by the API". Broke: step 4 tried
/// it before the shape was looked at.
#[test]
fn a_secret_of_unexpected_shape_is_never_tried_as_a_credential() {
    let world = World::with_immediate_revocation();
    let (old, _dir, dest, store) = due_key_in_a_file(&world, "odd", None);
    world.add_fault(r#"POST /v1/secrets/api/keys status=201 times=1 body={"secret":{"id":"secret_ODD","name":"odd","type":"private_key","display_id":"sk_01***IL","status":"published","created_at":"2026-01-01T00:00:00Z"},"api_key":"sk_01ABC EVIL"}"#);
    world.sandbox.clear_requests();
    let run = world.run(&["keys", "rotate", &old, "--yes", "--store", &store]);
    run.code(9)
        .stderr_has("unexpected shape")
        .stderr_has("recovery file");
    assert!(
        !run.stderr.contains("refused the new key"),
        "{}",
        run.stderr
    );
    assert_eq!(checks_with_the_new_key(&world), 0, "{}", run.stderr);
    assert!(!dest.exists());
    assert_eq!(run.stdout, "");
    let files = world.recovery_files();
    assert_eq!(files.len(), 1);
    assert_eq!(
        std::fs::read_to_string(&files[0]).unwrap(),
        "sk_01ABC EVIL\n"
    );
    assert_eq!(world.status(&old), "published");
}

/// The admin credential's own `GET /users/me` fails (a tenant-level key has no user row: 404).
/// It is asked only to tell whose user keys are whose: a batch of service-account keys must
/// still rotate; a batch with a user key in it, and a single user key, fail cleanly (exit 4)
/// before anything is minted. Broke: every batch failed.
#[test]
fn service_account_keys_rotate_when_users_me_fails() {
    let world = World::with_immediate_revocation();
    let account = world
        .sandbox
        .seed_service_account("batch-bot", &["event_ingestor"]);
    let olds = [
        world.aged_key("batch-a", Some(&account)),
        world.aged_key("batch-b", Some(&account)),
    ];
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}/{{name}}.key", dir.path().display());
    // The admin's request goes first, beside the listing; the new keys' checks come after.
    world.add_fault("GET /v1/users/me status=404 times=1");
    let run = world.run(&[
        "keys",
        "rotate",
        "--due",
        "--service-account",
        "batch-bot",
        "--yes",
        "--store",
        &store,
    ]);
    run.code(0);
    for (old, name) in olds.iter().zip(["batch-a", "batch-b"]) {
        assert_eq!(world.status(old), "deleted");
        let secret = std::fs::read_to_string(dir.path().join(format!("{name}.key"))).unwrap();
        world.assert_works(secret.trim_end());
    }

    // A user key among them: whose it is cannot be told.
    let mine = world.aged_key("mine", None);
    let creates = world.creates();
    for args in [
        vec!["keys", "rotate", "--due", "--yes", "--store", &store],
        vec!["keys", "rotate", &mine, "--yes", "--store", &store],
    ] {
        world.add_fault("GET /v1/users/me status=404 times=1");
        world
            .run(&args)
            .code(4)
            .stderr_has("/users/me")
            .stderr_has("404");
    }
    assert_eq!(world.creates(), creates, "nothing minted");
    assert_eq!(world.status(&mine), "published");
}

/// The admin's `GET /users/me` hangs. A service-account key's rotation does not need its
/// answer: the new key's check (step 4) must go out while the admin's request is still held,
/// not after the client gives up on it (`--timeout 300` here). Broke: the rotation waited for
/// the admin's answer. (On a regression this test fails after `wait_held`'s 60 s bound.)
#[test]
fn a_service_account_key_rotation_does_not_wait_for_a_hung_users_me() {
    let world = World::with_immediate_revocation();
    let (old, _dir, dest, store) = due_key_to_file(&world, "patient");
    // The listing is held until the admin's request has arrived: that request is never awaited
    // for a service-account key, so a listing answered first could drop it unsent, and the
    // new key's check would be the one held at the admin's gate.
    world.add_fault("GET /v1/secrets/api/keys hold=listing times=1");
    world.add_fault("GET /v1/users/me hold=admin times=1");
    world.add_fault("GET /v1/users/me hold=check times=1");
    let child = spawn(
        &world,
        &[
            "--timeout",
            "300",
            "keys",
            "rotate",
            &old,
            "--yes",
            "--store",
            &store,
        ],
    );
    world.sandbox.wait_held("admin", 1);
    world.sandbox.release("listing");
    // Should this wait fail, both gates are opened so that the command can end.
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        world.sandbox.wait_held("check", 1)
    }));
    world.sandbox.release("check");
    if checked.is_err() {
        world.sandbox.release("admin");
    }
    let out = child.wait_with_output().unwrap();
    world.sandbox.release("admin");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        checked.is_ok(),
        "the new key's check waited for the admin's GET /users/me:\n{log}"
    );
    assert_eq!(out.status.code(), Some(0), "{log}");
    world.assert_rotated_into(&old, &dest);
}

/// The state directory's file system is full at the moment the secret arrives (here: a file
/// size limit of 20 bytes, `RLIMIT_FSIZE`, with `SIGXFSZ` ignored, so writes past it fail as on
/// a full disk or quota). The recovery file written ahead cannot be written whole; the secret
/// still reaches stdout. A cut-short recovery file must not stay behind: it would hold part of
/// the secret, be listed by `keychain recovered` as a secret waiting for an active key, and
/// block a second try at the same name. Broke: the first 20 bytes stayed.
#[test]
fn a_recovery_file_cut_short_by_a_full_disk_is_not_left_behind() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("full-disk", None);
    let mut cmd = world.std_cmd();
    cmd.args(["keys", "rotate", &old, "--yes"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    // SAFETY: signal(2) and setrlimit(2) in the forked child before exec; async-signal-safe.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 20,
                rlim_max: 20,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let run = finish_std(&mut cmd);
    run.code(0);
    let secret = run.stdout.trim_end();
    assert!(is_secret_key(secret), "{}", run.stdout);
    world.assert_works(secret);
    assert_eq!(world.status(&old), "deleted");
    let left: Vec<String> = world
        .recovery_files()
        .iter()
        .map(|p| format!("{}: {:?}", p.display(), std::fs::read_to_string(p)))
        .collect();
    assert!(left.is_empty(), "{left:?}\n{}", run.stderr);
}

/// A re-run resumes from the recovery file and meets trouble again. The new key still fails
/// its check: the same file keeps the secret (exit 9), nothing is minted or delivered. Under
/// `--on-store-failure revoke` it fails once more: the successor is revoked, its file and its
/// delivery record go (exit 9), the old key works, and the next run rotates afresh. And a
/// recovery file that cannot be read (a directory stands in its place) stops the re-run with
/// its path (exit 1) before anything is minted. Holds.
#[test]
fn a_resumed_rotation_that_fails_again_keeps_or_revokes_as_told() {
    let world = World::with_immediate_revocation();
    let (old, dir, dest, store) = due_key_to_file(&world, "again");
    let refuse = || world.add_fault("GET /v1/users/me status=401");
    refuse();
    world
        .run(&["keys", "rotate", &old, "--yes", "--store", &store])
        .code(9);
    let files = world.recovery_files();
    assert_eq!(files.len(), 1);
    let waiting = std::fs::read_to_string(&files[0]).unwrap();
    let successor = world
        .sandbox
        .keys()
        .into_iter()
        .find(|k| k.name == "again" && k.id != old)
        .unwrap()
        .id;
    let record = world
        .state_dir()
        .join(format!("delivered/default/{successor}.json"));
    let creates = world.creates();

    // Checked again, refused again: kept where it was.
    world
        .run(&["keys", "rotate", &old, "--yes"])
        .code(9)
        .stderr_has("Finishing the rotation")
        .stderr_has(&files[0].display().to_string());
    assert_eq!(world.recovery_files(), files);
    assert_eq!(std::fs::read_to_string(&files[0]).unwrap(), waiting);
    assert!(!dest.exists());
    assert!(record.exists());

    // A directory where the file was: named, nothing minted.
    let saved = dir.path().join("saved.key");
    std::fs::rename(&files[0], &saved).unwrap();
    std::fs::create_dir(&files[0]).unwrap();
    world.sandbox.clear_faults();
    world
        .run(&["keys", "rotate", &old, "--yes"])
        .code(1)
        .stderr_has(&files[0].display().to_string())
        .stderr_has("cannot be read");
    std::fs::remove_dir(&files[0]).unwrap();
    std::fs::rename(&saved, &files[0]).unwrap();

    // Under revoke: the successor goes, with its file and record.
    refuse();
    world
        .run(&[
            "keys",
            "rotate",
            &old,
            "--yes",
            "--on-store-failure",
            "revoke",
        ])
        .code(9)
        .stderr_has("the key was revoked");
    assert_eq!(world.creates(), creates, "no re-run minted");
    assert_eq!(world.status(&successor), "deleted");
    assert!(world.recovery_files().is_empty());
    assert!(!record.exists(), "the record of a revoked, undelivered key");
    assert_eq!(world.status(&old), "published");
    assert!(!dest.exists());

    // The next run starts afresh (told where again: the revoked key's record is gone).
    world.sandbox.clear_faults();
    world
        .run(&["keys", "rotate", &old, "--yes", "--store", &store])
        .code(0);
    assert_eq!(world.creates(), creates + 1);
    world.assert_rotated_into(&old, &dest);
}

/// The server applies step 4's `start_time` wrongly (here: it answers that listing with no
/// keys at all, as a server comparing against the wrong column or time zone would for an old
/// key). The old key is missing from that answer only; it is not revoked. The rotation must not
/// tell the user it was ("revoked while this run rotated it") and throw the new key away:
/// Broke: it did, exit 7, so such a server would fail every rotation.
#[test]
fn a_server_that_misapplies_start_time_does_not_make_the_old_key_look_revoked() {
    let world = World::with_immediate_revocation();
    let (old, _dir, dest, store) = due_key_in_a_file(&world, "misfiltered", None);
    world.add_fault("POST /v1/secrets/api/keys hold=create times=1");
    let run = std::thread::scope(|s| {
        let run = s.spawn(|| world.run(&["keys", "rotate", &old, "--yes", "--store", &store]));
        world.sandbox.wait_held("create", 1);
        // The step-1 listing is done: the next one is step 4's.
        world.add_fault(r#"GET /v1/secrets/api/keys status=200 times=1 body={"items":[],"pagination":{"total":0,"limit":50000,"offset":50000}}"#);
        world.sandbox.release("create");
        run.join().unwrap()
    });
    run.code(0);
    assert!(!run.stderr.contains("revoked unused"), "{}", run.stderr);
    world.assert_rotated_into(&old, &dest);
    assert!(world.recovery_files().is_empty());
}

/// A rotation: the old key must stay, since its successor's secret reached nobody.
/// Fails on main 0e6722f: exit 0, the old key revoked for a successor whose secret nobody holds.
#[test]
fn a_rotation_to_exec_true_keeps_the_old_key() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("svc", None);
    let run = world.run(&["keys", "rotate", &old, "--yes", "--store", "exec:true"]);
    assert_eq!(
        world.status(&old),
        "published",
        "the old key was revoked for a successor nobody holds:\n{}",
        run.stderr
    );
    run.code(9);
    says_unread(&run.stderr, "true");
    let (_, secret) = the_recovery_file(&world, &run.stderr);
    world.assert_works(&secret);
}

/// A key literally named `{owner}`, delivered to `file:DIR/{name}.key` (so `DIR/{owner}.key`),
/// rotated without `--store`: its new secret goes to `DIR/{owner}.key` again. `DIR/<owner
/// id>.key`, another key's only copy of its secret, is untouched.
/// Fails on main 0e6722f: the new secret overwrote DIR/00000000-0000-0000-0000-000000000000.key.
#[test]
fn a_recorded_destination_is_not_filled_in_again() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let owner = world.sandbox.admin_user_id().to_string();
    let by_name = format!("file:{}", dir.path().join("{name}.key").display());
    let created = world.run(&[
        "keys", "create", "--name", "{owner}", "--store", &by_name, "-o", "json",
    ]);
    let braces = created.code(0).json()["key"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let literal = dir.path().join("{owner}.key");
    let first = std::fs::read_to_string(&literal).unwrap();
    let neighbour_file = dir.path().join(format!("{owner}.key"));
    let neighbour_store = format!("file:{}", neighbour_file.display());
    world
        .run(&[
            "keys",
            "create",
            "--name",
            "neighbour",
            "--store",
            &neighbour_store,
        ])
        .code(0);
    let neighbour = std::fs::read_to_string(&neighbour_file).unwrap();

    let run = world.run(&["keys", "rotate", &braces, "--yes"]);
    assert!(
        std::fs::read_to_string(&neighbour_file).unwrap() == neighbour,
        "another key's secret, in {}, was overwritten:\n{}",
        neighbour_file.display(),
        run.stderr
    );
    run.code(0);
    let second = std::fs::read_to_string(&literal).unwrap();
    assert_ne!(second, first, "the new secret went to DIR/{{owner}}.key");
    world.assert_works(second.trim_end());
    world.assert_works(neighbour.trim_end());
    assert_eq!(world.status(&braces), "deleted");
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [format!("{owner}.key"), "{owner}.key".to_string()]);
}

/// The same answer to a rotation's create: the old key is untouched and the orphan named.
/// Fails on main 0e6722f: exit 1 ("step 3 ... failed"), no lookup, the orphan never named.
#[test]
fn a_rotation_whose_create_ran_past_the_body_cap_names_its_orphan() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("rot-runaway", None);
    world.add_fault(&format!(
        "POST /v1/secrets/api/keys commit-then-huge={PAST_THE_CAP} times=1"
    ));
    let run = world.run(&["keys", "rotate", &old, "--yes"]);
    let orphan = new_keys(&world, "rot-runaway", &[&old]);
    assert_eq!(orphan.len(), 1, "the server made the key");
    assert!(
        looked_up_after_the_create(&world),
        "no lookup after the create:\n{}",
        run.stderr
    );
    run.code(9).stderr_has("step 3").stderr_has(&orphan[0].id);
    assert_eq!(world.status(&old), "published");
    assert_eq!(world.creates(), 1, "never retried");
}

/// `keys rotate -o json` names a person's key's owner as `keys list` does (it was null), for a
/// single key and in a batch.
#[test]
fn rotate_json_names_a_persons_key_owner_as_list_does() {
    let world = World::new();
    let single = world.aged_key("mine", None);
    let listed = world.run(&["keys", "list", "-o", "json"]).json();
    let owner = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == single.as_str())
        .unwrap()["owner_name"]
        .clone();
    assert!(owner.is_string(), "{listed}");
    let run = world.run(&["keys", "rotate", single.as_str(), "--yes", "-o", "json"]);
    run.code(0);
    let object = run.json();
    assert_eq!(object["old_key"]["owner_name"], owner, "{object}");
    assert_eq!(object["new_key"]["owner_name"], owner, "{object}");

    let batched = world.aged_key("also-mine", None);
    let run = world.run_line("keys rotate --due --name also-mine --yes --store stdout -o json");
    run.code(0);
    let object = run.json()[0].clone();
    assert_eq!(object["old_key"]["id"], batched.as_str());
    assert_eq!(object["old_key"]["owner_name"], owner, "{object}");
    assert_eq!(object["new_key"]["owner_name"], owner, "{object}");
}
