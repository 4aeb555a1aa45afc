//! Issue 17 items 3, 6 and 10: where each secret went is remembered (the delivery record), a
//! rotation without `--store` delivers there again, a batch prints secrets off a terminal only
//! when told, an undelivered secret is traceable (exit 9, its recovery file in the JSON) and a
//! re-run finishes the rotation from that file; `keychain list|prune|recovered`.

use std::path::Path;

use crate::harness::{World, is_secret_key, mode};
use crate::secret_service::secret_tool_lookup;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .trim_end()
        .to_string()
}

/// Creates `name` (a 7-day key, so `keys rotate --due` finds it at once) through the binary,
/// delivered to `store`; returns its ID.
fn due_key(world: &World, name: &str, store: &str) -> String {
    let run = world.run_keychain(&[
        "keys",
        "create",
        "--name",
        name,
        "--expires-in",
        "7d",
        "--store",
        store,
        "-o",
        "json",
    ]);
    run.code(0);
    run.json()["key"]["id"].as_str().unwrap().to_string()
}

#[test]
fn a_rotation_without_store_delivers_where_the_secret_went_and_records_no_secret() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ingest.key");
    let old = due_key(&world, "ingest", &format!("file:{}", file.display()));
    let old_secret = read(&file);

    // The record: 0600, in a 0700 directory, where the secret went and never the secret.
    let record = world
        .state_dir()
        .join(format!("delivered/default/{old}.json"));
    assert_eq!(mode(&record), 0o600);
    assert_eq!(mode(record.parent().unwrap()), 0o700);
    let text = std::fs::read_to_string(&record).unwrap();
    assert!(!text.contains(&old_secret));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        json["places"],
        serde_json::json!([{"kind": "file", "path": file.display().to_string()}])
    );

    // No --store: the new secret goes to the same file, nothing on stdout.
    let run = world.run(&["keys", "rotate", &old, "--yes"]);
    run.code(0).stderr_has(&format!("file:{}", file.display()));
    assert_eq!(run.stdout, "");
    let new_secret = read(&file);
    assert!(is_secret_key(&new_secret) && new_secret != old_secret);
    world.run_as(&new_secret, &["whoami", "-q"]).code(0);
    assert_eq!(world.sandbox.key(&old).unwrap().status, "deleted");

    // The batch, the same: from the new key's record.
    world.sandbox.clear_requests();
    let run = world.run(&["keys", "rotate", "--due", "--yes"]);
    run.code(0);
    assert_eq!(run.stdout, "");
    assert_eq!(world.creates(), 1);
    let third = read(&file);
    assert!(third != new_secret);
    world.run_as(&third, &["whoami", "-q"]).code(0);
}

#[test]
fn a_batch_refuses_to_print_secrets_off_a_terminal_unless_store_stdout_says_so() {
    let world = World::new();
    // A key without a record: its secret went to stdout when it was created.
    let printed = due_key(&world, "printed", "stdout");
    std::fs::remove_file(
        world
            .state_dir()
            .join(format!("delivered/default/{printed}.json")),
    )
    .unwrap();
    world.sandbox.clear_requests();
    for args in [
        vec!["keys", "rotate", "--due", "--yes"],
        vec!["keys", "rotate", "--due", "--yes", "-o", "json"],
    ] {
        let run = world.run(&args);
        run.code(2)
            .stderr_has("--store stdout")
            .stderr_has(&printed);
        assert_eq!(run.stdout, "");
        assert!(world.mutating_requests().is_empty(), "nothing minted");
    }
    // Said so: printed.
    let run = world.run(&["keys", "rotate", "--due", "--yes", "--store", "stdout"]);
    run.code(0);
    let fields: Vec<&str> = run.stdout.trim_end().split('\t').collect();
    assert_eq!(fields[1], "printed");
    assert!(is_secret_key(fields[2]));
}

