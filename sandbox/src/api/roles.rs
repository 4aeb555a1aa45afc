//! The five static roles of the server's `internal/config/rbac/roles.json`, the per-account-type
//! assignability table (`UserType.AllowedRoles`), and the checks built on them: `HasPermission`,
//! `ValidateRoles` and `CanGrantRoles` (contract §4.3, §6).

use serde_json::{Map, Value, json};

use super::errors::ApiError;

/// One role as `roles.json` defines it.
pub(crate) struct Role {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// entity → actions, in a fixed order so `CanGrantRoles` reports the same missing grant every time.
    pub permissions: &'static [(&'static str, &'static [&'static str])],
}

pub(crate) const ROLES: [Role; 5] = [
    Role {
        id: "super_admin",
        name: "Super Admin",
        description: "Full unrestricted access to all resources and actions",
        permissions: &[("*", &["*"])],
    },
    Role {
        id: "all_reader",
        name: "All Reader",
        description: "Read-only access to all resources",
        permissions: &[("*", &["read"])],
    },
    Role {
        id: "all_writer",
        name: "All Writer",
        description: "Read and write access to all resources, excluding user, role and administrative management",
        permissions: &[("*", &["read", "write"])],
    },
    Role {
        id: "event_ingestor",
        name: "Event Ingestor",
        description: "Can only submit events to the system",
        permissions: &[("event", &["write"])],
    },
    Role {
        id: "event_reader",
        name: "Event Reader",
        description: "Can only read events from the system",
        permissions: &[("event", &["read"])],
    },
];

pub(crate) const USER_ROLES: &[&str] = &["super_admin", "all_reader", "all_writer"];
/// `all_reader` since flexprice/flexprice#2882 (merged 2026-09-18, contract §12); `all_writer`
/// is still refused. Who may create such an account is the rule of every service account: the
/// `user:write` gate and `CanGrantRoles` (the caller holds `*:read`). The PR's summary says
/// "callers with read permission may create read-only service accounts"; its code is not in the
/// snapshot, so the stricter reading is kept: read permission is needed, not enough, and an
/// `all_reader` caller (no `user:write`) still gets the gate's 403.
pub(crate) const SERVICE_ACCOUNT_ROLES: &[&str] = &[
    "super_admin",
    "all_reader",
    "event_ingestor",
    "event_reader",
];

pub(crate) fn find(id: &str) -> Option<&'static Role> {
    ROLES.iter().find(|r| r.id == id)
}

/// Roles assignable to an account type; `None` for an unknown type.
pub(crate) fn allowed_roles(user_type: &str) -> Option<&'static [&'static str]> {
    match user_type {
        "user" => Some(USER_ROLES),
        "service_account" => Some(SERVICE_ACCOUNT_ROLES),
        _ => None,
    }
}

impl Role {
    pub(crate) fn to_json(&self) -> Value {
        let mut perms = Map::new();
        for (entity, actions) in self.permissions {
            perms.insert((*entity).to_owned(), json!(actions));
        }
        json!({"id": self.id, "name": self.name, "description": self.description, "permissions": perms})
    }

    fn grants(&self, entity: &str, action: &str) -> bool {
        self.permissions.iter().any(|(e, actions)| {
            (*e == "*" || *e == entity) && actions.iter().any(|a| *a == "*" || *a == action)
        })
    }
}

/// `rbac.HasPermission`: any held role grants `*`/entity with `*`/action. Unknown roles grant nothing.
pub(crate) fn has_permission(roles: &[String], entity: &str, action: &str) -> bool {
    roles
        .iter()
        .filter_map(|r| find(r))
        .any(|r| r.grants(entity, action))
}

/// `rbac.ValidateRoles` followed by the "super_admin stands alone" rule.
pub(crate) fn validate_roles(roles: &[String], user_type: &str) -> Result<(), ApiError> {
    let allowed = allowed_roles(user_type).unwrap_or(&[]);
    for role in roles {
        if find(role).is_none() {
            return Err(
                ApiError::validation(format!("Role '{role}' does not exist"))
                    .detail("role", json!(role)),
            );
        }
        if !allowed.contains(&role.as_str()) {
            return Err(ApiError::validation(format!(
                "Role '{role}' cannot be assigned to a '{user_type}' account"
            ))
            .detail("role", json!(role))
            .detail("user_type", json!(user_type))
            .detail("allowed_roles", json!(allowed)));
        }
    }
    if roles.len() > 1 && roles.iter().any(|r| r == "super_admin") {
        return Err(ApiError::validation(
            "When super_admin is selected, no other roles need to be assigned",
        ));
    }
    Ok(())
}

/// `rbac.CanGrantRoles`: the caller must already hold every permission the requested roles grant.
pub(crate) fn can_grant_roles(caller_roles: &[String], roles: &[String]) -> Result<(), ApiError> {
    for role in roles.iter().filter_map(|r| find(r)) {
        for (entity, actions) in role.permissions {
            for action in *actions {
                if !has_permission(caller_roles, entity, action) {
                    return Err(ApiError::permission_denied(format!(
                        "Role '{}' grants '{action}' on '{entity}', which you do not have",
                        role.id
                    ))
                    .detail("role", json!(role.id))
                    .detail("entity", json!(entity))
                    .detail("action", json!(action))
                    .detail("caller_roles", json!(caller_roles)));
                }
            }
        }
    }
    Ok(())
}
