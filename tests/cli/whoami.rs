//! `whoami`: the principal, its permissions and the commands it may run.

use crate::harness::{World, held_together, paths_requested};

#[test]
fn whoami_shows_principal_permissions_and_commands() {
    let world = World::new();
    let json = world.run(&["whoami", "-o", "json"]).code(0).json();
    assert_eq!(json["id"], world.sandbox.admin_user_id());
    assert_eq!(json["type"], "user");
    assert_eq!(json["roles"], serde_json::json!(["super_admin"]));
    assert_eq!(json["permissions"], serde_json::json!({"*": ["*"]}));
    assert!(
        json["commands"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["allowed"] == true)
    );
    // Derived from the command tree: every command that depends on permissions is there.
    let listed: Vec<&str> = json["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    for command in ["keys rotate", "keys audit", "keys check", "roles show"] {
        assert!(
            listed.contains(&command),
            "{command} missing from {listed:?}"
        );
    }

    world.service_account("reader-bot", "event_reader");
    let (_, secret) = world.create_key(&["--name", "r", "--service-account", "reader-bot"]);
    let json = world
        .run_as(&secret, &["whoami", "-o", "json"])
        .code(0)
        .json();
    assert_eq!(json["type"], "service_account");
    assert_eq!(json["permissions"], serde_json::json!({"event": ["read"]}));
    let allowed: Vec<&str> = json["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["allowed"] == true)
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert_eq!(allowed, ["roles list", "roles show"]);
}

#[test]
fn a_service_account_with_super_admin_is_not_a_super_admin_user() {
    let world = World::new();
    world.service_account("root-bot", "super_admin");
    let (_, secret) = world.create_key(&["--name", "root", "--service-account", "root-bot"]);
    let json = world
        .run_as(&secret, &["whoami", "-o", "json"])
        .code(0)
        .json();
    let sa_mint = json["commands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["command"] == "keys create --service-account");
    assert_eq!(sa_mint.unwrap()["allowed"], false);
    world
        .run_as(&secret, &["whoami"])
        .code(0)
        .stderr_has("never counts as a super_admin user");
}

#[test]
fn whoami_asks_who_and_which_roles_side_by_side() {
    let world = World::new();
    let run = held_together(
        &world,
        &[("GET", "/v1/users/me"), ("GET", "/v1/rbac/roles")],
        &["whoami", "-o", "json"],
    );
    let json = run.code(0).json();
    assert_eq!(json["id"], world.sandbox.admin_user_id());
    // From the sandbox's catalogue: super_admin grants `*:*`.
    assert_eq!(json["permissions"]["*"], serde_json::json!(["*"]));
    // Both were in flight at once, so either may be logged (answered) first.
    let mut requested = paths_requested(&world);
    requested.sort();
    assert_eq!(requested, ["GET /v1/rbac/roles", "GET /v1/users/me"]);
}
