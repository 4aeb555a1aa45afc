//! Completion candidates that need more than the command tree: key names (`keys delete ci<TAB>`,
//! `keys rotate <TAB>`) and service-account names (`--service-account <TAB>`), asked of the API
//! with the current profile's credential, and paths after `--store file:`.
//!
//! Asking the API from a TAB has rules of its own: the profile, API URL and environment are
//! those the line names (`--profile prod keys delete <TAB>`) or the environment and config give,
//! exactly as the command would use them; the credential is what the command would read, but
//! nothing is ever asked for (no prompt, no keychain unlock: `KEYCHAIN_TIMEOUT`); the whole
//! lookup gives up after [`TIMEOUT`]; and any failure (no credential, an expired login, a
//! network error, a refusal) offers nothing and prints nothing. Only names are printed, never
//! a secret, and never a name that would break the line (control characters, leading `-`).

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap_complete::engine::{CompletionCandidate, PathCompleter, ValueCompleter};
use secrecy::ExposeSecret;

use crate::api::{Client, ClientConfig, Credential, KeyFilter};
use crate::api_url::{DEFAULT_API_URL, parse_api_url};
use crate::config::{self, Paths};
use crate::env;
use crate::secret_input;
use crate::secrets::Keychain;
use crate::secrets::keychain::LOGIN_SERVICE;

/// The most a TAB waits for names from the API, every request included.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(2);

/// The most a TAB waits for the keychain: a keychain that would show an unlock prompt is not
/// waited for.
const KEYCHAIN_TIMEOUT: Duration = Duration::from_millis(500);

/// The words of the line being completed (after the script's `--`), kept for the candidate
/// functions, which clap hands only the word under the cursor.
static LINE: OnceLock<Vec<String>> = OnceLock::new();

/// Set when bash split the word under the cursor at a `:` (`--store file:/tmp/x` reaches us as
/// `file`, `:`, `/tmp/x`): the words were joined back for clap, and candidates must then be
/// what follows the colon, which is all bash replaces.
static AFTER_COLON: AtomicBool = AtomicBool::new(false);

/// Prepares a completion request's words: remembers them, and for bash joins back a `--store`
/// value that bash's word breaks split at `:`. Returns the words to complete, and the index of
/// the word under the cursor when it moved.
pub(crate) fn prepare(
    shell: &OsStr,
    words: Vec<OsString>,
    index: Option<usize>,
) -> (Vec<OsString>, Option<usize>) {
    let text: Vec<String> = words
        .iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    let _ = LINE.set(text.clone());
    if shell != "bash" {
        return (words, None);
    }
    let Some(index) = index.filter(|&i| i < words.len()) else {
        return (words, None);
    };
    match rejoin_store_value(&text, index) {
        Some((joined, at)) => {
            AFTER_COLON.store(true, Ordering::SeqCst);
            (joined.into_iter().map(OsString::from).collect(), Some(at))
        }
        None => (words, None),
    }
}

/// `--store file : /tmp/x` (cursor on `/tmp/x`), or `--store file ""` (cursor right after the
/// colon, which bash shows as an empty word), joined into `--store file:/tmp/x` / `file:`;
/// `None` when the cursor is on no such value.
fn rejoin_store_value(words: &[String], index: usize) -> Option<(Vec<String>, usize)> {
    let is_kind = |w: &str| w == "file" || w == "exec";
    let store_at = |i: usize| i >= 1 && words.get(i - 1).is_some_and(|w| w == "--store");
    // `--store file : VALUE`, the cursor on VALUE.
    if index >= 3 && words[index - 1] == ":" && is_kind(&words[index - 2]) && store_at(index - 2) {
        let mut joined = words[..index - 2].to_vec();
        joined.push(format!("{}:{}", words[index - 2], words[index]));
        joined.extend_from_slice(&words[index + 1..]);
        return Some((joined, index - 2));
    }
    // `--store file` and the colon the script replaced with the (empty) word under the cursor.
    if index >= 2 && words[index].is_empty() && is_kind(&words[index - 1]) && store_at(index - 1) {
        let mut joined = words[..index - 1].to_vec();
        joined.push(format!("{}:", words[index - 1]));
        joined.extend_from_slice(&words[index + 1..]);
        return Some((joined, index - 1));
    }
    None
}

