//! Names and references: what a name may be (and that a new one cannot be taken for an ID), and
//! turning what the user typed (an ID, the start of one, or a name) into exactly one object of a
//! list, or a clear error: not found (exit 4) or ambiguous (exit 2, listing the candidates).
//! Malformed IDs are refused before any request. Pure functions, below every command.
//!
//! Tables shorten IDs to a prefix that is unique among their rows, as git shortens hashes
//! (`output::layout`), so the start of an ID is accepted wherever an ID is: at least
//! [`MIN_ID_PREFIX`] characters of its ULID, matching exactly one object.

use crate::api::models::{ApiKey, Environment, User};
use crate::error::{CommandError, Exit};

const ULID_LEN: usize = 26;

/// The fewest characters of an ID's ULID a table shows and a reference may give: the first
/// eight are the second the object was made in, so a shorter start would match most objects
/// made the same day, and `secret_123` stays a typo rather than a search.
pub(crate) const MIN_ID_PREFIX: usize = 8;

fn is_ulid_chars(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() && !b"ILOU".contains(&b))
}

fn is_ulid(s: &str) -> bool {
    s.len() == ULID_LEN && is_ulid_chars(s)
}

/// Whether `s` is the start of a ULID that a reference may give: [`MIN_ID_PREFIX`] to 25
/// characters of the ULID alphabet.
fn is_ulid_start(s: &str) -> bool {
    (MIN_ID_PREFIX..ULID_LEN).contains(&s.len()) && is_ulid_chars(s)
}

/// Why a name for a new key or service account would be taken for an ID, if it would. Such a
/// name could never be used as a reference (`secret_…` and `user_…` are read as IDs, and a
/// malformed one is refused), and `keys delete NAME` could pick the key whose ID it spells.
/// Flexprice IDs are a lower-case prefix (`secret`, `user`, `env`, `inv_line`, …), `_`, and a
/// ULID; raw keys are `sk_`/`pk_` and a ULID.
pub(crate) fn id_like(name: &str) -> Option<&'static str> {
    if name.starts_with("secret_") {
        return Some("starts like a key ID (secret_…)");
    }
    if name.starts_with("user_") {
        return Some("starts like a service account ID (user_…)");
    }
    let tail = name.rsplit('_').next().unwrap_or(name);
    let prefix = &name[..name.len() - tail.len()];
    let prefix_like = prefix.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if is_ulid(tail) && prefix_like {
        return Some("has the shape of a Flexprice ID (prefix_ and a 26-character ULID)");
    }
    None
}

/// What a reference looks like before any request is made.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reference<'a> {
    Id(&'a str),
    /// The start of an ID, as a table shows it when shortened.
    IdStart(&'a str),
    Name(&'a str),
}

impl Reference<'_> {
    /// Whether an object with this ID (or name) is the one referred to.
    fn matches(&self, id: &str, name: Option<&str>) -> bool {
        match self {
            Reference::Id(raw) => id == *raw,
            Reference::IdStart(raw) => id.starts_with(raw),
            Reference::Name(raw) => name == Some(*raw),
        }
    }
}

/// Classifies a reference to an object whose IDs are `prefix` + ULID. A reference that starts
/// with the prefix but is not a valid ID is refused, since no name is likely to look like that.
pub(crate) fn classify<'a>(
    raw: &'a str,
    prefix: &str,
    what: &str,
    arg: &str,
) -> Result<Reference<'a>, CommandError> {
    match raw.strip_prefix(prefix) {
        Some(rest) if is_ulid(rest) => Ok(Reference::Id(raw)),
        Some(rest) if is_ulid_start(rest) => Ok(Reference::IdStart(raw)),
        Some(_) => Err(CommandError::usage(format!(
            "{arg}: '{raw}' looks like a {what} ID but is malformed ({prefix} followed by 26 characters of 0-9 and A-Z, \
             or at least the first {MIN_ID_PREFIX} of them as a table shows it)"
        ))
        .hint(format!("copy the ID from the list command, or pass the {what}'s exact name"))),
        None => Ok(Reference::Name(raw)),
    }
}

