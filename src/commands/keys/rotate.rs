//! `keys rotate`: replace a key without ever leaving its service without a working key or
//! losing a secret. The steps, each named when it fails:
//!
//! 1. resolve the old key (owner, name, roles, expiry), and plan every destination of every new
//!    secret (`--store`, [`crate::secrets::plan`]) before anything is minted;
//! 2. take the per-key lock, so overlapping cron runs cannot interleave;
//! 3. create the new key with the same name and owner ([`Handover::mint`]); its secret is in a
//!    0600 recovery file from here until it is delivered;
//! 4. check, side by side, that the new key authenticates and that no other run rotated or
//!    revoked the old key meanwhile (one listing of the owner's keys);
//! 5. deliver the new secret, stdout included, and verify each destination
//!    ([`Handover::deliver`]);
//! 6. revoke the old key (unless `--keep-old`).
//!
//! Each step waits for one request at most, so a rotation costs four round trips: the listing
//! (beside `GET /users/me`), the create, the check, the revocation. A failure before step 6
//! leaves the old key untouched, and a destination only ever receives a key that works. Once a
//! secret is delivered it is reported, even when a later step fails. `--due` (the keys the
//! policy says are due) and `--all` (every key in scope, for an incident) run the steps for each
//! key through the batch runner ([`crate::batch`]); a signal starts no new rotation and lets
//! those in flight finish.

use std::collections::HashSet;
use std::io::{BufWriter, StdoutLock};
use std::sync::Mutex;
use std::time::Duration;

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::audit;
use super::policy::Policy;
use super::scope::KeyScope;
use crate::api::models::{ApiKey, CreateKeyBody, User};
use crate::api::{self, ApiError, Client, Credential, KeyFilter};
use crate::batch::{Batch, Item};
use crate::cli::KeysRotateArgs;
use crate::commands::{after_signal, emit_planned, keys, resolve};
use crate::context::Context;
use crate::error::{Exit, UserError, api_exit, classify};
use crate::interrupt::Scope;
use crate::lock::KeyLock;
use crate::output::render::JsonStream;
use crate::secrets::handover::{Failure, Handover, Lookup};
use crate::secrets::plan::{self, KeyIdent};
use crate::secrets::{Destination, Destinations, Minted, record, recovery};
use crate::time::{self, TimeSpan};
use crate::views::KeyJson;

/// Rotations in flight at once under `--due`.
const ROTATE_CONCURRENCY: usize = 4;
/// Attempts at authenticating with the new key: a new key may take a moment to be accepted
/// everywhere behind a load balancer.
const VERIFY_ATTEMPTS: u32 = 4;
const VERIFY_FIRST_WAIT: Duration = Duration::from_millis(200);

/// `-o json`, first part: written as soon as the new secret is delivered (it carries the
/// secret when stdout is a destination), before the new key is checked and the old revoked.
#[derive(Serialize)]
struct Head<'a> {
    old_key: &'a KeyJson,
    /// Absent when no new key was minted.
    #[serde(skip_serializing_if = "Option::is_none")]
    new_key: Option<&'a KeyJson>,
    stored_in: &'a [String],
    /// Present only when stdout is where the secret goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<&'a str>,
}

/// `-o json`, the rest: how the rotation ended. `error` names the step that failed, if one did.
#[derive(Serialize)]
struct Tail<'a> {
    old_key_revoked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    /// The 0600 file the new secret waits in when it was not delivered (exit 9).
    #[serde(skip_serializing_if = "Option::is_none")]
    recovery_file: Option<String>,
}

#[derive(Serialize)]
struct Whole<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    #[serde(flatten)]
    tail: Tail<'a>,
}

/// How one rotation failed. Each variant has one exit code ([`Failed::exit`]).
enum Failed {
    /// Step 2: the lock is held by another run, or cannot be taken.
    Lock(anyhow::Error),
    /// Step 2: a run sharing this state directory rotated the old key since step 1; its new key.
    Rotated(String),
    /// Step 4: the old key was revoked meanwhile (by an operator, or by another run that
    /// replaced it: `replaced_by`); the key this run minted, revoked unused since nothing can
    /// want it.
    Gone {
        withdrawn: String,
        replaced_by: Option<String>,
    },
    /// Step 4: as [`Failed::Gone`], but revoking the unwanted new key failed: it waits in the
    /// recovery file, and nothing will finish it.
    Stranded(Failure),
    /// Step 1: the key's name or owner is unsafe where a destination would use it.
    Refused(UserError),
    /// Step 3 (the create) or 5 (the delivery of its secret).
    Handover(Failure),
    /// Step 4: the new key does not authenticate (or its secret has an unexpected shape); its
    /// secret went to no destination. A re-run finishes it from the recovery file.
    Unchecked(Failure),
    /// Step 4: another run rotated the same key meanwhile and made `sibling`, which may already
    /// be in the destinations; this run's secret went to none of them.
    Crossed { failure: Failure, sibling: String },
    /// Step 3 of a re-run: the old key has another successor than the one whose secret waits
    /// in `file`, made by another run. Delivering the waiting secret could overwrite that key's;
    /// nothing was delivered.
    Contested {
        pending: String,
        file: std::path::PathBuf,
        others: Vec<String>,
    },
    /// Step 6.
    Revoke(ApiError),
}

impl Failed {
    fn exit(&self) -> Exit {
        match self {
            Failed::Lock(err) => classify(err).exit,
            Failed::Revoke(err) => api_exit(err),
            Failed::Rotated(_) | Failed::Gone { .. } | Failed::Contested { .. } => Exit::Conflict,
            Failed::Refused(err) => err.exit,
            Failed::Handover(failure)
            | Failed::Unchecked(failure)
            | Failed::Crossed { failure, .. }
            | Failed::Stranded(failure) => failure.exit(),
        }
    }

