//! `keychain get|list|remove`: key secrets stored by `--store keychain`, under service
//! `flexprice-admin`, account `<profile>/<key name>`.

use std::io::Write;

use secrecy::ExposeSecret;
use serde::Serialize;

use crate::cli::KeychainNameArgs;
use crate::context::Context;
use crate::error::Exit;
use crate::secrets::{KEYS_SERVICE, KeychainError, key_account, reveal};

pub fn get(ctx: &Context, args: &KeychainNameArgs) -> anyhow::Result<Exit> {
    let account = key_account(&ctx.profile.name, &args.name);
    let secret = ctx
        .keychain
        .get(KEYS_SERVICE, &account)
        .map_err(|e| not_found_hint(ctx, e))?;
    // A secret read in: nothing this process writes to stderr may quote it from now on.
    crate::redact::register(&secret);
    reveal::mask_in_ci(&secret)?;
    if ctx.out.is_json() {
        #[derive(Serialize)]
        struct Stored<'a> {
            name: &'a str,
            profile: &'a str,
            api_key: &'a str,
        }
        ctx.out.json(&Stored {
            name: &args.name,
            profile: &ctx.profile.name,
            api_key: secret.expose_secret(),
        })?;
    } else {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", secret.expose_secret())?;
        out.flush()?;
    }
    Ok(Exit::Ok)
}

pub fn list(ctx: &Context) -> anyhow::Result<Exit> {
    let prefix = key_account(&ctx.profile.name, "");
    let names: Vec<String> = ctx
        .keychain
        .accounts(KEYS_SERVICE)
        .map_err(KeychainError::into_user_error)?
        .into_iter()
        .filter_map(|account| account.strip_prefix(&prefix).map(str::to_string))
        .collect();
    if ctx.out.is_json() {
        ctx.out.json(&names)?;
        return Ok(Exit::Ok);
    }
    if names.is_empty() {
        ctx.out.note(format!(
            "No key secrets are stored in the OS keychain for profile '{}'.",
            ctx.profile.name
        ));
        ctx.out
            .hint("store one with `flexprice-admin keys create --name NAME --store keychain`");
        return Ok(Exit::Ok);
    }
    ctx.out.lines(&names)?;
    Ok(Exit::Ok)
}

pub fn remove(ctx: &Context, args: &KeychainNameArgs) -> anyhow::Result<Exit> {
    let account = key_account(&ctx.profile.name, &args.name);
    let question = format!(
        "Remove the secret of '{}' (profile '{}') from the OS keychain? The key stays valid.",
        args.name, ctx.profile.name
    );
    if !ctx.confirm(&question, "--yes")? {
        ctx.out.note("Nothing removed.");
        return Ok(Exit::Ok);
    }
    ctx.keychain
        .delete(KEYS_SERVICE, &account)
        .map_err(|e| not_found_hint(ctx, e))?;
    ctx.out.note(format!(
        "Removed '{}' from the OS keychain (the key itself was not revoked).",
        args.name
    ));
    Ok(Exit::Ok)
}

fn not_found_hint(ctx: &Context, err: KeychainError) -> crate::error::UserError {
    let missing = matches!(err, KeychainError::NoEntry(_));
    let user = err.into_user_error();
    if missing {
        user.hint(format!(
            "`flexprice-admin keychain list{}` shows the names stored",
            ctx.profile_flag()
        ))
    } else {
        user
    }
}
