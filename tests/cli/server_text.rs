//! What a hostile server (or a proxy in front of it) sends back as text (issue 16): a credential
//! quoted back in an error is scrubbed before it reaches any output (item 1); bidirectional
//! overrides and zero-width characters are escaped like control characters (item 13); redirects
//! are resolved and a loop is named a loop (item 15).

use flexprice_sandbox::SeedKey;

use crate::harness::{Run, World, display_form, fault};

/// Whether `text` holds any 16 characters in a row of `key`: the whole key, or enough of its
/// random part to matter (a ULID's first 10 characters are only a timestamp).
fn leaks(text: &str, key: &str) -> bool {
    (0..=key.len() - 16).any(|i| text.contains(&key[i..i + 16]))
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
        world
            .sandbox
            .add_fault(fault(&format!("GET /v1/users/me {action}")));
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

/// A key's name may carry characters that reorder or hide text: shown as U+FFFD in tables,
/// plain output and receipts, like control characters; JSON keeps the name exactly.
#[test]
fn bidi_overrides_and_zero_width_characters_are_escaped() {
    let world = World::new();
    let evil = "ci\u{202e}tsegni\u{200b}\u{2066}x\u{2069}\u{feff}\u{061c}";
    let seeded = world.sandbox.seed_key(SeedKey {
        name: evil.into(),
        ..SeedKey::default()
    });
    let invisible = |text: &str| {
        text.chars().any(|c| {
            matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}' | '\u{feff}' | '\u{061c}')
        })
    };
    for format in ["table", "plain"] {
        let list = world.run(&["keys", "list", "-o", format]);
        list.code(0)
            .stdout_has("ci\u{fffd}tsegni\u{fffd}\u{fffd}x\u{fffd}\u{fffd}\u{fffd}");
        assert!(!invisible(&list.stdout), "{format}: {:?}", list.stdout);
    }
    let json = world.run(&["keys", "list", "-o", "json"]).code(0).json();
    assert!(json.as_array().unwrap().iter().any(|k| k["name"] == evil));
    let delete = world.run(&["keys", "delete", &seeded.id, "--yes"]);
    delete.code(0).stderr_has("ci\u{fffd}tsegni");
    assert!(!invisible(&delete.stderr), "{:?}", delete.stderr);
}

#[test]
fn a_relative_redirect_on_the_same_host_is_followed() {
    let world = World::new();
    world
        .sandbox
        .add_fault(fault("GET /v1/users/me redirect=me?moved=1 times=1"));
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
        world
            .sandbox
            .add_fault(fault(&format!("GET /v1/users/me redirect={location}")));
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
    world.sandbox.add_fault(fault(&format!(
        "GET /v1/users/me redirect=//localhost:{port}/v1/users/me"
    )));
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

/// Item 2: the new key's own verification answers an error that quotes the new key (a server
/// or proxy echoing the caller's credential). A key that fails its check is delivered nowhere:
/// its secret is in the recovery file and nowhere else: not the destination, not stderr, not
/// the `-o json` document's `"error"`, which shows its display form. The admin's own
/// `GET /users/me` (beside the listing) meets the same fault: its key is not shown either.
#[test]
fn a_new_key_quoted_back_during_its_verification_reaches_only_its_recovery_file() {
    let world = World::with_immediate_revocation();
    let account = world.service_account("ingest-bot", "event_ingestor");
    let (old, _) = world.create_key(&["--name", "ingest", "--service-account", &account]);
    let old_id = old["id"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ingest.key");
    world.sandbox.add_fault(fault(
        r#"GET /v1/users/me status=500 header=X-Request-ID:req-{credential} body={"code":"internal_error","message":"db error for key {credential}","http_status_code":500}"#,
    ));
    let store = format!("file:{}", file.display());
    let run = world.run(&[
        "keys",
        "rotate",
        &old_id,
        "--store",
        &store,
        "--yes",
        "-o",
        "json",
        "--verbose",
    ]);
    run.code(9);
    assert!(!file.exists(), "a key that failed its check was delivered");
    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "{}", run.stderr);
    let secret = std::fs::read_to_string(&files[0]).unwrap();
    let secret = secret.trim_end();
    assert!(crate::harness::is_secret_key(secret), "{secret:?}");
    let admin = world.sandbox.admin_key().to_string();
    for (name, text) in [("stderr", &run.stderr), ("stdout", &run.stdout)] {
        assert!(!leaks(text, secret), "{name}:\n{text}");
        assert!(!leaks(text, &admin), "{name} shows the admin key:\n{text}");
    }
    assert!(
        world
            .requests()
            .iter()
            .any(|r| r.path == "/v1/users/me" && r.status == 500),
        "the verification met the quoting fault"
    );
    let json = run.json();
    let error = json["error"].as_str().expect("the failed step is named");
    assert!(error.contains(&display_form(secret)), "{error}");
    assert_eq!(json["recovery_file"], files[0].display().to_string());
    assert!(
        json.get("api_key").is_none(),
        "stdout is not a destination: {json}"
    );
    assert_eq!(
        world.sandbox.key(&old_id).unwrap().status,
        "published",
        "a new key that fails verification leaves the old one working"
    );
}
