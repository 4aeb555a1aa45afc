//! Transport basics (§1): health, unknown routes, request IDs, and the request log's redaction.

use reqwest::Method;
use serde_json::json;

use crate::{Cred, T};

#[tokio::test]
async fn health_needs_no_auth() {
    let t = T::new();
    for url in [format!("http://{}/health", t.sb.addr()), t.url("/health")] {
        for method in [Method::GET, Method::POST] {
            let r = t.send(t.http.request(method, &url)).await;
            assert_eq!(r.status, 200, "{url}");
        }
    }
}

#[tokio::test]
async fn unknown_routes_are_plain_text_404() {
    let t = T::new();
    for (method, path) in [
        (Method::GET, "/nope"),
        (Method::PATCH, "/secrets/api/keys"),
        (Method::GET, "/secrets/api/keys/secret_x"),
        (Method::POST, "/users/me"),
    ] {
        let r = t
            .send(t.request(method, path, Cred::Key(t.sb.admin_key())))
            .await;
        assert_eq!(r.status, 404);
        assert_eq!(r.text, "404 page not found");
        assert_eq!(r.header("content-type"), Some("text/plain"));
        assert!(r.header("x-request-id").is_some());
    }
}

#[tokio::test]
async fn request_id_is_echoed_or_generated() {
    let t = T::new();
    let r = t
        .send(
            t.request(Method::GET, "/users/me", Cred::Key(t.sb.admin_key()))
                .header("X-Request-ID", "trace-123"),
        )
        .await;
    assert_eq!(r.header("x-request-id"), Some("trace-123"));
    let r = t
        .send(t.request(Method::GET, "/users/me", Cred::None))
        .await;
    assert_eq!(r.status, 401);
    let id = r.header("x-request-id").unwrap_or_default();
    assert_eq!(id.len(), 26, "a ULID: {id}");
}

#[tokio::test]
async fn request_log_records_and_redacts() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    t.sb.clear_requests();
    let (_, raw) = t.create_key(&admin, "logged").await;
    t.get("/users/me", &raw).await;
    let jwt = t.sb.jwt_for(t.sb.admin_user_id());
    t.send(
        t.request(Method::GET, "/secrets/api/keys?limit=5", Cred::Bearer(&jwt))
            .header("X-Environment-ID", t.sb.sandbox_environment_id()),
    )
    .await;
    let log = t.sb.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].method, "POST");
    assert_eq!(log[0].path, "/v1/secrets/api/keys");
    assert_eq!(log[0].status, 201);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&log[0].body).ok(),
        Some(json!({"name": "logged", "type": "private_key"}))
    );
    assert_eq!(
        log[0].header("X-API-KEY"),
        Some(format!("{}***{}", &admin[..5], &admin[admin.len() - 2..]).as_str())
    );
    assert_eq!(log[1].header("x-api-key").map(str::len), Some(10));
    assert_eq!(log[2].query.as_deref(), Some("limit=5"));
    assert_eq!(log[2].header("authorization"), Some("Bearer ***"));
    assert_eq!(log[2].fault, None);
    let dump = format!("{log:?}");
    for secret in [admin.as_str(), raw.as_str(), jwt.as_str()] {
        assert!(!dump.contains(secret), "a credential leaked into the log");
    }
    t.sb.clear_requests();
    assert!(t.sb.requests().is_empty());
}

#[tokio::test]
async fn trailing_slash_redirects_and_preflight() {
    let t = T::new();
    let http = crate::http_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = http
        .get(t.url("/users/me/?x=1"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 301);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/v1/users/me?x=1")
    );
    let r = http
        .post(t.url("/secrets/api/keys/"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 307);
    let r = t
        .send(t.http.request(Method::OPTIONS, t.url("/secrets/api/keys")))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    // Injected answers carry a request ID too.
    t.sb.add_fault(flexprice_sandbox::Fault::parse("* * status=503 times=1").expect("spec"));
    let r = t
        .send(
            t.request(Method::GET, "/users/me", Cred::None)
                .header("X-Request-ID", "abc"),
        )
        .await;
    assert_eq!(r.status, 503);
    assert_eq!(r.header("x-request-id"), Some("abc"));
}

#[test]
fn sandbox_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<flexprice_sandbox::Sandbox>();
}

#[tokio::test]
async fn sandbox_is_shared_across_tasks() {
    let t = std::sync::Arc::new(T::new());
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            t.get("/users/me", t.sb.admin_key()).await.status
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("task"), 200);
    }
    assert_eq!(t.sb.requests().len(), 8);
}
