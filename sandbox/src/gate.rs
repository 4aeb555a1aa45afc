//! Gates for the `hold=NAME` fault: a matching request waits at its gate until the test opens
//! it, so a test can act (send a signal, kill the client, look at files) at an exact step of a
//! client's work instead of racing a delay against the clock.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use tokio::sync::Notify;

#[derive(Default)]
struct GateState {
    /// Requests that have reached the gate so far (released ones included).
    arrived: usize,
    open: bool,
}

/// Every gate of one sandbox, by name.
#[derive(Default)]
pub(crate) struct Gates {
    state: Mutex<HashMap<String, GateState>>,
    /// Wakes test threads waiting for an arrival.
    arrival: Condvar,
    /// Wakes held requests when a gate opens.
    opened: Notify,
}

impl Gates {
    /// Called by the server: records the arrival, then waits until the gate is open.
    pub(crate) async fn pass(&self, name: &str) {
        {
            let mut state = self.state.lock();
            state.entry(name.to_owned()).or_default().arrived += 1;
            self.arrival.notify_all();
        }
        loop {
            // Registered before the check, so an `open` between the check and the await is
            // not missed.
            let opened = self.opened.notified();
            tokio::pin!(opened);
            opened.as_mut().enable();
            if self.state.lock().get(name).is_some_and(|g| g.open) {
                return;
            }
            opened.await;
        }
    }

    /// Blocks until at least `count` requests have reached gate `name`, or `limit` passes.
    /// Returns whether they did. The limit only bounds a broken test; it decides nothing.
    pub(crate) fn wait_arrived(&self, name: &str, count: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut state = self.state.lock();
        loop {
            if state.get(name).is_some_and(|g| g.arrived >= count) {
                return true;
            }
            if self.arrival.wait_until(&mut state, deadline).timed_out() {
                return state.get(name).is_some_and(|g| g.arrived >= count);
            }
        }
    }

    /// Opens gate `name`: the requests held there, and any that arrive later, go on.
    pub(crate) fn open(&self, name: &str) {
        self.state.lock().entry(name.to_owned()).or_default().open = true;
        self.opened.notify_waiters();
    }

    /// How many requests have reached gate `name`.
    pub(crate) fn arrived(&self, name: &str) -> usize {
        self.state.lock().get(name).map_or(0, |g| g.arrived)
    }
}
