//! Issue 11: a minted secret is never lost, misplaced or leaked. Each test checks the exact
//! exit code and where every minted secret ended up: its destination, the recovery file, or
//! nowhere because its key was revoked (the sandbox's key list says so). Signals are real and
//! sent at an exact step: a `hold=NAME` fault keeps a request at a gate until the test has
//! sent the signal and seen the binary acknowledge it.

use std::io::{BufReader, Read};

use jiff::Timestamp;

use crate::harness::{
    World, display_form, fault, finish_child, is_secret_key, new_keys, read_until, signal, spawn,
    wait_until_gone,
};

// ---- 1. exec: children get the secret and nothing of the admin's --------------------------

#[test]
fn exec_children_get_no_credential_and_none_of_our_variables() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let admin_file = dir.path().join("admin.key");
    std::fs::write(&admin_file, world.sandbox.admin_key()).unwrap();
    let env_dump = dir.path().join("env");
    let received = dir.path().join("received");
    // The child also tries to read our environment through /proc (which only root may do).
    let store = format!(
        "exec:sh -c 'env > \"$1\"; cat /proc/$PPID/environ > \"$1.proc\" 2>/dev/null; cat > \"$2\"' sh {} {}",
        env_dump.display(),
        received.display()
    );
    let account = world
        .sandbox
        .seed_service_account("exec-bot", &["event_ingestor"]);
    let run = world.run_with(
        &[
            "keys",
            "create",
            "--name",
            "exec-env",
            "--service-account",
            &account,
            "--store",
            &store,
        ],
        |cmd| {
            cmd.env("FLEXPRICE_API_KEY_FILE", &admin_file)
                .env("FLEXPRICE_ADMIN_TEST_NOW", Timestamp::now().to_string());
        },
    );
    run.code(0);
    let env = std::fs::read_to_string(&env_dump).unwrap();
    for ours in [
        "FLEXPRICE_API_KEY=",
        "FLEXPRICE_API_KEY_FILE=",
        "FLEXPRICE_API_URL=",
        "FLEXPRICE_ADMIN_TEST_NOW=",
    ] {
        assert!(
            !env.lines().any(|l| l.starts_with(ours)),
            "{ours} reached the child:\n{env}"
        );
    }
    assert!(
        !env.contains(world.sandbox.admin_key()),
        "the admin key reached the child"
    );
    assert!(
        env.lines().any(|l| l == "FLEXPRICE_KEY_NAME=exec-env"),
        "{env}"
    );
    assert!(
        env.lines()
            .any(|l| l == format!("FLEXPRICE_KEY_OWNER={account}")),
        "{env}"
    );
    assert!(
        env.lines().any(|l| l.starts_with("PATH=")) && env.lines().any(|l| l.starts_with("HOME="))
    );
    // SAFETY: geteuid(2) has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        let ours = std::fs::read(dir.path().join("env.proc")).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&ours).contains(world.sandbox.admin_key()),
            "the child read the admin key from /proc/<our pid>/environ"
        );
    }
    let secret = std::fs::read_to_string(&received).unwrap();
    assert!(is_secret_key(&secret), "{secret:?}");
    assert!(!env.contains(&secret), "the new secret is on stdin only");
    world.run_as(&secret, &["whoami", "-q"]).code(0);
}

// ---- 2. a password in the API URL is never echoed ------------------------------------------

#[test]
fn a_password_in_the_api_url_is_never_shown() {
    let world = World::with_immediate_revocation();
    for url in [
        "https://ops:hunter2@api.example.com/v1",
        "http://ops:hunter2@api.example.com/v1",
        "https://ops:hunter2@api.example.com/v2",
        "ftp://ops:hunter2@api.example.com/v1",
    ] {
        let run = world.run_with(&["keys", "list"], |cmd| {
            cmd.env("FLEXPRICE_API_URL", url);
        });
        run.code(2)
            .stderr_has("--api-url")
            .stderr_has("***@api.example.com");
        assert!(
            !run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"),
            "{url}: {}",
            run.stderr
        );
        let run = world.run(&["--api-url", url, "whoami"]);
        run.code(2);
        assert!(!run.stderr.contains("hunter2"), "{url}: {}", run.stderr);
    }
    assert!(world.requests().is_empty());
}

