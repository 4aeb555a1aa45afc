//! An adversary's pass over the secret hand-over (issue 11's promise: a minted secret reaches
//! exactly the destination the user named, or a 0600 recovery file, and nothing of the admin's
//! leaks). Each test is one attack that broke, or one that was tried and holds; each checks
//! the exit code and where every minted secret ended up.

use std::io::BufReader;
use std::path::Path;
use std::process::Stdio;

use crate::harness::{
    World, display_form, fault, finish_child, finish_std, gone, is_secret_key, mode, read_until,
    recovery_files_in, signal, spawn, spawn_with,
};

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A due key `name` of its own service account (`<name>-bot`), and the file its successor goes
/// to, in a directory of its own (kept as long as the value is).
struct DueKey {
    old: String,
    dir: tempfile::TempDir,
    dest: std::path::PathBuf,
    /// `file:<dest>`, for `--store`.
    store: String,
}

fn due_key_to_file(world: &World, name: &str) -> DueKey {
    let account = world
        .sandbox
        .seed_service_account(&format!("{name}-bot"), &["event_ingestor"]);
    let old = world.aged_key(name, Some(&account));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join(format!("{name}.key"));
    let store = format!("file:{}", dest.display());
    DueKey {
        old,
        dir,
        dest,
        store,
    }
}

// ---- a name too long for the file system (issue 16 item 9) ---------------------------------

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
    run.code(2)
        .stderr_has("too long for the file system")
        .stderr_has("no key was created");
    assert_eq!(world.creates(), 0, "nothing minted");
    assert!(world.recovery_files().is_empty());
    assert_eq!(world.sandbox.key(&old).unwrap().status, "published");

    // The same with a fixed path: 300 characters in one file name.
    let fixed = format!("file:{}", dir.path().join("f".repeat(300)).display());
    world
        .run(&["keys", "create", "--name", "long-path", "--store", &fixed])
        .code(2)
        .stderr_has("(300 bytes)")
        .stderr_has("no key was created");
    assert_eq!(world.creates(), 0, "nothing minted");
    assert!(
        names_in(dir.path()).is_empty(),
        "{:?}",
        names_in(dir.path())
    );
}

// ---- one file spelled two ways -------------------------------------------------------------

/// Two accounts, each with a key `ingest`, delivered to `DIR/{owner}/../{name}.key`: the paths
/// differ as text (`DIR/a/../ingest.key`, `DIR/b/../ingest.key`) and are one file. The batch
/// must be refused like any other collision, before anything is minted.
#[test]
fn two_keys_on_one_file_through_dot_dot_are_refused() {
    let world = World::with_immediate_revocation();
    let a = world
        .sandbox
        .seed_service_account("team-a", &["event_ingestor"]);
    let b = world
        .sandbox
        .seed_service_account("team-b", &["event_ingestor"]);
    let (old_a, old_b) = (
        world.aged_key("ingest", Some(&a)),
        world.aged_key("ingest", Some(&b)),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(&a)).unwrap();
    std::fs::create_dir(dir.path().join(&b)).unwrap();
    let store = format!("file:{}/{{owner}}/../{{name}}.key", dir.path().display());
    world.sandbox.clear_requests();
    let run = world.run(&["keys", "rotate", "--due", "--yes", "--store", &store]);
    run.code(2).stderr_has(&old_a).stderr_has(&old_b);
    assert_eq!(world.creates(), 0, "nothing minted");
    assert!(!dir.path().join("ingest.key").exists());
}

