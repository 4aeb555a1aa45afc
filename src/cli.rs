//! The command tree, global options and value types, as clap derive definitions. Doc comments
//! are the help text; nothing here does any work beyond parsing and validating single values.

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter, CompletionCandidate};

use crate::env;
use crate::time::{FutureTimestamp, TimeSpan};

const ROOT_EXAMPLES: &str = "Examples:
  export FLEXPRICE_API_KEY=...            # an admin key (a super_admin user's key)
  flexprice-admin whoami
  flexprice-admin service-accounts create --name ingest-bot --role event_ingestor
  flexprice-admin keys create --name ci-ingest --service-account ingest-bot
  flexprice-admin keys list
  flexprice-admin keys delete ci-ingest --yes";

/// The clap command with the parts of the help built from tables at run time: `--help` on the
/// root shows the exit codes and environment variables from the same tables the code uses.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command().after_long_help(format!(
        "{ROOT_EXAMPLES}\n\nExit codes:\n{}\nEnvironment:\n{}",
        crate::error::Exit::table_text(),
        env::table_text()
    ))
}

/// The version `--version` prints: the package version and, when build.rs could tell, the commit
/// (`0.1.0 (commit 0123456789ab)`).
pub const VERSION: &str = env!("FLEXPRICE_ADMIN_VERSION");

/// The command tree shell completion works from: the real one without hidden commands, and
/// with each command offered once, by its full name. clap's completion engine offers a hidden
/// command whenever it is the only match (`gen<TAB>`), and `generate` is for packagers, so it is
/// left out of the tree rather than hidden in it. A visible alias would be offered instead of
/// the full name (`sa`, not `service-accounts`), so aliases become hidden ones here: typed,
/// they still complete what follows (`sa create --role <TAB>`).
pub fn completion_command() -> clap::Command {
    let full = <Cli as clap::CommandFactory>::command();
    let visible = full
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| {
            let aliases: Vec<String> = s.get_all_aliases().map(String::from).collect();
            s.clone().alias(None).aliases(aliases)
        });
    // The root settings that shape what can be completed (its flags and its `help`), as on
    // `Cli` below; a unit test checks this tree matches the real one.
    clap::Command::new(full.get_name().to_string())
        .version(VERSION)
        .propagate_version(true)
        .disable_help_subcommand(true)
        .args(full.get_arguments().cloned())
        .subcommands(visible)
}

/// Candidates for a role argument: the roles Flexprice ships, each with its description. Only a
/// hint to the shell: any role name still parses, and the server has the last word.
fn role_candidates(for_service_accounts: bool) -> Vec<CompletionCandidate> {
    crate::api::permissions::builtin_roles()
        .into_iter()
        .filter(|role| {
            !for_service_accounts
                || crate::api::permissions::assignable_to(&role.id).contains(&"service_account")
        })
        .map(|role| CompletionCandidate::new(role.id).help(Some(role.description.into())))
        .collect()
}

/// The colour choice for clap's own help and usage errors, read from raw argv before parsing
/// (the last `--color` wins, as in parsing). `NO_COLOR` is honoured by clap itself.
pub fn clap_color<I: IntoIterator<Item = std::ffi::OsString>>(args: I) -> clap::ColorChoice {
    let mut choice = clap::ColorChoice::Auto;
    let mut next_is_value = false;
    for arg in args {
        let Some(arg) = arg.to_str() else { continue };
        let value = if next_is_value {
            next_is_value = false;
            Some(arg)
        } else if arg == "--color" {
            next_is_value = true;
            None
        } else {
            arg.strip_prefix("--color=")
        };
        match value {
            Some("always") => choice = clap::ColorChoice::Always,
            Some("never") => choice = clap::ColorChoice::Never,
            Some(_) => choice = clap::ColorChoice::Auto,
            None => {}
        }
    }
    choice
}

/// Manage Flexprice API keys, service accounts and roles.
///
/// The admin credential is read from FLEXPRICE_API_KEY, then FLEXPRICE_API_KEY_FILE, then the OS
/// keychain (stored by `auth login`); never from the command line.
#[derive(Debug, Parser)]
#[command(
    name = "flexprice-admin",
    version = VERSION,
    propagate_version = true,
    max_term_width = 100,
    disable_help_subcommand = true,
    after_help = ROOT_EXAMPLES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted by every command, each with an environment variable where one makes sense.
