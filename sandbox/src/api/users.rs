//! `/v1/users*`: create service accounts and invite people (§3.6), search (§3.7), rename (§3.8),
//! archive (§3.9), change a person's roles (§3.10), `/users/me` (§3.11) and remove a person
//! from the tenant (§12, flexprice/flexprice#2363).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::call::{Ctx, Request, rfc3339_seconds};
use super::errors::ApiError;
use super::reply::Reply;
use super::roles;
use crate::state::{
    ARCHIVED, DELETED, Db, PUBLISHED, SERVICE_ACCOUNT, USER, User, db_time, new_ulid,
};

const CREATE_HINT: &str = "Invalid request. For user: type and email required. For service_account: type and roles required.";
/// The hint of the `PUT /users/...` handlers when the body does not bind (§11 #10).
const BODY_HINT: &str = "Invalid request body";
/// The hint of `POST /users/search` when the body does not bind (§11 #6).
const FILTER_HINT: &str = "Invalid filter parameters";
/// `tenant_config.max_users` when the tenant has not set it.
const MAX_USERS: usize = 10;
/// `users.name` and `users.email` are `varchar(255)`; Postgres counts characters.
const VARCHAR_MAX: usize = 255;

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
pub(crate) fn is_email(s: &str) -> bool {
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

fn too_long(s: &str) -> bool {
    s.chars().count() > VARCHAR_MAX
}

/// `POST /v1/users` (§3.6): the DTO's checks in the server's order (email format, type, then
/// per type), then the service's.
pub(crate) fn create(db: &mut Db, ctx: &Ctx, req: &Request) -> Result<Reply, ApiError> {
    let body: CreateBody = req.bind_json(CREATE_HINT)?;
    // `binding:"required"` refuses a missing or empty type.
    let user_type = body
        .user_type
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::validation(CREATE_HINT))?;
    let name = body.name.unwrap_or_default();
    let mut roles = body.roles.unwrap_or_default();
    let email = body.email.unwrap_or_default();
    if !email.is_empty() && !is_email(&email) {
        return Err(ApiError::field("CreateUserRequest", "Email", "email"));
    }
    if user_type != USER && user_type != SERVICE_ACCOUNT {
        return Err(ApiError::validation(
            "User type must be 'user' or 'service_account'",
        ));
    }
    let p = &ctx.principal;
    let tenant = p.tenant_id.clone();
    if user_type == SERVICE_ACCOUNT {
        if roles.is_empty() {
            return Err(ApiError::validation(
                "Service accounts require role assignment",
            ));
        }
        if !email.is_empty() {
            return Err(ApiError::validation(
                "Omit email when creating a service account",
            ));
        }
        roles::validate_roles(&roles, SERVICE_ACCOUNT)?;
        roles::can_grant_roles(&p.roles, &roles)?;
        if too_long(&name) {
            return Err(create_failed(&tenant, ""));
        }
        let i = db.insert_user(&name, "", SERVICE_ACCOUNT, roles, None);
        return Ok(Reply::value(201, user_json(db, &db.users[i], None)));
    }
    if email.is_empty() {
        return Err(ApiError::validation(
            "Provide a valid email when creating a user (type='user')",
        ));
    }
    // Membership only: a service-account key holding super_admin passes (§3.6).
    if !p.roles.iter().any(|r| r == "super_admin") {
        return Err(ApiError::permission_denied(
            "Ask a tenant super_admin to invite this user",
        ));
    }
    if roles.is_empty() {
        roles = vec!["super_admin".to_owned()];
    } else {
        roles::validate_roles(&roles, USER)?;
        roles::can_grant_roles(&p.roles, &roles)?;
    }
    // `GetByEmail`: an exact (case-sensitive) match among published users of the tenant.
    let published = |u: &&User| u.tenant_id == tenant && u.status == PUBLISHED;
    if db.users.iter().filter(published).any(|u| u.email == email) {
        return Err(ApiError::already_exists(
            "A user with this email already exists in this tenant",
        )
        .detail("email", json!(email)));
    }
    // Every published user counts, service accounts included (§11 #3).
    let active = db.users.iter().filter(published).count();
    if active >= MAX_USERS {
        return Err(ApiError::validation(format!(
            "Maximum {MAX_USERS} user(s) allowed for this tenant. Limit reached."
        ))
        .detail("max_users", json!(MAX_USERS))
        .detail("current_active_users", json!(active)));
    }
    if too_long(&email) {
        return Err(create_failed(&tenant, &email));
    }
    // The invite path never stores the request's name.
    let i = db.insert_user("", &email, USER, roles, None);
    let user = &db.users[i];
    Ok(Reply::value(
        201,
        user_json(db, user, user.password.as_deref()),
    ))
}

