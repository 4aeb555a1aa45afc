//! `keys rotate` beyond one key: `--due` under a policy and scope from the command line, and
//! `--all` (incident rotation) with the same safeties, skips and exit codes.

use serde_json::Value;

use crate::harness::{World, fault, is_secret_key, pty};

/// The old key IDs of a rotation's JSON array, in order.
fn rotated(json: &Value) -> Vec<String> {
    json.as_array()
        .unwrap()
        .iter()
        .map(|r| r["old_key"]["id"].as_str().unwrap().to_owned())
        .collect()
}

fn status(world: &World, id: &str) -> String {
    world.sandbox.key(id).unwrap().status
}

#[test]
fn due_takes_the_policy_and_the_scope_from_the_command_line() {
    let world = World::new();
    let bot = world.service_account("ingest-bot", "event_ingestor");
    let other = world.service_account("report-bot", "event_reader");
    let bots_ci = world.seed_key("ci-ingest", Some(&bot), 40, None).id;
    let bots_backfill = world.seed_key("backfill", Some(&bot), 40, None).id;
    let others_ci = world.seed_key("ci-ingest", Some(&other), 40, None).id;

    // Under the built-in 90 days nothing is due.
    let json = world
        .run(&[
            "keys",
            "rotate",
            "--due",
            "--service-account",
            "ingest-bot",
            "--yes",
            "--store",
            "stdout",
            "-o",
            "json",
        ])
        .code(0)
        .json();
    assert_eq!(json, serde_json::json!([]));
    assert_eq!(world.creates(), 0);

    // --max-age 30d, one account, one name: exactly that key.
    let json = world
        .run(&[
            "keys",
            "rotate",
            "--due",
            "--max-age",
            "30d",
            "--service-account",
            "ingest-bot",
            "--name",
            "ci-ingest",
            "--yes",
            "--store",
            "stdout",
            "-o",
            "json",
        ])
        .code(0)
        .json();
    assert_eq!(rotated(&json), [bots_ci.as_str()]);
    assert_eq!(json[0]["old_key_revoked"], true);
    assert_eq!(json[0]["new_key"]["name"], "ci-ingest");
    assert_eq!(status(&world, &bots_ci), "deleted");
    assert_eq!(status(&world, &bots_backfill), "published");
    assert_eq!(status(&world, &others_ci), "published");
    let new_id = json[0]["new_key"]["id"].as_str().unwrap();
    assert_eq!(world.sandbox.key(new_id).unwrap().user_id, bot);

    // --expiring-within: a key expiring in 20 days is due under 30d, not under the default 14d.
    let soon = world.seed_key("soon", Some(&other), 1, Some(20)).id;
    let json = world
        .run(&[
            "keys", "rotate", "--due", "--name", "soon", "--yes", "--store", "stdout", "-o", "json",
        ])
        .code(0)
        .json();
    assert_eq!(json, serde_json::json!([]));
    let json = world
        .run(&[
            "keys",
            "rotate",
            "--due",
            "--expiring-within",
            "30d",
            "--name",
            "soon",
            "--yes",
            "--store",
            "stdout",
            "-o",
            "json",
        ])
        .code(0)
        .json();
    assert_eq!(rotated(&json), [soon.as_str()]);
    assert_eq!(status(&world, &soon), "deleted");
    assert_eq!(status(&world, &others_ci), "published");
}

