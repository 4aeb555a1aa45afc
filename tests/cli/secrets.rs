//! Where a new secret goes (`--store`), without the keychain: stdout warnings, files, exec,
//! recovery files and exit 9, GitHub Actions masking, and a canary for leaks.

use crate::harness::{World, is_secret_key, mode};

fn key_named(world: &World, name: &str) -> flexprice_sandbox::KeyRecord {
    world
        .sandbox
        .keys()
        .into_iter()
        .find(|k| k.name == name)
        .unwrap_or_else(|| panic!("no key named {name}"))
}

#[test]
fn bad_store_values_are_usage_errors_naming_the_flag() {
    let world = World::new();
    for bad in ["vault:secret/x", "file:", "exec:", "exec:'unterminated"] {
        let run = world.run(&["keys", "create", "--name", "x", "--store", bad]);
        run.code(2).stderr_has("--store");
    }
    assert!(world.mutating_requests().is_empty());
}

#[test]
fn piped_stdout_is_the_secret_and_one_warning_line() {
    let world = World::new();
    let run = world.run(&["keys", "create", "--name", "piped"]);
    run.code(0);
    let secret = run.stdout.strip_suffix('\n').unwrap();
    assert!(is_secret_key(secret));
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    run.stderr_has("only time the secret is shown");

    let quiet = world.run(&["keys", "create", "--name", "quiet", "-q"]);
    quiet.code(0);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
    assert!(is_secret_key(quiet.stdout.trim_end()));
}

#[test]
fn a_file_destination_is_0600_and_the_secret_is_not_printed() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ci.key");
    let store = format!("file:{}", path.display());
    let run = world.run(&[
        "keys", "create", "--name", "to-file", "--store", &store, "-o", "json",
    ]);
    run.code(0);
    let json = run.json();
    assert!(json.get("api_key").is_none(), "{json}");
    assert_eq!(json["stored_in"][0], format!("file:{}", path.display()));
    assert_eq!(json["key"]["name"], "to-file");

    assert_eq!(mode(&path), 0o600);
    let secret = std::fs::read_to_string(&path).unwrap();
    let secret = secret.strip_suffix('\n').unwrap();
    assert!(is_secret_key(secret));
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    // No temporary files are left beside it (the write was a rename).
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
    world.run_as(secret, &["whoami", "-q"]).code(0);

    // Plain output says where it went, without the secret.
    let plain = world.run(&["keys", "create", "--name", "to-file-2", "--store", &store]);
    plain.code(0).stdout_has("file:").stderr_has("stored in");
    let second = std::fs::read_to_string(&path).unwrap();
    assert_ne!(second.trim_end(), secret, "the file was replaced");
    assert!(!plain.stdout.contains(second.trim_end()));
}

#[test]
fn file_preflight_refuses_symlinks_directories_and_missing_dirs_before_minting() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target");
    std::fs::write(&target, "").unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for (path, why) in [
        (link.clone(), "symbolic link"),
        (dir.path().to_path_buf(), "directory"),
        (dir.path().join("missing/ci.key"), "does not exist"),
    ] {
        let store = format!("file:{}", path.display());
        let run = world.run(&["keys", "create", "--name", "x", "--store", &store]);
        run.code(2)
            .stderr_has("--store")
            .stderr_has(why)
            .stderr_has("no key was created");
    }
    assert!(world.mutating_requests().is_empty());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
}

#[test]
fn exec_gets_the_secret_on_stdin_never_in_argv() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("received");
    let argv = dir.path().join("argv");
    let store = format!(
        "exec:sh -c 'cat > \"$1\"; printf \"%s \" \"$0\" \"$@\" > \"$2\"; printf %s \"$FLEXPRICE_KEY_NAME\" > \"$2.name\"' sh {} {}",
        out.display(),
        argv.display()
    );
    let run = world.run(&[
        "keys", "create", "--name", "to-exec", "--store", &store, "--store", "stdout",
    ]);
    run.code(0);
    let printed = run.stdout.trim_end();
    assert!(is_secret_key(printed), "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), printed);
    assert!(!std::fs::read_to_string(&argv).unwrap().contains(printed));
    let name = std::fs::read_to_string(dir.path().join("argv.name")).unwrap();
    assert_eq!(
        name, "to-exec",
        "the command is told which key the secret belongs to"
    );
}

