//! `keychain get|list|remove|prune|recovered`: key secrets stored by `--store keychain`, under
//! service `flexprice-admin`, account `<profile>/<owner id>/<key name>` (older entries
//! `<profile>/<key name>` are read as they are and moved once their key is known, see
//! [`crate::secrets::entries`]), and the recovery files of secrets that were not delivered.

use secrecy::ExposeSecret;
use serde::Serialize;

use crate::api::KeyFilter;
use crate::api::models::ApiKey;
use crate::cli::KeychainNameArgs;
use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};
use crate::handover::journal;
use crate::output::{self, render::Cell};
use crate::secrets::entries::{self, Stored};
use crate::secrets::{KEYS_SERVICE, KeychainError, reveal};

pub(super) fn get(ctx: &Context, args: &KeychainNameArgs) -> CommandResult<Exit> {
    let entry = find(ctx, args)?;
    let secret = ctx
        .keychain
        .get(KEYS_SERVICE, &entry.account)
        .map_err(KeychainError::into_user_error)?;
    // A secret read in: nothing this process writes to stderr may quote it from now on.
    crate::redact::register(&secret);
    // An entry whose key was rotated away (and revoked) holds a useless secret: said loudly.
    if let Some(flag) = ctx.journal().superseded(&entry.account) {
        ctx.out.warn(flag);
    }
    reveal::mask_in_ci(&ctx.out, &secret)?;
    if ctx.out.is_json() {
        #[derive(Serialize)]
        struct Stored<'a> {
            name: &'a str,
            owner: Option<&'a str>,
            profile: &'a str,
            api_key: &'a str,
        }
        ctx.out.json(&Stored {
            name: &args.name,
            owner: entry.owner.as_deref(),
            profile: &ctx.profile.name,
            api_key: secret.expose_secret(),
        })?;
    } else {
        ctx.out.lines([secret.expose_secret()])?;
    }
    Ok(Exit::Ok)
}

/// The entry `keychain get|remove NAME [--service-account ID]` means.
fn find(ctx: &Context, args: &KeychainNameArgs) -> Result<Stored, CommandError> {
    entries::find(
        &ctx.keychain,
        &ctx.profile.name,
        &args.name,
        args.service_account.as_deref(),
        &ctx.profile_flag(),
    )
}

/// One entry as `keychain list` shows it.
#[derive(Serialize)]
struct Listed {
    name: String,
    /// The owner's ID; `null` for an entry written before owners were kept apart whose key is
    /// not known.
    owner: Option<String>,
    account: String,
    /// The key whose secret the entry holds; `null` when not known.
    key_id: Option<String>,
    /// Whether that key is still active; `null` when the keys could not be listed.
    active: Option<bool>,
}

/// The entries of the profile, old ones moved first when their key is known, each matched to
/// its key with one listing request. Without the listing (no credential, API down) the entries
/// are still shown, with `active` unknown.
async fn survey(ctx: &Context, listed: Option<Vec<ApiKey>>) -> CommandResult<(Vec<Listed>, bool)> {
    let keys: Option<Vec<ApiKey>> = match listed {
        Some(keys) => Some(keys),
        None => list_keys(ctx).await,
    };
    if let Some(keys) = &keys {
        let moved = entries::migrate(&ctx.keychain, &ctx.profile.name, keys)
            .map_err(KeychainError::into_user_error)?;
        for (old, new) in moved {
            ctx.out.note(format!(
                "Moved keychain entry {} to {} (entries are now kept apart by owner).",
                old.account, new.account
            ));
        }
    }
    let stored =
        entries::list(&ctx.keychain, &ctx.profile.name).map_err(KeychainError::into_user_error)?;
    let mut listed = Vec::with_capacity(stored.len());
    for entry in stored {
        let recorded = ctx.journal().key_at(&entry.account);
        let (key_id, active) = match &keys {
            Some(keys) => {
                let live = match ctx.keychain.get(KEYS_SERVICE, &entry.account) {
                    Ok(secret) => {
                        crate::redact::register(&secret);
                        entries::key_of(&secret, keys, Some(&entry.name), entry.owner.as_deref())
                            .first()
                            .map(|k| k.id.clone())
                    }
                    Err(_) => None,
                };
                match live {
                    Some(id) => (Some(id), Some(true)),
                    None => (recorded, Some(false)),
                }
            }
            None => (recorded, None),
        };
        listed.push(Listed {
            name: entry.name,
            owner: entry.owner,
            account: entry.account,
            key_id,
            active,
        });
    }
    Ok((listed, keys.is_some()))
}

/// The keys, in one listing request; `None` (with a warning) when they cannot be listed.
async fn list_keys(ctx: &Context) -> Option<Vec<ApiKey>> {
    if let Err(e) = ctx.credential() {
        ctx.out.warn(format!(
            "no admin credential, so whether each entry's key is active is not shown: {e}"
        ));
        return None;
    }
    let listed = async {
        let client = ctx.client_in_environment().await?;
        Ok::<_, CommandError>(client.list_keys(&KeyFilter::default(), None).await?)
    };
    match listed.await {
        Ok(keys) => Some(keys),
        Err(e) => {
            ctx.out.warn(format!(
                "could not list the keys, so whether each entry's key is active is not shown: {e:#}"
            ));
            None
        }
    }
}