/// The same through symbolic links: `DIR/<owner a>` and `DIR/<owner b>` both link to one
/// directory, so `DIR/{owner}/{name}.key` is one file for both keys.
#[test]
fn two_keys_on_one_file_through_symlinked_directories_are_refused() {
    let world = World::with_immediate_revocation();
    let a = world
        .sandbox
        .seed_service_account("team-a", &["event_ingestor"]);
    let b = world
        .sandbox
        .seed_service_account("team-b", &["event_ingestor"]);
    let (old_a, old_b) = (
        world.aged_key("ingest", Some(&a)),
        world.aged_key("ingest", Some(&b)),
    );
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::os::unix::fs::symlink(&shared, dir.path().join(&a)).unwrap();
    std::os::unix::fs::symlink(&shared, dir.path().join(&b)).unwrap();
    let store = format!("file:{}/{{owner}}/{{name}}.key", dir.path().display());
    world.sandbox.clear_requests();
    let run = world.run(&["keys", "rotate", "--due", "--yes", "--store", &store]);
    run.code(2).stderr_has(&old_a).stderr_has(&old_b);
    assert_eq!(world.creates(), 0, "nothing minted");
    assert!(names_in(&shared).is_empty(), "{:?}", names_in(&shared));
}

// ---- an exec: child looks around -----------------------------------------------------------

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

// ---- a full stdout mid-batch ---------------------------------------------------------------

/// `keys rotate --due -o json > /dev/full`: every write to stdout fails. Each minted secret
/// must end in a recovery file (and work), each old key stay active; the batch exits 9 (a
/// minted secret waits in a recovery file), as the README's exit-code table says. Holds.
#[test]
fn a_full_stdout_in_a_json_batch_keeps_every_secret_in_a_recovery_file() {
    for format in ["json", "plain"] {
        let world = World::with_immediate_revocation();
        let olds = [
            world.aged_key("full-a", None),
            world.aged_key("full-b", None),
        ];
        let mut cmd = world.std_cmd();
        cmd.args([
            "keys", "rotate", "--due", "--yes", "--store", "stdout", "-o", format,
        ])
        .stdin(Stdio::null())
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        );
        let run = finish_std(&mut cmd);
        run.code(9);
        let files = world.recovery_files();
        assert_eq!(files.len(), 2, "{format}: {}", run.stderr);
        for file in files {
            let secret = std::fs::read_to_string(file).unwrap();
            world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
        }
        for old in &olds {
            assert_eq!(
                world.sandbox.key(old).unwrap().status,
                "published",
                "{format}"
            );
        }
    }
}

// ---- two runs rotating one key at once (issue 16 item 8) -----------------------------------

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
/// lost the race, as a run that checked the old key before minting would have (README: "a run
/// that lost the race to another exits 7"), so its unused key is revoked, exit 7. Broke: B kept
/// its key active in a recovery file (exit 9), saying the old key was "untouched and still
/// active" and that a re-run of `keys rotate OLD` (which no longer exists) would finish it.
#[test]
fn a_second_run_that_lost_the_race_revokes_its_unused_key() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("shared", None);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("shared.key");
    let store = format!("file:{}", dest.display());
    for gate in ["first", "second"] {
        world.sandbox.add_fault(fault(&format!(
            "POST /v1/secrets/api/keys hold={gate} times=1"
        )));
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
    assert_eq!(world.sandbox.key(&old).unwrap().status, "deleted");
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
    world.run_as(a_secret.trim_end(), &["whoami", "-q"]).code(0);
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
    let old = world.aged_key("crossed", None);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("crossed.key");
    let store = format!("file:{}", dest.display());
    for gate in ["first", "second"] {
        world.sandbox.add_fault(fault(&format!(
            "POST /v1/secrets/api/keys hold={gate} times=1"
        )));
    }
    world.sandbox.add_fault(fault(&format!(
        "DELETE /v1/secrets/api/keys/{old} hold=revoke times=1"
    )));
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
    world.run_as(b_secret.trim_end(), &["whoami", "-q"]).code(0);
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
    assert_eq!(world.sandbox.key(&old).unwrap().status, "published");
    assert_eq!(recovery_files_in(state_b.path()), waiting);

    world.sandbox.release("revoke");
    let a = a.wait_with_output().unwrap();
    let a_log = String::from_utf8_lossy(&a.stderr).into_owned();
    assert_eq!(a.status.code(), Some(0), "{a_log}");
    world.run_as(a_secret.trim_end(), &["whoami", "-q"]).code(0);
    assert_eq!(world.sandbox.key(&old).unwrap().status, "deleted");
}