    /// The recovery file the new secret waits in, when one was minted and not delivered.
    fn recovery_file(&self) -> Option<&std::path::Path> {
        match self {
            Failed::Handover(failure)
            | Failed::Unchecked(failure)
            | Failed::Stranded(failure)
            | Failed::Crossed { failure, .. } => failure.recovery_file(),
            _ => None,
        }
    }

    fn into_error(self, old: &ApiKey, new_key: Option<&ApiKey>) -> anyhow::Error {
        match self {
            Failed::Lock(err) => err,
            Failed::Rotated(successor) => UserError::new(
                Exit::Conflict,
                format!(
                    "another run rotated key {} ({}) since this one listed it: its new key is {successor}; nothing \
                     was minted",
                    old.id, old.name
                ),
            )
            .hint(format!(
                "`flexprice-admin keys list --name {}` shows where it stands",
                old.name
            ))
            .into(),
            Failed::Gone {
                withdrawn,
                replaced_by,
            } => UserError::new(
                Exit::Conflict,
                format!(
                    "key {} ({}) is no longer active: {} while this run rotated it; the key this run minted \
                     meanwhile, {withdrawn}, was revoked unused",
                    old.id,
                    old.name,
                    match replaced_by {
                        Some(other) => format!("another run replaced it with key {other} and revoked it"),
                        None => "it was revoked".to_string(),
                    }
                ),
            )
            .hint(format!(
                "`flexprice-admin keys list --name {}` shows where it stands",
                old.name
            ))
            .into(),
            Failed::Refused(err) => err.into(),
            Failed::Handover(failure) => {
                let step = match failure {
                    Failure::NotDelivered { .. } => format!(
                        "step 5 (deliver the secret) failed; old key {} is untouched and still active",
                        old.id
                    ),
                    _ => format!(
                        "step 3 (create the new key) failed; key {} is untouched",
                        old.id
                    ),
                };
                undelivered_error(failure, &step, rerun_finishes(old))
            }
            Failed::Unchecked(failure) => {
                let step = format!(
                    "step 4 (check the new key) failed; old key {} is untouched and still active",
                    old.id
                );
                undelivered_error(failure, &step, rerun_finishes(old))
            }
            Failed::Crossed { failure, sibling } => {
                let new_id = new_key.map_or("?", |k| k.id.as_str());
                let step = format!(
                    "step 4 (check the new key) found another run rotating key {} at the same time; old key {} is \
                     untouched and still active",
                    old.id, old.id
                );
                // Not "re-run": finishing from the recovery file would deliver this secret over
                // the other run's.
                undelivered_error(
                    failure,
                    &step,
                    |hints| {
                        *hints = vec![format!(
                            "the other run made key {sibling} and may have delivered it: once it has finished, keep \
                             one of the two keys. If {sibling} is in use, revoke this run's with `flexprice-admin keys \
                             delete {new_id} --yes` and delete the recovery file"
                        )]
                    },
                )
            }
            Failed::Stranded(failure) => {
                let new_id = new_key.map_or("?", |k| k.id.as_str());
                // The way out is in the message, not a hint: `-o json` shows only the message.
                let step = format!(
                    "step 4 (check the new key) found key {} revoked while this run rotated it, so nothing needs \
                     its successor, and revoking that successor failed: revoke it with `flexprice-admin keys delete \
                     {new_id} --yes`, then delete its recovery file",
                    old.id
                );
                undelivered_error(failure, &step, Vec::clear)
            }
            Failed::Contested {
                pending,
                file,
                others,
            } => UserError::new(
                Exit::Conflict,
                format!(
                    "key {} ({}) has another successor besides {pending}, whose secret waits in {}: {}, made by \
                     another run, which may have delivered it; delivering the waiting secret could overwrite that \
                     key's, so nothing was delivered and key {} is untouched",
                    old.id,
                    old.name,
                    file.display(),
                    others.join(", "),
                    old.id
                ),
            )
            .hint(format!(
                "keep one successor: if {} is in use, revoke {pending} with `flexprice-admin keys delete {pending} \
                 --yes` and delete {}; else revoke {} and run this again",
                others.join(" or "),
                file.display(),
                others.join(" and ")
            ))
            .into(),
            Failed::Revoke(err) => {
                let new_id = new_key.map_or("?", |k| k.id.as_str());
                anyhow::Error::new(err).context(format!(
                    "step 6 (revoke the old key) failed: new key {new_id} is delivered and works, but old key {} is \
                     still active; revoke it with `flexprice-admin keys delete {} --yes`",
                    old.id, old.id
                ))
            }
        }
    }
}

/// `failure`'s error under `step`. When the secret waits in a recovery file, `advise` amends
/// the hand-over's hints ("copy the secret into its destination"): with what a re-run does, or,
/// when none can finish the rotation, with what to do instead.
fn undelivered_error(
    failure: Failure,
    step: &str,
    advise: impl FnOnce(&mut Vec<String>),
) -> anyhow::Error {
    let recovered = failure.recovery_file().is_some();
    let err = failure.into_error(step);
    if !recovered {
        return err;
    }
    match err.downcast::<UserError>() {
        Ok(mut user) => {
            advise(&mut user.hints);
            user.into()
        }
        Err(err) => err,
    }
}

