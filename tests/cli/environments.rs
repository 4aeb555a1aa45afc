//! `environments list`, and `--environment` taking an environment's name or ID.

use flexprice_sandbox::SeedKey;

use crate::harness::{World, fixed_world, screen};

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
    insta::assert_snapshot!(world.shown(&plain, &[]), @"
    exit 0
    --- stdout
    00000000-0000-0000-0000-000000000000	Sandbox	development	[TIME]
    00000000-0000-0000-0000-000000000001	Production	production	[TIME]
    --- stderr
    ");
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
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 4
    --- stdout
    --- stderr
    error: --environment: no environment is named 'Prod'
    hint: environments: Sandbox, Production; pass a name or an ID from `flexprice-admin environments list`
    ");
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

/// On a terminal: a table, the same at 80 and 120 columns (it fits either).
#[test]
fn environments_list_at_80_and_120_columns() {
    let world = fixed_world();
    let at_80 = screen(&world, 80, "environments list");
    insta::assert_snapshot!(at_80, @"
    ID                                   NAME       TYPE        CREATED
    00000000-0000-0000-0000-000000000000 Sandbox    development 2026-06-01T12:00:00Z
    00000000-0000-0000-0000-000000000001 Production production  2026-06-01T12:00:00Z
    ");
    assert_eq!(screen(&world, 120, "environments list"), at_80);
}
