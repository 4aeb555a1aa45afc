//! Fault injection: every action, `times`, method/path matching, and faults given at start-up.

use std::time::{Duration, Instant};

use flexprice_sandbox::{Fault, FaultAction, SandboxOptions};
use reqwest::Method;
use serde_json::json;

use crate::{Cred, T};

const KEYS: &str = "/v1/secrets/api/keys";

fn key_count(t: &T) -> usize {
    t.sb.keys().len()
}

#[tokio::test]
async fn status_faults_answer_without_handling_and_run_out() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    t.sb.add_fault(Fault::parse("POST /v1/secrets/api/keys status=503 times=1").expect("spec"));
    let before = key_count(&t);
    let body = json!({"name": "x", "type": "private_key"});
    let r = t.post("/secrets/api/keys", &admin, body.clone()).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["code"], "service_unavailable");
    assert_eq!(key_count(&t), before, "no state change");
    let r = t.post("/secrets/api/keys", &admin, body).await;
    assert_eq!(r.status, 201, "times=1 is used up");
    let log = t.sb.requests();
    assert_eq!(log[log.len() - 2].fault.as_deref(), Some("status=503"));
    assert_eq!(log[log.len() - 2].status, 503);
}

#[tokio::test]
async fn canned_answers() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    t.sb.add_fault(Fault::new(Some("GET"), "/v1/users/me", FaultAction::rate_limited(7)).times(1));
    let r = t.get("/users/me", &admin).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("7"));
    assert_eq!(r.json()["code"], "too_many_requests");

    t.sb.add_fault(Fault::new(None, "/v1/users/*", FaultAction::html_502()).times(1));
    let r = t.get("/users/me", &admin).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert!(r.text.contains("502 Bad Gateway"));

    t.sb.add_fault(Fault::new(None, "*", FaultAction::empty_500()).times(1));
    let r = t.get("/rbac/roles", &admin).await;
    assert_eq!(r.status, 500);
    assert!(r.text.is_empty());
    assert_eq!(r.header("content-type"), None);

    t.sb.add_fault(Fault::parse("* /v1/* status=429 retry-after=1 times=2").expect("spec"));
    assert_eq!(t.get("/rbac/roles", &admin).await.status, 429);
    assert_eq!(t.get("/environments", &admin).await.status, 429);
    assert_eq!(t.get("/users/me", &admin).await.status, 200);

    // Method matching: a DELETE fault leaves GET alone.
    t.sb.add_fault(Fault::parse("DELETE /v1/secrets/api/keys/* status=500").expect("spec"));
    assert_eq!(t.get("/secrets/api/keys", &admin).await.status, 200);
    assert_eq!(
        t.delete("/secrets/api/keys/secret_x", &admin).await.status,
        500
    );
    t.sb.clear_faults();
    assert_eq!(
        t.delete("/secrets/api/keys/secret_x", &admin).await.status,
        404
    );

    let body = "<b>custom</b>";
    t.sb.add_fault(
        Fault::parse(&format!(
            "GET /v1/users/me status=418 content-type=text/html header=X-A:b body={body}"
        ))
        .expect("spec"),
    );
    let r = t.get("/users/me", &admin).await;
    assert_eq!(r.status, 418);
    assert_eq!(r.text, body);
    assert_eq!(r.header("x-a"), Some("b"));
}

