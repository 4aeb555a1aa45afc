//! Hostile input and broken servers (issue 7's matrix). Bad input must exit 2, name the flag and
//! the fix, and send no request at all; a broken server must give a clear error naming the
//! status and what to do, the documented exit code, in bounded time, without a panic.

use std::time::{Duration, Instant};

use flexprice_sandbox::Fault;
use jiff::{SignedDuration, Timestamp, ToSpan, tz::TimeZone};

use crate::harness::{World, fault, mode, walk};

/// Bad input, each case as (arguments, texts the error must contain: the flag or argument at
/// fault; for an unknown word, what clap says about it and the usage it points to). Dates are
/// derived from now, so each case tests the same thing whatever day the suite runs.
fn bad_input() -> Vec<(Vec<String>, Vec<&'static str>)> {
    let now = Timestamp::now();
    let utc = now.to_zoned_datetime(TimeZone::UTC);
    let past = (now - SignedDuration::from_hours(24)).to_string();
    let too_far = utc.checked_add(11.years()).unwrap().timestamp().to_string();
    let no_such_month = format!("{}-13-01T00:00:00Z", utc.year() + 1);
    let in_a_month = (now + SignedDuration::from_hours(24 * 30)).to_string();
    let cases: Vec<(Vec<&str>, Vec<&'static str>)> = vec![
        // durations and dates
        (
            vec!["keys", "create", "--name", "k", "--expires-in", "soon"],
            vec!["--expires-in"],
        ),
        (
            vec!["keys", "create", "--name", "k", "--expires-in", "-1d"],
            vec!["--expires-in"],
        ),
        (
            vec!["keys", "create", "--name", "k", "--expires-in", "0s"],
            vec!["--expires-in"],
        ),
        (
            vec!["keys", "create", "--name", "k", "--expires-in", "500y"],
            vec!["--expires-in"],
        ),
        (
            vec!["keys", "create", "--name", "k", "--expires-in", "90"],
            vec!["--expires-in"],
        ),
        (
            vec!["keys", "create", "--name", "k", "--expires-at", "yesterday"],
            vec!["--expires-at"],
        ),
        (
            vec!["keys", "create", "--name", "k", "--expires-at", &past],
            vec!["--expires-at", "in the past"],
        ),
        (
            vec!["keys", "create", "--name", "k", "--expires-at", &too_far],
            vec!["--expires-at", "years away"],
        ),
        (
            vec![
                "keys",
                "create",
                "--name",
                "k",
                "--expires-at",
                &no_such_month,
            ],
            vec!["--expires-at", "RFC 3339"],
        ),
        (
            vec![
                "keys",
                "create",
                "--name",
                "k",
                "--expires-in",
                "1d",
                "--expires-at",
                &in_a_month,
            ],
            vec!["--expires-at", "cannot be used with"],
        ),
        (
            vec![
                "keys",
                "create",
                "--name",
                "k",
                "--no-expiry",
                "--expires-in",
                "1d",
            ],
            vec!["--no-expiry"],
        ),
        (
            vec!["keys", "rotate", "k", "--expires-in", "never"],
            vec!["--expires-in"],
        ),
        (
            vec!["keys", "audit", "--max-age", "-90d"],
            vec!["--max-age"],
        ),
        (
            vec!["keys", "audit", "--expiring-within", "lots"],
            vec!["--expiring-within"],
        ),
        // names
        (vec!["keys", "create", "--name", ""], vec!["--name"]),
        (vec!["keys", "create", "--name", "   "], vec!["--name"]),
        (
            vec!["keys", "create", "--name", "bad\nname"],
            vec!["--name"],
        ),
        (
            vec!["keys", "create", "--name", "esc\u{1b}[31m"],
            vec!["--name"],
        ),
        (
            vec![
                "service-accounts",
                "create",
                "--name",
                "\t",
                "--role",
                "event_reader",
            ],
            vec!["--name"],
        ),
        (
            vec!["service-accounts", "rename", "bot", ""],
            vec!["NEW_NAME"],
        ),
        (vec!["keys", "list", "--name", "\u{7}"], vec!["--name"]),
        // roles
        (
            vec![
                "service-accounts",
                "create",
                "--name",
                "b",
                "--role",
                "wizard",
            ],
            vec!["--role"],
        ),
        (
            vec![
                "service-accounts",
                "create",
                "--name",
                "b",
                "--role",
                "event_reader",
                "--role",
                "event_reader",
            ],
            vec!["--role"],
        ),
        (
            vec![
                "service-accounts",
                "create",
                "--name",
                "b",
                "--role",
                "super_admin",
                "--role",
                "event_ingestor",
            ],
            vec!["--role"],
        ),
        (
            vec![
                "service-accounts",
                "create",
                "--name",
                "b",
                "--role",
                "all_writer",
            ],
            vec!["--role"],
        ),
        (
            vec![
                "service-accounts",
                "create",
                "--name",
                "b",
                "--role",
                "all_writer",
            ],
            vec!["--role"],
        ),
        (
            vec!["service-accounts", "create", "--name", "b"],
            vec!["--role"],
        ),
        (vec!["roles", "list", "--for", "robot"], vec!["--for"]),
        // IDs
        (
            vec!["keys", "delete", "secret_123", "--yes"],
            vec!["malformed"],
        ),
        (
            vec![
                "keys",
                "delete",
                "secret_01K3ABCDEFGHJKMNPQRSTVWXYI",
                "--yes",
            ],
            vec!["malformed"],
        ),
        (
            vec!["keys", "rotate", "secret_x", "--yes"],
            vec!["malformed"],
        ),
        (
            vec![
                "keys",
                "create",
                "--name",
                "k",
                "--service-account",
                "user_short",
            ],
            vec!["--service-account"],
        ),
        (
            vec!["keys", "list", "--service-account", "user_!!!"],
            vec!["--service-account"],
        ),
        (
            vec!["service-accounts", "delete", "user_0", "--yes"],
            vec!["malformed"],
        ),
        (vec!["keys", "delete"], vec!["ID|NAME"]),
        (vec!["keys", "rotate", "k", "--due"], vec!["--due"]),
        // URLs
        (vec!["--api-url", "not a url", "whoami"], vec!["--api-url"]),
        (
            vec!["--api-url", "ftp://example.com/v1", "whoami"],
            vec!["--api-url"],
        ),
        (
            vec!["--api-url", "http://api.example.com/v1", "whoami"],
            vec!["--allow-insecure-http"],
        ),
        (
            vec!["--api-url", "https://api.example.com/v2", "whoami"],
            vec!["--api-url"],
        ),
        (
            vec![
                "--api-url",
                "https://user:pass@api.example.com/v1",
                "whoami",
            ],
            vec!["--api-url"],
        ),
        (
            vec!["--api-url", "https://api.example.com/v1?x=1", "whoami"],
            vec!["--api-url"],
        ),
        // output formats and other globals
        (vec!["-o", "yaml", "whoami"], vec!["--output"]),
        (vec!["--output", "", "whoami"], vec!["--output"]),
        (vec!["--color", "sometimes", "whoami"], vec!["--color"]),
        (vec!["--timeout", "0", "whoami"], vec!["--timeout"]),
        (vec!["--timeout", "-5", "whoami"], vec!["--timeout"]),
        (vec!["--timeout", "forever", "whoami"], vec!["--timeout"]),
        (vec!["keys", "list", "--limit", "0"], vec!["--limit"]),
        (vec!["keys", "list", "--limit", "many"], vec!["--limit"]),
        // --store destinations
        (
            vec!["keys", "create", "--name", "k", "--store", "ftp://x"],
            vec!["--store"],
        ),
        (
            vec!["keys", "create", "--name", "k", "--store", "file:"],
            vec!["--store"],
        ),
        (
            vec!["keys", "create", "--name", "k", "--store", "exec:"],
            vec!["--store"],
        ),
        (
            vec![
                "keys",
                "create",
                "--name",
                "k",
                "--store",
                "exec:'unterminated",
            ],
            vec!["--store"],
        ),
        (
            vec!["keys", "create", "--name", "k", "--store", "file:/tmp"],
            vec!["--store"],
        ),
        (
            vec![
                "keys",
                "create",
                "--name",
                "k",
                "--store",
                "file:/no/such/dir/k",
            ],
            vec!["--store"],
        ),
        (
            vec![
                "keys",
                "create",
                "--name",
                "k",
                "--store",
                "exec:no-such-program-anywhere",
            ],
            vec!["--store"],
        ),
        (
            vec![
                "keys",
                "create",
                "--name",
                "k",
                "--on-store-failure",
                "shrug",
            ],
            vec!["--on-store-failure"],
        ),
        // profiles
        (vec!["--profile", "nope", "whoami"], vec!["--profile"]),
        // unknown things
        (
            vec!["keys", "explode"],
            vec![
                "unrecognized subcommand 'explode'",
                "Usage: flexprice-admin keys ",
            ],
        ),
        (
            vec!["whoami", "--frobnicate"],
            vec![
                "unexpected argument '--frobnicate'",
                "Usage: flexprice-admin whoami ",
            ],
        ),
    ];
    cases
        .into_iter()
        .map(|(args, needles)| (args.into_iter().map(String::from).collect(), needles))
        .collect()
}

