//! The hand-over of a one-time secret, from the create call to the last destination: the one
//! module that decides what becomes of a minted secret.
//!
//! 1. [`plan`]: before anything is minted, every destination of every key filled in once and
//!    checked (placeholders, unsafe names, two keys on one place, reachability, keychain entries
//!    of live keys). A destination is a [`Destination`] from then on, recorded and reused as it
//!    is.
//! 2. [`Handover::mint`]: the create call; the secret is at once in a 0600 recovery file and the
//!    [`journal`] says where it is meant to go, so a `kill -9` at any later step loses nothing.
//!    A lost answer is looked up, never retried.
//! 3. [`Handover::deliver`]: every destination written and verified through [`Sinks`], stdout
//!    last with the [`Payload`] the command rendered.
//! 4. When a secret does not reach every destination, [`Handover::settle`] decides its fate:
//!    revoked (`--on-store-failure revoke`), kept in the recovery file, revoked for lack of one,
//!    or stranded. The outcome is a typed [`Failure`] with one exit code.
//!
//! The operations (`crate::ops`) drive these steps; commands render what they report.

pub(crate) mod api;
pub(crate) mod destination;
pub(crate) mod exec;
pub(crate) mod failure;
pub(crate) mod file;
pub(crate) mod journal;
pub(crate) mod plan;
pub(crate) mod sinks;

#[cfg(test)]
pub(crate) mod fakes;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use clap::ValueEnum;
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};

pub(crate) use self::api::KeyApi;
pub(crate) use self::destination::{Destination, KeyIdent, Store};
pub(crate) use self::failure::{End, Failure, Found, Missed};
pub(crate) use self::journal::Journal;
pub(crate) use self::plan::Plan;
pub(crate) use self::sinks::{OsSinks, Payload, Said, Sinks};
use crate::api::models::ApiKey;
use crate::api::{ApiError, ApiErrorKind, KeyFilter, Request};
use crate::interrupt::Scope;
use crate::output::Output;
use crate::secrets::reveal;

/// Keys created this long before the create call are not ours (clock skew allowance).
const ORPHAN_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_secs(120);

/// The longest secret we accept from the server (Flexprice's are 29 characters).
const MAX_SECRET_LEN: usize = 512;

/// What becomes of a minted secret that a destination did not take (`--on-store-failure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnStoreFailure {
    /// Keep the key; the secret goes to a recovery file under the state directory
    Keep,
    /// Revoke the new key; no secret is kept anywhere
    Revoke,
}

/// A secret with its key, as the create call returned them (or a recovery file kept them).
pub(crate) struct Minted {
    pub key: ApiKey,
    pub secret: SecretString,
    /// The 0600 recovery file holding the secret from the moment it arrived until every
    /// destination has it (`None` when it could not be written).
    pub ahead: Option<PathBuf>,
}

/// What a lost create is looked up by: the keys of `owner` named `name`, created since the
/// call began (less a skew allowance), that were not there before (`known`).
pub(crate) struct Lookup<'k> {
    pub name: &'k str,
    /// The owner's ID; the caller's own when `None` (looked up only if needed).
    pub owner: Option<&'k str>,
    pub known: &'k [ApiKey],
    /// `known` lists every key the owner had just before the create: a key found afterwards is
    /// surely the create's. Otherwise a key of the same name made in the last minutes may be
    /// someone else's: it is reported as a possible orphan and never revoked.
    pub known_complete: bool,
    /// The key would show in a listing (publishable keys never do: a lost one cannot be found).
    pub listed: bool,
}

/// One command's hand-over of its keys' secrets.
pub(crate) struct Handover<'a, A: KeyApi, S: Sinks> {
    pub api: &'a A,
    pub sinks: S,
    pub journal: &'a Journal,
    pub out: &'a Output,
    pub policy: OnStoreFailure,
    /// The keys of the plan, in its order.
    pub keys: Vec<KeyIdent>,
    pub plan: Plan,
    /// The command's signal scope: a signal stops `exec:` destinations.
    scope: &'a Scope,
    /// Keys this command minted, so a lost create never mistakes a sibling for its orphan.
    minted: Mutex<HashSet<String>>,
}