#[test]
fn a_missing_exec_command_fails_preflight() {
    let world = World::new();
    let run = world.run(&[
        "keys",
        "create",
        "--name",
        "x",
        "--store",
        "exec:no-such-command-xyz",
    ]);
    run.code(2).stderr_has("not found on PATH");
    assert!(world.mutating_requests().is_empty());
}

#[test]
fn a_failed_exec_leaves_a_recovery_file_and_exits_9() {
    let world = World::new();
    let run = world.run(&["keys", "create", "--name", "lost", "--store", "exec:false"]);
    run.code(9)
        .stderr_has("not delivered")
        .stderr_has("recovery")
        .stderr_has("exec:false");
    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = &files[0];
    assert_eq!(mode(file), 0o600);
    assert_eq!(mode(&world.state_dir()), 0o700);
    let key = key_named(&world, "lost");
    assert!(
        file.file_name()
            .unwrap()
            .to_string_lossy()
            .contains(&key.id)
    );
    run.stderr_has(&file.display().to_string());
    let secret = std::fs::read_to_string(file).unwrap();
    let secret = secret.trim_end();
    assert!(is_secret_key(secret));
    assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret));
    assert_eq!(key.status, "published", "kept by default");
    world.run_as(secret, &["whoami", "-q"]).code(0);
}

#[test]
fn a_failed_file_delivery_leaves_a_recovery_file() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().join("k").display());
    let run = world.run_with(
        &["keys", "create", "--name", "f", "--store", &store],
        |cmd| {
            cmd.env("FLEXPRICE_ADMIN_TEST_FAIL_DELIVERY", "file");
        },
    );
    run.code(9).stderr_has("recovery");
    assert_eq!(world.recovery_files().len(), 1);
}

#[test]
fn on_store_failure_revoke_deletes_the_new_key_and_keeps_nothing() {
    let world = World::new();
    let run = world.run(&[
        "keys",
        "create",
        "--name",
        "revoked",
        "--store",
        "exec:false",
        "--on-store-failure",
        "revoke",
    ]);
    run.code(9)
        .stderr_has("was revoked")
        .stderr_has("no recovery file");
    assert_eq!(key_named(&world, "revoked").status, "deleted");
    assert!(world.recovery_files().is_empty());
}

#[test]
fn github_actions_masks_the_secret_first_on_stderr_and_stdout_stays_exact() {
    let world = World::new();
    let run = world.run_with(&["keys", "create", "--name", "ci"], |cmd| {
        cmd.env("GITHUB_ACTIONS", "true");
    });
    run.code(0);
    let secret = run.stdout.strip_suffix('\n').unwrap();
    assert!(
        is_secret_key(secret),
        "captured stdout is exactly the secret"
    );
    assert_eq!(
        run.stderr.lines().next(),
        Some(format!("::add-mask::{secret}").as_str())
    );

    // Both streams merged, as the runner reads them: the mask comes before the secret.
    let script = format!(
        "'{}' keys create --name ci-merged 2>&1",
        crate::harness::bin().display()
    );
    let merged = world.run_with(&[], |cmd| {
        *cmd = assert_cmd::Command::new("sh");
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap())
            .env("HOME", world.home.path())
            .env("XDG_CONFIG_HOME", world.home.path().join("config"))
            .env("XDG_STATE_HOME", world.home.path().join("state"))
            .env("FLEXPRICE_API_URL", world.sandbox.api_url())
            .env("FLEXPRICE_API_KEY", world.sandbox.admin_key())
            .env("GITHUB_ACTIONS", "true")
            .args(["-c", &script]);
    });
    merged.code(0);
    let lines: Vec<&str> = merged.stdout.lines().collect();
    let mask = lines
        .iter()
        .position(|l| l.starts_with("::add-mask::sk_"))
        .expect("mask line");
    let secret = &lines[mask]["::add-mask::".len()..];
    let shown = lines
        .iter()
        .position(|l| *l == secret)
        .expect("secret line");
    assert!(mask < shown, "{lines:?}");
}

