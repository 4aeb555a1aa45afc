//! `keys …`: the subcommands and their arguments.

use clap::{Args, Subcommand};
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter};

use crate::config::AuditRule;
use crate::names::{parse_name, parse_new_name};
use crate::time::{FutureTimestamp, TimeSpan};

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Mint a new API key; its secret is shown once
    #[command(after_help = "Examples:
  flexprice-admin keys create --name ci-ingest --service-account ingest-bot
  flexprice-admin keys create --name local-dev --expires-in 7d
  flexprice-admin keys create --name ci-ingest --service-account ingest-bot -o json
  flexprice-admin keys create --name ingest --store keychain
  flexprice-admin keys create --name ci-ingest --store 'exec:gh secret set FLEXPRICE_API_KEY'
  flexprice-admin keys create --name backup --store file:./backup.key --store keychain")]
    Create(KeysCreateArgs),

    /// List API keys, newest first
    #[command(after_help = "Examples:
  flexprice-admin keys list
  flexprice-admin keys list --service-account ingest-bot
  flexprice-admin keys list --all-environments
  flexprice-admin keys list -o json | jq -r '.[].id'")]
    List(KeysListArgs),

    /// Revoke one or more API keys
    #[command(after_help = "Examples:
  flexprice-admin keys delete ci-ingest
  flexprice-admin keys delete secret_01K3ABCDEFGHJKMNPQRSTVWXYZ secret_01K3... --yes")]
    Delete(KeysDeleteArgs),

    /// Replace a key with a new one of the same name and owner, then revoke the old one
    #[command(after_help = "Examples:
  flexprice-admin keys rotate ci-ingest --store keychain --yes
  flexprice-admin keys rotate secret_01K3ABCDEFGHJKMNPQRSTVWXYZ --expires-in 30d -o json
  flexprice-admin keys rotate --due --yes -o json      # every key `keys audit` reports
  flexprice-admin keys rotate --due --max-age 30d --service-account ingest-bot --yes
  flexprice-admin keys rotate --all --service-account ingest-bot --store 'file:./{name}.key'")]
    Rotate(Box<KeysRotateArgs>),

    /// Report keys that need attention (exit 10 when one counts)
    ///
    /// Too old, expiring soon or expired (the rotation policy), never expiring, a service
    /// account's all-powerful key, or orphaned (its owner left the tenant).
    #[command(after_help = "Examples:
  flexprice-admin keys audit
  flexprice-admin keys audit --max-age 30d --expiring-within 7d -o json
  flexprice-admin keys audit --service-account ingest-bot
  flexprice-admin keys audit --all-environments --privileged-keys fail
  flexprice-admin keys audit -q || echo \"flexprice keys need attention\"")]
    Audit(KeysAuditArgs),

    /// Check a key: does it authenticate, which key is it, may it do ENTITY:ACTION (the secret
    /// is read from stdin, never from the command line)
    ///
    /// The secret, on stdin or in --from-file, is read to its end and holds at most 4 KiB: more
    /// exits 2 before any request is sent, never cut and sent.
    #[command(after_help = "Examples:
  flexprice-admin keys check < /etc/flexprice/ingest.key
  flexprice-admin keys check --from-keychain ci-ingest --permission event:write
  printenv INGEST_KEY | flexprice-admin keys check -o json
  flexprice-admin keys check --from-file ./backup.key --permission event:read")]
    Check(KeysCheckArgs),
}

/// `--store` is [`StoreArgs`]' (shared with `keys create`), but its default is rotate's own.
#[derive(Debug, Args)]
#[command(mut_arg("destinations", |arg| arg.help(ROTATE_STORE_HELP)))]
pub struct KeysRotateArgs {
    /// The key to rotate, by ID (secret_...) or unique name
    #[arg(value_name = "ID|NAME", value_parser = parse_name, required_unless_present_any = ["due", "all"], conflicts_with_all = ["due", "all"], add = ArgValueCandidates::new(crate::completion::key_names))]
    pub key: Option<String>,

