//! `plan` and `apply`: keys as code. The manifest ([`crate::manifest`]) says which service
//! accounts, keys and destinations a team wants; [`survey`] reads the live tenant in a fixed
//! number of round trips, [`crate::manifest::diff`] compares the two, `plan` shows the
//! difference and `apply` ([`apply`]) converges to the manifest through the operations layer.

mod apply;
mod show;

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use futures_util::future::join_all;
use secrecy::{ExposeSecret, SecretString};

pub(super) use apply::apply;

use crate::api::models::ApiKey;
use crate::api::{Client, KeyFilter};
use crate::cli::PlanArgs;
use crate::commands::resolve;
use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};
use crate::handover::{Destination, Journal};
use crate::manifest::diff::{self, Diff, Live, Look, Reading};
use crate::manifest::{self, Manifest};
use crate::secrets::{KEYS_SERVICE, Keychain, KeychainError};

/// `plan`: what `apply` would do, one line per change; exit 0 when the tenant matches the
/// manifest, 11 when changes are pending.
pub(super) async fn plan(ctx: &Context, args: &PlanArgs) -> CommandResult<Exit> {
    let manifest = manifest::load(&args.file)?;
    let client = ctx.client()?;
    let live = survey(ctx, &client, &manifest).await?;
    let journal = ctx.journal();
    let diff = compare(ctx, &manifest, &live, &journal, args.prune)?;
    show::plan(ctx, &manifest, &diff, crate::time::now())?;
    Ok(if diff.changes.is_empty() {
        Exit::Ok
    } else {
        Exit::ChangesPending
    })
}

/// The comparison of the manifest with the live tenant, reading each file and keychain
/// destination (never showing what it holds) and this profile's journal.
fn compare(
    ctx: &Context,
    manifest: &Manifest,
    live: &Live,
    journal: &Journal,
    prune: bool,
) -> CommandResult<Diff> {
    let keychain = ctx.keychain;
    let read = |destination: &Destination| read_destination(keychain, destination);
    let waiting = |key: &ApiKey| journal.waiting(key).is_some();
    diff::diff(
        manifest,
        live,
        &Look {
            now: crate::time::now(),
            prune,
            profile: &ctx.profile.name,
            read: &read,
            waiting: &waiting,
        },
    )
}

/// The live tenant as far as the manifest reaches: its service accounts, and the keys of each
/// environment the manifest names. Two round trips at most, whatever the manifest's size: the
/// accounts, the environments (only when one is named by name) and the keys of every
/// environment named by ID (or of the credential's own) together; then the keys of the
/// environments named by name.
pub(super) async fn survey(
    ctx: &Context,
    client: &Client,
    manifest: &Manifest,
) -> CommandResult<Live> {
    // The credential's own environment always: an account's keys there are seen even when the
    // manifest declares none (an absent account, a key left out).
    let mut named: BTreeSet<Option<String>> = manifest
        .accounts
        .iter()
        .flat_map(|a| &a.keys)
        .map(|k| k.environment.clone())
        .collect();
    named.insert(None);
    let by_name: Vec<&String> = named
        .iter()
        .flatten()
        .filter(|e| !resolve::environment_id_like(e))
        .collect();
    // The credential's own environment is listed once, as `None`, however a key names it.
    let own = ctx.settings.environment.clone();
    let direct: Vec<Option<String>> = named
        .iter()
        .filter(|e| e.as_ref().is_none_or(|e| resolve::environment_id_like(e)))
        .filter(|e| e.is_none() || **e != own)
        .cloned()
        .collect();
    // The environments are listed whenever one is named, by ID too: an ID of no environment
    // here gets a bare 403 from the key listing, which would blame the credential.
    let first = async {
        let (accounts, environments, bound, keys) = tokio::join!(
            client.search_users("service_account", None),
            async {
                if named.iter().any(Option::is_some) {
                    client.environments().await
                } else {
                    Ok(Vec::new())
                }
            },
            async {
                if named.iter().any(Option::is_some) {
                    client.bound_to_environment().await.map(Some)
                } else {
                    Ok(None)
                }
            },
            keys_of(client, &direct)
        );
        // The keys' error waits: an unknown environment explains it better.
        Ok::<_, CommandError>((accounts?, environments?, bound?, keys))
    };
    let (accounts, environments, bound, keys) =
        ctx.out.waiting("Reading the tenant", first).await?;
    if bound == Some(true) {
        let first = named.iter().flatten().next().map_or("", String::as_str);
        return Err(CommandError::usage(format!(
            "{}: a key names environment '{first}', but this credential is an API key bound to one \
             environment, which Flexprice runs every call in whatever the manifest says",
            manifest.path.display()
        ))
        .hint(format!(
            "drop `environment` from the manifest's keys to use the credential's own, or use a credential not \
             bound to an environment (a tenant-level key, or a login token: `flexprice-admin auth login{}`)",
            ctx.profile_flag()
        )));
    }
    if let Some(unknown) = direct
        .iter()
        .flatten()
        .find(|id| !environments.iter().any(|e| e.id == **id))
    {
        return Err(CommandError::usage(format!(
            "{}: environment '{unknown}' is not an environment of this tenant",
            manifest.path.display()
        ))
        .hint(
            "`flexprice-admin environments list` shows the tenant's environments and their IDs",
        ));
    }
    let mut keys = keys?;
    let mut ids = HashMap::new();
    for name in &by_name {
        let id = resolve::environment_id(&environments, name).map_err(|e| {
            let mut e = e;
            e.message = format!(
                "{}: environment: {}",
                manifest.path.display(),
                e.message.trim_start_matches("--environment: ")
            );
            e
        })?;
        ids.insert((*name).clone(), id);
    }
    let mut resolved: Vec<Option<String>> = ids
        .values()
        .filter(|id| own.as_ref() != Some(*id))
        .cloned()
        .map(Some)
        .collect();
    resolved.sort();
    resolved.dedup();
    if !resolved.is_empty() {
        let more = ctx
            .out
            .waiting("Reading the keys", keys_of(client, &resolved))
            .await?;
        keys.extend(more);
    }
    if let Some(own) = &own {
        keys.remove(&Some(own.clone()));
    }
    Ok(Live {
        accounts,
        keys,
        environments: ids,
        own,
    })
}

