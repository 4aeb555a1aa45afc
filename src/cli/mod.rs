//! The command tree as clap derive definitions, one file per command group ([`global`] for the
//! options every command takes). Doc comments are the help text; nothing here does any work
//! beyond parsing and validating single values, and nothing here depends on a command.

use clap::{Args, Parser, Subcommand, ValueEnum};

mod accounts;
mod converge;
pub mod global;
mod keys;
mod setup;

pub use accounts::*;
pub use converge::*;
pub use global::{ColorChoice, GLOBAL_HEADING, GlobalArgs, OutputFormat};
pub use keys::*;
pub use setup::*;

use crate::env;

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

    /// List the tenant's people and remove one (offboarding), with their keys
    #[command(
        subcommand,
        after_help = "Examples:
  flexprice-admin users list
  flexprice-admin users remove leaver@example.com --revoke-keys
  flexprice-admin users remove user_01K3ABCDEFGHJKMNPQRSTVWXYZ --keep-keys --yes"
    )]
    Users(UsersCommand),

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
pub struct HelpArgs {
    /// A command path (e.g. `keys create`) or a topic: exit-codes, environment
    #[arg(value_name = "COMMAND|TOPIC", trailing_var_arg = true)]
    pub topic: Vec<String>,
}

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