/// The user repository's `Create` failing in Postgres (a value over `varchar(255)`).
fn create_failed(tenant_id: &str, email: &str) -> ApiError {
    ApiError::database("Failed to create user")
        .detail("user_id", json!(format!("user_{}", new_ulid())))
        .detail("email", json!(email))
        .detail("tenant_id", json!(tenant_id))
}

/// The user repository's `Update` failing in Postgres (a name over `varchar(255)`).
fn update_failed(user_id: &str, tenant_id: &str) -> ApiError {
    ApiError::database("Failed to update user")
        .detail("user_id", json!(user_id))
        .detail("tenant_id", json!(tenant_id))
}

/// Go's encoding/json matches object keys to struct fields case-insensitively.
fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Whether `ShouldBindJSON` into `types.UserFilter` would accept the body's known fields.
fn filter_binds(obj: &Map<String, Value>) -> bool {
    let is =
        |name: &str, ok: fn(&Value) -> bool| field(obj, name).is_none_or(|v| v.is_null() || ok(v));
    let int = |v: &Value| v.is_i64();
    let string = |v: &Value| v.is_string();
    let time = |v: &Value| {
        v.as_str()
            .is_some_and(|t| t.parse::<jiff::Timestamp>().is_ok())
    };
    let strings = |v: &Value| {
        v.as_array()
            .is_some_and(|a| a.iter().all(|i| i.is_null() || i.is_string()))
    };
    let objects = |v: &Value| {
        v.as_array()
            .is_some_and(|a| a.iter().all(|i| i.is_null() || i.is_object()))
    };
    let sort_items = |v: &Value| {
        v.as_array().is_some_and(|a| {
            a.iter().all(|i| match i {
                Value::Null => true,
                Value::Object(o) => ["field", "direction"]
                    .iter()
                    .all(|k| field(o, k).is_none_or(|v| v.is_null() || v.is_string())),
                _ => false,
            })
        })
    };
    is("limit", int)
        && is("offset", int)
        && is("status", string)
        && is("order", string)
        && is("expand", string)
        && is("type", string)
        && is("start_time", time)
        && is("end_time", time)
        && is("user_ids", strings)
        && is("roles", strings)
        && is("filters", objects)
        && is("sort", sort_items)
}

/// `POST /v1/users/search` (§3.7, §11 #4–#6).
pub(crate) fn search(db: &Db, ctx: &Ctx, req: &Request) -> Result<Reply, ApiError> {
    let obj: Map<String, Value> = req.bind_json(FILTER_HINT)?;
    if !filter_binds(&obj) {
        return Err(ApiError::validation(FILTER_HINT));
    }
    // UserFilter embeds *QueryFilter; with none of its fields present the pointer stays nil and
    // the handler's GetLimit() panics: gin's Recovery answers 500 with an empty body (§3.7).
    if !["limit", "offset", "status", "order", "expand"]
        .iter()
        .any(|k| field(&obj, k).is_some())
    {
        return Ok(Reply::empty(500));
    }
    let int = |name: &str| field(&obj, name).and_then(Value::as_i64).unwrap_or(0);
    let limit = match int("limit") {
        0 => 50,
        n => n,
    };
    let offset = int("offset");
    // Omitted: service accounts only. Empty: no type filter at all (§11 #4).
    let user_type = match field(&obj, "type").and_then(Value::as_str) {
        None => Some(SERVICE_ACCOUNT),
        Some("") => None,
        Some(t) => Some(t),
    };
    let user_ids: Vec<&str> = field(&obj, "user_ids")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|v| v.as_str().unwrap_or_default()).collect())
        .unwrap_or_default();
    let tenant = ctx.principal.tenant_id.as_str();
    let mut rows: Vec<&User> = db
        .users
        .iter()
        .filter(|u| {
            u.tenant_id == tenant
                && u.status == PUBLISHED
                && user_type.is_none_or(|t| u.user_type == t)
                && (user_ids.is_empty() || user_ids.contains(&u.id.as_str()))
        })
        .collect();
    let total = rows.len();
    // Postgres refuses a negative LIMIT or OFFSET; the count above has already run (§11 #5).
    if limit < 0 || offset < 0 {
        return Err(
            ApiError::database("Failed to list users by filter").detail("tenant_id", json!(tenant))
        );
    }
    let sort_items: Vec<&Value> = field(&obj, "sort")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut sorts: Vec<(String, bool)> = Vec::new();
    for item in &sort_items {
        // A null entry is a nil *SortCondition: reading its field panics.
        let Value::Object(o) = item else {
            return Ok(Reply::empty(500));
        };
        let text = |k: &str| field(o, k).and_then(Value::as_str).unwrap_or_default();
        let f = text("field");
        if matches!(f, "created_at" | "email" | "type") {
            sorts.push((f.to_owned(), text("direction") == "desc"));
        }
    }
    // No sort given: newest first. Sort fields given but none known: no ORDER BY (§11 #6).
    if sort_items.is_empty() {
        sorts.push(("created_at".to_owned(), true));
    }
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
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    let items: Vec<Value> = rows
        .iter()
        .skip(skip)
        .take(take)
        .map(|u| user_json(db, u, None))
        .collect();
    Ok(Reply::value(
        200,
        json!({"items": items, "pagination": {"total": total, "limit": limit, "offset": offset + limit}}),
    ))
}