/// An operator revokes the key (`keys delete`, a leak) while its rotation waits for its create.
/// The listing after the create no longer shows it: the new key, delivered nowhere yet, is
/// revoked unused; exit 7; the destination keeps what it had; no recovery file.
#[test]
fn a_key_revoked_during_its_rotation_gets_no_successor() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("revoked-meanwhile", None);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("svc.key");
    std::fs::write(&dest, "what the service reads\n").unwrap();
    let store = format!("file:{}", dest.display());
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys hold=create times=1"));
    let run = std::thread::scope(|s| {
        let run = s.spawn(|| world.run(&["keys", "rotate", &old, "--yes", "--store", &store]));
        world.sandbox.wait_held("create", 1);
        world.run(&["keys", "delete", &old, "--yes"]).code(0);
        world.sandbox.release("create");
        run.join().unwrap()
    });
    run.code(7)
        .stderr_has("no longer active")
        .stderr_has("was revoked unused");
    let minted: Vec<_> = world
        .sandbox
        .keys()
        .into_iter()
        .filter(|k| k.name == "revoked-meanwhile" && k.id != old)
        .collect();
    assert_eq!(minted.len(), 1);
    assert_eq!(
        minted[0].status, "deleted",
        "the unwanted successor is revoked"
    );
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        "what the service reads\n"
    );
    assert!(world.recovery_files().is_empty());
    assert_eq!(run.stdout, "");
}

/// Two overlapping runs sharing a state directory (two cron entries): run B has listed the keys
/// and waits for its `GET /users/me` while run A rotates the key start to finish. B then takes
/// the free lock: A's record of the old key names its successor, so B stops there (exit 7) without
/// minting, and A's delivered secret stays. The old key was seeded: A writes its record, which
/// says only that it was replaced.
#[test]
fn a_run_that_listed_before_another_finished_mints_nothing() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("overlap", None);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("overlap.key");
    let store = format!("file:{}", dest.display());
    world
        .sandbox
        .add_fault(fault("GET /v1/users/me hold=b times=1"));
    // B's listing is made before A starts (its answer held until then): B listed the old key.
    world.sandbox.add_fault(fault(
        "GET /v1/secrets/api/keys commit-then-hold=blist times=1",
    ));
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
    let a_secret = std::fs::read_to_string(&dest).unwrap();
    world.run_as(a_secret.trim_end(), &["whoami", "-q"]).code(0);
    assert_eq!(world.sandbox.key(&old).unwrap().status, "deleted");
    assert!(world.recovery_files().is_empty());
}

// ---- kill -9 while a destination is being written -----------------------------------------

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
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) on a NUL-terminated path in our own temporary directory.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
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
    world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
    assert_eq!(world.sandbox.key(&old).unwrap().status, "published");
}

// ---- --on-store-failure revoke when the revocation fails too --------------------------------

/// The destination fails and so does revoking the new key (the server answers 500 to every
/// DELETE): the secret must not be lost with its key active. It is in the recovery file, the
/// new key works, the old key is untouched, exit 9.
#[test]
fn a_failed_revocation_under_revoke_keeps_the_secret_in_the_recovery_file() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("unrevocable", None);
    world
        .sandbox
        .add_fault(fault("DELETE /v1/secrets/api/keys/* status=500"));
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
    run.code(9).stderr_has("could not revoke key");
    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "{}", run.stderr);
    let secret = std::fs::read_to_string(&files[0]).unwrap();
    world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
    assert!(
        run.stderr.contains(&files[0].display().to_string()),
        "{}",
        run.stderr
    );
    assert_eq!(world.sandbox.key(&old).unwrap().status, "published");
}

