//! The options every command takes (`--profile`, `--output`, `--timeout`, …): their clap
//! definitions, and nothing they depend on above the values they hold.

use clap::Args;

use crate::env;
pub use crate::output::{ColorChoice, OutputFormat};

/// The heading the global options appear under in every command's help (gh's "INHERITED FLAGS").
pub const GLOBAL_HEADING: &str = "Global options";

/// Options accepted by every command, each with an environment variable where one makes sense.
/// Every command's help lists them under their own heading, after the command's own options.
#[derive(Debug, Args)]
#[command(next_help_heading = GLOBAL_HEADING)]
pub struct GlobalArgs {
    /// Profile from config.toml to use
    #[arg(long, global = true, env = env::PROFILE, hide_env_values = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]
    // The help text shows the URL as it is: not a link for rustdoc.
    #[allow(rustdoc::bare_urls)]
    #[arg(long, global = true, env = env::API_URL, hide_env_values = true, value_name = "URL")]
    pub api_url: Option<String>,

    /// Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and
    /// JWTs; a key stored in the database is bound to its own environment)
    #[arg(long, global = true, env = env::ENVIRONMENT_ID, hide_env_values = true, value_name = "ENV")]
    pub environment: Option<String>,

    /// Output format [default: table on a terminal, plain when piped]
    #[arg(short = 'o', long, global = true, value_enum, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,

    /// Print only IDs (or the secret), no commentary
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Answer yes to confirmations (needed for destructive commands off a terminal)
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,

    /// Never prompt; fail instead, naming the flag to pass
    #[arg(long, global = true)]
    pub no_input: bool,

    /// Trace HTTP requests on stderr (credentials redacted)
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Seconds to wait for each HTTP request
    #[arg(long, global = true, value_name = "SECONDS", default_value = "30", value_parser = parse_timeout, allow_hyphen_values = true)]
    pub timeout: std::time::Duration,

    /// Print each request a mutating command would send, and send none
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Allow plain http:// to a host other than loopback (the API key would cross the network
    /// unencrypted)
    #[arg(long, global = true)]
    pub allow_insecure_http: bool,

    /// When to use colour
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

pub(crate) fn parse_timeout(raw: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = raw
        .trim()
        .parse()
        .map_err(|_| "expected a number of seconds, e.g. 30 or 2.5".to_string())?;
    if !secs.is_finite() || secs <= 0.0 || secs > 3600.0 {
        return Err("must be more than 0 and at most 3600 seconds".into());
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}
