//! Step 4 of a rotation, two requests side by side: the new key authenticates as its owner, and
//! no other run rotated or revoked the old key meanwhile.

use std::time::Duration;

use secrecy::SecretString;

use crate::api::KeyFilter;
use crate::api::models::ApiKey;
use crate::handover::{Handover, KeyApi, Sinks};
use crate::output::Output;

/// Attempts at authenticating with the new key: a new key may take a moment to be accepted
/// everywhere behind a load balancer.
const VERIFY_ATTEMPTS: u32 = 4;
const VERIFY_FIRST_WAIT: Duration = Duration::from_millis(200);

/// Authenticates with the new key (`GET /users/me`), with a short backoff, and checks it is the
/// expected principal. The error is a sentence, not an `ApiError`: the 401 hints meant for the
/// admin credential would mislead here.
pub(crate) async fn authenticates(
    api: &impl KeyApi,
    secret: &SecretString,
    new_key: &ApiKey,
) -> Result<(), String> {
    // A secret no destination may take is not worth trying, and a failed try would be blamed
    // on the API.
    if let Err(why) = crate::handover::check_shape(secret) {
        return Err(format!(
            "the server sent a secret of an unexpected shape ({why}); it was neither tried nor written to any \
             destination"
        ));
    }
    let mut wait = VERIFY_FIRST_WAIT;
    let mut attempt = 1;
    loop {
        match api.me_as(secret).await {
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

/// What step 4's listing found: whether another run crossed this rotation.
pub(crate) enum Crossed {
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

/// Whether, now that `new_key` exists, `old` is still active and no key of its name and owner
/// has appeared since the listing (`known`) but ours. Listed after the create, so of two runs
/// rotating one key at once at least one sees the other's key. A failed listing finds nothing
/// (the check guards against a rare race; a rotation does not depend on it).
pub(crate) async fn crossed<A: KeyApi, S: Sinks>(
    handover: &Handover<'_, A, S>,
    out: &Output,
    known: &[ApiKey],
    old: &ApiKey,
    new_key: &ApiKey,
) -> Crossed {
    // The old key and the keys made since: older ones can neither be it nor cross it (a
    // second of slack for a server that compares at a coarser precision).
    let filter = KeyFilter {
        user_id: old.user_id.clone(),
        created_since: Some(old.created_at - jiff::SignedDuration::from_secs(1)),
    };
    let mut now = match handover.api.list_keys(&filter).await {
        Ok(keys) => keys,
        Err(e) => {
            out.warn(format!(
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
        if let Ok(all) = handover.api.list_keys(&unfiltered).await
            && all.iter().any(|k| k.id == old.id)
        {
            out.warn(format!(
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
                && !known.iter().any(|b| b.id == k.id)
                && !handover.minted_here(&k.id)
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