// ---- SIGTERM while the old key is being revoked --------------------------------------------

/// SIGTERM arrives while step 6 (revoke the old key) is held at the server: the rotation in
/// flight finishes (the new secret is delivered, the old key revoked), then exit 143.
#[test]
fn sigterm_during_the_revocation_finishes_the_rotation_and_exits_143() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("term", None);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("term.key");
    world
        .sandbox
        .add_fault(fault("DELETE /v1/secrets/api/keys/* hold=revoke"));
    let store = format!("file:{}", dest.display());
    let mut child = spawn(
        &world,
        &["keys", "rotate", &old, "--yes", "--store", &store],
    );
    world.sandbox.wait_held("revoke", 1);
    signal(&child, libc::SIGTERM);
    // The binary says it heard the signal before the revocation is let through.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let log = read_until(&mut stderr, "SIGTERM");
    world.sandbox.release("revoke");
    let (code, _, log) = finish_child(child, stderr, log);
    assert_eq!(code, 143, "{log}");
    let secret = std::fs::read_to_string(&dest).unwrap();
    world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
    assert_eq!(world.sandbox.key(&old).unwrap().status, "deleted", "{log}");
    assert!(world.recovery_files().is_empty(), "{log}");
}

// ---- no recovery file possible ------------------------------------------------------------

/// The state directory cannot exist (a regular file stands where it would be), so neither the
/// recovery file written ahead nor one after the failure can be made, and the destination fails:
/// the key must not stay active with its secret nowhere. It is revoked; exit 9.
#[test]
fn no_place_for_a_recovery_file_revokes_the_undelivered_key() {
    let world = World::with_immediate_revocation();
    let state = world.home.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("flexprice-admin"), "not a directory").unwrap();
    let run = world.run(&[
        "keys",
        "create",
        "--name",
        "nowhere",
        "--store",
        "exec:false",
    ]);
    run.code(9).stderr_has("the key was revoked");
    let keys: Vec<_> = world
        .sandbox
        .keys()
        .into_iter()
        .filter(|k| k.name == "nowhere")
        .collect();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].status, "deleted");
    assert_eq!(
        std::fs::read_to_string(state.join("flexprice-admin")).unwrap(),
        "not a directory"
    );
}

// ---- an exec: grandchild that leaves the process group -------------------------------------

/// An `exec:` command that starts a grandchild in a session of its own (`setsid`), then hangs
/// past `--timeout`. We stop the command's process group and report the secret as undelivered
/// (recovery file, or revoked), but the grandchild is in another group: it holds the secret
/// and can still write it wherever it likes, after we said it went nowhere.
#[test]
#[ignore = "not fixed: stopping a process that left our child's process group needs \
            PR_SET_CHILD_SUBREAPER (orphans reparent to us) and a way to tell the command's \
            descendants from another key's in a concurrent batch (a cgroup per command), \
            which is more than a minimal fix"]
