//! `keys rotate`, first phase: which keys to rotate (one named key, `--due`, `--all`), and
//! which of them a batch must leave alone, each skipped with the reason.

use jiff::Timestamp;

use std::collections::HashSet;

use crate::api::models::{ApiKey, CreateKeyBody, User};
use crate::api::{ApiError, Client};
use crate::cli::KeysRotateArgs;
use crate::commands::keys::audit;
use crate::commands::keys::policy::Policy;
use crate::commands::keys::scope::KeyScope;
use crate::commands::resolve;
use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};
use crate::handover::Journal;
use crate::ops::rotate::{successors, waiting_successor};
use crate::time::{self, TimeSpan};

/// The keys a run rotates, what was listed to choose them, and who asked.
pub(super) struct Chosen {
    pub scope: KeyScope,
    /// The keys listed in step 1: what a key made since then is compared with.
    pub visible: Vec<ApiKey>,
    pub targets: Vec<ApiKey>,
    /// The caller, once asked: the owner named in the JSON of a user key (only its own).
    pub caller: Option<User>,
}

/// Step 1's listing and the choice: one named key (refused when an earlier rotation left a
/// newer key of its name and owner), the keys due, or every key in scope (`--all`).
pub(super) async fn keys(
    ctx: &Context,
    args: &KeysRotateArgs,
    client: &Client,
    journal: &Journal,
    policy: &Policy,
) -> CommandResult<Chosen> {
    let batch = args.key.is_none();
    // The caller, side by side with the listing: needed only for a user key (only its owner may
    // rotate it), and free beside a request we wait for anyway. It is awaited only when needed:
    // a slow or hung answer must not hold up a service-account key's rotation.
    let me_request = client.me();
    tokio::pin!(me_request);
    let mut me_answer = None;
    let listing = async {
        let scope = if batch {
            KeyScope::resolve(ctx, client, &args.scope).await?
        } else {
            KeyScope::default()
        };
        let visible = client.list_keys(&scope.filter(), None).await?;
        Ok::<_, CommandError>((scope, visible))
    };
    tokio::pin!(listing);
    let listed = loop {
        tokio::select! {
            listed = &mut listing => break listed,
            answer = &mut me_request, if me_answer.is_none() => me_answer = Some(answer),
        }
    };
    let me = async move {
        match me_answer {
            Some(answer) => answer,
            None => me_request.await,
        }
    };
    let (scope, mut visible) = listed?;
    let mut seen = HashSet::new();
    visible.retain(|k| seen.insert(k.id.clone()));
    // The caller, once asked: the owner named in the JSON of a user key (only its own).
    let mut caller = None;
    let targets = match &args.key {
        Some(raw) => {
            let key = resolve::key(&visible, raw)?.clone();
            if !key.is_service_account_key() {
                let me = me.await?;
                check_rotatable(&key, &me)?;
                caller = Some(me);
            }
            // A successor already delivered (a run killed or failed at step 6): a new key
            // would go over its secret and leave it active with the secret nowhere.
            if let Some(newer) = superseded_by(journal, &visible, &key) {
                return Err(CommandError::new(
                    Exit::Conflict,
                    format!(
                        "key {} ({}) already has a newer key of the same name and owner, {}: an earlier rotation did \
                         not revoke it; nothing was minted",
                        key.id, key.name, newer.id
                    ),
                )
                .hint(format!(
                    "revoke it with `flexprice-admin keys delete {} --yes` once its consumers use {}, or rotate {} \
                     instead",
                    key.id, newer.id, newer.id
                )));
            }
            vec![key]
        }
        None => {
            let me = me.await;
            let targets = if args.all {
                all_keys(ctx, &me, &visible, &scope)?
            } else {
                due_keys(ctx, &me, &visible, policy, &scope)?
            };
            caller = me.ok();
            targets
        }
    };
    Ok(Chosen {
        scope,
        visible,
        targets,
        caller,
    })
}

