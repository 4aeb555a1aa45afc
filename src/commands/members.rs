//! The tenant's members: its people and its service accounts, as `POST /users/search` lists
//! them (published only; a removed person or an archived account is not one). A key that still
//! authenticates while its owner is no longer a member is *orphaned*: Flexprice checks a key's
//! status, expiry and type, never its owner (contract §12), so removing a person leaves their
//! keys working. `keys audit` reports such keys, `keys list` marks them, `users` counts keys.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;

use crate::api::models::{ApiKey, User};
use crate::api::{ApiError, Client};

/// Everyone a key can belong to, read once per command.
#[derive(Debug, Default)]
pub struct Members {
    pub people: Vec<User>,
    pub accounts: Vec<User>,
    ids: HashSet<String>,
}

impl Members {
    /// People and service accounts, side by side (needs `user:read`).
    pub async fn fetch(client: &Client) -> Result<Members, ApiError> {
        let (people, accounts) = futures_util::future::join(
            client.search_users("user", None),
            client.search_users("service_account", None),
        )
        .await;
        Ok(Members::new(people?, accounts?))
    }

    /// [`Members::fetch`], or why not: a credential that may not list users (a 403, no
    /// `user:read`), or a server that did not answer. Then no key can be called orphaned, and
    /// the command says so rather than fail what it can still do.
    pub async fn fetch_or_why(client: &Client) -> Result<Members, String> {
        match Members::fetch(client).await {
            Ok(members) => Ok(members),
            Err(err) if err.is_status(403) => {
                Err("this credential may not list the tenant's users (it needs user:read)".into())
            }
            Err(err) => Err(format!("listing the tenant's users failed: {err}")),
        }
    }

    pub fn new(people: Vec<User>, accounts: Vec<User>) -> Members {
        let ids = people
            .iter()
            .chain(&accounts)
            .map(|u| u.id.clone())
            .collect();
        Members {
            people,
            accounts,
            ids,
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// Person ID → label (name, else email), for the owners of user keys.
    pub fn labels(&self) -> HashMap<String, String> {
        self.people
            .iter()
            .map(|u| (u.id.clone(), u.label().to_string()))
            .collect()
    }

    /// Whether a key owned by `owner` that expires at `expires_at` is orphaned at `now`: it still
    /// authenticates and its owner is not a member. A key that names no owner is not called
    /// orphaned (there is no one to look for).
    pub fn orphans(
        &self,
        owner: Option<&str>,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> bool {
        owner.is_some_and(|id| !id.is_empty() && !self.contains(id))
            && expires_at.is_none_or(|at| at > now)
    }

    /// [`Members::orphans`] for a decoded key.
    pub fn orphaned(&self, key: &ApiKey, now: Timestamp) -> bool {
        self.orphans(key.user_id.as_deref(), key.expires_at, now)
    }
}

/// Whether `key` is orphaned, when the members are known; `None` when they could not be read.
pub(crate) fn orphaned(members: Option<&Members>, key: &ApiKey, now: Timestamp) -> Option<bool> {
    members.map(|m| m.orphaned(key, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, user_type: &str) -> User {
        serde_json::from_value(serde_json::json!({"id": id, "type": user_type})).unwrap()
    }

    #[test]
    fn a_live_key_of_someone_gone_is_orphaned() {
        let members = Members::new(
            vec![user("user_person", "user")],
            vec![user("user_bot", "service_account")],
        );
        let now: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        let later = Some("2026-07-01T00:00:00Z".parse().unwrap());
        let earlier = Some("2026-05-01T00:00:00Z".parse().unwrap());
        assert!(!members.orphans(Some("user_person"), None, now));
        assert!(!members.orphans(Some("user_bot"), later, now));
        assert!(members.orphans(Some("user_gone"), None, now));
        assert!(members.orphans(Some("user_gone"), later, now));
        assert!(
            !members.orphans(Some("user_gone"), earlier, now),
            "an expired key no longer works"
        );
        assert!(!members.orphans(None, None, now));
        assert!(!members.orphans(Some(""), None, now));
        assert_eq!(members.labels().len(), 1);
    }
}
