//! Revocation as Flexprice does it: a key verified in the last two minutes keeps working after it
//! is revoked (the server's cache, on by default in the sandbox). The commands that revoke must
//! say so, and must never claim a revoked key is dead.

use jiff::{SignedDuration, Timestamp};

use crate::harness::{World, is_secret_key};

const NOTE: &str = "Flexprice may keep accepting a just-revoked key for up to two minutes";

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
    run.code(0)
        .stderr_has(&format!("old key {old_id} revoked"))
        .stderr_has(NOTE);
    let new_secret = run.stdout.trim();
    assert!(is_secret_key(new_secret), "{:?}", run.stdout);
    assert_eq!(world.sandbox.key(old_id).unwrap().status, "deleted");

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
    run.code(0).stderr_has(NOTE);
    assert_eq!(run.json()["old_key_revoked"], true);
    // Revoked in Flexprice's records, yet still accepted for now: the note is what tells users.
    world.run_as(&old_secret, &["whoami"]).code(0);
}

#[test]
fn a_just_used_key_keeps_working_for_two_minutes_after_keys_delete() {
    let world = World::new();
    let start = Timestamp::now();
    world.sandbox.set_now(start);
    let (key, secret) = world.create_key(&["--name", "used"]);
    world.run_as(&secret, &["whoami"]).code(0);
    world
        .run(&["keys", "delete", "used", "--yes"])
        .code(0)
        .stderr_has(&format!("Revoked key {}", key["id"].as_str().unwrap()))
        .stderr_has(NOTE);
    world.run_as(&secret, &["whoami"]).code(0);
    world
        .sandbox
        .set_now(start + SignedDuration::from_secs(120));
    world.run_as(&secret, &["whoami"]).code(3).stderr_has("401");
}

#[test]
fn without_the_cache_a_revoked_key_is_refused_at_once() {
    let world = World::with_immediate_revocation();
    let (_, secret) = world.create_key(&["--name", "gone"]);
    world.run_as(&secret, &["whoami"]).code(0);
    world.run(&["keys", "delete", "gone", "--yes"]).code(0);
    world.run_as(&secret, &["whoami"]).code(3).stderr_has("401");
}

/// README's leaked-key runbook under the real server's cache: the leaked key was used just
/// before the rotation revoked it, so step 4 still authenticates. `keys check` says the
/// revocation is still propagating and when it is certain, and exits 5 (not 0: the key is not
/// fine; not 3: it does still work); after that time, exit 3.
#[test]
fn the_runbook_check_of_a_key_revoked_under_the_cache_says_when_it_is_certain() {
    let world = World::new();
    let start = Timestamp::now();
    world.sandbox.set_now(start);
    world.service_account("ingest-bot", "event_ingestor");
    let (old, leaked) =
        world.create_key(&["--name", "ci-ingest", "--service-account", "ingest-bot"]);
    let old_id = old["id"].as_str().unwrap().to_string();
    let with_leaked = |args: &[&str]| {
        world.run_with(args, |cmd| {
            cmd.write_stdin(leaked.clone());
        })
    };
    // Step 1: the check itself uses the key, so the server now holds it in its cache.
    with_leaked(&["keys", "check", "-q"]).code(0);

    // Step 2.
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}/{{name}}.key", dir.path().display());
    let before = Timestamp::now();
    world
        .run(&[
            "keys",
            "rotate",
            "--all",
            "--service-account",
            "ingest-bot",
            "--store",
            &store,
            "--yes",
        ])
        .code(0);
    let after = Timestamp::now();
    assert_eq!(world.sandbox.key(&old_id).unwrap().status, "deleted");

    // Step 4, inside the window: exit 5, the time it is certain, never "The key works".
    let check = with_leaked(&["keys", "check"]);
    check
        .code(5)
        .stderr_has(&format!("key {old_id} (ci-ingest) still authenticates"))
        .stderr_has("the revocation is still propagating")
        .stderr_has("exit 3 then confirms the key no longer works");
    assert!(!check.stderr.contains("The key works"), "{}", check.stderr);
    let json = with_leaked(&["keys", "check", "-o", "json"]);
    json.code(5);
    let report = json.json();
    assert_eq!(report["authenticated"], true);
    assert_eq!(report["revocation"]["key_id"], old_id.as_str());
    let revoked: Timestamp = report["revocation"]["revoked_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let certain: Timestamp = report["revocation"]["certain_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(before <= revoked && revoked <= after, "{revoked}");
    assert_eq!(certain, revoked + SignedDuration::from_secs(120));
    let certain_text = certain
        .round(
            jiff::TimestampRound::new()
                .smallest(jiff::Unit::Second)
                .mode(jiff::RoundMode::Ceil),
        )
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    check.stderr_has(&format!("it is certain at {certain_text}"));

    // At that time the server has forgotten it: exit 3, and no word of propagation.
    world
        .sandbox
        .set_now(start + SignedDuration::from_secs(121));
    let later = world.run_with(&["keys", "check"], |cmd| {
        cmd.write_stdin(leaked.clone()).env(
            "FLEXPRICE_ADMIN_TEST_NOW",
            (certain + SignedDuration::from_secs(1)).to_string(),
        );
    });
    later.code(3);
    assert!(!later.stderr.contains("propagating"), "{}", later.stderr);
}

/// A revocation recorded by `keys delete` counts the same way, and only for the key it names:
/// another key that shares its `display_id` but was minted at another time is not taken for it.
#[test]
fn a_key_deleted_by_this_tool_is_still_propagating_and_nothing_else_is() {
    let world = World::new();
    let (key, secret) = world.create_key(&["--name", "doomed"]);
    let id = key["id"].as_str().unwrap().to_string();
    world.run_as(&secret, &["whoami"]).code(0);
    world.run(&["keys", "delete", &id, "--yes"]).code(0);
    let records = std::fs::read_dir(world.state_dir().join("revoked"))
        .unwrap()
        .count();
    assert_eq!(records, 1);
    world
        .run_with(&["keys", "check"], |cmd| {
            cmd.write_stdin(secret.clone());
        })
        .code(5)
        .stderr_has(&format!("key {id} (doomed) still authenticates"));
    // A record for the same display_id minted a day earlier does not match the secret in hand.
    let record = world.state_dir().join("revoked").join(format!("{id}.json"));
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    json["key_id"] = "secret_01J00000000000000000000000".into();
    std::fs::write(&record, json.to_string()).unwrap();
    world
        .run_with(&["keys", "check"], |cmd| {
            cmd.write_stdin(secret.clone());
        })
        .code(0)
        .stderr_has("no key in the admin credential's environment matches it");
}