#[test]
fn scope_and_policy_flags_need_due_or_all_and_are_checked_before_any_request() {
    let world = World::new();
    let key = world.seed_key("lone", None, 1, None).id;
    world.sandbox.clear_requests();
    let refused: &[(&[&str], &str)] = &[
        (
            &["keys", "rotate", "lone", "--max-age", "30d", "--yes"],
            "--max-age applies to `keys rotate --due` only",
        ),
        (
            &["keys", "rotate", "lone", "--expiring-within", "3d", "--yes"],
            "--expiring-within",
        ),
        (
            &[
                "keys",
                "rotate",
                "lone",
                "--service-account",
                "bot",
                "--yes",
            ],
            "--service-account narrows",
        ),
        (
            &["keys", "rotate", "lone", "--name", "lone", "--yes"],
            "--name narrows",
        ),
        (
            &["keys", "rotate", "--all", "--max-age", "30d", "--yes"],
            "whatever its age",
        ),
        (
            &["keys", "rotate", "--all", "lone", "--yes"],
            "cannot be used with",
        ),
        (
            &["keys", "rotate", "--all", "--due", "--yes"],
            "cannot be used with",
        ),
        (
            &["keys", "rotate", "--all", "--keep-old", "--yes"],
            "--keep-old",
        ),
        (
            &[
                "keys",
                "rotate",
                "--all",
                "--service-account",
                "user_123",
                "--yes",
            ],
            "malformed",
        ),
        (&["keys", "rotate", "--all"], "--yes"),
        (
            &["keys", "rotate", "--service-account", "bot", "--yes"],
            "required",
        ),
    ];
    for (args, needle) in refused {
        world.run(args).code(2).stderr_has(needle);
    }
    assert!(world.requests().is_empty(), "{:?}", world.requests());
    assert_eq!(status(&world, &key), "published");
}

#[test]
fn all_rotates_every_live_key_of_the_account_whatever_its_age() {
    let world = World::new();
    let bot = world.service_account("ingest-bot", "event_ingestor");
    let other = world.service_account("report-bot", "event_reader");
    let fresh = world.seed_key("ci-ingest", Some(&bot), 0, Some(60)).id;
    let ancient = world.seed_key("backfill", Some(&bot), 400, None).id;
    let expired = world.seed_key("retired", Some(&bot), 100, Some(-1)).id;
    let others = world.seed_key("ci-ingest", Some(&other), 0, None).id;
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().join("{name}.key").display());

    let run = world.run(&[
        "keys",
        "rotate",
        "--all",
        "--service-account",
        "ingest-bot",
        "--store",
        &store,
        "--yes",
        "-o",
        "json",
    ]);
    let json = run.code(0).json();
    let mut ids = rotated(&json);
    ids.sort();
    let mut expected = vec![fresh.clone(), ancient.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    run.stderr_has(&format!("skipping key {expired} (retired): it expired"));
    for object in json.as_array().unwrap() {
        assert_eq!(object["old_key_revoked"], true);
        assert!(
            object.get("api_key").is_none(),
            "the secret went to the file only"
        );
        let name = object["new_key"]["name"].as_str().unwrap();
        let path = dir.path().join(format!("{name}.key"));
        assert_eq!(object["stored_in"][0], format!("file:{}", path.display()));
        let secret = std::fs::read_to_string(&path).unwrap();
        assert!(is_secret_key(secret.trim()));
        let me = world
            .run_as(secret.trim(), &["whoami", "-o", "json"])
            .code(0)
            .json();
        assert_eq!(me["id"], bot.as_str(), "{me}");
    }
    assert_eq!(status(&world, &fresh), "deleted");
    assert_eq!(status(&world, &ancient), "deleted");
    assert_eq!(
        status(&world, &expired),
        "published",
        "an expired key is skipped"
    );
    assert_eq!(
        status(&world, &others),
        "published",
        "another account's key is out of scope"
    );
    assert_eq!(world.creates(), 2);

    // An account with nothing left to rotate: nothing happens.
    let json = world
        .run(&[
            "keys",
            "rotate",
            "--all",
            "--service-account",
            "report-bot",
            "--name",
            "backfill",
            "--yes",
            "--store",
            "stdout",
            "-o",
            "json",
        ])
        .code(0)
        .json();
    assert_eq!(json, serde_json::json!([]));
    assert_eq!(world.creates(), 2);
}