// ---- 3. names that would steer a path ------------------------------------------------------

#[test]
fn a_name_unsafe_in_a_path_is_refused_and_only_its_key_is_skipped() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("keys");
    std::fs::create_dir(&inner).unwrap();
    let hostile = ["../escape", "-rf", ".hidden", "a\\b", "x\u{1b}[31m", "a/b"];
    let hostile_ids: Vec<String> = hostile.iter().map(|n| world.aged_key(n, None)).collect();
    let plain = world.aged_key("plain", None);
    let store = format!("file:{}", inner.join("{name}.key").display());
    world.sandbox.clear_requests();
    let run = world.run(&["keys", "rotate", "--due", "--yes", "--store", &store]);
    run.code(8)
        .stderr_has("../escape")
        .stderr_has("contains '/'")
        .stderr_has("plain name");
    // Only the plain key was minted, delivered inside the directory, and its old key revoked.
    assert_eq!(world.creates(), 1);
    let files: Vec<_> = std::fs::read_dir(&inner)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, ["plain.key"], "{files:?}");
    let listed: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        listed,
        ["keys"],
        "nothing written outside the directory: {listed:?}"
    );
    let secret = std::fs::read_to_string(inner.join("plain.key")).unwrap();
    world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
    assert_eq!(world.sandbox.key(&plain).unwrap().status, "deleted");
    for id in &hostile_ids {
        assert_eq!(world.sandbox.key(id).unwrap().status, "published", "{id}");
    }

    // One key rotated by ID: refused before anything is sent but the reads.
    world.sandbox.clear_requests();
    world
        .run(&[
            "keys",
            "rotate",
            &hostile_ids[0],
            "--yes",
            "--store",
            &store,
        ])
        .code(2)
        .stderr_has("no key was created");
    assert!(world.mutating_requests().is_empty());

    // The same name to a fixed path (no placeholder) is fine.
    let fixed = format!("file:{}", inner.join("escape.key").display());
    world
        .run(&[
            "keys",
            "rotate",
            &hostile_ids[0],
            "--yes",
            "--store",
            &fixed,
        ])
        .code(0);
    assert!(inner.join("escape.key").exists());
}

#[test]
fn create_refuses_a_name_that_would_leave_the_directory() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().join("{name}.key").display());
    for name in ["../escape", "-x", ".x", "a..b"] {
        let name = format!("--name={name}");
        world
            .run(&["keys", "create", &name, "--store", &store])
            .code(2)
            .stderr_has("no key was created");
    }
    assert!(world.mutating_requests().is_empty());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

// ---- 4. two secrets, one destination -------------------------------------------------------

#[test]
fn two_keys_on_one_file_refuse_the_batch_and_owner_keeps_them_apart() {
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
    let by_name = format!("file:{}", dir.path().join("{name}.key").display());
    world.sandbox.clear_requests();
    let run = world.run(&["keys", "rotate", "--due", "--yes", "--store", &by_name]);
    run.code(2)
        .stderr_has(&old_a)
        .stderr_has(&old_b)
        .stderr_has("{owner}");
    assert!(world.mutating_requests().is_empty(), "nothing minted");

    // The keychain keeps owners apart by itself (`<profile>/<owner id>/<name>`): see
    // keychain::two_owners_keys_of_one_name_get_two_entries.

    let by_owner = format!("file:{}", dir.path().join("{owner}-{name}.key").display());
    world
        .run(&["keys", "rotate", "--due", "--yes", "--store", &by_owner])
        .code(0);
    let secret_a = std::fs::read_to_string(dir.path().join(format!("{a}-ingest.key"))).unwrap();
    let secret_b = std::fs::read_to_string(dir.path().join(format!("{b}-ingest.key"))).unwrap();
    assert_ne!(secret_a, secret_b);
    for (secret, old) in [(&secret_a, &old_a), (&secret_b, &old_b)] {
        world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
        assert_eq!(world.sandbox.key(old).unwrap().status, "deleted");
    }
}

