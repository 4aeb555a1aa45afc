//! Revoking keys: a batch of `DELETE`s, a few in flight at once, each key's own outcome, and
//! signals from the caller's scope (a revocation is idempotent, so a second signal may stop
//! waiting for the ones in flight).

use crate::api::ApiError;
use crate::api::models::ApiKey;
use crate::batch::{Batch, Finished};
use crate::handover::KeyApi;
use crate::interrupt::Scope;
use crate::output::{Output, Progress};

/// Revocations in flight at once: enough to hide latency, few enough not to trip rate limits.
pub const CONCURRENCY: usize = 8;

/// Revokes `keys`; `each` sees every outcome as it arrives. On a signal nothing new starts.
pub async fn revoke<A: KeyApi>(
    api: &A,
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
    runner
        .run(keys, |_, key| api.delete_key(&key.id), each)
        .await
}
