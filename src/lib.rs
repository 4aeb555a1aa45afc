//! flexprice-admin: manage Flexprice API keys, service accounts and roles.
//!
//! The library holds everything; `main.rs` only calls [`main`]. The modules are private to the
//! crate except the five the benchmarks (`benches/render.rs`) and the end-to-end tests (clap's
//! command, for completions) reach; the `unreachable_pub` lint keeps every other item `pub(crate)`.

pub mod api;
mod api_url;
mod batch;
pub mod cli;
pub mod commands;
mod completion;
mod config;
mod context;
mod env;
mod error;
mod explain;
mod handover;
mod interrupt;
mod lock;
mod login;
mod manifest;
mod manual;
mod names;
mod ops;
pub mod output;
mod platform;
mod private_file;
mod redact;
mod revocations;
mod secret_input;
mod secrets;
mod settings;
mod shell;
mod time;
pub mod views;

use std::process::ExitCode;

use clap::FromArgMatches;

use crate::error::{CommandError, Exit};
use crate::output::Output;

/// The whole program: parse, build the context, run the command, report the error, exit.
pub fn main() -> ExitCode {
    // A completion script asking for candidates: answered and exited here, before anything else.
    shell::answer_completion_request();
    protect_process();
    // `--help`, `--version` and usage errors return here, before any config or network work.
    // clap renders help and usage errors itself, so it is told about `--color` up front.
    let matches = cli::command()
        .color(cli::clap_color(std::env::args_os()))
        .get_matches();
    let cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    if let cli::Command::Help(_) | cli::Command::Generate(_) = &cli.command {
        // No config, no key, no network: these work on a fresh machine.
        let out = Output::new(
            cli.global.output,
            cli.global.quiet,
            cli.global.color,
            cli.global.no_input,
        );
        let exit = match shell::run(&out, &cli.command) {
            Ok(exit) => exit,
            Err(err) => report(&out, &err),
        };
        return ExitCode::from(exit.code());
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            let out = Output::new(
                cli.global.output,
                cli.global.quiet,
                cli.global.color,
                cli.global.no_input,
            );
            return ExitCode::from(
                report(&out, &CommandError::failure(format!("cannot start: {err}"))).code(),
            );
        }
    };
    let exit = runtime.block_on(run(cli));
    // A thread still blocked on the terminal (the erase prompt, abandoned on a signal) must not
    // keep the process alive.
    runtime.shutdown_background();
    ExitCode::from(exit.code())
}

/// Keeps other processes of the same user, an `exec:` destination's command included, out of
/// this one: not dumpable means `/proc/<pid>/environ` (where `FLEXPRICE_API_KEY` is) and our
/// memory are readable by root only, no ptrace attach, and no core dump holding a secret.
fn protect_process() {
    #[cfg(target_os = "linux")]
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
}

async fn run(cli: cli::Cli) -> Exit {
    let creates_profile = matches!(
        cli.command,
        cli::Command::Auth(cli::AuthCommand::Login(_))
            | cli::Command::Profile(cli::ProfileCommand::Set(_))
    );
    let mut ctx = match context::Context::new(&cli.global, creates_profile) {
        Ok(ctx) => ctx,
        Err(err) => {
            let out = Output::new(
                cli.global.output,
                cli.global.quiet,
                cli.global.color,
                cli.global.no_input,
            );
            return report(&out, &err);
        }
    };
    // A stored login token that has expired: on a terminal, asked for again here, before any
    // command needs it (not by the commands that store, remove or never use the credential).
    let manages_the_login = matches!(
        cli.command,
        cli::Command::Auth(cli::AuthCommand::Login(_) | cli::AuthCommand::Logout)
            | cli::Command::Profile(_)
    );
    if !manages_the_login && let Err(err) = ctx.renew_expired_login().await {
        return report(&ctx.out, &err);
    }
    // `--environment NAME` becomes an ID before any command runs, except where it is only
    // saved (into a profile, resolved when used) or not used at all (the keychain, and
    // `auth logout`, which must work with a server that is down or a key already revoked).
    let saves_or_ignores_environment = creates_profile
        || matches!(
            cli.command,
            cli::Command::Keychain(_)
                | cli::Command::Profile(_)
                | cli::Command::Auth(cli::AuthCommand::Logout)
        );
    if !saves_or_ignores_environment && let Err(err) = ctx.resolve_environment_name().await {
        return report(&ctx.out, &err);
    }
    match commands::run(&ctx, &cli.command).await {
        Ok(exit) => exit,
        Err(mut err) => {
            let client = ctx.client_if_resolved();
            explain::enrich(&mut err, &ctx, client.as_ref()).await;
            report(&ctx.out, &err)
        }
    }
}

fn report(out: &Output, err: &CommandError) -> Exit {
    if !err.silent {
        out.error_report(&err.messages(), &err.hints);
    }
    err.exit
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_process_is_not_dumpable() {
        super::protect_process();
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }
}