impl<'a, A: KeyApi, S: Sinks> Handover<'a, A, S> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        api: &'a A,
        sinks: S,
        journal: &'a Journal,
        out: &'a Output,
        policy: OnStoreFailure,
        keys: Vec<KeyIdent>,
        plan: Plan,
        scope: &'a Scope,
    ) -> Self {
        Handover {
            api,
            sinks,
            journal,
            out,
            policy,
            keys,
            plan,
            scope,
            minted: Mutex::new(HashSet::new()),
        }
    }

    /// Step 2: the create call, for key `i` of the plan. A create whose answer was lost (or that
    /// failed in a way that may follow a commit) is never retried: the key it may have made is
    /// looked up instead, and reported, or revoked under `--on-store-failure revoke`.
    pub(crate) async fn mint(
        &self,
        i: usize,
        request: &Request,
        lookup: Lookup<'_>,
    ) -> Result<Minted, Failure> {
        let started = crate::time::now();
        match self.api.create_key(request).await {
            Ok(created) => {
                // Decoding the answer registered the secret with `redact`: from here no server
                // text can show it.
                self.minted
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(created.key.id.clone());
                // Written ahead: a `kill -9` (OOM, a cancelled CI job) during whatever follows
                // leaves nothing of ours running to write a recovery file, so it is there at
                // once, removed once every destination has the secret, and the journal says
                // where the secret was meant to go, so a re-run finishes there.
                let ahead = self
                    .journal
                    .keep_secret(&created.key.id, &created.api_key)
                    .ok();
                if let Some(path) = &ahead {
                    self.record(&created.key, self.plan.destinations(i), Some(path));
                }
                Ok(Minted {
                    key: created.key,
                    secret: created.api_key,
                    ahead,
                })
            }
            Err(cause) if outcome_unknown(&cause) => Err(Failure::Lost {
                found: self.find_orphans(&lookup, started).await,
                cause,
            }),
            Err(cause) => Err(Failure::Refused(cause)),
        }
    }

    /// The keys a lost create may have made: same name and owner, created around `started`,
    /// neither known before nor minted by this command. One is revoked under
    /// `--on-store-failure revoke`; several are only reported (which one is ours is unknown).
    async fn find_orphans(&self, lookup: &Lookup<'_>, started: Timestamp) -> Found {
        if !lookup.listed {
            return Found::Unlisted;
        }
        let owner = match lookup.owner {
            Some(owner) => owner.to_string(),
            None => match self.api.me().await {
                Ok(me) => me.id,
                Err(e) => return Found::Unknown(e),
            },
        };
        // Only keys made since the create began (less the skew) can be its orphan.
        let filter = KeyFilter {
            user_id: Some(owner.clone()),
            created_since: Some(started - ORPHAN_SKEW),
        };
        let after = match self.api.list_keys(&filter).await {
            Ok(keys) => keys,
            Err(e) => return Found::Unknown(e),
        };
        let orphans: Vec<String> = after
            .iter()
            .filter(|k| {
                k.name == lookup.name
                    && k.user_id.as_deref() == Some(owner.as_str())
                    && k.created_at >= started - ORPHAN_SKEW
                    && !lookup.known.iter().any(|seen| seen.id == k.id)
                    && !self.minted_here(&k.id)
            })
            .map(|k| k.id.clone())
            .collect();
        match orphans.as_slice() {
            [] => Found::Nothing,
            [one] if self.policy == OnStoreFailure::Revoke && lookup.known_complete => {
                match self.api.delete_key(one).await {
                    Ok(()) => Found::Revoked(one.clone()),
                    Err(_) => Found::Orphans {
                        ids: orphans,
                        certain: true,
                    },
                }
            }
            _ => Found::Orphans {
                certain: lookup.known_complete && orphans.len() == 1,
                ids: orphans,
            },
        }
    }

    /// Step 3: the secret of key `i` of the plan to each of its destinations, each verified;
    /// stdout last, with `payload` (required when the plan prints the secret). Returns where
    /// the secret went. On any failure its fate is [`Self::settle`]d.
    pub(crate) async fn deliver(
        &self,
        i: usize,
        minted: &Minted,
        payload: Option<Payload>,
    ) -> Result<Vec<Destination>, Failure> {
        let destinations = self.plan.destinations(i).to_vec();
        let mut missed = Vec::new();
        let mut stored_in = Vec::new();
        // A secret of an unexpected shape (a newline, an escape) would split the CI mask line and
        // the file and stdout formats: it goes nowhere but the recovery file.
        if let Err(why) = check_shape(&minted.secret) {
            missed.push(Missed::every(format!(
                "the server sent a secret of an unexpected shape ({why}); it was not written to any of them"
            )));
        }
        // The CI mask is registered before the secret can reach any log: an `exec:` command's
        // output or stdout. Without it the secret must not go there.
        else if let Err(e) = reveal::mask_in_ci(self.out, &minted.secret) {
            missed.push(Missed {
                place: "the CI log mask".into(),
                why: e.to_string(),
                output: String::new(),
            });
        } else {
            (stored_in, missed) = self
                .deliver_elsewhere(&destinations, &self.keys[i], &minted.secret)
                .await;
            if missed.is_empty() && destinations.contains(&Destination::Stdout) {
                let printed = match &payload {
                    Some(payload) => payload.write(self.out, &self.sinks),
                    None => Err(std::io::Error::other(
                        "nothing was rendered for stdout (a bug: please report it)",
                    )),
                };
                match printed {
                    Ok(()) => stored_in.insert(0, Destination::Stdout),
                    Err(e) => missed.push(Missed {
                        place: "stdout".into(),
                        why: e.to_string(),
                        output: String::new(),
                    }),
                }
            }
        }
        if missed.is_empty() {
            self.record(&minted.key, &destinations, None);
            if let Some(path) = &minted.ahead {
                remove_written_ahead(self.out, path);
            }
            return Ok(stored_in);
        }
        Err(self.settle(i, minted, missed, stored_in).await)
    }

    /// What stdout shows of key `i`'s secret, when the plan prints it: `render` is given the
    /// other places the secret goes. A payload that cannot be rendered keeps the secret back.
    pub(crate) async fn stdout_payload(
        &self,
        i: usize,
        minted: &Minted,
        render: impl FnOnce(&[Destination]) -> std::io::Result<Payload>,
    ) -> Result<Option<Payload>, Failure> {
        if !self.plan.prints(i) {
            return Ok(None);
        }
        let elsewhere: Vec<Destination> = self
            .plan
            .destinations(i)
            .iter()
            .filter(|d| **d != Destination::Stdout)
            .cloned()
            .collect();
        match render(&elsewhere) {
            Ok(payload) => Ok(Some(payload)),
            Err(e) => {
                let why = format!("its stdout form could not be rendered ({e})");
                Err(self.keep_back(i, minted, why).await)
            }
        }
    }

    /// A minted secret, key `i` of the plan, that must go to none of its destinations (`why`
    /// says why, e.g. another run's key would be overwritten there): settled as when a
    /// destination fails, its entry naming the destinations it was meant for.
    pub(crate) async fn keep_back(&self, i: usize, minted: &Minted, why: String) -> Failure {
        self.settle(i, minted, vec![Missed::every(why)], Vec::new())
            .await
    }

    /// A minted key nothing can want (the key it was to replace is gone): revoked, its recovery
    /// file and entry removed. When the revocation fails, its secret is kept back (the error).
    pub(crate) async fn withdraw(
        &self,
        i: usize,
        minted: &Minted,
        why: String,
    ) -> Result<(), Failure> {
        match self.api.delete_key(&minted.key.id).await {
            Ok(()) => {
                if let Some(path) = &minted.ahead {
                    remove_written_ahead(self.out, path);
                }
                self.forget(&minted.key.id);
                Ok(())
            }
            Err(e) => Err(self
                .keep_back(
                    i,
                    minted,
                    format!("{why}; revoking the new key failed ({e})"),
                )
                .await),
        }
    }

    /// The one place the fate of a secret that did not reach every destination is decided:
    /// revoked under `--on-store-failure revoke`; else (or when the revocation fails) kept in
    /// its recovery file, written now if it could not be written ahead; revoked when no
    /// recovery file can be written; stranded (still active, the secret nowhere) when that
    /// revocation fails too.
    pub(crate) async fn settle(
        &self,
        i: usize,
        minted: &Minted,
        missed: Vec<Missed>,
        stored_in: Vec<Destination>,
    ) -> Failure {
        let key_id = &minted.key.id;
        let end = 'end: {
            if self.policy == OnStoreFailure::Revoke {
                match self.api.delete_key(key_id).await {
                    Ok(()) => {
                        if let Some(path) = &minted.ahead {
                            remove_written_ahead(self.out, path);
                        }
                        self.forget(key_id);
                        break 'end End::Revoked;
                    }
                    Err(e) => self.out.warn(format!(
                        "could not revoke key {key_id} ({e}); keeping its secret in a recovery file instead"
                    )),
                }
            }
            let kept = match &minted.ahead {
                Some(path) => Ok(path.clone()),
                None => self.journal.keep_secret(key_id, &minted.secret),
            };
            let write_error = match kept {
                Ok(path) => {
                    self.record(&minted.key, self.plan.destinations(i), Some(&path));
                    break 'end End::Recovered(path);
                }
                Err(e) => e,
            };
            // Nowhere safe to keep the secret: revoking is the only way not to lose or leak it.
            match self.api.delete_key(key_id).await {
                Ok(()) => {
                    self.forget(key_id);
                    End::RevokedForLackOfRecovery { write_error }
                }
                Err(e) => End::Stranded {
                    write_error,
                    revoke_error: e.to_string(),
                },
            }
        };
        Failure::NotDelivered {
            key_id: key_id.clone(),
            missed,
            stored_in,
            end,
        }
    }

    /// Records where a key's secret went (or waits). A record that cannot be written costs only
    /// the memory of where the secret went: warned about, never a failure of the hand-over.
    fn record(&self, key: &ApiKey, destinations: &[Destination], waiting_in: Option<&Path>) {
        if let Err(e) = self.journal.record(key, destinations, waiting_in) {
            self.out.warn(format!(
                "could not record where the secret of key {} went ({e}); a rotation without --store will not know",
                key.id
            ));
        }
    }

    /// Removes the entry of a key revoked before its secret was delivered: it would name a
    /// recovery file that is gone, for a key that is gone.
    fn forget(&self, key_id: &str) {
        if let Err(e) = self.journal.forget(key_id) {
            self.out.warn(format!(
                "could not remove the journal entry of revoked key {key_id} ({e})"
            ));
        }
    }

    /// Whether this command minted key `id`.
    pub(crate) fn minted_here(&self, id: &str) -> bool {
        self.minted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(id)
    }

    /// Every destination but stdout, on a blocking thread (a slow keychain or `exec:` command
    /// must not stall the requests and the signal watcher beside it). A signal stops the `exec:`
    /// commands and whatever they started: the secret then goes to the recovery file rather
    /// than to a command left running. Returns (where it went, where it did not).
    async fn deliver_elsewhere(
        &self,
        destinations: &[Destination],
        key: &KeyIdent,
        secret: &SecretString,
    ) -> (Vec<Destination>, Vec<Missed>) {
        let others: Vec<Destination> = destinations
            .iter()
            .filter(|d| **d != Destination::Stdout)
            .cloned()
            .collect();
        let seen = self.scope.received();
        let stop = Arc::new(AtomicBool::new(seen.first.is_some()));
        let (stopper, sinks, key, secret, each) = (
            stop.clone(),
            self.sinks.clone(),
            key.clone(),
            secret.clone(),
            others.clone(),
        );
        let mut blocking = tokio::task::spawn_blocking(move || {
            each.iter()
                .map(|d| sinks.deliver(d, &key, &secret, &stopper))
                .collect::<Vec<_>>()
        });
        let joined = tokio::select! {
            joined = &mut blocking => joined,
            _ = self.scope.after(seen.count) => {
                stop.store(true, Ordering::SeqCst);
                blocking.await
            }
        };
        let outcomes = joined.unwrap_or_else(|_| {
            others
                .iter()
                .map(|_| Err("the delivery thread failed".to_string().into()))
                .collect()
        });
        let (mut stored_in, mut missed) = (Vec::new(), Vec::new());
        for (destination, outcome) in others.into_iter().zip(outcomes) {
            match outcome {
                Ok(()) => stored_in.push(destination),
                Err(e) => missed.push(Missed {
                    place: destination.label(),
                    why: e.why,
                    output: e.output,
                }),
            }
        }
        (stored_in, missed)
    }
}

