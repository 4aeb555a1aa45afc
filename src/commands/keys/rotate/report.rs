//! `keys rotate`, last phase: what each rotation came to, on stderr (a receipt, or the failure
//! once) and as JSON (each key's object streamed as it happens), and the exit code of the whole
//! run, decided from what happened to every key.

use std::path::PathBuf;
use std::sync::Mutex;

use secrecy::ExposeSecret;
use serde::Serialize;

use super::select::rerun_hint;
use crate::api::models::ApiKey;
use crate::batch::{Finished, Item};
use crate::cli::KeysRotateArgs;
use crate::error::{CommandError, CommandResult, Exit};
use crate::handover::{Destination, Minted, Payload};
use crate::interrupt::Signal;
use crate::ops::rotate::Rotated;
use crate::output::Output;
use crate::output::render::JsonStream;
use crate::time;
use crate::views::KeyJson;

/// `-o json`, first part: written as soon as the new secret is delivered (it carries the
/// secret when stdout is a destination), before the old key is revoked.
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

/// One rotation as reported: what the operation did, its failure turned into the error the
/// user reads (decided once, here), and what a re-run can do about it.
pub(super) struct Outcome {
    pub rotated: Rotated,
    pub error: Option<CommandError>,
    /// Where the new secret waits when its delivery failed.
    pub recovery_file: Option<PathBuf>,
    /// A re-run finishes the rotation from `recovery_file`.
    pub resumable: bool,
}

impl Outcome {
    pub(super) fn of(old: &ApiKey, mut rotated: Rotated) -> Outcome {
        let Some(failed) = rotated.failed.take() else {
            return Outcome {
                rotated,
                error: None,
                recovery_file: None,
                resumable: false,
            };
        };
        let recovery_file = failed.recovery_file().map(|p| p.to_path_buf());
        let resumable = failed.resumable();
        Outcome {
            error: Some(failed.into_error(old, rotated.new_key.as_ref())),
            rotated,
            recovery_file,
            resumable,
        }
    }
}

type Json = JsonStream<crate::output::Sink>;

/// Writes what the rotations of one run come to.
pub(super) struct Reporter<'a> {
    pub out: &'a Output,
    /// `-o json`: the object (one key) or array (a batch) being written.
    pub json: Option<Mutex<Json>>,
    /// Secrets go out as `ID<TAB>NAME<TAB>SECRET` lines, not alone.
    pub batch: bool,
    pub keep_old: bool,
    /// The caller: the owner of the user keys rotated (Flexprice mints a user key only for the
    /// calling user), named in the JSON as `keys list` names it.
    pub caller: Option<crate::api::models::User>,
}

impl Reporter<'_> {
    /// What stdout shows of a new secret: the rotation's JSON head, a tab-separated line in a
    /// batch, else the secret alone.
    pub(super) fn payload(
        &self,
        old: &ApiKey,
        minted: &Minted,
        elsewhere: &[Destination],
    ) -> std::io::Result<Payload> {
        let secret = minted.secret.expose_secret();
        if let Some(json) = &self.json {
            let now = time::now();
            let owner = self.owner_of(old);
            let (old_view, new_view) = (
                KeyJson::new(old, owner.clone(), now),
                KeyJson::new(&minted.key, owner, now),
            );
            let mut stored_in = vec!["stdout".to_string()];
            stored_in.extend(elsewhere.iter().map(Destination::label));
            let mut json = json.lock().unwrap_or_else(|e| e.into_inner());
            let bytes = json.head_payload(&Head {
                old_key: &old_view,
                new_key: Some(&new_view),
                stored_in: &stored_in,
                api_key: Some(secret),
            })?;
            return Ok(Payload::bytes(bytes));
        }
        Ok(if self.batch {
            Payload::line(&format!("{}\t{}\t{secret}", minted.key.id, minted.key.name))
        } else {
            Payload::line(secret)
        })
    }

    /// How the JSON names a key's owner: a service account by its name, the caller by its label.
    fn owner_of(&self, key: &ApiKey) -> Option<String> {
        key.service_account_name.clone().or_else(|| {
            self.caller
                .as_ref()
                .filter(|me| key.user_id.as_deref() == Some(me.id.as_str()))
                .map(|me| me.label().to_string())
        })
    }

    /// One rotation is over: its JSON object finished (its tail when the head with the secret is
    /// out, else whole) and its receipt on stderr.
    pub(super) fn done(&self, old: &ApiKey, outcome: &Outcome) {
        self.write_json(old, outcome);
        self.receipt(old, outcome);
    }

    fn write_json(&self, old: &ApiKey, outcome: &Outcome) {
        let Some(json) = &self.json else { return };
        let mut json = json.lock().unwrap_or_else(|e| e.into_inner());
        let rotated = &outcome.rotated;
        let error = outcome.error.as_ref().map(|err| format!("{err:#}"));
        let tail = Tail {
            old_key_revoked: rotated.old_key_revoked,
            error: error.as_deref(),
            recovery_file: outcome
                .recovery_file
                .as_ref()
                .map(|p| p.display().to_string()),
        };
        let written = if rotated.printed {
            json.head_printed();
            json.tail(&tail)
        } else {
            let now = time::now();
            let owner = self.owner_of(old);
            let old_view = KeyJson::new(old, owner.clone(), now);
            let new_view = rotated
                .new_key
                .as_ref()
                .map(|k| KeyJson::new(k, owner, now));
            let stored_in = labels(&rotated.stored_in);
            json.whole(&Whole {
                head: Head {
                    old_key: &old_view,
                    new_key: new_view.as_ref(),
                    stored_in: &stored_in,
                    api_key: None,
                },
                tail,
            })
        };
        if let Err(e) = written {
            self.out
                .warn(format!("could not write the JSON output: {e}"));
        }
    }

    /// The receipt of one rotation on stderr, when its secret was delivered.
    fn receipt(&self, old: &ApiKey, outcome: &Outcome) {
        let rotated = &outcome.rotated;
        let Some(new_key) = &rotated.new_key else {
            return;
        };
        if rotated.stored_in.is_empty() {
            return;
        }
        let revoked = match (rotated.old_key_revoked, self.keep_old) {
            (true, _) => "revoked",
            (false, true) => "kept (--keep-old)",
            (false, false) => "NOT revoked",
        };
        self.out.note(format!(
            "Rotated {}: new key {} (stored in {}); old key {} {revoked}.",
            new_key.name,
            new_key.id,
            labels(&rotated.stored_in).join(", "),
            old.id
        ));
    }

    /// Closes the JSON object or array.
    pub(super) fn finish_json(&self) -> std::io::Result<()> {
        let Some(json) = &self.json else {
            return Ok(());
        };
        let mut json = json.lock().unwrap_or_else(|e| e.into_inner());
        let stream = std::mem::replace(&mut *json, JsonStream::closed());
        stream.finish()
    }
}

