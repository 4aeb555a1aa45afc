//! The shell ecosystem: help for every command (snapshots), help topics, typo suggestions,
//! generated completions and man pages that cannot drift, colour and spinner only on a
//! terminal, quiet exits on a closed pipe, and a clean stop on Ctrl-C during a batch.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flexprice_sandbox::{Fault, SandboxOptions};

use crate::harness::{Run, World, bin, fault, finish, signal, spawn};

const ESC: char = '\u{1b}';
const REGENERATE: &str = "cargo run -q -- generate all --out .";

/// The binary with a cleared environment and no sandbox: help and generate need neither.
fn offline(args: &[&str]) -> Run {
    let home = tempfile::tempdir().expect("temp home");
    let mut cmd = assert_cmd::Command::new(bin());
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("LANG", "C.UTF-8")
        .args(args);
    finish(&mut cmd)
}

/// The subcommands listed under `Commands:` in a help text.
fn listed_subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| line.trim() != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        // A command starts its line after two spaces; deeper lines continue a description.
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .map(|name| name.trim_end_matches(',').to_string())
        .collect()
}

/// Every command path reachable from the root's help, depth first, plus the hidden `generate`.
fn every_command() -> Vec<Vec<String>> {
    let mut found = vec![vec![], vec!["generate".to_string()]];
    let mut queue = vec![Vec::<String>::new()];
    while let Some(path) = queue.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = offline(&args);
        run.code(0);
        for name in listed_subcommands(&run.stdout) {
            // clap's `help` under a group repeats `--help`; the root `help` is ours.
            if name == "help" && !path.is_empty() {
                continue;
            }
            let mut child = path.clone();
            child.push(name);
            found.push(child.clone());
            queue.push(child);
        }
    }
    found.sort();
    found
}

#[test]
fn every_command_has_help_with_examples_matching_its_snapshot() {
    let commands = every_command();
    assert!(
        commands.len() >= 15,
        "the command tree was not discovered: {commands:?}"
    );
    for path in commands {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = offline(&args);
        run.code(0);
        assert!(
            run.stdout.contains("Examples:\n"),
            "`{}` has no examples section:\n{}",
            args.join(" "),
            run.stdout
        );
        let name = if path.is_empty() {
            "help-root".to_string()
        } else {
            format!("help-{}", path.join("-"))
        };
        insta::assert_snapshot!(name, run.stdout);
    }
}

#[test]
fn help_topics_print_the_tables() {
    let run = offline(&["help", "exit-codes"]);
    run.code(0).stdout_has("130  interrupted (Ctrl-C)");
    run.stdout_has("  8  partial failure in a batch");
    let run = offline(&["help", "environment"]);
    run.code(0).stdout_has("FLEXPRICE_API_KEY_FILE");
    run.stdout_has("NO_COLOR");
}

#[test]
fn help_for_a_command_is_its_long_help() {
    let via_help = offline(&["help", "keys", "create"]);
    via_help.code(0);
    let via_flag = offline(&["keys", "create", "--help"]);
    assert_eq!(via_help.stdout, via_flag.stdout);
    let root = offline(&["help"]);
    root.code(0).stdout_has("Exit codes:");
    root.stderr_has("help exit-codes");
    offline(&["help", "nonsense"])
        .code(2)
        .stderr_has("no command or help topic 'nonsense'");
}

#[test]
fn typos_get_suggestions() {
    let run = offline(&["kyes", "list"]);
    run.code(2).stderr_has("'keys'");
    let run = offline(&["keys", "lsit"]);
    run.code(2).stderr_has("'list'");
    let run = offline(&["keys", "list", "--limt", "3"]);
    run.code(2).stderr_has("--limit");
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("dir entry").path())
        .collect();
    files.sort();
    files
}

#[test]
fn committed_completions_and_man_pages_match_the_code() {
    let out = tempfile::tempdir().expect("temp dir");
    let run = offline(&["generate", "all", "--out", out.path().to_str().unwrap()]);
    run.code(0).stderr_has("Wrote ");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for sub in ["completions", "man"] {
        let fresh = files_under(&out.path().join(sub));
        let committed = files_under(&repo.join(sub));
        let names = |files: &[PathBuf]| -> Vec<String> {
            files
                .iter()
                .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            names(&committed),
            names(&fresh),
            "{sub}/ is out of date with the command tree: regenerate with `{REGENERATE}` and commit"
        );
        for (committed, fresh) in committed.iter().zip(&fresh) {
            assert!(
                std::fs::read(committed).unwrap() == std::fs::read(fresh).unwrap(),
                "{} differs from what the code generates: regenerate with `{REGENERATE}` and commit",
                committed.display()
            );
        }
    }
    let expected = [
        "flexprice-admin.bash",
        "_flexprice-admin",
        "flexprice-admin.fish",
        "_flexprice-admin.ps1",
        "flexprice-admin.elv",
    ];
    for name in expected {
        assert!(repo.join("completions").join(name).exists(), "{name}");
    }
    let root = std::fs::read_to_string(repo.join("man/flexprice-admin.1")).unwrap();
    assert!(root.contains(".SH \"EXIT STATUS\""));
    assert!(root.contains(".SH ENVIRONMENT"));
    assert!(repo.join("man/flexprice-admin-keys-create.1").exists());
}

