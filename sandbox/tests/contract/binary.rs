//! The `flexprice-sandbox` binary: its printed lines, serving with them, `--fault`, and a clean
//! exit on SIGTERM.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_flexprice-sandbox");

/// Starts the binary with `args` and reads its seven `NAME=value` lines.
async fn spawn(args: &[&str]) -> (tokio::process::Child, Vec<(String, String)>) {
    let mut child = Command::new(BIN)
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary spawns");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut vars = Vec::new();
    for _ in 0..7 {
        let line = lines.next_line().await.expect("read").expect("a line");
        let (k, v) = line.split_once('=').expect("NAME=value");
        vars.push((k.to_owned(), v.to_owned()));
    }
    (child, vars)
}

#[tokio::test]
async fn prints_its_lines_serves_and_exits_zero_on_sigterm() {
    let (mut child, vars) = spawn(&[
        "--seed-keys",
        "3",
        "--fault",
        "GET /v1/rbac/roles status=503 times=1",
    ])
    .await;
    let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "FLEXPRICE_API_URL",
            "FLEXPRICE_API_KEY",
            "FLEXPRICE_TENANT_API_KEY",
            "FLEXPRICE_SANDBOX_ENVIRONMENT_ID",
            "FLEXPRICE_PRODUCTION_ENVIRONMENT_ID",
            "FLEXPRICE_ADMIN_EMAIL",
            "FLEXPRICE_ADMIN_PASSWORD"
        ]
    );
    let url = &vars[0].1;
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/v1"));
    let http = crate::http_client();
    let me = http
        .get(format!("{url}/users/me"))
        .header("x-api-key", &vars[1].1)
        .send()
        .await
        .expect("request");
    assert_eq!(me.status().as_u16(), 200);
    let list: serde_json::Value = http
        .get(format!("{url}/secrets/api/keys?limit=0"))
        .header("x-api-key", &vars[1].1)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(list["pagination"]["total"], 4, "admin key + 3 seeded");
    let roles = http
        .get(format!("{url}/rbac/roles"))
        .header("x-api-key", &vars[1].1)
        .send()
        .await
        .expect("request");
    assert_eq!(roles.status().as_u16(), 503, "--fault applies");

    let pid = i32::try_from(child.id().expect("running")).expect("pid fits");
    // SAFETY: plain kill(2) on our own child's PID.
    let rc = unsafe { libc::kill(pid, libc::SIGTERM) };
    assert_eq!(rc, 0);
    let status = child.wait().await.expect("waits");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn help_documents_the_fault_grammar() {
    let out = Command::new(BIN)
        .arg("--help")
        .output()
        .await
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for word in [
        "--fault",
        "--revocation-delay",
        "--require-environment-for-user-admin",
        "--remove-user-deletes-keys",
        "commit-then-reset",
        "commit-then-hold=NAME",
        "commit-then-huge=BYTES",
        "retry-after=SECS",
        "huge=BYTES",
        "times=N",
    ] {
        assert!(text.contains(word), "--help lacks {word}");
    }
    let bad = Command::new(BIN)
        .args(["--fault", "GET /x bogus"])
        .output()
        .await
        .expect("runs");
    assert!(!bad.status.success());
}

