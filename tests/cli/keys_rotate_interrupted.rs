//! `keys rotate` interrupted or crossed: `kill -9` and signals at each step (a `hold=NAME` fault
//! keeps a request at a gate until the test has acted), two runs rotating one key at once,
//! another profile's records, a key revoked while its rotation runs. Every minted secret ends
//! in its destination, a recovery file, or nowhere because its key was revoked.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use flexprice_sandbox::{Sandbox, SandboxOptions, SeedKey};
use jiff::{SignedDuration, Timestamp};

use crate::harness::{
    Run, World, assert_rerun_finishes_into, due_key_in_a_file, due_key_to_file, is_secret_key,
    make_fifo, mode, new_keys, recovery_files_in, service_key, signal_at_gate, spawn, spawn_with,
    the_recovery_file,
};

#[test]
fn a_held_lock_refuses_a_second_rotation_with_7() {
    let world = World::new();
    let (_, old_id, _) = service_key(&world, "locked");
    // The first rotation's create waits at a gate: it holds the lock (taken before step 2) until
    // the test opens the gate, after the second rotation has been refused.
    world.add_fault("POST /v1/secrets/api/keys hold=create");
    world.sandbox.clear_requests();
    let lock = world.home.path().join(format!(
        "state/flexprice-admin/locks/rotate-default-{old_id}.lock"
    ));
    let first = spawn(&world, &["keys", "rotate", "locked", "--yes"]);
    world.sandbox.wait_held("create", 1);
    assert!(lock.exists(), "the first rotation's lock file");
    let second = world.run(&["keys", "rotate", "locked", "--yes"]);
    second
        .code(7)
        .stderr_has("another rotation")
        .stderr_has(&old_id);
    world.sandbox.release("create");
    let first = first.wait_with_output().unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(world.creates(), 1, "exactly one rotation created a key");
    assert_eq!(world.status(&old_id), "deleted");
}

#[test]
fn a_finished_rotation_leaves_no_lock_file_behind() {
    let world = World::new();
    let account = world.service_account("lock-bot", "event_ingestor");
    world.create_key(&["--name", "locked", "--service-account", &account]);
    world.create_key(&["--name", "failing", "--service-account", &account]);
    world.run(&["keys", "rotate", "locked", "--yes"]).code(0);
    // A rotation that fails half-way removes its lock too.
    world.add_fault("POST /v1/secrets/api/keys status=500 times=1");
    world.run(&["keys", "rotate", "failing", "--yes"]).code(1);
    let locks = world.state_dir().join("locks");
    assert!(locks.is_dir(), "the rotations took their locks there");
    let left: Vec<_> = std::fs::read_dir(&locks).unwrap().collect();
    assert!(left.is_empty(), "lock files left behind: {left:?}");
}

#[test]
fn sigterm_during_a_single_rotation_finishes_it_and_exits_143() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("one", None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.key");
    let store = format!("file:{}", path.display());
    world.add_fault("POST /v1/secrets/api/keys hold=create");
    let child = spawn(
        &world,
        &["keys", "rotate", &old, "--yes", "--store", &store],
    );
    let (code, _, log) = signal_at_gate(
        &world,
        child,
        ("create", 1),
        libc::SIGTERM,
        "never abandoned",
    );
    assert_eq!(code, 143, "{log}");
    let secret = std::fs::read_to_string(&path).unwrap();
    world.assert_works(secret.trim_end());
    assert_eq!(world.status(&old), "deleted", "the rotation finished");
}

#[test]
fn a_closed_stdout_under_json_keeps_the_secret_in_a_recovery_file_and_exits_9() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("pipe", None);
    world.add_fault("POST /v1/secrets/api/keys hold=create");
    let mut child = spawn(&world, &["keys", "rotate", &old, "--yes", "-o", "json"]);
    world.sandbox.wait_held("create", 1);
    drop(child.stdout.take()); // `| head -0`: nobody reads stdout any more.
    world.sandbox.release("create");
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(9), "{log}");
    let (_, secret) = the_recovery_file(&world, &log);
    world.assert_works(secret.trim_end());
    assert_eq!(
        world.status(&old),
        "published",
        "step 5 failed: the old key stays"
    );
}