/// `--store`: the kinds of destination, and after `file:` the paths there (as the shell would
/// complete them, directories first with a `/`).
pub(crate) fn store_values(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    if let Some(path) = current.strip_prefix("file:") {
        let after_colon = AFTER_COLON.load(Ordering::SeqCst);
        return PathCompleter::any()
            .complete(OsStr::new(path))
            .into_iter()
            .map(|c| {
                let path = c.get_value().to_string_lossy().into_owned();
                let value = if after_colon {
                    path
                } else {
                    format!("file:{path}")
                };
                CompletionCandidate::new(value).hide(c.is_hide_set())
            })
            .collect();
    }
    [
        ("stdout", "print the secret (the default)"),
        ("keychain", "the OS keychain, under the key's name"),
        ("file:", "file:PATH, written 0600 and atomically"),
        ("exec:", "exec:COMMAND, which gets the secret on stdin"),
    ]
    .into_iter()
    .filter(|(value, _)| value.starts_with(current.as_ref()))
    .map(|(value, help)| CompletionCandidate::new(value).help(Some(help.into())))
    .collect()
}

/// The names of the keys the current profile's credential can see, each once, with its ID and
/// owner as help.
pub(crate) fn key_names() -> Vec<CompletionCandidate> {
    let Some(client) = client() else {
        return Vec::new();
    };
    let keys = ask(client.list_keys(&KeyFilter::default(), None)).unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    keys.iter()
        .filter(|k| offerable(&k.name) && seen.insert(k.name.clone()))
        .map(|k| {
            let owner = k
                .service_account_name
                .as_deref()
                .or(k.user_id.as_deref())
                .unwrap_or("?");
            let others = keys.iter().filter(|o| o.name == k.name).count();
            let help = if others > 1 {
                format!("{others} keys of this name")
            } else {
                format!("{}, owner {owner}", k.id)
            };
            CompletionCandidate::new(k.name.clone()).help(Some(help.into()))
        })
        .collect()
}

/// The names of the tenant's service accounts, with their roles as help.
pub(crate) fn service_account_names() -> Vec<CompletionCandidate> {
    let Some(client) = client() else {
        return Vec::new();
    };
    let accounts = ask(client.search_users("service_account", None)).unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    accounts
        .into_iter()
        .filter_map(|a| {
            let name = a
                .name
                .clone()
                .filter(|n| offerable(n) && seen.insert(n.clone()))?;
            Some(CompletionCandidate::new(name).help(Some(a.roles.join(",").into())))
        })
        .collect()
}

/// A name that can stand on a command line as one word: no control or invisible characters
/// (a name chosen by whoever made the key must not write to the terminal), none of a shell's
/// word breaks, and not taken for an option.
fn offerable(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.chars().any(|c| {
            c.is_control()
                || c.is_whitespace()
                || crate::names::is_invisible_format(c)
                || matches!(
                    c,
                    '\'' | '"' | '\\' | '`' | '$' | ';' | '&' | '|' | '<' | '>'
                )
        })
}

/// Runs `work` on a runtime of its own, giving up after [`TIMEOUT`]; `None` on any failure.
fn ask<T, E>(work: impl std::future::Future<Output = Result<T, E>>) -> Option<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime
        .block_on(async { tokio::time::timeout(TIMEOUT, work).await })
        .ok()?
        .ok()
}

/// The value of `--flag` on the line being completed (`--flag V` or `--flag=V`, the last one).
fn typed(flag: &str) -> Option<String> {
    let words = LINE.get()?;
    let mut found = None;
    let mut words = words.iter();
    while let Some(word) = words.next() {
        if word == flag {
            found = words.next().cloned();
        } else if let Some(value) = word.strip_prefix(flag).and_then(|v| v.strip_prefix('=')) {
            found = Some(value.to_string());
        }
    }
    found
}