#[test]
fn all_without_a_scope_skips_what_due_skips() {
    let world = World::new();
    let dana = world
        .sandbox
        .seed_user("Dana", "dana@example.com", &["all_writer"]);
    let theirs = world.seed_key("danas", Some(&dana), 1, None).id;
    let superseded = world.seed_key("twice", None, 10, None).id;
    let newer = world.seed_key("twice", None, 1, None).id;
    let mine = world.seed_key("mine", None, 1, None).id;
    let run = world.run(&[
        "-q", "keys", "rotate", "--all", "--yes", "--store", "stdout", "-o", "json",
    ]);
    let json = run.code(0).json();
    let ids = rotated(&json);
    assert!(ids.contains(&mine) && ids.contains(&newer), "{ids:?}");
    assert!(
        !ids.contains(&theirs) && !ids.contains(&superseded),
        "{ids:?}"
    );
    // Another user's key is a note (silenced by -q); the others stay warnings.
    assert!(!run.stderr.contains(&theirs), "{}", run.stderr);
    run.stderr_has("the credential this command runs with")
        .stderr_has(&format!(
            "skipping key {superseded} (twice): newer key {newer}"
        ));
    world.run(&["whoami", "-q"]).code(0);
    assert_eq!(status(&world, &theirs), "published");
    assert_eq!(status(&world, &superseded), "published");
    assert_eq!(status(&world, &mine), "deleted");
    assert_eq!(status(&world, &newer), "deleted");

    // Without -q the note is there.
    let run = world.run(&["keys", "rotate", "--all", "--name", "danas", "--yes"]);
    run.code(0).stderr_has(&format!(
        "skipping key {theirs} (danas): key {theirs} (danas) belongs to user {dana}"
    ));
}

#[test]
fn a_quiet_due_run_that_only_meets_other_users_keys_prints_nothing() {
    let world = World::new();
    let dana = world
        .sandbox
        .seed_user("Dana", "dana@example.com", &["all_writer"]);
    let theirs = world.seed_key("danas", Some(&dana), 200, None).id;
    let run = world.run(&[
        "--no-input",
        "-q",
        "keys",
        "rotate",
        "--due",
        "--yes",
        "--store",
        "stdout",
        "-o",
        "jsonl",
    ]);
    run.code(0);
    assert_eq!(run.stderr, "");
    assert_eq!(run.stdout, "");
    assert_eq!(status(&world, &theirs), "published");
}

#[test]
fn all_with_a_failure_exits_8_and_says_to_rotate_the_rest_one_by_one() {
    let world = World::new();
    let bot = world.service_account("ingest-bot", "event_ingestor");
    let good = world.seed_key("good", Some(&bot), 1, None).id;
    let bad = world.seed_key("bad", Some(&bot), 1, None).id;
    world.sandbox.add_fault(fault(&format!(
        "DELETE /v1/secrets/api/keys/{bad} status=500"
    )));
    let run = world.run(&[
        "keys",
        "rotate",
        "--all",
        "--service-account",
        &bot,
        "--yes",
        "--store",
        "stdout",
    ]);
    run.code(8)
        .stderr_has(&format!("could not rotate key {bad}"))
        .stderr_has("1 of 2 keys could not be rotated")
        .stderr_has("`flexprice-admin keys rotate ID`")
        .stderr_has("running --all again would also rotate the new keys");
    assert_eq!(status(&world, &good), "deleted");
    assert_eq!(
        status(&world, &bad),
        "published",
        "step 6 failed: the old key stays"
    );
    assert_eq!(
        run.stdout.lines().count(),
        2,
        "both new secrets were delivered"
    );
}

#[test]
fn all_asks_on_a_terminal_naming_the_count_and_the_account() {
    let world = World::new();
    let bot = world.service_account("ingest-bot", "event_ingestor");
    let keys: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|n| world.seed_key(n, Some(&bot), 1, None).id)
        .collect();

    let mut cmd = world.std_cmd();
    cmd.args(["keys", "rotate", "--all", "--service-account", "ingest-bot"]);
    let mut session = pty(cmd);
    session
        .exp_string("Rotate all 3 keys of service account ingest-bot?")
        .expect("confirmation names the count");
    session.send_line("n").expect("answer no");
    session.exp_string("Nothing rotated").expect("declined");
    session.exp_eof().expect("exits");
    assert_eq!(world.creates(), 0);
    assert!(keys.iter().all(|k| status(&world, k) == "published"));
}