    /// Rotate every key `keys audit` reports (under --max-age and --expiring-within), except
    /// other users' keys, the key this command runs with, and keys that already have a newer
    /// key of the same name
    #[arg(long, conflicts_with = "keep_old")]
    pub due: bool,

    /// Rotate every active key now, whatever its age (an incident: a leaked key or account);
    /// narrow it with --service-account and --name. Skips what --due skips
    #[arg(long, conflicts_with_all = ["keep_old", "due"])]
    pub all: bool,

    #[command(flatten)]
    pub policy: PolicyArgs,

    #[command(flatten)]
    pub scope: KeyScopeArgs,

    /// Lifetime of the new key [default: the old key's lifetime, else the profile's default_expiry, else 90d]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub expires_in: Option<TimeSpan>,

    /// Keep the old key active (revoke it yourself once every consumer has the new secret)
    #[arg(long)]
    pub keep_old: bool,

    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct KeysAuditArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,

    #[command(flatten)]
    pub rules: AuditRuleArgs,

    #[command(flatten)]
    pub scope: KeyScopeArgs,

    #[command(flatten)]
    pub everywhere: AllEnvironmentsArg,
}

/// The rotation policy: when a key is due. Shared by `keys audit` and `keys rotate --due`, whose
/// defaults come from the profile (`max_age`, `expiring_within` in config.toml), so the two never
/// disagree; `keys list` marks keys "expiring" with the same window.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct PolicyArgs {
    /// Keys created longer ago than this are due [default: the profile's max_age, else 90d,
    /// Flexprice's rotation guidance]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub max_age: Option<TimeSpan>,

    /// Keys expiring within this window are due [default: the profile's expiring_within, else
    /// 14d]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub expiring_within: Option<TimeSpan>,
}

/// Whether `keys audit` reports the keys that no rotation policy catches, and whether they count
/// toward exit 10; the defaults come from the profile (`no_expiry_keys`, `privileged_keys`).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct AuditRuleArgs {
    /// Keys that never expire: fail (reported, exit 10), report (reported, exit unchanged) or
    /// ignore [default: the profile's no_expiry_keys, else fail]
    #[arg(long, value_enum, value_name = "RULE")]
    pub no_expiry_keys: Option<AuditRule>,

    /// Service-account keys whose roles grant every permission (super_admin): fail, report or
    /// ignore [default: the profile's privileged_keys, else report]
    #[arg(long, value_enum, value_name = "RULE")]
    pub privileged_keys: Option<AuditRule>,
}

/// Which keys a listing, audit or batch covers; shared by `keys list`, `keys audit` and
/// `keys rotate`.
#[derive(Debug, Clone, Default, Args)]
pub struct KeyScopeArgs {
    /// Only keys of this service account (ID or name); repeatable, for the keys of any of them
    #[arg(long = "service-account", value_name = "ID|NAME", value_parser = parse_name, add = ArgValueCandidates::new(crate::completion::service_account_names))]
    pub service_accounts: Vec<String>,

    /// Only keys with exactly this name
    #[arg(long, value_parser = parse_name, add = ArgValueCandidates::new(crate::completion::key_names))]
    pub name: Option<String>,
}

/// `--all-environments`, for the commands that can walk the whole tenant.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct AllEnvironmentsArg {
    /// Every environment of the tenant, not just one (needs a credential not bound to an
    /// environment: a tenant-level key or a login token)
    #[arg(long)]
    pub all_environments: bool,
}

#[derive(Debug, Args)]
pub struct KeysCheckArgs {
    /// Read the secret from the OS keychain entry saved by `--store keychain` under this key
    /// name, instead of stdin
    #[arg(long, value_name = "NAME", value_parser = parse_name, conflicts_with = "from_file")]
    pub from_keychain: Option<String>,

    /// Read the secret from this file (e.g. one written by `--store file:PATH`), instead of
    /// stdin: a regular file (a FIFO or a device exits 2 at once, before any request); one that
    /// others can read is made private when it is yours and refused otherwise, as
    /// FLEXPRICE_API_KEY_FILE is
    #[arg(long, value_name = "PATH")]
    pub from_file: Option<std::path::PathBuf>,

