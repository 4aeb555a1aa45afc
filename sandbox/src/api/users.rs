//! `/v1/users*`: create service accounts and invite people (§3.6), search (§3.7), rename (§3.8),
//! archive (§3.9), change a person's roles (§3.10) and `/users/me` (§3.11).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::reply::Reply;
use super::{Ctx, Request, rfc3339_seconds};
use crate::roles;
use crate::state::{ARCHIVED, Db, PUBLISHED, SERVICE_ACCOUNT, USER, User, db_time};

const PAYLOAD_HINT: &str = "Please check the request payload";
const CREATE_HINT: &str = "Invalid request. For user: type and email required. For service_account: type and roles required.";
const MAX_USERS: usize = 10;

/// `dto.UserResponse` (plus `password` for `CreateUserResponse`).
pub(crate) fn user_json(db: &Db, u: &User, password: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(u.id));
    if !u.name.is_empty() {
        m.insert("name".into(), json!(u.name));
    }
    if !u.email.is_empty() {
        m.insert("email".into(), json!(u.email));
    }
    m.insert("type".into(), json!(u.user_type));
    if !u.roles.is_empty() {
        m.insert("roles".into(), json!(u.roles));
    }
    if !u.metadata.is_empty() {
        m.insert("metadata".into(), json!(u.metadata));
    }
    let t = &db.tenant;
    // billing_details is a pointer the server always fills (empty sub-fields); metadata stays nil.
    m.insert(
        "tenant".into(),
        json!({
            "id": t.id,
            "name": t.name,
            "billing_details": {"email": "", "help_email": "", "phone": "", "address": {}},
            "status": PUBLISHED,
            "created_at": rfc3339_seconds(t.created_at),
            "updated_at": rfc3339_seconds(t.created_at),
            "metadata": null,
        }),
    );
    if let Some(pw) = password {
        m.insert("password".into(), json!(pw));
    }
    Value::Object(m)
}

#[derive(Deserialize)]
struct CreateBody {
    #[serde(rename = "type")]
    user_type: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    roles: Option<Vec<String>>,
    #[serde(default)]
    email: Option<String>,
}

/// Good enough for go-playground's `email` tag on the inputs tests send.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !s.contains(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

pub(crate) fn create(db: &mut Db, ctx: &Ctx, req: &Request) -> Result<Reply, ApiError> {
    let body: CreateBody = req.bind_json(CREATE_HINT)?;
    let user_type = body.user_type.unwrap_or_default();
    let name = body.name.unwrap_or_default();
    let mut roles = body.roles.unwrap_or_default();
    let email = body.email.unwrap_or_default();
    let p = &ctx.principal;
    match user_type.as_str() {
        SERVICE_ACCOUNT => {
            if !email.is_empty() {
                return Err(ApiError::validation(
                    "Omit email when creating a service account",
                ));
            }
            if roles.is_empty() {
                return Err(ApiError::validation(
                    "Service accounts require role assignment",
                ));
            }
            roles::validate_roles(&roles, SERVICE_ACCOUNT)?;
            roles::can_grant_roles(&p.roles, &roles)?;
            ApiError::check_name_column(&name)?;
            let i = db.insert_user(&name, "", SERVICE_ACCOUNT, roles, None);
            Ok(Reply::value(201, user_json(db, &db.users[i], None)))
        }
        USER => {
            if email.is_empty() {
                return Err(ApiError::field("CreateUserRequest", "Email", "required"));
            }
            if !is_email(&email) {
                return Err(ApiError::field("CreateUserRequest", "Email", "email"));
            }
            // Membership only: a service-account key holding super_admin passes (§3.6).
            if !p.roles.iter().any(|r| r == "super_admin") {
                return Err(ApiError::permission_denied(
                    "Ask a tenant super_admin to invite this user",
                ));
            }
            if roles.is_empty() {
                roles = vec!["super_admin".to_owned()];
            }
            roles::validate_roles(&roles, USER)?;
            roles::can_grant_roles(&p.roles, &roles)?;
            let tenant = p.tenant_id.as_str();
            if db.users.iter().any(|u| {
                u.tenant_id == tenant
                    && u.status == PUBLISHED
                    && u.email.eq_ignore_ascii_case(&email)
            }) {
                return Err(ApiError::already_exists(
                    "A user with this email already exists in this tenant",
                ));
            }
            let people = db
                .users
                .iter()
                .filter(|u| u.tenant_id == tenant && u.user_type == USER && u.status == PUBLISHED)
                .count();
            if people >= MAX_USERS {
                return Err(ApiError::validation(format!(
                    "Maximum {MAX_USERS} user(s) allowed for this tenant. Contact support to raise the limit."
                ))
                .detail("max_users", json!(MAX_USERS))
                .detail("current_users", json!(people)));
            }
            ApiError::check_name_column(&name)?;
            let i = db.insert_user(&name, &email, USER, roles, None);
            let user = &db.users[i];
            Ok(Reply::value(
                201,
                user_json(db, user, user.password.as_deref()),
            ))
        }
        _ => Err(ApiError::validation(CREATE_HINT)),
    }
}

