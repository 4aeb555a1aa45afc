//! Turns a 401 or 403 into something an operator can act on: what the credential probably is,
//! which permission the request needed, which roles the caller holds and which would grant it.
//! This is the troubleshooting section of Flexprice's docs, applied to the failure at hand.

use crate::api::permissions::{builtin_roles, role_grants, route_gate};
use crate::api::{ApiError, ApiErrorKind, Client, NO_ENVIRONMENT};
use crate::context::Context;
use crate::env;
use crate::error::CommandError;

const SUPER_ADMIN_USER_ONLY: &str = "This action requires a user account with Super Admin access";
const INSUFFICIENT: &str = "insufficient permissions";

/// Adds hints to an error that an API call caused. May ask `/users/me` for the caller's roles.
pub(crate) async fn enrich(err: &mut CommandError, ctx: &Context, client: Option<&Client>) {
    let Some(api) = err.source.as_deref() else {
        return;
    };
    let hints = hints_for(api, ctx, client).await;
    err.hints.extend(hints);
}

/// What to try for the failed call `api`, given where the command sent it.
async fn hints_for(api: &ApiError, ctx: &Context, client: Option<&Client>) -> Vec<String> {
    let mut hints = Vec::new();
    let message = api.server_message().unwrap_or_default().to_string();
    match (api.kind.as_ref(), api.status()) {
        (_, Some(401)) => {
            hints.push(
                "the key is wrong, revoked or expired, or belongs to another region or environment"
                    .into(),
            );
            hints.push(format!(
                "the API URL is {} ({} or --api-url); `flexprice-admin whoami` tests the key",
                ctx.settings.api_url,
                env::API_URL
            ));
        }
        (_, Some(403)) if message == NO_ENVIRONMENT => {
            let hint = match &ctx.settings.environment {
                Some(env_id) => format!("environment '{env_id}' is not one of this tenant's"),
                None => "this credential (a tenant-level key or a login token) is not bound to an environment".into(),
            };
            hints.push(hint);
            hints.push(format!(
                "pass --environment ENV_ID or set {}; `flexprice-admin environments list` shows the IDs",
                env::ENVIRONMENT_ID
            ));
        }
        (_, Some(403))
            if message == SUPER_ADMIN_USER_ONLY
                || (api.code() == Some("permission_denied") && message.contains("super_admin")) =>
        {
            hints.push(
                "this needs the key of a super_admin *user*; a service-account key never qualifies, even one holding super_admin"
                    .into(),
            );
        }
        (_, Some(403)) if message == INSUFFICIENT => {
            hints.extend(permission_hint(api, client).await);
        }
        (_, Some(403)) => {}
        (_, Some(404)) if message == "404 page not found" => {
            hints.push(format!(
                "no such route: is {} the Flexprice API base URL?",
                ctx.settings.api_url
            ));
        }
        (_, Some(429)) => {
            let wait = api
                .retry_after()
                .map(|d| format!(" (it asked for {} s)", d.as_secs()))
                .unwrap_or_default();
            hints.push(format!(
                "the server is rate limiting this credential{wait}; try again later"
            ));
        }
        (_, Some(500..=599)) => hints.push(
            "the server failed; try again later, and quote the request ID if you report it".into(),
        ),
        (ApiErrorKind::Unreachable { detail }, _) if detail.starts_with("TLS") => {
            hints.push(format!(
                "is {} right? An https:// URL pointing at a plain-http port fails like this",
                ctx.settings.api_url
            ));
        }
        (ApiErrorKind::Unreachable { .. }, _) => {
            hints.push(format!(
                "check the API URL ({}) and your network or proxy (HTTPS_PROXY)",
                ctx.settings.api_url
            ));
        }
        (ApiErrorKind::Decode { .. }, _) => hints.push(format!(
            "the answer does not match the Flexprice API: is {} the API (not a proxy or a web page)? If it \
             persists, report it with the request ID",
            ctx.settings.api_url
        )),
        (ApiErrorKind::TooLarge { .. }, _) => hints.push(format!(
            "no Flexprice answer is that large: check that {} is the Flexprice API and not a proxy or download",
            ctx.settings.api_url
        )),
        (ApiErrorKind::CrossHostRedirect { .. }, _) => hints.push(
            "if you trust the new host, pass it as --api-url; credentials are never sent to a host you did not name"
                .into(),
        ),
        (ApiErrorKind::RepeatedPage { .. }, _) => hints.push(format!(
            "a proxy or cache in front of {} may be dropping the query string; nothing was changed, and the command can be run again once the server pages correctly",
            ctx.settings.api_url
        )),
        (ApiErrorKind::RedirectLoop { .. }, _) => hints.push(format!(
            "check --api-url ({}): a proxy or gateway in front of the API may be redirecting every request",
            ctx.settings.api_url
        )),
        (ApiErrorKind::Timeout { .. }, _) => hints.push("the server is slow or unreachable; raise --timeout or try again later".into()),
        _ => {}
    }
    hints
}

/// "needs secret:write; you hold event_ingestor; granted by all_writer, super_admin".
async fn permission_hint(api: &ApiError, client: Option<&Client>) -> Vec<String> {
    let Some(gate) = route_gate(&api.method, &api.path) else {
        return Vec::new();
    };
    let roles = builtin_roles();
    let granting: Vec<&str> = roles
        .iter()
        .filter(|r| role_grants(r, gate.entity, gate.action))
        .map(|r| r.id.as_str())
        .collect();
    let mut hints = vec![format!(
        "this command needs the permission {}",
        gate.permission()
    )];
    if let Some(client) = client
        && let Ok(me) = client.me().await
    {
        let held = if me.roles.is_empty() {
            "no roles".to_string()
        } else {
            me.roles.join(", ")
        };
        hints.push(format!(
            "the credential's account ({}) holds: {held}",
            me.label()
        ));
    }
    hints.push(format!(
        "roles that grant {}: {}",
        gate.permission(),
        granting.join(", ")
    ));
    // Read access no longer needs an all-powerful account (flexprice/flexprice#2882).
    if granting.contains(&"all_reader") {
        hints.push(format!(
            "a service account may hold all_reader, which grants {} and reads everything without writing: \
             `flexprice-admin service-accounts create --name NAME --role all_reader`",
            gate.permission()
        ));
    }
    hints
}