    /// Also check that the key's roles grant this permission, e.g. event:read (exit 6 when
    /// they do not)
    #[arg(long, value_name = "ENTITY:ACTION", value_parser = crate::api::permissions::Permission::parse)]
    pub permission: Option<crate::api::permissions::Permission>,
}

#[derive(Debug, Args)]
pub struct KeysCreateArgs {
    /// Name of the key (prompted for on a terminal when missing)
    #[arg(long, value_parser = parse_new_name)]
    pub name: Option<String>,

    /// Mint the key for this service account (ID or name) instead of for yourself
    #[arg(long, value_name = "ID|NAME", value_parser = parse_name, add = ArgValueCandidates::new(crate::completion::service_account_names))]
    pub service_account: Option<String>,

    #[command(flatten)]
    pub expiry: ExpiryArgs,

    /// Mint a publishable key (pk_...), which can never authenticate API calls
    #[arg(long)]
    pub publishable: bool,

    /// Mint nothing and exit 0 when a live key of this name and owner exists (a script that
    /// runs twice makes one key)
    #[arg(long)]
    pub if_missing: bool,

    #[command(flatten)]
    pub store: StoreArgs,
}

/// `keys rotate --store`: without it, a new secret goes where the old key's went, not to stdout.
const ROTATE_STORE_HELP: &str = "Where the new secret goes, repeatable: keychain, file:PATH (0600, \
written atomically; {name} and {owner} in PATH stand for the key's name and its owner's ID), \
exec:COMMAND (the secret on its stdin) or stdout. Without --store, where the old key's secret was \
delivered (the delivery record kept on this host), else stdout. Each is checked before the key is \
minted and verified after";

/// Where a new secret goes; shared by every command that mints one (`keys rotate` words
/// `--store`'s default its own way: `ROTATE_STORE_HELP`).
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Where the secret goes, repeatable: stdout (default), keychain, file:PATH (0600, written
    /// atomically; {name} and {owner} in PATH stand for the key's name and its owner's ID) or
    /// exec:COMMAND (the secret on its stdin). Each is checked before the key is minted and
    /// verified after.
    #[arg(
        long = "store",
        value_name = "DEST",
        value_parser = crate::handover::Store::parse,
        add = ArgValueCompleter::new(crate::completion::store_values)
    )]
    pub destinations: Vec<crate::handover::Store>,

    /// When a destination fails after minting: keep the key and leave the secret in a 0600
    /// recovery file (exit 9), or revoke the new key
    #[arg(long, value_enum, default_value_t = OnStoreFailure::Keep, value_name = "WHAT")]
    pub on_store_failure: OnStoreFailure,
}

pub use crate::handover::OnStoreFailure;

#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct ExpiryArgs {
    /// Lifetime of the key, e.g. 90d, 12h, 2w [default: 90d, or the profile's default_expiry]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub expires_in: Option<TimeSpan>,

    /// Expiry as an RFC 3339 time, e.g. 2027-01-31T00:00:00Z
    #[arg(long, value_name = "RFC3339", allow_hyphen_values = true)]
    pub expires_at: Option<FutureTimestamp>,

    /// Create a key that never expires (not recommended: rotate keys every 90 days)
    #[arg(long)]
    pub no_expiry: bool,
}

#[derive(Debug, Args)]
pub struct KeysListArgs {
    #[command(flatten)]
    pub scope: KeyScopeArgs,

    /// At most this many keys (the newest)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,

    #[command(flatten)]
    pub everywhere: AllEnvironmentsArg,
}

#[derive(Debug, Args)]
pub struct KeysDeleteArgs {
    /// Keys to revoke, by ID (secret_...) or unique name
    #[arg(required = true, value_name = "ID|NAME", value_parser = parse_name, add = ArgValueCandidates::new(crate::completion::key_names))]
    pub keys: Vec<String>,
}