/// Every command's help lists them under their own heading, after the command's own options.
#[derive(Debug, Args)]
#[command(next_help_heading = GLOBAL_HEADING)]
pub struct GlobalArgs {
    /// Profile from config.toml to use
    #[arg(long, global = true, env = env::PROFILE, hide_env_values = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// An aligned table (the default on a terminal)
    Table,
    /// Tab-separated values with no header (the default when piped)
    Plain,
    /// JSON with stable snake_case fields and RFC 3339 UTC times
    Json,
    /// JSON Lines: what `json` gives, one compact object a line (a list becomes one line per
    /// item), for logs that append
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list and revoke API keys
    #[command(
        subcommand,
        after_help = "Examples:
  flexprice-admin keys create --name ci-ingest --service-account ingest-bot
  flexprice-admin keys list --service-account ingest-bot
  flexprice-admin keys delete ci-ingest --yes"
    )]
    Keys(KeysCommand),

    /// Create, list, rename and archive service accounts
    #[command(
        subcommand,
        visible_alias = "sa",
        after_help = "Examples:
  flexprice-admin service-accounts create --name ingest-bot --role event_ingestor
  flexprice-admin service-accounts list
  flexprice-admin sa delete ingest-bot --revoke-keys --yes"
    )]
    ServiceAccounts(ServiceAccountsCommand),

    /// Inspect the roles keys and accounts can hold
    #[command(
        subcommand,
        after_help = "Examples:
  flexprice-admin roles list --for service-account
  flexprice-admin roles show event_ingestor"
    )]
    Roles(RolesCommand),

    /// List the tenant's environments
    #[command(
        subcommand,
        visible_alias = "envs",
        after_help = "Examples:
  flexprice-admin environments list
  flexprice-admin envs list -o json"
    )]
    Environments(EnvironmentsCommand),

    /// Store, check and remove the admin credential in the OS keychain
    #[command(
        subcommand,
        after_help = "Examples:
  flexprice-admin auth login --profile prod --api-url https://api.cloud.flexprice.io/v1
  flexprice-admin auth status"
    )]
    Auth(AuthCommand),

    /// Create, change and show profiles (API URL, environment, rotation policy); no credential
    /// is stored and no request is sent
    #[command(
        subcommand,
        after_help = "Examples:
  flexprice-admin profile set --profile prod --api-url https://api.cloud.flexprice.io/v1 --max-age 30d
  flexprice-admin profile show --profile prod
  flexprice-admin profile list"
    )]
    Profile(ProfileCommand),

    /// Read, list, remove and prune key secrets saved with `--store keychain`; list recovery files
    #[command(
        subcommand,
        after_help = "Examples:
  flexprice-admin keys create --name ingest --store keychain
  export FLEXPRICE_API_KEY=$(flexprice-admin keychain get ingest)"
    )]
    Keychain(KeychainCommand),

    /// Show what `apply` would change to bring the tenant to a manifest of service accounts,
    /// keys and destinations (exit 0: nothing; exit 11: changes pending)
    #[command(after_help = "Examples:
  flexprice-admin plan
  flexprice-admin plan -f /etc/flexprice/keys.toml -o json")]
    Plan(PlanArgs),

    /// Bring the tenant to a manifest: create its service accounts, mint missing keys into their
    /// destinations, rotate due keys, migrate accounts whose roles changed
    #[command(after_help = "Examples:
  flexprice-admin apply
  flexprice-admin apply -f /etc/flexprice/keys.toml --yes -q    # cron
  flexprice-admin apply --prune --yes")]
    Apply(ApplyArgs),

    /// Show the calling principal, its permissions, and which commands they allow
    #[command(after_help = "Examples:
  flexprice-admin whoami
  flexprice-admin whoami -o json | jq -r .roles[]")]
    Whoami,

    /// Print help for a command, or a topic: exit-codes, environment
    #[command(after_help = "Examples:
  flexprice-admin help keys create
  flexprice-admin help exit-codes
  flexprice-admin help environment")]
    Help(HelpArgs),

    /// Write shell completions and man pages (for packagers and the README's install steps)
    #[command(
        hide = true,
        after_help = "Examples:
  flexprice-admin generate all --out .
  flexprice-admin generate completions --out completions
  flexprice-admin generate completions --shell zsh > ~/.zfunc/_flexprice-admin
  flexprice-admin generate man --out man"
    )]
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The manifest (TOML; `man flexprice-admin-manifest` describes it)
    #[arg(short = 'f', long = "file", value_name = "PATH", default_value = crate::manifest::DEFAULT_FILE)]
    pub file: std::path::PathBuf,

    /// Also plan to revoke the keys of the manifest's accounts that it does not declare, and to
    /// archive the accounts it declares absent
    #[arg(long)]
    pub prune: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub plan: PlanArgs,

    /// Keys worked on at once (1 to 64)
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    /// When a destination fails after minting: keep the key and leave the secret in a 0600
    /// recovery file (exit 9; the next apply delivers it), or revoke the new key
    #[arg(long, value_enum, default_value_t = OnStoreFailure::Keep, value_name = "WHAT")]
    pub on_store_failure: OnStoreFailure,
}

