//! `/v1/environments[/{id}]` (§3.12): the legacy envelope, whose `total` counts only the page.

use serde_json::{Value, json};

use super::call::{Ctx, Request, rfc3339_seconds};
use super::errors::ApiError;
use super::reply::Reply;
use crate::state::{Db, Environment, PUBLISHED};

const QUERY_HINT: &str = "Please check the query parameters";

fn env_json(e: &Environment) -> Value {
    json!({
        "id": e.id,
        "name": e.name,
        "type": e.env_type,
        "created_at": rfc3339_seconds(e.created_at),
        "updated_at": rfc3339_seconds(e.created_at),
    })
}

/// `types.Filter` binds with `default=` tags, so an absent or empty parameter gets the default.
fn int_param(req: &Request, name: &str, default: i64) -> Result<i64, ApiError> {
    match req.query_param(name).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| ApiError::validation(QUERY_HINT)),
    }
}

/// `GET /v1/environments`: `LIMIT` and `OFFSET` go to Postgres as given, so `limit=0` returns
/// nothing and a negative value is a database error (§11 #18).
pub(crate) fn list(db: &Db, ctx: &Ctx, req: &Request) -> Result<Reply, ApiError> {
    let limit = int_param(req, "limit", 50)?;
    let offset = int_param(req, "offset", 0)?;
    let tenant = ctx.principal.tenant_id.as_str();
    let (Ok(take), Ok(skip)) = (usize::try_from(limit), usize::try_from(offset)) else {
        return Err(
            ApiError::database("Failed to list environments").detail("tenant_id", json!(tenant))
        );
    };
    let page: Vec<Value> = db
        .envs
        .iter()
        .filter(|e| e.tenant_id == tenant && e.status == PUBLISHED)
        .skip(skip)
        .take(take)
        .map(env_json)
        .collect();
    Ok(Reply::value(
        200,
        json!({"environments": page, "total": page.len(), "offset": offset, "limit": limit}),
    ))
}

pub(crate) fn get(db: &Db, ctx: &Ctx, id: &str) -> Result<Reply, ApiError> {
    let tenant = ctx.principal.tenant_id.as_str();
    let env = db.env(tenant, id).ok_or_else(|| {
        ApiError::not_found("Environment not found")
            .detail("environment_id", json!(id))
            .detail("tenant_id", json!(tenant))
    })?;
    Ok(Reply::value(200, env_json(env)))
}
