//! `keys create`, `keys list` and `keys delete`.

use std::collections::{BTreeSet, HashMap};

use anyhow::Context as _;
use futures_util::StreamExt;
use futures_util::stream::{self, FuturesUnordered};
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};

use super::{emit_planned, resolve, undelivered};
use crate::api::models::{ApiKey, CreateKeyBody, User};
use crate::api::{self, ApiError, Client, KeyFilter};
use crate::cli::{KeysCreateArgs, KeysDeleteArgs, KeysListArgs, OnStoreFailure};
use crate::context::Context;
use crate::error::{Exit, UserError};
use crate::output::{Cell, Mood};
use crate::secrets::{self, Destination, Destinations, SecretOwner, reveal};
use crate::time::{self, TimeSpan};
use crate::views::KeyJson;

/// Keys expiring within this window are marked on a terminal.
const EXPIRING_SOON_DAYS: i64 = 14;
/// Revocations in flight at once: enough to hide latency, few enough not to trip rate limits.
pub const BATCH_CONCURRENCY: usize = 8;
pub const REVOCATION_DELAY_NOTE: &str = "Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).";

pub async fn create(ctx: &Context, args: &KeysCreateArgs) -> anyhow::Result<Exit> {
    let name = match &args.name {
        Some(name) => name.clone(),
        None if ctx.interactive => prompt_name()?,
        None => {
            return Err(UserError::usage("--name is required")
                .hint("pass --name NAME (a prompt is shown only on a terminal without --no-input)")
                .into());
        }
    };
    let now = time::now();
    let expires_at = expiry(ctx, args, now);
    let client = ctx.client()?;
    let service_account = match &args.service_account {
        Some(raw) => {
            resolve::classify(raw, "user_", "service account", "--service-account")?;
            Some(resolve::fetch_service_account(ctx, &client, raw, "--service-account").await?)
        }
        None => None,
    };
    let body = CreateKeyBody {
        name: name.clone(),
        key_type: if args.publishable {
            "publishable_key"
        } else {
            "private_key"
        },
        expires_at,
        service_account_id: service_account.as_ref().map(|a| a.id.clone()),
    };
    let request = api::endpoints::create_key_request(&body);
    // Check every destination before minting: a secret nobody can receive is never created.
    let destinations = Destinations::new(
        &args.store.destinations,
        ctx.keychain,
        &ctx.profile.name,
        ctx.timeout,
    );
    destinations.preflight(&name)?;
    if ctx.dry_run {
        emit_planned(ctx, &client, &[request])?;
        return Ok(Exit::Ok);
    }
    // From the create call until the secret is delivered, Ctrl-C would strand a live key.
    secrets::hold_interrupts();
    let created = ctx
        .out
        .waiting("Creating the key", client.create_key(&request))
        .await
        .context("creating the key")?;
    let owner = service_account.as_ref().map(|a| a.label().to_string());
    let view = KeyJson::new(&created.key, owner.clone(), now);
    let whose = owner
        .map(|o| format!(" for service account {o}"))
        .unwrap_or_default();
    let until = match expires_at {
        Some(at) => format!("expires {at} ({})", time::relative(at, now)),
        None => "never expires".into(),
    };
    let receipt = format!(
        "Created key {} ({name}){whose}; it {until}.",
        created.key.id
    );
    if args.publishable {
        ctx.out.note("Publishable keys cannot authenticate API calls and are never listed; keep the ID to revoke it.");
    }
    hand_over(
        ctx,
        &client,
        &destinations,
        args.store.on_store_failure,
        &created.key,
        &view,
        &created.api_key,
        &receipt,
    )
    .await
}

