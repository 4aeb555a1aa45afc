//! `keys delete`: revoke keys in a batch, with confirmation, per-key outcomes and signals
//! ([`crate::batch`]).

use std::collections::HashMap;

use super::policy::Policy;
use super::{KEY_HEADERS, REVOCATION_DELAY_NOTE, key_rows, owner_label, user_labels};
use crate::api::models::ApiKey;
use crate::api::{self, ApiError, Client, KeyFilter};
use crate::batch::Item;
use crate::cli::KeysDeleteArgs;
use crate::commands::dry_run::emit_planned;
use crate::commands::resolve;
use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};
use crate::interrupt::{Scope, Signal};
use crate::ops;
use crate::time;

pub async fn delete(ctx: &Context, args: &KeysDeleteArgs) -> CommandResult<Exit> {
    for raw in &args.keys {
        resolve::classify(raw, "secret_", "key", "KEY")?;
    }
    // Knowable before any request: off a terminal, only --yes can confirm.
    ctx.require_confirmation("revoke keys", "--yes")?;
    let client = ctx.client()?;
    let visible = ctx
        .out
        .waiting(
            "Fetching keys",
            client.list_keys(&KeyFilter::default(), None),
        )
        .await?;
    // Resolve everything before revoking anything: one bad reference stops the whole batch.
    let mut targets: Vec<ApiKey> = Vec::new();
    for raw in &args.keys {
        let key = match resolve::key(&visible, raw) {
            Ok(key) => key,
            // An ambiguous name on a terminal: let the user pick instead of starting over.
            Err(_)
                if ctx.interactive
                    && !ctx.settings.yes
                    && resolve::keys_named(&visible, raw).len() > 1 =>
            {
                match choose_key(ctx, &visible, raw)? {
                    Some(key) => key,
                    None => {
                        ctx.out.note("Nothing revoked.");
                        return Ok(Exit::Ok);
                    }
                }
            }
            Err(err) => return Err(err),
        };
        if !targets.iter().any(|t| t.id == key.id) {
            targets.push(key.clone());
        }
    }
    // Owners' names are only shown to someone about to confirm; with --yes or without a
    // terminal, skip the extra request.
    let users = if !ctx.settings.yes && ctx.interactive {
        user_labels(&client, &targets).await
    } else {
        HashMap::new()
    };
    if !ctx.settings.yes && ctx.interactive && !ctx.settings.dry_run {
        // A preview before the question, on stderr: stdout is for data.
        ctx.out.table_on_stderr(
            KEY_HEADERS,
            key_rows(
                &Policy::from_profile(ctx),
                &targets,
                &users,
                None,
                None,
                time::now(),
            ),
        )?;
    }
    let question = match targets.as_slice() {
        [one] => format!(
            "Revoke key {} ({}, owner {})?",
            one.id,
            one.name,
            owner_label(one, &users)
        ),
        many => format!("Revoke these {} keys?", many.len()),
    };
    if ctx.settings.dry_run {
        let requests: Vec<_> = targets
            .iter()
            .map(|k| api::endpoints::delete_key_request(&k.id))
            .collect();
        emit_planned(ctx, &client, &requests)?;
        return Ok(Exit::Ok);
    }
    if !ctx.confirm(&question, "--yes")? {
        ctx.out.note("Nothing revoked.");
        return Ok(Exit::Ok);
    }
    revoke_all(ctx, &client, &targets).await
}

/// Offers the keys sharing the name `raw` in a selection; `None` when the user cancels.
fn choose_key<'k>(
    ctx: &Context,
    visible: &'k [ApiKey],
    raw: &str,
) -> CommandResult<Option<&'k ApiKey>> {
    let mut candidates = resolve::keys_named(visible, raw);
    candidates.sort_by_key(|k| std::cmp::Reverse(k.created_at));
    let now = time::now();
    let labels: Vec<String> = candidates
        .iter()
        .map(|k| {
            let owner = k
                .service_account_name
                .as_deref()
                .or(k.user_id.as_deref())
                .unwrap_or("?");
            format!(
                "{}  owner {owner}, created {}",
                k.id,
                time::relative(k.created_at, now)
            )
        })
        .collect();
    let question = format!(
        "{} keys are named '{raw}'; which one? (Esc to cancel)",
        candidates.len()
    );
    Ok(ctx.select(&question, &labels)?.map(|i| candidates[i]))
}