#[tokio::test]
async fn delay_then_handle() {
    let t = T::new();
    t.sb.add_fault(Fault::parse("GET /v1/users/me delay=150ms times=2").expect("spec"));
    let started = Instant::now();
    let r = t.get("/users/me", t.sb.admin_key()).await;
    assert_eq!(r.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    // A client with a shorter timeout gives up.
    let err = t
        .request(Method::GET, "/users/me", Cred::Key(t.sb.admin_key()))
        .timeout(Duration::from_millis(30))
        .send()
        .await
        .expect_err("times out");
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn a_canned_answer_can_quote_the_callers_credential() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    t.sb.add_fault(
        Fault::parse(
            "GET /v1/users/me status=500 header=X-Echo:{credential} body=key {credential}",
        )
        .expect("spec"),
    );
    let r = t.get("/users/me", &admin).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.text, format!("key {admin}"));
    assert_eq!(r.header("x-echo"), Some(admin.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_waits_at_its_gate_until_released() {
    let t = T::new();
    t.sb.add_fault(Fault::parse("POST /v1/secrets/api/keys hold=create times=1").expect("spec"));
    let before = key_count(&t);
    let admin = t.sb.admin_key().to_owned();
    let body = json!({"name": "held", "type": "private_key"});
    let request = t
        .request(Method::POST, "/secrets/api/keys", Cred::Key(&admin))
        .json(&body);
    let pending = tokio::spawn(request.send());
    tokio::task::block_in_place(|| t.sb.wait_held("create", 1));
    assert_eq!(key_count(&t), before, "a held request is not handled yet");
    assert!(!pending.is_finished(), "a held request gets no answer");
    t.sb.release("create");
    let answer = pending.await.expect("joined").expect("answered");
    assert_eq!(answer.status(), 201);
    assert_eq!(key_count(&t), before + 1, "handled once released");
    let log = t.sb.requests();
    assert_eq!(
        log.last().and_then(|r| r.fault.as_deref()),
        Some("hold=create")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_then_hold_makes_the_change_then_holds_the_answer() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let doomed = t.sb.seed_key(flexprice_sandbox::SeedKey::default()).id;
    t.sb.add_fault(
        Fault::parse(&format!(
            "DELETE {KEYS}/{doomed} commit-then-hold=revoke times=1"
        ))
        .expect("spec"),
    );
    let request = t.request(
        Method::DELETE,
        &format!("/secrets/api/keys/{doomed}"),
        Cred::Key(&admin),
    );
    let pending = tokio::spawn(request.send());
    tokio::task::block_in_place(|| t.sb.wait_held("revoke", 1));
    assert_eq!(
        t.sb.key(&doomed).map(|k| k.status).as_deref(),
        Some("deleted"),
        "the change is made before the gate"
    );
    assert!(!pending.is_finished(), "its answer is held");
    t.sb.release("revoke");
    let answer = pending.await.expect("joined").expect("answered");
    assert_eq!(answer.status(), 204);
    let log = t.sb.requests();
    assert_eq!(
        log.last().and_then(|r| r.fault.as_deref()),
        Some("commit-then-hold=revoke")
    );
}

#[tokio::test]
async fn commit_then_huge_makes_the_change_and_answers_its_status_with_a_huge_body() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let bytes = 2 * 1024 * 1024 + 3;
    t.sb.add_fault(
        Fault::parse(&format!("POST {KEYS} commit-then-huge={bytes} times=1")).expect("spec"),
    );
    let r = t
        .post(
            "/secrets/api/keys",
            &admin,
            json!({"name": "runaway", "type": "private_key"}),
        )
        .await;
    assert_eq!(r.status, 201, "the handler's status");
    assert_eq!(r.text.len(), bytes);
    assert!(!r.text.contains("sk_"), "not the handler's body");
    let made = t.sb.keys().into_iter().find(|k| k.name == "runaway");
    assert_eq!(made.map(|k| k.status).as_deref(), Some("published"));
    assert_eq!(
        t.sb.requests()
            .last()
            .and_then(|r| r.fault.clone())
            .as_deref(),
        Some(format!("commit-then-huge={bytes}").as_str())
    );
}

#[tokio::test]
async fn truncate_commits_and_cuts_the_body() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    t.sb.add_fault(Fault::new(Some("POST"), KEYS, FaultAction::Truncate).times(1));
    let before = key_count(&t);
    let r = t
        .post(
            "/secrets/api/keys",
            &admin,
            json!({"name": "cut", "type": "private_key"}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert!(serde_json::from_str::<serde_json::Value>(&r.text).is_err());
    assert!(r.text.starts_with("{\""));
    assert_eq!(
        r.header("content-length"),
        Some(r.text.len().to_string().as_str())
    );
    assert_eq!(key_count(&t), before + 1, "the change committed");
}

#[tokio::test]
async fn reset_drops_the_connection_before_handling() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    t.sb.add_fault(Fault::parse("POST /v1/secrets/api/keys reset times=1").expect("spec"));
    let before = key_count(&t);
    let err = t
        .request(Method::POST, "/secrets/api/keys", Cred::Key(&admin))
        .json(&json!({"name": "lost", "type": "private_key"}))
        .send()
        .await
        .expect_err("connection error");
    assert!(err.status().is_none() && !err.is_timeout(), "{err:?}");
    assert_eq!(key_count(&t), before, "nothing committed");
    let log = t.sb.requests();
    assert_eq!(log.last().map(|l| l.status), Some(0));
    assert_eq!(
        log.last().and_then(|l| l.fault.clone()).as_deref(),
        Some("reset")
    );
    // The server keeps serving.
    assert_eq!(t.get("/users/me", &admin).await.status, 200);
}

#[tokio::test]
async fn commit_then_reset_loses_the_response_but_keeps_the_row() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    t.sb.add_fault(Fault::new(Some("POST"), KEYS, FaultAction::CommitThenReset).times(1));
    let err = t
        .request(Method::POST, "/secrets/api/keys", Cred::Key(&admin))
        .json(&json!({"name": "ghost", "type": "private_key"}))
        .send()
        .await
        .expect_err("connection error");
    assert!(err.status().is_none(), "{err:?}");
    let ghost = t.sb.keys().into_iter().find(|k| k.name == "ghost");
    assert_eq!(ghost.map(|k| k.status).as_deref(), Some("published"));
    let log = t.sb.requests();
    assert_eq!(log.last().map(|l| l.status), Some(201));
    assert_eq!(
        log.last().and_then(|l| l.fault.clone()).as_deref(),
        Some("commit-then-reset")
    );
}

#[tokio::test]
async fn redirect_target_is_served_and_logged() {
    let t = T::new();
    let target = format!("http://localhost:{}/v1/environments", t.sb.addr().port());
    t.sb.add_fault(
        Fault::new(
            Some("GET"),
            "/v1/users/me",
            FaultAction::Redirect {
                location: target,
                status: 307,
            },
        )
        .times(1),
    );
    let r = t
        .send(
            t.request(Method::GET, "/users/me", Cred::Key(t.sb.admin_key()))
                .header("authorization", "Bearer abc"),
        )
        .await;
    let log = t.sb.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].status, 307);
    assert_eq!(log[1].path, "/v1/environments");
    // reqwest drops Authorization across origins; what it does with x-api-key is on record.
    assert_eq!(log[1].header("authorization"), None);
    assert_eq!(r.status, log[1].status);
}

