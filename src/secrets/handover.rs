//! The journey of a minted secret, steps 2 and 3 (step 1 is [`super::plan`]): mint the key,
//! then hand its one-time secret to every destination of the plan, stdout included, or, when
//! one fails, to a 0600 recovery file, or revoke the key (`--on-store-failure revoke`). Every
//! way it can end is a [`Failure`] variant with one exit code ([`Failure::exit`]), so the code
//! never depends on which error happened to be wrapped. `keys create`, `keys rotate` and
//! `keys rotate --due` all come through here.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};

use super::plan::{Plan, Target};
use super::{Minted, exec, file, keychain, recovery, reveal};
use crate::api::endpoints::REVOCATION_DELAY_NOTE;
use crate::api::models::ApiKey;
use crate::api::{ApiError, ApiErrorKind, Client, KeyFilter, Request};
use crate::cli::OnStoreFailure;
use crate::error::{CommandError, Exit, api_exit};
use crate::interrupt::Scope;
use crate::output::Output;

/// Keys created this long before the create call are not ours (clock skew allowance).
const ORPHAN_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_secs(120);

/// One command's hand-over: its plan and what a failure falls back to.
pub struct Handover<'a> {
    pub out: &'a Output,
    pub client: &'a Client,
    pub policy: OnStoreFailure,
    /// Where recovery files go.
    pub state_dir: &'a Path,
    pub plan: Plan,
    /// The command's signal scope: a signal stops `exec:` destinations.
    scope: &'a Scope,
    /// Keys this command minted, so a lost create never mistakes a sibling for its orphan.
    minted: Mutex<HashSet<String>>,
}

/// What a lost create is looked up by: the keys of `owner` named `name`, created since
/// `started` (less a skew allowance), that were not there before (`known`).
pub struct Lookup<'k> {
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

/// How a hand-over failed. Each variant has exactly one exit code.
#[derive(Debug)]
pub enum Failure {
    /// The server refused the create: nothing was minted.
    Refused(ApiError),
    /// The answer to the create never arrived (or was an error that may follow a commit).
    Lost { cause: ApiError, found: Found },
    /// A key was minted and its secret did not reach every destination.
    NotDelivered {
        key_id: String,
        /// (destination, why) for each that failed.
        failures: Vec<(String, String)>,
        /// The destinations that did take the secret.
        stored_in: Vec<String>,
        end: End,
    },
}

/// What the lookup after a lost create found.
#[derive(Debug)]
pub enum Found {
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
pub enum End {
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
    pub fn exit(&self) -> Exit {
        match self {
            Failure::Refused(cause)
            | Failure::Lost {
                cause,
                found: Found::Nothing,
            } => api_exit(cause),
            Failure::Lost { .. } | Failure::NotDelivered { .. } => Exit::NotDelivered,
        }
    }

    /// The 0600 recovery file the undelivered secret waits in, if it does.
    pub fn recovery_file(&self) -> Option<&Path> {
        match self {
            Failure::NotDelivered {
                end: End::Recovered(path),
                ..
            } => Some(path),
            _ => None,
        }
    }

    /// Whether a key was minted that is still active and whose secret is not where it was meant
    /// to go (its ID is then named in the message).
    pub fn key_left_active(&self) -> bool {
        matches!(
            self,
            Failure::Lost {
                found: Found::Orphans { .. } | Found::Unknown(_) | Found::Unlisted,
                ..
            } | Failure::NotDelivered {
                end: End::Recovered(_) | End::Stranded { .. },
                ..
            }
        )
    }

    /// The error to report, `step` saying what was being done (e.g. "step 4 (deliver the
    /// secret) failed; old key … is untouched"). Its exit code is [`Self::exit`]. A refused
    /// create stays an [`ApiError`] so the 401/403 explanations apply to it.
    pub fn into_error(self, step: &str) -> CommandError {
        let exit = self.exit();
        self.describe(step, exit)
    }

