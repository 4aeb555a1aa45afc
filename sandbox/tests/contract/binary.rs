//! The `flexprice-sandbox` binary: its printed lines, serving with them, `--fault`, and a clean
//! exit on SIGTERM.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_flexprice-sandbox");

#[tokio::test]
async fn prints_its_lines_serves_and_exits_zero_on_sigterm() {
    let mut child = Command::new(BIN)
        .args(["--addr", "127.0.0.1:0", "--seed-keys", "3"])
        .args(["--fault", "GET /v1/rbac/roles status=503 times=1"])
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
        "commit-then-reset",
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
