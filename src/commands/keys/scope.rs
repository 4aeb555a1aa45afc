//! Which keys a command covers: `--service-account ID|NAME` and `--name NAME`, resolved once
//! into a filter that `keys list`, `keys audit` and `keys rotate` apply the same way.

use crate::api::models::{ApiKey, ListedKey, User};
use crate::api::{Client, KeyFilter};
use crate::cli::KeyScopeArgs;
use crate::commands::resolve;
use crate::context::Context;
use crate::error::{CommandError, CommandResult};

/// A resolved scope: the service account (looked up by ID or name) and the key name.
#[derive(Debug, Clone, Default)]
pub struct KeyScope {
    pub account: Option<User>,
    pub name: Option<String>,
}

impl KeyScope {
    /// Refuses a malformed account ID before any request is sent.
    pub fn check(args: &KeyScopeArgs) -> Result<(), CommandError> {
        if let Some(raw) = &args.service_account {
            resolve::classify(raw, "user_", "service account", "--service-account")?;
        }
        Ok(())
    }

    /// Looks the service account up (one `users/search` listing) when one is named.
    pub async fn resolve(
        ctx: &Context,
        client: &Client,
        args: &KeyScopeArgs,
    ) -> CommandResult<KeyScope> {
        Self::check(args)?;
        let account = match &args.service_account {
            Some(raw) => {
                Some(resolve::fetch_service_account(ctx, client, raw, "--service-account").await?)
            }
            None => None,
        };
        Ok(KeyScope {
            account,
            name: args.name.clone(),
        })
    }

    /// The part the server can apply (`user_id`, honoured for a super_admin user only; the rest
    /// is filtered here by [`KeyScope::matches`]).
    pub fn filter(&self) -> KeyFilter {
        KeyFilter {
            user_id: self.account.as_ref().map(|a| a.id.clone()),
            ..KeyFilter::default()
        }
    }

    pub fn matches(&self, key: &ApiKey) -> bool {
        self.name.as_ref().is_none_or(|n| &key.name == n)
            && self
                .account
                .as_ref()
                .is_none_or(|a| key.user_id.as_deref() == Some(a.id.as_str()))
    }

    /// [`KeyScope::matches`] for a key decoded without copying.
    pub fn matches_listed(&self, key: &ListedKey<'_>) -> bool {
        self.name.as_ref().is_none_or(|n| key.name.as_str() == n)
            && self
                .account
                .as_ref()
                .is_none_or(|a| key.user_id.as_ref().map(|u| u.as_str()) == Some(a.id.as_str()))
    }

    pub fn is_everything(&self) -> bool {
        self.account.is_none() && self.name.is_none()
    }

    /// "of service account ingest-bot named ci-ingest", for messages; empty for no scope.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(account) = &self.account {
            parts.push(format!("of service account {}", account.label()));
        }
        if let Some(name) = &self.name {
            parts.push(format!("named {name}"));
        }
        parts.join(" ")
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
            account: Some(account),
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
    fn a_malformed_account_id_is_refused_up_front() {
        let args = KeyScopeArgs {
            service_account: Some("user_123".into()),
            name: None,
        };
        let err = KeyScope::check(&args).unwrap_err();
        assert!(err.message.contains("--service-account"), "{}", err.message);
    }
}