/// Revokes keys through the batch runner and reports each outcome as it arrives. One key: its
/// error is the command's error. Several: failures are reported per key and the exit code is 8.
/// A signal (SIGINT, SIGTERM, SIGHUP) stops launching revocations and waits for the ones in
/// flight (a second one stops waiting: a revocation is idempotent), reports which keys were
/// revoked and which were not, and exits with the signal's code (130, 143, 129).
pub async fn revoke_all(ctx: &Context, client: &Client, keys: &[ApiKey]) -> CommandResult<Exit> {
    revoke_all_in(ctx, client, keys, &Scope::open(None)).await
}

/// [`revoke_all`] inside a signal scope the caller holds, so that a signal received during the
/// revocations still stops what the caller would do next (`users remove`: removing the person);
/// and through any `crate::handover::KeyApi` (each key in its own environment).
pub async fn revoke_all_in(
    ctx: &Context,
    client: &impl crate::handover::KeyApi,
    keys: &[ApiKey],
    scope: &Scope,
) -> CommandResult<Exit> {
    let mut stdout_error: Option<std::io::Error> = None;
    let finished = ops::revoke::revoke(
        client,
        &ctx.paths.state_dir,
        &ctx.out,
        scope,
        keys,
        |_, i, result: &Result<(), ApiError>| {
            let key = &keys[i];
            match result {
                Ok(()) if ctx.out.quiet => {
                    // A closed stdout must not abandon the revocations in flight: the
                    // batch finishes, and the write error is reported after it.
                    if let Err(e) = ctx.out.lines([&key.id]) {
                        stdout_error.get_or_insert(e);
                    }
                }
                Ok(()) => ctx
                    .out
                    .note(format!("Revoked key {} ({})", key.id, key.name)),
                Err(err) if keys.len() > 1 => ctx.out.warn(format!(
                    "could not revoke key {} ({}): {err}",
                    key.id, key.name
                )),
                Err(_) => {}
            }
        },
    )
    .await;
    let revoked = finished.done().filter(|(_, r)| r.is_ok()).count();
    if revoked > 0 {
        ctx.out.note(REVOCATION_DELAY_NOTE);
    }
    // A signal that arrived once every revocation was done changed nothing: the exit says what
    // happened.
    let cut_short = finished
        .items
        .iter()
        .any(|item| matches!(item, Item::NotStarted | Item::Abandoned));
    if let Some(signal) = finished.interrupted.filter(|_| cut_short) {
        return Err(interrupted_report(
            ctx,
            keys,
            &finished.items,
            revoked,
            signal,
        ));
    }
    let failed = keys.len() - revoked;
    let last_error = finished.items.into_iter().rev().find_map(|o| match o {
        Item::Done(Err(err)) => Some(err),
        _ => None,
    });
    match (failed, last_error) {
        // Every key is revoked; a closed stdout (`| head`) is then all there is to report.
        (0, _) => match stdout_error {
            Some(e) => Err(e.into()),
            None => Ok(Exit::Ok),
        },
        (_, Some(err)) if keys.len() == 1 => Err(err.into()),
        _ => Err(CommandError::new(
            Exit::PartialFailure,
            format!("{failed} of {} keys could not be revoked", keys.len()),
        )
        .hint("the keys reported as revoked are gone; re-run the command for the others")),
    }
}

/// After a signal: every key not revoked, by ID, and the signal's exit code.
fn interrupted_report(
    ctx: &Context,
    keys: &[ApiKey],
    outcomes: &[Item<Result<(), ApiError>>],
    revoked: usize,
    signal: Signal,
) -> CommandError {
    let mut not_revoked = Vec::new();
    for (key, outcome) in keys.iter().zip(outcomes) {
        match outcome {
            Item::Done(Ok(())) => {}
            Item::NotStarted | Item::Done(Err(_)) => {
                ctx.out
                    .warn(format!("not revoked: key {} ({})", key.id, key.name));
                not_revoked.push(key.id.as_str());
            }
            Item::Abandoned => ctx.out.warn(format!(
                "unknown: key {} ({}) was being revoked when we stopped waiting; `flexprice-admin keys list` shows whether it is gone",
                key.id, key.name
            )),
        }
    }
    let mut err = CommandError::new(
        signal.exit(),
        format!(
            "{}: {revoked} of {} keys revoked, {} not revoked ({})",
            signal.verb(),
            keys.len(),
            not_revoked.len(),
            signal.name()
        ),
    );
    if !not_revoked.is_empty() {
        err = err.hint(format!(
            "revoke the rest with `flexprice-admin keys delete {} --yes`",
            not_revoked.join(" ")
        ));
    }
    err
}
