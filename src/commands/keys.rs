//! `keys create`, `keys list` and `keys delete`.

use std::collections::{BTreeSet, HashMap};

use anyhow::Context as _;
use futures_util::{StreamExt, stream};
use jiff::Timestamp;
use secrecy::ExposeSecret;

use super::{emit_planned, resolve};
use crate::api::models::{ApiKey, CreateKeyBody, User};
use crate::api::{self, ApiError, Client, KeyFilter};
use crate::cli::{KeysCreateArgs, KeysDeleteArgs, KeysListArgs};
use crate::context::Context;
use crate::error::{Exit, UserError};
use crate::output::{Cell, Mood};
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
            let accounts = client.search_users("service_account", None).await?;
            Some(resolve::service_account(&accounts, raw, "--service-account")?.clone())
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
    if ctx.dry_run {
        emit_planned(ctx, &client, &[request])?;
        return Ok(Exit::Ok);
    }
    let created = client
        .create_key(&request)
        .await
        .context("creating the key")?;
    let owner = service_account.as_ref().map(|a| a.label().to_string());
    let view = KeyJson::new(&created.key, owner.clone(), now);
    if ctx.out.is_json() {
        #[derive(serde::Serialize)]
        struct Created<'a> {
            key: &'a KeyJson,
            api_key: &'a str,
        }
        ctx.out.json(&Created {
            key: &view,
            api_key: created.api_key.expose_secret(),
        })?;
    } else {
        ctx.out.lines([created.api_key.expose_secret()])?;
    }
    let whose = owner
        .map(|o| format!(" for service account {o}"))
        .unwrap_or_default();
    let until = match expires_at {
        Some(at) => format!("expires {at} ({})", time::relative(at, now)),
        None => "never expires".into(),
    };
    ctx.out.note(format!(
        "Created key {} ({name}){whose}; it {until}.",
        created.key.id
    ));
    if args.publishable {
        ctx.out.note("Publishable keys cannot authenticate API calls and are never listed; keep the ID to revoke it.");
    }
    ctx.out.warn(
        "this is the only time the secret is shown: copy it now into a secret manager. \
         It cannot be retrieved later; a lost key must be rotated.",
    );
    Ok(Exit::Ok)
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
    Some(lifetime.after(now))
}

pub async fn list(ctx: &Context, args: &KeysListArgs) -> anyhow::Result<Exit> {
    let client = ctx.client()?;
    let mut filter = KeyFilter::default();
    if let Some(raw) = &args.service_account {
        resolve::classify(raw, "user_", "service account", "--service-account")?;
        let accounts = client.search_users("service_account", None).await?;
        filter.user_id = Some(
            resolve::service_account(&accounts, raw, "--service-account")?
                .id
                .clone(),
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
    let mut keys = client.list_keys(&filter, server_max).await?;
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
    let visible = client.list_keys(&KeyFilter::default(), None).await?;
    // Resolve everything before revoking anything: one bad reference stops the whole batch.
    let mut targets: Vec<ApiKey> = Vec::new();
    for raw in &args.keys {
        let key = resolve::key(&visible, raw)?;
        if !targets.iter().any(|t| t.id == key.id) {
            targets.push(key.clone());
        }
    }
    let users = HashMap::new();
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

/// Revokes keys with bounded concurrency and reports each outcome. One key: its error is the
/// command's error. Several: failures are reported per key and the exit code is 8.
pub async fn revoke_all(ctx: &Context, client: &Client, keys: &[ApiKey]) -> anyhow::Result<Exit> {
    let outcomes: Vec<Result<(), ApiError>> = stream::iter(keys)
        .map(|key| client.delete_key(&key.id))
        .buffered(BATCH_CONCURRENCY)
        .collect()
        .await;
    let mut failed = 0;
    let mut last_error = None;
    for (key, outcome) in keys.iter().zip(outcomes) {
        match outcome {
            Ok(()) => {
                if ctx.out.quiet {
                    ctx.out.lines([&key.id])?;
                } else {
                    ctx.out
                        .note(format!("Revoked key {} ({})", key.id, key.name));
                }
            }
            Err(err) => {
                failed += 1;
                if keys.len() > 1 {
                    ctx.out.warn(format!(
                        "could not revoke key {} ({}): {err}",
                        key.id, key.name
                    ));
                }
                last_error = Some(err);
            }
        }
    }
    if failed < keys.len() {
        ctx.out.note(REVOCATION_DELAY_NOTE);
    }
    match (failed, last_error) {
        (0, _) => Ok(Exit::Ok),
        (_, Some(err)) if keys.len() == 1 => Err(err.into()),
        _ => Err(UserError::new(
            Exit::PartialFailure,
            format!("{failed} of {} keys could not be revoked", keys.len()),
        )
        .hint("the keys reported as revoked are gone; re-run the command for the others")
        .into()),
    }
}
