//! The OS keychain through keyring-core: the Secret Service on Linux, the macOS Keychain, the
//! Windows Credential Manager. Every call runs on its own thread and is abandoned after a
//! timeout, so a locked or absent keychain never hangs a script. Nothing here falls back to
//! plaintext: a keychain that cannot be used is an error the caller reports.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};
use secrecy::{ExposeSecret, SecretString};

/// The keychain service of keys minted by this tool; the account is `<profile>/<owner id>/<key name>`.
pub(crate) const KEYS_SERVICE: &str = "flexprice-admin";
/// The keychain service of the admin credential stored by `auth login`; the account is the
/// profile name. A separate service keeps it out of `keychain list` and away from key names.
pub(crate) const LOGIN_SERVICE: &str = "flexprice-admin-login";

/// Why a keychain call failed. Messages never contain a secret: keyring-core errors are
/// translated here, never printed with `{:?}` (some variants carry the stored bytes).
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    #[error("the OS keychain did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the OS keychain is not available: {0}")]
    Unavailable(String),
    #[error("no keychain entry for {0}")]
    NoEntry(String),
    #[error("the OS keychain refused the operation: {0}")]
    Failed(String),
}

impl KeychainError {
    /// Hints that get the keychain working, or around it.
    pub fn hints(&self) -> Vec<String> {
        match self {
            KeychainError::NoEntry(_) => vec![],
            KeychainError::Timeout(_) => vec![
                "the keychain may be locked and waiting for a password prompt; unlock it, or raise keychain_timeout in the profile".into(),
            ],
            _ => vec![if cfg!(target_os = "linux") {
                format!("on Linux a Secret Service (gnome-keyring, KeePassXC) must run on the D-Bus session bus named by {}, with an unlocked default collection", crate::env::DBUS_SESSION_BUS_ADDRESS)
            } else {
                "check that the OS keychain is unlocked and reachable from this session".into()
            }],
        }
    }
}

/// A handle on the OS keychain with a timeout for each call.
#[derive(Debug, Clone, Copy)]
pub struct Keychain {
    pub timeout: Duration,
}

impl Keychain {
    pub fn new(timeout: Duration) -> Self {
        Keychain { timeout }
    }

    /// Stores `secret` under (service, account), replacing any earlier entry.
    pub fn set(
        &self,
        service: &str,
        account: &str,
        secret: &SecretString,
    ) -> Result<(), KeychainError> {
        let (service_owned, account_owned) = (service.to_string(), account.to_string());
        let secret = secret.clone();
        self.call(
            move |store| {
                entry(store, &service_owned, &account_owned)?.set_password(secret.expose_secret())
            },
            format!("{service}/{account}"),
        )
    }

    /// The secret stored under (service, account).
    pub fn get(&self, service: &str, account: &str) -> Result<SecretString, KeychainError> {
        let (service_owned, account_owned) = (service.to_string(), account.to_string());
        self.call(
            move |store| {
                let entry = entry(store, &service_owned, &account_owned)?;
                entry.get_password().map(SecretString::from)
            },
            format!("{service}/{account}"),
        )
    }

    /// Deletes the entry under (service, account).
    pub fn delete(&self, service: &str, account: &str) -> Result<(), KeychainError> {
        let (service_owned, account_owned) = (service.to_string(), account.to_string());
        self.call(
            move |store| entry(store, &service_owned, &account_owned)?.delete_credential(),
            format!("{service}/{account}"),
        )
    }

    /// The accounts stored under `service`, sorted.
    pub fn accounts(&self, service: &str) -> Result<Vec<String>, KeychainError> {
        let service_owned = service.to_string();
        self.call(
            move |store| {
                let spec = HashMap::from([("service", service_owned.as_str())]);
                let found = Entry::search_in_store(store, &spec)?;
                let mut accounts: Vec<String> = found
                    .iter()
                    .filter_map(Entry::get_specifiers)
                    .filter(|(s, _)| *s == service_owned)
                    .map(|(_, account)| account)
                    .collect();
                accounts.sort();
                accounts.dedup();
                Ok(accounts)
            },
            service.to_string(),
        )
    }

