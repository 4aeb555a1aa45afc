//! Our JSON output shapes, one struct per kind of object, so a key looks the same in
//! `keys list`, `keys create` and every later command. Built from API models, never by echoing
//! the server's body: these fields are a contract with scripts.

use jiff::Timestamp;
use serde::Serialize;

use crate::api::models::{ApiKey, Environment, Role, User};

/// An API key. `owner_name` is the service account's name or the user's label when known.
#[derive(Debug, Clone, Serialize)]
pub struct KeyJson {
    pub id: String,
    pub name: String,
    pub display_id: String,
    #[serde(rename = "type")]
    pub key_type: String,
    pub status: String,
    pub roles: Vec<String>,
    pub owner_type: Option<String>,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub expired: bool,
    /// Whether the key still works though its owner is no longer a member of the tenant (a
    /// removed person, an archived account). Only where the command read the tenant's members
    /// (`keys list`, when the credential may list users).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orphaned: Option<bool>,
    /// Only where the command knows it (`--all-environments`, `keys check`, `keys list` with
    /// `--environment` and a credential not bound to one): the listing of one environment does
    /// not say which environment that is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    /// The name of that environment: present exactly when `environment_id` is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_name: Option<String>,
}

impl KeyJson {
    pub fn new(key: &ApiKey, owner_name: Option<String>, now: Timestamp) -> Self {
        Self::from_key(key.clone(), owner_name, now)
    }

    /// Like [`KeyJson::new`], taking the key's strings instead of copying them: `keys list`
    /// turns thousands of keys into views at once.
    pub fn from_key(key: ApiKey, owner_name: Option<String>, now: Timestamp) -> Self {
        KeyJson {
            id: key.id,
            name: key.name,
            display_id: key.display_id,
            key_type: key.key_type,
            status: key.status,
            roles: key.roles,
            owner_type: key.user_type,
            owner_id: key.user_id,
            owner_name: owner_name.or(key.service_account_name),
            created_at: key.created_at,
            expires_at: key.expires_at,
            expired: key.expires_at.is_some_and(|at| at <= now),
            orphaned: None,
            environment_id: None,
            environment_name: None,
        }
    }

    /// The same key, marked orphaned or not (`None`: not known).
    pub fn with_orphaned(mut self, orphaned: Option<bool>) -> Self {
        self.orphaned = orphaned;
        self
    }

    /// The same key, labelled with the environment it lives in.
    pub fn in_environment(mut self, environment: Option<&Environment>) -> Self {
        self.set_environment(environment);
        self
    }

    /// Labels the key with the environment it lives in (its ID and name), or with none.
    pub fn set_environment(&mut self, environment: Option<&Environment>) {
        self.environment_id = environment.map(|e| e.id.clone());
        self.environment_name = environment.map(|e| e.name.clone());
    }
}

/// A user or service account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountJson {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    #[serde(rename = "type")]
    pub account_type: String,
    pub roles: Vec<String>,
}

impl From<&User> for AccountJson {
    fn from(user: &User) -> Self {
        AccountJson {
            id: user.id.clone(),
            name: user.name.clone().filter(|n| !n.is_empty()),
            email: user.email.clone().filter(|e| !e.is_empty()),
            account_type: user.user_type.clone(),
            roles: user.roles.clone(),
        }
    }
}

/// A role; `assignable_to` lists the account types that may hold it.
#[derive(Debug, Clone, Serialize)]
pub struct RoleJson {
    pub id: String,
    pub name: String,
    pub description: String,
    pub permissions: std::collections::BTreeMap<String, Vec<String>>,
    pub assignable_to: Vec<&'static str>,
}

impl From<&Role> for RoleJson {
    fn from(role: &Role) -> Self {
        RoleJson {
            id: role.id.clone(),
            name: role.name.clone(),
            description: role.description.clone(),
            permissions: role.permissions.clone(),
            assignable_to: crate::api::permissions::assignable_to(&role.id).to_vec(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentJson {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub env_type: String,
    pub created_at: Option<Timestamp>,
}

impl From<&Environment> for EnvironmentJson {
    fn from(env: &Environment) -> Self {
        EnvironmentJson {
            id: env.id.clone(),
            name: env.name.clone(),
            env_type: env.env_type.clone(),
            created_at: env.created_at,
        }
    }
}

/// A role's permissions as one line: `*:read,write; event:write`.
pub fn permissions_line(permissions: &std::collections::BTreeMap<String, Vec<String>>) -> String {
    permissions
        .iter()
        .map(|(entity, actions)| format!("{entity}:{}", actions.join(",")))
        .collect::<Vec<_>>()
        .join("; ")
}