/// `keys rotate OLD --yes --store STORE`, started with its own state directory.
fn spawn_rotation(world: &World, old: &str, store: &str, state: &Path) -> std::process::Child {
    spawn_with(
        world,
        &["keys", "rotate", old, "--yes", "--store", store],
        |cmd| {
            cmd.env("XDG_STATE_HOME", state);
        },
    )
}

/// Two runs with their own state directories (two profiles, two hosts' cron jobs) rotate the
/// same key to the same file. Run A's create is held at gate `first`, run B's at `second`; A is
/// let through and finishes (delivers, verifies, revokes the old key); then B's create goes
/// through. B minted a second replacement: delivering it would overwrite A's working secret
/// and leave A's key active with its secret nowhere. B sees A's key and the old key gone: it
/// lost the race, as a run that checked the old key before minting would have (doc/commands.md: "a run
/// that lost the race to another exits 7"), so its unused key is revoked, exit 7. Broke: B kept
/// its key active in a recovery file (exit 9), saying the old key was "untouched and still
/// active" and that a re-run of `keys rotate OLD` (which no longer exists) would finish it.
#[test]
fn a_second_run_that_lost_the_race_revokes_its_unused_key() {
    let world = World::with_immediate_revocation();
    let (old, _dir, dest, store) = due_key_in_a_file(&world, "shared", None);
    for gate in ["first", "second"] {
        world.add_fault(&format!("POST /v1/secrets/api/keys hold={gate} times=1"));
    }
    let (state_a, state_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = spawn_rotation(&world, &old, &store, state_a.path());
    world.sandbox.wait_held("first", 1);
    let b = spawn_rotation(&world, &old, &store, state_b.path());
    world.sandbox.wait_held("second", 1);
    world.sandbox.release("first");
    let a = a.wait_with_output().unwrap();
    let a_log = String::from_utf8_lossy(&a.stderr).into_owned();
    assert_eq!(a.status.code(), Some(0), "{a_log}");
    let a_secret = std::fs::read_to_string(&dest).unwrap();
    assert_eq!(world.status(&old), "deleted");
    let a_key = world
        .sandbox
        .keys()
        .into_iter()
        .find(|k| k.name == "shared" && k.status == "published")
        .unwrap()
        .id;

    world.sandbox.release("second");
    let b = b.wait_with_output().unwrap();
    let b_log = String::from_utf8_lossy(&b.stderr).into_owned();
    assert_eq!(b.status.code(), Some(7), "{b_log}");
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        a_secret,
        "A's working secret was overwritten:\n{b_log}"
    );
    world.assert_works(a_secret.trim_end());
    let b_keys: Vec<_> = world
        .sandbox
        .keys()
        .into_iter()
        .filter(|k| k.name == "shared" && k.id != old && k.id != a_key)
        .collect();
    assert_eq!(b_keys.len(), 1, "{b_log}");
    assert_eq!(b_keys[0].status, "deleted", "B's unused key: {b_log}");
    assert!(recovery_files_in(state_b.path()).is_empty(), "{b_log}");
    assert!(b_log.contains(&a_key), "names the run's key:\n{b_log}");
    assert!(b_log.contains("revoked unused"), "{b_log}");
    assert!(!b_log.contains("still active"), "{b_log}");
    assert!(!b_log.contains("re-run"), "{b_log}");
    assert!(b.stdout.is_empty());
}

