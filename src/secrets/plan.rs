//! Step 1 of a hand-over, before anything is minted: every destination of every key of the
//! command resolved to a concrete place (a file path, a keychain account, a command) and
//! checked. A key's name and owner come from whoever may create keys, so they steer a
//! destination only when safe: a name that could leave the directory of a `file:` path is
//! refused for that key. Two keys that would land on one file or keychain entry (each secret
//! overwriting the last) refuse the whole command. Then each place is checked reachable.
//! Any refusal is a usage error (exit 2): nothing was minted.

use std::collections::HashMap;
use std::path::PathBuf;

use super::{Destination, Destinations, Keychain, exec, file, key_account};
use crate::error::CommandError;

/// The placeholder in a `file:` path for the key's name.
pub const NAME_PLACEHOLDER: &str = "{name}";
/// The placeholder in a `file:` path for the ID of the key's owner (service account or user).
pub const OWNER_PLACEHOLDER: &str = "{owner}";

/// A key about to get a new secret, as destinations and messages see it.
#[derive(Debug, Clone)]
pub struct KeyIdent {
    pub name: String,
    /// The owner's ID; needed only when a destination says `{owner}`.
    pub owner: Option<String>,
    /// How messages name the key, e.g. "key secret_01… (ingest)" or "the new key 'ingest'".
    pub label: String,
}

/// One destination of one key, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Stdout,
    Keychain {
        account: String,
    },
    File {
        path: PathBuf,
    },
    Exec {
        words: Vec<String>,
        key_name: String,
        key_owner: Option<String>,
    },
}

impl Target {
    /// The kind, as the test hook and messages name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Stdout => "stdout",
            Target::Keychain { .. } => "keychain",
            Target::File { .. } => "file",
            Target::Exec { .. } => "exec",
        }
    }

    /// How receipts, `stored_in` and errors name it.
    pub fn label(&self) -> String {
        match self {
            Target::Stdout => "stdout".into(),
            Target::Keychain { account } => format!("keychain:{account}"),
            Target::File { path } => format!("file:{}", path.display()),
            Target::Exec { words, .. } => format!("exec:{}", words.join(" ")),
        }
    }
}

/// Every key's destinations, in the order of the keys given to [`plan`].
#[derive(Debug)]
pub struct Plan {
    /// Per key: its targets, or why it must not be minted (its name is unsafe where a
    /// destination would use it). A batch skips refused keys; a single key stops there.
    pub keys: Vec<Result<Vec<Target>, CommandError>>,
    /// The profile, for the delivery record.
    pub profile: String,
    pub keychain: Keychain,
    pub exec_timeout: std::time::Duration,
}

impl Plan {
    /// Takes the refusal of key `i`, if it was refused (it then has no targets).
    pub fn refusal(&mut self, i: usize) -> Option<CommandError> {
        match std::mem::replace(&mut self.keys[i], Ok(Vec::new())) {
            Ok(targets) => {
                self.keys[i] = Ok(targets);
                None
            }
            Err(refused) => Some(refused),
        }
    }

    /// The targets of key `i` (a refused key has none).
    pub fn targets(&self, i: usize) -> &[Target] {
        match &self.keys[i] {
            Ok(targets) => targets,
            Err(_) => &[],
        }
    }
}

/// Why `value` may not stand in a file path, if it may not: it could name another directory
/// (`/`, `\`, `..`), be taken for an option (`-`) or hide (`.`), or carry NUL or control
/// characters. An empty value would leave a path nobody meant either.
pub fn unsafe_in_path(value: &str) -> Option<&'static str> {
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

/// Resolves and checks every destination of every key. `Err`: the whole command is refused
/// (two keys on one destination, or a destination that cannot take a secret).
pub fn plan(dests: &Destinations, keys: &[KeyIdent]) -> Result<Plan, CommandError> {
    let each = vec![dests.clone(); keys.len()];
    plan_each(&each, keys)
}

