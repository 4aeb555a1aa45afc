//! Through a pseudo-terminal, as an operator sees it: prompts appear and take answers.

use crate::harness::{World, exit_code, fault, pty};

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
    world.run_as(&secret, &["whoami", "-q"]).code(0);
    assert!(
        world
            .sandbox
            .keys()
            .iter()
            .any(|k| k.name == "from-the-prompt")
    );
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
    assert_eq!(world.sandbox.key(&id).unwrap().status, "published");

    let mut cmd = world.std_cmd();
    cmd.args(["keys", "delete", "doomed"]);
    let mut session = pty(cmd);
    session
        .exp_string("(doomed, owner Admin)")
        .expect("names the key and its owner by name, not user ID");
    session.send_line("y").expect("answer yes");
    session.exp_string("Revoked key").expect("revoked");
    session.exp_eof().expect("exits");
    assert_eq!(world.sandbox.key(&id).unwrap().status, "deleted");
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
    assert_eq!(world.sandbox.key(&first).unwrap().status, "deleted");
    assert_eq!(world.sandbox.key(&second).unwrap().status, "published");
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
    assert_eq!(world.sandbox.key(&id).unwrap().status, "published");

    let mut cmd = world.std_cmd();
    cmd.args(["keys", "create", "--no-input"]);
    let mut session = pty(cmd);
    let seen = session.exp_eof().expect("exits");
    assert!(seen.contains("pass --name"), "{seen}");
    assert!(!seen.contains("Key name"), "{seen}");
    assert_eq!(exit_code(&mut session), 2);
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
fn a_batch_shows_a_progress_bar_on_a_terminal() {
    let world = World::new();
    let ids: Vec<String> = (0..12)
        .map(|i| {
            let (key, _) = world.create_key(&["--name", &format!("bar-{i}")]);
            key["id"].as_str().unwrap().to_string()
        })
        .collect();
    // The revocations wait at a gate until the bar is on screen.
    world
        .sandbox
        .add_fault(fault("DELETE /v1/secrets/api/keys/* hold=revoke"));
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
        assert_eq!(world.sandbox.key(id).unwrap().status, "deleted");
    }
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
    world.run_as(&secret, &["whoami", "-q"]).code(0);
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
    assert_eq!(world.sandbox.key(&id).unwrap().status, "published");
}