fn an_exec_grandchild_in_its_own_session_is_stopped_at_the_timeout() {
    use std::io::BufRead;
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pid");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) on a NUL-terminated path in our own temporary directory.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let store = format!(
        "exec:sh -c 'setsid sh -c \"echo \\$\\$ > \\\"\\$0\\\"; cat > /dev/null; exec sleep 600\" \"$1\" & exec sleep 600' sh {}",
        fifo.display()
    );
    // Our stderr goes to a file: the grandchild inherits it (as the command's stdout), and a
    // pipe would stay open, and the test wait, as long as the grandchild lives.
    let err_path = dir.path().join("stderr");
    let mut child = world
        .std_cmd()
        .args([
            "--timeout",
            "1",
            "keys",
            "create",
            "--name",
            "escaper",
            "--store",
            &store,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(std::fs::File::open(&fifo).unwrap())
        .read_line(&mut line)
        .unwrap();
    let escaped = line.trim().to_string();
    let code = child.wait().unwrap().code();
    let log = std::fs::read_to_string(&err_path).unwrap();
    assert_eq!(code, Some(9), "{log}");
    let alive = !gone(&escaped);
    if alive {
        // SAFETY: kill(2) on the process the test's own command started and named.
        unsafe { libc::kill(escaped.parse().unwrap(), libc::SIGKILL) };
    }
    assert!(
        !alive,
        "the grandchild {escaped} outlived our report:\n{log}"
    );
}

// ---- issue 13: the rotation's check after the create --------------------------------------

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
    let DueKey {
        old,
        dir: _dir,
        dest,
        store,
    } = due_key_to_file(&world, "mover");
    world
        .sandbox
        .add_fault(fault("GET /v1/users/me status=401"));
    let run = world.run(&["keys", "rotate", &old, "--yes", "--store", &store]);
    run.code(9)
        .stderr_has("step 4 (check the new key) failed")
        .stderr_has(&format!("re-run `flexprice-admin keys rotate {old}`"));
    assert!(!dest.exists());
    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "{}", run.stderr);
    let waiting = std::fs::read_to_string(&files[0]).unwrap();

    world.sandbox.clear_faults();
    let creates = world.creates();
    let again = world.run(&["keys", "rotate", &old, "--yes"]);
    again.code(0).stderr_has("Finishing the rotation");
    assert_eq!(again.stdout, "", "the secret went to stdout, not {store}");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), waiting);
    assert_eq!(world.creates(), creates, "nothing minted");
    assert!(world.recovery_files().is_empty());
    assert_eq!(world.sandbox.key(&old).unwrap().status, "deleted");
}

/// `kill -9` while step 4 (the new key's check beside the listing) is in flight: the secret is
/// already in a 0600 recovery file that works, the old key untouched. A re-run without
/// `--store` finishes the rotation where the killed run was told to deliver (a file), without
/// minting. Broke: nothing recorded where the killed run was to deliver, so the re-run printed
/// the secret to stdout.
#[test]
fn kill_9_during_the_check_loses_neither_the_secret_nor_its_destination() {
    let world = World::with_immediate_revocation();
    let DueKey {
        old,
        dir: _dir,
        dest,
        store,
    } = due_key_to_file(&world, "killed4");
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys hold=create times=1"));
    let mut child = spawn(
        &world,
        &["keys", "rotate", &old, "--yes", "--store", &store],
    );
    world.sandbox.wait_held("create", 1);
    // The step-1 listing is done: the next listing is step 4's.
    world
        .sandbox
        .add_fault(fault("GET /v1/secrets/api/keys hold=check times=1"));
    world.sandbox.release("create");
    world.sandbox.wait_held("check", 1);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    world.sandbox.release("check");

    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "the minted secret is nowhere");
    assert_eq!(mode(&files[0]), 0o600);
    let waiting = std::fs::read_to_string(&files[0]).unwrap();
    world.run_as(waiting.trim_end(), &["whoami", "-q"]).code(0);
    assert_eq!(world.sandbox.key(&old).unwrap().status, "published");
    assert!(!dest.exists());

    let creates = world.creates();
    let again = world.run(&["keys", "rotate", &old, "--yes"]);
    again.code(0).stderr_has("Finishing the rotation");
    assert_eq!(again.stdout, "", "the secret went to stdout, not {store}");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), waiting);
    assert_eq!(world.creates(), creates, "nothing minted");
    assert!(world.recovery_files().is_empty());
    assert_eq!(world.sandbox.key(&old).unwrap().status, "deleted");
}