#[test]
fn a_new_key_that_would_churn_is_warned_about() {
    let world = World::new();
    let key = world.seed_key("short", None, 1, Some(30)).id;
    let run = world.run(&["keys", "rotate", "short", "--expires-in", "7d", "--yes"]);
    run.code(0).stderr_has(
        "the new key short will live 7d, which is no longer than the expiring window (14d",
    );
    assert_eq!(status(&world, &key), "deleted");
}

/// README's "Runbook: a key leaked", step by step as written (the paths moved to a temporary
/// directory; the sandbox without the revocation cache, so step 4 gives its exit 3 at once).
#[test]
fn the_leaked_key_runbook_runs_as_written() {
    let world = World::with_immediate_revocation();
    let bot = world.service_account("ingest-bot", "event_ingestor");
    let etc = tempfile::tempdir().unwrap();
    let leaked = etc.path().join("leaked.key");
    let store_leaked = format!("file:{}", leaked.display());
    let old = world
        .run(&[
            "keys",
            "create",
            "--name",
            "ci-ingest",
            "--service-account",
            "ingest-bot",
            "--store",
            &store_leaked,
            "-o",
            "json",
        ])
        .code(0)
        .json()["key"]
        .clone();
    let (other, _) = world.create_key(&["--name", "backfill", "--service-account", "ingest-bot"]);
    let stdin_from = |path: &std::path::Path| {
        let text = std::fs::read_to_string(path).unwrap();
        move |cmd: &mut assert_cmd::Command| {
            cmd.write_stdin(text);
        }
    };

    // 1.
    let listed = world
        .run(&[
            "keys",
            "list",
            "--service-account",
            "ingest-bot",
            "-o",
            "json",
        ])
        .code(0)
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let check = world
        .run_with(&["keys", "check", "-o", "json"], stdin_from(&leaked))
        .code(0)
        .json();
    assert_eq!(check["key"]["id"], old["id"]);

    // 2.
    let store = format!("file:{}", etc.path().join("{name}.key").display());
    let json = world
        .run(&[
            "keys",
            "rotate",
            "--all",
            "--service-account",
            "ingest-bot",
            "--store",
            &store,
            "--yes",
            "-o",
            "json",
        ])
        .code(0)
        .json();
    let mut ids = rotated(&json);
    ids.sort();
    let mut expected = vec![
        old["id"].as_str().unwrap().to_owned(),
        other["id"].as_str().unwrap().to_owned(),
    ];
    expected.sort();
    assert_eq!(ids, expected);

    // 3.
    let fresh = etc.path().join("ci-ingest.key");
    let check = world
        .run(&[
            "keys",
            "check",
            "--from-file",
            fresh.to_str().unwrap(),
            "--permission",
            "event:write",
            "-o",
            "json",
        ])
        .code(0)
        .json();
    assert_eq!(check["key"]["owner_id"], bot.as_str());
    assert_ne!(check["key"]["id"], old["id"]);

    // 4.
    world
        .run_with(&["keys", "check"], stdin_from(&leaked))
        .code(3);
}

#[test]
fn a_due_run_that_fails_names_the_command_that_finishes_it() {
    let world = World::new();
    let bot = world.service_account("ingest-bot", "event_ingestor");
    let stuck = world.seed_key("stuck", Some(&bot), 40, None).id;
    world.sandbox.add_fault(fault(&format!(
        "DELETE /v1/secrets/api/keys/{stuck} status=500"
    )));
    world
        .run(&[
            "keys", "rotate", "--due", "--max-age", "30d", "--service-account", "ingest-bot", "--yes",
            "--store",
            "stdout",
        ])
        .code(8)
        .stderr_has("1 of 1 keys could not be rotated")
        .stderr_has("run `keys rotate --due --max-age 30d --service-account ingest-bot` again for the others");
    assert_eq!(status(&world, &stuck), "published");
}
