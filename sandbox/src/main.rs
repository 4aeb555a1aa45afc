//! The `flexprice-sandbox` binary: parse flags, start the sandbox, print the connection lines to
//! stdout (flushed one by one for `while read` loops), serve until SIGINT or SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use flexprice_sandbox::{FAULT_GRAMMAR, Fault, REVOCATION_DELAY, Sandbox, SandboxOptions};

/// A local stand-in for the Flexprice API (API keys, users, service accounts, RBAC, environments).
///
/// Once it accepts connections it prints, one per line: FLEXPRICE_API_URL, FLEXPRICE_API_KEY (the
/// super_admin user's DB key, bound to the Sandbox environment), FLEXPRICE_TENANT_API_KEY,
/// FLEXPRICE_SANDBOX_ENVIRONMENT_ID, FLEXPRICE_PRODUCTION_ENVIRONMENT_ID, FLEXPRICE_ADMIN_EMAIL and
/// FLEXPRICE_ADMIN_PASSWORD.
#[derive(Parser)]
#[command(name = "flexprice-sandbox", version, after_long_help = fault_help())]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:0")]
    addr: SocketAddr,

    /// Seed N extra API keys in the Sandbox environment (for benchmarks).
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed_keys: usize,

    /// Seed N extra service accounts with role event_ingestor; seeded keys are spread over them.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed_service_accounts: usize,

    /// Keep accepting a revoked key for up to SECS seconds after it was last verified, as the
    /// real server's in-process key cache does (120 s, the default). 0 revokes at once.
    #[arg(long, value_name = "SECS", default_value_t = REVOCATION_DELAY.as_secs())]
    revocation_delay: u64,

    /// Answer as Flexprice will once flexprice/flexprice#2573 ships: PUT/DELETE /v1/users/{id}
    /// and PUT /v1/users/{id}/roles then need X-Environment-ID from a credential that is not
    /// bound to an environment (a tenant-level key or a login token), or answer 403.
    #[arg(long)]
    require_environment_for_user_admin: bool,

    /// Answer POST /v1/users/{id}/remove as the later revision of flexprice/flexprice#2363
    /// would: the removed person's API keys are deleted too. Without it, as released on
    /// 2026-08-28, they keep authenticating.
    #[arg(long)]
    remove_user_deletes_keys: bool,

    /// Inject a fault (repeatable), e.g. 'POST /v1/secrets/api/keys status=500 times=1'.
    /// See --help for the grammar.
    #[arg(long, value_name = "SPEC", value_parser = parse_fault)]
    fault: Vec<Fault>,
}

fn parse_fault(spec: &str) -> Result<Fault, String> {
    Fault::parse(spec).map_err(|e| format!("{e:#}"))
}

fn fault_help() -> String {
    FAULT_GRAMMAR
        .lines()
        .filter(|l| !l.starts_with("```"))
        .map(|l| l.replace('`', ""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let sandbox = Sandbox::start(SandboxOptions {
        addr: args.addr,
        seed_keys: args.seed_keys,
        seed_service_accounts: args.seed_service_accounts,
        revocation_delay: Duration::from_secs(args.revocation_delay),
        environment_required_for_user_admin: args.require_environment_for_user_admin,
        remove_user_deletes_keys: args.remove_user_deletes_keys,
        faults: args.fault,
    })?;
    let lines = [
        ("FLEXPRICE_API_URL", sandbox.api_url()),
        ("FLEXPRICE_API_KEY", sandbox.admin_key().to_owned()),
        ("FLEXPRICE_TENANT_API_KEY", sandbox.tenant_key().to_owned()),
        (
            "FLEXPRICE_SANDBOX_ENVIRONMENT_ID",
            sandbox.sandbox_environment_id().to_owned(),
        ),
        (
            "FLEXPRICE_PRODUCTION_ENVIRONMENT_ID",
            sandbox.production_environment_id().to_owned(),
        ),
        ("FLEXPRICE_ADMIN_EMAIL", sandbox.admin_email().to_owned()),
        (
            "FLEXPRICE_ADMIN_PASSWORD",
            sandbox.admin_password().to_owned(),
        ),
    ];
    {
        let mut out = std::io::stdout().lock();
        for (name, value) in lines {
            writeln!(out, "{name}={value}").context("cannot write to stdout")?;
            out.flush().context("cannot flush stdout")?;
        }
    }
    wait_for_signal()?;
    sandbox.stop();
    Ok(())
}

/// Blocks until SIGINT or SIGTERM.
fn wait_for_signal() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot build the signal runtime")?;
    runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("cannot listen for SIGTERM")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("cannot listen for SIGINT"),
            _ = term.recv() => Ok(()),
        }
    })
}
