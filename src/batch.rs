//! The one batch runner (`keys delete`, `keys rotate --due`, `service-accounts delete
//! --revoke-keys`): a few items in flight at once, each item's own outcome, a progress bar on a
//! terminal, and signals from the command's [`Scope`]. On SIGINT, SIGTERM or SIGHUP nothing new
//! starts and what is in flight finishes; the caller reports what was and was not done and
//! exits with the signal's code. Work that may be abandoned safely (an idempotent revocation)
//! can ask to stop waiting at a second signal.

use std::future::Future;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use crate::interrupt::{Scope, Signal};
use crate::output::{Output, Progress};

/// How one item ended.
#[derive(Debug)]
pub(crate) enum Item<T> {
    /// Never started: the batch was interrupted first.
    NotStarted,
    /// Started, and no longer waited for after a second signal: it may or may not have happened.
    Abandoned,
    Done(T),
}

/// The outcome of every item, in the order given, and the signal that stopped the batch.
pub(crate) struct Finished<T> {
    pub items: Vec<Item<T>>,
    pub interrupted: Option<Signal>,
}

impl<T> Finished<T> {
    pub(crate) fn done(&self) -> impl Iterator<Item = (usize, &T)> {
        self.items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
                Item::Done(t) => Some((i, t)),
                _ => None,
            })
    }
}

pub(crate) struct Batch<'a> {
    pub out: &'a Output,
    pub scope: &'a Scope,
    /// Items in flight at once.
    pub concurrency: usize,
    /// The progress bar's label, e.g. "Revoking keys".
    pub label: &'a str,
    /// What is in flight, for the interruption notice, e.g. "revocations".
    pub noun: &'a str,
    /// A second signal stops waiting for the items in flight (safe only for idempotent work).
    pub abandon_on_second_signal: bool,
}

impl Batch<'_> {
    /// Runs `work` on every item; `on_done` sees each outcome as it arrives (with the progress
    /// bar hidden, so it may write to stderr).
    pub(crate) async fn run<'i, I, T, F, Fut>(
        &self,
        items: &'i [I],
        work: F,
        mut on_done: impl FnMut(&Progress, usize, &T),
    ) -> Finished<T>
    where
        F: Fn(usize, &'i I) -> Fut,
        Fut: Future<Output = T>,
    {
        let progress = self.out.progress(items.len(), self.label);
        let mut outcomes: Vec<Item<T>> = items.iter().map(|_| Item::NotStarted).collect();
        let mut pending = items.iter().enumerate();
        let mut in_flight = FuturesUnordered::new();
        let mut seen = 0;
        let mut interrupted = self.scope.signal();
        loop {
            while interrupted.is_none() && in_flight.len() < self.concurrency.max(1) {
                let Some((i, item)) = pending.next() else {
                    break;
                };
                outcomes[i] = Item::Abandoned;
                let fut = work(i, item);
                in_flight.push(async move { (i, fut.await) });
            }
            if in_flight.is_empty() {
                break;
            }
            tokio::select! {
                Some((i, outcome)) = in_flight.next() => {
                    progress.inc();
                    progress.suspend(|| on_done(&progress, i, &outcome));
                    outcomes[i] = Item::Done(outcome);
                }
                received = self.scope.after(seen) => {
                    seen = received.count;
                    if interrupted.is_some() {
                        if self.abandon_on_second_signal {
                            break;
                        }
                        continue;
                    }
                    let signal = received.first.unwrap_or(crate::interrupt::Signal::Interrupt);
                    interrupted = Some(signal);
                    progress.set_message("Interrupted: finishing");
                    let again = if self.abandon_on_second_signal {
                        " (signal again to stop waiting)"
                    } else {
                        " (never abandoned half-way, so no minted secret is lost)"
                    };
                    progress.suspend(|| self.out.warn(format!(
                        "{}: starting no more {}; finishing the {} in flight{again}",
                        signal.describe(),
                        self.noun,
                        in_flight.len()
                    )));
                }
            }
        }
        progress.finish();
        Finished {
            items: outcomes,
            interrupted: interrupted.or(self.scope.signal()),
        }
    }
}
