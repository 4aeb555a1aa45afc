//! `--all-environments`: `keys list` and `keys audit` across every environment of the tenant,
//! with a credential that can choose its environment (a tenant-level key, a login token), and
//! refused for a key bound to one environment.

use flexprice_sandbox::SeedKey;
use jiff::{SignedDuration, Timestamp};

use crate::harness::World;

/// A key in the Sandbox environment and an old one in Production; their IDs.
fn two_environments(world: &World) -> (String, String) {
    let sandbox_key = world
        .sandbox
        .seed_key(SeedKey {
            name: "sandbox-key".into(),
            ..SeedKey::default()
        })
        .id;
    let production_key = world
        .sandbox
        .seed_key(SeedKey {
            name: "production-key".into(),
            environment_id: Some(world.sandbox.production_environment_id().to_owned()),
            created_at: Some(Timestamp::now() - SignedDuration::from_hours(24 * 120)),
            ..SeedKey::default()
        })
        .id;
    (sandbox_key, production_key)
}

#[test]
fn list_walks_every_environment_with_a_tenant_key_or_a_login() {
    let world = World::new();
    let (sandbox_key, production_key) = two_environments(&world);
    let sandbox_env = world.sandbox.sandbox_environment_id();
    let production_env = world.sandbox.production_environment_id();
    let jwt = world.sandbox.jwt_for(world.sandbox.admin_user_id());
    for credential in [world.sandbox.tenant_key().to_owned(), jwt] {
        let json = world
            .run_as(
                &credential,
                &["keys", "list", "--all-environments", "-o", "json"],
            )
            .code(0)
            .json();
        let got: Vec<(&str, &str)> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["id"].as_str().unwrap(),
                    k["environment_id"].as_str().unwrap(),
                )
            })
            .collect();
        assert!(
            got.contains(&(sandbox_key.as_str(), sandbox_env)),
            "{got:?}"
        );
        assert!(
            got.contains(&(production_key.as_str(), production_env)),
            "{got:?}"
        );
        // The admin key seeded by the sandbox lives in Sandbox too; nothing else exists.
        assert_eq!(got.len(), 3, "{got:?}");
    }

    // Plain output: an ENV column (the ID when piped), last.
    let plain = world.run_as(
        world.sandbox.tenant_key(),
        &[
            "keys",
            "list",
            "--all-environments",
            "--name",
            "production-key",
        ],
    );
    let fields: Vec<Vec<&str>> = plain
        .code(0)
        .stdout
        .lines()
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0][0], production_key);
    assert_eq!(fields[0].len(), 8);
    assert_eq!(fields[0][7], production_env);

    // A table names the environment.
    world
        .run_as(
            world.sandbox.tenant_key(),
            &["keys", "list", "--all-environments", "-o", "table"],
        )
        .code(0)
        .stdout_has("ENV")
        .stdout_has("Production")
        .stderr_has("3 keys in 2 environments.");

    // Without the flag, a credential not bound to an environment lists the one --environment
    // names, so each key says which: its ID and its name.
    let json = world
        .run_as(
            world.sandbox.tenant_key(),
            &[
                "--environment",
                production_env,
                "keys",
                "list",
                "-o",
                "json",
            ],
        )
        .code(0)
        .json();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["environment_id"], production_env, "{json}");
    assert_eq!(json[0]["environment_name"], "Production", "{json}");
}

#[test]
fn audit_walks_every_environment() {
    let world = World::new();
    world.ignore_keys_without_expiry();
    let (_, production_key) = two_environments(&world);
    let json = world
        .run_as(
            world.sandbox.tenant_key(),
            &["keys", "audit", "--all-environments", "-o", "json"],
        )
        .code(10)
        .json();
    assert_eq!(json.as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json[0]["key"]["id"], production_key.as_str());
    assert_eq!(
        json[0]["key"]["environment_id"],
        world.sandbox.production_environment_id()
    );
    assert_eq!(json[0]["key"]["environment_name"], "Production");
    assert_eq!(json[0]["reasons"], serde_json::json!(["too_old"]));
    let plain = world.run_as(
        world.sandbox.tenant_key(),
        &["keys", "audit", "--all-environments"],
    );
    let fields: Vec<&str> = plain.code(10).stdout.trim_end().split('\t').collect();
    assert_eq!(fields[0], production_key);
    assert_eq!(fields[5], world.sandbox.production_environment_id());
    // The admin's own environment alone has nothing to report.
    world.run(&["keys", "audit"]).code(0);
}

#[test]
fn a_key_bound_to_one_environment_is_refused_saying_why() {
    let world = World::new();
    two_environments(&world);
    for command in ["list", "audit"] {
        world.sandbox.clear_requests();
        world
            .run(&["keys", command, "--all-environments"])
            .code(2)
            .stderr_has(
                "--all-environments: this credential is an API key bound to one environment",
            )
            .stderr_has("drop --all-environments")
            .stderr_has("tenant-level key");
        let listed = world
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/v1/secrets") || r.path.starts_with("/v1/environments"))
            .count();
        assert_eq!(listed, 0, "no listing was sent");
    }
}
