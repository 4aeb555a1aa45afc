//! Where a one-time secret goes, as one type. A [`Store`] is a destination as the user wrote it
//! (`--store`, a manifest's `store`), placeholders and all. Filled in for one key it becomes a
//! [`Destination`]: the one place delivered to, recorded in the journal, and reused exactly as
//! recorded. A recorded destination is never a [`Store`] again, so nothing is filled twice.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::exec;
use crate::error::CommandError;
use crate::private_file;
use crate::secrets::entries::key_account;

/// The placeholder in a `file:` path for the key's name.
pub(crate) const NAME_PLACEHOLDER: &str = "{name}";
/// The placeholder in a `file:` path for the ID of the key's owner (service account or user).
pub(crate) const OWNER_PLACEHOLDER: &str = "{owner}";

/// A destination as given to `--store`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    /// Printed on stdout (the default).
    Stdout,
    /// The OS keychain, service `flexprice-admin`, account `<profile>/<owner id>/<key name>`.
    Keychain,
    /// A file written atomically with mode 0600. `{name}` and `{owner}` in the path stand for
    /// the key's name and its owner's ID, so one store can serve every key of a batch.
    File(PathBuf),
    /// A program that reads the secret on its stdin; the words of the command, split like a
    /// shell would (quotes, backslashes), without running a shell.
    Exec(Vec<String>),
}

impl Store {
    /// Parses a `--store` value; a clap value parser, so errors exit 2 naming `--store`.
    pub fn parse(raw: &str) -> Result<Store, String> {
        let raw = raw.trim();
        match raw {
            "stdout" | "-" => return Ok(Store::Stdout),
            "keychain" => return Ok(Store::Keychain),
            _ => {}
        }
        if let Some(path) = raw.strip_prefix("file:") {
            if path.trim().is_empty() {
                return Err("file: needs a path, e.g. file:./ci-ingest.key".into());
            }
            if path.chars().any(char::is_control) {
                return Err("the path must not contain control characters".into());
            }
            return Ok(Store::File(PathBuf::from(path)));
        }
        if let Some(command) = raw.strip_prefix("exec:") {
            let words = exec::split_words(command)?;
            if words.is_empty() {
                return Err(
                    "exec: needs a command, e.g. exec:gh secret set FLEXPRICE_API_KEY".into(),
                );
            }
            return Ok(Store::Exec(words));
        }
        let scheme = raw.split(':').next().unwrap_or(raw);
        Err(format!(
            "unknown destination '{scheme}': use stdout, keychain, file:PATH or exec:COMMAND"
        ))
    }

    /// Whether delivering to it needs the key's owner: a `file:` path that says `{owner}`, the
    /// keychain (its entries are named after the owner), or an `exec:` command that mentions
    /// `FLEXPRICE_KEY_OWNER` (without it the command would be given no owner now, and the
    /// owner's ID by every later rotation: two places).
    pub fn uses_owner(&self) -> bool {
        match self {
            Store::File(path) => path.to_string_lossy().contains(OWNER_PLACEHOLDER),
            Store::Keychain => true,
            Store::Exec(words) => words.iter().any(|w| w.contains(exec::KEY_OWNER_VAR)),
            Store::Stdout => false,
        }
    }

    /// This store for one key: `{name}` and `{owner}` filled in, in one pass (a name that reads
    /// `{owner}` stays as it is), each value checked safe for a path first. A key whose name or
    /// owner would steer the secret elsewhere is refused (exit 2), naming the store.
    pub fn fill(&self, key: &KeyIdent, profile: &str) -> Result<Destination, CommandError> {
        Ok(match self {
            Store::Stdout => Destination::Stdout,
            Store::Keychain => {
                let Some(owner) = &key.owner else {
                    return Err(CommandError::usage(format!(
                        "--store keychain: the owner of {} is not known, and keychain entries are named \
                         <profile>/<owner id>/<key name>; no key was created",
                        key.label
                    )));
                };
                Destination::Keychain {
                    account: key_account(profile, owner, &key.name),
                }
            }
            Store::File(template) => Destination::File {
                path: private_file::absolute(&fill_path(template, key)?),
            },
            Store::Exec(words) => Destination::Exec {
                argv: words.clone(),
            },
        })
    }
}

impl std::fmt::Display for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Store::Stdout => f.write_str("stdout"),
            Store::Keychain => f.write_str("keychain"),
            Store::File(path) => write!(f, "file:{}", path.display()),
            Store::Exec(words) => write!(f, "exec:{}", words.join(" ")),
        }
    }
}

/// One place a secret goes, filled in for its key. Serialized as the journal records it (the
/// same form delivery records have always had: `{"kind": "file", "path": …}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Destination {
    Stdout,
    Keychain { account: String },
    File { path: PathBuf },
    Exec { argv: Vec<String> },
}

impl Destination {
    /// The kind, as the test hook and messages name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Destination::Stdout => "stdout",
            Destination::Keychain { .. } => "keychain",
            Destination::File { .. } => "file",
            Destination::Exec { .. } => "exec",
        }
    }

    /// How receipts, `stored_in` and errors name it.
    pub fn label(&self) -> String {
        match self {
            Destination::Stdout => "stdout".into(),
            Destination::Keychain { account } => format!("keychain:{account}"),
            Destination::File { path } => format!("file:{}", path.display()),
            Destination::Exec { argv } => format!("exec:{}", argv.join(" ")),
        }
    }
}

/// A key about to get a new secret, as destinations and messages see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyIdent {
    pub name: String,
    /// The owner's ID; needed only where a store says `{owner}` or names a keychain entry.
    pub owner: Option<String>,
    /// How messages name the key, e.g. "key secret_01… (ingest)" or "the new key 'ingest'".
    pub label: String,
}

