//! `environments list`: the IDs to pass as `--environment`.

use crate::context::Context;
use crate::error::{CommandResult, Exit};
use crate::output::Cell;
use crate::views::EnvironmentJson;

pub(super) async fn list(ctx: &Context) -> CommandResult<Exit> {
    let client = ctx.client()?;
    let envs = ctx
        .out
        .waiting("Fetching environments", client.environments())
        .await?;
    let views: Vec<EnvironmentJson> = envs.iter().map(EnvironmentJson::from).collect();
    if ctx.out.is_json() {
        ctx.out.json(&views)?;
    } else if ctx.out.quiet {
        ctx.out.ids(views.iter().map(|e| &e.id))?;
    } else if views.is_empty() {
        ctx.out.note("No environments found.");
        ctx.out.hint(
            "environments are created in the Flexprice dashboard; `flexprice-admin whoami` shows which tenant this key belongs to",
        );
    } else {
        let rows = views
            .iter()
            .map(|e| {
                let created = e.created_at.map(|t| t.to_string()).unwrap_or_default();
                vec![
                    Cell::new(&e.id),
                    Cell::new(&e.name),
                    Cell::new(&e.env_type),
                    Cell::new(created),
                ]
            })
            .collect();
        ctx.out.rows(&["ID", "NAME", "TYPE", "CREATED"], rows)?;
    }
    Ok(Exit::Ok)
}
