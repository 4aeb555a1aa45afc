//! Failures and their explanations: 401, 403 in its forms, retries, timeouts, redaction.

use std::time::Duration;

use crate::harness::{World, display_form, fault};

#[test]
fn a_wrong_key_is_401_with_the_troubleshooting_hint() {
    let world = World::new();
    let run = world.run_as("sk_01AAAAAAAAAAAAAAAAAAAAAAAA", &["keys", "list"]);
    run.code(3)
        .stderr_has("401")
        .stderr_has("wrong, revoked or expired")
        .stderr_has("FLEXPRICE_API_URL")
        .stderr_has("whoami");
}

#[test]
fn no_credential_at_all_says_how_to_give_one() {
    let world = World::new();
    let run = crate::harness::finish(
        world
            .cmd()
            .env_remove("FLEXPRICE_API_KEY")
            .args(["keys", "list"]),
    );
    run.code(3).stderr_has("FLEXPRICE_API_KEY");
    assert!(world.requests().is_empty());
}

#[test]
fn the_key_file_is_read_when_the_variable_is_unset() {
    let world = World::new();
    let file = world.home.path().join("admin.key");
    std::fs::write(&file, format!("{}\n", world.sandbox.admin_key())).unwrap();
    let run = crate::harness::finish(
        world
            .cmd()
            .env_remove("FLEXPRICE_API_KEY")
            .env("FLEXPRICE_API_KEY_FILE", &file)
            .args(["whoami", "-q"]),
    );
    assert_eq!(run.code(0).stdout.trim(), world.sandbox.admin_user_id());
}

#[test]
fn key_file_padding_is_trimmed_and_a_jwt_is_sent_as_a_bearer_token() {
    let world = World::new();
    let jwt = world.sandbox.jwt_for(world.sandbox.admin_user_id());
    let file = world.home.path().join("admin.jwt");
    std::fs::write(&file, format!("  {jwt} \r\n\n")).unwrap();
    let run = crate::harness::finish(
        world
            .cmd()
            .env_remove("FLEXPRICE_API_KEY")
            .env("FLEXPRICE_API_KEY_FILE", &file)
            .env(
                "FLEXPRICE_ENVIRONMENT_ID",
                world.sandbox.sandbox_environment_id(),
            )
            .args(["whoami", "-q"]),
    );
    assert_eq!(run.code(0).stdout.trim(), world.sandbox.admin_user_id());
    let via_env = world.run_with(&["whoami", "-q"], |cmd| {
        cmd.env("FLEXPRICE_API_KEY", format!(" {jwt}\n")).env(
            "FLEXPRICE_ENVIRONMENT_ID",
            world.sandbox.sandbox_environment_id(),
        );
    });
    assert_eq!(via_env.code(0).stdout.trim(), world.sandbox.admin_user_id());
    let requests = world.requests();
    assert!(!requests.is_empty());
    for request in requests {
        assert!(
            request
                .headers
                .iter()
                .any(|(name, value)| name == "authorization" && value == "Bearer ***"),
            "{:?}",
            request.headers
        );
    }
}

#[test]
fn a_403_names_the_permission_the_roles_held_and_the_roles_that_grant_it() {
    let world = World::new();
    world.service_account("ingest-bot", "event_ingestor");
    let (_, secret) = world.create_key(&["--name", "ingest", "--service-account", "ingest-bot"]);
    let run = world.run_as(&secret, &["keys", "list"]);
    run.code(6)
        .stderr_has("insufficient permissions")
        .stderr_has("needs the permission secret:read")
        .stderr_has("holds: event_ingestor")
        .stderr_has("roles that grant secret:read: all_reader, all_writer, super_admin");
}

#[test]
fn minting_for_a_service_account_needs_a_super_admin_user() {
    let world = World::new();
    world.service_account("root-bot", "super_admin");
    world.service_account("target-bot", "event_reader");
    let (_, secret) = world.create_key(&["--name", "root", "--service-account", "root-bot"]);
    let run = world.run_as(
        &secret,
        &[
            "keys",
            "create",
            "--name",
            "x",
            "--service-account",
            "target-bot",
        ],
    );
    run.code(6)
        .stderr_has("super_admin *user*")
        .stderr_has("service-account key never qualifies");
}

