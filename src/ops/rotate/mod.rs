//! Rotating one key without ever leaving its service without a working key or losing a
//! secret. The steps, each named when it fails ([`Failed`]):
//!
//! 1. (the caller) plan every destination of every new secret before anything is minted;
//! 2. take the per-key lock, so overlapping cron runs cannot interleave;
//! 3. create the new key with the same name and owner; its secret is in a 0600 recovery file
//!    from here until it is delivered. A rotation that stopped after this step (its new key's
//!    secret waits in a recovery file the journal names) is finished instead of started again;
//! 4. check, side by side, that the new key authenticates and that no other run rotated or
//!    revoked the old key meanwhile (one listing of the owner's keys: `check`);
//! 5. deliver the new secret, stdout included, and verify each destination;
//! 6. revoke the old key (unless it is kept: `--keep-old`, or a grace period).
//!
//! Each step waits for one request at most, so a rotation costs three round trips: the create,
//! the check, the revocation. A failure before step 6 leaves the old key untouched, and a
//! destination only ever receives a key that works.

pub(crate) mod check;
pub(crate) mod failure;

#[cfg(test)]
mod tests;

use std::io;

use crate::api::Request;
use crate::api::models::ApiKey;
use crate::handover::journal::Waiting;
use crate::handover::{Destination, Handover, Journal, KeyApi, Lookup, Minted, Payload, Sinks};
use crate::lock::Lock;
use crate::output::Output;
pub(crate) use failure::Failed;

/// Renders what stdout shows of a new secret (the old key, the new one and its secret, the
/// other places it went): a value the hand-over writes once every other destination has it.
pub(crate) type Render<'r> = dyn Fn(&ApiKey, &Minted, &[Destination]) -> io::Result<Payload> + 'r;

/// The rotations of one command: the hand-over of their secrets and what they share.
pub(crate) struct Rotation<'r, A: KeyApi, S: Sinks> {
    pub handover: Handover<'r, A, S>,
    pub out: &'r Output,
    /// The profile, for the per-key lock.
    pub profile: &'r str,
    /// The keys listed before the plan: what a key made since is compared with.
    pub known: &'r [ApiKey],
    /// No prompt stood between that listing and the creates, so it is every key the owners had
    /// just before (see [`Lookup::known_complete`]).
    pub known_is_fresh: bool,
    /// Step 6 is skipped: the old key stays active.
    pub keep_old: bool,
    pub render: &'r Render<'r>,
}

/// What one rotation came to: the new key, where its secret went, and the old key's fate.
#[derive(Debug, Default)]
pub(crate) struct Rotated {
    pub new_key: Option<ApiKey>,
    pub stored_in: Vec<Destination>,
    /// The payload went to stdout (so an object streamed there is open).
    pub printed: bool,
    pub old_key_revoked: bool,
    pub failed: Option<Failed>,
}

