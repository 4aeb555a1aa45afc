//! Secrets at rest outside the hand-over: the OS keychain ([`keychain`]), the keychain entries
//! of keys ([`entries`]), and showing a secret on a terminal or in CI ([`reveal`]). How a new
//! secret reaches its destinations is [`crate::handover`].

pub(crate) mod entries;
pub(crate) mod keychain;
pub(crate) mod reveal;

pub(crate) use keychain::{KEYS_SERVICE, Keychain, KeychainError};
