//! `/v1/secrets/api/keys`: list, create and revoke API keys (§3.1–3.3), with the list's scoping,
//! sort and pagination quirks.

use std::cmp::Ordering;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::call::{Ctx, Request, go_time};
use super::errors::ApiError;
use super::reply::Reply;
use crate::state::{DELETED, Db, PRIVATE_KEY, PUBLISHABLE_KEY, PUBLISHED, SERVICE_ACCOUNT, Secret};

const QUERY_HINT: &str = "Please check the query parameters";
const PAYLOAD_HINT: &str = "Please check the request payload";

fn is_empty_str(s: &&str) -> bool {
    s.is_empty()
}

/// `dto.SecretResponse`.
#[derive(Serialize)]
pub(crate) struct SecretOut<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    secret_type: &'a str,
    provider: &'a str,
    display_id: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    roles: &'a [String],
    #[serde(skip_serializing_if = "is_empty_str")]
    user_type: &'a str,
    #[serde(skip_serializing_if = "is_empty_str")]
    user_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_account_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    status: &'a str,
    created_at: String,
    updated_at: String,
}

impl<'a> SecretOut<'a> {
    fn new(s: &'a Secret, service_account_name: Option<&'a str>) -> SecretOut<'a> {
        SecretOut {
            id: &s.id,
            name: &s.name,
            secret_type: &s.secret_type,
            provider: &s.provider,
            display_id: &s.display_id,
            roles: &s.roles,
            user_type: &s.user_type,
            user_id: &s.user_id,
            service_account_name: service_account_name.filter(|n| !n.is_empty()),
            expires_at: s.expires_at.map(go_time),
            status: &s.status,
            created_at: go_time(s.created_at),
            updated_at: go_time(s.updated_at),
        }
    }
}

#[derive(Serialize)]
struct Pagination {
    total: usize,
    limit: i64,
    offset: i64,
}

#[derive(Serialize)]
struct ListOut<'a> {
    items: Vec<SecretOut<'a>>,
    pagination: Pagination,
}

/// gin's query binding: an absent parameter keeps the handler's default, an empty one binds to
/// 0 (`limit=` means no limit, §11 #14).
fn int_param(req: &Request, name: &str, default: i64) -> Result<i64, ApiError> {
    match req.query_param(name) {
        None => Ok(default),
        Some(v) if v.is_empty() => Ok(0),
        Some(v) => v.parse().map_err(|_| ApiError::validation(QUERY_HINT)),
    }
}

fn time_param(req: &Request, name: &str) -> Result<Option<Timestamp>, ApiError> {
    match req.query_param(name) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| ApiError::validation(QUERY_HINT)),
    }
}

type Cmp = fn(&Secret, &Secret) -> Ordering;

/// Postgres sorts NULL as the largest value: last ascending, first descending.
fn cmp_expires(a: &Secret, b: &Secret) -> Ordering {
    match (a.expires_at, b.expires_at) {
        (Some(x), Some(y)) => x.cmp(&y),
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
    }
}

/// The comparator for a `secrets` column, `None` for a name ent's `ValidColumn` rejects
/// (the server then applies no ORDER BY at all).
fn column_order(column: &str) -> Option<Cmp> {
    Some(match column {
        "created_at" => |a, b| a.created_at.cmp(&b.created_at),
        "updated_at" => |a, b| a.updated_at.cmp(&b.updated_at),
        "id" => |a, b| a.id.cmp(&b.id),
        "name" => |a, b| a.name.cmp(&b.name),
        "status" => |a, b| a.status.cmp(&b.status),
        "type" => |a, b| a.secret_type.cmp(&b.secret_type),
        "provider" => |a, b| a.provider.cmp(&b.provider),
        "value" => |a, b| a.value.cmp(&b.value),
        "display_id" => |a, b| a.display_id.cmp(&b.display_id),
        "user_type" => |a, b| a.user_type.cmp(&b.user_type),
        "user_id" => |a, b| a.user_id.cmp(&b.user_id),
        "environment_id" => |a, b| a.environment_id.cmp(&b.environment_id),
        "tenant_id" => |a, b| a.tenant_id.cmp(&b.tenant_id),
        "expires_at" => cmp_expires,
        // Real columns whose values are equal (or NULL) on every API key.
        "last_used_at" | "created_by" | "updated_by" | "provider_data" | "roles" => {
            |_, _| Ordering::Equal
        }
        _ => return None,
    })
}