/// The same two runs, but B checks while A is still in flight: A has delivered its key and
/// waits at its revocation (gate `revoke`), so the old key is still active. B keeps its key back
/// (exit 9) and must not tell the user to re-run: a re-run from B's state directory finds B's
/// recovery file, and "finishing" from it would deliver B's secret over A's, leaving A's key
/// active with its secret nowhere. Broke: B's error said to re-run, and the re-run did exactly
/// that. The re-run must stop (exit 7) with the destination untouched.
#[test]
fn a_run_crossing_another_in_flight_keeps_its_key_back_and_a_rerun_overwrites_nothing() {
    let world = World::with_immediate_revocation();
    let (old, _dir, dest, store) = due_key_in_a_file(&world, "crossed", None);
    for gate in ["first", "second"] {
        world.add_fault(&format!("POST /v1/secrets/api/keys hold={gate} times=1"));
    }
    world.add_fault(&format!(
        "DELETE /v1/secrets/api/keys/{old} hold=revoke times=1"
    ));
    let (state_a, state_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = spawn_rotation(&world, &old, &store, state_a.path());
    world.sandbox.wait_held("first", 1);
    let b = spawn_rotation(&world, &old, &store, state_b.path());
    world.sandbox.wait_held("second", 1);
    world.sandbox.release("first");
    world.sandbox.wait_held("revoke", 1);
    let a_secret = std::fs::read_to_string(&dest).unwrap();

    world.sandbox.release("second");
    let b = b.wait_with_output().unwrap();
    let b_log = String::from_utf8_lossy(&b.stderr).into_owned();
    assert_eq!(b.status.code(), Some(9), "{b_log}");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), a_secret, "{b_log}");
    let waiting = recovery_files_in(state_b.path());
    assert_eq!(waiting.len(), 1, "{b_log}");
    let b_secret = std::fs::read_to_string(&waiting[0]).unwrap();
    world.assert_works(b_secret.trim_end());
    assert!(b_log.contains("another run"), "{b_log}");
    assert!(
        !b_log.contains("re-run"),
        "a re-run would overwrite the other run's key:\n{b_log}"
    );

    // The re-run anyway, from B's state directory, while A still waits.
    let creates = world.creates();
    let again = world.run_with(
        &["keys", "rotate", &old, "--yes", "--store", &store],
        |cmd| {
            cmd.env("XDG_STATE_HOME", state_b.path());
        },
    );
    again.code(7);
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        a_secret,
        "the re-run delivered B's key over A's:\n{}",
        again.stderr
    );
    assert_eq!(world.creates(), creates, "nothing minted");
    assert_eq!(world.status(&old), "published");
    assert_eq!(recovery_files_in(state_b.path()), waiting);

    world.sandbox.release("revoke");
    let a = a.wait_with_output().unwrap();
    let a_log = String::from_utf8_lossy(&a.stderr).into_owned();
    assert_eq!(a.status.code(), Some(0), "{a_log}");
    world.assert_works(a_secret.trim_end());
    assert_eq!(world.status(&old), "deleted");
}

/// What the service reads from its key file before the rotation.
const BEFORE: &str = "what the service reads\n";

/// `keys rotate` of a due key `name` into a file holding [`BEFORE`], while an operator revokes
/// the old key (`keys delete`, a leak) as the rotation's create waits at its gate; `meanwhile`
/// runs then too. Returns the old key, the destination (in a directory kept as long as the
/// value is) and the run.
fn rotate_while_revoked(
    world: &World,
    name: &str,
    meanwhile: impl FnOnce(),
) -> (String, tempfile::TempDir, PathBuf, Run) {
    let old = world.aged_key(name, None);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("svc.key");
    std::fs::write(&dest, BEFORE).unwrap();
    let store = format!("file:{}", dest.display());
    world.add_fault("POST /v1/secrets/api/keys hold=create times=1");
    let run = std::thread::scope(|s| {
        let run = s.spawn(|| world.run(&["keys", "rotate", &old, "--yes", "--store", &store]));
        world.sandbox.wait_held("create", 1);
        world.run(&["keys", "delete", &old, "--yes"]).code(0);
        meanwhile();
        world.sandbox.release("create");
        run.join().unwrap()
    });
    (old, dir, dest, run)
}