/// Finds one key by ID or exact name among `keys`.
pub(crate) fn key<'k>(keys: &'k [ApiKey], raw: &str) -> Result<&'k ApiKey, CommandError> {
    let reference = classify(raw, "secret_", "key", "KEY")?;
    let matches: Vec<&ApiKey> = keys
        .iter()
        .filter(|k| reference.matches(&k.id, Some(&k.name)))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(CommandError::new(Exit::NotFound, format!("no key with ID or name '{raw}' is visible to this credential"))
            .hint("`flexprice-admin keys list` shows the keys you can see (keys of other environments are not listed)")),
        many => {
            let mut err = CommandError::usage(match reference {
                Reference::IdStart(_) => format!("'{raw}' is ambiguous: the IDs of {} keys start with it", many.len()),
                _ => format!("'{raw}' is ambiguous: {} keys have that name", many.len()),
            });
            for key in many {
                let owner = key.service_account_name.as_deref().or(key.user_id.as_deref()).unwrap_or("?");
                err = err.hint(format!("{}  owner {owner}, created {}", key.id, key.created_at));
            }
            Err(err.hint(ambiguity_fix(&reference)))
        }
    }
}

/// The hint that resolves an ambiguous reference.
fn ambiguity_fix(reference: &Reference<'_>) -> &'static str {
    match reference {
        Reference::IdStart(_) => {
            "give more of the ID (the whole ID is in `-o plain` and `-o json`)"
        }
        _ => "pass the ID instead of the name",
    }
}

/// The keys whose name is exactly `name` (the candidates of an ambiguous name).
pub(crate) fn keys_named<'k>(keys: &'k [ApiKey], name: &str) -> Vec<&'k ApiKey> {
    keys.iter().filter(|k| k.name == name).collect()
}

/// Finds one service account by ID or exact name among `accounts`.
pub(crate) fn service_account<'u>(
    accounts: &'u [User],
    raw: &str,
    arg: &str,
) -> Result<&'u User, CommandError> {
    let reference = classify(raw, "user_", "service account", arg)?;
    let matches: Vec<&User> = accounts
        .iter()
        .filter(|u| reference.matches(&u.id, u.name.as_deref()))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(CommandError::new(
            Exit::NotFound,
            format!("{arg}: no service account with ID or name '{raw}'"),
        )
        .hint(
            "`flexprice-admin service-accounts list` shows them (archived accounts are not listed)",
        )),
        many => {
            let mut err = CommandError::usage(match reference {
                Reference::IdStart(_) => format!(
                    "{arg}: '{raw}' is ambiguous: the IDs of {} service accounts start with it",
                    many.len()
                ),
                _ => format!(
                    "{arg}: '{raw}' is ambiguous: {} service accounts have that name",
                    many.len()
                ),
            });
            for account in many {
                err = err.hint(format!("{}  roles {}", account.id, account.roles.join(",")));
            }
            Err(err.hint(ambiguity_fix(&reference)))
        }
    }
}

/// Whether `--environment` was given an ID rather than a name: `env_` and a ULID, or a UUID
/// (the seeded local environments, `00000000-0000-0000-0000-000000000000`). The start of an
/// `env_` ID (as a table shortens it) is not: it is looked up like a name.
pub(crate) fn environment_id_like(raw: &str) -> bool {
    let uuid = raw.len() == 36
        && raw.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    uuid || raw
        .strip_prefix("env_")
        .is_some_and(|rest| !is_ulid_start(rest))
}

/// The ID of the environment named `name` among `environments`: exactly one must have that
/// name (names are compared exactly; `environments list` shows them), or an ID starting with
/// it when it is the start of an `env_` ID.
pub(crate) fn environment_id(
    environments: &[Environment],
    name: &str,
) -> Result<String, CommandError> {
    let start = name
        .strip_prefix("env_")
        .is_some_and(is_ulid_start)
        .then_some(name);
    let matches: Vec<&Environment> = environments
        .iter()
        .filter(|e| e.name == name || start.is_some_and(|s| e.id.starts_with(s)))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => {
            let names: Vec<&str> = environments.iter().map(|e| e.name.as_str()).collect();
            Err(CommandError::new(
                Exit::NotFound,
                format!("--environment: no environment is named '{name}'"),
            )
            .hint(format!(
                "environments: {}; pass a name or an ID from `flexprice-admin environments list`",
                if names.is_empty() {
                    "none visible".to_string()
                } else {
                    names.join(", ")
                }
            )))
        }
        many => {
            let mut err = CommandError::usage(format!(
                "--environment: '{name}' is ambiguous: {} environments have that name",
                many.len()
            ));
            for env in many {
                err = err.hint(format!("{}  type {}", env.id, env.env_type));
            }
            Err(err.hint("pass the ID instead of the name"))
        }
    }
}

