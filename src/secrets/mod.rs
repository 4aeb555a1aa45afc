//! Where a one-time secret goes and how its arrival is verified: `--store stdout|keychain|
//! file:PATH|exec:COMMAND`. The flow, shared by `keys create` and `keys rotate`:
//! [`Destinations::preflight`] before minting (any failure: mint nothing, exit 2), then
//! [`Destinations::deliver`] after minting, which verifies each destination and, when one
//! fails, leaves the secret in a 0600 recovery file ([`recovery`]) instead of losing it.
//! Printing the secret (the `stdout` destination) is [`reveal`]'s job.

pub mod exec;
pub mod file;
pub mod keychain;
pub mod recovery;
pub mod reveal;

use std::fmt;
use std::path::PathBuf;

use secrecy::SecretString;

use crate::error::{Exit, UserError};
pub use keychain::{KEYS_SERVICE, Keychain, KeychainError};

/// One place a secret can go, as given to `--store`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Printed on stdout (the default).
    Stdout,
    /// The OS keychain, service `flexprice-admin`, account `<profile>/<key name>`.
    Keychain,
    /// A file written atomically with mode 0600. `{name}` in the path stands for the key's
    /// name, so one destination can serve every key of `keys rotate --due`.
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

/// Holds off Ctrl-C (SIGINT) and SIGTERM from here to the end of the run: a process stopped
/// between the create call and delivery would leave a live key whose secret nobody has. tokio
/// keeps its handler once installed, so the signals are only recorded from now on; batch
/// commands still see Ctrl-C through `tokio::signal::ctrl_c`. What is left of the run is short.
pub fn hold_interrupts() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let _ = signal(SignalKind::interrupt());
        let _ = signal(SignalKind::terminate());
    }
}

/// The placeholder in a `file:` path that stands for the key's name.
pub const NAME_PLACEHOLDER: &str = "{name}";

/// A `file:` path for the key called `key_name`.
pub fn file_path_for(path: &std::path::Path, key_name: &str) -> PathBuf {
    PathBuf::from(path.to_string_lossy().replace(NAME_PLACEHOLDER, key_name))
}

/// Which key a secret belongs to: names the keychain entry and the recovery file.
#[derive(Debug, Clone)]
pub struct SecretOwner {
    pub key_name: String,
    pub profile: String,
}

impl SecretOwner {
    /// The keychain account of this key: `<profile>/<key name>`, so a rotated key (same name)
    /// replaces its predecessor's entry.
    pub fn keychain_account(&self) -> String {
        key_account(&self.profile, &self.key_name)
    }
}

/// The keychain account for a key name under a profile.
pub fn key_account(profile: &str, name: &str) -> String {
    format!("{profile}/{name}")
}

/// The destinations of one command, deduplicated, in the order given.
#[derive(Debug, Clone)]
pub struct Destinations {
    pub list: Vec<Destination>,
    pub keychain: Keychain,
    pub profile: String,
    /// How long an `exec:` command may take before it is killed and counted as failed.
    pub exec_timeout: std::time::Duration,
}

/// Every destination took the secret and gave it back (or exited 0).
#[derive(Debug)]
pub struct Delivered {
    /// Labels of the destinations other than stdout, e.g. `keychain:default/ci-ingest`.
    pub stored_in: Vec<String>,
}

/// Some destination failed after minting. The secret is in `recovery_file` when one could be
/// written; `stored_in` lists the destinations that did take it.
#[derive(Debug)]
pub struct NotDelivered {
    pub failures: Vec<(String, String)>,
    pub stored_in: Vec<String>,
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