/// An operator revokes the key (`keys delete`, a leak) while its rotation waits for its create.
/// The listing after the create no longer shows it: the new key, delivered nowhere yet, is
/// revoked unused; exit 7; the destination keeps what it had; no recovery file.
#[test]
fn a_key_revoked_during_its_rotation_gets_no_successor() {
    let world = World::with_immediate_revocation();
    let (old, _dir, dest, run) = rotate_while_revoked(&world, "revoked-meanwhile", || {});
    let minted = new_keys(&world, "revoked-meanwhile", &[&old]);
    assert_eq!(minted.len(), 1);
    let named = [(old.as_str(), "[OLD]"), (minted[0].id.as_str(), "[NEW]")];
    insta::assert_snapshot!(world.shown(&run, &named), @"
    exit 7
    --- stdout
    --- stderr
    error: key [OLD] (revoked-meanwhile) is no longer active: it was revoked while this run rotated it; the key this run minted meanwhile, [NEW], was revoked unused
    hint: `flexprice-admin keys list --name revoked-meanwhile` shows where it stands
    ");
    assert_eq!(
        minted[0].status, "deleted",
        "the unwanted successor is revoked"
    );
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), BEFORE);
    assert!(world.recovery_files().is_empty());
}

/// Two overlapping runs sharing a state directory (two cron entries): run B has listed the keys
/// and waits for its `GET /users/me` while run A rotates the key start to finish. B then takes
/// the free lock: A's record of the old key names its successor, so B stops there (exit 7) without
/// minting, and A's delivered secret stays. The old key was seeded: A writes its record, which
/// says only that it was replaced.
#[test]
fn a_run_that_listed_before_another_finished_mints_nothing() {
    let world = World::with_immediate_revocation();
    let (old, _dir, dest, store) = due_key_in_a_file(&world, "overlap", None);
    world.add_fault("GET /v1/users/me hold=b times=1");
    // B's listing is made before A starts (its answer held until then): B listed the old key.
    world.add_fault("GET /v1/secrets/api/keys commit-then-hold=blist times=1");
    let b = std::thread::scope(|s| {
        let b = s.spawn(|| world.run(&["keys", "rotate", &old, "--yes", "--store", &store]));
        world.sandbox.wait_held("b", 1);
        world.sandbox.wait_held("blist", 1);
        let creates = world.creates();
        world
            .run(&["keys", "rotate", &old, "--yes", "--store", &store])
            .code(0);
        assert_eq!(world.creates(), creates + 1);
        world.sandbox.release("blist");
        world.sandbox.release("b");
        (b.join().unwrap(), creates + 1)
    });
    let (b, creates) = b;
    b.code(7)
        .stderr_has("another run rotated key")
        .stderr_has("nothing was minted");
    assert_eq!(world.creates(), creates, "B minted nothing");
    world.assert_rotated_into(&old, &dest);
    assert!(world.recovery_files().is_empty());
}

/// `kill -9` (OOM, a cancelled CI job) while an `exec:` destination runs: the command took the
/// secret but had not stored it; nothing of ours can run after SIGKILL. The secret must already
/// be somewhere the user can find it: a 0600 recovery file written before delivery started.
#[test]
fn kill_9_during_delivery_leaves_the_secret_in_a_recovery_file() {
    use std::io::BufRead;
    let world = World::with_immediate_revocation();
    let old = world.aged_key("killed", None);
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("ready");
    make_fifo(&fifo);
    // The command swallows the secret, says where it is (its PID, once it is `sleep`), and
    // hangs as a slow `vault` would.
    let store = format!(
        "exec:sh -c 'cat > /dev/null; echo $$ > \"$1\"; exec sleep 600' sh {}",
        fifo.display()
    );
    let mut child = spawn(
        &world,
        &["keys", "rotate", &old, "--yes", "--store", &store],
    );
    let mut line = String::new();
    std::io::BufReader::new(std::fs::File::open(&fifo).unwrap())
        .read_line(&mut line)
        .unwrap();
    let hung: libc::pid_t = line.trim().parse().unwrap();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // SAFETY: kill(2) on the `sleep` the test's own command started and told us about.
    unsafe { libc::kill(hung, libc::SIGKILL) };

    let new: Vec<_> = world
        .sandbox
        .keys()
        .into_iter()
        .filter(|k| k.name == "killed" && k.id != old)
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].status, "published");
    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "the minted secret is nowhere");
    assert_eq!(mode(&files[0]), 0o600);
    let secret = std::fs::read_to_string(&files[0]).unwrap();
    world.assert_works(secret.trim_end());
    assert_eq!(world.status(&old), "published");
}

