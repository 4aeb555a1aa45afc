//! `plan` and `apply`: a manifest of service accounts, keys and destinations, against the
//! sandbox. Each test asserts the exit code and where every minted secret is: its declared
//! destinations (read back and tried against the API), a recovery file, or nowhere because its
//! key was revoked. Also the README's crontab, run as cron runs it.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Child;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::cron_host::{Server, readme_crontab};
use crate::harness::{
    World, bot_manifest, display_form, file_names, is_secret_key, key_table, make_fifo, manifest,
    spawn, the_recovery_file, with_defaults,
};

/// `plan` or `apply` (with `--yes`) of the manifest at `path`, with more arguments.
pub(crate) fn run_manifest(
    world: &World,
    verb: &str,
    path: &Path,
    more: &[&str],
) -> crate::harness::Run {
    let file = path.to_str().unwrap();
    let mut args = vec![verb, "-f", file];
    if verb == "apply" {
        args.push("--yes");
    }
    args.extend_from_slice(more);
    world.run(&args)
}

/// The live service accounts named `name`, as `service-accounts list -o json` shows them.
pub(crate) fn accounts_named(world: &World, name: &str) -> Vec<Value> {
    let run = world.run(&["service-accounts", "list", "-o", "json"]);
    run.code(0);
    run.json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"] == name)
        .cloned()
        .collect()
}

