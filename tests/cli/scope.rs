//! `--service-account` given many times on `keys list`, `keys audit` and `keys rotate`: the keys
//! of any of the accounts named, and none of the others'.

use crate::harness::World;

/// Three accounts with a key each, two of them aged (due for rotation): returns the key IDs
/// of `a`, `b` and `c`, in that order.
fn three_accounts(world: &World) -> [String; 3] {
    ["a", "b", "c"].map(|name| {
        let account = world.service_account(&format!("bot-{name}"), "event_ingestor");
        world.aged_key(&format!("key-{name}"), Some(&account))
    })
}

#[test]
fn keys_list_takes_the_keys_of_every_account_named() {
    let world = World::new();
    let [a, b, c] = three_accounts(&world);
    let b_id = world.sandbox.key(&b).unwrap().user_id;
    // By name and by ID, mixed; the same account twice counts once.
    let run = world.run(&[
        "keys",
        "list",
        "--service-account",
        "bot-a",
        "--service-account",
        &b_id,
        "--service-account",
        "bot-b",
        "-q",
    ]);
    run.code(0);
    let mut listed: Vec<&str> = run.stdout.lines().collect();
    listed.sort_unstable();
    let mut want = vec![a.as_str(), b.as_str()];
    want.sort_unstable();
    assert_eq!(listed, want);
    assert!(!run.stdout.contains(&c));
    // -o json goes through the streamed path: the same keys.
    let json = world
        .run(&[
            "keys",
            "list",
            "--service-account",
            "bot-a",
            "--service-account",
            "bot-b",
            "-o",
            "json",
        ])
        .json();
    let mut ids: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, want);
    // One unknown account among them: exit 4 naming it, before any key is listed.
    world
        .run(&[
            "keys",
            "list",
            "--service-account",
            "bot-a",
            "--service-account",
            "nobody",
        ])
        .code(4)
        .stderr_has("--service-account: no service account with ID or name 'nobody'");
}

#[test]
fn keys_audit_and_rotate_cover_the_accounts_named_and_repeat_them_in_hints() {
    let world = World::new();
    let [a, b, c] = three_accounts(&world);
    let audit = world.run(&[
        "keys",
        "audit",
        "--service-account",
        "bot-a",
        "--service-account",
        "bot-c",
        "-o",
        "json",
    ]);
    audit.code(10);
    let found: Vec<String> = audit
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"]["id"].as_str().unwrap().to_string())
        .collect();
    assert!(found.contains(&a) && found.contains(&c), "{found:?}");
    assert!(!found.contains(&b), "{found:?}");
    let table = world.run(&[
        "keys",
        "audit",
        "--service-account",
        "bot-a",
        "--service-account",
        "bot-c",
    ]);
    table
        .code(10)
        .stderr_has("keys rotate --due --service-account bot-a --service-account bot-c");

    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}/{{name}}.key", dir.path().display());
    let rotate = world.run(&[
        "keys",
        "rotate",
        "--due",
        "--service-account",
        "bot-a",
        "--service-account",
        "bot-b",
        "--store",
        &store,
        "--yes",
    ]);
    rotate.code(0);
    assert_eq!(world.sandbox.key(&a).unwrap().status, "deleted");
    assert_eq!(world.sandbox.key(&b).unwrap().status, "deleted");
    assert_eq!(world.sandbox.key(&c).unwrap().status, "published");
    assert!(dir.path().join("key-a.key").exists());
    assert!(dir.path().join("key-b.key").exists());
    assert!(!dir.path().join("key-c.key").exists());
}