pub(crate) fn list(db: &Db, ctx: &Ctx, req: &Request) -> Result<Reply, ApiError> {
    let limit = int_param(req, "limit", 50)?;
    let offset = int_param(req, "offset", 0)?;
    let sort = req
        .query_param("sort")
        .unwrap_or_else(|| "created_at".to_owned());
    let order = req
        .query_param("order")
        .unwrap_or_else(|| "desc".to_owned());
    let start = time_param(req, "start_time")?;
    let end = time_param(req, "end_time")?;
    let p = &ctx.principal;
    // `user_id` is honoured only for a super_admin user (an empty one matches no key); everyone
    // else sees their own keys.
    let owner = if p.is_super_admin_user() {
        req.query_param("user_id")
    } else {
        Some(p.user_id.clone())
    };
    let env = ctx.env();

    let mut rows: Vec<&Secret> = db
        .secrets
        .iter()
        .filter(|s| {
            s.tenant_id == p.tenant_id
                && s.environment_id == env
                && s.secret_type == PRIVATE_KEY
                && s.provider == "flexprice"
                && s.status == PUBLISHED
                && owner.as_deref().is_none_or(|o| s.user_id == o)
                && start.is_none_or(|t| s.created_at >= t)
                && end.is_none_or(|t| s.created_at <= t)
        })
        .collect();
    let total = rows.len();
    if let Some(cmp) = column_order(&sort) {
        if order == "desc" {
            rows.sort_by(|a, b| cmp(b, a));
        } else {
            rows.sort_by(|a, b| cmp(a, b));
        }
    }
    let page: Box<dyn Iterator<Item = &Secret>> = if limit > 0 {
        let skip = usize::try_from(offset.max(0)).unwrap_or(usize::MAX);
        let take = usize::try_from(limit).unwrap_or(usize::MAX);
        Box::new(rows.into_iter().skip(skip).take(take))
    } else {
        Box::new(rows.into_iter())
    };
    let items = page
        .map(|s| {
            // The name lookup sees published service accounts only (§11 #13).
            let sa_name = (s.user_type == SERVICE_ACCOUNT)
                .then(|| db.user(&s.tenant_id, &s.user_id))
                .flatten()
                .filter(|u| u.status == PUBLISHED && u.user_type == SERVICE_ACCOUNT)
                .map(|u| u.name.as_str());
            SecretOut::new(s, sa_name)
        })
        .collect();
    Ok(Reply::json(
        200,
        &ListOut {
            items,
            pagination: Pagination {
                total,
                limit,
                // The server reports the next page's offset (types.NewPaginationResponse).
                offset: offset.saturating_add(limit),
            },
        },
    ))
}

#[derive(Deserialize)]
struct CreateBody {
    name: Option<String>,
    #[serde(rename = "type")]
    secret_type: Option<String>,
    expires_at: Option<String>,
    service_account_id: Option<String>,
}

pub(crate) fn create(db: &mut Db, ctx: &Ctx, req: &Request) -> Result<Reply, ApiError> {
    let body: CreateBody = req.bind_json(PAYLOAD_HINT)?;
    let name = body.name.filter(|n| !n.is_empty());
    let secret_type = body.secret_type.filter(|t| !t.is_empty());
    let (Some(name), Some(secret_type)) = (name, secret_type) else {
        return Err(ApiError::validation(PAYLOAD_HINT));
    };
    let expires_at = match body.expires_at {
        None => None,
        Some(text) => Some(
            text.parse::<Timestamp>()
                .map_err(|_| ApiError::validation(PAYLOAD_HINT))?,
        ),
    };
    if secret_type != PRIVATE_KEY && secret_type != PUBLISHABLE_KEY {
        return Err(ApiError::validation("Invalid secret type"));
    }
    let p = &ctx.principal;
    let owner = match body.service_account_id.filter(|s| !s.is_empty()) {
        Some(sa_id) => {
            if !p.is_super_admin_user() {
                return Err(ApiError::permission_denied(
                    "Ask a tenant super_admin to mint or rotate service-account API keys",
                ));
            }
            let Some(user) = db.user(&p.tenant_id, &sa_id) else {
                return Err(ApiError::user_not_found(&sa_id, &p.tenant_id));
            };
            if user.user_type != SERVICE_ACCOUNT {
                return Err(ApiError::validation(
                    "Only service account user IDs can be explicitly provided",
                )
                .detail("user_id", json!(sa_id))
                .detail("user_type", json!(user.user_type)));
            }
            sa_id
        }
        None => {
            if db.user(&p.tenant_id, &p.user_id).is_none() {
                return Err(ApiError::user_not_found(&p.user_id, &p.tenant_id));
            }
            p.user_id.clone()
        }
    };
    let (secret, raw) = db.insert_secret(
        &name,
        &secret_type,
        ctx.env(),
        &owner,
        expires_at,
        Some(ctx.now),
    );
    Ok(Reply::json(
        201,
        &json!({"secret": SecretOut::new(secret, None), "api_key": raw}),
    ))
}

pub(crate) fn delete(db: &mut Db, ctx: &Ctx, id: &str) -> Result<Reply, ApiError> {
    let p = &ctx.principal;
    let env = ctx.env();
    let Some(&i) = db.secret_idx.get(id) else {
        return Err(ApiError::not_found("Secret not found").detail("secret_id", json!(id)));
    };
    let secret = &mut db.secrets[i];
    if secret.tenant_id != p.tenant_id || secret.environment_id != env {
        return Err(ApiError::not_found("Secret not found").detail("secret_id", json!(id)));
    }
    if !p.is_super_admin_user() && !secret.user_id.is_empty() && secret.user_id != p.user_id {
        return Err(ApiError::permission_denied(
            "Ask a tenant super_admin to revoke this API key",
        ));
    }
    // Soft delete, idempotent; the revocation cache is deliberately left alone (§3.3).
    secret.status = DELETED.to_owned();
    secret.updated_at = crate::state::db_time(ctx.now);
    Ok(Reply::empty(204))
}
