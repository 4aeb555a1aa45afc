//! One module per command group; this file only routes a parsed command to its function. What
//! several commands share lives beside them (`dry_run`, `stopped`), never here, so the
//! router depends on the commands and nothing depends on the router.

mod auth;
mod converge;
pub(crate) mod dry_run;
mod environments;
mod keychain;
pub mod keys;
pub(crate) mod members;
mod profile;
pub(crate) mod resolve;
mod roles;
mod service_accounts;
pub(crate) mod stopped;
mod users;
mod whoami;

use crate::cli::{
    AuthCommand, Command, EnvironmentsCommand, KeychainCommand, KeysCommand, ProfileCommand,
    RolesCommand, ServiceAccountsCommand, UsersCommand,
};
use crate::context::Context;
use crate::error::{CommandResult, Exit};

pub async fn run(ctx: &Context, command: &Command) -> CommandResult<Exit> {
    match command {
        Command::Keys(KeysCommand::Create(args)) => keys::create(ctx, args).await,
        Command::Keys(KeysCommand::List(args)) => keys::list(ctx, args).await,
        Command::Keys(KeysCommand::Delete(args)) => keys::delete(ctx, args).await,
        Command::Keys(KeysCommand::Audit(args)) => keys::audit(ctx, args).await,
        Command::Keys(KeysCommand::Rotate(args)) => keys::rotate(ctx, args).await,
        Command::Keys(KeysCommand::Check(args)) => keys::check(ctx, args).await,
        Command::ServiceAccounts(ServiceAccountsCommand::Create(args)) => {
            service_accounts::create(ctx, args).await
        }
        Command::ServiceAccounts(ServiceAccountsCommand::List) => service_accounts::list(ctx).await,
        Command::ServiceAccounts(ServiceAccountsCommand::Rename(args)) => {
            service_accounts::rename(ctx, args).await
        }
        Command::ServiceAccounts(ServiceAccountsCommand::Delete(args)) => {
            service_accounts::delete(ctx, args).await
        }
        Command::Users(UsersCommand::List) => users::list(ctx).await,
        Command::Users(UsersCommand::Remove(args)) => users::remove(ctx, args).await,
        Command::Roles(RolesCommand::List(args)) => roles::list(ctx, args).await,
        Command::Roles(RolesCommand::Show(args)) => roles::show(ctx, args).await,
        Command::Environments(EnvironmentsCommand::List) => environments::list(ctx).await,
        Command::Plan(args) => converge::plan(ctx, args).await,
        Command::Apply(args) => converge::apply(ctx, args).await,
        Command::Whoami => whoami::run(ctx).await,
        Command::Help(_) | Command::Generate(_) => crate::shell::run(&ctx.out, command),
        Command::Auth(AuthCommand::Login(args)) => auth::login(ctx, args).await,
        Command::Auth(AuthCommand::Status) => auth::status(ctx).await,
        Command::Auth(AuthCommand::Logout) => auth::logout(ctx).await,
        Command::Profile(ProfileCommand::Set(args)) => profile::set(ctx, args),
        Command::Profile(ProfileCommand::Show) => profile::show(ctx),
        Command::Profile(ProfileCommand::List) => profile::list(ctx),
        Command::Keychain(KeychainCommand::Get(args)) => keychain::get(ctx, args),
        Command::Keychain(KeychainCommand::List) => keychain::list(ctx).await,
        Command::Keychain(KeychainCommand::Prune) => keychain::prune(ctx).await,
        Command::Keychain(KeychainCommand::Recovered) => keychain::recovered(ctx).await,
        Command::Keychain(KeychainCommand::Remove(args)) => keychain::remove(ctx, args),
    }
}