/// Go's encoding/json matches object keys to struct fields case-insensitively.
fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

pub(crate) fn search(db: &Db, ctx: &Ctx, req: &Request) -> Result<Reply, ApiError> {
    let body: Value = req.bind_json(PAYLOAD_HINT)?;
    let Value::Object(obj) = body else {
        return Err(ApiError::validation(PAYLOAD_HINT));
    };
    // UserFilter embeds *QueryFilter; with none of its fields present the pointer stays nil and
    // the handler's GetLimit() panics: gin's Recovery answers 500 with an empty body (§3.7).
    if !["limit", "offset", "status", "order", "expand"]
        .iter()
        .any(|k| field(&obj, k).is_some())
    {
        return Ok(Reply::empty(500));
    }
    let int = |name: &str| -> Result<i64, ApiError> {
        match field(&obj, name) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => v.as_i64().ok_or_else(|| ApiError::validation(PAYLOAD_HINT)),
        }
    };
    let mut limit = int("limit")?;
    if limit == 0 {
        limit = 50;
    }
    let offset = int("offset")?.max(0);
    let user_type = match field(&obj, "type") {
        None | Some(Value::Null) => SERVICE_ACCOUNT.to_owned(),
        Some(Value::String(s)) if s.is_empty() => SERVICE_ACCOUNT.to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(ApiError::validation(PAYLOAD_HINT)),
    };
    let user_ids: Option<Vec<String>> = match field(&obj, "user_ids") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            serde_json::from_value(v.clone()).map_err(|_| ApiError::validation(PAYLOAD_HINT))?,
        ),
    };
    let user_ids = user_ids.filter(|ids| !ids.is_empty());
    let mut sorts: Vec<(String, bool)> = Vec::new();
    if let Some(Value::Array(items)) = field(&obj, "sort") {
        for item in items {
            let text = |k: &str| item.get(k).and_then(Value::as_str).unwrap_or_default();
            let f = text("field");
            if matches!(f, "created_at" | "email" | "type") {
                sorts.push((f.to_owned(), text("direction") == "desc"));
            }
        }
    }
    if sorts.is_empty() {
        sorts.push(("created_at".to_owned(), true));
    }
    let tenant = ctx.principal.tenant_id.as_str();
    let mut rows: Vec<&User> = db
        .users
        .iter()
        .filter(|u| {
            u.tenant_id == tenant
                && u.status == PUBLISHED
                && u.user_type == user_type
                && user_ids.as_ref().is_none_or(|ids| ids.contains(&u.id))
        })
        .collect();
    let total = rows.len();
    rows.sort_by(|a, b| {
        for (f, desc) in &sorts {
            let o = match f.as_str() {
                "email" => a.email.cmp(&b.email),
                "type" => a.user_type.cmp(&b.user_type),
                _ => a.created_at.cmp(&b.created_at),
            };
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let items: Vec<Value> = if limit > 0 {
        let take = usize::try_from(limit).unwrap_or(usize::MAX);
        rows.iter()
            .skip(skip)
            .take(take)
            .map(|u| user_json(db, u, None))
            .collect()
    } else {
        rows.iter()
            .skip(skip)
            .map(|u| user_json(db, u, None))
            .collect()
    };
    Ok(Reply::value(
        200,
        json!({"items": items, "pagination": {"total": total, "limit": limit, "offset": offset + limit}}),
    ))
}

pub(crate) fn get_me(db: &Db, ctx: &Ctx) -> Result<Reply, ApiError> {
    let p = &ctx.principal;
    let user = db
        .user(&p.tenant_id, &p.user_id)
        .ok_or_else(|| ApiError::not_found("User not found"))?;
    Ok(Reply::value(200, user_json(db, user, None)))
}

#[derive(Deserialize)]
struct UpdateMeBody {
    name: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
}

pub(crate) fn update_me(db: &mut Db, ctx: &Ctx, req: &Request) -> Result<Reply, ApiError> {
    let body: UpdateMeBody = req.bind_json(PAYLOAD_HINT)?;
    let p = &ctx.principal;
    let now = db_time(ctx.now);
    let user = db
        .user_mut(&p.tenant_id, &p.user_id)
        .ok_or_else(|| ApiError::not_found("User not found"))?;
    if let Some(name) = body.name.filter(|n| !n.is_empty()) {
        ApiError::check_name_column(&name)?;
        user.name = name;
    }
    if let Some(meta) = body.metadata {
        user.metadata.extend(meta);
    }
    user.updated_at = now;
    let user = db
        .user(&p.tenant_id, &p.user_id)
        .ok_or_else(|| ApiError::not_found("User not found"))?;
    Ok(Reply::value(200, user_json(db, user, None)))
}

#[derive(Deserialize)]
struct RenameBody {
    name: Option<String>,
}

pub(crate) fn rename_service_account(
    db: &mut Db,
    ctx: &Ctx,
    req: &Request,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: RenameBody = req.bind_json(PAYLOAD_HINT)?;
    let Some(name) = body.name.filter(|n| !n.is_empty()) else {
        return Err(ApiError::validation(PAYLOAD_HINT));
    };
    let tenant = ctx.principal.tenant_id.clone();
    let now = db_time(ctx.now);
    let user = db
        .user_mut(&tenant, id)
        .filter(|u| u.user_type == SERVICE_ACCOUNT)
        .ok_or_else(|| {
            ApiError::not_found("The provided ID does not belong to a service account")
                .detail("user_id", json!(id))
        })?;
    if user.status == ARCHIVED {
        return Err(ApiError::validation(
            "Archived service accounts cannot be updated",
        ));
    }
    ApiError::check_name_column(&name)?;
    user.name = name;
    user.updated_at = now;
    let user = db
        .user(&tenant, id)
        .ok_or_else(|| ApiError::not_found("User not found"))?;
    Ok(Reply::value(200, user_json(db, user, None)))
}

pub(crate) fn archive(db: &mut Db, ctx: &Ctx, id: &str) -> Result<Reply, ApiError> {
    let tenant = ctx.principal.tenant_id.clone();
    let Some(user) = db.user(&tenant, id) else {
        return Err(ApiError::not_found("User not found")
            .detail("user_id", json!(id))
            .detail("tenant_id", json!(tenant)));
    };
    if user.status == ARCHIVED {
        return Err(ApiError::not_found("User not found or already archived")
            .detail("user_id", json!(id))
            .detail("tenant_id", json!(tenant)));
    }
    if user.user_type != SERVICE_ACCOUNT {
        return Err(ApiError::validation(
            "Deletion is supported for service accounts only",
        ));
    }
    // Any type counts, publishable keys included, and the message names no keys (§3.9).
    if db.active_keys_of(&tenant, id).next().is_some() {
        return Err(ApiError::validation(
            "Revoke all API keys before archiving this service account",
        ));
    }
    let now = db_time(ctx.now);
    if let Some(user) = db.user_mut(&tenant, id) {
        user.status = ARCHIVED.to_owned();
        user.updated_at = now;
    }
    Ok(Reply::empty(204))
}

#[derive(Deserialize)]
struct RolesBody {
    roles: Option<Vec<String>>,
}

pub(crate) fn update_roles(
    db: &mut Db,
    ctx: &Ctx,
    req: &Request,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: RolesBody = req.bind_json(PAYLOAD_HINT)?;
    let roles = body.roles.unwrap_or_default();
    if roles.is_empty() {
        return Err(ApiError::field(
            "UpdateUserRolesRequest",
            "Roles",
            "required",
        ));
    }
    if let Some(i) = roles.iter().position(String::is_empty) {
        return Err(ApiError::field(
            "UpdateUserRolesRequest",
            &format!("Roles[{i}]"),
            "required",
        ));
    }
    let p = &ctx.principal;
    if id == p.user_id {
        return Err(ApiError::permission_denied(
            "Ask another super_admin to change your roles",
        ));
    }
    let tenant = p.tenant_id.as_str();
    let Some(target) = db.user(tenant, id) else {
        return Err(ApiError::not_found("User not found").detail("user_id", json!(id)));
    };
    if target.user_type == SERVICE_ACCOUNT {
        return Err(ApiError::validation(
            "Service account roles are fixed at creation and cannot be changed",
        ));
    }
    if target.status == ARCHIVED {
        return Err(ApiError::validation("Archived users cannot be updated"));
    }
    roles::validate_roles(&roles, USER)?;
    roles::can_grant_roles(&p.roles, &roles)?;
    let active: Vec<_> = db.active_keys_of(tenant, id).collect();
    if !active.is_empty() {
        let mut by_env: Map<String, Value> = Map::new();
        for s in &active {
            let entry = by_env.entry(s.environment_id.clone()).or_insert_with(|| {
                let env_name = db
                    .env(tenant, &s.environment_id)
                    .map(|e| e.name.as_str())
                    .unwrap_or_default();
                json!({"env_name": env_name, "api_keys": []})
            });
            if let Some(Value::Array(keys)) = entry.get_mut("api_keys") {
                keys.push(json!({"id": s.id, "key_name": s.name}));
            }
        }
        return Err(ApiError::validation(
            "Expire this user's existing API keys before changing their role",
        )
        .detail("id", json!(id))
        .detail("active_api_key_count", json!(active.len()))
        .detail("active_api_keys", Value::Object(by_env)));
    }
    let now = db_time(ctx.now);
    let tenant = tenant.to_owned();
    if let Some(user) = db.user_mut(&tenant, id) {
        user.roles = roles;
        user.updated_at = now;
    }
    let user = db
        .user(&tenant, id)
        .ok_or_else(|| ApiError::not_found("User not found"))?;
    Ok(Reply::value(200, user_json(db, user, None)))
}
