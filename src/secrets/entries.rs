//! The keychain entries of keys, as a whole: which key an entry names (`<profile>/<owner
//! id>/<key name>`, [`key_account`]), the entries written before owners were kept apart
//! (`<profile>/<key name>`, read as they are and moved once their key is known), which entry
//! `keychain get NAME` means, and which key an entry's secret belongs to. An entry's secret is
//! matched to a key by the key's `display_id` (the secret's first five and last two
//! characters), always together with the key's name and owner, never alone.

use secrecy::{ExposeSecret, SecretString};

use super::{KEYS_SERVICE, Keychain, KeychainError};
use crate::api::models::ApiKey;
use crate::error::{CommandError, Exit};

/// The keychain account of a key: `<profile>/<owner id>/<key name>`. The owner is part of the
/// account (not a stored attribute) because the (service, account) pair is what every keychain
/// backend keys its entries by: two owners' keys of one name can then never share an entry, on
/// the Secret Service, the macOS Keychain and the Windows Credential Manager alike, and the
/// keychain's own tools show whose key an entry holds. A rotated key (same owner and name)
/// replaces its predecessor's entry. The hand-over delivers to it; `keychain` lists it.
pub(crate) fn key_account(profile: &str, owner: &str, name: &str) -> String {
    format!("{profile}/{owner}/{name}")
}

/// One entry of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    pub account: String,
    /// `None` for an entry written before owners were kept apart.
    pub owner: Option<String>,
    pub name: String,
}

impl Stored {
    /// How lists and messages name the owner.
    pub(crate) fn owner_label(&self) -> &str {
        self.owner.as_deref().unwrap_or("(unknown: old entry)")
    }
}

/// Reads an account of the keys service as an entry of `profile`. An owner ID never contains
/// '/' and is either `user_…` (service accounts are users in Flexprice) or a UUID (users made
/// at sign-up): an account whose second part is neither is an old entry whose key name
/// contains '/'.
pub(crate) fn parse(profile: &str, account: &str) -> Option<Stored> {
    let rest = account.strip_prefix(profile)?.strip_prefix('/')?;
    if rest.is_empty() {
        return None;
    }
    if let Some((owner, name)) = rest.split_once('/')
        && is_owner_id(owner)
        && !name.is_empty()
    {
        return Some(Stored {
            account: account.to_string(),
            owner: Some(owner.to_string()),
            name: name.to_string(),
        });
    }
    Some(Stored {
        account: account.to_string(),
        owner: None,
        name: rest.to_string(),
    })
}

/// Whether `raw` has the shape of a Flexprice user ID: `user_` and ID characters, or a UUID.
fn is_owner_id(raw: &str) -> bool {
    let id_chars = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let uuid = raw.len() == 36
        && raw.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    (raw.starts_with("user_") && raw.len() > 5 && id_chars(raw)) || uuid
}

/// Every entry of `profile`, sorted by name, then owner.
pub(crate) fn list(keychain: &Keychain, profile: &str) -> Result<Vec<Stored>, KeychainError> {
    let mut entries: Vec<Stored> = keychain
        .accounts(KEYS_SERVICE)?
        .iter()
        .filter_map(|account| parse(profile, account))
        .collect();
    entries.sort_by(|a, b| (&a.name, &a.owner).cmp(&(&b.name, &b.owner)));
    Ok(entries)
}

/// The one entry named `name` (of `owner`, when given). None is exit 4; several (owners of one
/// name) exit 2, listing the owners and how to pick one. An old entry answers only when no
/// owner is asked for: whose key it holds is not known.
pub(crate) fn find(
    keychain: &Keychain,
    profile: &str,
    name: &str,
    owner: Option<&str>,
    profile_flag: &str,
) -> Result<Stored, CommandError> {
    let entries = list(keychain, profile).map_err(KeychainError::into_user_error)?;
    let matching: Vec<Stored> = entries
        .into_iter()
        .filter(|e| crate::platform::same_entry_name(&e.name, name))
        .filter(|e| owner.is_none_or(|o| e.owner.as_deref() == Some(o)))
        .collect();
    match matching.as_slice() {
        [one] => Ok(one.clone()),
        [] => {
            let whose = owner.map(|o| format!(" of {o}")).unwrap_or_default();
            Err(CommandError::new(
                Exit::NotFound,
                format!("no keychain entry for key '{name}'{whose} (profile '{profile}')"),
            )
            .hint(format!(
                "`flexprice-admin keychain list{profile_flag}` shows the names stored"
            )))
        }
        many => {
            let owners: Vec<&str> = many.iter().map(Stored::owner_label).collect();
            Err(CommandError::usage(format!(
                "{} keychain entries are named '{name}' (profile '{profile}'), one per owner: {}",
                many.len(),
                owners.join(", ")
            ))
            .hint(format!(
                "pick one with --service-account OWNER_ID, e.g. `flexprice-admin keychain get {name} --service-account {}{profile_flag}`",
                many.iter().find_map(|e| e.owner.as_deref()).unwrap_or("user_…")
            )))
        }
    }
}

