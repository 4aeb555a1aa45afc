//! The options every command takes: `--output` (table, plain, json, jsonl) on every read
//! command, `--color` and the spinner only on a terminal, a closed stdout, `--api-url` (checked,
//! its password never shown), `--environment`, and `--verbose` (traced, nothing secret in it).

use std::io::Read;

use flexprice_sandbox::{Fault, SandboxOptions};
use serde_json::Value;

use crate::harness::{ESC, World, display_form, exit_code, fault, pty, spawn, walk};

/// A JSON object's documented fields (doc/output.md), each with the JSON types it may take.
type Fields = &'static [(&'static str, &'static str)];

/// The key object of `keys list`: the key object of every command, plus whether the key is
/// orphaned (`keys list` reads the tenant's members).
const LISTED_KEY: Fields = &[
    ("id", "string"),
    ("name", "string"),
    ("display_id", "string"),
    ("type", "string"),
    ("status", "string"),
    ("roles", "array"),
    ("owner_type", "string"),
    ("owner_id", "string"),
    ("owner_name", "string|null"),
    ("created_at", "string"),
    ("expires_at", "string|null"),
    ("expired", "bool"),
    ("orphaned", "bool"),
];
/// A person of `users list`.
const PERSON: Fields = &[
    ("id", "string"),
    ("name", "string|null"),
    ("email", "string|null"),
    ("type", "string"),
    ("roles", "array"),
    ("live_keys", "number|null"),
];
const SERVICE_ACCOUNT: Fields = &[
    ("id", "string"),
    ("name", "string"),
    ("email", "string|null"),
    ("type", "string"),
    ("roles", "array"),
];
const ROLE: Fields = &[
    ("id", "string"),
    ("name", "string"),
    ("description", "string"),
    ("permissions", "object"),
    ("assignable_to", "array"),
];
const ENVIRONMENT: Fields = &[
    ("id", "string"),
    ("name", "string"),
    ("type", "string"),
    ("created_at", "string"),
];
const WHOAMI: Fields = &[
    ("id", "string"),
    ("name", "string"),
    ("email", "string|null"),
    ("type", "string"),
    ("roles", "array"),
    ("permissions", "object"),
    ("commands", "array"),
];

