//! `service-accounts …`, `users …`, `roles …` and `environments …`: the subcommands about the
//! tenant's principals and environments, and their arguments.

use clap::{Args, Subcommand, ValueEnum};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use crate::names::{parse_name, parse_new_name};

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

    /// A role to hold: super_admin (alone), all_reader (read-only, everything), event_ingestor or
    /// event_reader; repeatable
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
pub enum UsersCommand {
    /// List the tenant's people: name, email, roles, and how many live keys each holds
    #[command(after_help = "Examples:
  flexprice-admin users list
  flexprice-admin users list -o json | jq -r '.[] | select(.live_keys > 0) | .email'")]
    List,

    /// Remove a person from the tenant; their keys are listed first, and revoked with
    /// --revoke-keys or kept with --keep-keys (Flexprice leaves them working otherwise)
    #[command(after_help = "Examples:
  flexprice-admin users remove leaver@example.com
  flexprice-admin users remove leaver@example.com --revoke-keys --yes
  flexprice-admin users remove user_01K3ABCDEFGHJKMNPQRSTVWXYZ --keep-keys --yes -o json")]
    Remove(UsersRemoveArgs),
}

#[derive(Debug, Args)]
pub struct UsersRemoveArgs {
    /// The person, by user ID or email
    #[arg(value_name = "ID|EMAIL", value_parser = parse_name)]
    pub user: String,

    /// Revoke the person's live keys in every environment first, then remove them
    #[arg(long, conflicts_with = "keep_keys")]
    pub revoke_keys: bool,

    /// Remove the person and leave their keys working (each is printed with the command that
    /// revokes it)
    #[arg(long)]
    pub keep_keys: bool,
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