/// SIGTERM arrives while step 6 (revoke the old key) is held at the server: the rotation in
/// flight finishes (the new secret is delivered, the old key revoked), then exit 143.
#[test]
fn sigterm_during_the_revocation_finishes_the_rotation_and_exits_143() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("term", None);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("term.key");
    world.add_fault("DELETE /v1/secrets/api/keys/* hold=revoke");
    let store = format!("file:{}", dest.display());
    let child = spawn(
        &world,
        &["keys", "rotate", &old, "--yes", "--store", &store],
    );
    // The binary says it heard the signal before the revocation is let through.
    let (code, _, log) = signal_at_gate(&world, child, ("revoke", 1), libc::SIGTERM, "SIGTERM");
    assert_eq!(code, 143, "{log}");
    let secret = std::fs::read_to_string(&dest).unwrap();
    world.assert_works(secret.trim_end());
    assert_eq!(world.status(&old), "deleted", "{log}");
    assert!(world.recovery_files().is_empty(), "{log}");
}

/// `kill -9` while step 4 (the new key's check beside the listing) is in flight: the secret is
/// already in a 0600 recovery file that works, the old key untouched. A re-run without
/// `--store` finishes the rotation where the killed run was told to deliver (a file), without
/// minting. Broke: nothing recorded where the killed run was to deliver, so the re-run printed
/// the secret to stdout.
#[test]
fn kill_9_during_the_check_loses_neither_the_secret_nor_its_destination() {
    let world = World::with_immediate_revocation();
    let (old, _dir, dest, store) = due_key_to_file(&world, "killed4");
    world.add_fault("POST /v1/secrets/api/keys hold=create times=1");
    let mut child = spawn(
        &world,
        &["keys", "rotate", &old, "--yes", "--store", &store],
    );
    world.sandbox.wait_held("create", 1);
    // The step-1 listing is done: the next listing is step 4's.
    world.add_fault("GET /v1/secrets/api/keys hold=check times=1");
    world.sandbox.release("create");
    world.sandbox.wait_held("check", 1);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    world.sandbox.release("check");

    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "the minted secret is nowhere");
    assert_eq!(mode(&files[0]), 0o600);
    let waiting = std::fs::read_to_string(&files[0]).unwrap();
    world.assert_works(waiting.trim_end());
    assert_eq!(world.status(&old), "published");
    assert!(!dest.exists());

    assert_rerun_finishes_into(&world, &old, &dest, &waiting);
}

