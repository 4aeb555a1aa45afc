//! `keys rotate`: replace a key without ever leaving its service without a working key or
//! losing a secret. The steps, each named when it fails:
//!
//! 1. resolve the old key (owner, name, roles, expiry);
//! 2. pre-flight every destination of the new secret (`--store`), then take the per-key lock,
//!    so overlapping cron runs cannot interleave, and check the old key is still active;
//! 3. create the new key with the same name and owner;
//! 4. deliver the new secret and verify each destination;
//! 5. check that the new key authenticates;
//! 6. revoke the old key (unless `--keep-old`).
//!
//! A failure before step 6 leaves the old key untouched. A create whose answer was lost is
//! looked up afterwards, so a key nobody holds the secret of is reported (or revoked), never
//! left behind unknown. Once a secret is delivered it is reported, even when a later step fails.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::audit;
use crate::api::models::{ApiKey, CreateKeyBody, User};
use crate::api::{self, ApiError, ApiErrorKind, Client, Credential, KeyFilter};
use crate::cli::{KeysRotateArgs, OnStoreFailure};
use crate::commands::{emit_planned, keys, resolve, undelivered};
use crate::context::Context;
use crate::error::{Exit, UserError};
use crate::lock::KeyLock;
use crate::secrets::{self, Destinations, SecretOwner, reveal};
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

/// A rotation whose new secret was delivered, as `-o json` shows it. `error` says which later
/// step failed, if one did.
#[derive(Serialize)]
struct Rotation {
    old_key: KeyJson,
    new_key: KeyJson,
    stored_in: Vec<String>,
    /// Present only when stdout is where the secret goes.
    #[serde(serialize_with = "expose", skip_serializing_if = "Option::is_none")]
    api_key: Option<SecretString>,
    old_key_revoked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn expose<S: serde::Serializer>(secret: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => s.serialize_str(secret.expose_secret()),
        None => s.serialize_none(),
    }
}

/// What one rotation came to: the rotation once its secret was delivered, and the error of the
/// step that failed, if any. Either or both may be present.
struct Outcome {
    rotation: Option<Rotation>,
    error: Option<anyhow::Error>,
}

impl Outcome {
    fn failed(error: anyhow::Error) -> Self {
        Outcome {
            rotation: None,
            error: Some(error),
        }
    }
}

/// State shared by the rotations of one run.
struct Run<'a> {
    ctx: &'a Context,
    client: &'a Client,
    args: &'a KeysRotateArgs,
    destinations: &'a Destinations,
    /// Secrets go out as `ID<TAB>NAME<TAB>SECRET` lines, not alone.
    batch: bool,
    /// IDs of the keys this run created, so a lost create never mistakes a sibling for its orphan.
    minted: Mutex<HashSet<String>>,
}

