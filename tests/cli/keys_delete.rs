//! `keys delete`: revoking by name, ID or a shortened ID, the confirmation on a terminal and
//! `--yes` off one, ambiguous and unknown names, batches with failures and signals, and what a
//! revocation means under Flexprice's two-minute cache.

use std::io::{BufReader, Read};

use jiff::{SignedDuration, Timestamp};

use crate::harness::{
    ESC, World, exit_code, fixed_tenant, fixed_world, pty, read_until, screen, signal,
    signal_at_gate, spawn,
};

/// The IDs of `count` keys minted through the binary, named `prefix-0`, `prefix-1`, …
fn minted_keys(world: &World, prefix: &str, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let (key, _) = world.create_key(&["--name", &format!("{prefix}-{i}")]);
            key["id"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn delete_needs_yes_off_a_terminal_and_sends_nothing_without_it() {
    let world = World::new();
    let (key, _) = world.create_key(&["--name", "victim"]);
    let run = world.run(&["keys", "delete", "victim"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 2
    --- stdout
    --- stderr
    error: refusing to revoke keys without confirmation: nothing was sent
    hint: pass --yes to confirm (prompts are only shown on a terminal without --no-input)
    ");
    assert_eq!(world.status(key["id"].as_str().unwrap()), "published");
    assert_eq!(world.deletes(), 0);
}

/// One key, as each way of naming it and each output format reports it: the receipt on stderr
/// by name and by ID; `-q` prints the revoked key's ID alone, on stdout; `-o json` changes
/// nothing of what a revocation reports.
#[test]
fn delete_of_one_key_by_name_or_id_in_each_format() {
    let world = World::new();
    let ids = ["by-name", "by-id", "quiet", "json"].map(|name| world.aged_key(name, None));
    let named = [
        (ids[0].as_str(), "[BY_NAME]"),
        (ids[1].as_str(), "[BY_ID]"),
        (ids[2].as_str(), "[QUIET]"),
        (ids[3].as_str(), "[JSON]"),
    ];
    let mut shown = String::new();
    for args in [
        &["keys", "delete", "by-name", "--yes"][..],
        &["keys", "delete", &ids[1], "--yes"],
        &["keys", "delete", "quiet", "--yes", "-q"],
        &["keys", "delete", "json", "--yes", "-o", "json"],
    ] {
        shown.push_str(&world.transcript(args, &world.run(args), &named));
    }
    insta::assert_snapshot!(shown, @"
    $ keys delete by-name --yes
    exit 0
    --- stdout
    --- stderr
    Revoked key [BY_NAME] (by-name)
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).

    $ keys delete [BY_ID] --yes
    exit 0
    --- stdout
    --- stderr
    Revoked key [BY_ID] (by-id)
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).

    $ keys delete quiet --yes -q
    exit 0
    --- stdout
    [QUIET]
    --- stderr

    $ keys delete json --yes -o json
    exit 0
    --- stdout
    --- stderr
    Revoked key [JSON] (json)
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
    for id in &ids {
        assert_eq!(world.status(id), "deleted");
    }
}

#[test]
fn delete_revokes_by_name_and_id_and_reports_each() {
    let world = World::new();
    let (a, secret_a) = world.create_key(&["--name", "first"]);
    let (b, _) = world.create_key(&["--name", "second"]);
    let (c, _) = world.create_key(&["--name", "third"]);
    let [a_id, b_id, c_id] = [&a, &b, &c].map(|k| k["id"].as_str().unwrap());
    let run = world.run(&["keys", "delete", "first", b_id, "third", "--yes"]);
    insta::assert_snapshot!(world.shown_batch(&run, &[(a_id, "[FIRST]"), (b_id, "[SECOND]"), (c_id, "[THIRD]")]), @"
    exit 0
    --- stdout
    --- stderr
    Revoked key [FIRST] (first)
    Revoked key [SECOND] (second)
    Revoked key [THIRD] (third)
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
    for id in [a_id, b_id, c_id] {
        assert_eq!(world.status(id), "deleted");
    }
    // Never used before the revocation, so not in Flexprice's cache: refused at once (a used one
    // lingers, see a_just_used_key_keeps_working_for_two_minutes_after_keys_delete).
    world.run_as(&secret_a, &["whoami"]).code(3);
}

#[test]
fn delete_of_an_unknown_key_is_not_found() {
    let world = World::new();
    let mut shown = String::new();
    for args in [
        ["keys", "delete", "ghost", "--yes"],
        ["keys", "delete", "secret_nope", "--yes"],
    ] {
        shown.push_str(&world.transcript(&args, &world.run(&args), &[]));
    }
    insta::assert_snapshot!(shown, @"
    $ keys delete ghost --yes
    exit 4
    --- stdout
    --- stderr
    error: no key with ID or name 'ghost' is visible to this credential
    hint: `flexprice-admin keys list` shows the keys you can see (keys of other environments are not listed)

    $ keys delete secret_nope --yes
    exit 2
    --- stdout
    --- stderr
    error: KEY: 'secret_nope' looks like a key ID but is malformed (secret_ followed by 26 characters of 0-9 and A-Z, or at least the first 8 of them as a table shows it)
    hint: copy the ID from the list command, or pass the key's exact name
    ");
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
    insta::assert_snapshot!(world.shown_batch(&run, &[(ok["id"].as_str().unwrap(), "[FINE]"), (bad_id, "[STUCK]")]), @"
    exit 8
    --- stdout
    --- stderr
    Revoked key [FINE] (fine)
    warning: could not revoke key [STUCK] (stuck): DELETE /v1/secrets/api/keys/[STUCK]: the server answered 500 Internal Server Error: Injected fault (request ID [ULID_1])
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    error: 1 of 2 keys could not be revoked
    hint: the keys reported as revoked are gone; re-run the command for the others
    ");
    assert_eq!(world.status(ok["id"].as_str().unwrap()), "deleted");
    assert_eq!(world.status(bad_id), "published");
}

#[test]
fn a_delete_is_confirmed_on_a_terminal() {
    let world = World::new();
    let (key, _) = world.create_key(&["--name", "doomed"]);
    let id = key["id"].as_str().unwrap().to_string();

    let prompt = ("Revoke key", "confirmation shown");
    answer_delete_doomed(&world, prompt, "n", ("Nothing revoked", "declined"));
    assert_eq!(world.status(&id), "published");

    let prompt = (
        "(doomed, owner Admin)",
        "names the key and its owner by name, not user ID",
    );
    answer_delete_doomed(&world, prompt, "y", ("Revoked key", "revoked"));
    assert_eq!(world.status(&id), "deleted");
}

/// `keys delete doomed` on a terminal: `prompt` is shown (the text, and what it failed to show
/// otherwise), then `answer` is typed and `outcome` shown before the command ends.
fn answer_delete_doomed(world: &World, prompt: (&str, &str), answer: &str, outcome: (&str, &str)) {
    let mut cmd = world.std_cmd();
    cmd.args(["keys", "delete", "doomed"]);
    let mut session = pty(cmd);
    session.exp_string(prompt.0).expect(prompt.1);
    session.send_line(answer).expect("answers");
    session.exp_string(outcome.0).expect(outcome.1);
    session.exp_eof().expect("exits");
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
    let ids = minted_keys(&world, "bar", 12);
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
    let run = world.run(&["keys", "delete", "used", "--yes"]);
    insta::assert_snapshot!(world.shown(&run, &[(key["id"].as_str().unwrap(), "[USED]")]), @"
    exit 0
    --- stdout
    --- stderr
    Revoked key [USED] (used)
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
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

/// An ambiguous name lists the candidates (in the listing's order: newest first) and changes
/// nothing, in `keys delete` and `keys rotate` alike.
#[test]
fn an_ambiguous_name_lists_the_candidates_exits_2_and_changes_nothing() {
    let world = World::new();
    let older = world.aged_key("same", None);
    let newer = world.seed_key("same", None, 1, None).id;
    world.sandbox.clear_requests();
    let named = [(older.as_str(), "[OLDER]"), (newer.as_str(), "[NEWER]")];
    let mut shown = String::new();
    for args in [
        ["keys", "delete", "same", "--yes"],
        ["keys", "rotate", "same", "--yes"],
    ] {
        shown.push_str(&world.transcript(&args, &world.run(&args), &named));
    }
    insta::assert_snapshot!(shown, @"
    $ keys delete same --yes
    exit 2
    --- stdout
    --- stderr
    error: 'same' is ambiguous: 2 keys have that name
    hint: [NEWER]  owner 00000000-0000-0000-0000-000000000000, created [TIME]
    hint: [OLDER]  owner 00000000-0000-0000-0000-000000000000, created [TIME]
    hint: pass the ID instead of the name

    $ keys rotate same --yes
    exit 2
    --- stdout
    --- stderr
    error: 'same' is ambiguous: 2 keys have that name
    hint: [NEWER]  owner 00000000-0000-0000-0000-000000000000, created [TIME]
    hint: [OLDER]  owner 00000000-0000-0000-0000-000000000000, created [TIME]
    hint: pass the ID instead of the name
    ");
    assert!(world.mutating_requests().is_empty());
}

#[test]
fn ctrl_c_during_a_batch_stops_and_reports_what_was_done() {
    let world = World::new();
    let ids = minted_keys(&world, "batch", 40);
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

    let named = [
        ("secret_01JZ0000AA0000000000000001", "[CI_JSON]"),
        ("secret_01JZ0000AB0000000000000002", "[SHORT]"),
    ];
    let ambiguous = ["keys", "delete", "secret_01JZ0000A", "--yes"];
    let mut transcript = world.transcript(&ambiguous, &fixed_tenant(&world, &ambiguous), &named);
    assert_eq!(
        world.status("secret_01JZ0000AA0000000000000001"),
        "published"
    );
    let shortened = ["keys", "delete", &shown, "--yes"];
    transcript.push_str(&world.transcript(&shortened, &fixed_tenant(&world, &shortened), &named));
    insta::assert_snapshot!(transcript, @"
    $ keys delete secret_01JZ0000A --yes
    exit 2
    --- stdout
    --- stderr
    error: 'secret_01JZ0000A' is ambiguous: the IDs of 2 keys start with it
    hint: [CI_JSON]  owner ingest, created [TIME]
    hint: [SHORT]  owner ingest, created [TIME]
    hint: give more of the ID (the whole ID is in `-o plain` and `-o json`)

    $ keys delete secret_01JZ0000AA --yes
    exit 0
    --- stdout
    --- stderr
    Revoked key [CI_JSON] (ci-json)
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    ");
    assert_eq!(world.status("secret_01JZ0000AA0000000000000001"), "deleted");
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
