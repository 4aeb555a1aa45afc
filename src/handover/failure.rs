//! How a hand-over can fail, as types: each way has one exit code ([`Failure::exit`]) and one
//! message, built here from what happened, never guessed back from a wrapped error.

use std::path::{Path, PathBuf};

use super::destination::Destination;
use crate::api::ApiError;
use crate::api::endpoints::REVOCATION_DELAY_NOTE;
use crate::error::{CommandError, Exit, api_exit};

/// How a hand-over failed. Each variant has exactly one exit code.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The server refused the create: nothing was minted.
    Refused(ApiError),
    /// The answer to the create never arrived (or was an error that may follow a commit).
    Lost { cause: ApiError, found: Found },
    /// A key was minted and its secret did not reach every destination.
    NotDelivered {
        key_id: String,
        /// Each destination that failed (or the reason none was tried).
        missed: Vec<Missed>,
        /// The destinations that did take the secret.
        stored_in: Vec<Destination>,
        end: End,
    },
}

/// A destination that did not take a secret.
#[derive(Debug, Clone)]
pub(crate) struct Missed {
    /// The destination's label, or what stood in the way of all of them ("every destination").
    pub place: String,
    pub why: String,
    /// What an `exec:` command printed; empty otherwise.
    pub output: String,
}

impl Missed {
    pub(crate) fn every(why: impl Into<String>) -> Missed {
        Missed {
            place: "every destination".into(),
            why: why.into(),
            output: String::new(),
        }
    }
}

/// What the lookup after a lost create found.
#[derive(Debug)]
pub(crate) enum Found {
    /// No new key: the create did not happen.
    Nothing,
    /// The lookup failed too: a key may exist that nobody holds the secret of.
    Unknown(ApiError),
    /// The key could not be looked up (a publishable key is never listed): it may exist.
    Unlisted,
    /// Keys that nobody holds the secret of, left active. Not `certain` when the owner's keys
    /// were not noted before the create (or several were found): one may be someone else's.
    Orphans { ids: Vec<String>, certain: bool },
    /// The one orphan, revoked (`--on-store-failure revoke`).
    Revoked(String),
}

/// Where an undelivered secret ended.
#[derive(Debug)]
pub(crate) enum End {
    /// In this 0600 recovery file; the key is active.
    Recovered(PathBuf),
    /// Nowhere: the key was revoked (`--on-store-failure revoke`).
    Revoked,
    /// Nowhere: no recovery file could be written, so the key was revoked.
    RevokedForLackOfRecovery { write_error: String },
    /// Nowhere, and the key is still active: neither a recovery file nor the revocation worked.
    Stranded {
        write_error: String,
        revoke_error: String,
    },
}

impl Failure {
    /// The exit code: the API's for a refused create or a lost one that made nothing, else 9
    /// (a key was, or may have been, created and its secret not delivered).
    pub(crate) fn exit(&self) -> Exit {
        match self {
            Failure::Refused(cause)
            | Failure::Lost {
                cause,
                found: Found::Nothing,
            } => api_exit(cause),
            Failure::Lost { .. } | Failure::NotDelivered { .. } => Exit::NotDelivered,
        }
    }

    /// The key that was minted, when one surely was.
    pub(crate) fn key_id(&self) -> Option<&str> {
        match self {
            Failure::NotDelivered { key_id, .. } => Some(key_id),
            _ => None,
        }
    }

    /// The 0600 recovery file the undelivered secret waits in, if it does.
    pub(crate) fn recovery_file(&self) -> Option<&Path> {
        match self {
            Failure::NotDelivered {
                end: End::Recovered(path),
                ..
            } => Some(path),
            _ => None,
        }
    }