/// The hint that a re-run finishes a rotation whose new secret waits in a recovery file.
fn rerun_finishes(old: &ApiKey) -> impl FnOnce(&mut Vec<String>) + '_ {
    move |hints| {
        hints.push(format!(
            "or re-run `flexprice-admin keys rotate {}` (or `keys rotate --due`): it checks the new key, delivers \
             its secret from the recovery file to the same destinations, revokes the old key and deletes the file",
            old.id
        ))
    }
}

/// What step 4's listing found: whether another run crossed this rotation.
enum Crossed {
    Clear,
    /// The old key is no longer listed; `replaced_by`: a key of its name and owner that
    /// appeared meanwhile and that this run did not make (the run that revoked it).
    Gone {
        replaced_by: Option<String>,
    },
    /// A key of the old key's name and owner appeared that this run did not make, and the old
    /// key is still active (that run is still going, or keeps the old key).
    Sibling(String),
}

/// What one rotation came to.
struct Outcome {
    new_key: Option<ApiKey>,
    stored_in: Vec<String>,
    old_key_revoked: bool,
    /// The error of the step that failed, if one did; its exit code is [`Failed::exit`]'s.
    failed: Option<anyhow::Error>,
    /// Where the new secret waits when its delivery failed.
    recovery_file: Option<std::path::PathBuf>,
    /// A re-run finishes the rotation from `recovery_file` (not so after a crossing, or when the
    /// old key is gone).
    resumable: bool,
}

type Json = JsonStream<BufWriter<StdoutLock<'static>>>;

/// State shared by the rotations of one run.
struct Run<'a> {
    ctx: &'a Context,
    client: &'a Client,
    args: &'a KeysRotateArgs,
    handover: Handover<'a>,
    /// The keys listed in step 1: what a key made since then is compared with.
    known: &'a [ApiKey],
    /// No prompt stood between that listing and the creates, so it is every key the owners had
    /// just before (see [`Lookup::known_complete`]).
    known_is_fresh: bool,
    /// `-o json`: the object (one key) or array (`--due`) being written.
    json: Option<Mutex<Json>>,
    /// Secrets go out as `ID<TAB>NAME<TAB>SECRET` lines, not alone.
    batch: bool,
}

