//! Measures start-up with 10,000 seeded keys and the time to list them all in one request
//! (`limit=0`). Run with `cargo run --release -p flexprice-sandbox --example timing`.

use std::io::Write as _;
use std::time::{Duration, Instant};

use flexprice_sandbox::{Sandbox, SandboxOptions};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let started = Instant::now();
    let sb = Sandbox::start(SandboxOptions {
        seed_keys: 10_000,
        seed_service_accounts: 100,
        ..Default::default()
    })?;
    writeln!(out, "start-up with 10,000 keys: {:?}", started.elapsed())?;
    let empty = Instant::now();
    drop(Sandbox::start(SandboxOptions::default())?);
    writeln!(
        out,
        "start-up (and stop) without bulk data: {:?}",
        empty.elapsed()
    )?;

    // The workspace may unify reqwest with `rustls-no-provider`; install one so the client builds.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let url = format!("{}/secrets/api/keys?limit=0", sb.api_url());
    let mut best = Duration::MAX;
    let mut total = Duration::ZERO;
    const RUNS: u32 = 20;
    for _ in 0..RUNS {
        let t = Instant::now();
        let body = http
            .get(&url)
            .header("x-api-key", sb.admin_key())
            .send()
            .await?
            .bytes()
            .await?;
        let took = t.elapsed();
        anyhow::ensure!(body.len() > 1_000_000, "unexpectedly small body");
        best = best.min(took);
        total += took;
    }
    let v: serde_json::Value = http
        .get(&url)
        .header("x-api-key", sb.admin_key())
        .send()
        .await?
        .json()
        .await?;
    writeln!(
        out,
        "list {} keys (limit=0): best {:?}, mean {:?} over {RUNS} requests",
        v["items"].as_array().map_or(0, Vec::len),
        best,
        total / RUNS
    )?;
    Ok(())
}
