//! What Flexprice's RBAC allows, as far as a client can know it: the five static roles
//! (contract §6.1), which account types may hold them (§6.2), the permission each route needs
//! (§4.5), and the `HasPermission` rule (§4.3). Used to refuse bad role sets before sending and
//! to explain a 403.

use std::collections::BTreeMap;

use super::models::Role;

/// A permission gate: `entity:action`, optionally only for a super_admin *user*.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gate {
    pub entity: &'static str,
    pub action: &'static str,
    pub super_admin_user_only: bool,
}

impl Gate {
    const fn new(entity: &'static str, action: &'static str) -> Self {
        Gate {
            entity,
            action,
            super_admin_user_only: false,
        }
    }

    pub fn permission(&self) -> String {
        format!("{}:{}", self.entity, self.action)
    }
}

/// Flexprice's RBAC entities (`internal/types/rbac.go`, contract §6.1).
pub const ENTITIES: &[&str] = &[
    "user",
    "environment",
    "event",
    "meter",
    "price",
    "customer",
    "plan",
    "addon",
    "group",
    "alert_settings",
    "subscription",
    "wallet",
    "tenant",
    "invoice",
    "feature",
    "entitlement",
    "creditgrant",
    "payment",
    "integration",
    "task",
    "tax",
    "secret",
    "connection",
    "costsheet",
    "creditnote",
    "coupon",
    "ai",
    "portal",
    "webhook",
    "cron",
    "setting",
    "oauth",
    "checkoutsession",
    "workflow",
];

/// The only RBAC actions there are.
pub const ACTIONS: &[&str] = &["read", "write"];

/// A permission as users write it, `entity:action` (e.g. `event:read`), checked against the
/// entities and actions Flexprice knows so a typo is refused instead of reported as not granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub entity: String,
    pub action: String,
}

impl Permission {
    pub fn parse(raw: &str) -> Result<Permission, String> {
        let Some((entity, action)) = raw.trim().split_once(':') else {
            return Err("expected ENTITY:ACTION, e.g. event:read".into());
        };
        let (entity, action) = (
            entity.trim().to_ascii_lowercase(),
            action.trim().to_ascii_lowercase(),
        );
        if !ENTITIES.contains(&entity.as_str()) {
            return Err(format!(
                "unknown entity '{entity}' (entities: {})",
                ENTITIES.join(", ")
            ));
        }
        if !ACTIONS.contains(&action.as_str()) {
            return Err(format!("unknown action '{action}' (actions: read, write)"));
        }
        Ok(Permission { entity, action })
    }

    /// The roles among `catalogue` that grant this permission.
    pub fn granted_by<'r>(&self, catalogue: &'r [Role]) -> Vec<&'r Role> {
        catalogue
            .iter()
            .filter(|r| role_grants(r, &self.entity, &self.action))
            .collect()
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.entity, self.action)
    }
}

/// The gate in front of a route (`method`, path below `/v1`), from the server's router.
/// `None` means authentication alone suffices.
pub fn route_gate(method: &str, path: &str) -> Option<Gate> {
    let path = path.trim_start_matches('/').trim_start_matches("v1/");
    let segments: Vec<&str> = path.split('/').collect();
    match (method, segments.as_slice()) {
        ("GET", ["users", "me"]) | ("GET", ["rbac", ..]) => None,
        ("PUT", ["users", _, "roles"]) => Some(Gate {
            super_admin_user_only: true,
            ..Gate::new("user", "write")
        }),
        ("POST", ["users", "search"]) => Some(Gate::new("user", "read")),
        ("POST" | "PUT" | "DELETE", ["users", ..]) => Some(Gate::new("user", "write")),
        ("GET", ["secrets", ..]) => Some(Gate::new("secret", "read")),
        ("POST" | "DELETE", ["secrets", ..]) => Some(Gate::new("secret", "write")),
        ("GET", ["environments", ..]) => Some(Gate::new("environment", "read")),
        (_, ["environments", ..]) => Some(Gate::new("environment", "write")),
        _ => None,
    }
}

/// `HasPermission`: a role grants `entity:action` when it maps `*` or the entity to `*` or the
/// action.
pub fn role_grants(role: &Role, entity: &str, action: &str) -> bool {
    [entity, "*"].iter().any(|e| {
        role.permissions
            .get(*e)
            .is_some_and(|actions| actions.iter().any(|a| a == "*" || a == action))
    })
}

/// The account types a role may be assigned to (`UserType.AllowedRoles`). Service accounts may
/// hold `all_reader` since flexprice/flexprice#2882 (contract §12); `all_writer` stays
/// people-only.
pub fn assignable_to(role: &str) -> &'static [&'static str] {
    match role {
        "super_admin" | "all_reader" => &["user", "service_account"],
        "all_writer" => &["user"],
        "event_ingestor" | "event_reader" => &["service_account"],
        _ => &[],
    }
}

/// The roles Flexprice ships (`roles.json`). Roles are static on the server (there is no API to
/// create one), so the client can check a role set before sending it, and fall back to this
/// table when `/rbac/roles` cannot be read.
pub fn builtin_roles() -> Vec<Role> {
    let role = |id: &str, name: &str, description: &str, perms: &[(&str, &[&str])]| Role {
        id: id.into(),
        name: name.into(),
        description: description.into(),
        permissions: perms
            .iter()
            .map(|(e, a)| (e.to_string(), a.iter().map(|s| s.to_string()).collect()))
            .collect::<BTreeMap<_, _>>(),
    };
    vec![
        role(
            "all_reader",
            "All Reader",
            "Read-only access to everything",
            &[("*", &["read"])],
        ),
        role(
            "all_writer",
            "All Writer",
            "Read and write access to everything",
            &[("*", &["read", "write"])],
        ),
        role(
            "event_ingestor",
            "Event Ingestor",
            "Submit events only",
            &[("event", &["write"])],
        ),
        role(
            "event_reader",
            "Event Reader",
            "Read events only",
            &[("event", &["read"])],
        ),
        role(
            "super_admin",
            "Super Admin",
            "Unrestricted access",
            &[("*", &["*"])],
        ),
    ]
}