// ---- 5. stdout is a destination: written before the old key is revoked ---------------------

/// `kill -9` while revocations are held: each new secret is already on stdout (JSON or plain)
/// before its predecessor is revoked, so nothing minted is lost.
fn killed_mid_batch_keeps_the_secret_on_stdout(json: bool) {
    let world = World::with_immediate_revocation();
    let olds: Vec<String> = (0..3)
        .map(|i| world.aged_key(&format!("k{i}"), None))
        .collect();
    world
        .sandbox
        .add_fault(fault("DELETE /v1/secrets/api/keys/* hold=revoke"));
    let mut args = vec!["keys", "rotate", "--due", "--yes", "--store", "stdout"];
    if json {
        args.extend(["-o", "json"]);
    }
    let mut child = spawn(&world, &args);
    // Every rotation in flight has reached its revocation, so every key minted so far has had
    // its secret delivered: all three at once in plain text, one at a time under JSON.
    world.sandbox.wait_held("revoke", if json { 1 } else { 3 });
    child.kill().unwrap(); // SIGKILL: nothing runs after this.
    let output = child.wait_with_output().unwrap();
    let out = String::from_utf8(output.stdout).unwrap();
    world.sandbox.release("revoke");
    let minted: Vec<_> = world
        .sandbox
        .keys()
        .into_iter()
        .filter(|k| k.name.starts_with('k') && !olds.contains(&k.id))
        .collect();
    assert!(!minted.is_empty(), "a key was minted before the kill");
    let printed: Vec<&str> = out
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| is_secret_key(w))
        .collect();
    assert_eq!(
        printed.len(),
        minted.len(),
        "every minted secret is on stdout:\n{out}"
    );
    for secret in printed {
        world.run_as(secret, &["whoami", "-q"]).code(0);
    }
    if json {
        assert!(out.starts_with("[\n  {\n    \"old_key\""), "{out}");
        assert!(out.contains("\"api_key\": \"sk_"), "{out}");
    }
}

#[test]
fn a_killed_json_batch_has_already_written_every_minted_secret() {
    killed_mid_batch_keeps_the_secret_on_stdout(true);
}

#[test]
fn a_killed_plain_batch_has_already_written_every_minted_secret() {
    killed_mid_batch_keeps_the_secret_on_stdout(false);
}

#[test]
fn a_json_batch_is_one_array_with_every_secret_and_outcome() {
    let world = World::with_immediate_revocation();
    let olds: Vec<String> = (0..3)
        .map(|i| world.aged_key(&format!("j{i}"), None))
        .collect();
    world.sandbox.add_fault(fault(&format!(
        "DELETE /v1/secrets/api/keys/{} status=500",
        olds[1]
    )));
    let run = world.run(&[
        "keys", "rotate", "--due", "--yes", "--store", "stdout", "-o", "json",
    ]);
    let json = run.code(8).json();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 3);
    for item in items {
        let secret = item["api_key"].as_str().unwrap();
        world.run_as(secret, &["whoami", "-q"]).code(0);
        let failed = item["old_key"]["id"] == olds[1].as_str();
        assert_eq!(item["old_key_revoked"], !failed, "{item}");
        assert_eq!(item.get("error").is_some(), failed, "{item}");
    }
}

// ---- 6. SIGTERM, SIGHUP and SIGINT in a batch ----------------------------------------------