#[derive(Debug, Args)]
pub struct HelpArgs {
    /// A command path (e.g. `keys create`) or a topic: exit-codes, environment
    #[arg(value_name = "COMMAND|TOPIC", trailing_var_arg = true)]
    pub topic: Vec<String>,
}

/// The heading the global options appear under in every command's help (gh's "INHERITED FLAGS").
pub const GLOBAL_HEADING: &str = "Global options";

/// The topics `help` knows besides command names.
pub const HELP_TOPICS: &[(&str, &str)] = &[
    ("exit-codes", "what each exit status means"),
    ("environment", "the environment variables read"),
];

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What to generate
    #[arg(value_enum)]
    pub what: GenerateWhat,

    /// Directory to write into (created if missing); `all` writes DIR/completions and DIR/man.
    /// Without it, one completion script (--shell) or the root man page goes to stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,

    /// With `completions` and no --out: the shell whose script to print
    #[arg(long, value_enum, value_name = "SHELL")]
    pub shell: Option<clap_complete::Shell>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateWhat {
    /// Completion scripts for bash, zsh, fish, PowerShell and elvish
    Completions,
    /// Man pages: flexprice-admin.1 and one per subcommand
    Man,
    /// Both, into DIR/completions and DIR/man
    All,
}

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

    /// Report keys that are too old, expire soon or have expired (exit 10 when any is found)
    #[command(after_help = "Examples:
  flexprice-admin keys audit
  flexprice-admin keys audit --max-age 30d --expiring-within 7d -o json
  flexprice-admin keys audit --service-account ingest-bot
  flexprice-admin keys audit --all-environments
  flexprice-admin keys audit -q || echo \"keys need rotating\"")]
    Audit(KeysAuditArgs),

    /// Check a key: does it authenticate, which key is it, may it do ENTITY:ACTION (the secret
    /// is read from stdin, never from the command line)
    #[command(after_help = "Examples:
  flexprice-admin keys check < /etc/flexprice/ingest.key
  flexprice-admin keys check --from-keychain ci-ingest --permission event:write
  printenv INGEST_KEY | flexprice-admin keys check -o json
  flexprice-admin keys check --from-file ./backup.key --permission event:read")]
    Check(KeysCheckArgs),
}

#[derive(Debug, Args)]
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

    /// Read the secret from this file (e.g. one written by `--store file:PATH`), instead of stdin
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

    #[command(flatten)]
    pub store: StoreArgs,
}

/// Where a new secret goes; shared by every command that mints one.
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

#[derive(Debug, Subcommand)]
pub enum ServiceAccountsCommand {
    /// Create a service account with fixed roles
    #[command(after_help = "Examples:
  flexprice-admin service-accounts create --name ingest-bot --role event_ingestor
  flexprice-admin service-accounts create --name reporting --role event_reader -q
  flexprice-admin service-accounts create --name ingest-bot --role event_ingestor --if-missing")]
    Create(ServiceAccountsCreateArgs),

