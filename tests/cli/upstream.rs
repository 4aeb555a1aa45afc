//! Readiness for flexprice/flexprice#2573: once it ships, renaming or archiving a service account
//! needs `X-Environment-ID` from a credential not bound to an environment (a tenant-level key or
//! a login token). The sandbox answers that way behind an option; the tool sends the header on
//! every call when an environment is configured.

use flexprice_sandbox::SandboxOptions;

use crate::harness::World;

fn strict() -> World {
    World::with(SandboxOptions {
        environment_required_for_user_admin: true,
        ..SandboxOptions::default()
    })
}

#[test]
fn user_administration_carries_the_configured_environment() {
    let world = strict();
    let env = world.sandbox.sandbox_environment_id().to_owned();
    let tenant_key = world.sandbox.tenant_key().to_owned();
    let login_token = world.sandbox.jwt_for(world.sandbox.admin_user_id());
    for (i, credential) in [tenant_key, login_token].iter().enumerate() {
        let name = format!("env-bot-{i}");
        let id = world.service_account(&name, "event_reader");
        world.sandbox.clear_requests();
        let as_unbound = |args: &[&str], with_env: bool| {
            world.run_with(args, |cmd| {
                cmd.env("FLEXPRICE_API_KEY", credential);
                if with_env {
                    cmd.env("FLEXPRICE_ENVIRONMENT_ID", &env);
                }
            })
        };
        let renamed = format!("{name}-renamed");
        // Without an environment the server refuses, and the tool says what to pass.
        as_unbound(&["service-accounts", "rename", &name, &renamed], false)
            .code(6)
            .stderr_has("--environment");
        as_unbound(&["service-accounts", "rename", &name, &renamed], true).code(0);
        as_unbound(&["service-accounts", "delete", &renamed, "--yes"], true).code(0);
        assert_eq!(world.sandbox.user_status(&id).as_deref(), Some("archived"));

        let admin_calls: Vec<_> = world
            .requests()
            .into_iter()
            .filter(|r| r.path == format!("/v1/users/{id}") && r.status < 300)
            .collect();
        let methods: Vec<&str> = admin_calls.iter().map(|r| r.method.as_str()).collect();
        assert_eq!(methods, ["PUT", "DELETE"]);
        for r in &admin_calls {
            assert_eq!(
                r.header("x-environment-id"),
                Some(env.as_str()),
                "{}",
                r.method
            );
        }
    }
}