/// A rotation batch of 10 whose first 8 creates are held (8 in flight at once); `sig` arrives;
/// the 8 finish, the rest never start.
fn a_signal_stops_a_rotation_batch(sig: libc::c_int, code: i32, verb: &str) {
    let world = World::with_immediate_revocation();
    let olds: Vec<String> = (0..10)
        .map(|i| world.aged_key(&format!("s{i}"), None))
        .collect();
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys hold=create"));
    let mut child = spawn(
        &world,
        &["keys", "rotate", "--due", "--yes", "--store", "stdout"],
    );
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    world.sandbox.wait_held("create", 8);
    signal(&child, sig);
    let log = read_until(&mut stderr, "starting no more rotations");
    world.sandbox.release("create");
    let (got, out, log) = finish_child(child, stderr, log);
    assert_eq!(got, code, "{log}");
    assert!(
        log.contains(&format!(
            "{verb}: 8 of 10 keys rotated, 0 failed, 2 not started"
        )),
        "{log}"
    );
    assert_eq!(world.creates(), 8, "nothing new started after the signal");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 8, "{out}");
    for line in lines {
        let secret = line.split('\t').nth(2).unwrap();
        world.run_as(secret, &["whoami", "-q"]).code(0);
    }
    let revoked = olds
        .iter()
        .filter(|id| world.sandbox.key(id).unwrap().status == "deleted")
        .count();
    assert_eq!(revoked, 8);
}

#[test]
fn sigterm_stops_a_rotation_batch_with_143() {
    a_signal_stops_a_rotation_batch(libc::SIGTERM, 143, "terminated");
}

#[test]
fn sighup_stops_a_rotation_batch_with_129() {
    a_signal_stops_a_rotation_batch(libc::SIGHUP, 129, "hung up");
}

#[test]
fn sigterm_stops_a_delete_batch_with_143() {
    let world = World::with_immediate_revocation();
    let ids: Vec<String> = (0..12)
        .map(|i| world.aged_key(&format!("d{i}"), None))
        .collect();
    world
        .sandbox
        .add_fault(fault("DELETE /v1/secrets/api/keys/* hold=revoke"));
    let mut args = vec!["keys", "delete", "--yes"];
    args.extend(ids.iter().map(String::as_str));
    let mut child = spawn(&world, &args);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    world.sandbox.wait_held("revoke", 8);
    signal(&child, libc::SIGTERM);
    let log = read_until(&mut stderr, "starting no more revocations");
    world.sandbox.release("revoke");
    let (code, _, log) = finish_child(child, stderr, log);
    assert_eq!(code, 143, "{log}");
    assert!(
        log.contains("terminated: 8 of 12 keys revoked, 4 not revoked"),
        "{log}"
    );
    let deleted = ids
        .iter()
        .filter(|id| world.sandbox.key(id).unwrap().status == "deleted")
        .count();
    assert_eq!(deleted, 8);
}

#[test]
fn a_signal_while_a_single_create_is_in_flight_finishes_the_hand_over() {
    for (sig, code) in [
        (libc::SIGTERM, 143),
        (libc::SIGINT, 130),
        (libc::SIGHUP, 129),
    ] {
        let world = World::with_immediate_revocation();
        world
            .sandbox
            .add_fault(fault("POST /v1/secrets/api/keys hold=create"));
        let mut child = spawn(&world, &["keys", "create", "--name", "held"]);
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        world.sandbox.wait_held("create", 1);
        signal(&child, sig);
        let log = read_until(&mut stderr, "never abandoned");
        world.sandbox.release("create");
        let (got, out, log) = finish_child(child, stderr, log);
        assert_eq!(got, code, "{log}");
        let secret = out.trim_end();
        assert!(
            is_secret_key(secret),
            "the secret was delivered: {out:?}\n{log}"
        );
        world.run_as(secret, &["whoami", "-q"]).code(0);
        assert!(world.recovery_files().is_empty());
    }
}

#[test]
fn sigterm_during_a_single_rotation_finishes_it_and_exits_143() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("one", None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.key");
    let store = format!("file:{}", path.display());
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys hold=create"));
    let mut child = spawn(
        &world,
        &["keys", "rotate", &old, "--yes", "--store", &store],
    );
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    world.sandbox.wait_held("create", 1);
    signal(&child, libc::SIGTERM);
    let log = read_until(&mut stderr, "never abandoned");
    world.sandbox.release("create");
    let (code, _, log) = finish_child(child, stderr, log);
    assert_eq!(code, 143, "{log}");
    let secret = std::fs::read_to_string(&path).unwrap();
    world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
    assert_eq!(
        world.sandbox.key(&old).unwrap().status,
        "deleted",
        "the rotation finished"
    );
}