/// The old key is revoked while its rotation waits for the create, and revoking the new key
/// (unwanted now) fails too. Its secret waits in the recovery file, exit 9; the error must say
/// what is true: the old key is gone (not "untouched and still active"), the new key is active
/// and is revoked with `keys delete NEW`; not that a re-run of `keys rotate OLD` finishes it
/// (OLD no longer exists). Broke: both lies.
#[test]
fn a_key_revoked_during_its_rotation_whose_successor_cannot_be_revoked_says_so() {
    let world = World::with_immediate_revocation();
    let (old, _dir, dest, run) = rotate_while_revoked(&world, "gone-and-stuck", || {
        world.add_fault("DELETE /v1/secrets/api/keys/* status=500");
    });
    let new = new_keys(&world, "gone-and-stuck", &[&old]);
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].status, "published");
    let (file, waiting) = the_recovery_file(&world, &run.stderr);
    let named = [
        (old.as_str(), "[OLD]"),
        (new[0].id.as_str(), "[NEW]"),
        (file.to_str().unwrap(), "[RECOVERY_FILE]"),
    ];
    insta::assert_snapshot!(world.shown(&run, &named), @"
    exit 9
    --- stdout
    --- stderr
    error: step 4 (check the new key) found key [OLD] revoked while this run rotated it, so nothing needs its successor, and revoking that successor failed: revoke it with `flexprice-admin keys delete [NEW] --yes`, then delete its recovery file: key [NEW] was created but its secret was not delivered (every destination: key [OLD] was revoked while this run rotated it, so nothing needs its successor; revoking the new key failed (DELETE /v1/secrets/api/keys/[NEW]: the server answered 500 Internal Server Error: Injected fault (request ID [ULID_1]))); the secret is in the recovery file [RECOVERY_FILE]
    ");
    assert!(!run.stderr.contains("still active"), "{}", run.stderr);
    assert!(!run.stderr.contains("re-run"), "{}", run.stderr);
    world.assert_works(&waiting);
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), BEFORE);
}

/// `kill -9` while step 6 (the old key's revocation) is in flight: the new key is delivered
/// and works, the old key still active. The natural next move, `keys rotate OLD` again, must
/// not mint a third key and deliver it over the second (which would stay active with its secret
/// nowhere): it stops (exit 7) before minting and says to revoke the old key, as `--due` skips
/// such a key. Broke: it minted and overwrote.
#[test]
fn kill_9_during_the_revocation_then_a_rerun_does_not_orphan_the_delivered_key() {
    let world = World::with_immediate_revocation();
    let (old, _dir, dest, store) = due_key_to_file(&world, "step6");
    world.add_fault(&format!(
        "DELETE /v1/secrets/api/keys/{old} hold=revoke times=1"
    ));
    let mut child = spawn(
        &world,
        &["keys", "rotate", &old, "--yes", "--store", &store],
    );
    world.sandbox.wait_held("revoke", 1);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The revocation the killed run sent waits at its gate until the end of the test.
    world.sandbox.clear_faults();
    let delivered = std::fs::read_to_string(&dest).unwrap();
    world.assert_works(delivered.trim_end());
    assert!(world.recovery_files().is_empty());

    let creates = world.creates();
    let again = world.run(&["keys", "rotate", &old, "--yes", "--store", &store]);
    again
        .code(7)
        .stderr_has(&format!("keys delete {old} --yes"));
    assert_eq!(world.creates(), creates, "nothing minted");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), delivered);
    world.assert_works(delivered.trim_end());
    world.sandbox.release("revoke");
}

/// A second server, and profiles `a` (the world's sandbox) and `b` (the second) in config.toml.
fn two_profiles(world: &World) -> Sandbox {
    let b = Sandbox::start(SandboxOptions {
        revocation_delay: Duration::ZERO,
        ..SandboxOptions::default()
    })
    .expect("a second sandbox");
    std::fs::create_dir_all(world.config_dir()).unwrap();
    std::fs::write(
        world.config_dir().join("config.toml"),
        format!(
            "[profiles.a]\napi_url = \"{}\"\n\n[profiles.b]\napi_url = \"{}\"\n",
            world.sandbox.api_url(),
            b.api_url()
        ),
    )
    .unwrap();
    b
}

/// Runs `args` under `--profile profile` with `key`, the URL from the profile.
fn as_profile(world: &World, profile: &str, key: &str, args: &[&str]) -> Run {
    let mut all = vec!["--profile", profile];
    all.extend_from_slice(args);
    world.run_with(&all, |cmd| {
        cmd.env_remove("FLEXPRICE_API_URL")
            .env("FLEXPRICE_API_KEY", key);
    })
}