/// What one command prints with `-o json`: an array of objects or one object.
enum Shape {
    ArrayOf(Fields),
    Object(Fields),
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks that `object` has exactly the documented fields, each of a documented type.
#[track_caller]
fn assert_fields(what: &str, object: &Value, fields: Fields) {
    let object = object
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not an object: {object}"));
    let mut names: Vec<&str> = object.keys().map(String::as_str).collect();
    let mut documented: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
    names.sort_unstable();
    documented.sort_unstable();
    assert_eq!(names, documented, "{what}: fields");
    for (name, types) in fields {
        let found = json_type(&object[*name]);
        assert!(
            types.split('|').any(|t| t == found),
            "{what}: {name} is {found}, documented as {types}"
        );
    }
}

#[test]
fn every_read_command_works_in_table_plain_and_json() {
    let world = World::new();
    world.service_account("modes-bot", "event_reader");
    world.create_key(&["--name", "modes", "--service-account", "modes-bot"]);
    let commands: &[(&[&str], &str, Shape)] = &[
        (&["keys", "list"], "ID", Shape::ArrayOf(LISTED_KEY)),
        (&["users", "list"], "ID", Shape::ArrayOf(PERSON)),
        (
            &["service-accounts", "list"],
            "ID",
            Shape::ArrayOf(SERVICE_ACCOUNT),
        ),
        (&["roles", "list"], "ROLE", Shape::ArrayOf(ROLE)),
        (
            &["roles", "show", "super_admin"],
            "FIELD",
            Shape::Object(ROLE),
        ),
        (&["environments", "list"], "ID", Shape::ArrayOf(ENVIRONMENT)),
        (&["whoami"], "FIELD", Shape::Object(WHOAMI)),
    ];
    for (args, header, shape) in commands {
        let mut table_args = args.to_vec();
        table_args.extend(["-o", "table"]);
        let table = world.run(&table_args);
        let first = table
            .code(0)
            .stdout
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(
            first.trim_start().starts_with(header),
            "{args:?} table header: {first:?}"
        );
        assert!(
            !table.stdout.contains('\t'),
            "{args:?} tables are aligned with spaces"
        );

        let plain = world.run(args);
        assert!(
            plain.code(0).stdout.lines().all(|l| l.contains('\t')),
            "{args:?} plain:\n{}",
            plain.stdout
        );
        assert!(
            !plain.stdout.contains(header),
            "{args:?} plain has no header"
        );

        let mut json_args = args.to_vec();
        json_args.extend(["-o", "json"]);
        let json = world.run(&json_args).code(0).json();
        let what = args.join(" ");
        match shape {
            Shape::ArrayOf(fields) => {
                let items = json
                    .as_array()
                    .unwrap_or_else(|| panic!("{what}: not an array: {json}"));
                assert!(!items.is_empty(), "{what}: empty");
                for item in items {
                    assert_fields(&what, item, fields);
                }
            }
            Shape::Object(fields) => assert_fields(&what, &json, fields),
        }
    }
}

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn jsonl_is_json_one_object_a_line() {
    let world = World::new();
    world.ignore_keys_without_expiry();
    let account = world.service_account("ingest-bot", "event_ingestor");
    world.create_key(&["--name", "a", "--service-account", &account]);
    world.create_key(&["--name", "b", "--service-account", &account]);

    for args in [
        &["keys", "list"][..],
        &["service-accounts", "list"][..],
        &["roles", "list"][..],
        &["environments", "list"][..],
    ] {
        let json = world.run(&[args, &["-o", "json"]].concat());
        json.code(0);
        let jsonl = world.run(&[args, &["-o", "jsonl"]].concat());
        jsonl.code(0);
        let whole = json.json();
        assert!(!whole.as_array().unwrap().is_empty(), "{args:?}");
        assert_eq!(
            Value::Array(lines(&jsonl.stdout)),
            whole,
            "{args:?}: the same items, one a line"
        );
    }
    let tenant = world.sandbox.tenant_key().to_string();
    let json = world.run_as(
        &tenant,
        &["keys", "list", "--all-environments", "-o", "json"],
    );
    let jsonl = world.run_as(
        &tenant,
        &["keys", "list", "--all-environments", "-o", "jsonl"],
    );
    assert_eq!(
        Value::Array(lines(&jsonl.code(0).stdout)),
        json.code(0).json()
    );
    // One object: one line.
    let run = world.run(&["whoami", "-o", "jsonl"]);
    run.code(0);
    assert_eq!(run.stdout.lines().count(), 1);
    assert_eq!(lines(&run.stdout)[0]["name"], "Admin");
    // A created key, with its secret, on one line.
    let run = world.run(&["keys", "create", "--name", "c", "-o", "jsonl"]);
    run.code(0);
    let created = lines(&run.stdout);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["key"]["name"], "c");
    assert!(created[0]["api_key"].as_str().unwrap().starts_with("sk_"));
    // Nothing to list: nothing written (a log gains no line), where json writes `[]`.
    let run = world.run(&["keys", "list", "--name", "none", "-o", "jsonl"]);
    run.code(0);
    assert_eq!(run.stdout, "");
    let run = world.run(&["keys", "audit", "-o", "jsonl"]);
    run.code(0);
    assert_eq!(run.stdout, "");
}

#[test]
fn a_terminal_gets_colour_and_a_spinner_for_slow_requests() {
    let world = World::new();
    world.create_key(&["--name", "shown"]);
    let held_list = |gate: &str| fault(&format!("GET /v1/secrets/api/keys hold={gate} times=1"));

    // A request that answers within the spinner's delay shows none. The delay is set to ten
    // minutes, so this holds however slow the machine; the request waits at a gate until the
    // test sees it arrive, so a spinner started too early has time to show.
    world.sandbox.add_fault(held_list("fast"));
    let mut cmd = world.std_cmd();
    cmd.env("TERM", "xterm")
        .env("FLEXPRICE_ADMIN_TEST_SPINNER_DELAY_MS", "600000")
        .args(["keys", "list"]);
    let mut session = pty(cmd);
    world.sandbox.wait_held("fast", 1);
    world.sandbox.release("fast");
    let seen = session.exp_eof().expect("exits");
    assert!(seen.contains("shown"), "{seen}");
    assert!(seen.contains('\u{1b}'), "no colour on a terminal: {seen:?}");
    assert!(
        !seen.contains("Fetching keys"),
        "spinner before its delay: {seen:?}"
    );

    let mut cmd = world.std_cmd();
    cmd.env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .args(["keys", "list"]);
    let mut session = pty(cmd);
    let seen = session.exp_eof().expect("exits");
    assert!(seen.contains("shown"), "{seen}");
    assert!(
        !seen.contains('\u{1b}'),
        "colour despite NO_COLOR: {seen:?}"
    );

    // A request still unanswered after the default delay shows the spinner: the request waits at
    // a gate until the spinner is on screen, then the list follows with the spinner cleared.
    world.sandbox.add_fault(held_list("slow"));
    let mut cmd = world.std_cmd();
    cmd.env("TERM", "xterm").args(["keys", "list"]);
    let mut session = pty(cmd);
    session
        .exp_string("Fetching keys")
        .expect("spinner on a slow request");
    world.sandbox.release("slow");
    let seen = session.exp_eof().expect("exits");
    assert!(seen.contains("shown"), "{seen}");
    assert_eq!(exit_code(&mut session), 0);
}