#[test]
fn sigterm_during_a_failing_delivery_leaves_the_recovery_file_and_exits_143() {
    let world = World::with_immediate_revocation();
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys hold=create"));
    let mut child = spawn(
        &world,
        &["keys", "create", "--name", "rec", "--store", "exec:false"],
    );
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    world.sandbox.wait_held("create", 1);
    signal(&child, libc::SIGTERM);
    let log = read_until(&mut stderr, "never abandoned");
    world.sandbox.release("create");
    let (code, out, log) = finish_child(child, stderr, log);
    assert_eq!(code, 143, "{log}");
    assert!(log.contains("recovery file"), "{log}");
    assert_eq!(out, "");
    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "{log}");
    let secret = std::fs::read_to_string(&files[0]).unwrap();
    world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
}

// ---- 7. keys create whose answer is lost ---------------------------------------------------

#[test]
fn a_lost_create_answer_is_looked_up_never_retried() {
    let world = World::with_immediate_revocation();
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys commit-then-reset times=1"));
    let run = world.run(&["keys", "create", "--name", "lostc"]);
    let orphan = new_keys(&world, "lostc", &[]);
    assert_eq!(orphan.len(), 1);
    run.code(9)
        .stderr_has(&orphan[0].id)
        .stderr_has(&format!("keys delete {} --yes", orphan[0].id));
    assert_eq!(run.stdout, "");
    assert_eq!(orphan[0].status, "published");
    assert_eq!(world.creates(), 1, "never retried");

    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys commit-then-reset times=1"));
    let run = world.run(&[
        "keys",
        "create",
        "--name",
        "lostr",
        "--on-store-failure",
        "revoke",
    ]);
    run.code(9).stderr_has("orphaned key was revoked");
    let orphan = new_keys(&world, "lostr", &[]);
    assert_eq!(orphan.len(), 1);
    assert_eq!(orphan[0].status, "deleted");

    // A create that was not committed (reset before the server acted) made nothing: exit 5.
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys reset times=1"));
    world
        .run(&["keys", "create", "--name", "never"])
        .code(5)
        .stderr_has("no key was created");
    assert!(new_keys(&world, "never", &[]).is_empty());
}

// ---- 9. a failed single rotation in JSON ---------------------------------------------------

#[test]
fn a_failed_single_rotation_prints_its_object_with_the_error() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("jf", None);
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys status=403 times=1"));
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
    assert_eq!(world.sandbox.key(&old).unwrap().status, "published");
}

// ---- 11. exit codes by outcome -------------------------------------------------------------

#[test]
fn a_lost_create_during_rotation_exits_9_whatever_the_policy() {
    let world = World::with_immediate_revocation();
    for policy in ["keep", "revoke"] {
        let old = world.aged_key(&format!("l-{policy}"), None);
        world
            .sandbox
            .add_fault(fault("POST /v1/secrets/api/keys commit-then-reset times=1"));
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
        assert_eq!(world.sandbox.key(&old).unwrap().status, "published");
    }
}

// ---- 12. keys delete off a terminal without --yes ------------------------------------------

#[test]
fn delete_and_rotate_without_yes_off_a_terminal_send_no_request_at_all() {
    let world = World::with_immediate_revocation();
    let id = world.aged_key("keepme", None);
    world.sandbox.clear_requests();
    world
        .run(&["keys", "delete", &id])
        .code(2)
        .stderr_has("--yes");
    world
        .run(&["keys", "rotate", &id])
        .code(2)
        .stderr_has("--yes");
    world
        .run(&["keys", "rotate", "--due"])
        .code(2)
        .stderr_has("--yes");
    assert!(world.requests().is_empty(), "{:?}", world.requests());
}

// ---- issue 16.14: a secret of an odd shape goes nowhere but the recovery file --------------

