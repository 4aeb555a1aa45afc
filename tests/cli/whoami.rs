//! `whoami`: the principal, its permissions and the commands it may run.

use crate::harness::{World, held_together, paths_requested};

#[test]
fn whoami_shows_principal_permissions_and_commands() {
    let world = World::new();
    let table = world.run(&["whoami", "-o", "table"]);
    insta::assert_snapshot!(world.shown(&table, &[]), @"
    exit 0
    --- stdout
    FIELD       VALUE
    id          00000000-0000-0000-0000-000000000000
    name        Admin
    type        user
    roles       super_admin
    permissions *:*
    can run     keys create, keys create --service-account, keys list, keys list --all-environments, keys delete, keys delete (others' keys), keys rotate, keys rotate (service-account keys), keys audit, keys audit --all-environments, keys check, service-accounts create, service-accounts list, service-accounts rename, service-accounts delete, service-accounts delete --revoke-keys, users list, users list (with live key counts), users remove, users remove --revoke-keys, users remove --keep-keys, roles list, roles show, environments list, keychain prune, plan, plan (keys in named environments), apply, apply (keys in named environments)
    cannot run  -
    --- stderr
    ");
    // The commands come from the command tree: every one that depends on permissions is there.
    let json = world.run(&["whoami", "-o", "json"]);
    insta::assert_snapshot!(world.shown(&json, &[]), @r#"
    exit 0
    --- stdout
    {
      "id": "00000000-0000-0000-0000-000000000000",
      "name": "Admin",
      "email": "admin@flexprice.dev",
      "type": "user",
      "roles": [
        "super_admin"
      ],
      "permissions": {
        "*": [
          "*"
        ]
      },
      "commands": [
        {
          "command": "keys create",
          "allowed": true
        },
        {
          "command": "keys create --service-account",
          "allowed": true
        },
        {
          "command": "keys list",
          "allowed": true
        },
        {
          "command": "keys list --all-environments",
          "allowed": true
        },
        {
          "command": "keys delete",
          "allowed": true
        },
        {
          "command": "keys delete (others' keys)",
          "allowed": true
        },
        {
          "command": "keys rotate",
          "allowed": true
        },
        {
          "command": "keys rotate (service-account keys)",
          "allowed": true
        },
        {
          "command": "keys audit",
          "allowed": true
        },
        {
          "command": "keys audit --all-environments",
          "allowed": true
        },
        {
          "command": "keys check",
          "allowed": true
        },
        {
          "command": "service-accounts create",
          "allowed": true
        },
        {
          "command": "service-accounts list",
          "allowed": true
        },
        {
          "command": "service-accounts rename",
          "allowed": true
        },
        {
          "command": "service-accounts delete",
          "allowed": true
        },
        {
          "command": "service-accounts delete --revoke-keys",
          "allowed": true
        },
        {
          "command": "users list",
          "allowed": true
        },
        {
          "command": "users list (with live key counts)",
          "allowed": true
        },
        {
          "command": "users remove",
          "allowed": true
        },
        {
          "command": "users remove --revoke-keys",
          "allowed": true
        },
        {
          "command": "users remove --keep-keys",
          "allowed": true
        },
        {
          "command": "roles list",
          "allowed": true
        },
        {
          "command": "roles show",
          "allowed": true
        },
        {
          "command": "environments list",
          "allowed": true
        },
        {
          "command": "keychain prune",
          "allowed": true
        },
        {
          "command": "plan",
          "allowed": true
        },
        {
          "command": "plan (keys in named environments)",
          "allowed": true
        },
        {
          "command": "apply",
          "allowed": true
        },
        {
          "command": "apply (keys in named environments)",
          "allowed": true
        }
      ]
    }
    --- stderr
    "#);

    world.service_account("reader-bot", "event_reader");
    let (_, secret) = world.create_key(&["--name", "r", "--service-account", "reader-bot"]);
    let plain = world.run_as(&secret, &["whoami"]);
    insta::assert_snapshot!(world.shown(&plain, &[]), @"
    exit 0
    --- stdout
    id	[USER_1]
    name	reader-bot
    type	service_account
    roles	event_reader
    permissions	event:read
    can run	roles list, roles show
    cannot run	keys create, keys create --service-account, keys list, keys list --all-environments, keys delete, keys delete (others' keys), keys rotate, keys rotate (service-account keys), keys audit, keys audit --all-environments, keys check, service-accounts create, service-accounts list, service-accounts rename, service-accounts delete, service-accounts delete --revoke-keys, users list, users list (with live key counts), users remove, users remove --revoke-keys, users remove --keep-keys, environments list, keychain prune, plan, plan (keys in named environments), apply, apply (keys in named environments)
    --- stderr
    ");
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

/// A revoked key is refused (401, exit 3) with what to check, whatever the command: here
/// `whoami`, the command the hint itself suggests for checking a credential.
#[test]
fn a_revoked_key_is_refused_with_what_to_check() {
    let world = World::with_immediate_revocation();
    let (key, secret) = world.create_key(&["--name", "gone"]);
    world
        .run(&["keys", "delete", "gone", "--yes", "-q"])
        .code(0);
    assert_eq!(world.status(key["id"].as_str().unwrap()), "deleted");
    let run = world.run_as(&secret, &["whoami"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 3
    --- stdout
    --- stderr
    error: GET /v1/users/me: the server answered 401 Unauthorized: Unauthorized (request ID [ULID_1])
    hint: the key is wrong, revoked or expired, or belongs to another region or environment
    hint: the API URL is http://127.0.0.1:[PORT]/v1 (FLEXPRICE_API_URL or --api-url); `flexprice-admin whoami` tests the key
    ");
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
    let run = world.run_as(&secret, &["whoami"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    id	[USER_1]
    name	root-bot
    type	service_account
    roles	super_admin
    permissions	*:*
    can run	keys create, keys list, keys list --all-environments, keys delete, keys rotate, keys audit, keys audit --all-environments, keys check, service-accounts create, service-accounts list, service-accounts rename, service-accounts delete, users list, users remove --keep-keys, roles list, roles show, environments list, keychain prune, plan, plan (keys in named environments)
    cannot run	keys create --service-account, keys delete (others' keys), keys rotate (service-account keys), service-accounts delete --revoke-keys, users list (with live key counts), users remove, users remove --revoke-keys, apply, apply (keys in named environments)
    --- stderr
    hint: a service-account key never counts as a super_admin user, even with the super_admin role
    ");
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
