//! Minting one key and handing its secret over: the create call, then every destination of the
//! plan, stdout last with what the caller rendered for it.
//!
//! A failure before the key exists has no key ID ([`Failure::key_id`]); one after it has.

use std::io;

use crate::api::Request;
use crate::api::models::ApiKey;
use crate::handover::{Destination, Failure, Handover, KeyApi, Lookup, Minted, Payload, Sinks};

/// Renders what stdout shows of a new secret, given the other places it goes.
pub(crate) type Render<'r> = dyn Fn(&Minted, &[Destination]) -> io::Result<Payload> + 'r;

/// What the user is told around the create call: a spinner's label while it runs (shown on a
/// terminal only), and a note once the key exists, before its secret is delivered. Nothing by
/// default: `apply` reports each change itself.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Told<'t> {
    pub creating: Option<&'t str>,
    pub minted: Option<&'t str>,
}

/// A new key whose secret reached every destination.
#[derive(Debug)]
pub(crate) struct Delivered {
    pub key: ApiKey,
    pub stored_in: Vec<Destination>,
}

/// Mints key `i` of the handover's plan with `request` and delivers its secret, telling the
/// user what `told` says. The failure says what became of the key and its secret.
pub(crate) async fn mint<A: KeyApi, S: Sinks>(
    handover: &Handover<'_, A, S>,
    i: usize,
    request: &Request,
    lookup: Lookup<'_>,
    told: Told<'_>,
    render: &Render<'_>,
) -> Result<Delivered, Failure> {
    let creating = handover.mint(i, request, lookup);
    let minted = match told.creating {
        Some(label) => handover.out.waiting(label, creating).await,
        None => creating.await,
    }?;
    if let Some(note) = told.minted {
        handover.out.note(note);
    }
    deliver(handover, i, minted, render).await
}

/// Hands the secret of `minted`, key `i` of the plan, to every destination.
pub(crate) async fn deliver<A: KeyApi, S: Sinks>(
    handover: &Handover<'_, A, S>,
    i: usize,
    minted: Minted,
    render: &Render<'_>,
) -> Result<Delivered, Failure> {
    let payload = handover
        .stdout_payload(i, &minted, |elsewhere| render(&minted, elsewhere))
        .await?;
    let stored_in = handover.deliver(i, &minted, payload).await?;
    Ok(Delivered {
        key: minted.key,
        stored_in,
    })
}
