//! What `--dry-run` prints instead of sending: each request a mutating command would make,
//! credentials redacted.

use serde::Serialize;

use crate::api::{Client, Request};
use crate::context::Context;
use crate::error::CommandResult;

/// A request as `--dry-run` shows it.
#[derive(Serialize)]
struct PlannedRequest {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<serde_json::Value>,
}

/// Prints the requests a mutating command would send (credentials redacted) instead of sending
/// them: JSON with `-o json`, else an HTTP-like listing.
pub(crate) fn emit_planned(
    ctx: &Context,
    client: &Client,
    requests: &[Request],
) -> CommandResult<()> {
    let planned: Vec<PlannedRequest> = requests
        .iter()
        .map(|r| PlannedRequest {
            method: r.method.to_string(),
            url: client.url_for(r).to_string(),
            headers: client.describe_headers(),
            body: r.body.clone(),
        })
        .collect();
    if ctx.out.is_json() {
        return ctx.out.json(&planned);
    }
    let mut lines = Vec::new();
    for request in &planned {
        lines.push(format!("{} {}", request.method, request.url));
        for (name, value) in &request.headers {
            lines.push(format!("{name}: {value}"));
        }
        if let Some(body) = &request.body {
            lines.push(body.to_string());
        }
        lines.push(String::new());
    }
    ctx.out.lines(lines)?;
    ctx.out.note(format!(
        "Dry run: {} not sent.",
        crate::output::count(planned.len(), "request", "requests")
    ));
    Ok(())
}
