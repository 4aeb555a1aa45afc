//! `keys rotate`: replace a key without ever leaving its service without a working key or
//! losing a secret. The steps, each named when it fails:
//!
//! 1. resolve the old key (owner, name, roles, expiry);
//! 2. pre-flight every destination of the new secret (`--store`), then take the per-key lock,
//!    so overlapping cron runs cannot interleave;
//! 3. create the new key with the same name and owner;
//! 4. deliver the new secret and verify each destination;
//! 5. check that the new key authenticates;
//! 6. revoke the old key (unless `--keep-old`).
//!
//! A failure before step 6 leaves the old key untouched. A create whose answer was lost is
//! looked up afterwards, so a key nobody holds the secret of is reported (or revoked), never
//! left behind unknown.

use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::{audit, emit_planned, keys, resolve};
use crate::api::models::{ApiKey, CreateKeyBody, User};
use crate::api::{self, ApiError, ApiErrorKind, Client, Credential, KeyFilter};
use crate::cli::{KeysRotateArgs, OnStoreFailure};
use crate::context::Context;
use crate::error::{Exit, UserError};
use crate::lock::KeyLock;
use crate::secrets::{self, Destinations, NotDelivered, SecretOwner, recovery, reveal};
use crate::time::{self, TimeSpan};
use crate::views::KeyJson;

/// Rotations in flight at once under `--due`.
const ROTATE_CONCURRENCY: usize = 4;
/// Attempts at authenticating with the new key: a new key may take a moment to be accepted
/// everywhere behind a load balancer.
const VERIFY_ATTEMPTS: u32 = 4;
const VERIFY_FIRST_WAIT: Duration = Duration::from_millis(200);
/// Keys created this long before the create call are not ours (clock skew allowance).
const ORPHAN_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_secs(120);

/// One finished rotation, as `-o json` shows it.
#[derive(Serialize)]
struct Rotation {
    old_key: KeyJson,
    new_key: KeyJson,
    stored_in: Vec<String>,
    /// Present only when stdout is where the secret goes.
    #[serde(serialize_with = "expose", skip_serializing_if = "Option::is_none")]
    api_key: Option<SecretString>,
    old_key_revoked: bool,
}

fn expose<S: serde::Serializer>(secret: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => s.serialize_str(secret.expose_secret()),
        None => s.serialize_none(),
    }
}

pub async fn run(ctx: &Context, args: &KeysRotateArgs) -> anyhow::Result<Exit> {
    if let Some(raw) = &args.key {
        resolve::classify(raw, "secret_", "key", "KEY")?;
    }
    let client = ctx.client()?;
    let visible = client.list_keys(&KeyFilter::default(), None).await?;
    let now = time::now();
    let targets: Vec<ApiKey> = match &args.key {
        Some(raw) => vec![resolve::key(&visible, raw)?.clone()],
        None => {
            let due = audit::findings(&visible, TimeSpan::days(90), TimeSpan::days(14), now);
            due.iter()
                .filter_map(|f| visible.iter().find(|k| k.id == f.key.id).cloned())
                .collect()
        }
    };
    if targets.is_empty() {
        ctx.out.note("No key is due for rotation.");
        if ctx.out.is_json() {
            ctx.out.json(&Vec::<Rotation>::new())?;
        }
        return Ok(Exit::Ok);
    }
    // Only user keys need to know who we are (service-account keys can be minted by any
    // super_admin user, and the server says so if we are not one).
    if targets.iter().any(|k| !k.is_service_account_key()) {
        let me = client.me().await?;
        for key in &targets {
            check_rotatable(key, &me)?;
        }
    }
    // Step 2 for every key at once: no key is touched unless each destination can take a secret.
    let destinations = Destinations::new(&args.store.destinations, ctx.keychain, &ctx.profile.name);
    for key in &targets {
        destinations.preflight(&key.name)?;
    }
    if ctx.dry_run {
        let mut requests = Vec::new();
        for key in &targets {
            requests.push(api::endpoints::create_key_request(&new_key_body(
                ctx, args, key, now,
            )));
            if !args.keep_old {
                requests.push(api::endpoints::delete_key_request(&key.id));
            }
        }
        emit_planned(ctx, &client, &requests)?;
        return Ok(Exit::Ok);
    }
    let question = match targets.as_slice() {
        [one] => format!("Rotate key {} ({})?", one.id, one.name),
        many => format!("Rotate these {} keys?", many.len()),
    };
    if !ctx.confirm(&question, "--yes")? {
        ctx.out.note("Nothing rotated.");
        return Ok(Exit::Ok);
    }

    // One named key: its error is the command's error. `--due`: a batch, even of one.
    if let (Some(_), [old]) = (&args.key, targets.as_slice()) {
        let rotation = rotate_one(ctx, &client, args, &destinations, old, &visible, false).await?;
        report(ctx, &[rotation], false)?;
        return Ok(Exit::Ok);
    }
    let (outcomes, interrupted) =
        rotate_batch(ctx, &client, args, &destinations, &targets, &visible).await;
    let mut done = Vec::new();
    let mut failed = 0;
    let mut not_started = Vec::new();
    for (old, outcome) in targets.iter().zip(outcomes) {
        match outcome {
            Some(Ok(rotation)) => done.push(rotation),
            Some(Err(err)) => {
                failed += 1;
                let report = crate::error::classify(&err);
                ctx.out.warn(format!(
                    "could not rotate key {} ({}): {}",
                    old.id,
                    old.name,
                    report.messages.join(": ")
                ));
                for hint in report.hints {
                    ctx.out.hint(hint);
                }
            }
            None => not_started.push(old),
        }
    }
    report(ctx, &done, true)?;
    if interrupted {
        for old in &not_started {
            ctx.out
                .warn(format!("not rotated: key {} ({})", old.id, old.name));
        }
        return Err(UserError::new(
            Exit::Interrupted,
            format!(
                "interrupted: {} of {} keys rotated, {failed} failed, {} not started",
                done.len(),
                targets.len(),
                not_started.len()
            ),
        )
        .hint("every old key that was not rotated still works; run `keys rotate --due` again for the rest")
        .into());
    }
    if failed == 0 {
        return Ok(Exit::Ok);
    }
    Err(UserError::new(
        Exit::PartialFailure,
        format!("{failed} of {} keys could not be rotated", targets.len()),
    )
    .hint("the keys reported as rotated are done; re-run `keys rotate --due` for the others")
    .into())
}