/// The server answers the create with a secret of an unexpected shape (a space in it). It must
/// go nowhere but the recovery file, and the error must say why; it is not sent to the server
/// as a credential four times over, to be reported as "refused by the API". Broke: step 4 tried
/// it before the shape was looked at.
#[test]
fn a_secret_of_unexpected_shape_is_never_tried_as_a_credential() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("odd", None);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("odd.key");
    let store = format!("file:{}", dest.display());
    world.sandbox.add_fault(fault(
        r#"POST /v1/secrets/api/keys status=201 times=1 body={"secret":{"id":"secret_ODD","name":"odd","type":"private_key","display_id":"sk_01***IL","status":"published","created_at":"2026-01-01T00:00:00Z"},"api_key":"sk_01ABC EVIL"}"#,
    ));
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
    assert_eq!(world.sandbox.key(&old).unwrap().status, "published");
}

/// The old key is revoked while its rotation waits for the create, and revoking the new key
/// (unwanted now) fails too. Its secret waits in the recovery file, exit 9; the error must say
/// what is true: the old key is gone (not "untouched and still active"), the new key is active
/// and is revoked with `keys delete NEW`; not that a re-run of `keys rotate OLD` finishes it
/// (OLD no longer exists). Broke: both lies.
#[test]
fn a_key_revoked_during_its_rotation_whose_successor_cannot_be_revoked_says_so() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("gone-and-stuck", None);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("svc.key");
    std::fs::write(&dest, "what the service reads\n").unwrap();
    let store = format!("file:{}", dest.display());
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys hold=create times=1"));
    let run = std::thread::scope(|s| {
        let run = s.spawn(|| world.run(&["keys", "rotate", &old, "--yes", "--store", &store]));
        world.sandbox.wait_held("create", 1);
        world.run(&["keys", "delete", &old, "--yes"]).code(0);
        world
            .sandbox
            .add_fault(fault("DELETE /v1/secrets/api/keys/* status=500"));
        world.sandbox.release("create");
        run.join().unwrap()
    });
    run.code(9);
    let new: Vec<_> = world
        .sandbox
        .keys()
        .into_iter()
        .filter(|k| k.name == "gone-and-stuck" && k.id != old)
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].status, "published");
    run.stderr_has(&format!("keys delete {} --yes", new[0].id));
    assert!(!run.stderr.contains("still active"), "{}", run.stderr);
    assert!(!run.stderr.contains("re-run"), "{}", run.stderr);
    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "{}", run.stderr);
    let waiting = std::fs::read_to_string(&files[0]).unwrap();
    world.run_as(waiting.trim_end(), &["whoami", "-q"]).code(0);
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        "what the service reads\n"
    );
    assert_eq!(run.stdout, "");
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
    world
        .sandbox
        .add_fault(fault("GET /v1/users/me status=404 times=1"));
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
        assert_eq!(world.sandbox.key(old).unwrap().status, "deleted");
        let secret = std::fs::read_to_string(dir.path().join(format!("{name}.key"))).unwrap();
        world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
    }

    // A user key among them: whose it is cannot be told.
    let mine = world.aged_key("mine", None);
    let creates = world.creates();
    for args in [
        vec!["keys", "rotate", "--due", "--yes", "--store", &store],
        vec!["keys", "rotate", &mine, "--yes", "--store", &store],
    ] {
        world
            .sandbox
            .add_fault(fault("GET /v1/users/me status=404 times=1"));
        world
            .run(&args)
            .code(4)
            .stderr_has("/users/me")
            .stderr_has("404");
    }
    assert_eq!(world.creates(), creates, "nothing minted");
    assert_eq!(world.sandbox.key(&mine).unwrap().status, "published");
}

/// The admin's `GET /users/me` hangs. A service-account key's rotation does not need its
/// answer: the new key's check (step 4) must go out while the admin's request is still held,
/// not after the client gives up on it (`--timeout 300` here). Broke: the rotation waited for
/// the admin's answer. (On a regression this test fails after `wait_held`'s 60 s bound.)
#[test]
fn a_service_account_key_rotation_does_not_wait_for_a_hung_users_me() {
    let world = World::with_immediate_revocation();
    let DueKey {
        old,
        dir: _dir,
        dest,
        store,
    } = due_key_to_file(&world, "patient");
    world
        .sandbox
        .add_fault(fault("GET /v1/users/me hold=admin times=1"));
    world
        .sandbox
        .add_fault(fault("GET /v1/users/me hold=check times=1"));
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
    let secret = std::fs::read_to_string(&dest).unwrap();
    world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
    assert_eq!(world.sandbox.key(&old).unwrap().status, "deleted");
}

