//! `keys delete`: revoke keys in a batch, with confirmation, per-key outcomes and Ctrl-C.

use std::collections::HashMap;

use futures_util::StreamExt;
use futures_util::stream::{self, FuturesUnordered};

use super::{BATCH_CONCURRENCY, REVOCATION_DELAY_NOTE, owner_label, render_keys, user_labels};
use crate::api::models::ApiKey;
use crate::api::{self, ApiError, Client, KeyFilter};
use crate::cli::KeysDeleteArgs;
use crate::commands::{emit_planned, resolve};
use crate::context::Context;
use crate::error::{Exit, UserError};
use crate::time;

pub async fn delete(ctx: &Context, args: &KeysDeleteArgs) -> anyhow::Result<Exit> {
    for raw in &args.keys {
        resolve::classify(raw, "secret_", "key", "KEY")?;
    }
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
                if ctx.interactive && !ctx.yes && resolve::keys_named(&visible, raw).len() > 1 =>
            {
                match choose_key(ctx, &visible, raw)? {
                    Some(key) => key,
                    None => {
                        ctx.out.note("Nothing revoked.");
                        return Ok(Exit::Ok);
                    }
                }
            }
            Err(err) => return Err(err.into()),
        };
        if !targets.iter().any(|t| t.id == key.id) {
            targets.push(key.clone());
        }
    }
    // Owners' names are only shown to someone about to confirm; with --yes or without a
    // terminal, skip the extra request.
    let users = if !ctx.yes && ctx.interactive {
        user_labels(&client, &targets).await
    } else {
        HashMap::new()
    };
    if !ctx.yes && ctx.interactive {
        render_keys(ctx, &targets, &users, time::now())?;
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
    if ctx.dry_run {
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
) -> anyhow::Result<Option<&'k ApiKey>> {
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

/// How one key of a batch ended.
enum Outcome {
    NotStarted,
    /// Sent, and abandoned by a second Ctrl-C before the answer came: it may or may not be gone.
    InFlight,
    Revoked,
    Failed(ApiError),
}

/// Revokes keys with bounded concurrency and reports each outcome as it arrives. One key: its
/// error is the command's error. Several: failures are reported per key and the exit code is 8.
/// Ctrl-C stops launching revocations, waits for the ones in flight (a second Ctrl-C stops
/// waiting), reports which keys were revoked and which were not, and exits 130.
pub async fn revoke_all(ctx: &Context, client: &Client, keys: &[ApiKey]) -> anyhow::Result<Exit> {
    let progress = ctx.out.progress(keys.len(), "Revoking keys");
    let mut outcomes: Vec<Outcome> = keys.iter().map(|_| Outcome::NotStarted).collect();
    let mut pending = keys.iter().enumerate();
    let mut in_flight = FuturesUnordered::new();
    let mut interrupted = false;
    let mut stdout_error: Option<std::io::Error> = None;
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        while !interrupted && in_flight.len() < BATCH_CONCURRENCY {
            let Some((i, key)) = pending.next() else {
                break;
            };
            outcomes[i] = Outcome::InFlight;
            in_flight.push(async move { (i, client.delete_key(&key.id).await) });
        }
        if in_flight.is_empty() {
            break;
        }
        tokio::select! {
            Some((i, result)) = in_flight.next() => {
                progress.inc();
                let key = &keys[i];
                match result {
                    Ok(()) => {
                        if ctx.out.quiet {
                            // A closed stdout must not abandon the revocations in flight: the
                            // batch finishes, and the write error is reported after it.
                            if let Err(e) = ctx.out.lines([&key.id]) {
                                stdout_error.get_or_insert(e);
                            }
                        } else {
                            progress.suspend(|| ctx.out.note(format!("Revoked key {} ({})", key.id, key.name)));
                        }
                        outcomes[i] = Outcome::Revoked;
                    }
                    Err(err) => {
                        if keys.len() > 1 {
                            progress.suspend(|| ctx.out.warn(format!(
                                "could not revoke key {} ({}): {err}",
                                key.id, key.name
                            )));
                        }
                        outcomes[i] = Outcome::Failed(err);
                    }
                }
            }
            _ = &mut ctrl_c => {
                if interrupted {
                    break;
                }
                interrupted = true;
                progress.set_message("Interrupted: finishing");
                progress.suspend(|| ctx.out.warn(format!(
                    "interrupted: starting no more revocations; waiting for {} in flight (Ctrl-C again to stop waiting)",
                    in_flight.len()
                )));
                ctrl_c.set(tokio::signal::ctrl_c());
            }
        }
    }
    progress.finish();
    let revoked = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Revoked))
        .count();
    if revoked > 0 {
        ctx.out.note(REVOCATION_DELAY_NOTE);
    }
    if interrupted {
        return Err(interrupted_report(ctx, keys, &outcomes, revoked));
    }
    let failed = keys.len() - revoked;
    let last_error = outcomes.into_iter().rev().find_map(|o| match o {
        Outcome::Failed(err) => Some(err),
        _ => None,
    });
    match (failed, last_error) {
        // Every key is revoked; a closed stdout (`| head`) is then all there is to report.
        (0, _) => match stdout_error {
            Some(e) => Err(e.into()),
            None => Ok(Exit::Ok),
        },
        (_, Some(err)) if keys.len() == 1 => Err(err.into()),
        _ => Err(UserError::new(
            Exit::PartialFailure,
            format!("{failed} of {} keys could not be revoked", keys.len()),
        )
        .hint("the keys reported as revoked are gone; re-run the command for the others")
        .into()),
    }
}

/// Revokes keys without reporting (cleanup after a failure); returns the IDs revoked.
pub async fn revoke_quietly(client: &Client, keys: &[&ApiKey]) -> Vec<String> {
    let outcomes: Vec<Result<(), ApiError>> = stream::iter(keys)
        .map(|key| client.delete_key(&key.id))
        .buffered(BATCH_CONCURRENCY)
        .collect()
        .await;
    keys.iter()
        .zip(outcomes)
        .filter(|(_, outcome)| outcome.is_ok())
        .map(|(key, _)| key.id.clone())
        .collect()
}

/// After Ctrl-C: every key not revoked, by ID, and the exit code 130.
fn interrupted_report(
    ctx: &Context,
    keys: &[ApiKey],
    outcomes: &[Outcome],
    revoked: usize,
) -> anyhow::Error {
    let mut not_revoked = Vec::new();
    for (key, outcome) in keys.iter().zip(outcomes) {
        match outcome {
            Outcome::Revoked => {}
            Outcome::NotStarted | Outcome::Failed(_) => {
                ctx.out
                    .warn(format!("not revoked: key {} ({})", key.id, key.name));
                not_revoked.push(key.id.as_str());
            }
            Outcome::InFlight => ctx.out.warn(format!(
                "unknown: key {} ({}) was being revoked when we stopped waiting; `flexprice-admin keys list` shows whether it is gone",
                key.id, key.name
            )),
        }
    }
    let mut err = UserError::new(
        Exit::Interrupted,
        format!(
            "interrupted: {revoked} of {} keys revoked, {} not revoked",
            keys.len(),
            not_revoked.len()
        ),
    );
    if !not_revoked.is_empty() {
        err = err.hint(format!(
            "revoke the rest with `flexprice-admin keys delete {} --yes`",
            not_revoked.join(" ")
        ));
    }
    err.into()
}