/// The longest name we accept: key and account names are `varchar(255)` columns, and the real
/// server answers a longer one with a 500 (contract §11 #2), so it is refused before sending.
pub(crate) const MAX_NAME_CHARS: usize = 255;

/// The name of something new (a key, a service account, a rename): a valid name that cannot be
/// taken for an ID, so that it can be referred to later and never names another object's ID.
pub(crate) fn parse_new_name(raw: &str) -> Result<String, String> {
    let name = parse_name(raw)?;
    // Shown as U+FFFD everywhere, such a name would still be a twin of the visible one in the
    // server's listings and in every other tool.
    if name.chars().any(is_invisible_format) {
        return Err(
            "must not contain invisible characters (zero-width spaces, direction overrides), which make it \
             look like another name"
                .into(),
        );
    }
    match id_like(&name) {
        Some(why) => Err(format!(
            "{why}, so it could not be told from an ID; choose a name such as ci-ingest"
        )),
        None => Ok(name),
    }
}

/// Names and IDs: not empty, not only spaces, no control characters, not absurdly long.
pub(crate) fn parse_name(raw: &str) -> Result<String, String> {
    if raw.trim().is_empty() {
        return Err("must not be empty or only spaces".into());
    }
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters (newlines, tabs, escapes)".into());
    }
    if raw.chars().count() > MAX_NAME_CHARS {
        return Err(format!("must be at most {MAX_NAME_CHARS} characters"));
    }
    Ok(raw.to_string())
}

