//! `auth …`, `profile …` and `keychain …`: the subcommands that set up and keep credentials,
//! and their arguments.

use clap::{Args, Subcommand};

use super::global::parse_timeout;
use crate::config::AuditRule;
use crate::names::parse_name;
use crate::time::TimeSpan;

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Check an admin API key against the API, or log in with a dashboard user's email and
    /// password, and store the credential in the OS keychain for the profile
    #[command(after_help = "Examples:
  flexprice-admin auth login
  flexprice-admin auth login --profile prod --api-url https://api.cloud.flexprice.io/v1
  pass show flexprice/admin | flexprice-admin auth login --api-key-stdin
  flexprice-admin auth login --email ops@example.com          # a login token: every environment
  pass show flexprice/ops | flexprice-admin auth login --email ops@example.com --password-stdin")]
    Login(AuthLoginArgs),

    /// Show where the admin credential comes from, who it is and its roles
    #[command(after_help = "Examples:
  flexprice-admin auth status
  flexprice-admin auth status --profile prod -o json")]
    Status,

    /// Remove the profile's admin credential from the OS keychain
    #[command(after_help = "Examples:
  flexprice-admin auth logout
  flexprice-admin auth logout --profile prod")]
    Logout,
}

#[derive(Debug, Args)]
pub struct AuthLoginArgs {
    /// Read the API key from stdin instead of a hidden prompt
    #[arg(long, conflicts_with = "email")]
    pub api_key_stdin: bool,

    /// Log in as this dashboard user (POST /auth/login) and store the login token, which is not
    /// bound to an environment (so --all-environments works) and lasts 30 days; the password
    /// is asked for on a terminal, never taken from the command line
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,

    /// With --email: read the password from stdin (its one line) instead of a hidden prompt
    #[arg(long, requires = "email", conflicts_with = "password_file")]
    pub password_stdin: bool,

    /// With --email: read the password from this file (its one line; a regular file only you
    /// can read, like FLEXPRICE_API_KEY_FILE)
    #[arg(long, value_name = "PATH", requires = "email")]
    pub password_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Create the profile named by --profile, or change it: saves --api-url and --environment
    /// when given, and the settings below; stores no credential and sends no request
    #[command(after_help = "Examples:
  flexprice-admin profile set --profile prod --api-url https://api.cloud.flexprice.io/v1
  flexprice-admin profile set --profile prod --max-age 30d --expiring-within 7d --default-expiry 45d
  flexprice-admin profile set --profile prod --privileged-keys fail
  FLEXPRICE_PROFILE=prod flexprice-admin profile set --environment env_01K3ABCDEFGHJKMNPQRSTVWXYZ")]
    Set(Box<ProfileSetArgs>),

    /// Show a profile's settings as every command reads them (defaults filled in) and where
    /// its credential would come from (the keychain is not opened)
    #[command(after_help = "Examples:
  flexprice-admin profile show
  flexprice-admin profile show --profile prod -o json")]
    Show,

    /// List the profiles in config.toml
    #[command(after_help = "Examples:
  flexprice-admin profile list
  flexprice-admin profile list -o json | jq -r '.[].name'")]
    List,
}

#[derive(Debug, Args)]
pub struct ProfileSetArgs {
    /// Lifetime of new keys when no expiry flag is given (`default_expiry`)
    #[arg(long, value_name = "DURATION")]
    pub default_expiry: Option<TimeSpan>,

    /// Rotation policy: keys created longer ago than this are due (`max_age`)
    #[arg(long, value_name = "DURATION")]
    pub max_age: Option<TimeSpan>,

    /// Rotation policy: keys expiring within this window are due (`expiring_within`)
    #[arg(long, value_name = "DURATION")]
    pub expiring_within: Option<TimeSpan>,

    /// `keys audit`: keys that never expire fail the audit, are only reported, or are ignored
    /// (`no_expiry_keys`)
    #[arg(long, value_enum, value_name = "RULE")]
    pub no_expiry_keys: Option<AuditRule>,

    /// `keys audit`: service-account keys that can do everything fail the audit, are only
    /// reported, or are ignored (`privileged_keys`)
    #[arg(long, value_enum, value_name = "RULE")]
    pub privileged_keys: Option<AuditRule>,

    /// Seconds to wait for the OS keychain (`keychain_timeout`)
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub keychain_timeout: Option<std::time::Duration>,
}

#[derive(Debug, Subcommand)]
pub enum KeychainCommand {
    /// Print a stored key secret on stdout
    #[command(after_help = "Examples:
  export FLEXPRICE_API_KEY=$(flexprice-admin keychain get ingest)
  flexprice-admin keychain get ingest --service-account user_01K3ZQ9W5G2H7N4M8P6R1T3V7Q
  flexprice-admin keychain get ci-ingest --profile prod")]
    Get(KeychainNameArgs),

    /// List the keys stored for the profile: name, owner, key ID, whether the key is active
    /// (never their secrets)
    #[command(after_help = "Examples:
  flexprice-admin keychain list
  flexprice-admin keychain list -o json")]
    List,

    /// Delete a stored key secret (the key itself stays valid; revoke it with `keys delete`)
    #[command(after_help = "Examples:
  flexprice-admin keychain remove ingest --yes")]
    Remove(KeychainNameArgs),

    /// Delete the entries whose key is no longer active (revoked, rotated away, expired)
    #[command(after_help = "Examples:
  flexprice-admin keychain prune
  flexprice-admin keychain prune --yes")]
    Prune,

    /// List the recovery files: secrets minted but not delivered, waiting in the state directory
    #[command(after_help = "Examples:
  flexprice-admin keychain recovered
  flexprice-admin keychain recovered -o json")]
    Recovered,
}

#[derive(Debug, Args)]
pub struct KeychainNameArgs {
    /// The key name the secret was stored under
    #[arg(value_parser = parse_name)]
    pub name: String,

    /// The owner whose entry is meant, when keys of several owners share the name: a service
    /// account's (or user's) ID
    #[arg(long, value_name = "OWNER_ID")]
    pub service_account: Option<String>,
}
