//! The `keys` commands: one file per verb. What several verbs share is re-exported here.

mod audit;
mod check;
mod create;
mod delete;
pub mod everywhere;
pub mod findings;
mod json_listing;
mod list;
mod listing;
pub mod policy;
mod rotate;
pub mod scope;

pub use audit::run as audit;
pub use check::run as check;
pub use create::create;
pub use delete::{delete, revoke_all, revoke_quietly};
pub use list::{KEY_HEADERS, key_rows, list, owner_label, render_keys, user_labels};
pub use rotate::run as rotate;

/// Revocations in flight at once: enough to hide latency, few enough not to trip rate limits.
pub const BATCH_CONCURRENCY: usize = 8;
pub use crate::api::endpoints::REVOCATION_DELAY_NOTE;