/// Checks a role set for a new service account, as the server will (§3.6), so a bad set is
/// refused before anything is sent. Returns the problem as a sentence.
pub fn check_service_account_roles(roles: &[String]) -> Result<(), String> {
    if roles.is_empty() {
        return Err("a service account needs at least one role".into());
    }
    let known = builtin_roles();
    for (i, role) in roles.iter().enumerate() {
        if roles[..i].contains(role) {
            return Err(format!("role '{role}' is given twice"));
        }
        if !known.iter().any(|r| &r.id == role) {
            let ids: Vec<&str> = known.iter().map(|r| r.id.as_str()).collect();
            return Err(format!(
                "role '{role}' does not exist (roles: {})",
                ids.join(", ")
            ));
        }
        if !assignable_to(role).contains(&"service_account") {
            return Err(format!(
                "role '{role}' cannot be held by a service account (service accounts can hold: super_admin, all_reader, event_ingestor, event_reader)"
            ));
        }
    }
    if roles.len() > 1 && roles.iter().any(|r| r == "super_admin") {
        return Err("super_admin must be the only role: it already grants everything".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_map_to_the_contract_table() {
        assert_eq!(
            route_gate("GET", "/v1/secrets/api/keys")
                .unwrap()
                .permission(),
            "secret:read"
        );
        assert_eq!(
            route_gate("POST", "/v1/secrets/api/keys")
                .unwrap()
                .permission(),
            "secret:write"
        );
        assert_eq!(
            route_gate("DELETE", "/v1/secrets/api/keys/secret_1")
                .unwrap()
                .permission(),
            "secret:write"
        );
        assert_eq!(
            route_gate("POST", "/v1/users/search").unwrap().permission(),
            "user:read"
        );
        assert_eq!(
            route_gate("POST", "/v1/users").unwrap().permission(),
            "user:write"
        );
        assert_eq!(
            route_gate("DELETE", "/v1/users/user_1")
                .unwrap()
                .permission(),
            "user:write"
        );
        assert!(
            route_gate("PUT", "/v1/users/user_1/roles")
                .unwrap()
                .super_admin_user_only
        );
        assert_eq!(
            route_gate("POST", "/v1/users/user_1/remove")
                .unwrap()
                .permission(),
            "user:write"
        );
        assert_eq!(
            route_gate("GET", "/v1/environments").unwrap().permission(),
            "environment:read"
        );
        assert_eq!(route_gate("GET", "/v1/users/me"), None);
        assert_eq!(route_gate("GET", "/v1/rbac/roles/super_admin"), None);
    }

    #[test]
    fn has_permission_follows_wildcards() {
        let roles = builtin_roles();
        let roles_grant = |held: Vec<String>, entity: &str, action: &str| {
            roles
                .iter()
                .filter(|r| held.contains(&r.id))
                .any(|r| role_grants(r, entity, action))
        };
        let held = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(roles_grant(held(&["all_writer"]), "secret", "write"));
        assert!(roles_grant(held(&["all_reader"]), "secret", "read"));
        assert!(!roles_grant(held(&["all_reader"]), "secret", "write"));
        assert!(roles_grant(held(&["super_admin"]), "anything", "write"));
        assert!(!roles_grant(held(&["event_ingestor"]), "secret", "read"));
        assert!(!roles_grant(held(&[]), "event", "write"));
    }

    #[test]
    fn permissions_are_parsed_and_checked() {
        let p = Permission::parse("Event:READ").unwrap();
        assert_eq!(p.to_string(), "event:read");
        let roles = builtin_roles();
        let ids: Vec<&str> = p.granted_by(&roles).iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            ["all_reader", "all_writer", "event_reader", "super_admin"]
        );
        assert!(
            Permission::parse("event")
                .unwrap_err()
                .contains("ENTITY:ACTION")
        );
        assert!(
            Permission::parse("evnt:read")
                .unwrap_err()
                .contains("unknown entity")
        );
        assert!(
            Permission::parse("event:delete")
                .unwrap_err()
                .contains("unknown action")
        );
    }

    #[test]
    fn service_account_role_sets_are_checked_like_the_server() {
        let set = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_service_account_roles(&set(&["event_ingestor", "event_reader"])).is_ok());
        assert!(check_service_account_roles(&set(&["super_admin"])).is_ok());
        assert!(
            check_service_account_roles(&set(&[]))
                .unwrap_err()
                .contains("at least one")
        );
        assert!(check_service_account_roles(&set(&["all_reader"])).is_ok());
        assert!(check_service_account_roles(&set(&["all_reader", "event_ingestor"])).is_ok());
        assert!(
            check_service_account_roles(&set(&["all_writer"]))
                .unwrap_err()
                .contains("cannot be held")
        );
        assert!(
            check_service_account_roles(&set(&["nope"]))
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(
            check_service_account_roles(&set(&["event_reader", "event_reader"]))
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            check_service_account_roles(&set(&["super_admin", "event_reader"]))
                .unwrap_err()
                .contains("only role")
        );
    }
}
