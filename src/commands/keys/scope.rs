//! Which keys a command covers: `--service-account ID|NAME` (repeatable: the keys of any of
//! them) and `--name NAME`, resolved once into a filter that `keys list`, `keys audit` and
//! `keys rotate` apply the same way.

use super::listing::ListedKey;
use crate::api::models::{ApiKey, User};
use crate::api::{Client, KeyFilter};
use crate::cli::KeyScopeArgs;
use crate::commands::resolve;
use crate::context::Context;
use crate::error::{CommandError, CommandResult};

/// A resolved scope: the service accounts (each looked up by ID or name; none means every
/// owner) and the key name.
#[derive(Debug, Clone, Default)]
pub struct KeyScope {
    pub accounts: Vec<User>,
    pub name: Option<String>,
}

impl KeyScope {
    /// Refuses a malformed account ID before any request is sent.
    pub fn check(args: &KeyScopeArgs) -> Result<(), CommandError> {
        for raw in &args.service_accounts {
            resolve::classify(raw, "user_", "service account", "--service-account")?;
        }
        Ok(())
    }

    /// Looks the service accounts up (one `users/search` listing, however many are named).
    /// Naming one account twice, by name and by ID, covers it once.
    pub async fn resolve(
        ctx: &Context,
        client: &Client,
        args: &KeyScopeArgs,
    ) -> CommandResult<KeyScope> {
        Self::check(args)?;
        let mut accounts: Vec<User> = Vec::new();
        if !args.service_accounts.is_empty() {
            let all = resolve::fetch_service_accounts(ctx, client).await?;
            for raw in &args.service_accounts {
                let account = resolve::service_account(&all, raw, "--service-account")?;
                if !accounts.iter().any(|a| a.id == account.id) {
                    accounts.push(account.clone());
                }
            }
        }
        Ok(KeyScope {
            accounts,
            name: args.name.clone(),
        })
    }

    /// The part the server can apply (`user_id`, honoured for a super_admin user only, and only
    /// one: several accounts are filtered here, by [`KeyScope::matches`], like the name).
    pub fn filter(&self) -> KeyFilter {
        KeyFilter {
            user_id: match self.accounts.as_slice() {
                [one] => Some(one.id.clone()),
                _ => None,
            },
            ..KeyFilter::default()
        }
    }

    pub fn matches(&self, key: &ApiKey) -> bool {
        self.name.as_ref().is_none_or(|n| &key.name == n)
            && self.owner_matches(key.user_id.as_deref())
    }

    /// [`KeyScope::matches`] for a key decoded without copying.
    pub fn matches_listed(&self, key: &ListedKey<'_>) -> bool {
        self.name.as_ref().is_none_or(|n| key.name.as_str() == n)
            && self.owner_matches(key.user_id.as_ref().map(|u| u.as_str()))
    }

    fn owner_matches(&self, owner: Option<&str>) -> bool {
        self.accounts.is_empty() || self.accounts.iter().any(|a| owner == Some(a.id.as_str()))
    }

    pub fn is_everything(&self) -> bool {
        self.accounts.is_empty() && self.name.is_none()
    }

    /// "of service account ingest-bot named ci-ingest" (or "of service accounts a, b"), for
    /// messages; empty for no scope.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match self.accounts.as_slice() {
            [] => {}
            [one] => parts.push(format!("of service account {}", one.label())),
            many => {
                let labels: Vec<&str> = many.iter().map(User::label).collect();
                parts.push(format!("of service accounts {}", labels.join(", ")));
            }
        }
        if let Some(name) = &self.name {
            parts.push(format!("named {name}"));
        }
        parts.join(" ")
    }
}

impl KeyScopeArgs {
    /// The scope as flags to repeat in a suggested command (` --service-account a
    /// --service-account b --name n`, each word quoted for a shell); empty for no scope.
    pub fn flags(&self) -> String {
        let quote = |word: &str| {
            shlex::try_quote(word).map_or_else(|_| word.to_string(), |q| q.into_owned())
        };
        let mut flags = String::new();
        for account in &self.service_accounts {
            flags.push_str(&format!(" --service-account {}", quote(account)));
        }
        if let Some(name) = &self.name {
            flags.push_str(&format!(" --name {}", quote(name)));
        }
        flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, user: &str) -> ApiKey {
        serde_json::from_value(serde_json::json!({
            "id": format!("secret_{name}"), "name": name, "type": "private_key",
            "display_id": "sk_01***AA", "status": "published", "user_id": user,
            "created_at": "2026-01-01T00:00:00Z",
        }))
        .unwrap()
    }

    #[test]
    fn both_filters_must_match() {
        let account: User = serde_json::from_value(
            serde_json::json!({"id": "user_1", "name": "bot", "type": "service_account"}),
        )
        .unwrap();
        let scope = KeyScope {
            accounts: vec![account.clone()],
            name: Some("ci".into()),
        };
        assert!(scope.matches(&key("ci", "user_1")));
        assert!(!scope.matches(&key("ci", "user_2")));
        assert!(!scope.matches(&key("other", "user_1")));
        assert_eq!(scope.filter().user_id.as_deref(), Some("user_1"));
        assert_eq!(scope.describe(), "of service account bot named ci");
        assert!(KeyScope::default().matches(&key("any", "user_9")));
        assert!(KeyScope::default().is_everything());
    }

    #[test]
    fn several_accounts_match_the_keys_of_any_and_leave_the_filter_to_us() {
        let account = |id: &str, name: &str| -> User {
            serde_json::from_value(
                serde_json::json!({"id": id, "name": name, "type": "service_account"}),
            )
            .unwrap()
        };
        let scope = KeyScope {
            accounts: vec![account("user_1", "a"), account("user_2", "b")],
            name: None,
        };
        assert!(scope.matches(&key("x", "user_1")));
        assert!(scope.matches(&key("y", "user_2")));
        assert!(!scope.matches(&key("z", "user_3")));
        assert_eq!(scope.filter().user_id, None);
        assert_eq!(scope.describe(), "of service accounts a, b");
        let args = KeyScopeArgs {
            service_accounts: vec!["a".into(), "it's b".into()],
            name: Some("ci".into()),
        };
        assert_eq!(
            args.flags(),
            " --service-account a --service-account \"it's b\" --name ci"
        );
    }

    #[test]
    fn a_malformed_account_id_is_refused_up_front() {
        let args = KeyScopeArgs {
            service_accounts: vec!["user_01K3ABCDEFGHJKMNPQRSTVWXYZ".into(), "user_123".into()],
            name: None,
        };
        let err = KeyScope::check(&args).unwrap_err();
        assert!(err.message.contains("--service-account"), "{}", err.message);
    }
}