/// Why `value` may not stand in a file path, if it may not: it could name another directory
/// (`/`, `\`, `..`), be taken for an option (`-`) or hide (`.`), or carry NUL or control
/// characters. An empty value would leave a path nobody meant either.
pub(crate) fn unsafe_in_path(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        Some("is empty")
    } else if value.contains('/') {
        Some("contains '/'")
    } else if value.contains('\\') {
        Some("contains '\\'")
    } else if value.contains("..") {
        Some("contains '..'")
    } else if value.contains('\0') {
        Some("contains a NUL character")
    } else if value.chars().any(char::is_control) {
        Some("contains a control character")
    } else if value.starts_with('-') {
        Some("starts with '-'")
    } else if value.starts_with('.') {
        Some("starts with '.'")
    } else {
        None
    }
}

/// A `file:` path with its placeholders filled in, each value checked safe first.
fn fill_path(template: &Path, key: &KeyIdent) -> Result<PathBuf, CommandError> {
    let text = template.to_string_lossy();
    let fillers = [
        (NAME_PLACEHOLDER, "name", Some(key.name.as_str())),
        (OWNER_PLACEHOLDER, "owner ID", key.owner.as_deref()),
    ];
    for (placeholder, what, value) in fillers {
        if !text.contains(placeholder) {
            continue;
        }
        let Some(value) = value else {
            return Err(CommandError::usage(format!(
                "--store file:{text}: the owner of {} is not known, so {placeholder} cannot be filled in; no key \
                 was created",
                key.label
            )));
        };
        if let Some(why) = unsafe_in_path(value) {
            return Err(CommandError::usage(format!(
                "--store file:{text}: {} has the {what} '{value}', which {why}; it would steer where the secret \
                 is written, so no key was created for it",
                key.label
            ))
            .hint(format!(
                "give the key a plain name (letters, digits, '-', '_'), or deliver its secret to a fixed path: \
                 --store 'file:/etc/flexprice/{}.key' (a path without {placeholder})",
                if what == "name" { "ingest" } else { "owner" }
            )));
        }
    }
    let mut path = String::with_capacity(text.len());
    let mut rest: &str = &text;
    'scan: while !rest.is_empty() {
        for (placeholder, _, value) in fillers {
            if let Some(after) = rest.strip_prefix(placeholder) {
                path.push_str(value.unwrap_or_default());
                rest = after;
                continue 'scan;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        path.push(c);
        rest = &rest[c.len_utf8()..];
    }
    Ok(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, owner: &str) -> KeyIdent {
        KeyIdent {
            name: name.into(),
            owner: Some(owner.into()),
            label: format!("key {name} of {owner}"),
        }
    }

    #[test]
    fn stores_parse() {
        assert_eq!(Store::parse("stdout"), Ok(Store::Stdout));
        assert_eq!(Store::parse("keychain"), Ok(Store::Keychain));
        assert_eq!(
            Store::parse("file:/tmp/k"),
            Ok(Store::File("/tmp/k".into()))
        );
        assert_eq!(
            Store::parse("exec:gh secret set 'A B'"),
            Ok(Store::Exec(vec![
                "gh".into(),
                "secret".into(),
                "set".into(),
                "A B".into()
            ]))
        );
        assert!(Store::parse("file:").is_err());
        assert!(Store::parse("exec:").is_err());
        assert!(
            Store::parse("vault:x")
                .unwrap_err()
                .contains("unknown destination 'vault'")
        );
    }

    #[test]
    fn unsafe_names_are_named() {
        for bad in [
            "", "a/b", "..", "a..b", "a\\b", "-rf", ".hidden", "a\0b", "a\nb", "a\x1bb",
        ] {
            assert!(unsafe_in_path(bad).is_some(), "{bad:?}");
        }
        for good in ["ingest", "ci-ingest_2", "a.b", "über", "user_01K3"] {
            assert_eq!(unsafe_in_path(good), None, "{good:?}");
        }
    }

    #[test]
    fn placeholders_are_filled_in_one_pass() {
        let filled = Store::File("/d/{name}+{owner}".into())
            .fill(&key("{owner}", "user_1"), "p")
            .unwrap();
        assert_eq!(
            filled,
            Destination::File {
                path: "/d/{owner}+user_1".into()
            }
        );
    }

    #[test]
    fn an_unsafe_name_is_refused_where_it_would_steer_a_path() {
        let err = Store::File("/d/{name}.key".into())
            .fill(&key("../x", "user_2"), "p")
            .unwrap_err();
        assert!(err.message.contains("contains '/'"), "{}", err.message);
        // Where the name steers nothing it is harmless.
        assert!(
            Store::File("/d/fixed.key".into())
                .fill(&key("../x", "user_2"), "p")
                .is_ok()
        );
    }

    #[test]
    fn keychain_entries_are_named_by_profile_owner_and_name() {
        assert_eq!(
            Store::Keychain.fill(&key("ci", "user_1"), "p").unwrap(),
            Destination::Keychain {
                account: "p/user_1/ci".into()
            }
        );
    }

    #[test]
    fn recorded_destinations_keep_their_form() {
        let file = Destination::File {
            path: "/etc/{owner}.key".into(),
        };
        let text = serde_json::to_string(&file).unwrap();
        assert_eq!(text, r#"{"kind":"file","path":"/etc/{owner}.key"}"#);
        assert_eq!(serde_json::from_str::<Destination>(&text).unwrap(), file);
    }
}
