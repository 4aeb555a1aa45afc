//! `keys delete`: revoking by name, ID or a shortened ID, the confirmation on a terminal and
//! `--yes` off one, ambiguous and unknown names, batches with failures and signals, and what a
//! revocation means under Flexprice's two-minute cache.

use std::io::{BufReader, Read};

use jiff::{SignedDuration, Timestamp};

use crate::harness::{
    ESC, REVOCATION_NOTE, World, exit_code, fixed_tenant, fixed_world, pty, read_until, screen,
    signal, signal_at_gate, spawn,
};

#[test]
fn delete_needs_yes_off_a_terminal_and_sends_nothing_without_it() {
    let world = World::new();
    let (key, _) = world.create_key(&["--name", "victim"]);
    let run = world.run(&["keys", "delete", "victim"]);
    run.code(2).stderr_has("--yes");
    assert_eq!(world.status(key["id"].as_str().unwrap()), "published");
    assert_eq!(world.deletes(), 0);
}

#[test]
fn delete_revokes_by_name_and_id_and_reports_each() {
    let world = World::new();
    let (a, secret_a) = world.create_key(&["--name", "first"]);
    let (b, _) = world.create_key(&["--name", "second"]);
    let b_id = b["id"].as_str().unwrap();
    let run = world.run(&["keys", "delete", "first", b_id, "--yes"]);
    run.code(0)
        .stderr_has(&format!(
            "Revoked key {} (first)",
            a["id"].as_str().unwrap()
        ))
        .stderr_has(&format!("Revoked key {b_id} (second)"))
        .stderr_has("up to two minutes");
    for id in [a["id"].as_str().unwrap(), b_id] {
        assert_eq!(world.status(id), "deleted");
    }
    // Never used before the revocation, so not in Flexprice's cache: refused at once (a used one
    // lingers, see a_just_used_key_keeps_working_for_two_minutes_after_keys_delete).
    world.run_as(&secret_a, &["whoami"]).code(3);
}

#[test]
fn delete_of_an_ambiguous_name_lists_candidates_and_revokes_nothing() {
    let world = World::new();
    let (a, _) = world.create_key(&["--name", "twin"]);
    let (b, _) = world.create_key(&["--name", "twin"]);
    let run = world.run(&["keys", "delete", "twin", "--yes"]);
    run.code(2)
        .stderr_has("ambiguous")
        .stderr_has(a["id"].as_str().unwrap())
        .stderr_has(b["id"].as_str().unwrap());
    assert_eq!(world.deletes(), 0);
}

#[test]
fn delete_of_an_unknown_key_is_not_found() {
    let world = World::new();
    world
        .run(&["keys", "delete", "ghost", "--yes"])
        .code(4)
        .stderr_has("keys list");
    world
        .run(&["keys", "delete", "secret_nope", "--yes"])
        .code(2)
        .stderr_has("malformed");
    assert!(world.mutating_requests().is_empty());
}

#[test]
fn a_batch_with_a_failure_exits_8_and_reports_each_key() {
    let world = World::new();
    let (ok, _) = world.create_key(&["--name", "fine"]);
    let (bad, _) = world.create_key(&["--name", "stuck"]);
    let bad_id = bad["id"].as_str().unwrap();
    world.add_fault(&format!("DELETE /v1/secrets/api/keys/{bad_id} status=500"));
    let run = world.run(&["keys", "delete", "fine", "stuck", "--yes"]);
    run.code(8)
        .stderr_has(&format!(
            "Revoked key {} (fine)",
            ok["id"].as_str().unwrap()
        ))
        .stderr_has(&format!("could not revoke key {bad_id} (stuck)"))
        .stderr_has("1 of 2 keys");
    assert_eq!(world.status(ok["id"].as_str().unwrap()), "deleted");
    assert_eq!(world.status(bad_id), "published");
}