/// Rotates `targets`, a few at a time, until done or Ctrl-C. After Ctrl-C no new rotation
/// starts, but those in flight always finish: a rotation dropped half-way could lose a secret
/// the server already minted. Returns each key's outcome (`None`: not started) and whether
/// Ctrl-C was pressed.
async fn rotate_batch(
    ctx: &Context,
    client: &Client,
    args: &KeysRotateArgs,
    destinations: &Destinations,
    targets: &[ApiKey],
    known: &[ApiKey],
) -> (Vec<Option<anyhow::Result<Rotation>>>, bool) {
    let progress = ctx.out.progress(targets.len(), "Rotating keys");
    let mut outcomes: Vec<Option<anyhow::Result<Rotation>>> =
        targets.iter().map(|_| None).collect();
    let mut pending = targets.iter().enumerate();
    let mut in_flight = FuturesUnordered::new();
    let mut interrupted = false;
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        while !interrupted && in_flight.len() < ROTATE_CONCURRENCY {
            let Some((i, old)) = pending.next() else {
                break;
            };
            in_flight.push(async move {
                (
                    i,
                    rotate_one(ctx, client, args, destinations, old, known, true).await,
                )
            });
        }
        if in_flight.is_empty() {
            break;
        }
        tokio::select! {
            Some((i, outcome)) = in_flight.next() => {
                progress.inc();
                outcomes[i] = Some(outcome);
            }
            _ = &mut ctrl_c => {
                if !interrupted {
                    interrupted = true;
                    progress.suspend(|| ctx.out.warn(format!(
                        "interrupted: starting no more rotations; finishing the {} in flight (a rotation is never \
                         abandoned half-way, so no minted secret is lost)",
                        in_flight.len()
                    )));
                }
                ctrl_c.set(tokio::signal::ctrl_c());
            }
        }
    }
    progress.finish();
    (outcomes, interrupted)
}

