//! `keys list`: every key visible to the caller (in one environment, or with
//! `--all-environments` in all of them), newest first, and the table of keys that `keys delete`
//! shows too.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;

use super::everywhere;
use super::listing::{JsonWriter, OutputBytes, Shown, each_key};
use super::policy::{Expiry, Policy};
use super::scope::KeyScope;
use crate::api::Client;
use crate::api::models::{ApiKey, Environment, Page, User};
use crate::cli::KeysListArgs;
use crate::commands::members::{Members, orphaned};
use crate::context::Context;
use crate::error::{CommandResult, Exit};
use crate::output::{self, Cell, Mood};
use crate::time;
use crate::views::KeyJson;

pub async fn list(ctx: &Context, args: &KeysListArgs) -> CommandResult<Exit> {
    KeyScope::check(&args.scope)?;
    let client = ctx.client()?;
    let scope = KeyScope::resolve(ctx, &client, &args.scope).await?;
    let filter = scope.filter();
    if args.everywhere.all_environments {
        return list_everywhere(ctx, &client, &scope, args.limit).await;
    }
    // A name filter runs here, so `--limit` can only be applied after it.
    let server_max = if scope.name.is_some() {
        None
    } else {
        args.limit
    };
    if ctx.out.is_json() {
        // Streamed: each answer is written as it arrives, in the server's order (newest first,
        // as asked). The price: a page that fails after retries leaves a truncated array on
        // stdout, and the exit code (non-zero) is what tells a script the list is incomplete.
        let now = time::now();
        let mut left = args.limit.map_or(usize::MAX, |l| l as usize);
        let mut pager = client.key_pager(&filter, server_max);
        // A user key's `owner_name` is the user's name, as the table shows it, and a key whose
        // owner is no longer a member is marked `orphaned`: every person and service account
        // of the tenant, fetched side by side with the first answer (best effort: without
        // `user:read`, no names and no marks). And the environment the keys live in, when it
        // can be told (see `known_environment`).
        let (first, members, environment) = futures_util::future::join3(
            pager.next(),
            Members::fetch(&client),
            known_environment(ctx, &client),
        )
        .await;
        let mut answer = first?;
        let members = members.ok();
        let users = members.as_ref().map(Members::labels).unwrap_or_default();
        if ctx.out.is_json_lines() {
            let mut out = ctx.out.json_stream(true)?;
            while let Some(current) = answer {
                let mut page: Page<ApiKey> = client.decode_answer(&current)?;
                pager.take(&page.pagination, &mut page.items)?;
                for key in page.items.into_iter().filter(|k| scope.matches(k)) {
                    if left == 0 {
                        break;
                    }
                    let owner = user_owner_name(&key, &users);
                    let orphaned = orphaned(members.as_ref(), &key, now);
                    out.whole(
                        &KeyJson::from_key(key, owner, now)
                            .with_orphaned(orphaned)
                            .in_environment(environment.as_ref()),
                    )?;
                    left -= 1;
                }
                answer = pager.next().await?;
            }
            out.finish()?;
            return Ok(Exit::Ok);
        }
        // `-o json`: each key written straight from the decoded answer (see `listing`).
        let shown = Shown {
            scope: &scope,
            users: &users,
            members: members.as_ref(),
            environment: environment.as_ref(),
            now,
        };
        let mut out = JsonWriter::new(OutputBytes(&ctx.out), shown, left)?;
        while let Some(current) = answer {
            each_key(&client, &mut pager, &current, |key| out.write(key))?;
            out.flush()?;
            answer = pager.next().await?;
        }
        out.finish()?;
        return Ok(Exit::Ok);
    }
    // The owners' names side by side with the keys, in the same round trip: every person and
    // service account of the tenant (a handful), as which of them the keys name is not known
    // yet, and whose keys are orphaned. Best effort, as in [`user_labels`].
    let members = async {
        if ctx.out.quiet {
            return None;
        }
        Members::fetch(&client).await.ok()
    };
    let (keys, members) = ctx
        .out
        .waiting(
            "Fetching keys",
            futures_util::future::join(client.list_keys(&filter, server_max), members),
        )
        .await;
    let mut keys = keys?;
    keys.retain(|k| scope.matches(k));
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
        say_none_found(ctx);
        return Ok(Exit::Ok);
    }
    let users = members.as_ref().map(Members::labels).unwrap_or_default();
    render_table(ctx, &keys, &users, None, members.as_ref(), now)?;
    Ok(Exit::Ok)
}

