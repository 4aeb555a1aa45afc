//! Where a one-time secret goes, and the one way it gets there. `--store stdout|keychain|
//! file:PATH|exec:COMMAND` is parsed here into [`Destinations`]; the journey of a secret is
//! [`handover`], in order:
//!
//! 1. [`plan`]: before anything is minted, every destination of every key is resolved and
//!    checked (placeholders, unsafe names, two keys on one destination, reachability);
//! 2. [`handover::Handover::mint`]: the create call; a lost answer is looked up, never retried;
//! 3. [`handover::Handover::deliver`]: every destination, stdout included, written, flushed and
//!    verified; on a failure the secret goes to a [`recovery`] file, or the key is revoked;
//! 4. the command reports the [`handover::Failure`] or what was delivered where.
//!
//! The destinations themselves: [`file`], [`keychain`], [`exec`], and [`reveal`] for stdout.

pub mod entries;
pub mod exec;
pub mod file;
pub mod handover;
pub mod keychain;
pub mod plan;
pub mod record;
pub mod recovery;
pub mod reveal;

use std::path::PathBuf;

use secrecy::SecretString;

pub use keychain::{KEYS_SERVICE, Keychain, KeychainError};

/// One place a secret can go, as given to `--store`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Printed on stdout (the default).
    Stdout,
    /// The OS keychain, service `flexprice-admin`, account `<profile>/<owner id>/<key name>`.
    Keychain,
    /// A file written atomically with mode 0600. `{name}` and `{owner}` in the path stand for
    /// the key's name and its owner's ID, so one destination can serve every key of
    /// `keys rotate --due`.
    File(PathBuf),
    /// A program that reads the secret on its stdin; the words of the command, split like a
    /// shell would (quotes, backslashes), without running a shell.
    Exec(Vec<String>),
}

impl Destination {
    /// The kind, as the test hook and messages name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Destination::Stdout => "stdout",
            Destination::Keychain => "keychain",
            Destination::File(_) => "file",
            Destination::Exec(_) => "exec",
        }
    }
}

/// Parses a `--store` value; a clap value parser, so errors exit 2 naming `--store`.
pub fn parse_destination(raw: &str) -> Result<Destination, String> {
    let raw = raw.trim();
    match raw {
        "stdout" | "-" => return Ok(Destination::Stdout),
        "keychain" => return Ok(Destination::Keychain),
        _ => {}
    }
    if let Some(path) = raw.strip_prefix("file:") {
        if path.trim().is_empty() {
            return Err("file: needs a path, e.g. file:./ci-ingest.key".into());
        }
        if path.chars().any(char::is_control) {
            return Err("the path must not contain control characters".into());
        }
        return Ok(Destination::File(PathBuf::from(path)));
    }
    if let Some(command) = raw.strip_prefix("exec:") {
        let words = exec::split_words(command)?;
        if words.is_empty() {
            return Err("exec: needs a command, e.g. exec:gh secret set FLEXPRICE_API_KEY".into());
        }
        return Ok(Destination::Exec(words));
    }
    let scheme = raw.split(':').next().unwrap_or(raw);
    Err(format!(
        "unknown destination '{scheme}': use stdout, keychain, file:PATH or exec:COMMAND"
    ))
}

/// The keychain account of a key: `<profile>/<owner id>/<key name>`. The owner is part of the
/// account (not a stored attribute) because the (service, account) pair is what every keychain
/// backend keys its entries by: two owners' keys of one name can then never share an entry, on
/// the Secret Service, the macOS Keychain and the Windows Credential Manager alike, and the
/// keychain's own tools show whose key an entry holds. A rotated key (same owner and name)
/// replaces its predecessor's entry.
pub fn key_account(profile: &str, owner: &str, name: &str) -> String {
    format!("{profile}/{owner}/{name}")
}

/// The account entries were stored under before owners were kept apart: `<profile>/<key name>`.
/// Read (and moved to [`key_account`]) by [`entries`].
pub fn legacy_account(profile: &str, name: &str) -> String {
    format!("{profile}/{name}")
}

/// The destinations of one command, deduplicated, in the order given, with what delivering to
/// them needs.
#[derive(Debug, Clone)]
pub struct Destinations {
    pub list: Vec<Destination>,
    pub keychain: Keychain,
    pub profile: String,
    /// How long an `exec:` command may take before it is killed and counted as failed.
    pub exec_timeout: std::time::Duration,
}

impl Destinations {
    /// `--store` values as given (none means stdout), deduplicated.
    pub fn new(
        given: &[Destination],
        keychain: Keychain,
        profile: &str,
        exec_timeout: std::time::Duration,
    ) -> Self {
        let mut list: Vec<Destination> = Vec::new();
        for dest in given {
            if !list.contains(dest) {
                list.push(dest.clone());
            }
        }
        if list.is_empty() {
            list.push(Destination::Stdout);
        }
        Destinations {
            list,
            keychain,
            profile: profile.to_string(),
            exec_timeout,
        }
    }

    /// Whether the secret is to be printed.
    pub fn includes_stdout(&self) -> bool {
        self.list.contains(&Destination::Stdout)
    }

    /// Whether a `file:` path says `{owner}`, or the keychain is a destination (its entries are
    /// named after the owner): the owner's ID must then be known before minting.
    pub fn uses_owner(&self) -> bool {
        self.list.iter().any(|d| match d {
            Destination::File(path) => path.to_string_lossy().contains(plan::OWNER_PLACEHOLDER),
            Destination::Keychain => true,
            _ => false,
        })
    }
}

/// A secret with its key, as the create call returned them.
pub struct Minted {
    pub key: crate::api::models::ApiKey,
    pub secret: SecretString,
    /// The 0600 recovery file holding the secret from the moment it arrived until every
    /// destination has it (`None` when it could not be written): a `kill -9` at any step after
    /// the create loses nothing.
    pub ahead: Option<std::path::PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_parse() {
        assert_eq!(parse_destination("stdout"), Ok(Destination::Stdout));
        assert_eq!(parse_destination("keychain"), Ok(Destination::Keychain));
        assert_eq!(
            parse_destination("file:/tmp/k"),
            Ok(Destination::File("/tmp/k".into()))
        );
        assert_eq!(
            parse_destination("exec:gh secret set 'A B'"),
            Ok(Destination::Exec(vec![
                "gh".into(),
                "secret".into(),
                "set".into(),
                "A B".into()
            ]))
        );
        assert!(parse_destination("file:").is_err());
        assert!(parse_destination("exec:").is_err());
        assert!(
            parse_destination("vault:x")
                .unwrap_err()
                .contains("unknown destination 'vault'")
        );
    }

    #[test]
    fn duplicates_collapse_and_stdout_is_the_default() {
        let k = Keychain::new(std::time::Duration::from_secs(1));
        let d = Destinations::new(&[], k, "default", std::time::Duration::from_secs(1));
        assert_eq!(d.list, [Destination::Stdout]);
        let d = Destinations::new(
            &[Destination::Keychain, Destination::Keychain],
            k,
            "p",
            std::time::Duration::from_secs(1),
        );
        assert_eq!(d.list, [Destination::Keychain]);
        assert_eq!(key_account("p", "user_1", "ci"), "p/user_1/ci");
        assert_eq!(legacy_account("p", "ci"), "p/ci");
    }
}
