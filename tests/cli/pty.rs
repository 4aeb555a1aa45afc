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
    session.exp_eof().expect("exits");
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