    /// List service accounts
    #[command(after_help = "Examples:
  flexprice-admin service-accounts list
  flexprice-admin service-accounts list -o json | jq -r '.[].name'")]
    List,

    /// Rename a service account (its roles cannot change)
    #[command(after_help = "Examples:
  flexprice-admin service-accounts rename ingest-bot ingest-bot-eu")]
    Rename(ServiceAccountsRenameArgs),

    /// Archive a service account (it must have no active keys)
    #[command(after_help = "Examples:
  flexprice-admin service-accounts delete ingest-bot
  flexprice-admin service-accounts delete ingest-bot --revoke-keys --yes")]
    Delete(ServiceAccountsDeleteArgs),
}

#[derive(Debug, Args)]
pub struct ServiceAccountsCreateArgs {
    /// Name of the service account
    #[arg(long, value_parser = parse_new_name)]
    pub name: String,

    /// A role to hold: super_admin (alone), event_ingestor or event_reader; repeatable
    #[arg(long = "role", required = true, value_name = "ROLE", add = ArgValueCandidates::new(|| role_candidates(true)))]
    pub roles: Vec<String>,

    /// Create it even though a service account of that name exists (references by name then
    /// become ambiguous: use IDs)
    #[arg(long, conflicts_with = "if_missing")]
    pub allow_duplicate_name: bool,

    /// Exit 0 and create nothing when a service account of this name with these roles exists
    /// (its ID is printed as if it were new); with other roles, exit 7
    #[arg(long)]
    pub if_missing: bool,
}

#[derive(Debug, Args)]
pub struct ServiceAccountsRenameArgs {
    /// The service account, by ID (user_...) or unique name
    #[arg(value_name = "ID|NAME", value_parser = parse_name, add = ArgValueCandidates::new(crate::completion::service_account_names))]
    pub account: String,

    /// Its new name
    #[arg(value_parser = parse_new_name)]
    pub new_name: String,
}

#[derive(Debug, Args)]
pub struct ServiceAccountsDeleteArgs {
    /// The service account, by ID (user_...) or unique name
    #[arg(value_name = "ID|NAME", value_parser = parse_name, add = ArgValueCandidates::new(crate::completion::service_account_names))]
    pub account: String,

    /// Revoke the account's active keys first, then archive it
    #[arg(long)]
    pub revoke_keys: bool,
}

#[derive(Debug, Subcommand)]
pub enum RolesCommand {
    /// List roles and their permissions
    #[command(after_help = "Examples:
  flexprice-admin roles list
  flexprice-admin roles list --for service-account")]
    List(RolesListArgs),

    /// Show one role
    #[command(after_help = "Examples:
  flexprice-admin roles show event_ingestor")]
    Show(RolesShowArgs),
}

#[derive(Debug, Args)]
pub struct RolesListArgs {
    /// Only roles assignable to this kind of account
    #[arg(long = "for", value_enum, value_name = "KIND")]
    pub for_kind: Option<AccountKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AccountKind {
    User,
    ServiceAccount,
}

impl AccountKind {
    pub fn api_name(self) -> &'static str {
        match self {
            AccountKind::User => "user",
            AccountKind::ServiceAccount => "service_account",
        }
    }
}

#[derive(Debug, Args)]
pub struct RolesShowArgs {
    /// Role ID, e.g. event_ingestor
    #[arg(value_parser = parse_name, add = ArgValueCandidates::new(|| role_candidates(false)))]
    pub role: String,
}

#[derive(Debug, Subcommand)]
pub enum EnvironmentsCommand {
    /// List environments and their IDs (for --environment)
    #[command(after_help = "Examples:
  flexprice-admin environments list
  export FLEXPRICE_ENVIRONMENT_ID=$(flexprice-admin environments list -o json | jq -r '.[0].id')")]
    List,
}

/// The longest name we accept: key and account names are `varchar(255)` columns, and the real
/// server answers a longer one with a 500 (contract §11 #2), so it is refused before sending.
pub const MAX_NAME_CHARS: usize = 255;

