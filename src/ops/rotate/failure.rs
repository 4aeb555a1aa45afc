//! How one rotation can fail, as types: each way has one exit code ([`Failed::exit`]) and one
//! message ([`Failed::into_error`]), which says which step failed, what became of the old key
//! and of the new secret, and what to run next.

use std::path::Path;

use crate::api::ApiError;
use crate::api::models::ApiKey;
use crate::error::{CommandError, Exit, api_exit};
use crate::handover::Failure;

/// How one rotation failed. Each variant has one exit code ([`Failed::exit`]).
#[derive(Debug)]
pub(crate) enum Failed {
    /// Step 2: the lock is held by another run, or cannot be taken.
    Lock(CommandError),
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
    Refused(CommandError),
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
    /// The exit code of this failure: each variant has one.
    pub(crate) fn exit(&self) -> Exit {
        match self {
            Failed::Lock(err) | Failed::Refused(err) => err.exit,
            Failed::Revoke(err) => api_exit(err),
            Failed::Rotated(_) | Failed::Gone { .. } | Failed::Contested { .. } => Exit::Conflict,
            Failed::Handover(failure)
            | Failed::Unchecked(failure)
            | Failed::Crossed { failure, .. }
            | Failed::Stranded(failure) => failure.exit(),
        }
    }

    /// Whether a re-run finishes this rotation from the recovery file its new secret waits in
    /// (not after a crossing, nor when the old key is gone).
    pub(crate) fn resumable(&self) -> bool {
        self.recovery_file().is_some() && matches!(self, Failed::Handover(_) | Failed::Unchecked(_))
    }

    /// The recovery file the new secret waits in, when one was minted and not delivered.
    pub(crate) fn recovery_file(&self) -> Option<&Path> {
        match self {
            Failed::Handover(failure)
            | Failed::Unchecked(failure)
            | Failed::Stranded(failure)
            | Failed::Crossed { failure, .. } => failure.recovery_file(),
            _ => None,
        }
    }

    /// The error to report for the rotation of `old` (which made `new_key`, if it got that far);
    /// its exit code is [`Self::exit`]'s.
    pub(crate) fn into_error(self, old: &ApiKey, new_key: Option<&ApiKey>) -> CommandError {
        let exit = self.exit();
        let mut err = self.describe(old, new_key);
        err.exit = exit;
        err
    }

    fn describe(self, old: &ApiKey, new_key: Option<&ApiKey>) -> CommandError {
        match self {
            Failed::Lock(err) => err,
            Failed::Rotated(successor) => CommandError::new(
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
            )),
            Failed::Gone {
                withdrawn,
                replaced_by,
            } => CommandError::new(
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
            )),
            Failed::Refused(err) => err,
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
            } => CommandError::new(
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
            )),
            Failed::Revoke(err) => {
                let new_id = new_key.map_or("?", |k| k.id.as_str());
                CommandError::from(err).context(format!(
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
) -> CommandError {
    let recovered = failure.recovery_file().is_some();
    let mut err = failure.into_error(step);
    if recovered {
        advise(&mut err.hints);
    }
    err
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