/// Policy flags belong to `--due`, scope flags to `--due` and `--all` (clap cannot make
/// flattened flags require another); checked before any request.
pub(super) fn check_selection(args: &KeysRotateArgs) -> Result<(), CommandError> {
    let policy = [
        ("--max-age", args.policy.max_age.is_some()),
        ("--expiring-within", args.policy.expiring_within.is_some()),
    ];
    if let Some((flag, _)) = policy.iter().find(|(_, given)| *given)
        && !args.due
    {
        let why = if args.all {
            "--all rotates every key in scope whatever its age"
        } else {
            "it chooses which keys are due"
        };
        return Err(CommandError::usage(format!(
            "{flag} applies to `keys rotate --due` only: {why}"
        ))
        .hint(format!(
            "add --due to rotate the keys due under {flag}, or drop {flag}"
        )));
    }
    let scope = [
        ("--service-account", !args.scope.service_accounts.is_empty()),
        ("--name", args.scope.name.is_some()),
    ];
    if let Some((flag, _)) = scope.iter().find(|(_, given)| *given)
        && !args.due
        && !args.all
    {
        return Err(CommandError::usage(format!(
            "{flag} narrows `keys rotate --due` or `keys rotate --all`, not a single KEY"
        ))
        .hint(format!(
            "name the key alone (`keys rotate ID|NAME`), or add --due (the keys due) or --all (every key) with {flag}"
        )));
    }
    Ok(())
}

/// "of service account ingest-bot named ci-ingest", or "you can rotate" for no scope.
pub(super) fn scope_words(scope: &KeyScope) -> String {
    if scope.is_everything() {
        "you can rotate".to_string()
    } else {
        scope.describe()
    }
}

/// What to run for the keys a batch did not rotate. `--due` again finds exactly them (the new
/// keys are not due); `--all` again would rotate the new keys too.
pub(super) fn rerun_hint(args: &KeysRotateArgs) -> String {
    if args.all {
        "rotate each of the others with `flexprice-admin keys rotate ID` (running --all again would also rotate \
         the new keys)"
            .to_string()
    } else {
        let mut again = String::from("keys rotate --due");
        for (flag, value) in [
            ("--max-age", args.policy.max_age.map(|v| v.to_string())),
            (
                "--expiring-within",
                args.policy.expiring_within.map(|v| v.to_string()),
            ),
        ] {
            if let Some(value) = value {
                let quoted = shlex::try_quote(&value).unwrap_or(value.as_str().into());
                again.push_str(&format!(" {flag} {quoted}"));
            }
        }
        again.push_str(&args.scope.flags());
        format!("run `{again}` again for the others")
    }
}

/// The keys `keys audit` reports under `policy` within `scope`, less those cron must not touch
/// (see [`rotatable`]).
pub(super) fn due_keys(
    ctx: &Context,
    me: &Result<User, ApiError>,
    visible: &[ApiKey],
    policy: &Policy,
    scope: &KeyScope,
) -> CommandResult<Vec<ApiKey>> {
    // What the audit reports is what is rotated: the same policy, the same scope.
    let due = audit::policy_findings(
        policy,
        visible.iter().filter(|k| scope.matches(k)),
        time::now(),
    );
    let candidates = due
        .iter()
        .filter_map(|finding| visible.iter().find(|k| k.id == finding.key.id))
        .collect();
    rotatable(ctx, me, visible, candidates, false)
}

/// `--all`: every key within `scope` that still authenticates, whatever its age, less what
/// [`rotatable`] skips. An expired key is skipped too: it no longer works, so it cannot have
/// leaked anything usable, and `--due` or `keys rotate ID` replaces it.
pub(super) fn all_keys(
    ctx: &Context,
    me: &Result<User, ApiError>,
    visible: &[ApiKey],
    scope: &KeyScope,
) -> CommandResult<Vec<ApiKey>> {
    let now = time::now();
    let mut candidates = Vec::new();
    for key in visible.iter().filter(|k| scope.matches(k)) {
        match key.expires_at {
            Some(at) if at <= now => ctx.out.warn(format!(
                "skipping key {} ({}): it expired {} and no longer authenticates; replace it with \
                 `flexprice-admin keys rotate {}` if a service still needs it",
                key.id,
                key.name,
                time::relative(at, now),
                key.id
            )),
            _ => candidates.push(key),
        }
    }
    rotatable(ctx, me, visible, candidates, true)
}