#[test]
fn a_tenant_key_needs_an_environment_and_says_so() {
    let world = World::new();
    let tenant = world.sandbox.tenant_key().to_string();
    let run = world.run_as(&tenant, &["keys", "list"]);
    run.code(6)
        .stderr_has("Invalid or inaccessible environment")
        .stderr_has("--environment")
        .stderr_has("environments list");
    let env = world.sandbox.sandbox_environment_id().to_string();
    let ok = world.run_as(&tenant, &["--environment", &env, "keys", "list", "-q"]);
    ok.code(0);
    let sent = world
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == "/v1/secrets/api/keys")
        .unwrap();
    assert_eq!(sent.header("x-environment-id"), Some(env.as_str()));
}

#[test]
fn idempotent_requests_are_retried_and_creates_are_not() {
    let world = World::new();
    world
        .sandbox
        .add_fault(fault("GET /v1/secrets/api/keys status=503 times=2"));
    world.run(&["keys", "list", "-q"]).code(0);
    let gets = world
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/secrets/api/keys")
        .count();
    assert_eq!(gets, 3, "two 503s, then success");

    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys status=502 times=1"));
    world
        .run(&["keys", "create", "--name", "once"])
        .code(5)
        .stderr_has("502");
    let posts = world
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/secrets/api/keys")
        .count();
    assert_eq!(posts, 1, "a create is never retried blindly");
}

#[test]
fn rate_limiting_honours_retry_after_then_gives_up_with_5() {
    let world = World::new();
    world
        .sandbox
        .add_fault(fault("/v1/users/me status=429 retry-after=0"));
    let run = world.run(&["whoami"]);
    run.code(5)
        .stderr_has("429")
        .stderr_has("gave up after 4 attempts");
    assert_eq!(
        world
            .requests()
            .iter()
            .filter(|r| r.path == "/v1/users/me")
            .count(),
        4
    );
}

#[test]
fn a_slow_server_is_abandoned_after_the_timeout() {
    let world = World::new();
    // Never released: the client's own timeout is the only way this run can end.
    world.sandbox.add_fault(fault("/v1/users/me hold=never"));
    let started = std::time::Instant::now();
    let run = world.run(&["--timeout", "0.3", "whoami"]);
    run.code(5).stderr_has("--timeout");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "gave up in bounded time: {:?}",
        started.elapsed()
    );
}

#[test]
fn verbose_traces_requests_with_the_credential_redacted() {
    let world = World::new();
    let run = world.run(&["-v", "keys", "list"]);
    run.code(0)
        .stderr_has("> GET http://")
        .stderr_has("x-api-key: sk_")
        .stderr_has("< 200 OK");
    let key = world.sandbox.admin_key();
    assert!(
        !run.stderr.contains(key),
        "verbose output leaks the admin key"
    );
    assert!(run.stderr.contains(&display_form(key)));
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let world = World::new();
    let run = world.run(&["--api-url", "http://api.example.com/v1", "keys", "list"]);
    run.code(2)
        .stderr_has("--api-url")
        .stderr_has("--allow-insecure-http");
    world
        .run(&["--api-url", "https://api.example.com/v2", "keys", "list"])
        .code(2)
        .stderr_has("/v1");
}

#[test]
fn a_wrong_base_path_gets_the_route_hint() {
    let world = World::new();
    let url = world.sandbox.api_url().replace("/v1", "/api/v1");
    let run = world.run(&["--api-url", &url, "whoami"]);
    run.code(4)
        .stderr_has("404 page not found")
        .stderr_has("base URL");
}

#[test]
fn the_user_agent_names_the_tool_and_version() {
    let world = World::new();
    world.run(&["whoami", "-q"]).code(0);
    let request = world
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/users/me")
        .unwrap();
    assert_eq!(
        request.header("user-agent"),
        Some(concat!("flexprice-admin/", env!("CARGO_PKG_VERSION")))
    );
}