    /// The error to report, `step` saying what was being done (e.g. "step 4 (deliver the
    /// secret) failed; old key … is untouched"). Its exit code is [`Self::exit`]. A refused
    /// create stays an [`ApiError`] so the 401/403 explanations apply to it.
    pub(crate) fn into_error(self, step: &str) -> CommandError {
        let exit = self.exit();
        match self {
            Failure::Refused(cause) => CommandError::from(cause).context(step),
            Failure::Lost { cause, found } => {
                let mut hints = cause.hints.clone();
                let message = match found {
                    Found::Nothing => format!("{step}: {cause}; no key was created"),
                    Found::Unknown(lookup) => {
                        hints.push("look for a new key of that name with `flexprice-admin keys list --name NAME` and revoke it with `flexprice-admin keys delete ID --yes`".into());
                        format!(
                            "{step}: the answer to the create was lost ({cause}), and looking for the key it may have \
                             made failed too ({lookup}); a key may exist whose secret nobody holds"
                        )
                    }
                    Found::Unlisted => format!(
                        "{step}: the answer to the create was lost ({cause}); publishable keys are never listed, so \
                         whether one was created cannot be checked, and its secret could not be recovered anyway"
                    ),
                    Found::Orphans { ids, certain } => {
                        hints.push(format!(
                            "revoke the orphan: `flexprice-admin keys delete {} --yes`, then try again",
                            ids.join(" ")
                        ));
                        if certain {
                            format!(
                                "{step}: the server created {} but its answer was lost, so its secret is \
                                 unrecoverable (orphaned key; {cause})",
                                ids.join(", ")
                            )
                        } else {
                            format!(
                                "{step}: the answer to the create was lost ({cause}); the server may have created {} \
                                 (keys of this name and owner made in the last two minutes): an orphaned key's \
                                 secret is unrecoverable; check each before revoking it",
                                ids.join(", ")
                            )
                        }
                    }
                    Found::Revoked(id) => {
                        hints.push(REVOCATION_DELAY_NOTE.into());
                        format!(
                            "{step}: the server created {id} but its answer was lost ({cause}); the orphaned key was \
                             revoked (--on-store-failure revoke)"
                        )
                    }
                };
                let mut err = CommandError::new(exit, message);
                err.hints = hints;
                err
            }
            Failure::NotDelivered {
                key_id,
                missed,
                stored_in,
                end,
            } => {
                // What a failed `exec:` command said is part of why: shown because it failed,
                // and only then (even under `-q`, which keeps hints back).
                let why = missed
                    .iter()
                    .map(|m| match last_lines(&m.output) {
                        said if said.is_empty() => format!("{}: {}", m.place, m.why),
                        said => format!("{}: {}, saying: {said}", m.place, m.why),
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                let stored_in: Vec<String> = stored_in.iter().map(Destination::label).collect();
                let mut err = match &end {
                    End::Recovered(path) => CommandError::new(
                        exit,
                        format!(
                            "{step}: key {key_id} was created but its secret was not delivered ({why}); the secret is \
                             in the recovery file {}",
                            path.display()
                        ),
                    )
                    .hint(format!(
                        "copy the secret from {} into its destination, then delete the file (it is readable only by you)",
                        path.display()
                    )),
                    End::Revoked => CommandError::new(
                        exit,
                        format!(
                            "{step}: the secret of key {key_id} could not be delivered ({why}); the key was revoked \
                             (--on-store-failure revoke), so no recovery file was needed"
                        ),
                    )
                    .hint(REVOCATION_DELAY_NOTE),
                    End::RevokedForLackOfRecovery { write_error } => CommandError::new(
                        exit,
                        format!(
                            "{step}: the secret of key {key_id} could not be delivered ({why}) nor written to a \
                             recovery file ({write_error}); the key was revoked"
                        ),
                    ),
                    End::Stranded {
                        write_error,
                        revoke_error,
                    } => CommandError::new(
                        exit,
                        format!(
                            "{step}: the secret of key {key_id} could not be delivered ({why}) nor written to a \
                             recovery file ({write_error}), and revoking the key failed too ({revoke_error}); revoke \
                             it with `flexprice-admin keys delete {key_id} --yes`"
                        ),
                    ),
                };
                if !stored_in.is_empty() {
                    err = err.hint(match end {
                        End::Recovered(_) => format!("delivered to: {}", stored_in.join(", ")),
                        _ => format!(
                            "these destinations hold the revoked key's useless secret and can be cleaned up: {}",
                            stored_in.join(", ")
                        ),
                    });
                }
                err
            }
        }
    }
}

/// The last few lines of a command's output, on one line: where it says why it failed.
fn last_lines(output: &str) -> String {
    let lines: Vec<&str> = output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let from = lines.len().saturating_sub(5);
    lines[from..].join(" | ")
}
