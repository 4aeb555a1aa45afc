//! `/v1/rbac/roles[/{id}]` (§3.4, §3.5): the static roles, listed in a fresh random order on every
//! call because the server iterates a Go map.

use serde_json::{Value, json};

use super::call::Request;
use super::errors::ApiError;
use super::reply::Reply;
use super::roles::{self, ROLES};

pub(crate) fn list(req: &Request) -> Result<Reply, ApiError> {
    let allowed = match req.query_param("user_type").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(roles::allowed_roles(&t).ok_or_else(|| {
            ApiError::validation("User type must be 'user' or 'service_account'")
        })?),
    };
    let mut list: Vec<Value> = ROLES
        .iter()
        .filter(|r| allowed.is_none_or(|a| a.contains(&r.id)))
        .map(|r| r.to_json())
        .collect();
    fastrand::shuffle(&mut list);
    Ok(Reply::value(200, json!({ "roles": list })))
}

pub(crate) fn get(id: &str) -> Reply {
    match roles::find(id) {
        Some(r) => Reply::value(200, json!({ "role": r.to_json() })),
        None => Reply::value(404, json!({"error": "Role not found"})),
    }
}
