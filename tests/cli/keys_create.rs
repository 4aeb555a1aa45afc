//! `keys create`: what it prints and sends, the key's lifetime and name, and where its secret
//! goes (`--store` stdout, file, exec, keychain): checked before minting, delivered once,
//! kept in a 0600 recovery file when a destination fails, never leaked; a create whose answer
//! is lost is looked up, never retried.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::harness::{
    PAST_THE_CAP, World, assert_lifetime, display_form, exit_code, finish_child, gone,
    is_secret_key, looked_up_after_the_create, make_fifo, mode, new_keys, pty, says_unread, signal,
    signal_at_gate, spawn, the_recovery_file, wait_until_gone, walk,
};

#[test]
fn create_prints_the_secret_alone_and_warns_on_stderr() {
    let world = World::new();
    let run = world.run(&["keys", "create", "--name", "ci-ingest"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    [SECRET]
    --- stderr
    warning: Created key [KEY_1] (ci-ingest); it expires [TIME] (in 90 days). This is the only time the secret is shown: copy it now into a secret manager; it cannot be retrieved later, and a lost key must be rotated.
    ");
    let secret = run.stdout.strip_suffix('\n').expect("newline-terminated");
    assert!(
        is_secret_key(secret),
        "stdout is exactly the secret: {:?}",
        run.stdout
    );
    assert!(
        !run.stderr.contains(secret),
        "the secret never reaches stderr"
    );

    // The key exists, is owned by the caller, and expires in 90 days (Flexprice's guidance).
    let key = world
        .sandbox
        .keys()
        .into_iter()
        .find(|k| k.name == "ci-ingest")
        .expect("key minted");
    assert_eq!(key.user_id, world.sandbox.admin_user_id());
    let lifetime = key
        .expires_at
        .expect("has an expiry")
        .duration_since(key.created_at);
    assert!(
        (lifetime - SignedDuration::from_hours(90 * 24)).abs() < SignedDuration::from_secs(5),
        "{lifetime:?}"
    );
    // The new secret authenticates.
    world.assert_works(secret);
}

#[test]
fn create_json_has_the_key_object_and_the_secret() {
    let world = World::new();
    let (key, secret) = world.create_key(&["--name", "json-key", "--expires-in", "7d"]);
    assert!(is_secret_key(&secret));
    assert!(key["id"].as_str().unwrap().starts_with("secret_"));
    assert_eq!(key["name"], "json-key");
    assert_eq!(key["type"], "private_key");
    assert_eq!(key["owner_type"], "user");
    assert_eq!(key["expired"], false);
    assert_eq!(key["display_id"].as_str().unwrap(), display_form(&secret));
    assert_lifetime(&key, 7);
}

#[test]
fn create_for_a_service_account_by_name() {
    let world = World::new();
    let account = world.service_account("ingest-bot", "event_ingestor");
    let (key, secret) = world.create_key(&[
        "--name",
        "ci-ingest",
        "--service-account",
        "ingest-bot",
        "--no-expiry",
    ]);
    assert_eq!(key["owner_type"], "service_account");
    assert_eq!(key["owner_id"], account.as_str());
    assert_eq!(key["owner_name"], "ingest-bot");
    assert_eq!(key["roles"], serde_json::json!(["event_ingestor"]));
    assert!(key["expires_at"].is_null());
    let sent = world
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == "/v1/secrets/api/keys")
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"name": "ci-ingest", "type": "private_key", "service_account_id": account})
    );
    // The service account's key authenticates as the service account.
    let me = world.run_as(&secret, &["whoami", "-o", "json"]);
    assert_eq!(me.code(0).json()["type"], "service_account");
}

#[test]
fn create_takes_its_default_lifetime_from_the_profile() {
    let world = World::new();
    world.write_config("[profiles.ci]\ndefault_expiry = \"30d\"\n");
    let run = world.run_line("--profile ci keys create --name short -o json");
    let key = &run.code(0).json()["key"];
    assert_lifetime(key, 30);
}

#[test]
fn create_with_expires_at_sends_that_time() {
    let world = World::new();
    let at = Timestamp::now()
        .checked_add(SignedDuration::from_hours(24 * 10))
        .unwrap();
    let at = Timestamp::from_second(at.as_second()).unwrap().to_string();
    let (key, _) = world.create_key(&["--name", "dated", "--expires-at", &at]);
    assert_eq!(key["expires_at"], at.as_str());
}

