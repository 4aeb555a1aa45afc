//! `roles list` and `roles show`. The server lists roles in random order, so we sort by ID.

use crate::cli::{RolesListArgs, RolesShowArgs};
use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};
use crate::output::Cell;
use crate::views::{RoleJson, permissions_line};

pub(super) async fn list(ctx: &Context, args: &RolesListArgs) -> CommandResult<Exit> {
    let client = ctx.client()?;
    let mut roles = ctx
        .out
        .waiting(
            "Fetching roles",
            client.roles(args.for_kind.map(|k| k.api_name())),
        )
        .await?;
    roles.sort_by(|a, b| a.id.cmp(&b.id));
    let views: Vec<RoleJson> = roles.iter().map(RoleJson::from).collect();
    if ctx.out.is_json() {
        ctx.out.json(&views)?;
    } else if ctx.out.quiet {
        ctx.out.ids(views.iter().map(|r| &r.id))?;
    } else if views.is_empty() {
        ctx.out.note("No roles found.");
        ctx.out.hint(match args.for_kind {
            Some(_) => "list every role with `flexprice-admin roles list`",
            None => "check the credential with `flexprice-admin whoami`",
        });
    } else {
        let rows = views
            .iter()
            .map(|r| {
                vec![
                    Cell::new(&r.id),
                    Cell::new(&r.name),
                    Cell::new(r.assignable_to.join(",")),
                    Cell::new(permissions_line(&r.permissions)),
                ]
            })
            .collect();
        ctx.out
            .rows(&["ROLE", "NAME", "ASSIGNABLE TO", "PERMISSIONS"], rows)?;
    }
    Ok(Exit::Ok)
}

pub(super) async fn show(ctx: &Context, args: &RolesShowArgs) -> CommandResult<Exit> {
    let client = ctx.client()?;
    let role = match ctx
        .out
        .waiting("Fetching the role", client.role(&args.role))
        .await
    {
        Ok(role) => role,
        Err(err) if err.is_status(404) => {
            return Err(CommandError::new(
                Exit::NotFound,
                format!("there is no role '{}'", args.role),
            )
            .hint("`flexprice-admin roles list` shows every role"));
        }
        Err(err) => return Err(err.into()),
    };
    let view = RoleJson::from(&role);
    if ctx.out.is_json() {
        ctx.out.json(&view)?;
    } else if ctx.out.quiet {
        ctx.out.lines([&view.id])?;
    } else {
        let rows = vec![
            vec![Cell::new("id"), Cell::new(&view.id)],
            vec![Cell::new("name"), Cell::new(&view.name)],
            vec![Cell::new("description"), Cell::new(&view.description)],
            vec![
                Cell::new("assignable to"),
                Cell::new(view.assignable_to.join(",")),
            ],
            vec![
                Cell::new("permissions"),
                Cell::new(permissions_line(&view.permissions)),
            ],
        ];
        ctx.out.rows(&["FIELD", "VALUE"], rows)?;
    }
    Ok(Exit::Ok)
}