#[test]
fn a_delete_is_confirmed_on_a_terminal() {
    let world = World::new();
    let (key, _) = world.create_key(&["--name", "doomed"]);
    let id = key["id"].as_str().unwrap().to_string();

    let mut cmd = world.std_cmd();
    cmd.args(["keys", "delete", "doomed"]);
    let mut session = pty(cmd);
    session
        .exp_string("Revoke key")
        .expect("confirmation shown");
    session.send_line("n").expect("answer no");
    session.exp_string("Nothing revoked").expect("declined");
    session.exp_eof().expect("exits");
    assert_eq!(world.status(&id), "published");

    let mut cmd = world.std_cmd();
    cmd.args(["keys", "delete", "doomed"]);
    let mut session = pty(cmd);
    session
        .exp_string("(doomed, owner Admin)")
        .expect("names the key and its owner by name, not user ID");
    session.send_line("y").expect("answer yes");
    session.exp_string("Revoked key").expect("revoked");
    session.exp_eof().expect("exits");
    assert_eq!(world.status(&id), "deleted");
}

#[test]
fn an_ambiguous_name_offers_a_selection_on_a_terminal() {
    let world = World::new();
    let (first, _) = world.create_key(&["--name", "twin"]);
    let (second, _) = world.create_key(&["--name", "twin"]);
    let first = first["id"].as_str().unwrap().to_string();
    let second = second["id"].as_str().unwrap().to_string();

    let mut cmd = world.std_cmd();
    cmd.env("TERM", "xterm").args(["keys", "delete", "twin"]);
    let mut session = pty(cmd);
    session
        .exp_string("2 keys are named 'twin'; which one?")
        .expect("selection shown");
    // Keys are listed newest first; move to the second entry (the older key) and pick it.
    session.send("j").expect("down");
    session.send("\r").expect("enter");
    session.flush().expect("sends the keys");
    session
        .exp_string(&format!("Revoke key {first}"))
        .expect("confirmation names the chosen key");
    session.send_line("y").expect("answer yes");
    session.exp_string("Revoked key").expect("revoked");
    session.exp_eof().expect("exits");
    assert_eq!(world.status(&first), "deleted");
    assert_eq!(world.status(&second), "published");
}

#[test]
fn no_input_on_a_terminal_refuses_to_prompt_and_names_the_flag() {
    let world = World::new();
    let (key, _) = world.create_key(&["--name", "kept"]);
    let id = key["id"].as_str().unwrap().to_string();

    let mut cmd = world.std_cmd();
    cmd.args(["keys", "delete", "kept", "--no-input"]);
    let mut session = pty(cmd);
    let seen = session
        .exp_eof()
        .expect("exits without waiting for an answer");
    assert!(seen.contains("pass --yes"), "{seen}");
    assert!(!seen.contains("[y/N]"), "{seen}");
    assert_eq!(exit_code(&mut session), 2);
    assert_eq!(world.status(&id), "published");

    let mut cmd = world.std_cmd();
    cmd.args(["keys", "create", "--no-input"]);
    let mut session = pty(cmd);
    let seen = session.exp_eof().expect("exits");
    assert!(seen.contains("pass --name"), "{seen}");
    assert!(!seen.contains("Key name"), "{seen}");
    assert_eq!(exit_code(&mut session), 2);
}

#[test]
fn a_batch_shows_a_progress_bar_on_a_terminal() {
    let world = World::new();
    let ids: Vec<String> = (0..12)
        .map(|i| {
            let (key, _) = world.create_key(&["--name", &format!("bar-{i}")]);
            key["id"].as_str().unwrap().to_string()
        })
        .collect();
    // The revocations wait at a gate until the bar is on screen.
    world.add_fault("DELETE /v1/secrets/api/keys/* hold=revoke");
    let mut cmd = world.std_cmd();
    cmd.env("TERM", "xterm")
        .args(["keys", "delete", "--yes"])
        .args(&ids);
    let mut session = pty(cmd);
    session
        .exp_string("Revoking keys")
        .expect("progress bar on a terminal");
    world.sandbox.release("revoke");
    session.exp_eof().expect("exits");
    assert_eq!(exit_code(&mut session), 0);
    for id in &ids {
        assert_eq!(world.status(id), "deleted");
    }
}