/// Mints a key as the admin, authenticates with it, revokes it, and returns the status of the next
/// call with it.
async fn status_after_revoking_a_used_key(url: &str, admin: &str) -> u16 {
    let http = crate::http_client();
    let created: serde_json::Value = http
        .post(format!("{url}/secrets/api/keys"))
        .header("x-api-key", admin)
        .json(&serde_json::json!({"name": "k", "type": "private_key"}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let raw = created["api_key"].as_str().expect("api_key");
    let id = created["secret"]["id"].as_str().expect("id");
    let me = |key: &str| {
        http.get(format!("{url}/users/me"))
            .header("x-api-key", key)
            .send()
    };
    assert_eq!(me(raw).await.expect("request").status().as_u16(), 200);
    let deleted = http
        .delete(format!("{url}/secrets/api/keys/{id}"))
        .header("x-api-key", admin)
        .send()
        .await
        .expect("request");
    assert_eq!(deleted.status().as_u16(), 204);
    me(raw).await.expect("request").status().as_u16()
}

#[tokio::test]
async fn the_revocation_cache_is_on_unless_the_delay_is_zero() {
    let (_default, vars) = spawn(&[]).await;
    assert_eq!(
        status_after_revoking_a_used_key(&vars[0].1, &vars[1].1).await,
        200,
        "the real server's 120 s cache by default"
    );
    let (_off, vars) = spawn(&["--revocation-delay", "0"]).await;
    assert_eq!(
        status_after_revoking_a_used_key(&vars[0].1, &vars[1].1).await,
        401
    );
}

#[tokio::test]
async fn require_environment_for_user_admin_refuses_unbound_credentials_without_one() {
    let (_child, vars) = spawn(&["--require-environment-for-user-admin"]).await;
    let (url, tenant_key, env) = (&vars[0].1, &vars[2].1, &vars[3].1);
    let http = crate::http_client();
    let created: serde_json::Value = http
        .post(format!("{url}/users"))
        .header("x-api-key", tenant_key)
        .json(&serde_json::json!({"type": "service_account", "roles": ["event_reader"]}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let id = created["id"].as_str().expect("id");
    let delete = |with_env: bool| {
        let rb = http
            .delete(format!("{url}/users/{id}"))
            .header("x-api-key", tenant_key);
        if with_env {
            rb.header("X-Environment-ID", env)
        } else {
            rb
        }
        .send()
    };
    let refused = delete(false).await.expect("request");
    assert_eq!(refused.status().as_u16(), 403);
    assert_eq!(
        refused.json::<serde_json::Value>().await.expect("json"),
        crate::env_denied()
    );
    assert_eq!(delete(true).await.expect("request").status().as_u16(), 204);
}

/// Invites a person as the admin, mints them a key, removes them, and returns the status of the
/// next call with that key.
async fn status_of_a_removed_persons_key(url: &str, admin: &str) -> u16 {
    let http = crate::http_client();
    let invited: serde_json::Value = http
        .post(format!("{url}/users"))
        .header("x-api-key", admin)
        .json(&serde_json::json!({"type": "user", "email": "leaver@example.com"}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let id = invited["id"].as_str().expect("id");
    let password = invited["password"].as_str().expect("password");
    let login: serde_json::Value = http
        .post(format!("{url}/auth/login"))
        .json(&serde_json::json!({"email": "leaver@example.com", "password": password}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let token = login["token"].as_str().expect("token");
    let created: serde_json::Value = http
        .post(format!("{url}/secrets/api/keys"))
        .bearer_auth(token)
        .header("X-Environment-ID", "00000000-0000-0000-0000-000000000001")
        .json(&serde_json::json!({"name": "theirs", "type": "private_key"}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let raw = created["api_key"].as_str().expect("api_key");
    let removed = http
        .post(format!("{url}/users/{id}/remove"))
        .header("x-api-key", admin)
        .send()
        .await
        .expect("request");
    assert_eq!(removed.status().as_u16(), 204);
    http.get(format!("{url}/users/me"))
        .header("x-api-key", raw)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

#[tokio::test]
async fn remove_user_deletes_keys_switches_to_the_revision_that_revokes_them() {
    let (_released, vars) = spawn(&[]).await;
    assert_eq!(
        status_of_a_removed_persons_key(&vars[0].1, &vars[1].1).await,
        200,
        "as released: the removed person's key keeps working"
    );
    let (_revised, vars) = spawn(&["--remove-user-deletes-keys"]).await;
    assert_eq!(
        status_of_a_removed_persons_key(&vars[0].1, &vars[1].1).await,
        401
    );
}