/// The one live service account named `name`.
pub(crate) fn account(world: &World, name: &str) -> Value {
    let found = accounts_named(world, name);
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

/// The ID of the one live service account named `name`.
pub(crate) fn account_id(world: &World, name: &str) -> String {
    account(world, name)["id"].as_str().unwrap().to_string()
}

/// The live keys of `owner` named `name`.
pub(crate) fn live_keys(
    world: &World,
    owner: &str,
    name: &str,
) -> Vec<flexprice_sandbox::KeyRecord> {
    world
        .sandbox
        .keys()
        .into_iter()
        .filter(|k| k.user_id == owner && k.name == name && k.status == "published")
        .collect()
}

/// The secret in a destination file, which must authenticate as `owner`.
pub(crate) fn working_secret(world: &World, file: &Path, owner: &str) -> String {
    let secret = std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        .trim()
        .to_string();
    assert!(is_secret_key(&secret), "{secret:?}");
    let me = world.run_as(&secret, &["whoami", "-o", "json"]);
    me.code(0);
    assert_eq!(me.json()["id"], owner, "{}", me.stdout);
    secret
}

const TWO_KEYS: &str = r#"version = 1

[[service_account]]
name = "bot"
roles = ["event_ingestor"]

  [[service_account.key]]
  name = "worker"
  store = ["file:{dir}/{owner}-{name}.key"]

  [[service_account.key]]
  name = "ci"
  store = ["exec:sh -c 'cat > {dir}/exec-$FLEXPRICE_KEY_NAME'"]
"#;

#[test]
fn an_empty_tenant_is_planned_applied_and_then_left_alone() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(dir.path(), TWO_KEYS);

    let plan = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&plan, &[(dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 11
    --- stdout
    + service_account bot (roles: event_ingestor)
    + key bot/worker -> file:[DIR]/{owner}-{name}.key
    + key bot/ci -> exec:sh -c cat > [DIR]/exec-$FLEXPRICE_KEY_NAME
    Plan: 3 to create, 0 to rotate, 0 to migrate, 0 to revoke, 0 to archive.
    --- stderr
    New keys expire 7 days after their rotation and grace are over, so the server ends a key whose cron stopped running.
    exec: destinations cannot be read: whether they still hold their key's secret is not checked.
    ");
    assert!(world.mutating_requests().is_empty(), "plan changes nothing");
    let json = run_manifest(&world, "plan", &path, &["-o", "json"]).json();
    assert_eq!(json["format_version"], 1);
    let actions: Vec<(&str, &str)> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["action"].as_str().unwrap(), c["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("create", "service_account"),
            ("create", "key"),
            ("create", "key")
        ]
    );
    assert_eq!(json["summary"]["create"], 3);

    let run = run_manifest(&world, "apply", &path, &[]);
    insta::assert_snapshot!(world.shown_batch(&run, &[(dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 0
    --- stdout
    --- stderr
    + service_account bot (roles: event_ingestor)
    + key bot/worker -> file:[DIR]/{owner}-{name}.key
    + key bot/ci -> exec:sh -c cat > [DIR]/exec-$FLEXPRICE_KEY_NAME
    Plan: 3 to create, 0 to rotate, 0 to migrate, 0 to revoke, 0 to archive.
    New keys expire 7 days after their rotation and grace are over, so the server ends a key whose cron stopped running.
    exec: destinations cannot be read: whether they still hold their key's secret is not checked.
    + created service account bot ([USER_1]) with roles event_ingestor
    + created key bot/ci ([KEY_1]) (stored in exec:sh -c cat > [DIR]/exec-$FLEXPRICE_KEY_NAME)
    + created key bot/worker ([KEY_2]) (stored in file:[DIR]/[USER_1]-worker.key)
    Apply: 3 of 3 change(s) done, 0 failed, 0 not started.
    ");
    let bot = account(&world, "bot");
    let bot_id = bot["id"].as_str().unwrap();
    assert_eq!(bot["roles"], serde_json::json!(["event_ingestor"]));
    working_secret(
        &world,
        &dir.path().join(format!("{bot_id}-worker.key")),
        bot_id,
    );
    working_secret(&world, &dir.path().join("exec-ci"), bot_id);
    // Keys live as long as their rotation, grace and a week: the server ends a forgotten one.
    let key = &live_keys(&world, bot_id, "worker")[0];
    let lifetime = key.expires_at.unwrap().duration_since(key.created_at);
    assert!(
        (lifetime.as_secs() - 97 * 86_400).abs() < 120,
        "{lifetime:?}"
    );

    // Converged: a second plan and apply change nothing, and cron's run says nothing.
    world.sandbox.clear_requests();
    let run = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&run, &[(dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 0
    --- stdout
    No changes: the tenant matches the manifest.
    --- stderr
    exec: destinations cannot be read: whether they still hold their key's secret is not checked.
    ");
    run_manifest(&world, "apply", &path, &[]).code(0);
    assert!(world.mutating_requests().is_empty());
    let cron = run_manifest(&world, "apply", &path, &["-q"]);
    cron.code(0);
    assert_eq!((cron.stdout.as_str(), cron.stderr.as_str()), ("", ""));
}

#[test]
fn a_role_change_is_migrated_with_the_secrets_in_the_same_destinations() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let text = r#"version = 1
[[service_account]]
name = "billing"
roles = ["event_ingestor"]
  [[service_account.key]]
  name = "sync"
  store = ["file:{dir}/billing-sync.key", "exec:sh -c 'cat > {dir}/exec-sync'"]
"#;
    let path = manifest(dir.path(), text);
    run_manifest(&world, "apply", &path, &[]).code(0);
    let old = account(&world, "billing");
    let old_id = old["id"].as_str().unwrap().to_string();
    let old_secret = working_secret(&world, &dir.path().join("billing-sync.key"), &old_id);

    let path = manifest(dir.path(), &text.replace("event_ingestor", "event_reader"));
    let run = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&run, &[(dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 11
    --- stdout
    -/+ service_account billing: roles changed: a new account with roles event_reader; its keys minted into the same destinations, then [USER_1] (roles: event_ingestor) revoked and archived
    + key billing/sync -> file:[DIR]/billing-sync.key, exec:sh -c cat > [DIR]/exec-sync
    Plan: 1 to create, 0 to rotate, 1 to migrate, 0 to revoke, 0 to archive.
    --- stderr
    New keys expire 7 days after their rotation and grace are over, so the server ends a key whose cron stopped running.
    exec: destinations cannot be read: whether they still hold their key's secret is not checked.
    ");
    run_manifest(&world, "apply", &path, &[]).code(0);
    let new = account(&world, "billing");
    let new_id = new["id"].as_str().unwrap().to_string();
    assert_ne!(new_id, old_id);
    assert_eq!(new["roles"], serde_json::json!(["event_reader"]));
    assert_eq!(
        world.sandbox.user_status(&old_id).as_deref(),
        Some("archived")
    );
    // Both destinations hold the new account's key; the old one no longer works.
    let secret = working_secret(&world, &dir.path().join("billing-sync.key"), &new_id);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("exec-sync")).unwrap(),
        secret
    );
    world.run_as(&old_secret, &["whoami"]).code(3);
    assert!(live_keys(&world, &old_id, "sync").is_empty());
    run_manifest(&world, "plan", &path, &[]).code(0);
}

#[test]
fn a_key_left_out_of_the_manifest_is_kept_unless_pruned() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(dir.path(), TWO_KEYS);
    run_manifest(&world, "apply", &path, &[]).code(0);
    let bot_id = account_id(&world, "bot");
    let ci = live_keys(&world, &bot_id, "ci")[0].id.clone();

    // `ci` leaves the manifest: kept, and said so, until --prune.
    let only_worker = TWO_KEYS
        .split("\n  [[service_account.key]]\n  name = \"ci\"")
        .next()
        .unwrap();
    let path = manifest(dir.path(), only_worker);
    let run = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&run, &[(&ci, "[CI]"), (&bot_id, "[BOT]"), (dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 0
    --- stdout
    No changes: the tenant matches the manifest.
    --- stderr
    key [CI] (ci) of bot is not in the manifest: kept (`apply --prune` revokes it)
    ");
    run_manifest(&world, "apply", &path, &[]).code(0);
    assert_eq!(world.status(&ci), "published");
    let run = run_manifest(&world, "plan", &path, &["--prune"]);
    insta::assert_snapshot!(world.shown(&run, &[(&ci, "[CI]"), (&bot_id, "[BOT]"), (dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 11
    --- stdout
    - key [CI] (ci) of bot: revoke (not in the manifest)
    Plan: 0 to create, 0 to rotate, 0 to migrate, 1 to revoke, 0 to archive.
    --- stderr
    ");
    run_manifest(&world, "apply", &path, &["--prune"]).code(0);
    assert_eq!(world.status(&ci), "deleted");
    assert_eq!(live_keys(&world, &bot_id, "worker").len(), 1);

    // An account declared absent is archived with --prune only, its keys revoked first.
    let absent = r#"version = 1
[[service_account]]
name = "bot"
absent = true
"#;
    let path = manifest(dir.path(), absent);
    let run = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&run, &[(&ci, "[CI]"), (&bot_id, "[BOT]"), (dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 0
    --- stdout
    No changes: the tenant matches the manifest.
    --- stderr
    service account bot ([BOT]) is declared absent: `apply --prune` revokes its 1 key(s) and archives it
    ");
    let run = run_manifest(&world, "apply", &path, &["--prune"]);
    insta::assert_snapshot!(world.shown_batch(&run, &[(&ci, "[CI]"), (&bot_id, "[BOT]"), (dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 0
    --- stdout
    --- stderr
    - service_account bot ([BOT]): revoke 1 key(s) and archive (declared absent)
    Plan: 0 to create, 0 to rotate, 0 to migrate, 0 to revoke, 1 to archive.
    - revoked 1 key(s) and archived service account bot ([BOT])
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    Apply: 1 of 1 change(s) done, 0 failed, 0 not started.
    ");
    assert_eq!(
        world.sandbox.user_status(&bot_id).as_deref(),
        Some("archived")
    );
    assert!(live_keys(&world, &bot_id, "worker").is_empty());
}

#[test]
fn a_destination_holding_another_keys_secret_or_nothing_is_redelivered() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(dir.path(), TWO_KEYS);
    run_manifest(&world, "apply", &path, &[]).code(0);
    let bot_id = account_id(&world, "bot");
    let file = dir.path().join(format!("{bot_id}-worker.key"));
    let before = live_keys(&world, &bot_id, "worker")[0].id.clone();

    // Another key's secret lands in the file (a mistaken copy).
    let (_, foreign) = world.create_key(&["--name", "someone-else"]);
    std::fs::write(&file, format!("{foreign}\n")).unwrap();
    let display = display_form(&foreign);
    let plan = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&plan, &[(&before, "[BEFORE]"), (&display, "[FOREIGN_DISPLAY_ID]"), (&bot_id, "[BOT]"), (dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 11
    --- stdout
    ~ key bot/worker ([BEFORE]): rotate (missing: file:[DIR]/[BOT]-worker.key holds another key's secret ([FOREIGN_DISPLAY_ID])) -> file:[DIR]/{owner}-{name}.key
    ! file:[DIR]/[BOT]-worker.key holds another key's secret ([FOREIGN_DISPLAY_ID])
    Plan: 0 to create, 1 to rotate, 0 to migrate, 0 to revoke, 0 to archive.
    --- stderr
    New keys expire 7 days after their rotation and grace are over, so the server ends a key whose cron stopped running.
    exec: destinations cannot be read: whether they still hold their key's secret is not checked.
    ");
    assert!(!plan.stdout.contains(&foreign) && !plan.stderr.contains(&foreign));
    run_manifest(&world, "apply", &path, &[]).code(0);
    working_secret(&world, &file, &bot_id);
    assert_eq!(world.status(&before), "deleted");
    world.assert_works(&foreign);

    // The file is gone: redelivered the same way.
    std::fs::remove_file(&file).unwrap();
    let run = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&run, &[(&before, "[BEFORE]"), (&bot_id, "[BOT]"), (dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 11
    --- stdout
    ~ key bot/worker ([KEY_1]): rotate (missing: file:[DIR]/[BOT]-worker.key holds nothing) -> file:[DIR]/{owner}-{name}.key
    ! file:[DIR]/[BOT]-worker.key holds nothing
    Plan: 0 to create, 1 to rotate, 0 to migrate, 0 to revoke, 0 to archive.
    --- stderr
    New keys expire 7 days after their rotation and grace are over, so the server ends a key whose cron stopped running.
    exec: destinations cannot be read: whether they still hold their key's secret is not checked.
    ");
    run_manifest(&world, "apply", &path, &[]).code(0);
    working_secret(&world, &file, &bot_id);
    run_manifest(&world, "plan", &path, &[]).code(0);
}

/// A key of `owner` named `name`, 100 days old, its secret written to `file` as if delivered.
pub(crate) fn aged_delivered_key(world: &World, owner: &str, name: &str, file: &Path) -> String {
    let seeded = world.seed_key(name, Some(owner), 100, None);
    std::fs::write(file, format!("{}\n", seeded.raw_key)).unwrap();
    seeded.id
}

#[test]
fn a_due_key_is_rotated_and_a_grace_keeps_its_predecessor_until_a_later_apply() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let bot = world.seed_bot();
    let file = dir.path().join("k.key");
    let old = aged_delivered_key(&world, &bot, "k", &file);
    let text = &with_defaults(
        "grace = \"{grace}\"\n",
        &bot_manifest(&[key_table("k", &["file:{dir}/k.key"])]),
    );
    // No grace: rotated, the old key revoked at once.
    let path = manifest(dir.path(), &text.replace("{grace}", "0s"));
    let run = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&run, &[(&old, "[OLD]"), (&bot, "[BOT]"), (dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 11
    --- stdout
    ~ key bot/k ([OLD]): rotate (age: created 100 days ago, rotate_every 90d) -> file:[DIR]/k.key
    Plan: 0 to create, 1 to rotate, 0 to migrate, 0 to revoke, 0 to archive.
    --- stderr
    New keys expire 7 days after their rotation and grace are over, so the server ends a key whose cron stopped running.
    ");
    run_manifest(&world, "apply", &path, &[]).code(0);
    assert_eq!(world.status(&old), "deleted");
    working_secret(&world, &file, &bot);

    // An hour's grace: the predecessor keeps working until an apply after the hour.
    let old = aged_delivered_key(&world, &bot, "k2", &dir.path().join("k2.key"));
    let path = manifest(
        dir.path(),
        &text
            .replace("{grace}", "1h")
            .replace("\"k\"", "\"k2\"")
            .replace("k.key", "k2.key"),
    );
    let run = run_manifest(&world, "apply", &path, &["--prune"]);
    insta::assert_snapshot!(world.shown_batch(&run, &[(&old, "[OLD]"), (&bot, "[BOT]"), (dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 0
    --- stdout
    --- stderr
    ~ key bot/k2 ([OLD]): rotate (age: created 100 days ago, rotate_every 90d) -> file:[DIR]/k2.key
    - key [KEY_1] (k) of bot: revoke (not in the manifest)
    Plan: 0 to create, 1 to rotate, 0 to migrate, 1 to revoke, 0 to archive.
    New keys expire 7 days after their rotation and grace are over, so the server ends a key whose cron stopped running.
    - revoked key [KEY_1] (k)
    ~ rotated key bot/k2: new key [KEY_2]; old key [OLD] kept for its grace (revoked by an apply in 1 hour) (stored in file:[DIR]/k2.key)
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    Apply: 2 of 2 change(s) done, 0 failed, 0 not started.
    ");
    assert_eq!(world.status(&old), "published");
    let new = working_secret(&world, &dir.path().join("k2.key"), &bot);
    let run = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&run, &[(&old, "[OLD]"), (&bot, "[BOT]"), (dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 0
    --- stdout
    No changes: the tenant matches the manifest.
    --- stderr
    key bot/k2 ([OLD]) keeps working until its grace ends in 1 hour; its successor [KEY_1] is delivered
    ");
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2);
    world.sandbox.set_now(later);
    let at_later = |verb: &str, more: &[&str]| {
        let file = path.to_str().unwrap().to_string();
        let mut args = vec![verb.to_string(), "-f".into(), file, "--yes".into()];
        args.extend(more.iter().map(|s| s.to_string()));
        world.run_with(
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            |cmd| {
                cmd.env("FLEXPRICE_ADMIN_TEST_NOW", later.to_string());
            },
        )
    };
    at_later("apply", &[])
        .code(0)
        .stderr_has(&format!("- revoked key {old} (k2)"));
    assert_eq!(world.status(&old), "deleted");
    world.assert_works(&new);
}

/// Keys brought under a manifest that rotates every 90 days, young but made by hand with short
/// lives: one ends within the week, one has ended. Both are rotated for their expiry (plan says
/// so, in text and JSON), so the server never ends a key in use; one ending later is left alone.
#[test]
fn a_key_ending_within_the_week_or_ended_is_rotated_for_its_expiry() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let bot = world.seed_bot();
    // (name, days until its expiry): all made 10 days ago.
    let seeded: Vec<(&str, String)> = [("soon", 3), ("ended", -1), ("later", 30)]
        .into_iter()
        .map(|(name, days)| {
            let key = world.seed_key(name, Some(&bot), 10, Some(days));
            std::fs::write(
                dir.path().join(format!("{name}.key")),
                format!("{}\n", key.raw_key),
            )
            .unwrap();
            (name, key.id)
        })
        .collect();
    let text = &bot_manifest(&[
        key_table("soon", &["file:{dir}/soon.key"]),
        key_table("ended", &["file:{dir}/ended.key"]),
        key_table("later", &["file:{dir}/later.key"]),
    ]);
    let path = manifest(dir.path(), text);
    let named = [
        (seeded[0].1.as_str(), "[SOON]"),
        (seeded[1].1.as_str(), "[ENDED]"),
        (dir.path().to_str().unwrap(), "[DIR]"),
    ];
    let plan = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&plan, &named), @"
    exit 11
    --- stdout
    ~ key bot/soon ([SOON]): rotate (expiry: expires in 3 days) -> file:[DIR]/soon.key
    ~ key bot/ended ([ENDED]): rotate (expiry: expired 1 day ago) -> file:[DIR]/ended.key
    Plan: 0 to create, 2 to rotate, 0 to migrate, 0 to revoke, 0 to archive.
    --- stderr
    New keys expire 7 days after their rotation and grace are over, so the server ends a key whose cron stopped running.
    ");
    let json = run_manifest(&world, "plan", &path, &["-o", "json"]).json();
    let reasons: Vec<(&str, &str)> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["reasons"].as_array().unwrap().len(), 1, "{c}");
            (
                c["key"].as_str().unwrap(),
                c["reasons"][0]["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(reasons, [("soon", "expiry"), ("ended", "expiry")], "{json}");
    let expires_at = world.sandbox.key(&seeded[0].1).unwrap().expires_at.unwrap();
    assert_eq!(
        json["changes"][0]["reasons"][0]["expires_at"],
        expires_at.to_string()
    );

    let apply = run_manifest(&world, "apply", &path, &[]);
    insta::assert_snapshot!(world.shown_batch(&apply, &named), @"
    exit 0
    --- stdout
    --- stderr
    ~ key bot/soon ([SOON]): rotate (expiry: expires in 3 days) -> file:[DIR]/soon.key
    ~ key bot/ended ([ENDED]): rotate (expiry: expired 1 day ago) -> file:[DIR]/ended.key
    Plan: 0 to create, 2 to rotate, 0 to migrate, 0 to revoke, 0 to archive.
    New keys expire 7 days after their rotation and grace are over, so the server ends a key whose cron stopped running.
    ~ rotated key bot/ended: new key [KEY_1]; old key [ENDED] revoked (stored in file:[DIR]/ended.key)
    ~ rotated key bot/soon: new key [KEY_2]; old key [SOON] revoked (stored in file:[DIR]/soon.key)
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    Apply: 2 of 2 change(s) done, 0 failed, 0 not started.
    ");
    for (name, old) in &seeded[..2] {
        assert_eq!(world.status(old), "deleted", "{name}");
        working_secret(&world, &dir.path().join(format!("{name}.key")), &bot);
        let new = &live_keys(&world, &bot, name)[0];
        let lifetime = new.expires_at.unwrap().duration_since(new.created_at);
        assert!(
            (lifetime.as_secs() - 97 * 86_400).abs() < 120,
            "{name}: {lifetime:?}"
        );
    }
    assert_eq!(world.status(&seeded[2].1), "published");
    run_manifest(&world, "plan", &path, &[]).code(0);
}

/// Off a terminal (cron, CI) there is nobody to ask: `apply` without `--yes` refuses with the
/// usage code (2), before it reads the tenant, whatever is pending: no account made, no key
/// minted or rotated, no file written.
#[test]
fn apply_without_yes_off_a_terminal_refuses_and_changes_nothing() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(dir.path(), TWO_KEYS);
    let named = [(path.to_str().unwrap(), "[MANIFEST]")];
    let run = world.run(&["apply", "-f", path.to_str().unwrap()]);
    insta::assert_snapshot!(world.shown(&run, &named), @"
    exit 2
    --- stdout
    --- stderr
    error: refusing to apply a manifest without confirmation: nothing was sent
    hint: pass --yes to confirm (prompts are only shown on a terminal without --no-input)
    ");
    assert!(world.requests().is_empty(), "nothing was sent");
    assert_eq!(file_names(dir.path()), ["flexprice.toml"]);
    assert!(accounts_named(&world, "bot").is_empty());

    // A key due for rotation: still the one live key, its file untouched; `-q` (as cron runs
    // it) refuses alike.
    let bot = world.seed_bot();
    let file = dir.path().join("k.key");
    let old = aged_delivered_key(&world, &bot, "k", &file);
    let before = std::fs::read_to_string(&file).unwrap();
    let path = manifest(
        dir.path(),
        r#"version = 1
[[service_account]]
name = "bot"
roles = ["event_ingestor"]
  [[service_account.key]]
  name = "k"
  store = ["file:{dir}/k.key"]
"#,
    );
    run_manifest(&world, "plan", &path, &[]).code(11);
    world.sandbox.clear_requests();
    for quiet in [&[][..], &["-q"][..]] {
        let mut args = vec!["apply", "-f", path.to_str().unwrap()];
        args.extend_from_slice(quiet);
        world
            .run(&args)
            .code(2)
            .stderr_has("refusing to apply a manifest without confirmation: nothing was sent");
    }
    assert!(world.requests().is_empty(), "nothing was sent");
    assert_eq!(world.status(&old), "published");
    assert_eq!(live_keys(&world, &bot, "k").len(), 1);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
}

#[test]
fn a_failed_destination_mid_apply_exits_9_and_a_rerun_delivers_from_the_recovery_file() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    // The exec: destination writes into a directory that does not exist yet.
    let text = &bot_manifest(&[
        key_table("good", &["file:{dir}/good.key"]),
        key_table("late", &["exec:sh -c 'cat > {dir}/later/late.key'"]),
    ]);
    let path = manifest(dir.path(), text);
    let run1 = run_manifest(&world, "apply", &path, &[]);
    insta::assert_snapshot!(world.shown_batch(&run1, &[(dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 9
    --- stdout
    --- stderr
    + service_account bot (roles: event_ingestor)
    + key bot/good -> file:[DIR]/good.key
    + key bot/late -> exec:sh -c cat > [DIR]/later/late.key
    Plan: 3 to create, 0 to rotate, 0 to migrate, 0 to revoke, 0 to archive.
    New keys expire 7 days after their rotation and grace are over, so the server ends a key whose cron stopped running.
    exec: destinations cannot be read: whether they still hold their key's secret is not checked.
    + created service account bot ([USER_1]) with roles event_ingestor
    + created key bot/good ([KEY_1]) (stored in file:[DIR]/good.key)
    warning: creating key bot/late: key [KEY_2] was created but its secret was not delivered (exec:sh -c cat > [DIR]/later/late.key: 'sh' exited with exit status: 2, saying: sh: cannot create [DIR]/later/late.key: Directory nonexistent); the secret is in the recovery file [TMP]/state/flexprice-admin/recovered-[KEY_2]-[TIME].key
    hint: copy the secret from [TMP]/state/flexprice-admin/recovered-[KEY_2]-[TIME].key into its destination, then delete the file (it is readable only by you)
    Apply: 2 of 3 change(s) done, 1 failed, 0 not started.
    error: 1 of 3 change(s) failed; a minted secret waits in a recovery file
    hint: run apply again: it delivers each waiting secret from its recovery file to its destinations, and does what is left
    ");
    let bot = account_id(&world, "bot");
    working_secret(&world, &dir.path().join("good.key"), &bot);
    let (_, waiting) = the_recovery_file(&world, "");
    let creates = world.creates();

    let run = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&run, &[(dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 11
    --- stdout
    ~ key bot/late ([KEY_1]): deliver its secret from the recovery file an earlier apply left -> exec:sh -c cat > [DIR]/later/late.key
    Plan: 0 to create, 1 to rotate, 0 to migrate, 0 to revoke, 0 to archive.
    --- stderr
    exec: destinations cannot be read: whether they still hold their key's secret is not checked.
    ");
    std::fs::create_dir(dir.path().join("later")).unwrap();
    let run = run_manifest(&world, "apply", &path, &[]);
    insta::assert_snapshot!(world.shown_batch(&run, &[(dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 0
    --- stdout
    --- stderr
    ~ key bot/late ([KEY_1]): deliver its secret from the recovery file an earlier apply left -> exec:sh -c cat > [DIR]/later/late.key
    Plan: 0 to create, 1 to rotate, 0 to migrate, 0 to revoke, 0 to archive.
    exec: destinations cannot be read: whether they still hold their key's secret is not checked.
    ~ delivered key bot/late ([KEY_1]) from its recovery file (stored in exec:sh -c cat > [DIR]/later/late.key)
    Apply: 1 of 1 change(s) done, 0 failed, 0 not started.
    ");
    assert_eq!(world.creates(), creates, "nothing minted again");
    let delivered = working_secret(&world, &dir.path().join("later/late.key"), &bot);
    assert_eq!(delivered, waiting.trim());
    assert!(world.recovery_files().is_empty());
    run_manifest(&world, "plan", &path, &[]).code(0);
}

#[test]
fn two_applies_at_once_the_second_is_refused_naming_the_first() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(dir.path(), TWO_KEYS);
    world.add_fault("POST /v1/users hold=account");
    let mut first = spawn(&world, &["apply", "-f", path.to_str().unwrap(), "--yes"]);
    world.sandbox.wait_held("account", 1);
    let second = run_manifest(&world, "apply", &path, &[]);
    let pid = first.id().to_string();
    let named = [
        (path.to_str().unwrap(), "[MANIFEST]"),
        (pid.as_str(), "[PID]"),
    ];
    insta::assert_snapshot!(world.shown(&second, &named), @"
    exit 7
    --- stdout
    --- stderr
    error: another apply of [MANIFEST] is running, held by process [PID] since [TIME]; not starting a second one
    hint: the lock is [TMP]/state/flexprice-admin/locks/apply-[HASH].lock; it is released when that run ends
    ");
    world.sandbox.release("account");
    assert_eq!(first.wait().unwrap().code(), Some(0));
    run_manifest(&world, "plan", &path, &[]).code(0);
}

pub(crate) fn kill(child: &mut Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A kill (SIGKILL: nothing of ours runs after it) while the apply waits on each step in turn:
/// the account's creation, a key's creation, a delivery, an old key's revocation. After each, a
/// re-run converges: one live key per declared key, its secret in its destination, and no
/// minted secret left in a recovery file.
#[test]
fn a_kill_at_each_step_loses_no_secret_and_a_rerun_converges() {
    for step in ["account", "create", "deliver", "revoke"] {
        let world = World::with_immediate_revocation();
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let ready = dir.path().join("ready");
        let text = &bot_manifest(&[key_table("k", &["file:{dir}/k.key", "exec:{exec}"])]);
        // The exec: destination takes the secret, then (for "deliver") waits on a FIFO nobody
        // writes, after saying so through another: the kill comes while it holds the secret.
        let exec = if step == "deliver" {
            format!(
                "sh -c 'cat > {d}/exec.key; echo ready > {r}; cat {f}'",
                d = dir.path().display(),
                r = ready.display(),
                f = fifo.display()
            )
        } else {
            format!("sh -c 'cat > {}/exec.key'", dir.path().display())
        };
        let path = manifest(dir.path(), &text.replace("{exec}", &exec));
        if step == "revoke" {
            // A due key to rotate, whose revocation is where the kill comes.
            let bot = world.seed_bot();
            aged_delivered_key(&world, &bot, "k", &dir.path().join("k.key"));
            world.add_fault("DELETE /v1/secrets/api/keys/* hold=gate");
        }
        if step == "account" {
            world.add_fault("POST /v1/users hold=gate");
        }
        if step == "create" {
            world.add_fault("POST /v1/secrets/api/keys hold=gate");
        }
        if step == "deliver" {
            make_fifo(&fifo);
            make_fifo(&ready);
        }
        let mut child = spawn(&world, &["apply", "-f", path.to_str().unwrap(), "--yes"]);
        if step == "deliver" {
            let mut said = String::new();
            std::fs::File::open(&ready)
                .unwrap()
                .read_to_string(&mut said)
                .unwrap();
            kill(&mut child);
            // The command's group outlives us: end it, as a reboot or the OOM killer would,
            // and let the re-run's command end as a working one does.
            let _ = std::fs::OpenOptions::new().write(true).open(&fifo);
            let plain = format!("sh -c 'cat > {}/exec.key'", dir.path().display());
            manifest(dir.path(), &text.replace("{exec}", &plain));
        } else {
            world.sandbox.wait_held("gate", 1);
            kill(&mut child);
            world.sandbox.release("gate");
            world.sandbox.clear_faults();
        }
        let rerun = run_manifest(&world, "apply", &path, &[]);
        rerun.code(0);
        let bot = account_id(&world, "bot");
        let keys = live_keys(&world, &bot, "k");
        assert_eq!(keys.len(), 1, "{step}: {keys:?}\n{}", rerun.stderr);
        let secret = working_secret(&world, &dir.path().join("k.key"), &bot);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("exec.key")).unwrap(),
            secret,
            "{step}"
        );
        assert!(world.recovery_files().is_empty(), "{step}");
        run_manifest(&world, "plan", &path, &[]).code(0);
    }
}

#[test]
fn a_manifest_with_every_kind_of_mistake_is_refused_before_anything_is_sent() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let text = r#"version = 1
[defaults]
rotate_every = "90 fortnights"

[[service_account]]
name = "bot"
roles = ["all_writer"]
  [[service_account.key]]
  name = "k"
  store = ["file:{dir}/{name}.key"]
  [[service_account.key]]
  name = "k"
  store = ["keychain"]

[[service_account]]
name = "other"
roles = ["event_ingestor"]
  [[service_account.key]]
  name = "k"
  store = ["file:{dir}/{name}.key", "stdout", "ftp:x"]
  [[service_account.key]]
  name = "j"
  grace = "soon"
"#;
    let path = manifest(dir.path(), text);
    // Each mistake at its line: rotate_every (3), a role (7), a key twice (12), three
    // destinations (20), no store (22) and grace (23).
    let named = [(path.to_str().unwrap(), "[MANIFEST]")];
    let plan = run_manifest(&world, "plan", &path, &[]);
    let apply = run_manifest(&world, "apply", &path, &[]);
    assert_eq!(
        (apply.code, &apply.stdout, &apply.stderr),
        (plan.code, &plan.stdout, &plan.stderr),
        "apply refuses as plan does"
    );
    let shown = world.shown(&plan, &named);
    insta::assert_snapshot!(shown, @r#"
    exit 2
    --- stdout
    --- stderr
    error: [MANIFEST]: 8 mistakes; nothing was sent
    caused by: [MANIFEST]:3:16: rotate_every = "90 fortnights": expected a duration such as 90d, 12h, 2w, 6mo or 1y (units: y, mo, w, d, h, m, s)
    caused by: [MANIFEST]:7:9: roles: role 'all_writer' cannot be held by a service account (service accounts can hold: super_admin, all_reader, event_ingestor, event_reader)
    caused by: [MANIFEST]:12:10: key 'k' of 'bot' is declared twice in the credential's environment (first on line 9)
    caused by: [MANIFEST]:20:12: store file:[TMP]/{name}.key: key 'k' of 'other' and key 'k' of 'bot' (line 9) would both be delivered there, the second secret overwriting the first; put {owner} and {name} in a file: path, or $FLEXPRICE_KEY_OWNER and $FLEXPRICE_KEY_NAME in an exec: command
    caused by: [MANIFEST]:20:47: store: stdout is not a place a secret stays (apply runs unattended); use keychain, file:PATH or exec:COMMAND
    caused by: [MANIFEST]:20:57: store: unknown destination 'ftp': use stdout, keychain, file:PATH or exec:COMMAND
    caused by: [MANIFEST]:22:10: key 'j' of 'other' has no store: say where its secret goes, e.g. store = ["file:/etc/flexprice/{owner}-{name}.key"]
    caused by: [MANIFEST]:23:11: grace = "soon": expected a duration such as 90d, 12h, 2w, 6mo or 1y (units: y, mo, w, d, h, m, s)
    hint: `man flexprice-admin-manifest` describes every field
    "#);
    assert!(world.requests().is_empty(), "nothing was sent");
    // An unknown field, with its place.
    let path = manifest(dir.path(), "version = 1\nkeys = []\n");
    let run = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&run, &[(dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: [DIR]/flexprice.toml:2:1: unknown field `keys`, expected one of `version`, `defaults`, `service_account`
    hint: `man flexprice-admin-manifest` describes every field
    ");
    let missing = dir.path().join("nowhere.toml");
    let run = run_manifest(&world, "plan", &missing, &[]);
    insta::assert_snapshot!(world.shown(&run, &[(dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: -f [DIR]/nowhere.toml: cannot read the manifest (No such file or directory (os error 2))
    hint: write one (`man flexprice-admin-manifest` shows its form), or name it with -f PATH; the default is ./flexprice.toml
    ");
    assert!(world.requests().is_empty(), "nothing was sent");
}

#[test]
fn two_live_accounts_of_one_name_are_refused_with_their_ids() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let a = world.seed_bot();
    let b = world.seed_bot();
    let path = manifest(dir.path(), TWO_KEYS);
    let run = run_manifest(&world, "apply", &path, &[]);
    insta::assert_snapshot!(world.shown_batch(&run, &[(&a, "[BOT_A]"), (&b, "[BOT_B]"), (dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 7
    --- stdout
    --- stderr
    error: 2 live service accounts are named 'bot' with its roles ([BOT_B], [BOT_A]); which one the manifest means cannot be told, so nothing was changed
    hint: keep one: move its keys' consumers off the others, then `flexprice-admin service-accounts delete [BOT_A] --revoke-keys`
    ");
    assert!(world.mutating_requests().is_empty());
}

#[test]
fn cron_output_is_empty_on_a_quiet_night_and_names_a_failed_key_once() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(dir.path(), TWO_KEYS);
    run_manifest(&world, "apply", &path, &["-q"]).code(0);
    let quiet = run_manifest(&world, "apply", &path, &["-q"]);
    quiet.code(0);
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));
    // A bad night: the key's file is gone and its directory unwritable.
    let bot = account_id(&world, "bot");
    std::fs::remove_file(dir.path().join(format!("{bot}-worker.key"))).unwrap();
    world.add_fault("POST /v1/secrets/api/keys status=503");
    let bad = run_manifest(&world, "apply", &path, &["-q"]);
    bad.code(8);
    let mentions = bad.stderr.matches("bot/worker").count();
    assert_eq!(mentions, 1, "{}", bad.stderr);
    let stderr = BufReader::new(bad.stderr.as_bytes());
    assert!(stderr.lines().count() <= 4, "{}", bad.stderr);
}

/// The fleet the cron recipe applies: one account, one key delivered to the stand-in vault under
/// its owner and name, rotated every 30 days.
const KEYS_TOML: &str = r#"version = 1
[[service_account]]
name = "ingest-bot"
roles = ["event_ingestor"]
  [[service_account.key]]
  name = "ci-ingest"
  rotate_every = "30d"
  store = ["exec:sh -c 'vault kv put secret/flexprice/$FLEXPRICE_KEY_OWNER-$FLEXPRICE_KEY_NAME api_key=-'"]
"#;

#[test]
fn the_readme_cron_recipe_runs_as_cron_runs_it_and_mails_only_on_trouble() {
    let world = World::new();
    let server = Server::new(&world);
    let tab = readme_crontab();
    assert_eq!(tab.jobs.len(), 2, "a nightly apply and a weekly audit");
    assert!(tab.jobs.iter().all(|j| j.contains(" -q")), "{:?}", tab.jobs);
    let manifest = world.home.path().join("keys.toml");
    std::fs::write(&manifest, KEYS_TOML).unwrap();
    let nightly = tab.jobs[0].replace("/etc/flexprice/keys.toml", &manifest.display().to_string());
    assert_ne!(nightly, tab.jobs[0], "the nightly job applies the manifest");
    let audit = &tab.jobs[1];

    // The setup, as cron's user with no keychain: a profile without a credential.
    let setup = format!(
        "flexprice-admin profile set --profile prod --api-url {} --max-age 30d --expiring-within 7d",
        world.sandbox.api_url()
    );
    let (code, printed) = server.cron(&[], &setup);
    assert_eq!(code, 0, "{printed}");
    assert!(printed.contains("Created profile 'prod'"), "{printed}");

    // The first night makes the account and its key, silently; the vault has the secret.
    let (code, printed) = server.cron(&tab.vars, &nightly);
    assert_eq!((code, printed.as_str()), (0, ""));
    let account = world
        .run(&["service-accounts", "list", "-o", "json"])
        .json()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let kept = server.vault.join(format!("{account}-ci-ingest"));
    let first = std::fs::read_to_string(&kept).unwrap();
    assert!(is_secret_key(first.trim()), "{first}");
    // A night with nothing to do: nothing printed, so no mail.
    let (code, printed) = server.cron(&tab.vars, &nightly);
    assert_eq!((code, printed.as_str()), (0, ""));
    let (code, printed) = server.cron(&tab.vars, audit);
    assert_eq!((code, printed.as_str()), (0, ""));

    // 40 days on (the sandbox's clock and ours), the key is due: audit says so, the nightly
    // apply rotates it into the vault, silently.
    let later = Timestamp::now() + SignedDuration::from_hours(24 * 40);
    world.sandbox.set_now(later);
    let mut vars = tab.vars.clone();
    vars.push(("FLEXPRICE_ADMIN_TEST_NOW".into(), later.to_string()));
    let (code, printed) = server.cron(&vars, audit);
    assert_eq!(code, 0, "the echo runs");
    assert!(
        printed.contains("flexprice keys need attention (exit 10)"),
        "{printed}"
    );
    let (code, printed) = server.cron(&vars, &nightly);
    assert_eq!((code, printed.as_str()), (0, ""));
    let second = std::fs::read_to_string(&kept).unwrap();
    assert!(is_secret_key(second.trim()) && second != first, "{second}");
    world.assert_works(second.trim());

    // A bad night, 40 days later still: the vault refuses. The mail names the key once, with
    // the exit code; the secret waits in a recovery file and the next good night delivers it.
    let later = later + SignedDuration::from_hours(24 * 40);
    world.sandbox.set_now(later);
    let mut vars = tab.vars.clone();
    vars.push(("FLEXPRICE_ADMIN_TEST_NOW".into(), later.to_string()));
    std::fs::write(server.vault.join("refuse"), "").unwrap();
    let (code, printed) = server.cron(&vars, &nightly);
    assert_eq!(code, 0, "the echo runs");
    assert!(
        printed.contains("flexprice apply failed (exit 9)"),
        "{printed}"
    );
    assert_eq!(
        printed.matches("ingest-bot/ci-ingest").count(),
        1,
        "{printed}"
    );
    assert!(printed.contains("vault: permission denied"), "{printed}");
    std::fs::remove_file(server.vault.join("refuse")).unwrap();
    let (code, printed) = server.cron(&vars, &nightly);
    assert_eq!((code, printed.as_str()), (0, ""));
    let third = std::fs::read_to_string(&kept).unwrap();
    assert!(third != second, "{third}");
    world.assert_works(third.trim());
}