#[test]
fn secrets_never_leak_to_stderr_verbose_config_or_request_bodies() {
    let world = World::new();
    let canary = world.sandbox.admin_key().to_string();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    let store = format!("file:{}", path.display());
    let mut secrets = vec![canary.clone()];

    let run = world.run(&["keys", "create", "--name", "a", "--verbose"]);
    run.code(0);
    secrets.push(run.stdout.trim_end().to_string());
    let mut stderrs = vec![run.stderr.clone()];

    let run = world.run(&[
        "keys",
        "create",
        "--name",
        "b",
        "--verbose",
        "--store",
        &store,
        "-o",
        "json",
    ]);
    run.code(0);
    secrets.push(
        std::fs::read_to_string(&path)
            .unwrap()
            .trim_end()
            .to_string(),
    );
    stderrs.push(run.stderr.clone());
    stderrs.push(run.stdout.clone());

    let run = world.run(&[
        "keys",
        "create",
        "--name",
        "c",
        "--verbose",
        "--store",
        "exec:false",
    ]);
    run.code(9);
    let recovered = std::fs::read_to_string(&world.recovery_files()[0]).unwrap();
    secrets.push(recovered.trim_end().to_string());
    stderrs.push(run.stderr.clone());
    stderrs.push(run.stdout.clone());

    let run = world.run(&["keys", "list", "--verbose"]);
    run.code(0);
    stderrs.push(run.stderr.clone());
    stderrs.push(run.stdout.clone());

    let mut config_text = String::new();
    if let Ok(entries) = std::fs::read_dir(world.config_dir()) {
        for entry in entries {
            config_text
                .push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default());
        }
    }
    let logged: Vec<String> = world
        .requests()
        .iter()
        .map(|r| format!("{} {:?} {:?} {}", r.path, r.query, r.headers, r.body))
        .collect();
    assert!(
        world
            .requests()
            .iter()
            .any(|r| r.headers.iter().any(|(n, _)| n == "x-api-key"))
    );
    for secret in &secrets {
        assert!(is_secret_key(secret) || secret == &canary);
        for text in &stderrs {
            assert!(!text.contains(secret.as_str()), "leak in output:\n{text}");
        }
        assert!(!config_text.contains(secret.as_str()));
        for line in &logged {
            assert!(
                !line.contains(secret.as_str()),
                "leak in request log: {line}"
            );
        }
    }
}

#[test]
fn no_keychain_fails_preflight_within_the_timeout_and_mints_nothing() {
    let world = World::new();
    let started = std::time::Instant::now();
    let run = world.run_with(
        &["keys", "create", "--name", "k", "--store", "keychain"],
        |cmd| {
            cmd.env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/flexprice-admin-test-bus",
            );
        },
    );
    run.code(2)
        .stderr_has("--store keychain")
        .stderr_has("keychain is not available")
        .stderr_has("no key was created")
        .stderr_has("--store file:PATH");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(world.mutating_requests().is_empty());
    assert!(world.recovery_files().is_empty());
}

#[test]
fn without_any_credential_the_hint_names_auth_login() {
    let world = World::new();
    let run = world.run_with(&["whoami"], |cmd| {
        cmd.env_remove("FLEXPRICE_API_KEY");
    });
    run.code(3)
        .stderr_has("auth login")
        .stderr_has("keychain could not be read");
}

#[test]
fn a_keychain_that_never_answers_times_out_and_mints_nothing() {
    use std::os::unix::net::UnixListener;
    let world = World::new();
    // A "bus" that accepts connections and never says a word, like a hung keychain daemon.
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("bus");
    let listener = UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    world.write_config("[profiles.default]\nkeychain_timeout = 0.5\n");
    let started = std::time::Instant::now();
    let address = format!("unix:path={}", socket.display());
    let run = world.run_with(
        &["keys", "create", "--name", "k", "--store", "keychain"],
        |cmd| {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", &address);
        },
    );
    run.code(2)
        .stderr_has("did not answer within")
        .stderr_has("keychain_timeout");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(world.mutating_requests().is_empty());
}

#[test]
fn an_unwritable_stdout_keeps_the_secret_in_a_recovery_file() {
    let world = World::new();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let run = crate::harness::finish_std(
        world
            .std_cmd()
            .args(["keys", "create", "--name", "full"])
            .stdout(full),
    );
    run.code(9).stderr_has("stdout").stderr_has("recovery file");
    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let secret = std::fs::read_to_string(&files[0]).unwrap();
    world.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
}

#[test]
fn a_hung_exec_command_is_stopped_at_the_timeout() {
    let world = World::new();
    let started = std::time::Instant::now();
    let run = world.run(&[
        "--timeout",
        "1",
        "keys",
        "create",
        "--name",
        "hung",
        "--store",
        "exec:sleep 30",
    ]);
    run.code(9).stderr_has("did not finish within 1.0s");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(world.recovery_files().len(), 1);
}