/// The name of something new (a key, a service account, a rename): a valid name that cannot be
/// taken for an ID, so that it can be referred to later and never names another object's ID,
/// and that has no invisible character, so that it never looks like another name.
pub fn parse_new_name(raw: &str) -> Result<String, String> {
    let name = parse_name(raw)?;
    // Shown as U+FFFD everywhere, such a name would still be a twin of the visible one in the
    // server's listings and in every other tool.
    if name.chars().any(crate::output::render::is_invisible_format) {
        return Err(
            "must not contain invisible characters (zero-width spaces, direction overrides), which make it \
             look like another name"
                .into(),
        );
    }
    match crate::commands::resolve::id_like(&name) {
        Some(why) => Err(format!(
            "{why}, so it could not be told from an ID; choose a name such as ci-ingest"
        )),
        None => Ok(name),
    }
}

/// Names and IDs: not empty, not only spaces, no control characters, not absurdly long.
pub fn parse_name(raw: &str) -> Result<String, String> {
    if raw.trim().is_empty() {
        return Err("must not be empty or only spaces".into());
    }
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters (newlines, tabs, escapes)".into());
    }
    if raw.chars().count() > MAX_NAME_CHARS {
        return Err(format!("must be at most {MAX_NAME_CHARS} characters"));
    }
    Ok(raw.to_string())
}

fn parse_timeout(raw: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = raw
        .trim()
        .parse()
        .map_err(|_| "expected a number of seconds, e.g. 30 or 2.5".to_string())?;
    if !secs.is_finite() || secs <= 0.0 || secs > 3600.0 {
        return Err("must be more than 0 and at most 3600 seconds".into());
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Each visible command path with its flags: what completion can offer.
    fn shape(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            out.push(format!(
                "{path} {} --{:?} -{:?} hidden={}",
                arg.get_id(),
                arg.get_long(),
                arg.get_short(),
                arg.is_hide_set()
            ));
        }
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            shape(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn completion_sees_the_real_tree_without_hidden_commands() {
        let mut full = Cli::command();
        full.build();
        let mut completion = completion_command();
        completion.build();
        let (mut want, mut got) = (Vec::new(), Vec::new());
        shape(&full, "", &mut want);
        shape(&completion, "", &mut got);
        assert_eq!(got, want);
        assert!(full.find_subcommand("generate").is_some());
        assert!(completion.find_subcommand("generate").is_none());
        // Aliases still lead somewhere when typed, but are not offered.
        let sa = completion.find_subcommand("sa").expect("sa");
        assert_eq!(sa.get_name(), "service-accounts");
        assert_eq!(sa.get_visible_aliases().count(), 0);
        assert_eq!(completion.get_version(), full.get_version());
    }

    #[test]
    fn version_names_the_package_version_first() {
        assert!(VERSION.starts_with(env!("CARGO_PKG_VERSION")), "{VERSION}");
        let version = Cli::command().render_version();
        assert!(version.starts_with("flexprice-admin 0."), "{version}");
    }

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn long_help_lists_exit_codes_and_environment() {
        let long = command().render_long_help().to_string();
        assert!(
            long.contains("  9  key created, secret not delivered"),
            "{long}"
        );
        assert!(long.contains("FLEXPRICE_API_KEY_FILE"), "{long}");
    }

    #[test]
    fn clap_colour_follows_the_last_color_flag() {
        let argv = |args: &[&str]| {
            args.iter()
                .map(std::ffi::OsString::from)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            clap_color(argv(&["x", "--color", "never", "--help"])),
            clap::ColorChoice::Never
        );
        assert_eq!(
            clap_color(argv(&["x", "--color=never", "--color=always"])),
            clap::ColorChoice::Always
        );
        assert_eq!(clap_color(argv(&["x", "keys"])), clap::ColorChoice::Auto);
    }

    #[test]
    fn names_are_checked() {
        assert!(parse_name("ci-ingest").is_ok());
        assert!(parse_name("").is_err());
        assert!(parse_name("   ").is_err());
        assert!(parse_name("a\nb").is_err());
        assert!(parse_name(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn expiry_flags_conflict() {
        let err = Cli::try_parse_from([
            "flexprice-admin",
            "keys",
            "create",
            "--name",
            "a",
            "--expires-in",
            "1d",
            "--no-expiry",
        ])
        .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }
}