pub(super) async fn list(ctx: &Context) -> CommandResult<Exit> {
    let (listed, _) = survey(ctx, None).await?;
    if ctx.out.is_json() {
        ctx.out.json(&listed)?;
        return Ok(Exit::Ok);
    }
    if listed.is_empty() {
        ctx.out.note(format!(
            "No key secrets are stored in the OS keychain for profile '{}'.",
            ctx.profile.name
        ));
        ctx.out
            .hint("store one with `flexprice-admin keys create --name NAME --store keychain`");
        return Ok(Exit::Ok);
    }
    let rows = listed
        .iter()
        .map(|e| {
            vec![
                Cell::new(&e.name),
                Cell::new(e.owner.as_deref().unwrap_or("?")),
                Cell::new(e.key_id.as_deref().unwrap_or("?")),
                Cell::new(match e.active {
                    Some(true) => "active",
                    Some(false) => "not active",
                    None => "unknown",
                }),
            ]
        })
        .collect();
    ctx.out.rows(&["NAME", "OWNER", "KEY ID", "KEY"], rows)?;
    Ok(Exit::Ok)
}

pub(super) fn remove(ctx: &Context, args: &KeychainNameArgs) -> CommandResult<Exit> {
    let entry = find(ctx, args)?;
    let question = format!(
        "Remove the secret of '{}' (owner {}, profile '{}') from the OS keychain? The key stays valid.",
        entry.name,
        entry.owner_label(),
        ctx.profile.name
    );
    if !ctx.confirm(&question, "--yes")? {
        ctx.out.note("Nothing removed.");
        return Ok(Exit::Ok);
    }
    ctx.keychain
        .delete(KEYS_SERVICE, &entry.account)
        .map_err(KeychainError::into_user_error)?;
    ctx.out.note(format!(
        "Removed '{}' from the OS keychain (the key itself was not revoked).",
        entry.account
    ));
    Ok(Exit::Ok)
}

/// Deletes the entries whose secret matches no active key. Needs the listing: without it
/// nothing is removed (exit 5 or the API's code).
pub(super) async fn prune(ctx: &Context) -> CommandResult<Exit> {
    let client = ctx.client_in_environment().await?;
    // Fail here, before anything is removed, if the keys cannot be listed.
    let keys = client.list_keys(&KeyFilter::default(), None).await?;
    let (listed, listing) = survey(ctx, Some(keys)).await?;
    if !listing {
        return Err(CommandError::new(
            Exit::Unavailable,
            "the keys could not be listed, so no entry was removed",
        ));
    }
    let stale: Vec<&Listed> = listed.iter().filter(|e| e.active == Some(false)).collect();
    if stale.is_empty() {
        ctx.out
            .note("Every keychain entry of the profile holds an active key; nothing to remove.");
        if ctx.out.is_json() {
            ctx.out.json(&Vec::<String>::new())?;
        }
        return Ok(Exit::Ok);
    }
    for e in &stale {
        ctx.out.note(format!(
            "  {} (key {}): not active",
            e.account,
            e.key_id.as_deref().unwrap_or("unknown")
        ));
    }
    let question = match stale.len() {
        1 => "Remove this keychain entry, whose key is no longer active?".to_string(),
        n => format!("Remove these {n} keychain entries, whose keys are no longer active?"),
    };
    if !ctx.confirm(&question, "--yes")? {
        ctx.out.note("Nothing removed.");
        return Ok(Exit::Ok);
    }
    let mut removed = Vec::new();
    for e in &stale {
        ctx.keychain
            .delete(KEYS_SERVICE, &e.account)
            .map_err(KeychainError::into_user_error)?;
        removed.push(e.account.clone());
    }
    if ctx.out.is_json() {
        ctx.out.json(&removed)?;
    } else {
        ctx.out.lines(&removed)?;
    }
    ctx.out.note(format!(
        "Removed {}.",
        output::count(removed.len(), "keychain entry", "keychain entries")
    ));
    Ok(Exit::Ok)
}

/// The recovery files in the state directory, with whether each one's key is still active (one
/// listing request; unknown without it).
pub(super) async fn recovered(ctx: &Context) -> CommandResult<Exit> {
    let files = journal::recovery_files(&ctx.paths.state_dir);
    #[derive(Serialize)]
    struct Recovered {
        key_id: String,
        path: String,
        written_at: String,
        active: Option<bool>,
    }
    let keys = if files.is_empty() {
        None
    } else {
        match ctx.client_in_environment().await {
            Ok(client) => client.list_keys(&KeyFilter::default(), None).await.ok(),
            Err(_) => None,
        }
    };
    let rows: Vec<Recovered> = files
        .into_iter()
        .map(|f| Recovered {
            active: keys
                .as_ref()
                .map(|keys| keys.iter().any(|k| k.id == f.key_id)),
            key_id: f.key_id,
            path: f.path.display().to_string(),
            written_at: f.written_at,
        })
        .collect();
    if ctx.out.is_json() {
        ctx.out.json(&rows)?;
        return Ok(Exit::Ok);
    }
    if rows.is_empty() {
        ctx.out.note(format!(
            "No recovery files in {}.",
            ctx.paths.state_dir.display()
        ));
        return Ok(Exit::Ok);
    }
    let cells = rows
        .iter()
        .map(|r| {
            vec![
                Cell::new(&r.key_id),
                Cell::new(match r.active {
                    Some(true) => "active",
                    Some(false) => "not active",
                    None => "unknown",
                }),
                Cell::new(&r.written_at),
                Cell::new(&r.path),
            ]
        })
        .collect();
    ctx.out.rows(&["KEY ID", "KEY", "WRITTEN", "FILE"], cells)?;
    if rows.iter().any(|r| r.active == Some(true)) {
        ctx.out.hint("copy an active key's secret from its file into its destination, then delete the file; `keys rotate --due` does it for a rotation that stopped");
    }
    Ok(Exit::Ok)
}