/// A `--due -o json` batch of two: key A rotates; key B is revoked by an operator while its
/// create is held, and revoking B's unwanted successor fails. Exit 9 (a minted secret waits in
/// a recovery file), one well-formed array with A's object (revoked, no error) and B's (error,
/// `recovery_file`). B's successor cannot be finished by a re-run (its old key is gone), so the
/// batch's closing words must not say a re-run delivers it. Broke: they did.
#[test]
fn a_batch_with_a_stranded_successor_does_not_promise_a_rerun_finishes_it() {
    let world = World::with_immediate_revocation();
    let old_a = world.aged_key("batch-ok", None);
    let old_b = world.aged_key("batch-gone", None);
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}/{{name}}.key", dir.path().display());
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys hold=create"));
    let run = std::thread::scope(|s| {
        let run = s.spawn(|| {
            world.run(&[
                "keys", "rotate", "--due", "--yes", "--store", &store, "-o", "json",
            ])
        });
        world.sandbox.wait_held("create", 2);
        world.run(&["keys", "delete", &old_b, "--yes"]).code(0);
        // A's revocation goes through (a fault that only delays); every other fails.
        world.sandbox.add_fault(fault(&format!(
            "DELETE /v1/secrets/api/keys/{old_a} delay=1ms"
        )));
        world
            .sandbox
            .add_fault(fault("DELETE /v1/secrets/api/keys/* status=500"));
        world.sandbox.release("create");
        run.join().unwrap()
    });
    run.code(9);
    let json = run.json();
    let items = json.as_array().expect("one array");
    assert_eq!(items.len(), 2, "{json}");
    let item = |old: &str| {
        items
            .iter()
            .find(|i| i["old_key"]["id"] == old)
            .unwrap_or_else(|| panic!("no object for {old}: {json}"))
    };
    let (a, b) = (item(&old_a), item(&old_b));
    assert_eq!(a["old_key_revoked"], true, "{a}");
    assert!(a.get("error").is_none(), "{a}");
    assert!(a.get("recovery_file").is_none(), "{a}");
    assert_eq!(world.sandbox.key(&old_a).unwrap().status, "deleted");
    let secret_a = std::fs::read_to_string(dir.path().join("batch-ok.key")).unwrap();
    world.run_as(secret_a.trim_end(), &["whoami", "-q"]).code(0);

    assert_eq!(b["old_key_revoked"], false, "{b}");
    assert!(b["error"].as_str().unwrap().contains("keys delete"), "{b}");
    let file = b["recovery_file"].as_str().expect("B's recovery file");
    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "{}", run.stderr);
    assert_eq!(files[0].display().to_string(), file);
    let new_b = b["new_key"]["id"].as_str().unwrap();
    assert_eq!(world.sandbox.key(new_b).unwrap().status, "published");
    assert!(!dir.path().join("batch-gone.key").exists());
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(secret_a.trim_end()), "{text}");
    }
    run.stderr_has(file);
    assert!(
        !run.stderr.contains("re-run `keys rotate --due`"),
        "a re-run cannot finish B:\n{}",
        run.stderr
    );
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
    world.run_as(secret, &["whoami", "-q"]).code(0);
    assert_eq!(world.sandbox.key(&old).unwrap().status, "deleted");
    let left: Vec<String> = world
        .recovery_files()
        .iter()
        .map(|p| format!("{}: {:?}", p.display(), std::fs::read_to_string(p)))
        .collect();
    assert!(left.is_empty(), "{left:?}\n{}", run.stderr);
}