    /// Checks the keychain can take a secret: writes, reads back and deletes a probe entry.
    pub fn probe(&self) -> Result<(), KeychainError> {
        let account = format!("probe-{}-{}", std::process::id(), fastrand::u64(..));
        self.call(
            move |store| {
                let entry = entry(store, KEYS_SERVICE, &account)?;
                let probe = "flexprice-admin keychain probe";
                entry.set_password(probe)?;
                let back = entry.get_password();
                let deleted = entry.delete_credential();
                if back? != probe {
                    return Err(keyring_core::Error::BadStoreFormat(
                        "a probe entry read back different from what was written".into(),
                    ));
                }
                deleted
            },
            "a probe entry".to_string(),
        )
    }

    /// Runs one blocking keychain operation on its own thread and gives up after the timeout.
    /// An abandoned thread is left to finish (or hang) on its own; the process does not wait
    /// for it.
    fn call<T, F>(&self, op: F, what: String) -> Result<T, KeychainError>
    where
        T: Send + 'static,
        F: FnOnce(&Arc<CredentialStore>) -> keyring_core::Result<T> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("keychain".into())
            .spawn(move || {
                let result = native_store().and_then(|store| op(&store));
                let _ = tx.send(result);
            });
        if let Err(e) = spawned {
            return Err(KeychainError::Failed(format!("cannot start a thread: {e}")));
        }
        match rx.recv_timeout(self.timeout) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(translate(err, &what)),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(KeychainError::Timeout(self.timeout)),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(KeychainError::Failed(
                "the keychain thread stopped unexpectedly".into(),
            )),
        }
    }
}

fn entry(
    store: &Arc<CredentialStore>,
    service: &str,
    account: &str,
) -> keyring_core::Result<Entry> {
    let account = &crate::platform::entry_name(account);
    let label = format!("{service}: {account}");
    let modifiers = HashMap::from([("label", label.as_str())]);
    if cfg!(target_os = "linux") {
        Entry::new_in_store_with_modifiers(store, service, account, &modifiers)
    } else {
        Entry::new_in_store(store, service, account)
    }
}

/// Turns a keyring-core error into ours without quoting any stored bytes.
fn translate(err: keyring_core::Error, what: &str) -> KeychainError {
    use keyring_core::Error as E;
    match err {
        E::NoEntry => KeychainError::NoEntry(what.to_string()),
        E::NoStorageAccess(e) => {
            KeychainError::Unavailable(format!("no access to its storage ({e})"))
        }
        E::PlatformFailure(e) => KeychainError::Unavailable(e.to_string()),
        E::NoDefaultStore => KeychainError::Unavailable("no keychain on this platform".into()),
        E::BadEncoding(_) => {
            KeychainError::Failed(format!("the entry for {what} is not UTF-8 text"))
        }
        E::BadDataFormat(_, _) => {
            KeychainError::Failed(format!("the entry for {what} is malformed"))
        }
        E::Ambiguous(items) => KeychainError::Failed(format!(
            "{} entries match {what}; remove the duplicates with your keychain's own tool",
            items.len()
        )),
        E::BadStoreFormat(why) => KeychainError::Failed(why),
        E::TooLong(name, limit) => KeychainError::Failed(format!(
            "{name} is longer than the keychain's limit of {limit}"
        )),
        E::Invalid(name, why) => KeychainError::Failed(format!("{name} is invalid: {why}")),
        E::NotSupportedByStore(why) => {
            KeychainError::Failed(format!("not supported by this keychain: {why}"))
        }
        _ => KeychainError::Failed("unknown keychain error".into()),
    }
}

#[cfg(target_os = "linux")]
fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(keyring_core::Error::NoDefaultStore)
}

/// Whether the test hook asks delivery to `kind` to fail (debug builds only).
pub(crate) fn test_fails_delivery(kind: &str) -> bool {
    crate::env::test_hook(crate::env::TEST_FAIL_DELIVERY)
        .is_some_and(|v| v.split(',').any(|k| k.trim() == kind))
}

impl KeychainError {
    /// The error as the user sees it: a missing entry is "not found" (exit 4), anything else a
    /// failure (exit 1) with hints.
    pub fn into_user_error(self) -> crate::error::CommandError {
        use crate::error::{CommandError, Exit};
        let exit = match self {
            KeychainError::NoEntry(_) => Exit::NotFound,
            _ => Exit::Failure,
        };
        let hints = self.hints();
        let mut err = CommandError::new(exit, self.to_string());
        for hint in hints {
            err = err.hint(hint);
        }
        err
    }
}