#[test]
fn a_keychain_entry_is_updated_by_a_rotation_without_store_and_flagged_when_left_behind() {
    let world = World::new();
    let name = crate::secret_service::unique("rk");
    let old = due_key(&world, &name, "keychain");
    let me = world.sandbox.key(&old).unwrap().user_id;
    let account = format!("default/{me}/{name}");
    let first = secret_tool_lookup("flexprice-admin", &account).unwrap();

    // No --store: the keychain entry gets the new secret.
    let rotated = world.run_keychain(&["keys", "rotate", &old, "--yes", "-o", "json"]);
    rotated.code(0);
    let current = rotated.json()["new_key"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let second = secret_tool_lookup("flexprice-admin", &account).unwrap();
    assert_ne!(first, second);
    world.run_as(&second, &["whoami", "-q"]).code(0);

    // Rotated elsewhere: the entry keeps a revoked secret, and says so.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("k.key");
    world
        .run_keychain(&[
            "keys",
            "rotate",
            &current,
            "--yes",
            "--store",
            &format!("file:{}", file.display()),
        ])
        .code(0)
        .stderr_has(&format!(
            "keychain entry {account} still holds the secret of revoked key {current}"
        ));
    let got = world.run_keychain(&["keychain", "get", &name]);
    got.code(0)
        .stderr_has("rotated and revoked")
        .stderr_has("keychain prune");
    assert_eq!(got.stdout.trim_end(), second);

    // keychain list shows it not active; prune removes it (asked first).
    let listed = world
        .run_keychain(&["keychain", "list", "-o", "json"])
        .json();
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name.as_str())
        .unwrap()
        .clone();
    assert_eq!(entry["key_id"], current.as_str());
    assert_eq!(entry["active"], false);
    assert_eq!(entry["owner"], me.as_str());
    // The keychain is shared with other tests, so the stale entries are counted, and the
    // question and the receipt must use the number each needs ("1 keychain entry").
    let asked = world.run_keychain(&["keychain", "prune"]);
    asked.code(2).stderr_has("--yes");
    let stale = asked
        .stderr
        .lines()
        .filter(|l| l.ends_with("): not active"))
        .count();
    asked.stderr_has(&match stale {
        1 => "Remove this keychain entry, whose key is no longer active?".to_string(),
        n => format!("Remove these {n} keychain entries, whose keys are no longer active?"),
    });
    assert!(secret_tool_lookup("flexprice-admin", &account).is_some());
    let pruned = world.run_keychain(&["keychain", "prune", "--yes"]);
    pruned.code(0).stdout_has(&account);
    pruned.stderr_has(&match pruned.stdout.lines().count() {
        1 => "Removed 1 keychain entry.".to_string(),
        n => format!("Removed {n} keychain entries."),
    });
    assert_eq!(secret_tool_lookup("flexprice-admin", &account), None);
}

#[test]
fn an_undelivered_secret_in_a_batch_exits_9_and_a_rerun_finishes_from_the_recovery_file() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let (file_a, file_b) = (dir.path().join("a.key"), dir.path().join("b.key"));
    let old_a = due_key(&world, "a", &format!("file:{}", file_a.display()));
    let old_b = due_key(
        &world,
        "b",
        &format!("exec:sh -c 'cat > \"$1\"' sh {}", file_b.display()),
    );
    let before_b = read(&file_b);

    // The file destination fails after minting: a's secret goes to a recovery file, b's to
    // its command; exit 9, not 8.
    // New keys live 90 days, so only the old ones are due on the re-run.
    let run = world.run_with(
        &[
            "keys",
            "rotate",
            "--due",
            "--yes",
            "--expires-in",
            "90d",
            "-o",
            "json",
        ],
        |cmd| {
            cmd.env("FLEXPRICE_ADMIN_TEST_FAIL_DELIVERY", "file");
        },
    );
    run.code(9)
        .stderr_has("wait in")
        .stderr_has("re-run `keys rotate --due`");
    let json = run.json();
    let items = json.as_array().unwrap();
    let a = items
        .iter()
        .find(|o| o["old_key"]["id"] == old_a.as_str())
        .unwrap();
    let b = items
        .iter()
        .find(|o| o["old_key"]["id"] == old_b.as_str())
        .unwrap();
    let recovery = a["recovery_file"].as_str().unwrap().to_string();
    assert!(a["error"].as_str().unwrap().contains("step 5"));
    assert_eq!(a["old_key_revoked"], false);
    assert!(b.get("recovery_file").is_none() && b.get("error").is_none());
    assert_eq!(b["old_key_revoked"], true);
    assert_ne!(read(&file_b), before_b);
    let waiting = read(Path::new(&recovery));
    assert!(is_secret_key(&waiting));
    let successor = a["new_key"]["id"].as_str().unwrap().to_string();
    assert_eq!(world.sandbox.key(&old_a).unwrap().status, "published");

    // The recovery file is listed, with its key still active; keys audit names it.
    let listed = world.run(&["keychain", "recovered", "-o", "json"]).json();
    assert_eq!(
        listed,
        serde_json::json!([{
            "key_id": successor, "path": recovery,
            "written_at": listed[0]["written_at"], "active": true
        }])
    );
    world.run(&["keys", "audit"]).stderr_has(&recovery);

    // The re-run: no new key; the waiting secret is delivered, checked, the old key revoked.
    world.sandbox.clear_requests();
    let rerun = world.run(&["keys", "rotate", "--due", "--yes", "--expires-in", "90d"]);
    rerun
        .code(0)
        .stderr_has(&format!("delivering the secret of its new key {successor}"));
    assert_eq!(rerun.stdout, "");
    assert_eq!(world.creates(), 0, "nothing minted");
    assert_eq!(read(&file_a), waiting);
    assert!(!Path::new(&recovery).exists());
    assert_eq!(world.sandbox.key(&old_a).unwrap().status, "deleted");
    assert_eq!(world.sandbox.key(&successor).unwrap().status, "published");
    world.run(&["keychain", "recovered", "-o", "json"]).code(0);
    assert_eq!(
        world.run(&["keychain", "recovered", "-o", "json"]).json(),
        serde_json::json!([])
    );
}