/// Characters that change how text around them is shown without showing themselves:
/// bidirectional embeddings, overrides, isolates and marks (U+202A–202E, U+2066–2069, U+200E,
/// U+200F, U+061C), zero-width spaces and joiners (U+200B–200D, U+2060, U+FEFF), the invisible
/// operators (U+2061–2064), the deprecated format controls (U+206A–206F), the Mongolian vowel
/// separator (U+180E), and the line and paragraph separators (U+2028, U+2029), which some
/// terminals and editors treat as line breaks. ASCII text never contains one, so the common case
/// costs one comparison per character.
pub(crate) fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(parse_name("ci-ingest").is_ok());
        assert!(parse_name("").is_err());
        assert!(parse_name("   ").is_err());
        assert!(parse_name("a\nb").is_err());
        assert!(parse_name(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn names_that_look_like_ids_are_caught() {
        for name in [
            "secret_01K3ABCDEFGHJKMNPQRSTVWXYZ",
            "secret_prod",
            "user_01K3ABCDEFGHJKMNPQRSTVWXYZ",
            "user_x",
            "env_01K3ABCDEFGHJKMNPQRSTVWXYZ",
            "inv_line_01K3ABCDEFGHJKMNPQRSTVWXYZ",
            "sk_01K3ABCDEFGHJKMNPQRSTVWXYZ",
            "01K3ABCDEFGHJKMNPQRSTVWXYZ",
        ] {
            assert!(id_like(name).is_some(), "{name}");
        }
        for name in [
            "ci-ingest",
            "secret-store",
            "users_backup",
            "ingest_01K3",
            "Prod_01K3ABCDEFGHJKMNPQRSTVWXYZ",
            "my key 01K3ABCDEFGHJKMNPQRSTVWXYZ",
        ] {
            assert_eq!(id_like(name), None, "{name}");
        }
    }

    #[test]
    fn environments_by_id_or_name() {
        assert!(environment_id_like("00000000-0000-0000-0000-000000000001"));
        assert!(environment_id_like("env_01K3ABCDEFGHJKMNPQRSTVWXYZ"));
        assert!(!environment_id_like("Production"));
        assert!(!environment_id_like("00000000-0000-0000-0000-00000000000g"));
        let env = |id: &str, name: &str| -> Environment {
            serde_json::from_value(
                serde_json::json!({"id": id, "name": name, "type": "production"}),
            )
            .unwrap()
        };
        let envs = [
            env("env_a", "Production"),
            env("env_b", "Sandbox"),
            env("env_c", "Sandbox"),
        ];
        assert_eq!(environment_id(&envs, "Production").unwrap(), "env_a");
        let started = [
            env("env_01K3ABCDEF0000000000000000", "Production"),
            env("env_01K3ABCDXY0000000000000000", "Staging"),
        ];
        assert!(!environment_id_like("env_01K3ABCDX"));
        assert!(environment_id_like("env_01K3ABCDEF0000000000000000"));
        assert_eq!(
            environment_id(&started, "env_01K3ABCDX").unwrap(),
            "env_01K3ABCDXY0000000000000000"
        );
        assert_eq!(
            environment_id(&started, "env_01K3ABCD").unwrap_err().exit,
            Exit::Usage
        );
        assert_eq!(
            environment_id(&envs, "production").unwrap_err().exit,
            Exit::NotFound
        );
        assert_eq!(
            environment_id(&envs, "Sandbox").unwrap_err().exit,
            Exit::Usage
        );
    }

    #[test]
    fn the_start_of_an_id_finds_the_one_key_it_begins_and_no_other() {
        let key = |id: &str, name: &str| -> ApiKey {
            serde_json::from_value(serde_json::json!({
                "id": id, "name": name, "type": "private_key", "display_id": "sk_01***AA",
                "status": "published", "user_id": "user_1", "created_at": "2026-01-01T00:00:00Z",
            }))
            .unwrap()
        };
        let keys = [
            key("secret_01K3ABCDEF0000000000000000", "a"),
            key("secret_01K3ABCDEF1111111111111111", "b"),
            key("secret_01K3ABCDXX2222222222222222", "c"),
        ];
        assert_eq!(resolve_name(&keys, "secret_01K3ABCDEF1"), "b");
        assert_eq!(resolve_name(&keys, "secret_01K3ABCDX"), "c");
        let err = key_err(&keys, "secret_01K3ABCDEF");
        assert_eq!(err.exit, Exit::Usage);
        assert!(
            err.message.contains("the IDs of 2 keys start with it"),
            "{}",
            err.message
        );
        assert!(
            err.hints
                .iter()
                .any(|h| h.starts_with("secret_01K3ABCDEF0"))
        );
        assert_eq!(key_err(&keys, "secret_01K3ABCDZZ").exit, Exit::NotFound);
        // A name is never matched as the start of an ID, nor an ID start as a name.
        assert_eq!(key_err(&keys, "secret_01K3").exit, Exit::Usage);
    }

    fn resolve_name(keys: &[ApiKey], raw: &str) -> String {
        key(keys, raw).unwrap().name.clone()
    }

    fn key_err(keys: &[ApiKey], raw: &str) -> CommandError {
        key(keys, raw).unwrap_err()
    }

    #[test]
    fn ids_names_and_malformed_ids() {
        let id = "secret_01K3ABCDEFGHJKMNPQRSTVWXYZ";
        assert_eq!(
            classify(id, "secret_", "key", "KEY").unwrap(),
            Reference::Id(id)
        );
        assert_eq!(
            classify("ci-ingest", "secret_", "key", "KEY").unwrap(),
            Reference::Name("ci-ingest")
        );
        assert_eq!(
            classify("secret_01K3ABCD", "secret_", "key", "KEY").unwrap(),
            Reference::IdStart("secret_01K3ABCD")
        );
        // Fewer than eight characters of the ULID is a typo, not a search.
        assert!(classify("secret_01K3ABC", "secret_", "key", "KEY").is_err());
        assert!(classify("secret_01k3abcd", "secret_", "key", "KEY").is_err());
        let err = classify("secret_123", "secret_", "key", "KEY").unwrap_err();
        assert_eq!(err.exit, Exit::Usage);
        assert!(err.message.contains("malformed"));
        // Crockford base32 has no I, L, O or U.
        assert!(classify("secret_01K3ABCDEFGHJKMNPQRSTVWXYU", "secret_", "key", "KEY").is_err());
    }
}