#[test]
fn the_delete_preview_goes_to_stderr_and_stdout_stays_data() {
    let world = World::new();
    let (key, _) = world.create_key(&["--name", "previewed"]);
    let id = key["id"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stdout");
    // The same environment, with stdout alone redirected to a file: stdin and stderr stay the
    // terminal, so the command asks.
    let template = world.std_cmd();
    let mut cmd = std::process::Command::new("sh");
    cmd.env_clear();
    for (name, value) in template.get_envs() {
        if let Some(value) = value {
            cmd.env(name, value);
        }
    }
    cmd.args([
        "-c",
        "exec \"$0\" keys delete previewed -o json > \"$1\"",
        &crate::harness::bin().display().to_string(),
        &out.display().to_string(),
    ]);
    let mut session = pty(cmd);
    session
        .exp_string("previewed")
        .expect("preview on the terminal");
    session.exp_string("Revoke key").expect("question");
    session.send_line("n").expect("answer no");
    session.exp_string("Nothing revoked").expect("declined");
    session.exp_eof().expect("exits");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "",
        "nothing but data on stdout"
    );
    assert_eq!(world.status(&id), "published");
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
        .stderr_has(REVOCATION_NOTE);
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
    world.add_fault("DELETE /v1/secrets/api/keys/* delay=0ms times=1");
    world.add_fault("DELETE /v1/secrets/api/keys/* hold=later");
    let mut args = vec!["keys", "delete", "--yes"];
    args.extend(ids.iter().map(String::as_str));
    let mut child = spawn(&world, &args);
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut log = read_until(&mut stderr, "Revoked key");
    world.sandbox.wait_held("later", 1);
    signal(&child, libc::SIGINT);
    log.push_str(&read_until(&mut stderr, "warning: interrupted (SIGINT):"));
    let notice = log.lines().last().unwrap_or_default().to_string();
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
        assert_eq!(world.status(id), "deleted", "{id}");
    }
    for id in &not_revoked {
        assert_eq!(world.status(id), "published", "{id}");
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
    assert_eq!(world.deletes(), 0);
}

/// A shortened ID, copied from the table, is accepted wherever an ID is; one too short to be
/// unique is refused as ambiguous, listing the whole IDs, and revokes nothing.
#[test]
fn an_id_as_the_table_shortens_it_is_accepted_as_input() {
    let world = fixed_world();
    let table = screen(&world, 80, "keys list");
    let shown = table
        .lines()
        .find(|l| l.contains("ci-json"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    assert!(
        shown.len() < "secret_01JZ0000AA0000000000000001".len(),
        "shortened at 80 columns:\n{table}"
    );
    assert!("secret_01JZ0000AA0000000000000001".starts_with(&shown));

    let ambiguous = fixed_tenant(&world, &["keys", "delete", "secret_01JZ0000A", "--yes"]);
    ambiguous
        .code(2)
        .stderr_has("the IDs of 2 keys start with it")
        .stderr_has("secret_01JZ0000AA0000000000000001")
        .stderr_has("secret_01JZ0000AB0000000000000002");
    assert_eq!(
        world.status("secret_01JZ0000AA0000000000000001"),
        "published"
    );
    fixed_tenant(&world, &["keys", "delete", &shown, "--yes"])
        .code(0)
        .stderr_has("Revoked key secret_01JZ0000AA0000000000000001 (ci-json)");
    assert_eq!(
        world.status("secret_01JZ0000AB0000000000000002"),
        "published"
    );
}

#[test]
fn sigterm_stops_a_delete_batch_with_143() {
    let world = World::with_immediate_revocation();
    let ids = world.aged_keys("d", 12);
    world.add_fault("DELETE /v1/secrets/api/keys/* hold=revoke");
    let mut args = vec!["keys", "delete", "--yes"];
    args.extend(ids.iter().map(String::as_str));
    let child = spawn(&world, &args);
    let (code, _, log) = signal_at_gate(
        &world,
        child,
        ("revoke", 8),
        libc::SIGTERM,
        "starting no more revocations",
    );
    assert_eq!(code, 143, "{log}");
    assert!(
        log.contains("terminated: 8 of 12 keys revoked, 4 not revoked"),
        "{log}"
    );
    let deleted = ids
        .iter()
        .filter(|id| world.status(id) == "deleted")
        .count();
    assert_eq!(deleted, 8);
}

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