/// The live key whose secret `secret` is, among `keys`: same display form and, when given,
/// same name and owner.
pub(crate) fn key_of<'k>(
    secret: &SecretString,
    keys: &'k [ApiKey],
    name: Option<&str>,
    owner: Option<&str>,
) -> Vec<&'k ApiKey> {
    let shown = crate::redact::display_form(secret.expose_secret());
    if shown == "***" {
        return Vec::new();
    }
    keys.iter()
        .filter(|k| k.display_id == shown && k.status != "deleted" && k.status != "revoked")
        .filter(|k| name.is_none_or(|n| k.name == n))
        .filter(|k| owner.is_none_or(|o| k.user_id.as_deref() == Some(o)))
        .collect()
}

/// Moves each old entry of `profile` whose secret is the live key of its name (exactly one) to
/// `<profile>/<owner id>/<name>`: written, read back, then the old entry deleted. An entry
/// already at the new name is never overwritten; an old entry whose key is unknown stays where
/// it is (and `keychain get` still reads it). Returns the entries moved, as (old, new).
pub(crate) fn migrate(
    keychain: &Keychain,
    profile: &str,
    keys: &[ApiKey],
) -> Result<Vec<(Stored, Stored)>, KeychainError> {
    let entries = list(keychain, profile)?;
    let mut moved = Vec::new();
    for old in entries.iter().filter(|e| e.owner.is_none()) {
        let secret = match keychain.get(KEYS_SERVICE, &old.account) {
            Ok(secret) => secret,
            Err(KeychainError::NoEntry(_)) => continue,
            Err(e) => return Err(e),
        };
        crate::redact::register(&secret);
        let [key] = key_of(&secret, keys, Some(&old.name), None)[..] else {
            continue;
        };
        let Some(owner) = key.user_id.as_deref() else {
            continue;
        };
        let account = key_account(profile, owner, &old.name);
        if entries.iter().any(|e| e.account == account) {
            continue;
        }
        keychain.set(KEYS_SERVICE, &account, &secret)?;
        let back = keychain.get(KEYS_SERVICE, &account)?;
        if back.expose_secret() != secret.expose_secret() {
            return Err(KeychainError::Failed(format!(
                "moving {} to {account}: the entry read back differs",
                old.account
            )));
        }
        keychain.delete(KEYS_SERVICE, &old.account)?;
        moved.push((
            old.clone(),
            Stored {
                account,
                owner: Some(owner.to_string()),
                name: old.name.clone(),
            },
        ));
    }
    Ok(moved)
}

/// The live key, other than `replacing`, whose secret the entry `account` holds, if any:
/// overwriting that entry would leave the key active with its secret gone.
pub(crate) fn live_holder<'k>(
    keychain: &Keychain,
    account: &str,
    keys: &'k [ApiKey],
    replacing: Option<&str>,
) -> Result<Option<&'k ApiKey>, KeychainError> {
    let secret = match keychain.get(KEYS_SERVICE, account) {
        Ok(secret) => secret,
        Err(KeychainError::NoEntry(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    crate::redact::register(&secret);
    Ok(key_of(&secret, keys, None, None)
        .into_iter()
        .find(|k| Some(k.id.as_str()) != replacing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_parse_with_and_without_owner() {
        assert_eq!(
            parse("p", "p/user_1/ingest"),
            Some(Stored {
                account: "p/user_1/ingest".into(),
                owner: Some("user_1".into()),
                name: "ingest".into()
            })
        );
        let old = parse("p", "p/ingest").unwrap();
        assert_eq!((old.owner, old.name.as_str()), (None, "ingest"));
        let slash = parse("p", "p/team/ingest").unwrap();
        assert_eq!((slash.owner, slash.name.as_str()), (None, "team/ingest"));
        assert_eq!(parse("p", "prod/user_1/x"), None);
        let uuid = parse("p", "p/00000000-0000-0000-0000-000000000000/ingest").unwrap();
        assert_eq!(
            uuid.owner.as_deref(),
            Some("00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(parse("p", "p/"), None);
    }
}