/// Removes the recovery file written ahead of a delivery that no longer needs it. Left behind,
/// it would be a second copy of the secret: said, so the user can delete it.
fn remove_written_ahead(out: &Output, path: &Path) {
    if let Err(e) = std::fs::remove_file(path) {
        out.warn(format!(
            "could not remove {} ({e}): it holds a copy of the delivered secret; delete it",
            path.display()
        ));
    }
}

/// A secret fit to be written anywhere: 1 to 512 printable ASCII characters, no spaces. The
/// reason names the flaw, never the secret.
pub(crate) fn check_shape(secret: &SecretString) -> Result<(), &'static str> {
    let secret = secret.expose_secret();
    if secret.is_empty() {
        Err("it is empty")
    } else if secret.len() > MAX_SECRET_LEN {
        Err("it is longer than 512 characters")
    } else if !secret.bytes().all(|b| b.is_ascii_graphic()) {
        Err("it contains spaces, control characters or non-ASCII characters")
    } else {
        Ok(())
    }
}

/// Whether a failed create may have been committed anyway: the answer was lost, cut, too large
/// to read after a success status, or a server error that could have come after the write.
/// Anything that fails after a 2xx status is outcome-unknown.
fn outcome_unknown(err: &ApiError) -> bool {
    let committed_maybe = |status: u16| (200..300).contains(&status) || status >= 500;
    match err.kind.as_ref() {
        ApiErrorKind::Unreachable { .. } | ApiErrorKind::Timeout { .. } => true,
        ApiErrorKind::Decode { status, .. } | ApiErrorKind::TooLarge { status, .. } => {
            committed_maybe(*status)
        }
        ApiErrorKind::Status { status, .. } => *status >= 500,
        _ => false,
    }
}
