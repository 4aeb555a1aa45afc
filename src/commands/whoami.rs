//! `whoami`: who the credential is, what its roles allow, and which of this tool's commands
//! that means it can run (every leaf of the command tree, each mapped to the permissions of
//! the requests it sends).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::api::models::Role;
use crate::api::permissions::{Gate, builtin_roles, role_grants};
use crate::context::Context;
use crate::error::{CommandResult, Exit};
use crate::output::Cell;
use crate::views::AccountJson;

/// What a leaf command of the command tree asks of the credential's roles.
enum Access {
    /// Not a question of permissions: it works locally or with any valid credential (auth,
    /// keychain, whoami, help). Left out of whoami's list.
    Any,
    /// One entry per way of running it, each with the gates of the requests it sends (contract
    /// §4.5); allowed only when all pass. The first entry is the command itself.
    Runs(&'static [(&'static str, &'static [Gate])]),
}

const SECRET_READ: Gate = gate("secret", "read");
const SECRET_WRITE: Gate = gate("secret", "write");
const USER_READ: Gate = gate("user", "read");
const USER_WRITE: Gate = gate("user", "write");
const ENVIRONMENT_READ: Gate = gate("environment", "read");
/// Minting a key for a service account, or revoking a key that is not the caller's, needs a
/// super_admin *user* (contract §4.4).
const SECRET_WRITE_SUPER_USER: Gate = Gate {
    super_admin_user_only: true,
    ..SECRET_WRITE
};
/// Seeing other people's keys (to count or revoke them) needs a super_admin *user* too.
const SECRET_READ_SUPER_USER: Gate = Gate {
    super_admin_user_only: true,
    ..SECRET_READ
};

/// Every leaf command (space-separated path), what it needs. A test walks the clap command tree
/// and fails when a leaf is missing here or an entry names no leaf, so this cannot drift.
const ACCESS: &[(&str, Access)] = &[
    (
        "keys create",
        Access::Runs(&[
            ("keys create", &[SECRET_WRITE]),
            (
                "keys create --service-account",
                &[SECRET_WRITE_SUPER_USER, USER_READ],
            ),
        ]),
    ),
    (
        "keys list",
        Access::Runs(&[
            ("keys list", &[SECRET_READ]),
            (
                "keys list --all-environments",
                &[ENVIRONMENT_READ, SECRET_READ],
            ),
        ]),
    ),
    (
        "keys delete",
        Access::Runs(&[
            ("keys delete", &[SECRET_READ, SECRET_WRITE]),
            (
                "keys delete (others' keys)",
                &[SECRET_READ, SECRET_WRITE_SUPER_USER],
            ),
        ]),
    ),
    (
        "keys rotate",
        Access::Runs(&[
            ("keys rotate", &[SECRET_READ, SECRET_WRITE]),
            (
                "keys rotate (service-account keys)",
                &[SECRET_READ, SECRET_WRITE_SUPER_USER],
            ),
        ]),
    ),
    (
        "keys audit",
        Access::Runs(&[
            ("keys audit", &[SECRET_READ]),
            (
                "keys audit --all-environments",
                &[ENVIRONMENT_READ, SECRET_READ],
            ),
        ]),
    ),
    (
        "keys check",
        Access::Runs(&[("keys check", &[SECRET_READ])]),
    ),
    (
        "service-accounts create",
        Access::Runs(&[("service-accounts create", &[USER_WRITE])]),
    ),
    (
        "service-accounts list",
        Access::Runs(&[("service-accounts list", &[USER_READ])]),
    ),
    (
        "service-accounts rename",
        Access::Runs(&[("service-accounts rename", &[USER_READ, USER_WRITE])]),
    ),
    (
        "service-accounts delete",
        Access::Runs(&[
            (
                "service-accounts delete",
                &[USER_READ, SECRET_READ, USER_WRITE],
            ),
            (
                "service-accounts delete --revoke-keys",
                &[USER_READ, SECRET_READ, SECRET_WRITE_SUPER_USER, USER_WRITE],
            ),
        ]),
    ),
    (
        "users list",
        Access::Runs(&[
            ("users list", &[USER_READ]),
            (
                "users list (with live key counts)",
                &[USER_READ, SECRET_READ_SUPER_USER],
            ),
        ]),
    ),
    (
        "users remove",
        Access::Runs(&[
            (
                "users remove",
                &[USER_READ, SECRET_READ_SUPER_USER, USER_WRITE],
            ),
            (
                "users remove --revoke-keys",
                &[
                    USER_READ,
                    SECRET_READ_SUPER_USER,
                    SECRET_WRITE_SUPER_USER,
                    USER_WRITE,
                ],
            ),
            ("users remove --keep-keys", &[USER_READ, USER_WRITE]),
        ]),
    ),
    ("roles list", Access::Runs(&[("roles list", &[])])),
    ("roles show", Access::Runs(&[("roles show", &[])])),
    (
        "environments list",
        Access::Runs(&[("environments list", &[ENVIRONMENT_READ])]),
    ),
    ("auth login", Access::Any),
    ("auth status", Access::Any),
    ("auth logout", Access::Any),
    ("keychain get", Access::Any),
    ("keychain list", Access::Any),
    ("profile set", Access::Any),
    ("profile show", Access::Any),
    ("profile list", Access::Any),
    ("keychain remove", Access::Any),
    (
        "keychain prune",
        Access::Runs(&[("keychain prune", &[SECRET_READ])]),
    ),
    // Whether each recovery file's key is active is shown only when the keys can be listed.
    ("keychain recovered", Access::Any),
    (
        "plan",
        Access::Runs(&[
            ("plan", &[USER_READ, SECRET_READ]),
            (
                "plan (keys in named environments)",
                &[USER_READ, SECRET_READ, ENVIRONMENT_READ],
            ),
        ]),
    ),
    (
        "apply",
        Access::Runs(&[
            (
                "apply",
                &[USER_READ, USER_WRITE, SECRET_READ, SECRET_WRITE_SUPER_USER],
            ),
            (
                "apply (keys in named environments)",
                &[
                    USER_READ,
                    USER_WRITE,
                    SECRET_READ,
                    SECRET_WRITE_SUPER_USER,
                    ENVIRONMENT_READ,
                ],
            ),
        ]),
    ),
    ("whoami", Access::Any),
    ("help", Access::Any),
    ("generate", Access::Any),
];

/// Every leaf of the command tree, as space-separated paths, in the tree's order.
fn leaf_commands() -> Vec<String> {
    fn walk(command: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        for sub in command.get_subcommands() {
            let path = if prefix.is_empty() {
                sub.get_name().to_string()
            } else {
                format!("{prefix} {}", sub.get_name())
            };
            if sub.has_subcommands() {
                walk(sub, &path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&crate::cli::command(), "", &mut out);
    out
}

/// The ways of running each command that depend on permissions, in the command tree's order.
fn command_gates() -> Vec<(&'static str, &'static [Gate])> {
    leaf_commands()
        .iter()
        .filter_map(|leaf| ACCESS.iter().find(|(path, _)| path == leaf))
        .flat_map(|(_, access)| match access {
            Access::Any => &[][..],
            Access::Runs(runs) => runs,
        })
        .copied()
        .collect()
}

const fn gate(entity: &'static str, action: &'static str) -> Gate {
    Gate {
        entity,
        action,
        super_admin_user_only: false,
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

pub(super) async fn run(ctx: &Context) -> CommandResult<Exit> {
    let client = ctx.client()?;
    // Side by side, one round trip: neither answer depends on the other.
    let (me, roles) = ctx
        .out
        .waiting(
            "Asking who this is",
            futures_util::future::join(client.me(), client.roles(None)),
        )
        .await;
    let me = me?;
    // `/rbac/roles` needs an environment; a tenant key without --environment cannot read it,
    // and the roles are static, so the built-in table is a faithful stand-in.
    let catalogue = roles.unwrap_or_else(|_| builtin_roles());
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
    let commands = command_gates()
        .into_iter()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_leaf_command_says_what_it_needs() {
        let leaves = leaf_commands();
        assert!(leaves.contains(&"keys rotate".to_string()), "{leaves:?}");
        for leaf in &leaves {
            assert!(
                ACCESS.iter().any(|(path, _)| path == leaf),
                "`{leaf}` has no entry in whoami's ACCESS table: add the gates of the requests it sends"
            );
        }
        for (path, _) in ACCESS {
            assert!(
                leaves.iter().any(|leaf| leaf == path),
                "ACCESS names `{path}`, which is not a command"
            );
        }
    }

    #[test]
    fn each_way_of_running_a_command_starts_with_that_command() {
        for (path, access) in ACCESS {
            if let Access::Runs(runs) = access {
                assert_eq!(runs[0].0, *path);
                for (label, _) in runs.iter() {
                    assert!(label.starts_with(path), "{label} under {path}");
                }
            }
        }
        let listed: Vec<&str> = command_gates().iter().map(|(c, _)| *c).collect();
        assert!(listed.contains(&"keys audit"));
        assert!(!listed.contains(&"whoami"));
    }
}