pub async fn run(ctx: &Context, args: &KeysRotateArgs) -> anyhow::Result<Exit> {
    if let Some(raw) = &args.key {
        resolve::classify(raw, "secret_", "key", "KEY")?;
    }
    check_selection(args)?;
    KeyScope::check(&args.scope)?;
    ctx.require_confirmation("rotate keys", "--yes")?;
    let policy = Policy::resolve(ctx, &args.policy);
    let client = ctx.client()?;
    let batch = args.key.is_none();
    // The caller, side by side with the listing: needed only for a user key (only its owner may
    // rotate it), and free beside a request we wait for anyway. It is awaited only when needed:
    // a slow or hung answer must not hold up a service-account key's rotation.
    let me_request = client.me();
    tokio::pin!(me_request);
    let mut me_answer = None;
    let listing = async {
        let scope = if batch {
            KeyScope::resolve(ctx, &client, &args.scope).await?
        } else {
            KeyScope::default()
        };
        let visible = client.list_keys(&scope.filter(), None).await?;
        anyhow::Ok((scope, visible))
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
    let targets = match &args.key {
        Some(raw) => {
            let key = resolve::key(&visible, raw)?.clone();
            if !key.is_service_account_key() {
                check_rotatable(&key, &me.await?)?;
            }
            // A successor already delivered (a run killed or failed at step 6): a new key
            // would go over its secret and leave it active with the secret nowhere.
            if let Some(newer) = superseded_by(ctx, &visible, &key) {
                return Err(UserError::new(
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
                ))
                .into());
            }
            vec![key]
        }
        None if args.all => all_keys(ctx, me.await, &visible, &scope)?,
        None => due_keys(ctx, me.await, &visible, &policy, &scope)?,
    };
    if targets.is_empty() {
        ctx.out.note(if args.all {
            format!("No key {} to rotate.", scope_words(&scope))
        } else {
            "No key is due for rotation.".to_string()
        });
        if ctx.out.is_json() {
            ctx.out.json(&Vec::<Whole>::new())?;
        }
        return Ok(Exit::Ok);
    }
    let now = time::now();
    // A new key that is due as soon as it exists would be replaced again by every `--due` run.
    for key in &targets {
        let expires_at = new_key_body(ctx, args, key, now).expires_at;
        if let Some(at) = expires_at.filter(|_| policy.churns(now, expires_at)) {
            ctx.out.warn(policy.churn_warning(&format!(
                "the new key {} will live {}, which is",
                key.name,
                super::policy::lifetime_text(now, at)
            )));
        }
    }
    // Step 1 for every key at once: no key is touched unless each destination can take its
    // secret, no two secrets share one, and no name steers a path. Without `--store`, each new
    // secret goes where its key's last one went (the delivery record), else to stdout.
    let per_key = destinations_of(ctx, args, &targets, &visible);
    refuse_stdout_off_a_terminal(ctx, args, batch, &targets, &per_key)?;
    let idents: Vec<KeyIdent> = targets
        .iter()
        .map(|k| KeyIdent {
            name: k.name.clone(),
            owner: k.user_id.clone(),
            label: format!("key {} ({})", k.id, k.name),
        })
        .collect();
    let mut plan = plan::plan_each(&per_key, &idents)?;
    if !batch && let Some(refused) = plan.refusal(0) {
        return Err(refused.into());
    }
    // A keychain entry holding another live key than the one rotated is not overwritten
    // silently.
    let owners: Vec<Option<&str>> = targets.iter().map(|k| k.user_id.as_deref()).collect();
    let replacing: Vec<Option<&str>> = targets.iter().map(|k| Some(k.id.as_str())).collect();
    if plan
        .keys
        .iter()
        .flatten()
        .flatten()
        .any(|t| matches!(t, plan::Target::Keychain { .. }))
    {
        crate::commands::keychain::guard_entries(ctx, &plan, &owners, &replacing, &visible)?;
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
        [one] if args.all => format!(
            "Rotate key {} ({}), the only key {}?",
            one.id,
            one.name,
            scope_words(&scope)
        ),
        many if args.all => format!("Rotate all {} keys {}?", many.len(), scope_words(&scope)),
        [one] => format!("Rotate key {} ({})?", one.id, one.name),
        many => format!("Rotate these {} keys?", many.len()),
    };
    // Asked on a terminal, the user may take minutes to answer: keys made meanwhile are not in
    // the listing.
    let known_is_fresh = ctx.yes;
    if !ctx.confirm(&question, "--yes")? {
        ctx.out.note("Nothing rotated.");
        return Ok(Exit::Ok);
    }

    // From the first create until every minted secret is delivered, signals wait their turn.
    let scope = Scope::open((!batch).then_some(
        "finishing the rotation in flight before stopping (a minted secret is never abandoned)",
    ));
    let json = if ctx.out.is_json() {
        Some(Mutex::new(ctx.out.json_stream(batch)?))
    } else {
        None
    };
    let secrets_in_json = json.is_some() && per_key.iter().any(Destinations::includes_stdout);
    let run = Run {
        ctx,
        client: &client,
        args,
        handover: Handover::new(
            &ctx.out,
            &client,
            args.store.on_store_failure,
            &ctx.paths.state_dir,
            plan,
            &scope,
        ),
        known: &visible,
        known_is_fresh,
        json,
        batch,
    };

    // One named key: its failure is the command's.
    if !batch {
        let outcome = run.rotate(0, &targets[0]).await;
        run.receipt(&targets[0], &outcome);
        let closed = run.finish_json();
        if outcome.old_key_revoked {
            ctx.out.note(keys::REVOCATION_DELAY_NOTE);
        }
        // The rotation's own failure first: a closed stdout must not hide it.
        let result = match (outcome.failed, closed) {
            (Some(err), _) => Err(err),
            (None, Err(e)) => Err(e.into()),
            (None, Ok(())) => Ok(Exit::Ok),
        };
        return after_signal(
            ctx,
            scope.signal(),
            result,
            "the rotation in flight was finished",
        );
    }

    // `--due`: a batch, even of one. With secrets in the JSON on stdout, one rotation at a
    // time, so each object is written whole from its secret on, never interleaved.
    let runner = Batch {
        out: &ctx.out,
        scope: &scope,
        concurrency: if secrets_in_json {
            1
        } else {
            ROTATE_CONCURRENCY
        },
        label: "Rotating keys",
        noun: "rotations",
        abandon_on_second_signal: false,
    };
    let finished = runner
        .run(
            &targets,
            |i, old| run.rotate(i, old),
            |_, i, outcome| run.receipt(&targets[i], outcome),
        )
        .await;
    let closed = run.finish_json();
    if finished.done().any(|(_, o)| o.old_key_revoked) {
        ctx.out.note(keys::REVOCATION_DELAY_NOTE);
    }
    let mut rotated = 0;
    let mut failed = 0;
    let mut not_started = Vec::new();
    for (old, item) in targets.iter().zip(&finished.items) {
        match item {
            Item::Done(Outcome { failed: None, .. }) => rotated += 1,
            Item::Done(Outcome {
                failed: Some(err), ..
            }) => {
                failed += 1;
                let report = classify(err);
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
            Item::NotStarted | Item::Abandoned => not_started.push(old),
        }
    }
    if let Some(signal) = finished.interrupted {
        for old in &not_started {
            ctx.out
                .warn(format!("not rotated: key {} ({})", old.id, old.name));
        }
        return Err(UserError::new(
            signal.exit(),
            format!(
                "{}: {rotated} of {} keys rotated, {failed} failed, {} not started ({})",
                signal.verb(),
                targets.len(),
                not_started.len(),
                signal.name()
            ),
        )
        .hint(format!(
            "every old key that was not rotated still works; {}",
            rerun_hint(args)
        ))
        .into());
    }
    if failed == 0 {
        closed?;
        return Ok(Exit::Ok);
    }
    // A minted secret that waits in a recovery file outranks the other failures: exit 9.
    let waiting: Vec<&std::path::Path> = finished
        .done()
        .filter_map(|(_, o)| o.recovery_file.as_deref())
        .collect();
    let undelivered = finished.done().any(|(_, o)| {
        o.failed
            .as_ref()
            .is_some_and(|e| classify(e).exit == Exit::NotDelivered)
    });
    if undelivered {
        let mut err = UserError::new(
            Exit::NotDelivered,
            format!(
                "{failed} of {} keys could not be rotated; {} new secret(s) were minted and not delivered{}",
                targets.len(),
                waiting.len(),
                if waiting.is_empty() {
                    String::new()
                } else {
                    format!(
                        " and wait in: {}",
                        waiting
                            .iter()
                            .map(|p| p.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            ),
        );
        if finished.done().any(|(_, o)| o.resumable) {
            err = err.hint(
                "re-run `keys rotate --due`: for each key whose new key failed its check or its delivery it checks the \
                 new key, delivers the secret from its recovery file to the same destinations, revokes the old one \
                 and deletes the file (not for a key another run crossed: see above); the other failed keys are \
                 rotated afresh",
            );
        }
        return Err(err.into());
    }
    Err(UserError::new(
        Exit::PartialFailure,
        format!("{failed} of {} keys could not be rotated", targets.len()),
    )
    .hint(format!(
        "the keys reported as rotated are done; {}",
        rerun_hint(args)
    ))
    .into())
}

/// Policy flags belong to `--due`, scope flags to `--due` and `--all` (clap cannot make
/// flattened flags require another); checked before any request.
fn check_selection(args: &KeysRotateArgs) -> Result<(), UserError> {
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
        return Err(
            UserError::usage(format!("{flag} applies to `keys rotate --due` only: {why}")).hint(
                format!("add --due to rotate the keys due under {flag}, or drop {flag}"),
            ),
        );
    }
    let scope = [
        ("--service-account", !args.scope.service_accounts.is_empty()),
        ("--name", args.scope.name.is_some()),
    ];
    if let Some((flag, _)) = scope.iter().find(|(_, given)| *given)
        && !args.due
        && !args.all
    {
        return Err(UserError::usage(format!(
            "{flag} narrows `keys rotate --due` or `keys rotate --all`, not a single KEY"
        ))
        .hint(format!(
            "name the key alone (`keys rotate ID|NAME`), or add --due (the keys due) or --all (every key) with {flag}"
        )));
    }
    Ok(())
}

/// "of service account ingest-bot named ci-ingest", or "you can rotate" for no scope.
fn scope_words(scope: &KeyScope) -> String {
    if scope.is_everything() {
        "you can rotate".to_string()
    } else {
        scope.describe()
    }
}

/// What to run for the keys a batch did not rotate. `--due` again finds exactly them (the new
/// keys are not due); `--all` again would rotate the new keys too.
fn rerun_hint(args: &KeysRotateArgs) -> String {
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

/// Each key's destinations: `--store` when given, else where the key's secret was last
/// delivered (its delivery record), else stdout.
fn destinations_of(
    ctx: &Context,
    args: &KeysRotateArgs,
    targets: &[ApiKey],
    visible: &[ApiKey],
) -> Vec<Destinations> {
    targets
        .iter()
        .map(|key| {
            let given: Vec<Destination> = if args.store.destinations.is_empty() {
                // A rotation to finish: where its new secret was meant to go, else where the
                // old one went.
                let recorded = pending_successor(ctx, visible, key)
                    .and_then(|(newer, _)| record::read(&ctx.paths.state_dir, &newer.id))
                    .or_else(|| record::read(&ctx.paths.state_dir, &key.id));
                recorded
                    .map(|r| r.places.iter().map(record::Place::destination).collect())
                    .unwrap_or_default()
            } else {
                args.store.destinations.clone()
            };
            Destinations::new(&given, ctx.keychain, &ctx.profile.name, ctx.timeout)
        })
        .collect()
}

/// The keys among `keys` of `old`'s name and owner made after it: its successors, from a
/// rotation that did not revoke it (or has not yet).
fn successors<'k>(keys: &'k [ApiKey], old: &ApiKey) -> impl Iterator<Item = &'k ApiKey> {
    keys.iter().filter(move |k| {
        k.id != old.id
            && k.name == old.name
            && k.user_id == old.user_id
            && k.created_at > old.created_at
    })
}

/// The successor of `old` whose secret waits in a recovery file: minted by a rotation whose
/// delivery failed. A re-run delivers that secret and finishes the rotation instead of minting
/// another key.
fn pending_successor(
    ctx: &Context,
    keys: &[ApiKey],
    old: &ApiKey,
) -> Option<(ApiKey, recovery::Found)> {
    successors(keys, old)
        .find_map(|k| recovery::of_key(&ctx.paths.state_dir, &k.id).map(|f| (k.clone(), f)))
}

/// A batch sends secrets to stdout off a terminal (a cron log, a pipe) only when `--store
/// stdout` says so: a key without a delivery record (or whose secret last went to stdout)
/// would otherwise print its successor's secret there. Refused before anything is minted.
fn refuse_stdout_off_a_terminal(
    ctx: &Context,
    args: &KeysRotateArgs,
    batch: bool,
    targets: &[ApiKey],
    per_key: &[Destinations],
) -> Result<(), UserError> {
    if !batch || ctx.out.stdout_tty() || args.store.destinations.contains(&Destination::Stdout) {
        return Ok(());
    }
    let printed: Vec<String> = targets
        .iter()
        .zip(per_key)
        .filter(|(_, d)| d.includes_stdout())
        .map(|(k, _)| format!("{} ({})", k.id, k.name))
        .collect();
    if printed.is_empty() {
        return Ok(());
    }
    Err(UserError::usage(format!(
        "stdout is not a terminal, and the new secrets of {} key(s) would be printed there (no --store, and no \
         record of where their secrets went): {}; nothing was rotated",
        printed.len(),
        printed.join(", ")
    ))
    .hint("pass --store stdout to mean it, or deliver them elsewhere: --store 'file:/etc/flexprice/{owner}-{name}.key', --store keychain or --store exec:COMMAND"))
}

/// The keys `keys audit` reports under `policy` within `scope`, less those cron must not touch
/// (see [`rotatable`]).
fn due_keys(
    ctx: &Context,
    me: Result<User, ApiError>,
    visible: &[ApiKey],
    policy: &Policy,
    scope: &KeyScope,
) -> anyhow::Result<Vec<ApiKey>> {
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
    rotatable(ctx, me, visible, candidates)
}

/// `--all`: every key within `scope` that still authenticates, whatever its age, less what
/// [`rotatable`] skips. An expired key is skipped too: it no longer works, so it cannot have
/// leaked anything usable, and `--due` or `keys rotate ID` replaces it.
fn all_keys(
    ctx: &Context,
    me: Result<User, ApiError>,
    visible: &[ApiKey],
    scope: &KeyScope,
) -> anyhow::Result<Vec<ApiKey>> {
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
    rotatable(ctx, me, visible, candidates)
}

/// `candidates` less the keys a batch must not touch, each skipped with a message: other users'
/// keys (only their owner can rotate them; a note, since cron meets them every night), the
/// credential this run uses (its successor would go to `--store`, not where this command reads
/// its key, and the next run would fail), and keys that already have a newer key of the same
/// name and owner (a previous rotation whose revocation failed: rotating again would strand that
/// newer key).
fn rotatable(
    ctx: &Context,
    me: Result<User, ApiError>,
    visible: &[ApiKey],
    candidates: Vec<&ApiKey>,
) -> anyhow::Result<Vec<ApiKey>> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // The caller tells whose user keys are whose. Service-account keys do without it (a
    // tenant-level key has no user to answer `GET /users/me` with), and the credential in use
    // is then told by its display ID alone.
    let me = match me {
        Ok(me) => Some(me),
        Err(_) if candidates.iter().all(|k| k.is_service_account_key()) => None,
        Err(e) => return Err(e.into()),
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
        many => super::check::minted_with(many, credential.expose()),
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
        if running_with.is_some_and(|k| k.id == key.id) {
            ctx.out.warn(format!(
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
        if let Some(newer) = superseded_by(ctx, visible, key) {
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
fn superseded_by<'k>(ctx: &Context, visible: &'k [ApiKey], key: &ApiKey) -> Option<&'k ApiKey> {
    let newer = successors(visible, key).next()?;
    pending_successor(ctx, visible, key)
        .is_none()
        .then_some(newer)
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
    /// Steps 2 to 6 for key `i` of the plan, and its JSON object.
    async fn rotate(&self, i: usize, old: &ApiKey) -> Outcome {
        let mut outcome = Outcome {
            new_key: None,
            stored_in: Vec::new(),
            old_key_revoked: false,
            failed: None,
            recovery_file: None,
            resumable: false,
        };
        let mut head_written = false;
        if let Err(failed) = self.steps(i, old, &mut outcome, &mut head_written).await {
            if let Some(path) = failed.recovery_file() {
                outcome.recovery_file = Some(path.to_path_buf());
                // A re-run finishes it, unless another run crossed it or its old key is gone.
                outcome.resumable = matches!(failed, Failed::Handover(_) | Failed::Unchecked(_));
            }
            let exit = failed.exit();
            let err = failed.into_error(old, outcome.new_key.as_ref());
            // The mapping is the enum's, never whichever error happens to be wrapped first.
            debug_assert_eq!(classify(&err).exit, exit, "{err:#}");
            outcome.failed = Some(err);
        }
        self.write_json(old, &outcome, head_written);
        outcome
    }

    async fn steps(
        &self,
        i: usize,
        old: &ApiKey,
        outcome: &mut Outcome,
        head_written: &mut bool,
    ) -> Result<(), Failed> {
        let ctx = self.ctx;
        if let Some(refused) = self.refusal(i) {
            return Err(Failed::Refused(refused));
        }
        // Step 2.
        let _lock = KeyLock::acquire(&ctx.paths.state_dir, &ctx.profile.name, &old.id)
            .map_err(Failed::Lock)?;
        // A run sharing our lock may have rotated this key between our listing and the lock:
        // its records say so, without a request. Any other run is caught at step 4.
        if let Some(successor) = record::successor(&ctx.paths.state_dir, &old.id) {
            return Err(Failed::Rotated(successor));
        }

        // Step 3, or the rotation a failed delivery stopped: its new key's secret is read from
        // the recovery file instead of minting another key.
        if let Some((newer, file)) = pending_successor(ctx, self.known, old) {
            // Another successor: a run that crossed the one that stopped (or one whose
            // revocation failed), whose key may be in the destinations by now.
            let others: Vec<String> = successors(self.known, old)
                .filter(|k| k.id != newer.id)
                .map(|k| k.id.clone())
                .collect();
            if !others.is_empty() {
                return Err(Failed::Contested {
                    pending: newer.id,
                    file: file.path,
                    others,
                });
            }
            return self
                .resume(i, old, newer, file, outcome, head_written)
                .await;
        }
        let request =
            api::endpoints::create_key_request(&new_key_body(ctx, self.args, old, time::now()));
        let lookup = Lookup {
            name: &old.name,
            owner: old.user_id.as_deref(),
            known: self.known,
            known_complete: self.known_is_fresh,
            listed: true,
        };
        let minted = self
            .handover
            .mint(i, &request, lookup)
            .await
            .map_err(Failed::Handover)?;
        outcome.new_key = Some(minted.key.clone());

        // Step 4: one request each, side by side.
        let (verified, crossed) = tokio::join!(
            verify(self.client, &minted.secret, &minted.key),
            self.crossed(old, &minted.key)
        );
        match crossed {
            // Another run our lock does not reach (another profile or state directory, another
            // host) rotated this key at the same time: its new key may already be in these
            // destinations, and ours would overwrite it, leaving that key active with its secret
            // nowhere. Ours goes to the recovery file instead, and the old key stays.
            Crossed::Sibling(sibling) => {
                let why = format!(
                    "another run rotated key {} at the same time and made key {sibling}, which may already be in \
                     these destinations; this secret would overwrite it",
                    old.id
                );
                let failure = self.handover.keep_back(i, &minted, why).await;
                return Err(Failed::Crossed { failure, sibling });
            }
            // Revoked meanwhile (an operator's `keys delete`, or a run that replaced it, which
            // a run that checked before minting would have lost to): nothing can want its
            // successor.
            Crossed::Gone { replaced_by } => {
                let why = format!(
                    "key {} was revoked while this run rotated it, so nothing needs its successor",
                    old.id
                );
                return match self.handover.withdraw(i, &minted, why).await {
                    Ok(()) => Err(Failed::Gone {
                        withdrawn: minted.key.id.clone(),
                        replaced_by,
                    }),
                    Err(kept) => Err(Failed::Stranded(kept)),
                };
            }
            Crossed::Clear => {}
        }
        if let Err(why) = verified {
            return Err(Failed::Unchecked(
                self.handover.keep_back(i, &minted, why).await,
            ));
        }
        self.finish_rotation(i, old, minted, outcome, head_written)
            .await
    }

    /// Rotation `i` resumed from the recovery file of its new key `newer`: steps 4 to 6, the
    /// file standing for the one step 3 writes (removed once the secret is delivered).
    async fn resume(
        &self,
        i: usize,
        old: &ApiKey,
        newer: ApiKey,
        file: recovery::Found,
        outcome: &mut Outcome,
        head_written: &mut bool,
    ) -> Result<(), Failed> {
        let secret = recovery::read(&file.path).map_err(|e| {
            Failed::Refused(UserError::new(
                Exit::Failure,
                format!(
                    "key {} has a successor, {}, whose secret should be in {}, but it cannot be read ({e}); old key {} is untouched",
                    old.id,
                    newer.id,
                    file.path.display(),
                    old.id
                ),
            ))
        })?;
        crate::redact::register(&secret);
        self.ctx.out.note(format!(
            "Finishing the rotation of key {} ({}): delivering the secret of its new key {} from {}.",
            old.id,
            old.name,
            newer.id,
            file.path.display()
        ));
        outcome.new_key = Some(newer.clone());
        let minted = Minted {
            key: newer,
            secret,
            ahead: Some(file.path),
        };
        if let Err(why) = verify(self.client, &minted.secret, &minted.key).await {
            return Err(Failed::Unchecked(
                self.handover.keep_back(i, &minted, why).await,
            ));
        }
        self.finish_rotation(i, old, minted, outcome, head_written)
            .await
    }

    /// Steps 5 and 6 once the new key is known to work: deliver, revoke.
    async fn finish_rotation(
        &self,
        i: usize,
        old: &ApiKey,
        minted: Minted,
        outcome: &mut Outcome,
        head_written: &mut bool,
    ) -> Result<(), Failed> {
        let ctx = self.ctx;
        outcome.new_key = Some(minted.key.clone());

        // Step 5: stdout is a destination like the others: the secret is written and flushed
        // there before the old key is revoked.
        let now = time::now();
        let owner = old.service_account_name.clone();
        let (old_view, new_view) = (
            KeyJson::new(old, owner.clone(), now),
            KeyJson::new(&minted.key, owner, now),
        );
        let delivered = self
            .handover
            .deliver(i, &minted, |secret, stored_in| {
                if let Some(json) = &self.json {
                    let mut json = json.lock().unwrap_or_else(|e| e.into_inner());
                    json.head(&Head {
                        old_key: &old_view,
                        new_key: Some(&new_view),
                        stored_in,
                        api_key: Some(secret.expose_secret()),
                    })?;
                    *head_written = true;
                    return Ok(());
                }
                let line = if self.batch {
                    format!(
                        "{}\t{}\t{}",
                        minted.key.id,
                        minted.key.name,
                        secret.expose_secret()
                    )
                } else {
                    secret.expose_secret().to_string()
                };
                ctx.out.lines([line])
            })
            .await;
        outcome.stored_in = delivered.map_err(Failed::Handover)?;

        // Step 6.
        if !self.args.keep_old {
            self.client
                .delete_key(&old.id)
                .await
                .map_err(Failed::Revoke)?;
            crate::revocations::record_all(&self.ctx.paths.state_dir, [old]);
            outcome.old_key_revoked = true;
            self.remember_replaced(old, &minted.key.id, &outcome.stored_in);
        }
        Ok(())
    }

    /// After the old key is revoked: its record names its successor, and a keychain entry that
    /// still holds its (now useless) secret, because the new one went elsewhere, is flagged here
    /// and by `keychain get`.
    fn remember_replaced(&self, old: &ApiKey, new_id: &str, stored_in: &[String]) {
        let state_dir = &self.ctx.paths.state_dir;
        if let Err(e) = record::mark_replaced(state_dir, &self.ctx.profile.name, old, new_id) {
            self.ctx.out.warn(format!(
                "could not record that key {} was replaced by {new_id}: {e}",
                old.id
            ));
        }
        let Some(was) = record::read(state_dir, &old.id) else {
            return;
        };
        for place in &was.places {
            if let record::Place::Keychain { account } = place
                && !stored_in
                    .iter()
                    .any(|s| *s == format!("keychain:{account}"))
            {
                self.ctx.out.warn(format!(
                    "keychain entry {account} still holds the secret of revoked key {}; the new key {new_id} went to {}. \
                     Remove it with `flexprice-admin keychain prune`, or rotate with --store keychain next time",
                    old.id,
                    stored_in.join(", ")
                ));
            }
        }
    }

    /// Step 4's listing: whether, now that `new_key` exists, `old` is still active and no key of
    /// its name and owner has appeared since step 1 but ours. Listed after the create, so of
    /// two runs rotating one key at once at least one sees the other's key. A failed listing
    /// finds nothing (the check guards against a rare race; a rotation does not depend on it).
    async fn crossed(&self, old: &ApiKey, new_key: &ApiKey) -> Crossed {
        // The old key and the keys made since: older ones can neither be it nor cross it (a
        // second of slack for a server that compares at a coarser precision).
        let filter = KeyFilter {
            user_id: old.user_id.clone(),
            created_since: Some(old.created_at - jiff::SignedDuration::from_secs(1)),
        };
        let mut now = match self.client.list_keys(&filter, None).await {
            Ok(keys) => keys,
            Err(e) => {
                self.ctx.out.warn(format!(
                    "could not check whether another run is rotating key {} at the same time: {e}",
                    old.id
                ));
                return Crossed::Clear;
            }
        };
        // The old key missing from that answer would mean it was revoked, and its successor is
        // thrown away: a server that applies `start_time` wrongly would say so of every key. In
        // that rare case, one more listing without it has the last word.
        if !now.iter().any(|k| k.id == old.id) {
            let unfiltered = KeyFilter {
                user_id: old.user_id.clone(),
                ..KeyFilter::default()
            };
            if let Ok(all) = self.client.list_keys(&unfiltered, None).await
                && all.iter().any(|k| k.id == old.id)
            {
                self.ctx.out.warn(format!(
                    "the server left key {} out of a listing of the keys made since it (start_time), though it is \
                     active: it may not apply that filter correctly",
                    old.id
                ));
                now = all;
            }
        }
        let sibling = now
            .iter()
            .find(|k| {
                k.id != new_key.id
                    && k.name == old.name
                    && k.user_id == old.user_id
                    && !self.known.iter().any(|b| b.id == k.id)
                    && !self.handover.minted_here(&k.id)
            })
            .map(|k| k.id.clone());
        // Gone first: with the old key revoked, a crossing run has finished, and this run lost
        // the race to it.
        match sibling {
            replaced_by if !now.iter().any(|k| k.id == old.id) => Crossed::Gone { replaced_by },
            Some(sibling) => Crossed::Sibling(sibling),
            None => Crossed::Clear,
        }
    }

    /// The plan's refusal of key `i` (its name or owner would steer a path), if any.
    fn refusal(&self, i: usize) -> Option<UserError> {
        match &self.handover.plan.keys[i] {
            Ok(_) => None,
            Err(refused) => {
                let mut copy = UserError::new(refused.exit, refused.message.clone());
                copy.hints = refused.hints.clone();
                Some(copy)
            }
        }
    }

    /// The rotation's JSON object: its tail when the head (with the secret) is already out,
    /// else the whole object. A failed write here carries no secret; it is reported at the end.
    fn write_json(&self, old: &ApiKey, outcome: &Outcome, head_written: bool) {
        let Some(json) = &self.json else { return };
        let mut json = json.lock().unwrap_or_else(|e| e.into_inner());
        let error = outcome.failed.as_ref().map(|err| format!("{err:#}"));
        let tail = Tail {
            old_key_revoked: outcome.old_key_revoked,
            error: error.as_deref(),
            recovery_file: outcome
                .recovery_file
                .as_ref()
                .map(|p| p.display().to_string()),
        };
        let written = if head_written {
            json.tail(&tail)
        } else {
            let now = time::now();
            let owner = old.service_account_name.clone();
            let old_view = KeyJson::new(old, owner.clone(), now);
            let new_view = outcome
                .new_key
                .as_ref()
                .map(|k| KeyJson::new(k, owner, now));
            json.whole(&Whole {
                head: Head {
                    old_key: &old_view,
                    new_key: new_view.as_ref(),
                    stored_in: &outcome.stored_in,
                    api_key: None,
                },
                tail,
            })
        };
        if let Err(e) = written {
            self.ctx
                .out
                .warn(format!("could not write the JSON output: {e}"));
        }
    }

    /// Closes the JSON object or array.
    fn finish_json(&self) -> std::io::Result<()> {
        let Some(json) = &self.json else {
            return Ok(());
        };
        let mut json = json.lock().unwrap_or_else(|e| e.into_inner());
        let stream = std::mem::replace(&mut *json, JsonStream::closed());
        stream.finish()
    }

    /// The receipt of one rotation on stderr.
    fn receipt(&self, old: &ApiKey, outcome: &Outcome) {
        let Some(new_key) = &outcome.new_key else {
            return;
        };
        if outcome.stored_in.is_empty() {
            return;
        }
        let revoked = match (outcome.old_key_revoked, self.args.keep_old) {
            (true, _) => "revoked",
            (false, true) => "kept (--keep-old)",
            (false, false) => "NOT revoked",
        };
        self.ctx.out.note(format!(
            "Rotated {}: new key {} (stored in {}); old key {} {revoked}.",
            new_key.name,
            new_key.id,
            outcome.stored_in.join(", "),
            old.id
        ));
    }
}

/// Authenticates with the new key (`GET /users/me`), with a short backoff, and checks it is the
/// expected principal. The error is a sentence, not an `ApiError`: the 401 hints meant for the
/// admin credential would mislead here.
async fn verify(client: &Client, secret: &SecretString, new_key: &ApiKey) -> Result<(), String> {
    // A secret no destination may take is not worth trying, and a failed try would be blamed
    // on the API.
    if let Err(why) = crate::secrets::handover::check_shape(secret) {
        return Err(format!(
            "the server sent a secret of an unexpected shape ({why}); it was neither tried nor written to any \
             destination"
        ));
    }
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
