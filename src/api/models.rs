//! Typed models of the Flexprice responses and requests this tool uses, written from the API
//! contract (shared/flexprice-api.md). Unknown fields are ignored so a newer server still decodes.

use std::collections::BTreeMap;

use jiff::Timestamp;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// `{"items": [...], "pagination": {...}}`, the envelope of the newer list endpoints.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub pagination: Pagination,
}

/// `offset` is the *next* page's offset (request offset + limit), a server quirk: never page by it.
#[derive(Debug, Deserialize)]
pub struct Pagination {
    pub total: u64,
    /// The page size the server applied (0 for "no limit"); absent from some answers.
    #[serde(default)]
    pub limit: Option<u64>,
}

/// An API key as `GET /secrets/api/keys` and `POST /secrets/api/keys` describe it. There is no key
/// value here: the server keeps only a hash.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub key_type: String,
    pub display_id: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub user_type: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    /// Filled only by the list endpoint, for service-account keys.
    #[serde(default)]
    pub service_account_name: Option<String>,
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    pub status: String,
    pub created_at: Timestamp,
}

/// Whether `id` has the shape of a Flexprice key ID: `secret_` and 1 to 43 ASCII letters and
/// digits (the column holds 50 characters; Flexprice writes a ULID).
pub fn is_key_id(id: &str) -> bool {
    id.strip_prefix("secret_").is_some_and(|rest| {
        (1..=43).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

impl ApiKey {
    pub fn is_service_account_key(&self) -> bool {
        self.user_type.as_deref() == Some("service_account")
    }
}

/// What paging needs of a listed key, whichever way it was decoded.
pub trait KeyId {
    fn key_id(&self) -> &str;
}

impl KeyId for ApiKey {
    fn key_id(&self) -> &str {
        &self.id
    }
}

/// `POST /secrets/api/keys` response, minus the raw key, which is decoded separately so that it
/// can never end up in a serde error message.
#[derive(Debug, Deserialize)]
pub struct CreatedKeyMeta {
    pub secret: ApiKey,
}

/// A freshly minted key: its metadata and the one-time secret.
pub struct CreatedKey {
    pub key: ApiKey,
    pub api_key: SecretString,
}

#[derive(Debug, Serialize)]
pub struct CreateKeyBody {
    pub name: String,
    #[serde(rename = "type")]
    pub key_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_id: Option<String>,
}

/// A user or service account (`UserResponse`).
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(rename = "type", default)]
    pub user_type: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

impl User {
    /// The best human label: name, else email, else the ID.
    pub fn label(&self) -> &str {
        self.name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.email.as_deref().filter(|e| !e.is_empty()))
            .unwrap_or(&self.id)
    }
}

#[derive(Debug, Serialize)]
pub struct CreateServiceAccountBody<'a> {
    #[serde(rename = "type")]
    pub user_type: &'static str,
    pub name: &'a str,
    pub roles: &'a [String],
}

/// `POST /users/search` body. `limit` and `offset` are always sent: without one of the
/// pagination fields the server dereferences a nil pointer and answers 500 with an empty body.
#[derive(Debug, Serialize)]
pub struct UserSearchBody<'a> {
    #[serde(rename = "type")]
    pub user_type: &'static str,
    pub limit: u64,
    pub offset: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_ids: Option<&'a [String]>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// entity → actions; `"*"` stands for every entity or action.
    #[serde(default)]
    pub permissions: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
pub struct RolesEnvelope {
    pub roles: Vec<Role>,
}

#[derive(Debug, Deserialize)]
pub struct RoleEnvelope {
    pub role: Role,
}

/// The legacy environments envelope: `total` is the number on this page, not overall.
#[derive(Debug, Deserialize)]
pub struct EnvironmentsEnvelope {
    pub environments: Vec<Environment>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Environment {
    pub id: String,
    pub name: String,
    #[serde(rename = "type", default)]
    pub env_type: String,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_listed_key_with_fractional_times() {
        let key: ApiKey = serde_json::from_str(
            r#"{"id":"secret_01K3ABCDEFGHJKMNPQRSTVWXYZ","name":"ci-ingest","type":"private_key",
                "provider":"flexprice","display_id":"sk_01***7Q","roles":["event_ingestor"],
                "user_type":"service_account","user_id":"user_01","service_account_name":"ingest-bot",
                "expires_at":"2027-01-01T00:00:00Z","status":"published",
                "created_at":"2026-08-22T13:05:42.123456Z","updated_at":"2026-08-22T13:05:42.123456Z",
                "something_new": 1}"#,
        )
        .expect("decodes");
        assert!(key.is_service_account_key());
        assert_eq!(key.service_account_name.as_deref(), Some("ingest-bot"));
        assert_eq!(key.created_at.to_string(), "2026-08-22T13:05:42.123456Z");
        assert_eq!(
            key.expires_at.map(|t| t.to_string()).as_deref(),
            Some("2027-01-01T00:00:00Z")
        );
    }

    #[test]
    fn search_body_always_carries_limit_and_offset() {
        let body = UserSearchBody {
            user_type: "service_account",
            limit: 100,
            offset: 0,
            user_ids: None,
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"type": "service_account", "limit": 100, "offset": 0})
        );
    }

    #[test]
    fn user_label_prefers_name_then_email() {
        let user: User =
            serde_json::from_str(r#"{"id":"u1","name":"","email":"a@b.c","type":"user"}"#).unwrap();
        assert_eq!(user.label(), "a@b.c");
    }
}
