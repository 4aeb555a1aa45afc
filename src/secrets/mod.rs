//! Secrets at rest outside the hand-over: the OS keychain ([`keychain`]), the keychain entries
//! of keys ([`entries`]), and showing a secret on a terminal or in CI ([`reveal`]). How a new
//! secret reaches its destinations is [`crate::handover`].

pub mod entries;
pub mod keychain;
pub mod reveal;

pub use keychain::{KEYS_SERVICE, Keychain, KeychainError};

/// The keychain account of a key: `<profile>/<owner id>/<key name>`
/// ([`crate::handover::destination::keychain_account`]).
pub use crate::handover::destination::keychain_account as key_account;

/// The account entries were stored under before owners were kept apart: `<profile>/<key name>`.
/// Read (and moved to [`key_account`]) by [`entries`].
pub fn legacy_account(profile: &str, name: &str) -> String {
    format!("{profile}/{name}")
}