fn labels(destinations: &[Destination]) -> Vec<String> {
    destinations.iter().map(Destination::label).collect()
}

/// The exit of a batch, from what happened to every key: 0 when each was rotated; the
/// signal's code when a signal left keys unrotated; else 9 when a minted secret waits
/// undelivered (it outranks the other failures), else 8. A signal that arrived once every key
/// was done changed nothing, and is only said.
pub(super) fn batch_exit(
    out: &Output,
    args: &KeysRotateArgs,
    targets: &[ApiKey],
    finished: &Finished<Outcome>,
) -> CommandResult<Exit> {
    let mut rotated = 0;
    let mut failed = 0;
    let mut not_started = Vec::new();
    for (old, item) in targets.iter().zip(&finished.items) {
        match item {
            Item::Done(Outcome { error: None, .. }) => rotated += 1,
            Item::Done(Outcome {
                error: Some(err), ..
            }) => {
                failed += 1;
                out.warn(format!(
                    "could not rotate key {} ({}): {}",
                    old.id,
                    old.name,
                    err.one_line()
                ));
                for hint in &err.hints {
                    out.hint(hint);
                }
            }
            Item::NotStarted | Item::Abandoned => not_started.push(old),
        }
    }
    match finished.interrupted {
        Some(signal) if !not_started.is_empty() => {
            return Err(interrupted(
                out,
                args,
                signal,
                targets.len(),
                rotated,
                failed,
                &not_started,
            ));
        }
        Some(signal) => out.note(format!(
            "{} arrived once every key was done; nothing was left unrotated.",
            signal.name()
        )),
        None => {}
    }
    if failed == 0 {
        return Ok(Exit::Ok);
    }
    let done = || finished.done().map(|(_, o)| o);
    // A minted secret that waits in a recovery file outranks the other failures: exit 9.
    let waiting: Vec<String> = done()
        .filter_map(|o| o.recovery_file.as_ref())
        .map(|p| p.display().to_string())
        .collect();
    let undelivered = done().any(|o| {
        o.error
            .as_ref()
            .is_some_and(|e| e.exit == Exit::NotDelivered)
    });
    if undelivered {
        let mut err = CommandError::new(
            Exit::NotDelivered,
            format!(
                "{failed} of {} keys could not be rotated; {} new secret(s) were minted and not delivered{}",
                targets.len(),
                waiting.len(),
                if waiting.is_empty() {
                    String::new()
                } else {
                    format!(" and wait in: {}", waiting.join(", "))
                }
            ),
        );
        if done().any(|o| o.resumable) {
            err = err.hint(
                "re-run `keys rotate --due`: for each key whose new key failed its check or its delivery it checks the \
                 new key, delivers the secret from its recovery file to the same destinations, revokes the old one \
                 and deletes the file (not for a key another run crossed: see above); the other failed keys are \
                 rotated afresh",
            );
        }
        return Err(err);
    }
    Err(CommandError::new(
        Exit::PartialFailure,
        format!("{failed} of {} keys could not be rotated", targets.len()),
    )
    .hint(format!(
        "the keys reported as rotated are done; {}",
        rerun_hint(args)
    )))
}

/// A signal stopped the batch before every key was started.
fn interrupted(
    out: &Output,
    args: &KeysRotateArgs,
    signal: Signal,
    total: usize,
    rotated: usize,
    failed: usize,
    not_started: &[&ApiKey],
) -> CommandError {
    for old in not_started {
        out.warn(format!("not rotated: key {} ({})", old.id, old.name));
    }
    CommandError::new(
        signal.exit(),
        format!(
            "{}: {rotated} of {total} keys rotated, {failed} failed, {} not started ({})",
            signal.verb(),
            not_started.len(),
            signal.name()
        ),
    )
    .hint(format!(
        "every old key that was not rotated still works; {}",
        rerun_hint(args)
    ))
}
