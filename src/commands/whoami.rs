//! `whoami`: who the credential is, what its roles allow, and which of this tool's commands
//! that means it can run.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::api::models::Role;
use crate::api::permissions::{Gate, builtin_roles, role_grants};
use crate::context::Context;
use crate::error::Exit;
use crate::output::Cell;
use crate::views::AccountJson;

/// Each command of this tool and the gate of the requests it sends (contract §4.5). A command
/// needing several gates is allowed only when all pass.
const COMMAND_GATES: &[(&str, &[Gate])] = &[
    ("keys list", &[gate("secret", "read")]),
    ("keys create", &[gate("secret", "write")]),
    (
        "keys create --service-account",
        &[sa_gate("secret", "write"), gate("user", "read")],
    ),
    (
        "keys delete",
        &[gate("secret", "read"), gate("secret", "write")],
    ),
    ("service-accounts list", &[gate("user", "read")]),
    ("service-accounts create", &[gate("user", "write")]),
    (
        "service-accounts rename",
        &[gate("user", "read"), gate("user", "write")],
    ),
    (
        "service-accounts delete",
        &[
            gate("user", "read"),
            gate("secret", "read"),
            gate("user", "write"),
        ],
    ),
    ("roles list", &[]),
    ("environments list", &[gate("environment", "read")]),
];

const fn gate(entity: &'static str, action: &'static str) -> Gate {
    Gate {
        entity,
        action,
        super_admin_user_only: false,
    }
}

/// Minting keys for a service account needs a super_admin *user* (contract §4.4).
const fn sa_gate(entity: &'static str, action: &'static str) -> Gate {
    Gate {
        entity,
        action,
        super_admin_user_only: true,
    }
}

#[derive(Serialize)]
struct Whoami {
    /// `id`, `name`, `email`, `type`, `roles`.
    #[serde(flatten)]
    account: AccountJson,
    /// entity → actions, the union over the roles held.
    permissions: BTreeMap<String, Vec<String>>,
    commands: Vec<CommandAccess>,
}

#[derive(Serialize)]
struct CommandAccess {
    command: &'static str,
    allowed: bool,
}

pub async fn run(ctx: &Context) -> anyhow::Result<Exit> {
    let client = ctx.client()?;
    let me = ctx.out.waiting("Asking who this is", client.me()).await?;
    // `/rbac/roles` needs an environment; a tenant key without --environment cannot read it,
    // and the roles are static, so the built-in table is a faithful stand-in.
    let catalogue = match client.roles(None).await {
        Ok(roles) => roles,
        Err(_) => builtin_roles(),
    };
    let held: Vec<&Role> = catalogue
        .iter()
        .filter(|r| me.roles.contains(&r.id))
        .collect();
    let mut permissions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for role in &held {
        for (entity, actions) in &role.permissions {
            let entry = permissions.entry(entity.clone()).or_default();
            for action in actions {
                if !entry.contains(action) {
                    entry.push(action.clone());
                }
            }
        }
    }
    permissions.values_mut().for_each(|a| a.sort());
    let super_admin_user =
        me.user_type != "service_account" && me.roles.iter().any(|r| r == "super_admin");
    let commands = COMMAND_GATES
        .iter()
        .map(|(command, gates)| CommandAccess {
            command,
            allowed: gates.iter().all(|g| {
                held.iter().any(|r| role_grants(r, g.entity, g.action))
                    && (!g.super_admin_user_only || super_admin_user)
            }),
        })
        .collect();
    let view = Whoami {
        account: AccountJson::from(&me),
        permissions,
        commands,
    };
    if ctx.out.is_json() {
        ctx.out.json(&view)?;
        return Ok(Exit::Ok);
    }
    if ctx.out.quiet {
        ctx.out.lines([&view.account.id])?;
        return Ok(Exit::Ok);
    }
    let perms: Vec<String> = view
        .permissions
        .iter()
        .map(|(e, a)| format!("{e}:{}", a.join(",")))
        .collect();
    let allowed: Vec<&str> = view
        .commands
        .iter()
        .filter(|c| c.allowed)
        .map(|c| c.command)
        .collect();
    let denied: Vec<&str> = view
        .commands
        .iter()
        .filter(|c| !c.allowed)
        .map(|c| c.command)
        .collect();
    let field = |k: &str, v: String| vec![Cell::new(k), Cell::new(v)];
    let rows = vec![
        field("id", view.account.id.clone()),
        field("name", me.label().to_string()),
        field("type", view.account.account_type.clone()),
        field("roles", view.account.roles.join(",")),
        field("permissions", perms.join(" ")),
        field("can run", allowed.join(", ")),
        field(
            "cannot run",
            if denied.is_empty() {
                "-".into()
            } else {
                denied.join(", ")
            },
        ),
    ];
    ctx.out.rows(&["FIELD", "VALUE"], rows)?;
    if view.account.account_type == "service_account"
        && view.account.roles.iter().any(|r| r == "super_admin")
    {
        ctx.out.hint("a service-account key never counts as a super_admin user, even with the super_admin role");
    }
    Ok(Exit::Ok)
}
