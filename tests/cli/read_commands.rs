//! `roles`, `environments` and `whoami` end to end.

use serde_json::Value;

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
        "all_reader\nevent_ingestor\nevent_reader\nsuper_admin\n"
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

/// A JSON object's documented fields (README, "Output"), each with the JSON types it may take.
type Fields = &'static [(&'static str, &'static str)];

/// The key object of `keys list`: the key object of every command, plus whether the key is
/// orphaned (`keys list` reads the tenant's members).
const LISTED_KEY: Fields = &[
    ("id", "string"),
    ("name", "string"),
    ("display_id", "string"),
    ("type", "string"),
    ("status", "string"),
    ("roles", "array"),
    ("owner_type", "string"),
    ("owner_id", "string"),
    ("owner_name", "string|null"),
    ("created_at", "string"),
    ("expires_at", "string|null"),
    ("expired", "bool"),
    ("orphaned", "bool"),
];
/// A person of `users list`.
const PERSON: Fields = &[
    ("id", "string"),
    ("name", "string|null"),
    ("email", "string|null"),
    ("type", "string"),
    ("roles", "array"),
    ("live_keys", "number|null"),
];
const SERVICE_ACCOUNT: Fields = &[
    ("id", "string"),
    ("name", "string"),
    ("email", "string|null"),
    ("type", "string"),
    ("roles", "array"),
];
const ROLE: Fields = &[
    ("id", "string"),
    ("name", "string"),
    ("description", "string"),
    ("permissions", "object"),
    ("assignable_to", "array"),
];
const ENVIRONMENT: Fields = &[
    ("id", "string"),
    ("name", "string"),
    ("type", "string"),
    ("created_at", "string"),
];
const WHOAMI: Fields = &[
    ("id", "string"),
    ("name", "string"),
    ("email", "string|null"),
    ("type", "string"),
    ("roles", "array"),
    ("permissions", "object"),
    ("commands", "array"),
];

/// What one command prints with `-o json`: an array of objects or one object.
enum Shape {
    ArrayOf(Fields),
    Object(Fields),
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks that `object` has exactly the documented fields, each of a documented type.
#[track_caller]
fn assert_fields(what: &str, object: &Value, fields: Fields) {
    let object = object
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not an object: {object}"));
    let mut names: Vec<&str> = object.keys().map(String::as_str).collect();
    let mut documented: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
    names.sort_unstable();
    documented.sort_unstable();
    assert_eq!(names, documented, "{what}: fields");
    for (name, types) in fields {
        let found = json_type(&object[*name]);
        assert!(
            types.split('|').any(|t| t == found),
            "{what}: {name} is {found}, documented as {types}"
        );
    }
}

#[test]
fn every_read_command_works_in_table_plain_and_json() {
    let world = World::new();
    world.service_account("modes-bot", "event_reader");
    world.create_key(&["--name", "modes", "--service-account", "modes-bot"]);
    let commands: &[(&[&str], &str, Shape)] = &[
        (&["keys", "list"], "ID", Shape::ArrayOf(LISTED_KEY)),
        (&["users", "list"], "ID", Shape::ArrayOf(PERSON)),
        (
            &["service-accounts", "list"],
            "ID",
            Shape::ArrayOf(SERVICE_ACCOUNT),
        ),
        (&["roles", "list"], "ROLE", Shape::ArrayOf(ROLE)),
        (
            &["roles", "show", "super_admin"],
            "FIELD",
            Shape::Object(ROLE),
        ),
        (&["environments", "list"], "ID", Shape::ArrayOf(ENVIRONMENT)),
        (&["whoami"], "FIELD", Shape::Object(WHOAMI)),
    ];
    for (args, header, shape) in commands {
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
        let what = args.join(" ");
        match shape {
            Shape::ArrayOf(fields) => {
                let items = json
                    .as_array()
                    .unwrap_or_else(|| panic!("{what}: not an array: {json}"));
                assert!(!items.is_empty(), "{what}: empty");
                for item in items {
                    assert_fields(&what, item, fields);
                }
            }
            Shape::Object(fields) => assert_fields(&what, &json, fields),
        }
    }
}