#[test]
fn a_tenant_key_needs_an_environment_and_says_so() {
    let world = World::new();
    let tenant = world.sandbox.tenant_key().to_string();
    let run = world.run_as(&tenant, &["keys", "list"]);
    run.code(6)
        .stderr_has("Invalid or inaccessible environment")
        .stderr_has("--environment")
        .stderr_has("environments list");
    let env = world.sandbox.sandbox_environment_id().to_string();
    let ok = world.run_as(&tenant, &["--environment", &env, "keys", "list", "-q"]);
    ok.code(0);
    let sent = world
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == "/v1/secrets/api/keys")
        .unwrap();
    assert_eq!(sent.header("x-environment-id"), Some(env.as_str()));
}

#[test]
fn verbose_traces_requests_with_the_credential_redacted() {
    let world = World::new();
    let run = world.run(&["-v", "keys", "list"]);
    run.code(0)
        .stderr_has("> GET http://")
        .stderr_has("x-api-key: sk_")
        .stderr_has("< 200 OK");
    let key = world.sandbox.admin_key();
    assert!(
        !run.stderr.contains(key),
        "verbose output leaks the admin key"
    );
    assert!(run.stderr.contains(&display_form(key)));
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let world = World::new();
    let run = world.run(&["--api-url", "http://api.example.com/v1", "keys", "list"]);
    run.code(2)
        .stderr_has("--api-url")
        .stderr_has("--allow-insecure-http");
    world
        .run(&["--api-url", "https://api.example.com/v2", "keys", "list"])
        .code(2)
        .stderr_has("/v1");
}