#[test]
fn a_secret_with_control_characters_goes_only_to_the_recovery_file() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.key");
    world.sandbox.add_fault(fault(
        r#"POST /v1/secrets/api/keys status=201 times=1 body={"secret":{"id":"secret_ODD","name":"odd","type":"private_key","display_id":"sk_01***","status":"published","created_at":"2026-01-01T00:00:00Z"},"api_key":"sk_01ABC\u001b[31m\nEVIL"}"#,
    ));
    let store = format!("file:{}", path.display());
    let run = world.run_with(
        &[
            "keys", "create", "--name", "odd", "--store", &store, "--store", "stdout",
        ],
        |cmd| {
            cmd.env("GITHUB_ACTIONS", "true");
        },
    );
    run.code(9)
        .stderr_has("unexpected shape")
        .stderr_has("recovery file");
    assert_eq!(run.stdout, "");
    assert!(
        !run.stderr.contains("::add-mask::") && !run.stderr.contains("EVIL"),
        "{}",
        run.stderr
    );
    assert!(!path.exists(), "not written to the file");
    let files = world.recovery_files();
    assert_eq!(files.len(), 1);
    assert_eq!(
        std::fs::read_to_string(&files[0]).unwrap(),
        "sk_01ABC\u{1b}[31m\nEVIL\n"
    );
}

// ---- issue 16.3: an exec: command that times out is stopped with everything it started -----

#[test]
fn a_timed_out_exec_command_is_stopped_with_its_children() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let store = format!(
        "exec:sh -c 'cat > /dev/null; sleep 300 > /dev/null 2>&1 & echo $! > \"$1\"; wait' sh {}",
        pid_file.display()
    );
    let run = world.run(&[
        "--timeout",
        "1",
        "keys",
        "create",
        "--name",
        "stray",
        "--store",
        &store,
    ]);
    run.code(9).stderr_has("did not finish within 1.0s");
    assert_eq!(
        world.recovery_files().len(),
        1,
        "the secret is in the recovery file"
    );
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let pid = pid.trim();
    // SIGKILL takes effect when the process is next scheduled: wait for that, bounded.
    assert!(
        wait_until_gone(pid),
        "the grandchild {pid} outlived the timeout"
    );
}

#[test]
fn a_lost_create_never_revokes_another_key_of_the_same_name() {
    let world = World::with_immediate_revocation();
    let (earlier, earlier_secret) = world.create_key(&["--name", "twin"]);
    let earlier = earlier["id"].as_str().unwrap().to_string();
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys commit-then-reset times=1"));
    let run = world.run(&[
        "keys",
        "create",
        "--name",
        "twin",
        "--on-store-failure",
        "revoke",
    ]);
    run.code(9).stderr_has("orphaned key was revoked");
    let orphan = new_keys(&world, "twin", &[&earlier]);
    assert_eq!(orphan.len(), 1);
    assert_eq!(
        orphan[0].status, "deleted",
        "the create's own key was revoked"
    );
    assert_eq!(world.sandbox.key(&earlier).unwrap().status, "published");
    world.run_as(&earlier_secret, &["whoami", "-q"]).code(0);

    // Without the policy nothing is revoked, and a key that may be someone else's is named as
    // only possibly the create's.
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys commit-then-reset times=1"));
    let run = world.run(&["keys", "create", "--name", "twin"]);
    run.code(9)
        .stderr_has("may have created")
        .stderr_has(&earlier);
    assert_eq!(world.sandbox.key(&earlier).unwrap().status, "published");
}

#[test]
fn a_closed_stdout_under_json_keeps_the_secret_in_a_recovery_file_and_exits_9() {
    let world = World::with_immediate_revocation();
    let old = world.aged_key("pipe", None);
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys hold=create"));
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
    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "{log}");
    let secret = std::fs::read_to_string(&files[0]).unwrap();
    world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
    assert_eq!(
        world.sandbox.key(&old).unwrap().status,
        "published",
        "step 5 failed: the old key stays"
    );
}

