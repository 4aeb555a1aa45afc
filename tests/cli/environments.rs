//! `environments list`, and `--environment` taking an environment's name or ID.

use flexprice_sandbox::SeedKey;

use crate::harness::World;

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
fn environment_takes_a_name_or_an_id() {
    let world = World::new();
    let production = world.sandbox.production_environment_id().to_string();
    let key = world
        .sandbox
        .seed_key(SeedKey {
            name: "prod-ingest".into(),
            environment_id: Some(production.clone()),
            ..SeedKey::default()
        })
        .id;
    let tenant = world.sandbox.tenant_key().to_string();
    for environment in ["Production", production.as_str()] {
        let run = world.run_as(
            &tenant,
            &["--environment", environment, "keys", "list", "-q"],
        );
        run.code(0);
        assert_eq!(run.stdout.trim(), key, "--environment {environment}");
    }
    let run = world.run_as(&tenant, &["--environment", "Prod", "keys", "list"]);
    run.code(4)
        .stderr_has("no environment is named 'Prod'")
        .stderr_has("Sandbox, Production");
    // A profile keeps the name as given; it is resolved each time it is used.
    world
        .run(&[
            "profile",
            "set",
            "--profile",
            "p",
            "--environment",
            "Production",
        ])
        .code(0);
    let run = world.run_as(&tenant, &["--profile", "p", "keys", "list", "-q"]);
    run.code(0);
    assert_eq!(run.stdout.trim(), key);
}