/// `kill -9` while step 6 (the old key's revocation) is in flight: the new key is delivered
/// and works, the old key still active. The natural next move, `keys rotate OLD` again, must
/// not mint a third key and deliver it over the second (which would stay active with its secret
/// nowhere): it stops (exit 7) before minting and says to revoke the old key, as `--due` skips
/// such a key. Broke: it minted and overwrote.
#[test]
fn kill_9_during_the_revocation_then_a_rerun_does_not_orphan_the_delivered_key() {
    let world = World::with_immediate_revocation();
    let DueKey {
        old,
        dir: _dir,
        dest,
        store,
    } = due_key_to_file(&world, "step6");
    world.sandbox.add_fault(fault(&format!(
        "DELETE /v1/secrets/api/keys/{old} hold=revoke times=1"
    )));
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
    world
        .run_as(delivered.trim_end(), &["whoami", "-q"])
        .code(0);
    assert!(world.recovery_files().is_empty());

    let creates = world.creates();
    let again = world.run(&["keys", "rotate", &old, "--yes", "--store", &store]);
    again
        .code(7)
        .stderr_has(&format!("keys delete {old} --yes"));
    assert_eq!(world.creates(), creates, "nothing minted");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), delivered);
    world
        .run_as(delivered.trim_end(), &["whoami", "-q"])
        .code(0);
    world.sandbox.release("revoke");
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
    let DueKey {
        old,
        dir,
        dest,
        store,
    } = due_key_to_file(&world, "again");
    let refuse = || {
        world
            .sandbox
            .add_fault(fault("GET /v1/users/me status=401"))
    };
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
    assert_eq!(world.sandbox.key(&successor).unwrap().status, "deleted");
    assert!(world.recovery_files().is_empty());
    assert!(!record.exists(), "the record of a revoked, undelivered key");
    assert_eq!(world.sandbox.key(&old).unwrap().status, "published");
    assert!(!dest.exists());

    // The next run starts afresh (told where again: the revoked key's record is gone).
    world.sandbox.clear_faults();
    world
        .run(&["keys", "rotate", &old, "--yes", "--store", &store])
        .code(0);
    assert_eq!(world.creates(), creates + 1);
    let secret = std::fs::read_to_string(&dest).unwrap();
    world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
    assert_eq!(world.sandbox.key(&old).unwrap().status, "deleted");
}

/// The server applies step 4's `start_time` wrongly (here: it answers that listing with no
/// keys at all, as a server comparing against the wrong column or time zone would for an old
/// key). The old key is missing from that answer only; it is not revoked. The rotation must not
/// tell the user it was ("revoked while this run rotated it") and throw the new key away:
/// Broke: it did, exit 7, so such a server would fail every rotation.
#[test]
fn a_server_that_misapplies_start_time_does_not_make_the_old_key_look_revoked() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("misfiltered", None);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("misfiltered.key");
    let store = format!("file:{}", dest.display());
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys hold=create times=1"));
    let run = std::thread::scope(|s| {
        let run = s.spawn(|| world.run(&["keys", "rotate", &old, "--yes", "--store", &store]));
        world.sandbox.wait_held("create", 1);
        // The step-1 listing is done: the next one is step 4's.
        world.sandbox.add_fault(fault(
            r#"GET /v1/secrets/api/keys status=200 times=1 body={"items":[],"pagination":{"total":0,"limit":50000,"offset":50000}}"#,
        ));
        world.sandbox.release("create");
        run.join().unwrap()
    });
    run.code(0);
    assert!(!run.stderr.contains("revoked unused"), "{}", run.stderr);
    let secret = std::fs::read_to_string(&dest).unwrap();
    world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
    assert_eq!(world.sandbox.key(&old).unwrap().status, "deleted");
    assert!(world.recovery_files().is_empty());
}