/// [`plan`] with each key's own destinations (a rotation without `--store` delivers each new
/// secret where its key's last one went); `dests[i]` is key `i`'s, `dests` is never empty.
pub fn plan_each(dests: &[Destinations], keys: &[KeyIdent]) -> Result<Plan, CommandError> {
    let mut planned = Vec::with_capacity(keys.len());
    for (key, dests) in keys.iter().zip(dests) {
        planned.push(resolve(dests, key));
    }
    refuse_collisions(keys, &planned)?;
    check_reachable(&dests[0], &planned)?;
    Ok(Plan {
        keys: planned,
        profile: dests[0].profile.clone(),
        keychain: dests[0].keychain,
        exec_timeout: dests[0].exec_timeout,
    })
}

/// The targets of one key, or the refusal of a name or owner that would steer a path.
fn resolve(dests: &Destinations, key: &KeyIdent) -> Result<Vec<Target>, CommandError> {
    let mut targets = Vec::new();
    for dest in &dests.list {
        targets.push(match dest {
            Destination::Stdout => Target::Stdout,
            Destination::Keychain => {
                let Some(owner) = &key.owner else {
                    return Err(CommandError::usage(format!(
                        "--store keychain: the owner of {} is not known, and keychain entries are named \
                         <profile>/<owner id>/<key name>; no key was created",
                        key.label
                    )));
                };
                Target::Keychain {
                    account: key_account(&dests.profile, owner, &key.name),
                }
            }
            Destination::File(template) => Target::File {
                path: file::absolute(&file_path(template, key)?),
            },
            Destination::Exec(words) => Target::Exec {
                words: words.clone(),
                key_name: key.name.clone(),
                key_owner: key.owner.clone(),
            },
        });
    }
    Ok(targets)
}

