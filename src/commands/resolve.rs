//! Turning what the user typed (an ID or a name) into exactly one object, or a clear error:
//! not found (exit 4) or ambiguous (exit 2, listing the candidates). Malformed IDs are refused
//! before any request.

use crate::api::Client;
use crate::api::models::{ApiKey, Environment, User};
use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};

const ULID_LEN: usize = 26;

fn is_ulid(s: &str) -> bool {
    s.len() == ULID_LEN
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() && !b"ILOU".contains(&b))
}

/// Why a name for a new key or service account would be taken for an ID, if it would. Such a
/// name could never be used as a reference (`secret_…` and `user_…` are read as IDs, and a
/// malformed one is refused), and `keys delete NAME` could pick the key whose ID it spells.
/// Flexprice IDs are a lower-case prefix (`secret`, `user`, `env`, `inv_line`, …), `_`, and a
/// ULID; raw keys are `sk_`/`pk_` and a ULID.
pub fn id_like(name: &str) -> Option<&'static str> {
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
pub enum Reference<'a> {
    Id(&'a str),
    Name(&'a str),
}

/// Classifies a reference to an object whose IDs are `prefix` + ULID. A reference that starts
/// with the prefix but is not a valid ID is refused, since no name is likely to look like that.
pub fn classify<'a>(
    raw: &'a str,
    prefix: &str,
    what: &str,
    arg: &str,
) -> Result<Reference<'a>, CommandError> {
    match raw.strip_prefix(prefix) {
        Some(rest) if is_ulid(rest) => Ok(Reference::Id(raw)),
        Some(_) => Err(CommandError::usage(format!(
            "{arg}: '{raw}' looks like a {what} ID but is malformed ({prefix} followed by 26 characters of 0-9 and A-Z)"
        ))
        .hint(format!("copy the ID from the list command, or pass the {what}'s exact name"))),
        None => Ok(Reference::Name(raw)),
    }
}

/// Finds one key by ID or exact name among `keys`.
pub fn key<'k>(keys: &'k [ApiKey], raw: &str) -> Result<&'k ApiKey, CommandError> {
    let matches: Vec<&ApiKey> = match classify(raw, "secret_", "key", "KEY")? {
        Reference::Id(id) => keys.iter().filter(|k| k.id == id).collect(),
        Reference::Name(name) => keys.iter().filter(|k| k.name == name).collect(),
    };
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(CommandError::new(Exit::NotFound, format!("no key with ID or name '{raw}' is visible to this credential"))
            .hint("`flexprice-admin keys list` shows the keys you can see (keys of other environments are not listed)")),
        many => {
            let mut err = CommandError::usage(format!("'{raw}' is ambiguous: {} keys have that name", many.len()));
            for key in many {
                let owner = key.service_account_name.as_deref().or(key.user_id.as_deref()).unwrap_or("?");
                err = err.hint(format!("{}  owner {owner}, created {}", key.id, key.created_at));
            }
            Err(err.hint("pass the ID instead of the name"))
        }
    }
}

/// The keys whose name is exactly `name` (the candidates of an ambiguous name).
pub fn keys_named<'k>(keys: &'k [ApiKey], name: &str) -> Vec<&'k ApiKey> {
    keys.iter().filter(|k| k.name == name).collect()
}

/// Finds one service account by ID or exact name among `accounts`.
pub fn service_account<'u>(
    accounts: &'u [User],
    raw: &str,
    arg: &str,
) -> Result<&'u User, CommandError> {
    let matches: Vec<&User> = match classify(raw, "user_", "service account", arg)? {
        Reference::Id(id) => accounts.iter().filter(|u| u.id == id).collect(),
        Reference::Name(name) => accounts
            .iter()
            .filter(|u| u.name.as_deref() == Some(name))
            .collect(),
    };
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
            let mut err = CommandError::usage(format!(
                "{arg}: '{raw}' is ambiguous: {} service accounts have that name",
                many.len()
            ));
            for account in many {
                err = err.hint(format!("{}  roles {}", account.id, account.roles.join(",")));
            }
            Err(err.hint("pass the ID instead of the name"))
        }
    }
}

/// Whether `--environment` was given an ID rather than a name: `env_` and a ULID, or a UUID
/// (the seeded local environments, `00000000-0000-0000-0000-000000000000`).
pub fn environment_id_like(raw: &str) -> bool {
    let uuid = raw.len() == 36
        && raw.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    uuid || raw.starts_with("env_")
}

/// The ID of the environment named `name` among `environments`: exactly one must have that
/// name (names are compared exactly; `environments list` shows them).
pub fn environment_id(environments: &[Environment], name: &str) -> Result<String, CommandError> {
    let matches: Vec<&Environment> = environments.iter().filter(|e| e.name == name).collect();
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

/// Every published service account, with a spinner on a terminal.
pub async fn fetch_service_accounts(ctx: &Context, client: &Client) -> CommandResult<Vec<User>> {
    Ok(ctx
        .out
        .waiting(
            "Fetching service accounts",
            client.search_users("service_account", None),
        )
        .await?)
}

/// Fetches every service account and picks the one `raw` names (an ID or a unique name);
/// `arg` is the flag or argument it came from, for the error.
pub async fn fetch_service_account(
    ctx: &Context,
    client: &Client,
    raw: &str,
    arg: &str,
) -> CommandResult<User> {
    let accounts = fetch_service_accounts(ctx, client).await?;
    Ok(service_account(&accounts, raw, arg)?.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let err = classify("secret_123", "secret_", "key", "KEY").unwrap_err();
        assert_eq!(err.exit, Exit::Usage);
        assert!(err.message.contains("malformed"));
        // Crockford base32 has no I, L, O or U.
        assert!(classify("secret_01K3ABCDEFGHJKMNPQRSTVWXYU", "secret_", "key", "KEY").is_err());
    }
}