/// Profile b's server lists a key with the ID, name and owner of a key of profile a whose secret
/// went to a file. Rotating b's key without `--store` is a rotation of an unrecorded key: its
/// secret goes to stdout; a's file keeps a's secret.
/// Fails on main 0e6722f: profile b's new secret overwrote profile a's file (a's live key's only copy).
#[test]
fn another_profiles_delivery_record_is_not_used() {
    let world = World::with_immediate_revocation();
    let b = two_profiles(&world);
    let admin_a = world.sandbox.admin_key().to_string();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("a.key");
    let store = format!("file:{}", dest.display());
    let created = as_profile(
        &world,
        "a",
        &admin_a,
        &[
            "keys", "create", "--name", "ingest", "--store", &store, "-o", "json",
        ],
    );
    let id = created.code(0).json()["key"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let secret_a = std::fs::read_to_string(&dest).unwrap();
    b.seed_key(SeedKey {
        id: Some(id.clone()),
        name: "ingest".into(),
        ..SeedKey::default()
    });

    let run = as_profile(
        &world,
        "b",
        b.admin_key(),
        &["keys", "rotate", &id, "--yes"],
    );
    assert!(
        std::fs::read_to_string(&dest).unwrap() == secret_a,
        "profile a's destination was overwritten by profile b's rotation:\n{}",
        run.stderr
    );
    run.code(0);
    let secret_b = run.stdout.trim_end();
    assert!(is_secret_key(secret_b), "{:?}", run.stdout);
    as_profile(&world, "b", secret_b, &["whoami", "-q"]).code(0);
    assert_eq!(b.key(&id).unwrap().status, "deleted");
    as_profile(&world, "a", secret_a.trim_end(), &["whoami", "-q"]).code(0);
    assert_eq!(world.status(&id), "published");
}

/// Profile a's rotation of key X failed its delivery: its successor Y's secret waits in a's
/// recovery file. Profile b's server lists keys with the IDs, names and owner of X and Y. Its
/// rotation of X without `--store` knows nothing of Y's secret: Y is a newer key of X's name
/// and owner whose secret is not waiting here, so it refuses (exit 7) before minting, as for
/// any unrecorded key; a's recovery file and a's Y are untouched.
/// Fails on main 0e6722f: b resumed from a's recovery file, failed its check, then deleted the file: exit 9.
#[test]
fn another_profiles_recovery_file_is_not_used() {
    let world = World::with_immediate_revocation();
    let b = two_profiles(&world);
    let admin_a = world.sandbox.admin_key().to_string();
    let old = world.aged_key("pending", None);
    as_profile(
        &world,
        "a",
        &admin_a,
        &["keys", "rotate", &old, "--yes", "--store", "exec:false"],
    )
    .code(9);
    let (file, secret_a) = the_recovery_file(&world, "");
    let secret_a = secret_a.trim_end();
    let successor = new_keys(&world, "pending", &[&old]);
    assert_eq!(successor.len(), 1);
    let successor = successor[0].id.clone();
    let aged = Timestamp::now() - SignedDuration::from_hours(24 * 100);
    for (id, created_at) in [(&old, aged), (&successor, Timestamp::now())] {
        b.seed_key(SeedKey {
            id: Some(id.clone()),
            name: "pending".into(),
            created_at: Some(created_at),
            ..SeedKey::default()
        });
    }
    b.clear_requests();

    let run = as_profile(
        &world,
        "b",
        b.admin_key(),
        &[
            "keys",
            "rotate",
            &old,
            "--yes",
            "--on-store-failure",
            "revoke",
        ],
    );
    assert!(
        std::fs::read_to_string(&file).is_ok_and(|kept| kept.trim_end() == secret_a),
        "profile a's recovery file was used by profile b's rotation:\n{}",
        run.stderr
    );
    run.code(7).stderr_has(&successor);
    let sent: Vec<_> = b
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && !r.path.ends_with("/search"))
        .collect();
    assert!(sent.is_empty(), "nothing minted or revoked on b: {sent:?}");
    assert_eq!(b.key(&successor).unwrap().status, "published");
    as_profile(&world, "a", secret_a, &["whoami", "-q"]).code(0);
    assert_eq!(world.status(&old), "published");
}
