//! Through a pseudo-terminal, as an operator sees it: prompts appear and take answers.

use rexpect::session::spawn_command;

use crate::harness::World;

const TIMEOUT_MS: u64 = 20_000;

#[test]
fn a_missing_name_is_prompted_for_on_a_terminal() {
    let world = World::new();
    let mut cmd = world.std_cmd();
    cmd.args(["keys", "create"]);
    let mut session = spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawns in a pty");
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
    let mut session = spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawns in a pty");
    session
        .exp_string("Revoke key")
        .expect("confirmation shown");
    session.send_line("n").expect("answer no");
    session.exp_string("Nothing revoked").expect("declined");
    session.exp_eof().expect("exits");
    assert_eq!(world.sandbox.key(&id).unwrap().status, "published");

    let mut cmd = world.std_cmd();
    cmd.args(["keys", "delete", "doomed"]);
    let mut session = spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawns in a pty");
    session
        .exp_string("(doomed, owner")
        .expect("names the key and its owner");
    session.send_line("y").expect("answer yes");
    session.exp_string("Revoked key").expect("revoked");
    session.exp_eof().expect("exits");
    assert_eq!(world.sandbox.key(&id).unwrap().status, "deleted");
}