/// Delivers a freshly minted secret to its destinations and reports where it went. A failed
/// destination, a failed CI mask or a failed write to stdout leaves the secret in a recovery
/// file (exit 9) or revokes the key, per `policy` ([`fall_back`]).
#[allow(clippy::too_many_arguments)]
pub async fn hand_over(
    ctx: &Context,
    client: &Client,
    destinations: &Destinations,
    policy: OnStoreFailure,
    key: &ApiKey,
    view: &KeyJson,
    secret: &SecretString,
    receipt: &str,
) -> anyhow::Result<Exit> {
    let context = format!("creating key {}", key.id);
    // The mask must be registered before the secret can appear in a CI log; if it cannot be,
    // the secret must not be printed.
    if let Err(e) = reveal::mask_in_ci(secret) {
        let failed = undelivered::stdout_failed(&e, Vec::new());
        return Err(undelivered::fall_back(
            ctx, client, policy, &key.id, secret, &failed, &context,
        )
        .await
        .error);
    }
    let owner = SecretOwner {
        key_name: key.name.clone(),
        profile: ctx.profile.name.clone(),
    };
    let failed = match destinations.deliver_async(owner, secret.clone()).await {
        Ok(delivered) => match report_delivery(
            ctx,
            destinations,
            view,
            secret,
            &delivered.stored_in,
            receipt,
        ) {
            Ok(()) => return Ok(Exit::Ok),
            Err(e) => match e.downcast_ref::<std::io::Error>() {
                // The secret could not be printed: stdout is a destination that failed.
                Some(io) if destinations.includes_stdout() => {
                    undelivered::stdout_failed(io, delivered.stored_in)
                }
                _ => return Err(e),
            },
        },
        Err(failed) => failed,
    };
    let fell_back =
        undelivered::fall_back(ctx, client, policy, &key.id, secret, &failed, &context).await;
    if fell_back.key_live
        && destinations.includes_stdout()
        && !failed.failures.iter().any(|(l, _)| l == "stdout")
    {
        // The key lives and its secret is in the recovery file; stdout was asked for too.
        report_delivery(ctx, destinations, view, secret, &failed.stored_in, receipt)?;
    }
    Err(fell_back.error)
}

/// Says where the secret went: printed (with warnings) when stdout is a destination, else the
/// list of destinations, with no secret.
fn report_delivery(
    ctx: &Context,
    destinations: &Destinations,
    view: &KeyJson,
    secret: &SecretString,
    stored_in: &[String],
    receipt: &str,
) -> anyhow::Result<()> {
    let shown = destinations.includes_stdout();
    if ctx.out.is_json() {
        #[derive(serde::Serialize)]
        struct Created<'a> {
            key: &'a KeyJson,
            #[serde(skip_serializing_if = "Option::is_none")]
            api_key: Option<&'a str>,
            stored_in: &'a [String],
        }
        ctx.out.json(&Created {
            key: view,
            api_key: shown.then(|| secret.expose_secret()),
            stored_in,
        })?;
        if shown && !ctx.out.quiet {
            ctx.out.warn(reveal::one_line_warning(receipt));
        } else if !shown {
            ctx.out.note(receipt);
        }
        return Ok(());
    }
    if shown {
        reveal::show(ctx, secret, receipt)?;
        if !stored_in.is_empty() {
            ctx.out.note(format!(
                "The secret is also stored in: {}.",
                stored_in.join(", ")
            ));
        }
        return Ok(());
    }
    ctx.out.lines(stored_in)?;
    ctx.out.note(format!(
        "{receipt} Its secret is stored in: {} (and was not shown).",
        stored_in.join(", ")
    ));
    if destinations.list.contains(&Destination::Keychain) {
        ctx.out.hint(format!(
            "read it with `flexprice-admin keychain get {}{}`",
            view.name,
            ctx.profile_flag()
        ));
    }
    Ok(())
}

fn prompt_name() -> anyhow::Result<String> {
    let name: String = dialoguer::Input::new()
        .with_prompt("Key name")
        .validate_with(|input: &String| crate::cli::parse_name(input).map(drop))
        .interact_text()?;
    Ok(name)
}

/// The expiry for a new key: the flag given, else the profile's default lifetime (90 days).
fn expiry(ctx: &Context, args: &KeysCreateArgs, now: Timestamp) -> Option<Timestamp> {
    let flags = &args.expiry;
    if flags.no_expiry {
        return None;
    }
    if let Some(at) = flags.expires_at {
        return Some(at.0);
    }
    let lifetime: TimeSpan = flags
        .expires_in
        .unwrap_or_else(|| ctx.default_key_lifetime());
    // Whole seconds: an expiry is a date people read, not a measurement.
    Timestamp::from_second(lifetime.after(now).as_second()).ok()
}

