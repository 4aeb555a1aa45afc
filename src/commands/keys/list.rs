//! `keys list`: every key visible to the caller, newest first, and the table of keys that
//! `keys delete` shows too.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;

use crate::api::models::{ApiKey, User};
use crate::api::{Client, KeyFilter};
use crate::cli::KeysListArgs;
use crate::commands::resolve;
use crate::context::Context;
use crate::error::Exit;
use crate::output::{Cell, Mood};
use crate::time::{self, TimeSpan};
use crate::views::KeyJson;

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
pub async fn user_labels(client: &Client, keys: &[ApiKey]) -> HashMap<String, String> {
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

/// The columns of a key table.
pub const KEY_HEADERS: &[&str] = &[
    "ID", "NAME", "OWNER", "ROLES", "CREATED", "EXPIRES", "STATUS",
];

pub fn render_keys(
    ctx: &Context,
    keys: &[ApiKey],
    users: &HashMap<String, String>,
    now: Timestamp,
) -> anyhow::Result<()> {
    ctx.out.rows(KEY_HEADERS, key_rows(keys, users, now))?;
    Ok(())
}

/// One row per key, as `keys list` shows them (and `keys delete` previews them).
pub fn key_rows(
    keys: &[ApiKey],
    users: &HashMap<String, String>,
    now: Timestamp,
) -> Vec<Vec<Cell>> {
    let soon = TimeSpan::days(super::audit::EXPIRING_WITHIN_DAYS).after(now);
    keys.iter()
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
        .collect()
}