#[test]
fn generate_prints_one_script_or_page_on_stdout() {
    let run = offline(&["generate", "completions", "--shell", "zsh"]);
    run.code(0).stdout_has("#compdef flexprice-admin");
    offline(&["generate", "completions"])
        .code(2)
        .stderr_has("--shell");
    offline(&["generate", "man"]).code(0).stdout_has(".TH");
}

// ---- colour ------------------------------------------------------------------------------

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

// ---- closed pipes ------------------------------------------------------------------------

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

// ---- Ctrl-C during a batch ---------------------------------------------------------------

#[test]
fn ctrl_c_during_a_batch_stops_and_reports_what_was_done() {
    let world = World::new();
    let ids: Vec<String> = (0..40)
        .map(|i| {
            let (key, _) = world.create_key(&["--name", &format!("batch-{i}")]);
            key["id"].as_str().unwrap().to_string()
        })
        .collect();
    // The first revocation goes through; every later one waits at a gate, which opens only
    // once the command has noticed Ctrl-C. So exactly one key is revoked before Ctrl-C, and the
    // ones in flight then (as many as the command says) after it.
    world
        .sandbox
        .add_fault(fault("DELETE /v1/secrets/api/keys/* delay=0ms times=1"));
    world
        .sandbox
        .add_fault(fault("DELETE /v1/secrets/api/keys/* hold=later"));
    let mut args = vec!["keys", "delete", "--yes"];
    args.extend(ids.iter().map(String::as_str));
    let mut child = spawn(&world, &args);
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut log = String::new();
    let mut read_until = |log: &mut String, start: &str| loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).expect("reads stderr") > 0,
            "ended before {start:?}:\n{log}"
        );
        log.push_str(&line);
        if line.starts_with(start) {
            return line;
        }
    };
    read_until(&mut log, "Revoked key");
    world.sandbox.wait_held("later", 1);
    signal(&child, libc::SIGINT);
    let notice = read_until(&mut log, "warning: interrupted (SIGINT):");
    let in_flight: usize = notice
        .split_once("finishing the ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("how many in flight: {notice}"));
    world.sandbox.release("later");
    stderr.read_to_string(&mut log).expect("reads stderr");
    let status = child.wait().expect("exits");
    assert_eq!(status.code(), Some(130), "{log}");
    assert!(log.contains("interrupted (SIGINT):"), "{log}");
    assert!(
        !log.contains("Revoking keys") && !log.contains(ESC),
        "progress bar or colour on a pipe:\n{log}"
    );

    let revoked: Vec<&str> = log
        .lines()
        .filter_map(|l| l.strip_prefix("Revoked key "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let not_revoked: Vec<&str> = log
        .lines()
        .filter_map(|l| l.strip_prefix("warning: not revoked: key "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(in_flight >= 1, "{log}");
    assert_eq!(revoked.len(), 1 + in_flight, "{log}");
    assert_eq!(revoked.len() + not_revoked.len(), ids.len(), "{log}");
    for id in &revoked {
        assert_eq!(world.sandbox.key(id).unwrap().status, "deleted", "{id}");
    }
    for id in &not_revoked {
        assert_eq!(world.sandbox.key(id).unwrap().status, "published", "{id}");
    }
    assert!(
        log.contains(&format!(
            "{} of {} keys revoked, {} not revoked",
            revoked.len(),
            ids.len(),
            not_revoked.len()
        )),
        "{log}"
    );
    assert!(log.contains("keys delete secret_"), "{log}");
}

// ---- receipts and empty lists ------------------------------------------------------------

#[test]
fn empty_lists_say_so_and_suggest_the_next_command() {
    let world = World::new();
    world
        .run(&["keys", "list", "--name", "none"])
        .code(0)
        .stderr_has("No keys found")
        .stderr_has("keys create");
    world
        .run(&["service-accounts", "list"])
        .code(0)
        .stderr_has("No service accounts found")
        .stderr_has("service-accounts create");
}

#[test]
fn writes_confirm_on_stderr_what_they_did() {
    let world = World::new();
    let run = world.run(&[
        "service-accounts",
        "create",
        "--name",
        "receipt-bot",
        "--role",
        "event_reader",
    ]);
    run.code(0).stderr_has("Created service account");
    let run = world.run(&["keys", "create", "--name", "receipt-key"]);
    run.code(0).stderr_has("Created key secret_");
    let run = world.run(&["service-accounts", "rename", "receipt-bot", "receipt-bot-2"]);
    run.code(0).stderr_has("Renamed service account");
    let run = world.run(&["keys", "delete", "receipt-key", "--yes"]);
    run.code(0)
        .stderr_has("Revoked key secret_")
        .stderr_has("(receipt-key)");
    let run = world.run(&["service-accounts", "delete", "receipt-bot-2", "--yes"]);
    run.code(0).stderr_has("Archived service account");
}

#[test]
fn prompts_never_appear_off_a_terminal() {
    let world = World::new();
    world.create_key(&["--name", "kept"]);
    world
        .run(&["keys", "delete", "kept"])
        .code(2)
        .stderr_has("pass --yes");
    world
        .run(&["keys", "create"])
        .code(2)
        .stderr_has("pass --name");
    world.create_key(&["--name", "kept"]);
    world
        .run(&["keys", "delete", "kept", "--yes"])
        .code(2)
        .stderr_has("ambiguous");
    assert!(
        world
            .mutating_requests()
            .iter()
            .all(|r| r.method != "DELETE")
    );
}