#[test]
fn a_lost_publishable_create_is_reported_as_possibly_made() {
    let world = World::with_immediate_revocation();
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys commit-then-reset times=1"));
    let run = world.run(&["keys", "create", "--name", "pub", "--publishable"]);
    run.code(9).stderr_has("never listed");
    assert_eq!(run.stdout, "");
    assert_eq!(world.creates(), 1, "never retried");
}

#[test]
fn ctrl_c_in_a_json_batch_closes_the_array_after_the_rotation_in_flight() {
    let world = World::with_immediate_revocation();
    let olds: Vec<String> = (0..3)
        .map(|i| world.aged_key(&format!("c{i}"), None))
        .collect();
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys hold=create"));
    let mut child = spawn(
        &world,
        &[
            "keys", "rotate", "--due", "--yes", "--store", "stdout", "-o", "json",
        ],
    );
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    // With the secrets in the JSON on stdout, one rotation at a time.
    world.sandbox.wait_held("create", 1);
    signal(&child, libc::SIGINT);
    let log = read_until(&mut stderr, "starting no more rotations");
    world.sandbox.release("create");
    let (code, out, log) = finish_child(child, stderr, log);
    assert_eq!(code, 130, "{log}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("a complete JSON array");
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 1, "{out}");
    assert_eq!(items[0]["old_key_revoked"], true);
    world
        .run_as(items[0]["api_key"].as_str().unwrap(), &["whoami", "-q"])
        .code(0);
    assert_eq!(world.creates(), 1);
    let revoked = olds
        .iter()
        .filter(|id| world.sandbox.key(id).unwrap().status == "deleted")
        .count();
    assert_eq!(revoked, 1);
    assert!(
        log.contains("interrupted: 1 of 3 keys rotated, 0 failed, 2 not started"),
        "{log}"
    );
}

#[test]
fn a_signal_stops_an_exec_command_and_keeps_the_secret_in_the_recovery_file() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let store = format!(
        "exec:sh -c 'cat > /dev/null; sleep 300 > /dev/null 2>&1 & echo $! > \"$1.tmp\"; mv \"$1.tmp\" \"$1\"; wait' sh {}",
        pid_file.display()
    );
    let mut child = spawn(
        &world,
        &["keys", "create", "--name", "stopped", "--store", &store],
    );
    // The command runs (and has started a child of its own) once the PID file appears.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !pid_file.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the exec: command never ran"
        );
        std::thread::yield_now();
    }
    signal(&child, libc::SIGTERM);
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (code, out, log) = finish_child(child, stderr, String::new());
    assert_eq!(code, 143, "{log}");
    assert!(log.contains("was stopped: a signal arrived"), "{log}");
    assert_eq!(out, "");
    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "{log}");
    let secret = std::fs::read_to_string(&files[0]).unwrap();
    world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        wait_until_gone(pid.trim()),
        "the command's child outlived the signal"
    );
}

// ---- issue 16.1: what the server says is scrubbed of every secret we hold ------------------

#[test]
fn a_server_quoting_the_credential_back_cannot_put_it_on_our_output() {
    let world = World::with_immediate_revocation();
    let admin = world.sandbox.admin_key().to_string();
    for (spec, code) in [
        (
            format!(
                r#"GET /v1/users/me status=400 header=X-Request-ID:{admin} body={{"message":"db error for key {admin}","details":{{"key":"{admin}"}}}}"#
            ),
            1,
        ),
        (
            format!("GET /v1/users/me status=400 body=plain text quoting {admin}"),
            1,
        ),
        (
            format!("GET /v1/users/me redirect=http://evil.example/{admin}"),
            1,
        ),
    ] {
        world.sandbox.clear_faults();
        world.sandbox.add_fault(fault(&spec));
        let run = world.run(&["whoami", "--verbose"]);
        // Shown in its display form, like the server's `display_id`.
        run.code(code).stderr_has(&display_form(&admin));
        assert!(!run.stderr.contains(&admin), "{spec}:\n{}", run.stderr);
        let run = world.run(&["whoami", "-o", "json"]);
        assert!(
            !run.stderr.contains(&admin) && !run.stdout.contains(&admin),
            "{spec}"
        );
    }
}