#[test]
fn create_refuses_bad_input_before_sending_anything() {
    let world = World::new();
    let cases: &[&[&str]] = &[
        &["keys", "create"],
        &["keys", "create", "--name", ""],
        &["keys", "create", "--name", "  "],
        &["keys", "create", "--name", "x", "--expires-in", "soon"],
        &["keys", "create", "--name", "x", "--expires-in", "-3d"],
        &[
            "keys",
            "create",
            "--name",
            "x",
            "--expires-at",
            "2001-01-01T00:00:00Z",
        ],
        &[
            "keys",
            "create",
            "--name",
            "x",
            "--expires-in",
            "1d",
            "--no-expiry",
        ],
        &[
            "keys",
            "create",
            "--name",
            "x",
            "--service-account",
            "user_123",
        ],
        &["keys", "create", "--name", "x", "-o", "yaml"],
    ];
    let mut shown = String::new();
    for args in cases {
        let run = world.run(args);
        shown.push_str(&world.transcript(args, &run, &[]));
    }
    insta::assert_snapshot!(shown, @"
    $ keys create
    exit 2
    --- stdout
    --- stderr
    error: --name is required
    hint: pass --name NAME (a prompt is shown only on a terminal without --no-input)

    $ keys create --name ''
    exit 2
    --- stdout
    --- stderr
    error: invalid value '' for '--name <NAME>': must not be empty or only spaces

    For more information, try '--help'.

    $ keys create --name '  '
    exit 2
    --- stdout
    --- stderr
    error: invalid value '  ' for '--name <NAME>': must not be empty or only spaces

    For more information, try '--help'.

    $ keys create --name x --expires-in soon
    exit 2
    --- stdout
    --- stderr
    error: invalid value 'soon' for '--expires-in <DURATION>': expected a duration such as 90d, 12h, 2w, 6mo or 1y (units: y, mo, w, d, h, m, s)

    For more information, try '--help'.

    $ keys create --name x --expires-in -3d
    exit 2
    --- stdout
    --- stderr
    error: invalid value '-3d' for '--expires-in <DURATION>': must be positive, e.g. 90d

    For more information, try '--help'.

    $ keys create --name x --expires-at [TIME]
    exit 2
    --- stdout
    --- stderr
    error: invalid value '[TIME]' for '--expires-at <RFC3339>': [TIME] is in the past; a key expiring then could never be used

    For more information, try '--help'.

    $ keys create --name x --expires-in 1d --no-expiry
    exit 2
    --- stdout
    --- stderr
    error: the argument '--expires-in <DURATION>' cannot be used with '--no-expiry'

    Usage: flexprice-admin keys create --name <NAME> --expires-in <DURATION> --api-url <URL>

    For more information, try '--help'.

    $ keys create --name x --service-account user_123
    exit 2
    --- stdout
    --- stderr
    error: --service-account: 'user_123' looks like a service account ID but is malformed (user_ followed by 26 characters of 0-9 and A-Z, or at least the first 8 of them as a table shows it)
    hint: copy the ID from the list command, or pass the service account's exact name

    $ keys create --name x -o yaml
    exit 2
    --- stdout
    --- stderr
    error: invalid value 'yaml' for '--output <FORMAT>'
      [possible values: table, plain, json, jsonl]

    For more information, try '--help'.
    ");
    assert!(
        world.mutating_requests().is_empty(),
        "{:?}",
        world.mutating_requests()
    );
    assert!(
        world.requests().is_empty(),
        "bad input sends no request at all"
    );
}

#[test]
fn dry_run_prints_the_request_and_sends_none() {
    let world = World::new();
    let run = world.run(&["keys", "create", "--name", "planned", "--dry-run"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @r#"
    exit 0
    --- stdout
    POST http://127.0.0.1:[PORT]/v1/secrets/api/keys
    x-api-key: [DISPLAY_ID]
    {"expires_at":"[TIME]","name":"planned","type":"private_key"}

    --- stderr
    Dry run: 1 request not sent.
    "#);
    assert!(
        !run.stdout.contains(world.sandbox.admin_key()),
        "the credential is redacted"
    );
    assert!(world.mutating_requests().is_empty());
    assert!(world.sandbox.keys().iter().all(|k| k.name != "planned"));
}

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
    let mut shown = String::new();
    for bad in ["vault:secret/x", "file:", "exec:", "exec:'unterminated"] {
        let args = ["keys", "create", "--name", "x", "--store", bad];
        let run = world.run(&args);
        shown.push_str(&world.transcript(&args, &run, &[]));
    }
    insta::assert_snapshot!(shown, @r#"
    $ keys create --name x --store vault:secret/x
    exit 2
    --- stdout
    --- stderr
    error: invalid value 'vault:secret/x' for '--store <DEST>': unknown destination 'vault': use stdout, keychain, file:PATH or exec:COMMAND

    For more information, try '--help'.

    $ keys create --name x --store file:
    exit 2
    --- stdout
    --- stderr
    error: invalid value 'file:' for '--store <DEST>': file: needs a path, e.g. file:./ci-ingest.key

    For more information, try '--help'.

    $ keys create --name x --store exec:
    exit 2
    --- stdout
    --- stderr
    error: invalid value 'exec:' for '--store <DEST>': exec: needs a command, e.g. exec:gh secret set FLEXPRICE_API_KEY

    For more information, try '--help'.

    $ keys create --name x --store "exec:'unterminated"
    exit 2
    --- stdout
    --- stderr
    error: invalid value 'exec:'unterminated' for '--store <DEST>': the command has an unterminated quote or a lone backslash

    For more information, try '--help'.
    "#);
    assert!(world.mutating_requests().is_empty());
}

#[test]
fn piped_stdout_is_the_secret_and_one_warning_line() {
    let world = World::new();
    let run = world.run(&["keys", "create", "--name", "piped"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    [SECRET]
    --- stderr
    warning: Created key [KEY_1] (piped); it expires [TIME] (in 90 days). This is the only time the secret is shown: copy it now into a secret manager; it cannot be retrieved later, and a lost key must be rotated.
    ");
    let secret = run.stdout.strip_suffix('\n').unwrap();
    assert!(is_secret_key(secret));

    let quiet = world.run(&["keys", "create", "--name", "quiet", "-q"]);
    insta::assert_snapshot!(world.shown(&quiet, &[]), @"
    exit 0
    --- stdout
    [SECRET]
    --- stderr
    ");
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
    world.assert_works(secret);

    // Plain output says where it went, without the secret.
    let plain = world.run(&["keys", "create", "--name", "to-file-2", "--store", &store]);
    insta::assert_snapshot!(world.shown(&plain, &[]), @"
    exit 0
    --- stdout
    file:[TMP]/ci.key
    --- stderr
    Created key [KEY_1] (to-file-2); it expires [TIME] (in 90 days). Its secret is stored in: file:[TMP]/ci.key (and was not shown).
    ");
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
    let mut shown = String::new();
    let named = [(dir.path().to_str().unwrap(), "[DIR]")];
    for path in [
        link.clone(),
        dir.path().to_path_buf(),
        dir.path().join("missing/ci.key"),
    ] {
        let store = format!("file:{}", path.display());
        let args = ["keys", "create", "--name", "x", "--store", &store];
        let run = world.run(&args);
        shown.push_str(&world.transcript(&args, &run, &named));
    }
    insta::assert_snapshot!(shown, @"
    $ keys create --name x --store file:[DIR]/link
    exit 2
    --- stdout
    --- stderr
    error: --store file:[DIR]/link: the path is a symbolic link; refusing to write a secret through it; no key was created

    $ keys create --name x --store file:[DIR]
    exit 2
    --- stdout
    --- stderr
    error: --store file:[DIR]: the path is a directory; no key was created

    $ keys create --name x --store file:[DIR]/missing/ci.key
    exit 2
    --- stdout
    --- stderr
    error: --store file:[DIR]/missing/ci.key: the directory [DIR]/missing does not exist; no key was created
    ");
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
    let run = world.run_line("keys create --name x --store exec:no-such-command-xyz");
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 2
    --- stdout
    --- stderr
    error: --store exec:no-such-command-xyz: the command 'no-such-command-xyz' was not found on PATH; no key was created
    ");
    assert!(world.mutating_requests().is_empty());
}

#[test]
fn a_failed_exec_leaves_a_recovery_file_and_exits_9() {
    let world = World::new();
    let run = world.run(&["keys", "create", "--name", "lost", "--store", "exec:false"]);
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
    insta::assert_snapshot!(world.shown(&run, &[(file.to_str().unwrap(), "[RECOVERY_FILE]")]), @"
    exit 9
    --- stdout
    --- stderr
    error: creating key [KEY_1]: key [KEY_1] was created but its secret was not delivered (exec:false: 'false' exited with exit status: 1); the secret is in the recovery file [RECOVERY_FILE]
    hint: copy the secret from [RECOVERY_FILE] into its destination, then delete the file (it is readable only by you)
    ");
    let secret = std::fs::read_to_string(file).unwrap();
    let secret = secret.trim_end();
    assert!(is_secret_key(secret));
    assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret));
    assert_eq!(key.status, "published", "kept by default");
    world.assert_works(secret);
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
    let run =
        world.run_line("keys create --name revoked --store exec:false --on-store-failure revoke");
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 9
    --- stdout
    --- stderr
    error: creating key [KEY_1]: the secret of key [KEY_1] could not be delivered (exec:false: 'false' exited with exit status: 1); the key was revoked (--on-store-failure revoke), so no recovery file was needed
    hint: Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
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

    let run = world.run_line("keys create --name c --verbose --store exec:false");
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
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 2
    --- stdout
    --- stderr
    error: --store keychain:default/00000000-0000-0000-0000-000000000000/k: the OS keychain is not available: zbus error: Failed to connect to address `unix:path=/nonexistent/flexprice-admin-test-bus`: No such file or directory (os error 2); no key was created
    hint: on Linux a Secret Service (gnome-keyring, KeePassXC) must run on the D-Bus session bus named by DBUS_SESSION_BUS_ADDRESS, with an unlocked default collection
    hint: or choose another destination, e.g. --store file:PATH (the keychain is never replaced by a plaintext file silently)
    ");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(world.mutating_requests().is_empty());
    assert!(world.recovery_files().is_empty());
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
    let run = world.run_into_a_full_disk(&["keys", "create", "--name", "full"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 9
    --- stdout
    --- stderr
    error: creating key [KEY_1]: key [KEY_1] was created but its secret was not delivered (stdout: No space left on device (os error 28)); the secret is in the recovery file [TMP]/state/flexprice-admin/recovered-[KEY_1]-[TIME].key
    hint: copy the secret from [TMP]/state/flexprice-admin/recovered-[KEY_1]-[TIME].key into its destination, then delete the file (it is readable only by you)
    ");
    let (_, secret) = the_recovery_file(&world, "");
    world.assert_works(secret.trim_end());
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

#[test]
fn a_key_that_lives_no_longer_than_the_expiring_window_is_warned_about() {
    let world = World::new();
    world.ignore_keys_without_expiry();
    let run = world.run_line("keys create --name weekly --expires-in 7d -q");
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    [SECRET]
    --- stderr
    warning: a key that lives 7d is no longer than the expiring window (14d, the default expiring_within): such a key is due for rotation as soon as it exists, so every `keys rotate --due` replaces it; give keys a lifetime longer than 14d (--expires-in, or `flexprice-admin profile set --default-expiry`), or shorten the window (`flexprice-admin profile set --expiring-within`)
    ");
    let id = world
        .run(&["keys", "list", "--name", "weekly", "-q"])
        .stdout
        .trim()
        .to_string();
    let run = world.run(&["keys", "audit", "-q"]);
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[WEEKLY]")]), @"
    exit 10
    --- stdout
    [WEEKLY] (weekly): expires in 7 days
    --- stderr
    warning: key [WEEKLY] (weekly) lives 7d, no longer than the expiring window (14d, the default expiring_within): such a key is due for rotation as soon as it exists, so every `keys rotate --due` replaces it; give keys a lifetime longer than 14d (--expires-in, or `flexprice-admin profile set --default-expiry`), or shorten the window (`flexprice-admin profile set --expiring-within`)
    ");
    // A window shorter than the lifetime: no churn, no warning, and nothing found.
    let run = world.run(&["keys", "audit", "-q", "--expiring-within", "3d"]);
    run.code(0);
    assert_eq!(run.stderr, "");
    let run = world.run_line("keys create --name monthly --expires-in 30d -q");
    run.code(0);
    assert_eq!(run.stderr, "");
}

#[test]
fn a_missing_name_is_prompted_for_on_a_terminal() {
    let world = World::new();
    let mut cmd = world.std_cmd();
    cmd.args(["keys", "create"]);
    let mut session = pty(cmd);
    session.exp_string("Key name").expect("prompt shown");
    session.send_line("from-the-prompt").expect("answer");
    session
        .exp_string("only time the secret is shown")
        .expect("warning shown");
    // The secret alone on its line, then the offer to erase it.
    let (_, secret) = session.exp_regex("sk_[0-9A-Z]{26}").expect("secret shown");
    session
        .exp_string("Press Enter to erase the secret from the screen")
        .expect("erase offered");
    session.send_line("").expect("Enter");
    // Cursor up and clear line, twice: the prompt and the secret are gone from the screen.
    session
        .exp_string("\x1b[1A\x1b[2K\x1b[1A\x1b[2K")
        .expect("erased");
    session.exp_string("Erased the secret").expect("receipt");
    session.exp_eof().expect("exits");
    world.assert_works(&secret);
    assert!(
        world
            .sandbox
            .keys()
            .iter()
            .any(|k| k.name == "from-the-prompt")
    );
}

#[test]
fn ctrl_c_at_the_erase_prompt_exits_130_and_leaves_the_key_delivered() {
    let world = World::new();
    let mut cmd = world.std_cmd();
    cmd.args(["keys", "create", "--name", "prompted"]);
    let mut session = pty(cmd);
    let (_, secret) = session.exp_regex("sk_[0-9A-Z]{26}").expect("secret shown");
    session
        .exp_string("Press Enter to erase the secret from the screen")
        .expect("erase offered");
    session.send_control('c').expect("Ctrl-C");
    let seen = session.exp_eof().expect("exits at Ctrl-C");
    assert!(seen.contains("at the prompt"), "{seen}");
    assert!(!seen.contains("Erased the secret"), "{seen}");
    assert_eq!(exit_code(&mut session), 130);
    world.assert_works(&secret);
}

#[test]
fn keys_create_checks_the_service_account_before_asking_for_a_name() {
    let world = World::new();
    world.service_account("ingest-bot", "event_ingestor");
    let mut cmd = world.std_cmd();
    cmd.args(["keys", "create", "--service-account", "ingest-bto"]);
    let mut session = pty(cmd);
    let before = session
        .exp_string("no service account with ID or name 'ingest-bto'")
        .expect("the typo is reported first");
    assert!(!before.contains("Key name"), "{before}");
    session.exp_eof().expect("exits");
    assert_eq!(exit_code(&mut session), 4);
    assert!(world.sandbox.keys().iter().all(|k| k.name != "ingest-bto"));
}

/// The expiry `keys create --expires-in SPAN --dry-run` would send, with the clock at `now`; or
/// the run, when it was refused.
fn planned_expiry(world: &World, now: &str, span: &str) -> Result<String, crate::harness::Run> {
    let run = world.run_with(
        &[
            "keys",
            "create",
            "--name",
            "k",
            "--expires-in",
            span,
            "--dry-run",
            "-o",
            "json",
        ],
        |cmd| {
            cmd.env("FLEXPRICE_ADMIN_TEST_NOW", now);
        },
    );
    if run.code != 0 {
        return Err(run);
    }
    let plan: Value = run.json();
    Ok(plan[0]["body"]["expires_at"].as_str().unwrap().to_string())
}

#[test]
fn a_lifetime_is_checked_by_the_instant_it_gives_not_its_spelling() {
    let world = World::new();
    // From 2026-11-29, ten years cross three leap days: 10y, 3653d and 9y366d are one instant,
    // and all are accepted; a day more is not.
    let late = "2026-11-29T12:00:00Z";
    for span in ["10y", "3653d", "9y366d", "120mo"] {
        assert_eq!(
            planned_expiry(&world, late, span).map_err(|r| r.stderr),
            Ok("2036-11-29T12:00:00Z".to_string()),
            "{span}"
        );
    }
    // From 2026-01-15 they cross two: 3653d and 9y366d are a day beyond 10y.
    let early = "2026-01-15T00:00:00Z";
    assert_eq!(
        planned_expiry(&world, early, "10y").map_err(|r| r.stderr),
        Ok("2036-01-15T00:00:00Z".to_string())
    );
    for (now, span) in [
        (late, "3654d"),
        (late, "10y1s"),
        (early, "3653d"),
        (early, "9y366d"),
    ] {
        let run = planned_expiry(&world, now, span).expect_err(span);
        run.code(2)
            .stderr_has("--expires-in")
            .stderr_has("must be at most 10 years");
    }
    assert!(world.requests().is_empty());
}

#[test]
fn names_that_look_like_ids_are_refused_before_anything_is_sent() {
    let world = World::new();
    let ulid = "01K3ABCDEFGHJKMNPQRSTVWXYZ";
    let key_id = format!("secret_{ulid}");
    let user_id = format!("user_{ulid}");
    let env_id = format!("env_{ulid}");
    let raw_key = format!("sk_{ulid}");
    let cases: Vec<Vec<&str>> = vec![
        vec!["keys", "create", "--name", &key_id],
        vec!["keys", "create", "--name", "secret_prod"],
        vec!["keys", "create", "--name", &raw_key],
        vec!["keys", "create", "--name", &env_id, "--dry-run"],
        vec![
            "service-accounts",
            "create",
            "--name",
            &user_id,
            "--role",
            "event_reader",
        ],
        vec!["service-accounts", "rename", "bot", &key_id],
    ];
    let mut shown = String::new();
    for args in cases {
        let run = world.run(&args);
        shown.push_str(&world.transcript(&args, &run, &[]));
    }
    insta::assert_snapshot!(shown, @"
    $ keys create --name [KEY_1]
    exit 2
    --- stdout
    --- stderr
    error: invalid value '[KEY_1]' for '--name <NAME>': starts like a key ID (secret_…), so it could not be told from an ID; choose a name such as ci-ingest

    For more information, try '--help'.

    $ keys create --name secret_prod
    exit 2
    --- stdout
    --- stderr
    error: invalid value 'secret_prod' for '--name <NAME>': starts like a key ID (secret_…), so it could not be told from an ID; choose a name such as ci-ingest

    For more information, try '--help'.

    $ keys create --name [SECRET]
    exit 2
    --- stdout
    --- stderr
    error: invalid value '[SECRET]' for '--name <NAME>': has the shape of a Flexprice ID (prefix_ and a 26-character ULID), so it could not be told from an ID; choose a name such as ci-ingest

    For more information, try '--help'.

    $ keys create --name env_01K3ABCDEFGHJKMNPQRSTVWXYZ --dry-run
    exit 2
    --- stdout
    --- stderr
    error: invalid value 'env_01K3ABCDEFGHJKMNPQRSTVWXYZ' for '--name <NAME>': has the shape of a Flexprice ID (prefix_ and a 26-character ULID), so it could not be told from an ID; choose a name such as ci-ingest

    For more information, try '--help'.

    $ service-accounts create --name [USER_1] --role event_reader
    exit 2
    --- stdout
    --- stderr
    error: invalid value '[USER_1]' for '--name <NAME>': starts like a service account ID (user_…), so it could not be told from an ID; choose a name such as ci-ingest

    For more information, try '--help'.

    $ service-accounts rename bot [KEY_1]
    exit 2
    --- stdout
    --- stderr
    error: invalid value '[KEY_1]' for '<NEW_NAME>': starts like a key ID (secret_…), so it could not be told from an ID; choose a name such as ci-ingest

    For more information, try '--help'.
    ");
    assert!(world.requests().is_empty());
    // Names merely near that shape are fine.
    world.create_key(&["--name", "secret-store"]);
    world.create_key(&["--name", "ingest_01K3"]);
}

#[test]
fn names_over_255_characters_are_refused_before_any_request() {
    let world = World::new();
    let long = "é".repeat(256);
    world.service_account("bot", "event_reader");
    world.sandbox.clear_requests();
    for args in [
        vec!["keys", "create", "--name", long.as_str()],
        vec![
            "service-accounts",
            "create",
            "--name",
            long.as_str(),
            "--role",
            "event_reader",
        ],
        vec!["service-accounts", "rename", "bot", long.as_str()],
    ] {
        world
            .run(&args)
            .code(2)
            .stderr_has("must be at most 255 characters");
    }
    assert!(world.requests().is_empty(), "{:?}", world.requests());

    // 255 characters (510 bytes) is what the column holds.
    let fits = "é".repeat(255);
    let (key, _) = world.create_key(&["--name", &fits]);
    assert_eq!(key["name"], fits.as_str());
    world
        .run(&["service-accounts", "rename", "bot", &fits])
        .code(0);
}

#[test]
fn minting_for_a_service_account_needs_a_super_admin_user() {
    let world = World::new();
    world.service_account("root-bot", "super_admin");
    world.service_account("target-bot", "event_reader");
    let (_, secret) = world.create_key(&["--name", "root", "--service-account", "root-bot"]);
    let run = world.run_as(
        &secret,
        &[
            "keys",
            "create",
            "--name",
            "x",
            "--service-account",
            "target-bot",
        ],
    );
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 6
    --- stdout
    --- stderr
    error: creating the key
    caused by: POST /v1/secrets/api/keys: the server answered 403 Forbidden: Ask a tenant super_admin to mint or rotate service-account API keys (request ID [ULID_1])
    hint: this needs the key of a super_admin *user*; a service-account key never qualifies, even one holding super_admin
    ");
    run.code(6)
        .stderr_has("super_admin *user*")
        .stderr_has("service-account key never qualifies");
}

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
    world.assert_works(&secret);
}

/// An `exec:` command that reads `$FLEXPRICE_KEY_OWNER` gets the owner's ID on the caller's own
/// keys too (no --service-account), as `keys rotate` gives it later. `keys create` used to look the
/// owner up only for `{owner}` paths and the keychain, so the command got no owner: the secret
/// went to `DIR/-ci`, and the rotation, which knows the owner, delivered its successor to
/// `DIR/<owner>-ci`, revoking the old key while whoever read `DIR/-ci` still held it.
#[test]
fn an_exec_command_reading_the_owner_gets_it_and_rotations_deliver_to_the_same_place() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let store = format!(
        "exec:sh -c 'cat > \"$0/$FLEXPRICE_KEY_OWNER-$FLEXPRICE_KEY_NAME\"' {}",
        dir.path().display()
    );
    world
        .run(&["keys", "create", "--name", "ci", "--store", &store])
        .code(0);
    let me = world.sandbox.admin_user_id().to_string();
    let file = dir.path().join(format!("{me}-ci"));
    assert_eq!(
        crate::harness::file_names(dir.path()),
        [format!("{me}-ci")],
        "the owner was given"
    );
    let first = crate::harness::read_trimmed(&file);
    world.assert_works(&first);
    world.run(&["keys", "rotate", "ci", "--yes"]).code(0);
    assert_eq!(crate::harness::file_names(dir.path()), [format!("{me}-ci")]);
    let second = crate::harness::read_trimmed(&file);
    assert_ne!(second, first, "the rotation delivered to the same place");
    world.assert_works(&second);
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

#[test]
fn a_signal_while_a_single_create_is_in_flight_finishes_the_hand_over() {
    for (sig, code) in [
        (libc::SIGTERM, 143),
        (libc::SIGINT, 130),
        (libc::SIGHUP, 129),
    ] {
        let world = World::with_immediate_revocation();
        world.add_fault("POST /v1/secrets/api/keys hold=create");
        let child = spawn(&world, &["keys", "create", "--name", "held"]);
        let (got, out, log) = signal_at_gate(&world, child, ("create", 1), sig, "never abandoned");
        assert_eq!(got, code, "{log}");
        let secret = out.trim_end();
        assert!(
            is_secret_key(secret),
            "the secret was delivered: {out:?}\n{log}"
        );
        world.assert_works(secret);
        assert!(world.recovery_files().is_empty());
    }
}

#[test]
fn sigterm_during_a_failing_delivery_leaves_the_recovery_file_and_exits_143() {
    let world = World::with_immediate_revocation();
    world.add_fault("POST /v1/secrets/api/keys hold=create");
    let child = spawn(
        &world,
        &["keys", "create", "--name", "rec", "--store", "exec:false"],
    );
    let (code, out, log) = signal_at_gate(
        &world,
        child,
        ("create", 1),
        libc::SIGTERM,
        "never abandoned",
    );
    assert_eq!(code, 143, "{log}");
    assert!(log.contains("recovery file"), "{log}");
    assert_eq!(out, "");
    let (_, secret) = the_recovery_file(&world, &log);
    world.assert_works(secret.trim_end());
}

#[test]
fn a_lost_create_answer_is_looked_up_never_retried() {
    let world = World::with_immediate_revocation();
    world.add_fault("POST /v1/secrets/api/keys commit-then-reset times=1");
    let run = world.run(&["keys", "create", "--name", "lostc"]);
    let orphan = new_keys(&world, "lostc", &[]);
    assert_eq!(orphan.len(), 1);
    insta::assert_snapshot!(world.shown(&run, &[(&orphan[0].id, "[ORPHAN]")]), @"
    exit 9
    --- stdout
    --- stderr
    error: creating the key: the answer to the create was lost (POST /v1/secrets/api/keys: no answer from the server: the connection was closed before a complete answer arrived); the server may have created [ORPHAN] (keys of this name and owner made in the last two minutes): an orphaned key's secret is unrecoverable; check each before revoking it
    hint: revoke the orphan: `flexprice-admin keys delete [ORPHAN] --yes`, then try again
    ");
    run.code(9)
        .stderr_has(&orphan[0].id)
        .stderr_has(&format!("keys delete {} --yes", orphan[0].id));
    assert_eq!(run.stdout, "");
    assert_eq!(orphan[0].status, "published");
    assert_eq!(world.creates(), 1, "never retried");

    world.add_fault("POST /v1/secrets/api/keys commit-then-reset times=1");
    let run = world.run_line("keys create --name lostr --on-store-failure revoke");
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 9
    --- stdout
    --- stderr
    error: creating the key: the server created [KEY_1] but its answer was lost (POST /v1/secrets/api/keys: no answer from the server: the connection was closed before a complete answer arrived); the orphaned key was revoked (--on-store-failure revoke)
    hint: Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
    run.code(9).stderr_has("orphaned key was revoked");
    let orphan = new_keys(&world, "lostr", &[]);
    assert_eq!(orphan.len(), 1);
    assert_eq!(orphan[0].status, "deleted");

    // A create that was not committed (reset before the server acted) made nothing: exit 5.
    world.add_fault("POST /v1/secrets/api/keys reset times=1");
    let run = world.run(&["keys", "create", "--name", "never"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 5
    --- stdout
    --- stderr
    error: creating the key: POST /v1/secrets/api/keys: no answer from the server: the connection was closed before a complete answer arrived; no key was created
    ");
    run.code(5).stderr_has("no key was created");
    assert!(new_keys(&world, "never", &[]).is_empty());
}

#[test]
fn a_secret_with_control_characters_goes_only_to_the_recovery_file() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.key");
    world.add_fault(r#"POST /v1/secrets/api/keys status=201 times=1 body={"secret":{"id":"secret_ODD","name":"odd","type":"private_key","display_id":"sk_01***","status":"published","created_at":"2026-01-01T00:00:00Z"},"api_key":"sk_01ABC\u001b[31m\nEVIL"}"#);
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
    world.add_fault("POST /v1/secrets/api/keys commit-then-reset times=1");
    let run = world.run_line("keys create --name twin --on-store-failure revoke");
    run.code(9).stderr_has("orphaned key was revoked");
    let orphan = new_keys(&world, "twin", &[&earlier]);
    assert_eq!(orphan.len(), 1);
    assert_eq!(
        orphan[0].status, "deleted",
        "the create's own key was revoked"
    );
    assert_eq!(world.status(&earlier), "published");
    world.assert_works(&earlier_secret);

    // Without the policy nothing is revoked, and a key that may be someone else's is named as
    // only possibly the create's.
    world.add_fault("POST /v1/secrets/api/keys commit-then-reset times=1");
    let run = world.run(&["keys", "create", "--name", "twin"]);
    run.code(9)
        .stderr_has("may have created")
        .stderr_has(&earlier);
    assert_eq!(world.status(&earlier), "published");
}

#[test]
fn a_lost_publishable_create_is_reported_as_possibly_made() {
    let world = World::with_immediate_revocation();
    world.add_fault("POST /v1/secrets/api/keys commit-then-reset times=1");
    let run = world.run(&["keys", "create", "--name", "pub", "--publishable"]);
    run.code(9).stderr_has("never listed");
    assert_eq!(run.stdout, "");
    assert_eq!(world.creates(), 1, "never retried");
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
    let (_, secret) = the_recovery_file(&world, &log);
    world.assert_works(secret.trim_end());
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        wait_until_gone(pid.trim()),
        "the command's child outlived the signal"
    );
}

/// The state directory cannot exist (a regular file stands where it would be), so neither the
/// recovery file written ahead nor one after the failure can be made, and the destination fails:
/// the key must not stay active with its secret nowhere. It is revoked; exit 9.
#[test]
fn no_place_for_a_recovery_file_revokes_the_undelivered_key() {
    let world = World::with_immediate_revocation();
    let state = world.home.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("flexprice-admin"), "not a directory").unwrap();
    let run = world.run_line("keys create --name nowhere --store exec:false");
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
    make_fifo(&fifo);
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

/// `keys create --store exec:PROGRAM` for each program; each must count as a failed delivery.
fn unread_by_exec_is_undelivered(program: &str) {
    let world = World::with_immediate_revocation();
    let account = world.seed_bot();
    let store = format!("exec:{program}");
    let run = world.run(&[
        "keys",
        "create",
        "--name",
        "k",
        "--service-account",
        &account,
        "--store",
        &store,
    ]);
    let (_, secret) = the_recovery_file(&world, &run.stderr);
    let secret = secret.trim_end();
    run.code(9);
    says_unread(&run.stderr, program);
    assert!(is_secret_key(secret), "the recovery file holds a secret");
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    let minted = new_keys(&world, "k", &[]);
    assert_eq!(minted.len(), 1);
    assert_eq!(
        minted[0].status, "published",
        "kept active: its secret waits"
    );
    world.assert_works(secret);
}

/// Fails on main 0e6722f: exit 0, "stored in exec:true", recovery file deleted, key active, its secret nowhere.
#[test]
fn exec_true_did_not_read_the_secret() {
    unread_by_exec_is_undelivered("true");
}

/// Fails on main 0e6722f: exit 0 though the program never read its stdin; no recovery file.
#[test]
fn an_exec_program_that_sleeps_and_exits_0_did_not_read_the_secret() {
    unread_by_exec_is_undelivered("sh -c 'sleep 0.3; exit 0'");
}

/// A program that reads 5 bytes of the 29 and exits 0.
/// Fails on main 0e6722f: exit 0 with 24 of the 29 bytes unread in the pipe; no recovery file.
#[test]
fn an_exec_program_that_reads_part_of_the_secret_did_not_receive_it() {
    unread_by_exec_is_undelivered("dd bs=1 count=5 of=/dev/null status=none");
}

/// The server creates the key and answers 201 with a body past the cap: the key it made is
/// looked up and named as an orphan (exit 9), never retried.
/// Fails on main 0e6722f: exit 1 ("larger than 32 MiB"), no lookup, the orphan never named.
#[test]
fn a_create_answered_201_past_the_body_cap_names_its_orphan() {
    let world = World::with_immediate_revocation();
    world.add_fault(&format!(
        "POST /v1/secrets/api/keys commit-then-huge={PAST_THE_CAP} times=1"
    ));
    let run = world.run(&["keys", "create", "--name", "runaway"]);
    let orphan = new_keys(&world, "runaway", &[]);
    assert_eq!(orphan.len(), 1, "the server made the key");
    assert!(
        looked_up_after_the_create(&world),
        "no lookup after the create: {:?}\n{}",
        world.requests(),
        run.stderr
    );
    run.code(9)
        .stderr_has(&orphan[0].id)
        .stderr_has(&format!("keys delete {} --yes", orphan[0].id));
    assert_eq!(run.stdout, "");
    assert_eq!(orphan[0].status, "published");
    assert_eq!(world.creates(), 1, "never retried");
    assert!(world.recovery_files().is_empty(), "no secret arrived");
}

/// A 2xx whose body runs past the cap, the create not made (`huge=` answers 200 without
/// handling): the lookup finds nothing, so no key was created (the API error's exit, 1).
/// Fails on main 0e6722f: exit 1 as here, but no listing after the create: nothing was looked up.
#[test]
fn a_2xx_create_past_the_body_cap_that_made_nothing_is_looked_up_too() {
    let world = World::with_immediate_revocation();
    world.add_fault(&format!(
        "POST /v1/secrets/api/keys huge={PAST_THE_CAP} times=1"
    ));
    let run = world.run(&["keys", "create", "--name", "nothing"]);
    assert!(
        looked_up_after_the_create(&world),
        "no lookup after the create:\n{}",
        run.stderr
    );
    run.code(1).stderr_has("no key was created");
    assert!(new_keys(&world, "nothing", &[]).is_empty());
    assert_eq!(world.creates(), 1, "never retried");
}

/// A create answered (by a fault, so nothing is made) with `api_key` = `secret` and `id` = `id`.
fn answer_create_with(world: &World, id: &str, secret: &str) {
    let body = serde_json::json!({
        "secret": {
            "id": id,
            "name": "hostile-id",
            "type": "private_key",
            "display_id": display_form(secret),
            "status": "published",
            "created_at": "2026-01-01T00:00:00Z",
        },
        "api_key": secret,
    });
    world.add_fault(&format!(
        "POST /v1/secrets/api/keys status=201 times=1 body={body}"
    ));
}

/// Every file under `root` whose path (below `root`) holds `needle`.
fn paths_holding(root: &Path, needle: &str) -> Vec<PathBuf> {
    walk(root)
        .into_iter()
        .filter(|p| {
            p.strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .contains(needle)
        })
        .collect()
}

/// Servers answering with an ID that holds the new secret (and `/`, `..`): the secret is in no
/// file name under the state directory, on neither stdout nor stderr, and no file lands outside
/// the state directory and the destination. An answer whose `id` is not a key ID is not trusted
/// with a file at all: it counts as a lost answer, so the key it may have made is looked up
/// (a listing after the create); this server made none, so exit 1 says no key was created, and
/// the untrusted secret is nowhere (neither delivered nor in a recovery file).
/// Fails on main 0e6722f: the secret names delivered/secret_sk_….json (and recovered-secret_sk_…-T.key).
#[test]
fn a_key_id_holding_the_secret_names_no_file() {
    // Each ID shape with its own secret; `{}` stands for the secret.
    let cases = [
        ("secret_{}", "sk_01JZ8Q4V7W2X5Y9Z3A6B1C4D7E"),
        ("secret_../../{}", "sk_01JZ8Q4V7W2X5Y9Z3A6B1C4D7F"),
        ("{}/../../x", "sk_01JZ8Q4V7W2X5Y9Z3A6B1C4D7G"),
    ];
    for (shape, secret) in cases {
        let id = &shape.replace("{}", secret);
        for failing in [false, true] {
            let world = World::with_immediate_revocation();
            let dir = tempfile::tempdir().unwrap();
            let dest = dir.path().join("k.key");
            let store = if failing {
                "exec:false".to_string()
            } else {
                format!("file:{}", dest.display())
            };
            answer_create_with(&world, id, secret);
            let run = world.run(&["keys", "create", "--name", "hostile-id", "--store", &store]);
            let case = format!("id {id:?}, --store {store}, exit {}", run.code);
            let ulid = &secret[3..];
            let named = paths_holding(world.home.path(), ulid);
            assert!(
                named.is_empty(),
                "{case}: the secret names {named:?}\n{}",
                run.stderr
            );
            assert!(
                !run.stdout.contains(ulid) && !run.stderr.contains(ulid),
                "{case}: the secret was shown:\n{}{}",
                run.stdout,
                run.stderr
            );
            let home = walk(world.home.path());
            let state = world.state_dir();
            assert!(
                home.iter().all(|p| p.starts_with(&state)),
                "{case}: a file outside the state directory: {home:?}"
            );
            let elsewhere: Vec<PathBuf> = walk(dir.path())
                .into_iter()
                .filter(|p| *p != dest)
                .collect();
            assert!(elsewhere.is_empty(), "{case}: {elsewhere:?}");
            let holding: Vec<&PathBuf> = home
                .iter()
                .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t.trim_end() == secret))
                .collect();
            let delivered = std::fs::read_to_string(&dest).is_ok_and(|t| t.trim_end() == secret);
            assert_eq!(run.code, 1, "{case}:\n{}", run.stderr);
            assert!(
                run.stderr.contains("is not a key ID") && run.stderr.contains("no key was created"),
                "{case}:\n{}",
                run.stderr
            );
            assert!(
                !delivered && holding.is_empty(),
                "{case}: delivered {delivered}, kept in {holding:?}"
            );
            let requests = world.requests();
            let create = requests
                .iter()
                .position(|r| r.method == "POST" && r.path == "/v1/secrets/api/keys")
                .expect("a create");
            assert!(
                requests[create..]
                    .iter()
                    .any(|r| r.method == "GET" && r.path == "/v1/secrets/api/keys"),
                "{case}: looked up after the create"
            );
        }
    }
}

/// `keys create --if-missing` run twice makes one key: the second run mints nothing, exits 0
/// and says which key is there (JSON: the existing key, `"existing": true`, no secret). An
/// expired key of the name does not count, nor does another owner's.
#[test]
fn create_if_missing_run_twice_makes_one_key() {
    let world = World::new();
    let account = world.service_account("ingest", "event_ingestor");
    let args = [
        "keys",
        "create",
        "--name",
        "ci-json",
        "--service-account",
        "ingest",
        "--if-missing",
        "-o",
        "json",
    ];
    let first = world.run(&args);
    first.code(0);
    let first_id = first.json()["key"]["id"].as_str().unwrap().to_string();
    assert!(first.json()["api_key"].is_string());
    let creates = world.creates();
    let second = world.run(&args);
    second.code(0).stderr_has(&format!(
        "Key 'ci-json' already exists ({first_id}); nothing was minted (--if-missing)."
    ));
    assert_eq!(world.creates(), creates, "nothing minted");
    let json = second.json();
    assert_eq!(json["key"]["id"], first_id.as_str());
    assert_eq!(json["existing"], true);
    assert!(json.get("api_key").is_none(), "{json}");
    // The caller's own key of that name is another owner's: minted.
    let mine = world.run_line("keys create --name ci-json --if-missing -o json");
    mine.code(0);
    assert!(mine.json()["api_key"].is_string());
    assert_eq!(world.creates(), creates + 1);
    // An expired key of the name is no longer there.
    world.sandbox.seed_key(flexprice_sandbox::SeedKey {
        name: "stale".into(),
        owner_user_id: Some(account.clone()),
        created_at: Some(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48)),
        expires_at: Some(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1)),
        ..flexprice_sandbox::SeedKey::default()
    });
    world
        .run(&[
            "keys",
            "create",
            "--name",
            "stale",
            "--service-account",
            &account,
            "--if-missing",
        ])
        .code(0)
        .stderr_has("Created key");
}