/// `candidates` less the keys a batch must not touch, each skipped with a message: other users'
/// keys (only their owner can rotate them; a note, since cron meets them every night), the
/// credential this run uses (its successor would go to `--store`, not where this command reads
/// its key, and the next run would fail), and keys that already have a newer key of the same
/// name and owner (a previous rotation whose revocation failed: rotating again would strand that
/// newer key).
fn rotatable(
    ctx: &Context,
    me: &Result<User, ApiError>,
    visible: &[ApiKey],
    candidates: Vec<&ApiKey>,
    incident: bool,
) -> CommandResult<Vec<ApiKey>> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // The caller tells whose user keys are whose. Service-account keys do without it (a
    // tenant-level key has no user to answer `GET /users/me` with), and the credential in use
    // is then told by its display ID alone.
    let me = match me {
        Ok(me) => Some(me),
        Err(_) if candidates.iter().all(|k| k.is_service_account_key()) => None,
        Err(e) => return Err(e.clone().into()),
    };
    let (credential, _) = ctx.credential()?;
    let in_use = credential.redacted();
    // The key this command runs with: the caller's key with its display ID, and when several
    // share it (only two characters vary), the one minted with it.
    let sharing: Vec<&ApiKey> = visible
        .iter()
        .filter(|k| {
            k.display_id == in_use
                && me
                    .as_ref()
                    .is_none_or(|me| k.user_id.as_deref() == Some(me.id.as_str()))
        })
        .collect();
    let running_with = match sharing.as_slice() {
        [one] => Some(*one),
        many => crate::commands::keys::check::minted_with(many, credential.expose()),
    };
    let mut targets = Vec::new();
    for key in candidates {
        if let Some(me) = &me
            && let Err(why) = check_rotatable(key, me)
        {
            ctx.out
                .note(format!("skipping key {} ({}): {why}", key.id, key.name));
            continue;
        }
        // `--due` says it every night a cron runs: a note (`-q` keeps it out of the mail). In an
        // incident (`--all`), the one key not rotated is worth a warning.
        if running_with.is_some_and(|k| k.id == key.id) {
            let say = |text: String| {
                if incident {
                    ctx.out.warn(text)
                } else {
                    ctx.out.note(text)
                }
            };
            say(format!(
                "skipping key {} ({}): it is the credential this command runs with; rotate it on its own with \
                 `flexprice-admin keys rotate {}` and update wherever the admin key is read from",
                key.id, key.name, key.id
            ));
            continue;
        }
        if running_with.is_none() && sharing.iter().any(|k| k.id == key.id) {
            ctx.out.warn(format!(
                "skipping key {} ({}): it shares its display ID {in_use} with the credential this command runs \
                 with, and which of {} keys that credential is cannot be told; rotate it on its own with \
                 `flexprice-admin keys rotate {}` if it is not",
                key.id,
                key.name,
                sharing.len(),
                key.id
            ));
            continue;
        }
        if let Some(newer) = superseded_by(&ctx.journal(), visible, key) {
            ctx.out.warn(format!(
                "skipping key {} ({}): newer key {} has the same name and owner, so an earlier rotation did not revoke \
                 it; revoke it with `flexprice-admin keys delete {} --yes` once its consumers use the newer key",
                key.id, key.name, newer.id, key.id
            ));
            continue;
        }
        targets.push(key.clone());
    }
    Ok(targets)
}

/// A newer key of `key`'s name and owner, unless one's secret waits in a recovery file (a
/// rotation that stopped before delivery: it is finished from the file, not skipped): a
/// previous rotation that did not revoke `key`, whose successor a new rotation would overwrite.
pub(super) fn superseded_by<'k>(
    journal: &Journal,
    visible: &'k [ApiKey],
    key: &ApiKey,
) -> Option<&'k ApiKey> {
    let newer = successors(visible, key).next()?;
    waiting_successor(journal, visible, key)
        .is_none()
        .then_some(newer)
}

/// Flexprice mints a user key only for the calling user, so only its owner can rotate one.
pub(super) fn check_rotatable(key: &ApiKey, me: &User) -> Result<(), CommandError> {
    if key.is_service_account_key() || key.user_id.as_deref() == Some(me.id.as_str()) {
        return Ok(());
    }
    Err(CommandError::new(
        Exit::PermissionDenied,
        format!(
            "key {} ({}) belongs to user {}; Flexprice mints user keys only for the calling user",
            key.id,
            key.name,
            key.user_id.as_deref().unwrap_or("?")
        ),
    )
    .hint("ask that user to rotate it with their own credential, or revoke it with `flexprice-admin keys delete`"))
}

/// The new key: same name and owner; lifetime from `--expires-in`, else the old key's, else
/// the profile default.
pub(super) fn new_key_body(
    ctx: &Context,
    args: &KeysRotateArgs,
    old: &ApiKey,
    now: Timestamp,
) -> CreateKeyBody {
    let lifetime = args
        .expires_in
        .or_else(|| {
            old.expires_at
                .and_then(|end| TimeSpan::between(old.created_at, end))
        })
        .unwrap_or_else(|| ctx.default_key_lifetime());
    CreateKeyBody {
        name: old.name.clone(),
        key_type: "private_key",
        expires_at: time::expiry_within_cap(lifetime, now),
        service_account_id: old
            .is_service_account_key()
            .then(|| old.user_id.clone())
            .flatten(),
    }
}