/// How many bad-input cases the matrix holds: pinned, so a case cannot vanish unnoticed.
const BAD_INPUT_CASES: usize = 61;

#[test]
fn bad_input_exits_2_names_the_flag_and_sends_nothing() {
    let world = World::new();
    let cases = bad_input();
    assert_eq!(
        cases.len(),
        BAD_INPUT_CASES,
        "a case was added or lost: update the count"
    );
    // Every case runs and every failing one is reported, not only the first.
    let mut failures = Vec::new();
    for (args, needles) in &cases {
        let run = world.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let mut wrong = Vec::new();
        if run.code != 2 {
            wrong.push(format!("exit {} instead of 2", run.code));
        }
        for needle in needles {
            if !run.stderr.contains(needle) {
                wrong.push(format!("does not name {needle:?}"));
            }
        }
        if run.stderr.contains("panicked") {
            wrong.push("panicked".to_string());
        }
        if !run.stdout.is_empty() {
            wrong.push(format!("printed data {:?}", run.stdout));
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{args:?}: {}
{}",
                wrong.join("; "),
                run.stderr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad-input cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    let sent = world.requests();
    assert!(
        sent.is_empty(),
        "bad input sent requests: {:?}",
        sent.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
}

#[test]
fn an_ambiguous_name_exits_2_and_changes_nothing() {
    let world = World::new();
    world.create_key(&["--name", "same"]);
    world.create_key(&["--name", "same"]);
    world.sandbox.clear_requests();
    for args in [
        &["keys", "delete", "same", "--yes"][..],
        &["keys", "rotate", "same", "--yes"][..],
    ] {
        world
            .run(args)
            .code(2)
            .stderr_has("ambiguous")
            .stderr_has("pass the ID");
    }
    assert!(world.mutating_requests().is_empty());
}

#[test]
fn a_corrupt_config_names_the_file_and_line() {
    let world = World::new();
    world.write_config("[profiles.prod]\napi_url = \"https://x/v1\"\noops =\n");
    let run = world.run(&["whoami"]);
    run.code(2).stderr_has("config.toml is not valid at line 3");
    world.write_config("[profiles.prod]\napi_key = \"sk_x\"\n");
    world
        .run(&["whoami"])
        .code(2)
        .stderr_has("unknown field `api_key`");
    assert!(world.requests().is_empty());
}

/// Runs `args` against a server with `fault`, and checks the outcome is bounded and explained.
fn broken(fault: Fault, args: &[&str], code: i32, needles: &[&str]) {
    let world = World::new();
    world.sandbox.add_fault(fault);
    let started = Instant::now();
    let run = world.run(args);
    let took = started.elapsed();
    run.code(code);
    for needle in needles {
        run.stderr_has(needle);
    }
    assert!(
        run.stderr.contains("hint:"),
        "says what to do:\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(took < Duration::from_secs(15), "{args:?} took {took:?}");
}

#[test]
fn an_html_502_page_is_retried_then_reported() {
    broken(
        fault("/v1/users/me html502"),
        &["whoami"],
        5,
        &["502 Bad Gateway", "HTML page"],
    );
}

#[test]
fn an_empty_500_is_reported_with_its_status() {
    broken(
        fault("/v1/users/me empty500"),
        &["whoami"],
        1,
        &["500 Internal Server Error"],
    );
}

#[test]
fn truncated_json_is_reported() {
    broken(
        fault("/v1/secrets/api/keys truncate"),
        &["keys", "list"],
        1,
        &["cannot read"],
    );
}

#[test]
fn a_200_of_the_wrong_shape_is_reported() {
    broken(
        fault(
            r#"/v1/secrets/api/keys status=200 content-type=application/json body={"keys": "surprise"}"#,
        ),
        &["keys", "list"],
        1,
        &["200", "missing field `items`"],
    );
}

#[test]
fn rate_limiting_is_honoured_then_given_up_with_5() {
    let world = World::new();
    world
        .sandbox
        .add_fault(fault("/v1/users/me status=429 retry-after=1 times=1"));
    let started = Instant::now();
    world.run(&["whoami", "-q"]).code(0);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited for Retry-After: {:?}",
        started.elapsed()
    );
    broken(
        fault("/v1/users/me status=429 retry-after=0"),
        &["whoami"],
        5,
        &["429", "rate limiting"],
    );
}

#[test]
fn a_connection_reset_is_retried_then_reported() {
    broken(
        fault("/v1/users/me reset"),
        &["whoami"],
        5,
        &["no answer from the server"],
    );
}

#[test]
fn a_slow_answer_is_abandoned_at_the_timeout() {
    broken(
        // Never released: the client's own timeout is the only way this run can end.
        fault("/v1/users/me hold=never"),
        &["--timeout", "0.5", "whoami"],
        5,
        &["--timeout"],
    );
}

#[test]
fn a_redirect_to_another_host_gets_no_credentials() {
    let world = World::new();
    let elsewhere = format!(
        "http://localhost:{}/v1/users/me",
        world.sandbox.addr().port()
    );
    world
        .sandbox
        .add_fault(fault(&format!("/v1/users/me redirect={elsewhere} times=1")));
    let run = world.run(&["whoami"]);
    run.code(1).stderr_has("redirected").stderr_has(&elsewhere);
    let followed: Vec<_> = world
        .requests()
        .into_iter()
        .filter(|r| r.header("host").is_some_and(|h| h.starts_with("localhost")))
        .collect();
    assert!(
        followed.is_empty(),
        "the redirect was followed: {followed:?}"
    );
}

#[test]
fn a_huge_body_is_abandoned() {
    broken(
        fault(&format!("/v1/secrets/api/keys huge={}", 40 * 1024 * 1024)),
        &["keys", "list"],
        1,
        &["larger than 32 MiB"],
    );
}

#[test]
fn https_to_a_plain_http_port_is_a_tls_failure() {
    let world = World::new();
    let url = world.sandbox.api_url().replace("http://", "https://");
    let run = world.run(&["--api-url", &url, "whoami"]);
    run.code(5).stderr_has("TLS").stderr_has("plain-http port");
}

#[cfg(unix)]
#[test]
fn a_config_readable_by_others_is_made_private_with_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let world = World::new();
    std::fs::create_dir_all(world.config_dir()).unwrap();
    let path = world.config_dir().join("config.toml");
    std::fs::write(&path, "[profiles.default]\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    world
        .run(&["whoami", "-q"])
        .code(0)
        .stderr_has("accessible to other users (mode 666)");
    assert_eq!(mode(&path), 0o600);
}

/// Issue 7's canary: every command runs with `--verbose` under the canary admin key; neither
/// the canary nor any secret minted along the way may appear on stderr, in error messages, in
/// config or state files (recovery files excepted), in a child's argv, or in panic output.
#[test]
fn no_secret_leaks_from_any_command() {
    let world = World::new();
    world.ignore_keys_without_expiry();
    let canary = world.sandbox.admin_key().to_string();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("file.key");
    let argv_file = dir.path().join("argv");
    // The child records its argv and its whole environment.
    let exec = format!(
        "exec:sh -c 'cat > /dev/null; printf \"%s \" \"$0\" \"$@\" >> \"$1\"; env >> \"$1.env\"' sh {}",
        argv_file.display()
    );
    let store_file = format!("file:{}", key_file.display());
    let keychain_name = crate::secret_service::unique("canary");
    let wrong = format!("{}ZZ", &canary[..27]);

    let mut stderrs = Vec::new();
    let mut stdouts = Vec::new();
    let mut run = |args: &[&str], code: i32| -> String {
        let mut all = args.to_vec();
        all.push("--verbose");
        let run = world.run_keychain(&all);
        assert!(!run.stderr.contains("panicked"), "{all:?}: {}", run.stderr);
        // Each run must end as expected, so the test cannot pass by failing before the code
        // paths it means to check.
        run.code(code);
        stderrs.push(run.stderr);
        stdouts.push(run.stdout.clone());
        run.stdout
    };
    run(&["whoami"], 0);
    let account = run(
        &[
            "service-accounts",
            "create",
            "--name",
            "canary-bot",
            "--role",
            "event_ingestor",
            "-q",
        ],
        0,
    );
    let account = account.trim().to_string();
    run(&["service-accounts", "list"], 0);
    run(&["service-accounts", "rename", &account, "canary-bot-2"], 0);
    let printed = run(&["keys", "create", "--name", "printed"], 0);
    let json = run(
        &[
            "keys",
            "create",
            "--name",
            "json",
            "-o",
            "json",
            "--service-account",
            &account,
        ],
        0,
    );
    run(
        &["keys", "create", "--name", "filed", "--store", &store_file],
        0,
    );
    let executed = run(
        &[
            "keys", "create", "--name", "executed", "--store", &exec, "--store", "stdout",
        ],
        0,
    );
    run(
        &[
            "keys",
            "create",
            "--name",
            &keychain_name,
            "--store",
            "keychain",
        ],
        0,
    );
    let from_keychain = run(&["keychain", "get", &keychain_name], 0);
    run(&["keychain", "list"], 0);
    run(
        &[
            "keys",
            "create",
            "--name",
            "undelivered",
            "--store",
            "exec:false",
        ],
        9,
    );
    run(&["keys", "list"], 0);
    run(&["keys", "audit"], 0);
    let rotated = run(&["keys", "rotate", "json", "--yes"], 0);
    run(&["keys", "rotate", "printed", "--yes", "--dry-run"], 0);
    run(&["keys", "delete", "filed", "--yes"], 0);
    run(&["roles", "list"], 0);
    run(&["roles", "show", "event_reader"], 0);
    run(&["environments", "list"], 0);
    run(&["keychain", "remove", &keychain_name, "--yes"], 0);
    run(
        &[
            "service-accounts",
            "delete",
            &account,
            "--revoke-keys",
            "--yes",
        ],
        0,
    );
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys truncate times=1"));
    // A create whose answer is cut is looked up, not retried: its key is an orphan (exit 9).
    run(&["keys", "create", "--name", "truncated"], 9);
    run(&["auth", "status"], 0);
    // Failures and the admin credential's own commands.
    let denied = world.run_as(&wrong, &["keys", "list", "--verbose"]);
    denied.code(3);
    stderrs.push(denied.stderr);
    let login = world.run_with(&["auth", "login", "--api-key-stdin", "--verbose"], |cmd| {
        cmd.env_remove("FLEXPRICE_API_KEY")
            .env("DBUS_SESSION_BUS_ADDRESS", crate::secret_service::address())
            .write_stdin(format!("{canary}\n"));
    });
    login.code(0);
    stderrs.push(login.stderr);
    let logout = world.run_keychain(&["auth", "logout", "--yes", "--verbose"]);
    logout.code(0);
    stderrs.push(logout.stderr);

    // The admin key as the password of the API URL: refused, and never quoted.
    let in_url = world.run_with(&["keys", "list", "--verbose"], |cmd| {
        cmd.env(
            "FLEXPRICE_API_URL",
            format!("https://ops:{canary}@api.example.com/v1"),
        );
    });
    in_url.code(2);
    stderrs.push(in_url.stderr);
    let in_flag = world.run(&[
        "--api-url",
        &format!("http://ops:{canary}@example.com/v1"),
        "whoami",
    ]);
    in_flag.code(2);
    stderrs.push(in_flag.stderr);

    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut secrets = vec![
        canary.clone(),
        wrong,
        printed.trim().to_string(),
        json["api_key"].as_str().unwrap().to_string(),
        std::fs::read_to_string(&key_file)
            .unwrap()
            .trim()
            .to_string(),
        executed.trim().to_string(),
        from_keychain.trim().to_string(),
        rotated.trim().to_string(),
    ];
    for recovered in world.recovery_files() {
        secrets.push(
            std::fs::read_to_string(recovered)
                .unwrap()
                .trim()
                .to_string(),
        );
    }
    assert_eq!(secrets.len(), 9, "every minted secret was collected");
    assert!(
        secrets
            .iter()
            .skip(2)
            .all(|s| crate::harness::is_secret_key(s)),
        "{secrets:?}"
    );

    let mut files = String::new();
    for root in [world.config_dir(), world.state_dir()] {
        for entry in walk(&root) {
            if entry
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("recovered-"))
            {
                continue;
            }
            files.push_str(&std::fs::read_to_string(&entry).unwrap_or_default());
        }
    }
    let argv = std::fs::read_to_string(&argv_file).unwrap();
    let child_env = std::fs::read_to_string(dir.path().join("argv.env")).unwrap();
    assert!(
        child_env.contains("FLEXPRICE_KEY_NAME=executed"),
        "the child's environment was recorded: {child_env}"
    );
    let logged: Vec<String> = world
        .requests()
        .iter()
        .map(|r| format!("{} {:?} {:?} {}", r.path, r.query, r.headers, r.body))
        .collect();
    for secret in &secrets {
        for stderr in &stderrs {
            assert!(
                !stderr.contains(secret.as_str()),
                "a secret on stderr:\n{stderr}"
            );
        }
        assert!(
            !files.contains(secret.as_str()),
            "a secret in config or state files"
        );
        assert!(
            !argv.contains(secret.as_str()),
            "a secret in a child's argv: {argv}"
        );
        assert!(
            !child_env.contains(secret.as_str()),
            "a secret in a child's environment: {child_env}"
        );
        for line in &logged {
            assert!(
                !line.contains(secret.as_str()),
                "a secret in the request log: {line}"
            );
        }
    }
    assert!(
        stderrs.iter().any(|s| s.contains("> GET")),
        "the runs were verbose"
    );
    assert!(
        stdouts.iter().all(|s| !s.contains(&canary)),
        "the admin key never reaches stdout"
    );
}

/// A key name is chosen by whoever created the key: printed raw, `\x1b[…` and BEL would recolour
/// the operator's terminal, move its cursor or retitle its window.
#[test]
fn names_from_the_server_cannot_inject_terminal_escapes() {
    let world = World::new();
    let evil = "evil\x1b[31mred\x07\u{9b}2J";
    let seeded = world.sandbox.seed_key(flexprice_sandbox::SeedKey {
        name: evil.into(),
        ..flexprice_sandbox::SeedKey::default()
    });
    let clean = |what: &str, text: &str| {
        assert!(
            !text.contains(['\x1b', '\x07', '\u{9b}']),
            "{what} carries a control character: {text:?}"
        );
    };
    for format in ["table", "plain"] {
        let list = world.run(&["keys", "list", "-o", format]);
        list.code(0)
            .stdout_has("evil\u{fffd}[31mred\u{fffd}\u{fffd}2J");
        clean(format, &list.stdout);
        clean(format, &list.stderr);
    }
    // JSON keeps the name exactly as the server has it: serde escapes it, nothing to strip.
    let json = world.run(&["keys", "list", "-o", "json"]).code(0).json();
    assert!(json.as_array().unwrap().iter().any(|k| k["name"] == evil));

    // The name cannot be typed as an argument (control characters are refused), so by ID.
    let delete = world.run(&["keys", "delete", &seeded.id, "--yes"]);
    delete
        .code(0)
        .stderr_has(&format!("Revoked key {}", seeded.id))
        .stderr_has("evil\u{fffd}[31mred");
    clean("the receipt", &delete.stderr);
    clean("the receipt", &delete.stdout);
    assert_eq!(world.sandbox.key(&seeded.id).unwrap().status, "deleted");
}

#[test]
fn a_server_that_overstates_total_does_not_make_us_page_forever() {
    let world = World::new();
    let key = r#"{"id":"secret_01K3ABCDEFGHJKMNPQRSTVWXYZ","name":"only","type":"private_key","display_id":"sk_01***AA","status":"published","created_at":"2026-01-01T00:00:00Z"}"#;
    let body = format!(
        r#"{{"items":[{key}],"pagination":{{"total":1000000000,"limit":1000,"offset":1000}}}}"#
    );
    world.sandbox.add_fault(fault(&format!(
        "GET /v1/secrets/api/keys status=200 content-type=application/json body={body}"
    )));
    let started = Instant::now();
    let run = world.run(&["keys", "list", "-q"]);
    assert_eq!(
        run.code(0).stdout,
        "secret_01K3ABCDEFGHJKMNPQRSTVWXYZ\n",
        "the repeated key is listed once"
    );
    let pages = world
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/secrets/api/keys")
        .count();
    assert!(pages <= 6, "{pages} pages requested");
    assert!(started.elapsed() < Duration::from_secs(10));
}