pub(crate) fn get_me(db: &Db, ctx: &Ctx) -> Result<Reply, ApiError> {
    let p = &ctx.principal;
    let user = db
        .user(&p.tenant_id, &p.user_id)
        .ok_or_else(|| ApiError::user_not_found(&p.user_id, &p.tenant_id))?;
    Ok(Reply::value(200, user_json(db, user, None)))
}

#[derive(Deserialize)]
struct UpdateMeBody {
    name: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
}

pub(crate) fn update_me(db: &mut Db, ctx: &Ctx, req: &Request) -> Result<Reply, ApiError> {
    let body: UpdateMeBody = req.bind_json(BODY_HINT)?;
    let p = &ctx.principal;
    let now = db_time(ctx.now);
    let user = db
        .user_mut(&p.tenant_id, &p.user_id)
        .ok_or_else(|| ApiError::user_not_found(&p.user_id, &p.tenant_id))?;
    let name = body.name.filter(|n| !n.is_empty());
    if name.as_deref().is_some_and(too_long) {
        return Err(update_failed(&p.user_id, &p.tenant_id));
    }
    if let Some(name) = name {
        user.name = name;
    }
    if let Some(meta) = body.metadata {
        user.metadata.extend(meta);
    }
    user.updated_at = now;
    let user = db
        .user(&p.tenant_id, &p.user_id)
        .ok_or_else(|| ApiError::user_not_found(&p.user_id, &p.tenant_id))?;
    Ok(Reply::value(200, user_json(db, user, None)))
}

#[derive(Deserialize)]
struct RenameBody {
    name: Option<String>,
}

/// `PUT /v1/users/{id}` (§3.8, §11 #9, #10).
pub(crate) fn rename_service_account(
    db: &mut Db,
    ctx: &Ctx,
    req: &Request,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: RenameBody = req.bind_json(BODY_HINT)?;
    // `binding:"required"` refuses a missing or empty name.
    let Some(name) = body.name.filter(|n| !n.is_empty()) else {
        return Err(ApiError::validation(BODY_HINT));
    };
    let tenant = ctx.principal.tenant_id.clone();
    let now = db_time(ctx.now);
    let user = db
        .user_mut(&tenant, id)
        .ok_or_else(|| ApiError::user_not_found(id, &tenant))?;
    if user.user_type != SERVICE_ACCOUNT {
        return Err(
            ApiError::not_found("The provided ID does not belong to a service account")
                .detail("id", json!(id)),
        );
    }
    if user.status == ARCHIVED {
        return Err(
            ApiError::validation("Archived service accounts cannot be updated")
                .detail("id", json!(id)),
        );
    }
    // The row is written only when the name changes.
    if name != user.name {
        if too_long(&name) {
            return Err(update_failed(id, &tenant));
        }
        user.name = name;
        user.updated_at = now;
    }
    let user = db
        .user(&tenant, id)
        .ok_or_else(|| ApiError::user_not_found(id, &tenant))?;
    Ok(Reply::value(200, user_json(db, user, None)))
}