/// Flexprice mints a user key only for the calling user, so only its owner can rotate one.
fn check_rotatable(key: &ApiKey, me: &User) -> Result<(), UserError> {
    if key.is_service_account_key() || key.user_id.as_deref() == Some(me.id.as_str()) {
        return Ok(());
    }
    Err(UserError::new(
        Exit::Conflict,
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
fn new_key_body(
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
        expires_at: Timestamp::from_second(lifetime.after(now).as_second()).ok(),
        service_account_id: old
            .is_service_account_key()
            .then(|| old.user_id.clone())
            .flatten(),
    }
}

async fn rotate_one(
    ctx: &Context,
    client: &Client,
    args: &KeysRotateArgs,
    destinations: &Destinations,
    old: &ApiKey,
    known: &[ApiKey],
    batch: bool,
) -> anyhow::Result<Rotation> {
    let _lock = KeyLock::acquire(&ctx.paths.state_dir, &ctx.profile.name, &old.id)?;
    let started = time::now();
    let request = api::endpoints::create_key_request(&new_key_body(ctx, args, old, started));

    // Step 3.
    let created = match client.create_key(&request).await {
        Ok(created) => created,
        Err(err) if outcome_unknown(&err) => {
            return Err(lost_create(ctx, client, args, old, known, started, err).await);
        }
        Err(err) => {
            return Err(anyhow::Error::new(err).context(format!(
                "step 3 (create the new key) failed; key {} is untouched",
                old.id
            )));
        }
    };
    let new_key = created.key;
    let secret = created.api_key;

    // Step 4, before anything else can fail.
    reveal::mask_in_ci(&secret)?;
    let owner = SecretOwner {
        key_name: new_key.name.clone(),
        profile: ctx.profile.name.clone(),
    };
    let delivered = destinations.deliver(&owner, &secret);
    if destinations.includes_stdout() && !ctx.out.is_json() {
        // In a batch each line says which key the secret belongs to.
        if batch {
            ctx.out.lines([format!(
                "{}\t{}\t{}",
                new_key.id,
                new_key.name,
                secret.expose_secret()
            )])?;
        } else {
            ctx.out.lines([secret.expose_secret()])?;
        }
    }
    let mut stored_in = match delivered {
        Ok(delivered) => delivered.stored_in,
        Err(failed) => {
            return Err(undelivered(ctx, client, args, old, &new_key, &secret, failed).await);
        }
    };
    if destinations.includes_stdout() {
        stored_in.insert(0, "stdout".into());
    }

    // Step 5.
    if let Err(err) = verify(client, &secret, &new_key).await {
        return Err(err.context(format!(
            "step 5 (check the new key authenticates) failed: new key {} was minted and delivered but was not \
             accepted; old key {} is untouched and still active",
            new_key.id, old.id
        )));
    }

    // Step 6.
    let mut old_key_revoked = false;
    if !args.keep_old {
        client.delete_key(&old.id).await.map_err(|err| {
            anyhow::Error::new(err).context(format!(
                "step 6 (revoke the old key) failed: new key {} is delivered and works, but old key {} is still \
                 active; revoke it with `flexprice-admin keys delete {} --yes`",
                new_key.id, old.id, old.id
            ))
        })?;
        old_key_revoked = true;
    }
    let now = time::now();
    let owner = old.service_account_name.clone();
    Ok(Rotation {
        old_key: KeyJson::new(old, owner.clone(), now),
        new_key: KeyJson::new(&new_key, owner, now),
        stored_in,
        api_key: (ctx.out.is_json() && destinations.includes_stdout()).then_some(secret),
        old_key_revoked,
    })
}

/// Step 4 failed: the old key stays untouched, and the new secret goes to a recovery file (or
/// the new key is revoked with `--on-store-failure revoke`). Exit 9 either way.
async fn undelivered(
    ctx: &Context,
    client: &Client,
    args: &KeysRotateArgs,
    old: &ApiKey,
    new_key: &ApiKey,
    secret: &SecretString,
    failed: NotDelivered,
) -> anyhow::Error {
    let step = format!(
        "step 4 (deliver the secret) failed; old key {} is untouched and still active",
        old.id
    );
    if args.store.on_store_failure == OnStoreFailure::Revoke
        && client.delete_key(&new_key.id).await.is_ok()
    {
        return UserError::new(
            Exit::NotDelivered,
            format!(
                "{step}: {failed}; the new key {} was revoked (--on-store-failure revoke)",
                new_key.id
            ),
        )
        .into();
    }
    match recovery::write(&ctx.paths.state_dir, &new_key.id, secret) {
        Ok(path) => anyhow::Error::new(secrets::not_delivered_error(&new_key.id, &failed, &path))
            .context(step),
        Err(write_error) => {
            // Nowhere safe to keep the secret: revoking the new key is the only way not to lose
            // or leak it, and the old key still works.
            let what = match client.delete_key(&new_key.id).await {
                Ok(()) => "the new key was revoked".to_string(),
                Err(e) => format!(
                    "revoking the new key failed too ({e}); revoke {} by hand",
                    new_key.id
                ),
            };
            UserError::new(
                Exit::NotDelivered,
                format!(
                    "{step}: {failed}; no recovery file could be written ({write_error}); {what}"
                ),
            )
            .into()
        }
    }
}

/// Whether a failed create may have been committed anyway: the answer was lost, cut, or a
/// server error that could have come after the write.
fn outcome_unknown(err: &ApiError) -> bool {
    match err.kind.as_ref() {
        ApiErrorKind::Unreachable { .. }
        | ApiErrorKind::Timeout { .. }
        | ApiErrorKind::Decode { .. } => true,
        ApiErrorKind::Status { status, .. } => *status >= 500,
        _ => false,
    }
}

/// The create's answer was lost: find any key it made (same name and owner, new since step 1,
/// created around now). Its secret is unrecoverable, so it is reported as orphaned, or revoked
/// with `--on-store-failure revoke`.
async fn lost_create(
    ctx: &Context,
    client: &Client,
    args: &KeysRotateArgs,
    old: &ApiKey,
    known: &[ApiKey],
    started: Timestamp,
    err: ApiError,
) -> anyhow::Error {
    let step = format!(
        "step 3 (create the new key) failed; key {} is untouched",
        old.id
    );
    let after = match client
        .list_keys(
            &KeyFilter {
                user_id: old.user_id.clone(),
            },
            None,
        )
        .await
    {
        Ok(keys) => keys,
        Err(list_err) => {
            return anyhow::Error::new(err).context(step).context(format!(
                "could not check whether the failed create left a key behind ({list_err}); look for a second key named \
                 '{}' with `flexprice-admin keys list --name '{}'`",
                old.name, old.name
            ));
        }
    };
    let orphans: Vec<&ApiKey> = after
        .iter()
        .filter(|k| {
            k.name == old.name && k.user_id == old.user_id && k.created_at >= started - ORPHAN_SKEW
        })
        .filter(|k| !known.iter().any(|seen| seen.id == k.id))
        .collect();
    if orphans.is_empty() {
        return anyhow::Error::new(err)
            .context(step)
            .context("no key was created");
    }
    let ids: Vec<&str> = orphans.iter().map(|k| k.id.as_str()).collect();
    if args.store.on_store_failure == OnStoreFailure::Revoke {
        let revoked = keys::revoke_quietly(client, &orphans).await;
        if revoked.len() == orphans.len() {
            return anyhow::Error::new(err).context(step).context(format!(
                "the server created {} but its answer was lost; the orphaned key was revoked (--on-store-failure revoke)",
                ids.join(", ")
            ));
        }
    }
    ctx.out.warn(format!(
        "orphaned key(s) {}: created, but the secret never arrived and cannot be recovered",
        ids.join(", ")
    ));
    UserError::new(
        Exit::NotDelivered,
        format!(
            "{step}: the server created {} but its answer was lost, so its secret is unrecoverable ({err})",
            ids.join(", ")
        ),
    )
    .hint(format!("revoke the orphan: `flexprice-admin keys delete {} --yes`, then rotate again", ids.join(" ")))
    .into()
}

/// Authenticates with the new key (`GET /users/me`), with a short backoff, and checks it is
/// the expected principal.
async fn verify(client: &Client, secret: &SecretString, new_key: &ApiKey) -> anyhow::Result<()> {
    let probe = client.with_credential(Credential::new(secret.clone()));
    let mut wait = VERIFY_FIRST_WAIT;
    let mut attempt = 1;
    loop {
        match probe.me().await {
            Ok(me) if new_key.user_id.as_deref().is_none_or(|id| id == me.id) => return Ok(()),
            Ok(me) => anyhow::bail!(
                "the new key authenticates as {} instead of {:?}",
                me.id,
                new_key.user_id
            ),
            Err(_) if attempt < VERIFY_ATTEMPTS => {
                tokio::time::sleep(wait).await;
                wait *= 2;
                attempt += 1;
            }
            Err(err) => return Err(err.into()),
        }
    }
}

/// `-o json`: one object for one key, an array for `--due`.
fn report(ctx: &Context, rotations: &[Rotation], batch: bool) -> anyhow::Result<()> {
    if ctx.out.is_json() {
        match rotations {
            [one] if !batch => ctx.out.json(one)?,
            _ => ctx.out.json(rotations)?,
        }
    }
    for r in rotations {
        let revoked = if r.old_key_revoked {
            "revoked"
        } else {
            "kept (--keep-old)"
        };
        ctx.out.note(format!(
            "Rotated {}: new key {} (stored in {}); old key {} {revoked}.",
            r.new_key.name,
            r.new_key.id,
            r.stored_in.join(", "),
            r.old_key.id
        ));
    }
    if rotations.iter().any(|r| r.old_key_revoked) {
        ctx.out.note(keys::REVOCATION_DELAY_NOTE);
    }
    Ok(())
}