#[tokio::test]
async fn huge_body_has_the_exact_length() {
    let t = T::new();
    let bytes = 3 * 1024 * 1024 + 7;
    t.sb.add_fault(Fault::parse(&format!("GET /v1/secrets/api/keys huge={bytes}")).expect("spec"));
    let r = t.get("/secrets/api/keys", t.sb.admin_key()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text.len(), bytes);
    assert_eq!(r.header("content-length"), Some(bytes.to_string().as_str()));
    let v: serde_json::Value = serde_json::from_str(&r.text).expect("valid JSON");
    assert!(v["data"].is_string());
    // Tiny sizes still have the exact length.
    t.sb.clear_faults();
    t.sb.add_fault(Fault::parse("GET /v1/secrets/api/keys huge=3").expect("spec"));
    assert_eq!(
        t.get("/secrets/api/keys", t.sb.admin_key())
            .await
            .text
            .len(),
        3
    );
}

#[tokio::test]
async fn faults_from_options() {
    let t = T::with(SandboxOptions {
        faults: vec![Fault::parse("GET /v1/rbac/roles status=503 times=1").expect("spec")],
        ..Default::default()
    });
    assert_eq!(t.get("/rbac/roles", t.sb.admin_key()).await.status, 503);
    assert_eq!(t.get("/rbac/roles", t.sb.admin_key()).await.status, 200);
}