    fn describe(self, step: &str, exit: Exit) -> CommandError {
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
                failures,
                stored_in,
                end,
            } => {
                let why = failures
                    .iter()
                    .map(|(label, why)| format!("{label}: {why}"))
                    .collect::<Vec<_>>()
                    .join("; ");
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

impl<'a> Handover<'a> {
    pub fn new(
        out: &'a Output,
        client: &'a Client,
        policy: OnStoreFailure,
        state_dir: &'a Path,
        plan: Plan,
        scope: &'a Scope,
    ) -> Self {
        Handover {
            out,
            client,
            policy,
            state_dir,
            plan,
            scope,
            minted: Mutex::new(HashSet::new()),
        }
    }

    /// Step 2: the create call, for key `i` of the plan. A create whose answer was lost (or that
    /// failed in a way that may follow a commit) is never retried: the key it may have made is
    /// looked up instead, and reported, or revoked under `--on-store-failure revoke`.
    pub async fn mint(
        &self,
        i: usize,
        request: &Request,
        lookup: Lookup<'_>,
    ) -> Result<Minted, Failure> {
        let started = crate::time::now();
        match self.client.create_key(request).await {
            Ok(created) => {
                // Decoding the answer registered the secret with `redact`: from here no server
                // text can show it (a verification error quoting it, say).
                self.minted
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(created.key.id.clone());
                // Written ahead: a `kill -9` (OOM, a cancelled CI job) during whatever follows
                // (a rotation's checks, the delivery) leaves nothing of ours running to write a
                // recovery file, so it is there at once, and removed once every destination has
                // the secret. When it cannot be written, the hand-over goes on; a failure then
                // tries again, or revokes ([`Self::fall_back`]).
                let ahead = recovery::write(self.state_dir, &created.key.id, &created.api_key).ok();
                // Where it is to go is recorded with it: a re-run that finishes the hand-over
                // from that file without `--store` delivers it there, not where the old key's
                // secret went.
                if let Some(path) = &ahead {
                    self.remember(&created.key, self.plan.targets(i), Some(path.clone()));
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
            None => match self.client.me().await {
                Ok(me) => me.id,
                Err(e) => return Found::Unknown(e),
            },
        };
        // Only keys made since the create began (less the skew) can be its orphan.
        let filter = KeyFilter {
            user_id: Some(owner.clone()),
            created_since: Some(started - ORPHAN_SKEW),
        };
        let after = match self.client.list_keys(&filter, None).await {
            Ok(keys) => keys,
            Err(e) => return Found::Unknown(e),
        };
        let minted = self
            .minted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let orphans: Vec<String> = after
            .iter()
            .filter(|k| {
                k.name == lookup.name
                    && k.user_id.as_deref() == Some(owner.as_str())
                    && k.created_at >= started - ORPHAN_SKEW
                    && !lookup.known.iter().any(|seen| seen.id == k.id)
                    && !minted.contains(&k.id)
            })
            .map(|k| k.id.clone())
            .collect();
        match orphans.as_slice() {
            [] => Found::Nothing,
            [one] if self.policy == OnStoreFailure::Revoke && lookup.known_complete => {
                match self.client.delete_key(one).await {
                    Ok(()) => Found::Revoked(one.clone()),
                    Err(_) => Found::Orphans {
                        ids: orphans,
                        certain: true,
                    },
                }
            }
            _ => {
                self.out.warn(format!(
                    "orphaned key(s) {}: created, but the secret never arrived and cannot be recovered",
                    orphans.join(", ")
                ));
                Found::Orphans {
                    certain: lookup.known_complete && orphans.len() == 1,
                    ids: orphans,
                }
            }
        }
    }

    /// Step 3: the secret of key `i` of the plan to each of its destinations, each verified;
    /// stdout last, through `to_stdout` (which writes and flushes it in the command's format,
    /// given where else it went). Returns where the secret went. On any failure the secret goes
    /// to a recovery file instead (not to stdout), or the key is revoked, per the policy.
    pub async fn deliver(
        &self,
        i: usize,
        minted: &Minted,
        to_stdout: impl FnOnce(&SecretString, &[String]) -> io::Result<()>,
    ) -> Result<Vec<String>, Failure> {
        let targets: Vec<Target> = self.plan.targets(i).to_vec();
        let mut failures = Vec::new();
        let mut stored_in = Vec::new();
        // A secret of an unexpected shape (a newline, an escape) would split the CI mask line and
        // the file and stdout formats: it goes nowhere but the recovery file.
        if let Err(why) = check_shape(&minted.secret) {
            failures.push((
                "every destination".to_string(),
                format!("the server sent a secret of an unexpected shape ({why}); it was not written to any of them"),
            ));
        }
        // The CI mask is registered before the secret can reach any log: an `exec:` command's
        // output or stdout. Without it the secret must not go there.
        else if let Err(e) = reveal::mask_in_ci(&minted.secret) {
            failures.push(("the CI log mask".to_string(), e.to_string()));
        } else {
            (stored_in, failures) = self.deliver_elsewhere(&targets, &minted.secret).await;
            if failures.is_empty() && targets.contains(&Target::Stdout) {
                let mut with_stdout = vec!["stdout".to_string()];
                with_stdout.extend(stored_in.iter().cloned());
                match to_stdout(&minted.secret, &with_stdout) {
                    Ok(()) => stored_in = with_stdout,
                    Err(e) => failures.push(("stdout".into(), e.to_string())),
                }
            }
        }
        if failures.is_empty() {
            self.remember(&minted.key, &targets, None);
            if let Some(path) = &minted.ahead {
                remove_written_ahead(self.out, path);
            }
            return Ok(stored_in);
        }
        for (label, why) in &failures {
            self.out
                .warn(format!("could not deliver the secret to {label}: {why}"));
        }
        let end = self
            .fall_back(&minted.key.id, &minted.secret, minted.ahead.clone())
            .await;
        if let End::Recovered(path) = &end {
            self.remember(&minted.key, &targets, Some(path.clone()));
        }
        Err(Failure::NotDelivered {
            key_id: minted.key.id.clone(),
            failures,
            stored_in,
            end,
        })
    }

    /// Writes the delivery record of a key (where its secret went, or was meant to go while it
    /// waits in a recovery file). A record that cannot be written costs only the memory of
    /// where the secret went: warned about, never a failure of the hand-over.
    fn remember(&self, key: &ApiKey, targets: &[Target], recovery_file: Option<PathBuf>) {
        let record = super::record::new(&self.plan.profile, key, targets, recovery_file);
        if let Err(e) = super::record::write(self.state_dir, &record) {
            self.out.warn(format!(
                "could not record where the secret of key {} went (in {}): {e}; a rotation without --store will not know",
                key.id,
                self.state_dir.display()
            ));
        }
    }

    /// A minted secret, key `i` of the plan, that must go to none of its destinations (`why`
    /// says why, e.g. another run's key would be overwritten there): kept in a recovery file,
    /// or the key revoked, per the policy, as when a destination fails. Its record names the
    /// destinations it was meant for, so a re-run without `--store` finishes there.
    pub async fn keep_back(&self, i: usize, minted: &Minted, why: String) -> Failure {
        self.out.warn(format!(
            "did not deliver the secret of key {}: {why}",
            minted.key.id
        ));
        let end = self
            .fall_back(&minted.key.id, &minted.secret, minted.ahead.clone())
            .await;
        if let End::Recovered(path) = &end {
            self.remember(&minted.key, self.plan.targets(i), Some(path.clone()));
        }
        Failure::NotDelivered {
            key_id: minted.key.id.clone(),
            failures: vec![("every destination".to_string(), why)],
            stored_in: Vec::new(),
            end,
        }
    }

    /// A minted key nothing can want (the key it was to replace is gone): revoked, and its
    /// recovery file removed. When the revocation fails, its secret is kept as by
    /// [`Self::keep_back`] (the error).
    pub async fn withdraw(&self, i: usize, minted: &Minted, why: String) -> Result<(), Failure> {
        match self.client.delete_key(&minted.key.id).await {
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

    /// Removes the record of a key revoked before its secret was delivered: it would name a
    /// recovery file that is gone, for a key that is gone.
    fn forget(&self, key_id: &str) {
        if let Err(e) = super::record::remove(self.state_dir, key_id) {
            self.out.warn(format!(
                "could not remove the delivery record of revoked key {key_id} (in {}): {e}",
                self.state_dir.display()
            ));
        }
    }

    /// Whether this command minted key `id`.
    pub fn minted_here(&self, id: &str) -> bool {
        self.minted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(id)
    }

    /// Every destination but stdout, on a blocking thread (a slow keychain or `exec:` command
    /// must not stall the requests and the signal watcher beside it). A signal stops the `exec:`
    /// commands and whatever they started: the secret then goes to the recovery file rather
    /// than to a command left running. Returns (where it went, (where it failed, why)).
    async fn deliver_elsewhere(
        &self,
        targets: &[Target],
        secret: &SecretString,
    ) -> (Vec<String>, Vec<(String, String)>) {
        let (keychain, timeout) = (self.plan.keychain, self.plan.exec_timeout);
        let others: Vec<Target> = targets
            .iter()
            .filter(|t| **t != Target::Stdout)
            .cloned()
            .collect();
        let labels: Vec<String> = others.iter().map(Target::label).collect();
        let seen = self.scope.received();
        let stop = Arc::new(AtomicBool::new(seen.first.is_some()));
        let stopper = stop.clone();
        let secret = secret.clone();
        let mut blocking = tokio::task::spawn_blocking(move || {
            others
                .iter()
                .map(|t| deliver_to(t, &secret, keychain, timeout, &stopper))
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
            labels
                .iter()
                .map(|_| Err("the delivery thread failed".to_string()))
                .collect()
        });
        let (mut stored_in, mut failures) = (Vec::new(), Vec::new());
        for (label, outcome) in labels.into_iter().zip(outcomes) {
            match outcome {
                Ok(()) => stored_in.push(label),
                Err(why) => failures.push((label, why)),
            }
        }
        (stored_in, failures)
    }

    /// An undelivered secret: revoked under `--on-store-failure revoke`, else (or when the
    /// revocation fails) kept in a recovery file; revoked when no recovery file can be written.
    /// `ahead`: the recovery file written when the key was minted, if it was.
    async fn fall_back(&self, key_id: &str, secret: &SecretString, ahead: Option<PathBuf>) -> End {
        if self.policy == OnStoreFailure::Revoke {
            match self.client.delete_key(key_id).await {
                Ok(()) => {
                    if let Some(path) = &ahead {
                        remove_written_ahead(self.out, path);
                    }
                    self.forget(key_id);
                    return End::Revoked;
                }
                Err(e) => self.out.warn(format!(
                    "could not revoke key {key_id} ({e}); keeping its secret in a recovery file instead"
                )),
            }
        }
        if let Some(path) = ahead {
            return End::Recovered(path);
        }
        let write_error = match recovery::write(self.state_dir, key_id, secret) {
            Ok(path) => return End::Recovered(path),
            Err(e) => format!("in {}: {e}", self.state_dir.display()),
        };
        // Nowhere safe to keep the secret: revoking is the only way not to lose or leak it.
        match self.client.delete_key(key_id).await {
            Ok(()) => {
                self.forget(key_id);
                End::RevokedForLackOfRecovery { write_error }
            }
            Err(e) => End::Stranded {
                write_error,
                revoke_error: e.to_string(),
            },
        }
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

/// The longest secret we accept from the server (Flexprice's are 29 characters).
const MAX_SECRET_LEN: usize = 512;

/// A secret fit to be written anywhere: 1 to 512 printable ASCII characters, no spaces. The
/// reason names the flaw, never the secret.
pub fn check_shape(secret: &SecretString) -> Result<(), &'static str> {
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

/// One destination other than stdout, written and read back (or run, for `exec:`).
fn deliver_to(
    target: &Target,
    secret: &SecretString,
    keychain: keychain::Keychain,
    timeout: std::time::Duration,
    stop: &AtomicBool,
) -> Result<(), String> {
    if keychain::test_fails_delivery(target.kind()) {
        return Err("failed on purpose (test hook)".to_string());
    }
    match target {
        Target::Stdout => Ok(()),
        Target::Keychain { account } => {
            keychain
                .set(keychain::KEYS_SERVICE, account, secret)
                .map_err(|e| e.to_string())?;
            let back = keychain
                .get(keychain::KEYS_SERVICE, account)
                .map_err(|e| format!("stored, but reading it back failed: {e}"))?;
            if back.expose_secret() != secret.expose_secret() {
                return Err("stored, but the entry read back differs".into());
            }
            Ok(())
        }
        Target::File { path } => file::deliver(path, secret),
        Target::Exec {
            words,
            key_name,
            key_owner,
        } => exec::deliver(words, key_name, key_owner.as_deref(), secret, timeout, stop),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_secrets_have_a_fit_shape() {
        let ok = |s: &str| check_shape(&SecretString::from(s)).is_ok();
        assert!(ok("sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q"));
        for bad in [
            "",
            "sk_a\nb",
            "sk_\x1b[31m",
            "sk a",
            "sk_é",
            &"x".repeat(513),
        ] {
            assert!(!ok(bad), "{bad:?}");
        }
    }
}