/// A client as the command on the line would make it, or `None` when it could not run without
/// asking something: the profile (typed, `FLEXPRICE_PROFILE`, or the default), the API URL and
/// environment (typed, the environment, the profile), and the credential from
/// `FLEXPRICE_API_KEY`, its file, or a stored login that has not expired. An environment given
/// by name is left out rather than looked up.
fn client() -> Option<Client> {
    let paths = Paths::discover().ok()?;
    let profile_name = typed("--profile").or_else(|| env::var(env::PROFILE));
    let profile =
        config::load_profile(&paths.config_file(), profile_name.as_deref(), false).ok()?;
    let raw_url = typed("--api-url")
        .or_else(|| env::var(env::API_URL))
        .or_else(|| profile.settings.api_url.clone())
        .unwrap_or_else(|| DEFAULT_API_URL.to_string());
    let insecure = LINE
        .get()
        .is_some_and(|w| w.iter().any(|w| w == "--allow-insecure-http"));
    let base_url = parse_api_url(&raw_url, insecure).ok()?;
    let environment = typed("--environment")
        .or_else(|| env::var(env::ENVIRONMENT_ID))
        .or_else(|| profile.settings.environment.clone())
        .filter(|e| crate::names::environment_id_like(e));
    let secret = if let Some(key) = env::var(env::API_KEY).map(zeroize::Zeroizing::new) {
        secret_input::check(&key, env::API_KEY).ok()?
    } else if let Some(path) = env::var(env::API_KEY_FILE) {
        // A TAB changes nothing: a key file open to others, which a command would make
        // private with a warning, is left alone and nothing is offered.
        if !private_to_its_owner(Path::new(&path)) {
            return None;
        }
        secret_input::read_file(Path::new(&path), env::API_KEY_FILE)
            .ok()?
            .secret
    } else {
        let stored = Keychain::new(KEYCHAIN_TIMEOUT)
            .get(LOGIN_SERVICE, &profile.name)
            .ok()?;
        let secret = secret_input::check(stored.expose_secret(), "the stored login").ok()?;
        if let Some(at) = crate::login::expires_at(secret.expose_secret())
            && crate::login::is_expired(at, crate::time::now())
        {
            return None;
        }
        secret
    };
    Client::new(ClientConfig {
        base_url,
        credential: Some(Credential::new(secret)),
        environment,
        timeout: TIMEOUT,
        trace: None,
    })
    .ok()
}

/// Whether the file at `path` is readable by its owner alone (always, where there are no modes).
fn private_to_its_owner(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 == 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &[&str]) -> Vec<String> {
        line.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn a_store_value_bash_split_at_its_colon_is_joined_back() {
        let line = words(&[
            "flexprice-admin",
            "keys",
            "rotate",
            "--store",
            "file",
            ":",
            "/tmp/x",
        ]);
        let (joined, at) = rejoin_store_value(&line, 6).unwrap();
        assert_eq!(
            joined,
            words(&[
                "flexprice-admin",
                "keys",
                "rotate",
                "--store",
                "file:/tmp/x"
            ])
        );
        assert_eq!(at, 4);
        let line = words(&["flexprice-admin", "keys", "create", "--store", "file", ""]);
        let (joined, at) = rejoin_store_value(&line, 5).unwrap();
        assert_eq!(
            joined,
            words(&["flexprice-admin", "keys", "create", "--store", "file:"])
        );
        assert_eq!(at, 4);
        // Anything else is left as it is.
        let line = words(&["flexprice-admin", "keys", "delete", "a", ":", "b"]);
        assert!(rejoin_store_value(&line, 5).is_none());
        let line = words(&["flexprice-admin", "keys", "rotate", "--store", "keychain"]);
        assert!(rejoin_store_value(&line, 4).is_none());
    }

    #[test]
    fn only_names_that_stand_as_one_word_are_offered() {
        for ok in ["ci-ingest", "café", "a.b_c/d", "鍵"] {
            assert!(offerable(ok), "{ok}");
        }
        for bad in [
            "",
            "-rf",
            "a b",
            "x\u{1b}[2J",
            "a\u{202e}b",
            "$(rm)",
            "a;b",
            "it's",
        ] {
            assert!(!offerable(bad), "{bad:?}");
        }
    }
}