/// `DELETE /v1/users/{id}` (§3.9): the type check comes before the archived one (§11 #12).
pub(crate) fn archive(db: &mut Db, ctx: &Ctx, id: &str) -> Result<Reply, ApiError> {
    let tenant = ctx.principal.tenant_id.clone();
    let Some(user) = db.user(&tenant, id) else {
        return Err(ApiError::user_not_found(id, &tenant));
    };
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
    match db.user_mut(&tenant, id) {
        Some(user) if user.status == PUBLISHED => {
            user.status = ARCHIVED.to_owned();
            user.updated_at = now;
            Ok(Reply::empty(204))
        }
        _ => Err(ApiError::not_found("User not found or already archived")
            .detail("user_id", json!(id))
            .detail("tenant_id", json!(tenant))),
    }
}

#[derive(Deserialize)]
struct RolesBody {
    /// A JSON null entry decodes to "" in Go's `[]string`.
    roles: Option<Vec<Option<String>>>,
}

/// `PUT /v1/users/{id}/roles` (§3.10, §11 #10, #11).
pub(crate) fn update_roles(
    db: &mut Db,
    ctx: &Ctx,
    req: &Request,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: RolesBody = req.bind_json(BODY_HINT)?;
    let roles: Vec<String> = body
        .roles
        .unwrap_or_default()
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    if roles.is_empty() {
        return Err(ApiError::validation("Provide at least one role"));
    }
    if roles.iter().any(String::is_empty) {
        return Err(ApiError::validation("Remove empty entries from roles"));
    }
    let p = &ctx.principal;
    if id == p.user_id {
        return Err(ApiError::permission_denied(
            "Ask another super_admin to change your roles",
        ));
    }
    let tenant = p.tenant_id.as_str();
    let Some(target) = db.user(tenant, id) else {
        return Err(ApiError::user_not_found(id, tenant));
    };
    if target.user_type != USER {
        return Err(ApiError::validation(
            "Service account roles are fixed at creation and cannot be changed",
        )
        .detail("id", json!(id))
        .detail("type", json!(target.user_type)));
    }
    if target.status == ARCHIVED {
        return Err(
            ApiError::validation("Archived users cannot have their roles updated")
                .detail("id", json!(id)),
        );
    }
    roles::validate_roles(&roles, USER)?;
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

/// `POST /v1/users/{id}/remove` (§12): `RemoveUser` as merged in flexprice/flexprice#2363. The
/// wire `message` is each error's hint (§2.1), so the texts below are the hints of the code at
/// `a4eb3ebf4`, not its error strings. There is no check against removing yourself. The person's
/// row is archived (their login and login tokens stop working); their API keys are left active,
/// as released, unless `deletes_keys` (the revision the PR's author described, which lists the
/// person's published keys in every environment and deletes them).
pub(crate) fn remove(
    db: &mut Db,
    ctx: &Ctx,
    id: &str,
    deletes_keys: bool,
) -> Result<Reply, ApiError> {
    let tenant = ctx.principal.tenant_id.clone();
    // `GetByID` filters on ID and tenant, not status: an archived person is found, and fails
    // only at the archive below. Another tenant's user is not found here either, so the
    // service's own tenant check ("User does not belong to your tenant") cannot be reached.
    let Some(user) = db.user(&tenant, id) else {
        return Err(ApiError::user_not_found(id, &tenant));
    };
    if user.user_type != USER {
        return Err(ApiError::validation(
            "Use the service account delete API to remove a service account",
        ));
    }
    // Under the per-tenant lock (`user_removal:<tenant>`): the one `Mutex<Db>` serialises it.
    let people = db
        .users
        .iter()
        .filter(|u| u.tenant_id == tenant && u.status == PUBLISHED && u.user_type == USER)
        .count();
    if people <= 1 {
        return Err(ApiError::validation(
            "At least one human user must remain in the tenant",
        ));
    }
    let now = db_time(ctx.now);
    match db.user_mut(&tenant, id) {
        Some(user) if user.status == PUBLISHED => {
            user.status = ARCHIVED.to_owned();
            user.updated_at = now;
        }
        _ => {
            return Err(ApiError::not_found("User not found or already archived")
                .detail("user_id", json!(id))
                .detail("tenant_id", json!(tenant)));
        }
    }
    if deletes_keys {
        // As `DELETE /secrets/api/keys/{id}` does for each: a soft delete, which the
        // verification cache does not see (§11 #1).
        for secret in db
            .secrets
            .iter_mut()
            .filter(|s| s.tenant_id == tenant && s.user_id == id && s.status == PUBLISHED)
        {
            secret.status = DELETED.to_owned();
            secret.updated_at = now;
        }
    }
    Ok(Reply::empty(204))
}