/// A `file:` path with its placeholders filled in, each value checked safe first. One pass
/// over the template: a name that itself reads `{owner}` stays as it is.
fn file_path(template: &std::path::Path, key: &KeyIdent) -> Result<PathBuf, CommandError> {
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
                "--store file:{text}: the owner of {} is not known, so {placeholder} cannot be filled in; no key was created",
                key.label
            )));
        };
        if let Some(why) = unsafe_in_path(value) {
            return Err(CommandError::usage(format!(
                "--store file:{text}: {} has the {what} '{value}', which {why}; it would steer where the secret is \
                 written, so no key was created for it",
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

/// What makes two targets one place: a file is named by its directory as the file system
/// resolves it (`a/../k` and `b/../k`, or two links to one directory, are one file), and file
/// systems that ignore case (macOS, Windows by default) make `Ingest.key` and `ingest.key` one
/// file.
fn place(target: &Target) -> Option<String> {
    match target {
        Target::File { path } => {
            let resolved = match (path.parent(), path.file_name()) {
                (Some(dir), Some(name)) => std::fs::canonicalize(dir)
                    .map(|dir| dir.join(name))
                    .unwrap_or_else(|_| path.clone()),
                _ => path.clone(),
            };
            let path = resolved.to_string_lossy();
            Some(if cfg!(any(target_os = "macos", windows)) {
                format!("file:{}", path.to_lowercase())
            } else {
                format!("file:{path}")
            })
        }
        Target::Keychain { account } => Some(format!("keychain:{account}")),
        Target::Stdout | Target::Exec { .. } => None,
    }
}

/// Two keys whose secrets would land on one file or keychain entry: refused, naming both.
fn refuse_collisions(
    keys: &[KeyIdent],
    planned: &[Result<Vec<Target>, CommandError>],
) -> Result<(), CommandError> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, targets) in planned.iter().enumerate() {
        let Ok(targets) = targets else { continue };
        for target in targets {
            let Some(place) = place(target) else { continue };
            // One key may name one place twice (`file:a` and `file:./a`): harmless.
            if let Some(&first) = seen.get(&place).filter(|&&first| first != i) {
                let (a, b) = (&keys[first].label, &keys[i].label);
                let hint = match target {
                    Target::File { .. } => {
                        "put {name} and {owner} in the path, e.g. --store 'file:/etc/flexprice/{owner}-{name}.key', or rotate the keys one at a time with `keys rotate ID`"
                    }
                    _ => {
                        "keychain entries are named <profile>/<owner id>/<key name>: rotate these keys one at a time with `keys rotate ID --store file:PATH`, or rename one"
                    }
                };
                return Err(CommandError::usage(format!(
                    "--store {}: {a} and {b} would both be delivered there, the second secret overwriting the first; \
                     no key was created",
                    target.label()
                ))
                .hint(hint));
            }
            seen.insert(place, i);
        }
    }
    Ok(())
}

/// Each place, once: the keychain answers, each file's directory is writable, each command
/// exists.
fn check_reachable(
    dests: &Destinations,
    planned: &[Result<Vec<Target>, CommandError>],
) -> Result<(), CommandError> {
    let failed = |label: String, why: String, hints: Vec<String>| {
        let mut err = CommandError::usage(format!("--store {label}: {why}; no key was created"));
        for hint in hints {
            err = err.hint(hint);
        }
        err
    };
    let mut keychain_checked = false;
    let mut commands_checked: Vec<&Vec<String>> = Vec::new();
    for target in planned.iter().flatten().flatten() {
        match target {
            Target::Stdout => {}
            Target::Keychain { .. } if !keychain_checked => {
                keychain_checked = true;
                if let Err(e) = dests.keychain.probe() {
                    let mut hints = e.hints();
                    hints.push("or choose another destination, e.g. --store file:PATH (the keychain is never replaced by a plaintext file silently)".into());
                    return Err(failed(target.label(), e.to_string(), hints));
                }
            }
            Target::Keychain { .. } => {}
            Target::File { path } => {
                file::preflight(path).map_err(|why| failed(target.label(), why, vec![]))?;
            }
            Target::Exec { words, .. } => {
                if !commands_checked.contains(&words) {
                    commands_checked.push(words);
                    exec::preflight(words).map_err(|why| failed(target.label(), why, vec![]))?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn dests(list: Vec<Destination>) -> Destinations {
        Destinations::new(
            &list,
            Keychain::new(Duration::from_secs(1)),
            "p",
            Duration::from_secs(1),
        )
    }

    fn key(name: &str, owner: &str) -> KeyIdent {
        KeyIdent {
            name: name.into(),
            owner: Some(owner.into()),
            label: format!("key {name} of {owner}"),
        }
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
    fn placeholders_fill_in_and_unsafe_values_refuse_only_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let template = dir.path().join("{owner}-{name}.key");
        let d = dests(vec![Destination::File(template)]);
        let plan = plan(&d, &[key("ingest", "user_1"), key("../x", "user_2")]).unwrap();
        assert_eq!(
            plan.targets(0),
            [Target::File {
                path: dir.path().join("user_1-ingest.key")
            }]
        );
        let refused = plan.keys[1].as_ref().unwrap_err();
        assert!(refused.message.contains("../x"), "{}", refused.message);
        assert!(
            refused.message.contains("contains '/'"),
            "{}",
            refused.message
        );
    }

    #[test]
    fn placeholders_are_filled_in_one_pass() {
        let dir = tempfile::tempdir().unwrap();
        let d = dests(vec![Destination::File(dir.path().join("{name}+{owner}"))]);
        let plan = plan(&d, &[key("{owner}", "user_1")]).unwrap();
        assert_eq!(
            plan.targets(0),
            [Target::File {
                path: dir.path().join("{owner}+user_1")
            }]
        );
    }

    #[test]
    fn one_key_naming_one_file_twice_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let d = dests(vec![
            Destination::File(dir.path().join("k")),
            Destination::File(dir.path().join("./k")),
        ]);
        assert!(plan(&d, &[key("ingest", "user_1")]).is_ok());
    }

    #[test]
    fn two_keys_on_one_file_refuse_the_batch_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let d = dests(vec![Destination::File(dir.path().join("{name}.key"))]);
        let err = plan(&d, &[key("ingest", "user_1"), key("ingest", "user_2")]).unwrap_err();
        assert!(
            err.message.contains("key ingest of user_1"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("key ingest of user_2"),
            "{}",
            err.message
        );
        assert!(err.hints[0].contains("{owner}"));
    }
}
