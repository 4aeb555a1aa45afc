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