pub async fn run(ctx: &Context, args: &KeysRotateArgs) -> anyhow::Result<Exit> {
    if let Some(raw) = &args.key {
        resolve::classify(raw, "secret_", "key", "KEY")?;
    }
    let client = ctx.client()?;
    let mut visible = client.list_keys(&KeyFilter::default(), None).await?;
    let mut seen = HashSet::new();
    visible.retain(|k| seen.insert(k.id.clone()));
    let targets = match &args.key {
        Some(raw) => {
            let key = resolve::key(&visible, raw)?.clone();
            if !key.is_service_account_key() {
                check_rotatable(&key, &client.me().await?)?;
            }
            vec![key]
        }
        None => due_keys(ctx, &client, &visible).await?,
    };
    if targets.is_empty() {
        ctx.out.note("No key is due for rotation.");
        if ctx.out.is_json() {
            ctx.out.json(&Vec::<Rotation>::new())?;
        }
        return Ok(Exit::Ok);
    }
    // Step 2 for every key at once: no key is touched unless each destination can take a secret.
    let destinations = Destinations::new(
        &args.store.destinations,
        ctx.keychain,
        &ctx.profile.name,
        ctx.timeout,
    );
    let names: Vec<&str> = targets.iter().map(|k| k.name.as_str()).collect();
    destinations.check_batch(&names)?;
    for key in &targets {
        destinations.preflight(&key.name)?;
    }
    let now = time::now();
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
    let run = Run {
        ctx,
        client: &client,
        args,
        destinations: &destinations,
        batch: args.key.is_none(),
        minted: Mutex::new(HashSet::new()),
    };

    // One named key: its error is the command's error. `--due`: a batch, even of one.
    if !run.batch {
        let outcome = run.rotate(&targets[0]).await;
        let rotations: Vec<Rotation> = outcome.rotation.into_iter().collect();
        report(&run, &rotations)?;
        return match outcome.error {
            Some(err) => Err(err),
            None => Ok(Exit::Ok),
        };
    }
    let (outcomes, interrupted) = run.batch(&targets).await;
    let mut rotations = Vec::new();
    let mut failed = 0;
    let mut not_started = Vec::new();
    for (old, outcome) in targets.iter().zip(outcomes) {
        let Some(outcome) = outcome else {
            not_started.push(old);
            continue;
        };
        if let Some(err) = outcome.error {
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
        rotations.extend(outcome.rotation);
    }
    report(&run, &rotations)?;
    let rotated = rotations.iter().filter(|r| r.error.is_none()).count();
    if interrupted {
        for old in &not_started {
            ctx.out
                .warn(format!("not rotated: key {} ({})", old.id, old.name));
        }
        return Err(UserError::new(
            Exit::Interrupted,
            format!(
                "interrupted: {rotated} of {} keys rotated, {failed} failed, {} not started",
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

/// The keys `keys audit` reports, less those cron must not touch, each skipped with a warning:
/// other users' keys (only their owner can rotate them), the credential this run uses (its
/// successor would go to `--store`, not where this command reads its key, and the next run would
/// fail), and keys that already have a newer key of the same name and owner (a previous rotation
/// whose revocation failed: rotating again would strand that newer key).
async fn due_keys(
    ctx: &Context,
    client: &Client,
    visible: &[ApiKey],
) -> anyhow::Result<Vec<ApiKey>> {
    let now = time::now();
    // The profile's policy, as `keys audit` reads it: what the audit reports is what is rotated.
    let policy = super::policy::Policy::from_profile(ctx);
    let due = audit::policy_findings(&policy, visible.iter(), now);
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let me = client.me().await?;
    let (credential, _) = ctx.credential()?;
    let in_use = credential.redacted();
    let mut targets = Vec::new();
    for finding in due {
        let Some(key) = visible.iter().find(|k| k.id == finding.key.id) else {
            continue;
        };
        if let Err(why) = check_rotatable(key, &me) {
            ctx.out
                .warn(format!("skipping key {} ({}): {why}", key.id, key.name));
            continue;
        }
        if key.user_id.as_deref() == Some(me.id.as_str()) && key.display_id == in_use {
            ctx.out.warn(format!(
                "skipping key {} ({}): it is the credential this command runs with; rotate it on its own with \
                 `flexprice-admin keys rotate {}` and update wherever the admin key is read from",
                key.id, key.name, key.id
            ));
            continue;
        }
        let newer = visible.iter().find(|k| {
            k.id != key.id
                && k.name == key.name
                && k.user_id == key.user_id
                && k.created_at > key.created_at
        });
        if let Some(newer) = newer {
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

/// Flexprice mints a user key only for the calling user, so only its owner can rotate one.
fn check_rotatable(key: &ApiKey, me: &User) -> Result<(), UserError> {
    if key.is_service_account_key() || key.user_id.as_deref() == Some(me.id.as_str()) {
        return Ok(());
    }
    Err(UserError::new(
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
        expires_at: time::expiry_within_cap(lifetime, now),
        service_account_id: old
            .is_service_account_key()
            .then(|| old.user_id.clone())
            .flatten(),
    }
}

impl Run<'_> {
    /// Rotates `targets`, a few at a time, until done or Ctrl-C. After Ctrl-C no new rotation
    /// starts, but those in flight always finish: a rotation dropped half-way could lose a
    /// secret the server already minted. Returns each key's outcome (`None`: not started) and
    /// whether Ctrl-C was pressed.
    async fn batch(&self, targets: &[ApiKey]) -> (Vec<Option<Outcome>>, bool) {
        let progress = self.ctx.out.progress(targets.len(), "Rotating keys");
        let mut outcomes: Vec<Option<Outcome>> = targets.iter().map(|_| None).collect();
        let mut pending = targets.iter().enumerate();
        let mut in_flight = FuturesUnordered::new();
        let mut interrupted = false;
        let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
        loop {
            while !interrupted && in_flight.len() < ROTATE_CONCURRENCY {
                let Some((i, old)) = pending.next() else {
                    break;
                };
                in_flight.push(async move { (i, self.rotate(old).await) });
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
                        progress.suspend(|| self.ctx.out.warn(format!(
                            "interrupted: starting no more rotations; finishing the {} in flight (a rotation is \
                             never abandoned half-way, so no minted secret is lost)",
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

    /// Every key of `old`'s owner, as the server has them now.
    async fn owners_keys(&self, old: &ApiKey) -> Result<Vec<ApiKey>, ApiError> {
        self.client
            .list_keys(
                &KeyFilter {
                    user_id: old.user_id.clone(),
                },
                None,
            )
            .await
    }

    /// Steps 2 (lock) to 6 for one key.
    async fn rotate(&self, old: &ApiKey) -> Outcome {
        let (ctx, client) = (self.ctx, self.client);
        let _lock = match KeyLock::acquire(&ctx.paths.state_dir, &ctx.profile.name, &old.id) {
            Ok(lock) => lock,
            Err(err) => return Outcome::failed(err),
        };
        // Another run may have rotated this key between our listing and the lock.
        let current = match self.owners_keys(old).await {
            Ok(keys) => keys,
            Err(err) => {
                return Outcome::failed(
                    anyhow::Error::new(err).context("step 2 (check the old key) failed"),
                );
            }
        };
        if !current.iter().any(|k| k.id == old.id) {
            return Outcome::failed(
                UserError::new(
                    Exit::Conflict,
                    format!(
                        "key {} ({}) is no longer active: another run has rotated or revoked it",
                        old.id, old.name
                    ),
                )
                .hint("`flexprice-admin keys list --name` shows its successor")
                .into(),
            );
        }

        // Step 3. From here until the secret is delivered, Ctrl-C would strand a live key.
        secrets::hold_interrupts();
        let started = time::now();
        let request =
            api::endpoints::create_key_request(&new_key_body(ctx, self.args, old, started));
        let created = match client.create_key(&request).await {
            Ok(created) => created,
            Err(err) if outcome_unknown(&err) => {
                return Outcome::failed(self.lost_create(old, &current, started, err).await);
            }
            Err(err) => {
                return Outcome::failed(anyhow::Error::new(err).context(format!(
                    "step 3 (create the new key) failed; key {} is untouched",
                    old.id
                )));
            }
        };
        self.minted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(created.key.id.clone());
        let (new_key, secret) = (created.key, created.api_key);

        // Step 4.
        let stored_in = match self.deliver(old, &new_key, &secret).await {
            Ok(stored_in) => stored_in,
            Err(err) => return Outcome::failed(err),
        };
        let now = time::now();
        let owner = old.service_account_name.clone();
        let mut rotation = Rotation {
            old_key: KeyJson::new(old, owner.clone(), now),
            new_key: KeyJson::new(&new_key, owner, now),
            stored_in,
            api_key: (ctx.out.is_json() && self.destinations.includes_stdout())
                .then(|| secret.clone()),
            old_key_revoked: false,
            error: None,
        };

        // Step 5.
        if let Err(why) = verify(client, &secret, &new_key).await {
            let err = UserError::new(
                Exit::Failure,
                format!(
                    "step 5 (check the new key authenticates) failed: {why}; new key {} was minted and delivered, but \
                     old key {} is untouched and still active",
                    new_key.id, old.id
                ),
            )
            .hint(format!(
                "the destinations now hold the new secret; if the API keeps refusing it, revoke the new key with \
                 `flexprice-admin keys delete {} --yes` and put the old secret back",
                new_key.id
            ));
            rotation.error = Some(err.message.clone());
            return Outcome {
                rotation: Some(rotation),
                error: Some(err.into()),
            };
        }

        // Step 6.
        if !self.args.keep_old {
            if let Err(err) = client.delete_key(&old.id).await {
                let err = anyhow::Error::new(err).context(format!(
                    "step 6 (revoke the old key) failed: new key {} is delivered and works, but old key {} is still \
                     active; revoke it with `flexprice-admin keys delete {} --yes`",
                    new_key.id, old.id, old.id
                ));
                rotation.error = Some(format!("{err:#}"));
                return Outcome {
                    rotation: Some(rotation),
                    error: Some(err),
                };
            }
            rotation.old_key_revoked = true;
        }
        Outcome {
            rotation: Some(rotation),
            error: None,
        }
    }

    /// Step 4: the secret goes to every destination (stdout included) or, failing that, to a
    /// recovery file, or the new key is revoked, per `--on-store-failure`. Returns where it went.
    async fn deliver(
        &self,
        old: &ApiKey,
        new_key: &ApiKey,
        secret: &SecretString,
    ) -> anyhow::Result<Vec<String>> {
        let ctx = self.ctx;
        let step = format!(
            "step 4 (deliver the secret) failed; old key {} is untouched and still active",
            old.id
        );
        let owner = SecretOwner {
            key_name: new_key.name.clone(),
            profile: ctx.profile.name.clone(),
        };
        // The CI mask must be registered before the secret can appear in a log.
        let masked = reveal::mask_in_ci(secret);
        let mut outcome = match &masked {
            Ok(()) => self.destinations.deliver_async(owner, secret.clone()).await,
            Err(e) => Err(undelivered::stdout_failed(e, Vec::new())),
        };
        if masked.is_ok() && self.destinations.includes_stdout() && !ctx.out.is_json() {
            // In a batch each line says which key the secret belongs to.
            let line = if self.batch {
                format!(
                    "{}\t{}\t{}",
                    new_key.id,
                    new_key.name,
                    secret.expose_secret()
                )
            } else {
                secret.expose_secret().to_string()
            };
            if let Err(e) = ctx.out.lines([line]) {
                let stored_in = match outcome {
                    Ok(delivered) => delivered.stored_in,
                    Err(failed) => failed.stored_in,
                };
                outcome = Err(undelivered::stdout_failed(&e, stored_in));
            }
        }
        match outcome {
            Ok(delivered) => {
                let mut stored_in = delivered.stored_in;
                if self.destinations.includes_stdout() {
                    stored_in.insert(0, "stdout".into());
                }
                Ok(stored_in)
            }
            Err(failed) => {
                let policy = self.args.store.on_store_failure;
                Err(undelivered::fall_back(
                    ctx,
                    self.client,
                    policy,
                    &new_key.id,
                    secret,
                    &failed,
                    &step,
                )
                .await
                .error)
            }
        }
    }

    /// The create's answer was lost: find any key it made (same name and owner, new since the
    /// lock, created around now, not minted by a sibling rotation of this run). Its secret is
    /// unrecoverable, so it is reported as orphaned, or revoked with `--on-store-failure revoke`
    /// when there is exactly one candidate.
    async fn lost_create(
        &self,
        old: &ApiKey,
        known: &[ApiKey],
        started: Timestamp,
        err: ApiError,
    ) -> anyhow::Error {
        let client = self.client;
        let step = format!(
            "step 3 (create the new key) failed; key {} is untouched",
            old.id
        );
        let after = match self.owners_keys(old).await {
            Ok(keys) => keys,
            Err(list_err) => {
                return anyhow::Error::new(err).context(step).context(format!(
                    "could not check whether the failed create left a key behind ({list_err}); look for a second key \
                     named '{}' with `flexprice-admin keys list --name '{}'`",
                    old.name, old.name
                ));
            }
        };
        let minted = self
            .minted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let orphans: Vec<&ApiKey> = after
            .iter()
            .filter(|k| {
                k.name == old.name
                    && k.user_id == old.user_id
                    && k.created_at >= started - ORPHAN_SKEW
            })
            .filter(|k| !known.iter().any(|seen| seen.id == k.id) && !minted.contains(&k.id))
            .collect();
        if orphans.is_empty() {
            return anyhow::Error::new(err)
                .context(step)
                .context("no key was created");
        }
        let ids: Vec<&str> = orphans.iter().map(|k| k.id.as_str()).collect();
        if self.args.store.on_store_failure == OnStoreFailure::Revoke && orphans.len() == 1 {
            let revoked = keys::revoke_quietly(client, &orphans).await;
            if revoked.len() == 1 {
                return anyhow::Error::new(err).context(step).context(format!(
                    "the server created {} but its answer was lost; the orphaned key was revoked (--on-store-failure \
                     revoke)",
                    ids[0]
                ));
            }
        }
        self.ctx.out.warn(format!(
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

/// Authenticates with the new key (`GET /users/me`), with a short backoff, and checks it is the
/// expected principal. The error is a sentence, not an `ApiError`: the 401 hints meant for the
/// admin credential would mislead here.
async fn verify(client: &Client, secret: &SecretString, new_key: &ApiKey) -> Result<(), String> {
    let probe = client.with_credential(Credential::new(secret.clone()));
    let mut wait = VERIFY_FIRST_WAIT;
    let mut attempt = 1;
    loop {
        match probe.me().await {
            Ok(me) if new_key.user_id.as_deref().is_none_or(|id| id == me.id) => return Ok(()),
            Ok(me) => {
                return Err(format!(
                    "the new key authenticates as {} instead of {:?}",
                    me.id, new_key.user_id
                ));
            }
            Err(_) if attempt < VERIFY_ATTEMPTS => {
                tokio::time::sleep(wait).await;
                wait *= 2;
                attempt += 1;
            }
            Err(err) => {
                return Err(format!(
                    "the API refused the new key {attempt} times ({err})"
                ));
            }
        }
    }
}

/// Prints what was rotated: `-o json` an object for a named key or an array for `--due`, and a
/// receipt per key on stderr. A JSON write that fails while it carries secrets puts them in
/// recovery files, so no delivered-to-stdout secret is lost.
fn report(run: &Run<'_>, rotations: &[Rotation]) -> anyhow::Result<()> {
    let ctx = run.ctx;
    if ctx.out.is_json() {
        let written = match rotations {
            [one] if !run.batch => ctx.out.json(one),
            _ => ctx.out.json(rotations),
        };
        if let Err(err) = written {
            let mut files = Vec::new();
            for r in rotations {
                if let Some(secret) = &r.api_key {
                    match secrets::recovery::write(&ctx.paths.state_dir, &r.new_key.id, secret) {
                        Ok(path) => files.push(path.display().to_string()),
                        Err(e) => ctx.out.warn(format!(
                            "could not keep the secret of {} anywhere: {e}",
                            r.new_key.id
                        )),
                    }
                }
            }
            if !files.is_empty() {
                return Err(UserError::new(
                    Exit::NotDelivered,
                    format!(
                        "the output could not be written ({err}); the new secrets are in {}",
                        files.join(", ")
                    ),
                )
                .into());
            }
            return Err(err);
        }
    }
    for r in rotations {
        let revoked = match (r.old_key_revoked, run.args.keep_old) {
            (true, _) => "revoked",
            (false, true) => "kept (--keep-old)",
            (false, false) => "NOT revoked",
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
