//! One module per command group; this file routes a parsed command to its function and holds
//! the little they share (printing a `--dry-run` plan).

mod auth;
mod converge;
mod environments;
mod keychain;
pub mod keys;
pub mod members;
mod profile;
pub mod resolve;
mod roles;
mod service_accounts;
mod users;
mod whoami;

use serde::Serialize;

use crate::api::{Client, Request};
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

/// A command's end when a signal (SIGINT, SIGTERM, SIGHUP) arrived while it finished what it
/// had started: the outcome is reported as it is, and the exit code is the signal's. `done`
/// says what was finished before stopping.
pub fn after_signal(
    ctx: &Context,
    signal: Option<crate::interrupt::Signal>,
    outcome: CommandResult<Exit>,
    done: &str,
) -> CommandResult<Exit> {
    let Some(signal) = signal else {
        return outcome;
    };
    if let Err(err) = &outcome {
        ctx.out.error_report(&err.messages(), &err.hints);
    }
    let what = if outcome.is_ok() {
        done
    } else {
        "the work in flight was finished, as reported above"
    };
    Err(crate::error::CommandError::new(
        signal.exit(),
        format!("{}: stopped once {what}", signal.describe()),
    ))
}

/// A request as `--dry-run` shows it.
#[derive(Serialize)]
struct PlannedRequest {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<serde_json::Value>,
}

/// Prints the requests a mutating command would send (credentials redacted) instead of sending
/// them: JSON with `-o json`, else an HTTP-like listing.
pub fn emit_planned(ctx: &Context, client: &Client, requests: &[Request]) -> CommandResult<()> {
    let planned: Vec<PlannedRequest> = requests
        .iter()
        .map(|r| PlannedRequest {
            method: r.method.to_string(),
            url: client.url_for(r).to_string(),
            headers: client.describe_headers(),
            body: r.body.clone(),
        })
        .collect();
    if ctx.out.is_json() {
        return ctx.out.json(&planned);
    }
    let mut lines = Vec::new();
    for request in &planned {
        lines.push(format!("{} {}", request.method, request.url));
        for (name, value) in &request.headers {
            lines.push(format!("{name}: {value}"));
        }
        if let Some(body) = &request.body {
            lines.push(body.to_string());
        }
        lines.push(String::new());
    }
    ctx.out.lines(lines)?;
    ctx.out.note(format!(
        "Dry run: {} not sent.",
        crate::output::count(planned.len(), "request", "requests")
    ));
    Ok(())
}