/// `--all-environments`: every environment's keys, newest first across the tenant; in JSON
/// each key carries its `environment_id` and `environment_name`, in tables an ENV column.
async fn list_everywhere(
    ctx: &Context,
    client: &Client,
    scope: &KeyScope,
    limit: Option<u64>,
) -> CommandResult<Exit> {
    let found = everywhere::list_keys(ctx, client, &scope.filter()).await?;
    let environment_of = everywhere::by_key(&found);
    let mut keys: Vec<&ApiKey> = found
        .iter()
        .flat_map(|e| e.keys.iter())
        .filter(|k| scope.matches(k))
        .collect();
    keys.sort_by_key(|k| std::cmp::Reverse(k.created_at));
    if let Some(limit) = limit {
        keys.truncate(limit as usize);
    }
    let now = time::now();
    let members = if ctx.out.quiet && !ctx.out.is_json() {
        None
    } else {
        Members::fetch(client).await.ok()
    };
    let users = members.as_ref().map(Members::labels).unwrap_or_default();
    if ctx.out.is_json() {
        let views: Vec<KeyJson> = keys
            .iter()
            .map(|k| {
                KeyJson::new(k, user_owner_name(k, &users), now)
                    .with_orphaned(orphaned(members.as_ref(), k, now))
                    .in_environment(environment_of.get(k.id.as_str()).copied())
            })
            .collect();
        ctx.out.json(&views)?;
        return Ok(Exit::Ok);
    }
    if ctx.out.quiet {
        ctx.out.lines(keys.iter().map(|k| &k.id))?;
        return Ok(Exit::Ok);
    }
    if keys.is_empty() {
        say_none_found(ctx);
        return Ok(Exit::Ok);
    }
    let owned: Vec<ApiKey> = keys.iter().map(|k| (*k).clone()).collect();
    render_table(
        ctx,
        &owned,
        &users,
        Some(&environment_of),
        members.as_ref(),
        now,
    )?;
    ctx.out.note(format!(
        "{} in {}.",
        output::count(owned.len(), "key", "keys"),
        output::count(found.len(), "environment", "environments")
    ));
    Ok(Exit::Ok)
}

/// The environment every key of a one-environment listing lives in, when it can be told:
/// `--environment` (or the profile's) names one, and the credential is not bound to an
/// environment (a key stored in the database lists its own, whatever the header says). Asked
/// side by side with the listing; best effort, so `None` when either answer fails.
async fn known_environment(ctx: &Context, client: &Client) -> Option<Environment> {
    let id = ctx.settings.environment.as_deref()?;
    let (bound, environments) =
        futures_util::future::join(client.bound_to_environment(), client.environments()).await;
    if bound.ok()? {
        return None;
    }
    environments.ok()?.into_iter().find(|e| e.id == id)
}

fn say_none_found(ctx: &Context) {
    ctx.out.note("No keys found.");
    ctx.out
        .hint("create one with `flexprice-admin keys create --name NAME`");
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
    labels(
        client
            .search_users("user", Some(&ids))
            .await
            .unwrap_or_default(),
    )
}

/// User ID → label.
fn labels(users: Vec<User>) -> HashMap<String, String> {
    users
        .iter()
        .map(|u| (u.id.clone(), u.label().to_string()))
        .collect()
}

/// A user key's `owner_name` in JSON: the user's label when known (a service-account key
/// carries its account's name already).
pub(super) fn user_owner_name(key: &ApiKey, users: &HashMap<String, String>) -> Option<String> {
    if key.is_service_account_key() {
        return None;
    }
    key.user_id.as_ref().and_then(|id| users.get(id)).cloned()
}

/// The OWNER of a key in every table: the service account's name, else the user's name (or
/// email), else, when users cannot be read, the user's ID.
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
) -> CommandResult<()> {
    render_table(ctx, keys, users, None, None, now)
}

/// The keys table; with `environments` (key ID → environment), an ENV column: the name on a
/// terminal, the ID when piped. With `members`, a key whose owner left the tenant is
/// `orphaned`.
fn render_table(
    ctx: &Context,
    keys: &[ApiKey],
    users: &HashMap<String, String>,
    environments: Option<&HashMap<&str, &Environment>>,
    members: Option<&Members>,
    now: Timestamp,
) -> CommandResult<()> {
    let mut headers = KEY_HEADERS.to_vec();
    if environments.is_some() {
        headers.push("ENV");
    }
    let policy = Policy::from_profile(ctx);
    let rows = key_rows(&policy, keys, users, environments, members, now);
    ctx.out.rows(&headers, rows)?;
    Ok(())
}

/// One row per key, as `keys list` shows them (and `keys delete` previews them); STATUS follows
/// the profile's rotation policy, and is `orphaned` for a live key whose owner is not among
/// `members` (when known).
pub fn key_rows(
    policy: &Policy,
    keys: &[ApiKey],
    users: &HashMap<String, String>,
    environments: Option<&HashMap<&str, &Environment>>,
    members: Option<&Members>,
    now: Timestamp,
) -> Vec<Vec<Cell>> {
    keys.iter()
        .map(|key| {
            let (status, mood) = match policy.expiry(key, now) {
                Expiry::Expired => ("expired", Mood::Bad),
                _ if members.is_some_and(|m| m.orphaned(key, now)) => ("orphaned", Mood::Bad),
                Expiry::Expiring => ("expiring", Mood::Warn),
                Expiry::Active => ("active", Mood::Normal),
            };
            let expires = match key.expires_at {
                Some(at) if at <= now => Cell::split(
                    format!("expired {}", time::relative(at, now)),
                    at.to_string(),
                ),
                Some(at) => Cell::split(time::relative(at, now), at.to_string()),
                None => Cell::new("never"),
            };
            let mut row = vec![
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
            ];
            if let Some(environments) = environments {
                row.push(environment_cell(environments.get(key.id.as_str()).copied()));
            }
            row
        })
        .collect()
}

/// An environment in a table: its name on a terminal, its ID (what `--environment` takes) when
/// piped.
pub(super) fn environment_cell(environment: Option<&Environment>) -> Cell {
    match environment {
        Some(e) => Cell::split(&e.name, &e.id),
        None => Cell::new(""),
    }
}
