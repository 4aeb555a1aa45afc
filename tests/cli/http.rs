//! The HTTP exchange under every command: retries of what is safe to repeat, rate limits,
//! timeouts, redirects, TLS, the user agent, and what a failing or hostile server's answer
//! becomes: a clear error naming the status and what to do, the documented exit code, in bounded
//! time, with any credential it quotes back scrubbed.

use std::time::{Duration, Instant};

use flexprice_sandbox::Fault;

use crate::harness::{Run, World, display_form, fault, leaks};

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
fn idempotent_requests_are_retried_and_creates_are_not() {
    let world = World::new();
    world.add_fault("GET /v1/secrets/api/keys status=503 times=2");
    world.run(&["keys", "list", "-q"]).code(0);
    let gets = world
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/secrets/api/keys")
        .count();
    assert_eq!(gets, 3, "two 503s, then success");

    world.add_fault("POST /v1/secrets/api/keys status=502 times=1");
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
    world.add_fault("/v1/users/me status=429 retry-after=0");
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
    world.add_fault("/v1/users/me hold=never");
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

/// Runs `args` against a server with `fault`, and checks the outcome is bounded and explained.
fn broken(fault: Fault, args: &[&str], code: i32, needles: &[&str]) {
    let world = World::new();
    world.sandbox.add_fault(fault);
    let started = Instant::now();
    let run = world.run(args);
    let took = started.elapsed();
    run.code(code);
    for needle in needles {
        run.stderr_has(needle);
    }
    assert!(
        run.stderr.contains("hint:"),
        "says what to do:\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(took < Duration::from_secs(15), "{args:?} took {took:?}");
}

#[test]
fn an_html_502_page_is_retried_then_reported() {
    broken(
        fault("/v1/users/me html502"),
        &["whoami"],
        5,
        &["502 Bad Gateway", "HTML page"],
    );
}

#[test]
fn an_empty_500_is_reported_with_its_status() {
    broken(
        fault("/v1/users/me empty500"),
        &["whoami"],
        1,
        &["500 Internal Server Error"],
    );
}

#[test]
fn truncated_json_is_reported() {
    broken(
        fault("/v1/secrets/api/keys truncate"),
        &["keys", "list"],
        1,
        &["cannot read"],
    );
}

#[test]
fn a_200_of_the_wrong_shape_is_reported() {
    broken(
        fault(
            r#"/v1/secrets/api/keys status=200 content-type=application/json body={"keys": "surprise"}"#,
        ),
        &["keys", "list"],
        1,
        &["200", "missing field `items`"],
    );
}

#[test]
fn rate_limiting_is_honoured_then_given_up_with_5() {
    let world = World::new();
    world.add_fault("/v1/users/me status=429 retry-after=1 times=1");
    let started = Instant::now();
    world.run(&["whoami", "-q"]).code(0);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited for Retry-After: {:?}",
        started.elapsed()
    );
    broken(
        fault("/v1/users/me status=429 retry-after=0"),
        &["whoami"],
        5,
        &["429", "rate limiting"],
    );
}

#[test]
fn a_connection_reset_is_retried_then_reported() {
    broken(
        fault("/v1/users/me reset"),
        &["whoami"],
        5,
        &["no answer from the server"],
    );
}

#[test]
fn a_slow_answer_is_abandoned_at_the_timeout() {
    broken(
        // Never released: the client's own timeout is the only way this run can end.
        fault("/v1/users/me hold=never"),
        &["--timeout", "0.5", "whoami"],
        5,
        &["--timeout"],
    );
}

#[test]
fn a_redirect_to_another_host_gets_no_credentials() {
    let world = World::new();
    let elsewhere = format!(
        "http://localhost:{}/v1/users/me",
        world.sandbox.addr().port()
    );
    world.add_fault(&format!("/v1/users/me redirect={elsewhere} times=1"));
    let run = world.run(&["whoami"]);
    run.code(1).stderr_has("redirected").stderr_has(&elsewhere);
    let followed: Vec<_> = world
        .requests()
        .into_iter()
        .filter(|r| r.header("host").is_some_and(|h| h.starts_with("localhost")))
        .collect();
    assert!(
        followed.is_empty(),
        "the redirect was followed: {followed:?}"
    );
}

#[test]
fn a_huge_body_is_abandoned() {
    broken(
        fault(&format!("/v1/secrets/api/keys huge={}", 40 * 1024 * 1024)),
        &["keys", "list"],
        1,
        &["larger than 32 MiB"],
    );
}

#[test]
fn https_to_a_plain_http_port_is_a_tls_failure() {
    let world = World::new();
    let url = world.sandbox.api_url().replace("http://", "https://");
    let run = world.run(&["--api-url", &url, "whoami"]);
    run.code(5).stderr_has("TLS").stderr_has("plain-http port");
}

/// The action of a fault answering `status` with `body` of `content_type` and `headers`, in the
/// sandbox's grammar (no header value may hold a space).
fn respond(status: u16, content_type: &str, body: String, headers: &[(&str, String)]) -> String {
    let headers: String = headers
        .iter()
        .map(|(name, value)| format!(" header={name}:{value}"))
        .collect();
    format!("status={status} content-type={content_type}{headers} body={body}")
}

/// The canary: a server quoting the admin credential in every place a server can put text.
/// Whatever it does, the credential never reaches stdout or stderr, with or without
/// `--verbose`, in JSON mode or not; the message itself is still shown, scrubbed.
#[test]
fn a_credential_quoted_back_by_the_server_never_reaches_our_output() {
    let world = World::new();
    let key = world.sandbox.admin_key().to_string();
    assert!(crate::harness::is_secret_key(&key));
    let shown = display_form(&key);
    let tail = &key[3..];
    let cases: Vec<(&str, String, i32, Vec<String>)> = vec![
        (
            "JSON message, details and X-Request-ID",
            respond(
                500,
                "application/json",
                serde_json::json!({
                    "code": "internal_error",
                    "message": format!("db error for key {key}"),
                    "details": {"api_key": key, "query": format!("x-api-key={key}&env=x")},
                    "http_status_code": 500,
                })
                .to_string(),
                &[("X-Request-ID", format!("req-{key}"))],
            ),
            1,
            vec![
                format!("500 Internal Server Error: db error for key {shown}"),
                format!("\"api_key\":\"{shown}\""),
                format!("(request ID req-{shown})"),
            ],
        ),
        (
            "a plain-text body",
            respond(
                502,
                "text/plain",
                format!("upstream refused key {key} (bad gateway)"),
                &[("X-Request-ID", key.clone())],
            ),
            5,
            vec![format!("upstream refused key {shown} (bad gateway)")],
        ),
        (
            "a key across the cut of the body's excerpt",
            respond(500, "text/plain", format!("{} {key}", "x".repeat(190)), &[]),
            1,
            vec!["xxxxxxxxxx".into()],
        ),
        (
            "the key without its prefix",
            respond(
                401,
                "application/json",
                serde_json::json!({"error": format!("unknown key id {tail}")}).to_string(),
                &[],
            ),
            3,
            vec![format!("unknown key id {shown}")],
        ),
        (
            "a success body that cannot be decoded",
            respond(
                200,
                "application/json",
                serde_json::json!({"id": "user_1", "type": "user", "roles": key}).to_string(),
                &[("X-Request-ID", format!("{key}{key}"))],
            ),
            1,
            vec![format!("invalid type: string \"{shown}\"")],
        ),
    ];
    for (what, action, code, expected) in cases {
        world.sandbox.clear_faults();
        world.add_fault(&format!("GET /v1/users/me {action}"));
        for extra in [
            &[][..],
            &["--verbose"][..],
            &["-o", "json"][..],
            &["--verbose", "-o", "json"][..],
        ] {
            let mut args = vec!["whoami"];
            args.extend_from_slice(extra);
            let run = world.run(&args);
            run.code(code);
            assert!(
                !leaks(&run.stderr, &key) && !leaks(&run.stdout, &key),
                "{what} {extra:?}: the credential reached our output:\n--- stdout\n{}\n--- stderr\n{}",
                run.stdout,
                run.stderr
            );
            for needle in &expected {
                run.stderr_has(needle);
            }
            if extra.contains(&"--verbose") {
                run.stderr_has("> GET")
                    .stderr_has(&format!("x-api-key: {shown}"));
            }
        }
    }
}

#[test]
fn a_relative_redirect_on_the_same_host_is_followed() {
    let world = World::new();
    world.add_fault("GET /v1/users/me redirect=me?moved=1 times=1");
    world.run(&["whoami", "-q"]).code(0);
    let followed: Vec<_> = world
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/users/me")
        .map(|r| r.query.unwrap_or_default())
        .collect();
    assert_eq!(followed, ["", "moved=1"]);
}

#[test]
fn a_redirect_loop_on_the_same_host_is_named_a_loop() {
    for location in ["/v1/users/me", "me", "me?again=1"] {
        let world = World::new();
        world.add_fault(&format!("GET /v1/users/me redirect={location}"));
        let run: Run = world.run(&["whoami"]);
        run.code(1)
            .stderr_has("redirected (307) in a loop on its own host, last to http://127.0.0.1:")
            .stderr_has("hint: check --api-url");
        assert!(!run.stderr.contains("another host"), "{}", run.stderr);
        // Stopped at the first URL seen twice, not after a dozen hops.
        assert!(world.requests().len() <= 3, "{:?}", world.requests());
    }
}

#[test]
fn a_relative_redirect_to_another_host_is_resolved_and_not_followed() {
    let world = World::new();
    let port = world.sandbox.addr().port();
    world.add_fault(&format!(
        "GET /v1/users/me redirect=//localhost:{port}/v1/users/me"
    ));
    world
        .run(&["whoami"])
        .code(1)
        .stderr_has(&format!(
            "redirected (307) to another host, http://localhost:{port}/v1/users/me; credentials are not sent there"
        ));
    // Not followed: `/users/me` asked once (whoami asks for the roles side by side).
    let asked = world
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/users/me")
        .count();
    assert_eq!(asked, 1, "{:?}", world.requests());
}

#[test]
fn a_server_quoting_the_credential_back_cannot_put_it_on_our_output() {
    let world = World::with_immediate_revocation();
    let admin = world.sandbox.admin_key().to_string();
    for (spec, code) in [
        (
            format!(
                r#"GET /v1/users/me status=400 header=X-Request-ID:{admin} body={{"message":"db error for key {admin}","details":{{"key":"{admin}"}}}}"#
            ),
            1,
        ),
        (
            format!("GET /v1/users/me status=400 body=plain text quoting {admin}"),
            1,
        ),
        (
            format!("GET /v1/users/me redirect=http://evil.example/{admin}"),
            1,
        ),
    ] {
        world.sandbox.clear_faults();
        world.add_fault(&spec);
        let run = world.run(&["whoami", "--verbose"]);
        // Shown in its display form, like the server's `display_id`.
        run.code(code).stderr_has(&display_form(&admin));
        assert!(!run.stderr.contains(&admin), "{spec}:\n{}", run.stderr);
        let run = world.run(&["whoami", "-o", "json"]);
        assert!(
            !run.stderr.contains(&admin) && !run.stdout.contains(&admin),
            "{spec}"
        );
    }
}