#[test]
fn a_wrong_base_path_gets_the_route_hint() {
    let world = World::new();
    let url = world.sandbox.api_url().replace("/v1", "/api/v1");
    let run = world.run(&["--api-url", &url, "whoami"]);
    run.code(4)
        .stderr_has("404 page not found")
        .stderr_has("base URL");
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
    // Another ending than the canary's own (a random key ends in `ZZ` once in 1,024 runs).
    let ending = if canary.ends_with("ZZ") { "YY" } else { "ZZ" };
    let wrong = format!("{}{ending}", &canary[..27]);

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
    world.add_fault("POST /v1/secrets/api/keys truncate times=1");
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

#[test]
fn piped_output_has_no_colour_unless_forced() {
    let world = World::new();
    for args in [
        &["keys", "list"][..],
        &["roles", "list"],
        &["keys", "delete", "nothing-by-this-name", "--yes"],
    ] {
        let run = world.run(args);
        assert!(
            !run.stdout.contains(ESC) && !run.stderr.contains(ESC),
            "{args:?}: escape bytes when piped:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    let run = world.run(&["--color", "always", "keys", "list", "--name", "none"]);
    run.code(0).stderr_has("No keys found");
    assert!(run.stderr.contains(ESC), "no colour with --color always");
    let run = world.run(&["--color", "always", "-o", "table", "roles", "list"]);
    assert!(run.stdout.contains(ESC), "no colour in a forced table");
    let run = world.run(&["--color", "never", "-o", "table", "roles", "list"]);
    assert!(!run.stdout.contains(ESC));
}

#[test]
fn no_spinner_when_piped_even_for_slow_requests() {
    let world = World::new();
    // A spinner delay of zero: on a terminal every request would show one at once.
    let run = world.run_with(&["keys", "list"], |cmd| {
        cmd.env("FLEXPRICE_ADMIN_TEST_SPINNER_DELAY_MS", "0");
    });
    run.code(0);
    assert!(
        !run.stderr.contains("Fetching") && !run.stderr.contains(ESC),
        "{}",
        run.stderr
    );
}

/// Runs the binary with stdout on a pipe that the test closes after reading the first line, like
/// `| head -1`, and returns the exit code and stderr. The command's whole output (`expected`
/// bytes, from a run to the end) must exceed what the pipe holds plus the line read; otherwise
/// it could finish writing before the close and never meet a closed pipe. That is checked here.
fn read_one_line_then_close(world: &World, args: &[&str], expected: usize) -> (i32, String) {
    use std::os::fd::AsRawFd;
    let mut child = spawn(world, args);
    let mut stdout = child.stdout.take().expect("stdout");
    // SAFETY: F_GETPIPE_SZ on a pipe this process owns; it only reads the pipe's capacity.
    let capacity = unsafe { libc::fcntl(stdout.as_raw_fd(), libc::F_GETPIPE_SZ) };
    assert!(capacity > 0, "pipe capacity");
    // Byte by byte, so the test takes nothing from the pipe beyond the first line.
    let mut first = Vec::new();
    let mut byte = [0u8; 1];
    while first.last() != Some(&b'\n') {
        assert_eq!(
            stdout.read(&mut byte).expect("reads"),
            1,
            "{args:?}: no first line"
        );
        first.push(byte[0]);
    }
    drop(stdout);
    assert!(
        expected > capacity as usize + first.len(),
        "{args:?} writes {expected} bytes: not more than the pipe holds ({capacity}) and the line read"
    );
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("reads stderr");
    let status = child.wait().expect("exits");
    (status.code().unwrap_or(-1), stderr)
}

/// Runs the binary with stdout on a pipe whose reader is closed before the command starts, so
/// its first write meets the closed pipe: for outputs smaller than a pipe holds, which would
/// otherwise fit in the pipe before any reader could close it. Returns the exit code and stderr.
fn write_to_a_closed_pipe(world: &World, args: &[&str]) -> (i32, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let run = crate::harness::finish_std(world.std_cmd().args(args).stdout(writer));
    (run.code, run.stderr)
}

/// `count` roles, as a server with many custom roles would list them: enough to fill a pipe.
fn many_roles(count: usize) -> Fault {
    let roles: Vec<serde_json::Value> = (0..count)
        .map(|i| {
            serde_json::json!({
                "id": format!("custom_role_{i:05}"),
                "name": format!("Custom Role {i}"),
                "description": "A role of this tenant's own, listed to fill a pipe",
                "permissions": {"event": ["read", "write"], "customer": ["read"]},
            })
        })
        .collect();
    fault(&format!(
        "GET /v1/rbac/roles status=200 content-type=application/json body={}",
        serde_json::json!({ "roles": roles })
    ))
}

#[test]
fn a_closed_pipe_ends_list_commands_quietly() {
    let world = World::with(SandboxOptions {
        // About 120 KB of keys, 120 KB of accounts and 150 KB of roles: twice a pipe's 64 KiB.
        seed_keys: 1000,
        seed_service_accounts: 2000,
        faults: vec![many_roles(1500)],
        ..SandboxOptions::default()
    });
    for args in [
        &["keys", "list"][..],
        &["keys", "list", "-o", "json"],
        &["roles", "list"],
        &["service-accounts", "list"],
    ] {
        let whole = world.run(args);
        whole.code(0);
        let (code, stderr) = read_one_line_then_close(&world, args, whole.stdout.len());
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn a_closed_pipe_ends_generate_and_help_quietly() {
    let world = World::new();
    let out = tempfile::tempdir().expect("temp dir");
    for args in [
        &["generate", "completions", "--shell", "bash"][..],
        &["generate", "man"],
        &["generate", "all", "--out", out.path().to_str().unwrap()],
        &["help", "environment"],
    ] {
        let whole = world.run(args);
        assert!(
            !whole.code(0).stdout.is_empty(),
            "{args:?} writes to stdout, so its first write meets the closed pipe"
        );
        let (code, stderr) = write_to_a_closed_pipe(&world, args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    }
}

/// Also in the forms a URL parser reads as `https://user:password@host` though they lack the
/// `://` the redaction looked for (`https:\\`, `https:`, `https:/`, a tab the parser drops), and
/// with a `/` in the password, which makes the URL unreadable: each used to be quoted whole in
/// the error, password and all.
#[test]
fn a_password_in_the_api_url_is_never_shown() {
    let world = World::with_immediate_revocation();
    for url in [
        "https://ops:hunter2@api.example.com/v1",
        "http://ops:hunter2@api.example.com/v1",
        "https://ops:hunter2@api.example.com/v2",
        "ftp://ops:hunter2@api.example.com/v1",
        "https:\\\\ops:hunter2@api.example.com/v1",
        "https:ops:hunter2@api.example.com/v1",
        "https:/ops:hunter2@api.example.com/v1",
        "https:/\t/ops:hunter2@api.example.com/v1",
        "https://ops:hunter2/x@api.example.com/v1",
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