pub async fn list(ctx: &Context, args: &KeysListArgs) -> anyhow::Result<Exit> {
    let client = ctx.client()?;
    let mut filter = KeyFilter::default();
    if let Some(raw) = &args.service_account {
        resolve::classify(raw, "user_", "service account", "--service-account")?;
        filter.user_id = Some(
            resolve::fetch_service_account(ctx, &client, raw, "--service-account")
                .await?
                .id,
        );
    }
    // A name filter runs here, so `--limit` can only be applied after it.
    let server_max = if args.name.is_some() {
        None
    } else {
        args.limit
    };
    let wanted = |k: &ApiKey| {
        args.name.as_ref().is_none_or(|n| &k.name == n)
            && filter
                .user_id
                .as_ref()
                .is_none_or(|id| k.user_id.as_ref() == Some(id))
    };
    if ctx.out.is_json() {
        // Streamed: each page is written as it arrives, in the server's order (newest first,
        // as asked), so writing overlaps fetching and 10,000 keys are never all in memory. The
        // price: a page that fails after retries leaves a truncated array on stdout, and the
        // exit code (non-zero) is what tells a script the list is incomplete.
        let now = time::now();
        let mut left = args.limit.map_or(usize::MAX, |l| l as usize);
        let mut out = ctx.out.json_array()?;
        client
            .for_each_keys_page(&filter, server_max, |page| {
                for key in page.into_iter().filter(|k| wanted(k)) {
                    if left == 0 {
                        break;
                    }
                    out.push(&KeyJson::from_key(key, None, now))?;
                    left -= 1;
                }
                Ok::<_, anyhow::Error>(())
            })
            .await?;
        out.finish()?;
        return Ok(Exit::Ok);
    }
    let mut keys = ctx
        .out
        .waiting("Fetching keys", client.list_keys(&filter, server_max))
        .await?;
    keys.retain(wanted);
    keys.sort_by_key(|k| std::cmp::Reverse(k.created_at));
    if let Some(limit) = args.limit {
        keys.truncate(limit as usize);
    }
    let now = time::now();
    if ctx.out.quiet {
        ctx.out.lines(keys.iter().map(|k| &k.id))?;
        return Ok(Exit::Ok);
    }
    if keys.is_empty() {
        ctx.out.note("No keys found.");
        ctx.out
            .hint("create one with `flexprice-admin keys create --name NAME`");
        return Ok(Exit::Ok);
    }
    let users = user_labels(&client, &keys).await;
    render_keys(ctx, &keys, &users, now)?;
    Ok(Exit::Ok)
}

/// Labels for the human owners of `keys` (service-account keys carry their name already).
/// Best effort: a caller without `user:read` still gets the list, with user IDs.
async fn user_labels(client: &Client, keys: &[ApiKey]) -> HashMap<String, String> {
    let ids: BTreeSet<String> = keys
        .iter()
        .filter(|k| !k.is_service_account_key())
        .filter_map(|k| k.user_id.clone())
        .collect();
    if ids.is_empty() {
        return HashMap::new();
    }
    let ids: Vec<String> = ids.into_iter().collect();
    match client.search_users("user", Some(&ids)).await {
        Ok(users) => users
            .iter()
            .map(|u: &User| (u.id.clone(), u.label().to_string()))
            .collect(),
        Err(_) => HashMap::new(),
    }
}

pub fn owner_label(key: &ApiKey, users: &HashMap<String, String>) -> String {
    if let Some(name) = &key.service_account_name {
        return name.clone();
    }
    let id = key.user_id.clone().unwrap_or_default();
    users.get(&id).cloned().unwrap_or(id)
}

pub fn render_keys(
    ctx: &Context,
    keys: &[ApiKey],
    users: &HashMap<String, String>,
    now: Timestamp,
) -> anyhow::Result<()> {
    let soon = TimeSpan::days(EXPIRING_SOON_DAYS).after(now);
    let rows = keys
        .iter()
        .map(|key| {
            let (status, mood) = match key.expires_at {
                Some(at) if at <= now => ("expired", Mood::Bad),
                Some(at) if at <= soon => ("expiring", Mood::Warn),
                _ => ("active", Mood::Normal),
            };
            let expires = match key.expires_at {
                Some(at) if at <= now => Cell::split(
                    format!("expired {}", time::relative(at, now)),
                    at.to_string(),
                ),
                Some(at) => Cell::split(time::relative(at, now), at.to_string()),
                None => Cell::new("never"),
            };
            vec![
                Cell::new(&key.id),
                Cell::new(&key.name),
                Cell::new(owner_label(key, users)),
                Cell::new(key.roles.join(",")),
                Cell::split(
                    time::relative(key.created_at, now),
                    key.created_at.to_string(),
                ),
                expires.mood(mood),
                Cell::new(status).mood(mood),
            ]
        })
        .collect();
    ctx.out.rows(
        &[
            "ID", "NAME", "OWNER", "ROLES", "CREATED", "EXPIRES", "STATUS",
        ],
        rows,
    )?;
    Ok(())
}

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