    /// Refuses destinations that would give several keys' secrets one home, where each would
    /// overwrite the last: a `file:` path without `{name}`, or the keychain when two of the keys
    /// share a name (and so an entry).
    pub fn check_batch(&self, names: &[&str]) -> Result<(), UserError> {
        if names.len() < 2 {
            return Ok(());
        }
        for dest in &self.list {
            match dest {
                Destination::File(path) if !path.to_string_lossy().contains(NAME_PLACEHOLDER) => {
                    return Err(UserError::usage(format!(
                        "--store file:{} would receive every key's secret, each overwriting the last",
                        path.display()
                    ))
                    .hint("put {name} in the path for one file per key, e.g. --store 'file:/etc/flexprice/{name}.key'"));
                }
                Destination::Keychain => {
                    if let Some(twice) = names
                        .iter()
                        .enumerate()
                        .find(|(i, n)| names[..*i].contains(n))
                    {
                        return Err(UserError::usage(format!(
                            "--store keychain: two of the keys are named '{}' and would share one keychain entry",
                            twice.1
                        ))
                        .hint("rotate them one at a time with `keys rotate ID`, or rename one"));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// [`Self::deliver`] on a blocking thread, so a slow keychain or `exec:` command cannot
    /// stall the requests and Ctrl-C handling in flight beside it.
    pub async fn deliver_async(
        &self,
        owner: SecretOwner,
        secret: SecretString,
    ) -> Result<Delivered, NotDelivered> {
        let destinations = self.clone();
        let labels: Vec<String> = self
            .list
            .iter()
            .filter(|d| **d != Destination::Stdout)
            .map(|d| self.label(d, &owner.key_name))
            .collect();
        match tokio::task::spawn_blocking(move || destinations.deliver(&owner, &secret)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(NotDelivered {
                failures: labels
                    .into_iter()
                    .map(|l| (l, "the delivery thread failed".to_string()))
                    .collect(),
                stored_in: Vec::new(),
            }),
        }
    }

    /// Whether the secret is to be printed.
    pub fn includes_stdout(&self) -> bool {
        self.list.contains(&Destination::Stdout)
    }

    /// The label of a destination in receipts and `stored_in`.
    pub fn label(&self, dest: &Destination, owner_name: &str) -> String {
        match dest {
            Destination::Stdout => "stdout".into(),
            Destination::Keychain => format!("keychain:{}", key_account(&self.profile, owner_name)),
            Destination::File(path) => {
                format!(
                    "file:{}",
                    file::absolute(&file_path_for(path, owner_name)).display()
                )
            }
            Destination::Exec(words) => format!("exec:{}", words.join(" ")),
        }
    }

    /// Checks, before minting, that every destination can take a secret for a key called
    /// `key_name`. Any failure is a usage error (exit 2) naming `--store`: nothing was minted.
    pub fn preflight(&self, key_name: &str) -> Result<(), UserError> {
        for dest in &self.list {
            let label = self.label(dest, key_name);
            let failed = |why: String, hints: Vec<String>| {
                let mut err =
                    UserError::usage(format!("--store {label}: {why}; no key was created"));
                for hint in hints {
                    err = err.hint(hint);
                }
                err
            };
            match dest {
                Destination::Stdout => {}
                Destination::Keychain => {
                    if let Err(e) = self.keychain.probe() {
                        let mut hints = e.hints();
                        hints.push("or choose another destination, e.g. --store file:PATH (the keychain is never replaced by a plaintext file silently)".into());
                        return Err(failed(e.to_string(), hints));
                    }
                }
                Destination::File(path) => {
                    file::preflight(&file_path_for(path, key_name))
                        .map_err(|why| failed(why, vec![]))?;
                }
                Destination::Exec(words) => {
                    exec::preflight(words).map_err(|why| failed(why, vec![]))?;
                }
            }
        }
        Ok(())
    }

    /// Delivers the secret to every destination except stdout (the caller prints it, after
    /// this, with [`reveal`]) and verifies each. Delivery goes on past a failure so that every
    /// destination that can take the secret does.
    pub fn deliver(
        &self,
        owner: &SecretOwner,
        secret: &SecretString,
    ) -> Result<Delivered, NotDelivered> {
        let mut stored_in = Vec::new();
        let mut failures = Vec::new();
        for dest in &self.list {
            let label = self.label(dest, &owner.key_name);
            let outcome = match dest {
                Destination::Stdout => continue,
                _ if keychain::test_fails_delivery(dest.kind()) => {
                    Err("failed on purpose (test hook)".to_string())
                }
                Destination::Keychain => self.deliver_keychain(owner, secret),
                Destination::File(path) => {
                    file::deliver(&file_path_for(path, &owner.key_name), secret)
                }
                Destination::Exec(words) => {
                    exec::deliver(words, &owner.key_name, secret, self.exec_timeout)
                }
            };
            match outcome {
                Ok(()) => stored_in.push(label),
                Err(why) => failures.push((label, why)),
            }
        }
        if failures.is_empty() {
            Ok(Delivered { stored_in })
        } else {
            Err(NotDelivered {
                failures,
                stored_in,
            })
        }
    }

    fn deliver_keychain(&self, owner: &SecretOwner, secret: &SecretString) -> Result<(), String> {
        use secrecy::ExposeSecret;
        let account = owner.keychain_account();
        self.keychain
            .set(KEYS_SERVICE, &account, secret)
            .map_err(|e| e.to_string())?;
        let back = self
            .keychain
            .get(KEYS_SERVICE, &account)
            .map_err(|e| format!("stored, but reading it back failed: {e}"))?;
        if back.expose_secret() != secret.expose_secret() {
            return Err("stored, but the entry read back differs".into());
        }
        Ok(())
    }
}

impl fmt::Display for NotDelivered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .failures
            .iter()
            .map(|(label, why)| format!("{label}: {why}"))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

/// The error for a secret that was not delivered: exit 9, naming the recovery file (never the
/// secret).
pub fn not_delivered_error(
    key_id: &str,
    failed: &NotDelivered,
    recovery_file: &std::path::Path,
) -> UserError {
    let mut err = UserError::new(
        Exit::NotDelivered,
        format!(
            "key {key_id} was created but its secret was not delivered ({failed}); the secret is in the recovery file {}",
            recovery_file.display()
        ),
    )
    .hint(format!(
        "copy the secret from {} into its destination, then delete the file (it is readable only by you)",
        recovery_file.display()
    ));
    if !failed.stored_in.is_empty() {
        err = err.hint(format!("delivered to: {}", failed.stored_in.join(", ")));
    }
    err
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
        assert_eq!(d.label(&Destination::Keychain, "ci"), "keychain:p/ci");
    }
}