impl<A: KeyApi, S: Sinks> Rotation<'_, A, S> {
    /// Steps 2 to 6 for key `i` of the plan, `old`, minting it with `request`.
    pub(crate) async fn rotate(&self, i: usize, old: &ApiKey, request: &Request) -> Rotated {
        let mut rotated = Rotated::default();
        if let Err(failed) = self.steps(i, old, request, &mut rotated).await {
            rotated.failed = Some(failed);
        }
        rotated
    }

    async fn steps(
        &self,
        i: usize,
        old: &ApiKey,
        request: &Request,
        rotated: &mut Rotated,
    ) -> Result<(), Failed> {
        let handover = &self.handover;
        if let Some(refused) = handover.plan.refusal(i) {
            return Err(Failed::Refused(refused.clone()));
        }
        // Step 2.
        let _lock =
            Lock::key(handover.journal.state_dir(), self.profile, &old.id).map_err(Failed::Lock)?;
        // A run sharing our lock may have rotated this key between our listing and the lock:
        // its journal says so, without a request. Any other run is caught at step 4.
        if let Some(successor) = handover.journal.successor(old) {
            return Err(Failed::Rotated(successor));
        }

        // Step 3, or the rotation a failed delivery stopped: its new key's secret is read from
        // the recovery file instead of minting another key.
        if let Some((newer, waiting)) = waiting_successor(handover.journal, self.known, old) {
            // Another successor: a run that crossed the one that stopped (or one whose
            // revocation failed), whose key may be in the destinations by now.
            let others: Vec<String> = successors(self.known, old)
                .filter(|k| k.id != newer.id)
                .map(|k| k.id.clone())
                .collect();
            if !others.is_empty() {
                return Err(Failed::Contested {
                    pending: newer.id,
                    file: waiting.file,
                    others,
                });
            }
            return self.resume(i, old, newer, waiting, rotated).await;
        }
        let lookup = Lookup {
            name: &old.name,
            owner: old.user_id.as_deref(),
            known: self.known,
            known_complete: self.known_is_fresh,
            listed: true,
        };
        let minted = handover
            .mint(i, request, lookup)
            .await
            .map_err(Failed::Handover)?;
        rotated.new_key = Some(minted.key.clone());

        self.check_then_finish(i, old, minted, rotated).await
    }

    /// Step 4, then 5 and 6: one request each, side by side, for a minted key or one resumed
    /// from its recovery file alike (a run elsewhere may have crossed either).
    async fn check_then_finish(
        &self,
        i: usize,
        old: &ApiKey,
        minted: Minted,
        rotated: &mut Rotated,
    ) -> Result<(), Failed> {
        let handover = &self.handover;
        let (verified, crossed) = tokio::join!(
            check::authenticates(handover.api, &minted.secret, &minted.key),
            check::crossed(handover, self.out, self.known, old, &minted.key)
        );
        match crossed {
            // Another run our lock does not reach (another profile or state directory, another
            // host) rotated this key at the same time: its new key may already be in these
            // destinations, and ours would overwrite it, leaving that key active with its secret
            // nowhere. Ours goes to the recovery file instead, and the old key stays.
            check::Crossed::Sibling(sibling) => {
                let why = format!(
                    "another run rotated key {} at the same time and made key {sibling}, which may already be in \
                     these destinations; this secret would overwrite it",
                    old.id
                );
                let failure = handover.keep_back(i, &minted, why).await;
                return Err(Failed::Crossed { failure, sibling });
            }
            // Revoked meanwhile (an operator's `keys delete`, or a run that replaced it, which
            // a run that checked before minting would have lost to): nothing can want its
            // successor.
            check::Crossed::Gone { replaced_by } => {
                let why = format!(
                    "key {} was revoked while this run rotated it, so nothing needs its successor",
                    old.id
                );
                return match handover.withdraw(i, &minted, why).await {
                    Ok(()) => Err(Failed::Gone {
                        withdrawn: minted.key.id.clone(),
                        replaced_by,
                    }),
                    Err(kept) => Err(Failed::Stranded(kept)),
                };
            }
            check::Crossed::Clear => {}
        }
        if let Err(why) = verified {
            return Err(Failed::Unchecked(handover.keep_back(i, &minted, why).await));
        }
        self.finish(i, old, minted, rotated).await
    }

    /// Rotation `i` resumed from the recovery file of its new key `newer`: steps 4 to 6, the
    /// file standing for the one step 3 writes (removed once the secret is delivered).
    async fn resume(
        &self,
        i: usize,
        old: &ApiKey,
        newer: ApiKey,
        waiting: Waiting,
        rotated: &mut Rotated,
    ) -> Result<(), Failed> {
        let secret = crate::handover::journal::read_secret(&waiting.file).map_err(|e| {
            Failed::Refused(crate::error::CommandError::failure(format!(
                "key {} has a successor, {}, whose secret should be in {}, but it cannot be read ({e}); old key \
                 {} is untouched",
                old.id,
                newer.id,
                waiting.file.display(),
                old.id
            )))
        })?;
        crate::redact::register(&secret);
        self.out.note(format!(
            "Finishing the rotation of key {} ({}): delivering the secret of its new key {} from {}.",
            old.id,
            old.name,
            newer.id,
            waiting.file.display()
        ));
        rotated.new_key = Some(newer.clone());
        let minted = Minted {
            key: newer,
            secret,
            ahead: Some(waiting.file),
        };
        // Step 4 in full: the run that stopped may have been crossed since, by a run elsewhere
        // that delivered its own key over these destinations and revoked the old one.
        self.check_then_finish(i, old, minted, rotated).await
    }

    /// Steps 5 and 6 once the new key is known to work: deliver, revoke.
    async fn finish(
        &self,
        i: usize,
        old: &ApiKey,
        minted: Minted,
        rotated: &mut Rotated,
    ) -> Result<(), Failed> {
        let handover = &self.handover;
        // Step 5: stdout is a destination like the others: the secret is written and flushed
        // there before the old key is revoked.
        let payload = handover
            .stdout_payload(i, &minted, |elsewhere| {
                (self.render)(old, &minted, elsewhere)
            })
            .await
            .map_err(Failed::Handover)?;
        rotated.stored_in = handover
            .deliver(i, &minted, payload)
            .await
            .map_err(Failed::Handover)?;
        rotated.printed = rotated.stored_in.contains(&Destination::Stdout);

        // Step 6.
        if !self.keep_old {
            handover
                .api
                .delete_key(&old.id)
                .await
                .map_err(Failed::Revoke)?;
            // For `keys check`: a key just revoked may still authenticate for a while.
            crate::revocations::record_all(handover.journal.state_dir(), [old]);
            rotated.old_key_revoked = true;
            self.remember_replaced(old, &minted.key.id, &rotated.stored_in);
        }
        Ok(())
    }

    /// After the old key is revoked: its journal entry names its successor, and a keychain
    /// entry that still holds its (now useless) secret, because the new one went elsewhere, is
    /// flagged here and by `keychain get`.
    fn remember_replaced(&self, old: &ApiKey, new_id: &str, stored_in: &[Destination]) {
        let journal = self.handover.journal;
        let was = journal.entry(old);
        if let Err(e) = journal.mark_replaced(old, new_id) {
            self.out.warn(format!(
                "could not record that key {} was replaced by {new_id}: {e}",
                old.id
            ));
        }
        let Some(was) = was else { return };
        for place in &was.places {
            if let Destination::Keychain { account } = place
                && !stored_in.contains(place)
            {
                self.out.warn(format!(
                    "keychain entry {account} still holds the secret of revoked key {}; the new key {new_id} went to \
                     {}. Remove it with `flexprice-admin keychain prune`, or rotate with --store keychain next time",
                    old.id,
                    stored_in
                        .iter()
                        .map(Destination::label)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
}

/// The keys among `keys` of `old`'s name and owner made after it: its successors, from a
/// rotation that did not revoke it (or has not yet).
pub(crate) fn successors<'k>(keys: &'k [ApiKey], old: &ApiKey) -> impl Iterator<Item = &'k ApiKey> {
    keys.iter().filter(move |k| {
        k.id != old.id
            && k.name == old.name
            && k.user_id == old.user_id
            && k.created_at > old.created_at
    })
}

/// The successor of `old` whose secret waits in a recovery file this journal names: minted by
/// a rotation whose delivery failed. A re-run delivers that secret and finishes the rotation
/// instead of minting another key.
pub(crate) fn waiting_successor(
    journal: &Journal,
    keys: &[ApiKey],
    old: &ApiKey,
) -> Option<(ApiKey, Waiting)> {
    successors(keys, old).find_map(|k| journal.waiting(k).map(|w| (k.clone(), w)))
}
