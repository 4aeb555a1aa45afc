//! Revoking keys: a batch of `DELETE`s, a few in flight at once, each key's own outcome, and
//! signals from the caller's scope (a revocation is idempotent, so a second signal may stop
//! waiting for the ones in flight).

use std::path::Path;

use crate::api::ApiError;
use crate::api::models::ApiKey;
use crate::batch::{Batch, Finished};
use crate::handover::KeyApi;
use crate::interrupt::Scope;
use crate::output::{Output, Progress};

/// Revocations in flight at once: enough to hide latency, few enough not to trip rate limits.
pub(crate) const CONCURRENCY: usize = 8;

/// Revokes `keys`; `each` sees every outcome as it arrives. On a signal nothing new starts.
/// Each revocation is noted in `state_dir` (never a secret), so `keys check` can tell a key that
/// still authenticates because the server's cache has not caught up yet.
pub(crate) async fn revoke<A: KeyApi>(
    api: &A,
    state_dir: &Path,
    out: &Output,
    scope: &Scope,
    keys: &[ApiKey],
    each: impl FnMut(&Progress, usize, &Result<(), ApiError>),
) -> Finished<Result<(), ApiError>> {
    let runner = Batch {
        out,
        scope,
        concurrency: CONCURRENCY,
        label: "Revoking keys",
        noun: "revocations",
        abandon_on_second_signal: true,
    };
    let finished = runner
        .run(keys, |_, key| api.delete_key(&key.id), each)
        .await;
    crate::revocations::record_all(
        state_dir,
        finished
            .done()
            .filter(|(_, r)| r.is_ok())
            .map(|(i, _)| &keys[i]),
    );
    finished
}