/// The keys of each environment, asked for together.
async fn keys_of(
    client: &Client,
    environments: &[Option<String>],
) -> CommandResult<HashMap<Option<String>, Vec<ApiKey>>> {
    let listed = join_all(environments.iter().map(|environment| async move {
        let scoped = match environment {
            Some(id) => client.with_environment(Some(id.clone())),
            None => client.clone(),
        };
        let keys = scoped.list_keys(&KeyFilter::default(), None).await?;
        Ok::<_, CommandError>((environment.clone(), keys))
    }))
    .await;
    listed.into_iter().collect()
}

/// What a destination holds, by its display form: a file (a regular file of at most 4 KiB, read
/// without following anything odd) or a keychain entry. The secret read is registered for
/// scrubbing and dropped at once; an `exec:` command cannot be read.
fn read_destination(keychain: Keychain, destination: &Destination) -> Reading {
    let secret = match destination {
        Destination::File { path } => match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Reading::Nothing,
            Err(e) => return Reading::Unreadable(e.to_string()),
            Ok(meta) if !meta.is_file() => {
                return Reading::Unreadable("not a regular file".into());
            }
            Ok(meta) if meta.len() > crate::secret_input::MAX_BYTES as u64 => {
                return Reading::Unreadable("larger than 4 KiB".into());
            }
            Ok(_) => {
                let mut text = zeroize::Zeroizing::new(String::new());
                match std::fs::File::open(path).and_then(|f| {
                    f.take(crate::secret_input::MAX_BYTES as u64)
                        .read_to_string(&mut text)
                }) {
                    Ok(_) => SecretString::from(text.trim().to_string()),
                    Err(e) => return Reading::Unreadable(e.to_string()),
                }
            }
        },
        Destination::Keychain { account } => match keychain.get(KEYS_SERVICE, account) {
            Ok(secret) => secret,
            Err(KeychainError::NoEntry(_)) => return Reading::Nothing,
            Err(e) => return Reading::Unreadable(e.to_string()),
        },
        Destination::Exec { .. } | Destination::Stdout => return Reading::Opaque,
    };
    if secret.expose_secret().is_empty() {
        return Reading::Nothing;
    }
    crate::redact::register(&secret);
    let key_like =
        secret.expose_secret().starts_with("sk_") && crate::handover::check_shape(&secret).is_ok();
    if !key_like {
        return Reading::Other;
    }
    Reading::Secret {
        display: crate::redact::display_form(secret.expose_secret()),
        minted_ms: diff::ulid_ms(secret.expose_secret(), "sk_"),
    }
}
