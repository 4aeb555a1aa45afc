//! `roles`, `environments` and `whoami` end to end.

use crate::harness::World;

#[test]
fn roles_are_sorted_although_the_server_shuffles_them() {
    let world = World::new();
    for _ in 0..3 {
        let json = world.run(&["roles", "list", "-o", "json"]).code(0).json();
        let ids: Vec<&str> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "all_reader",
                "all_writer",
                "event_ingestor",
                "event_reader",
                "super_admin"
            ]
        );
        assert_eq!(
            json[2]["permissions"],
            serde_json::json!({"event": ["write"]})
        );
        assert_eq!(
            json[2]["assignable_to"],
            serde_json::json!(["service_account"])
        );
    }
    let for_sa = world.run(&["roles", "list", "--for", "service-account", "-q"]);
    assert_eq!(
        for_sa.code(0).stdout,
        "event_ingestor\nevent_reader\nsuper_admin\n"
    );
    let table = world.run(&["roles", "list", "-o", "table"]);
    table
        .code(0)
        .stdout_has("PERMISSIONS")
        .stdout_has("*:read,write");
}

#[test]
fn roles_show_and_an_unknown_role() {
    let world = World::new();
    let json = world
        .run(&["roles", "show", "event_reader", "-o", "json"])
        .code(0)
        .json();
    assert_eq!(json["name"], "Event Reader");
    world
        .run(&["roles", "show", "wizard"])
        .code(4)
        .stderr_has("no role 'wizard'")
        .stderr_has("roles list");
}

#[test]
fn environments_are_listed_with_their_ids() {
    let world = World::new();
    let json = world
        .run(&["environments", "list", "-o", "json"])
        .code(0)
        .json();
    let ids: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&world.sandbox.sandbox_environment_id()));
    assert!(ids.contains(&world.sandbox.production_environment_id()));
    let plain = world.run(&["environments", "list"]);
    plain.code(0).stdout_has("Sandbox\tdevelopment");
}

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
fn every_read_command_works_in_table_plain_and_json() {
    let world = World::new();
    world.service_account("modes-bot", "event_reader");
    world.create_key(&["--name", "modes", "--service-account", "modes-bot"]);
    let commands: &[(&[&str], &str)] = &[
        (&["keys", "list"], "ID"),
        (&["service-accounts", "list"], "ID"),
        (&["roles", "list"], "ROLE"),
        (&["roles", "show", "super_admin"], "FIELD"),
        (&["environments", "list"], "ID"),
        (&["whoami"], "FIELD"),
    ];
    for (args, header) in commands {
        let mut table_args = args.to_vec();
        table_args.extend(["-o", "table"]);
        let table = world.run(&table_args);
        let first = table
            .code(0)
            .stdout
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(
            first.trim_start().starts_with(header),
            "{args:?} table header: {first:?}"
        );
        assert!(
            !table.stdout.contains('\t'),
            "{args:?} tables are aligned with spaces"
        );

        let plain = world.run(args);
        assert!(
            plain.code(0).stdout.lines().all(|l| l.contains('\t')),
            "{args:?} plain:\n{}",
            plain.stdout
        );
        assert!(
            !plain.stdout.contains(header),
            "{args:?} plain has no header"
        );

        let mut json_args = args.to_vec();
        json_args.extend(["-o", "json"]);
        let json = world.run(&json_args).code(0).json();
        assert!(json.is_array() || json.is_object(), "{args:?}");
    }
}
