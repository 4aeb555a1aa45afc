//! The API proper: route table, the private-group middleware chain (authenticate → resolve the
//! environment → RBAC gate, §4) and dispatch to the handlers. Everything here is synchronous and
//! runs under the one database lock; the async transport and fault layer live in `server.rs`.

mod call;
mod environments;
pub(crate) mod errors;
mod login;
mod rbac;
pub(crate) mod reply;
mod roles;
mod secrets;
mod users;

use serde_json::json;

use crate::jwt::{self, TokenError};
use crate::state::{Db, PRIVATE_KEY, PUBLISHED, Secret, Shared, sha256_hex};
pub(crate) use call::Request;
use call::{Ctx, Principal};
use errors::ApiError;
use reply::Reply;

enum Route<'a> {
    Health,
    Login,
    ListKeys,
    CreateKey,
    DeleteKey(&'a str),
    CreateUser,
    SearchUsers,
    GetMe,
    UpdateMe,
    UpdateUser(&'a str),
    DeleteUser(&'a str),
    UpdateUserRoles(&'a str),
    RemoveUser(&'a str),
    ListRoles,
    GetRole(&'a str),
    ListEnvs,
    GetEnv(&'a str),
}

type Gate = Option<(&'static str, &'static str, bool)>;

fn match_route<'a>(method: &str, path: &'a str) -> Option<(Route<'a>, Gate)> {
    const READ: &str = "read";
    const WRITE: &str = "write";
    if path == "/health" {
        return matches!(method, "GET" | "POST").then_some((Route::Health, None));
    }
    let rest = path.strip_prefix("/v1/")?;
    let segs: Vec<&str> = rest.split('/').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return None;
    }
    let r = match (method, segs.as_slice()) {
        ("GET" | "POST", ["health"]) => (Route::Health, None),
        ("POST", ["auth", "login"]) => (Route::Login, None),
        ("GET", ["secrets", "api", "keys"]) => (Route::ListKeys, Some(("secret", READ, false))),
        ("POST", ["secrets", "api", "keys"]) => (Route::CreateKey, Some(("secret", WRITE, false))),
        ("DELETE", ["secrets", "api", "keys", id]) => {
            (Route::DeleteKey(id), Some(("secret", WRITE, false)))
        }
        ("POST", ["users"]) => (Route::CreateUser, Some(("user", WRITE, false))),
        ("POST", ["users", "search"]) => (Route::SearchUsers, Some(("user", READ, false))),
        ("GET", ["users", "me"]) => (Route::GetMe, None),
        ("PUT", ["users", "me"]) => (Route::UpdateMe, Some(("user", WRITE, false))),
        ("PUT", ["users", id]) => (Route::UpdateUser(id), Some(("user", WRITE, false))),
        ("DELETE", ["users", id]) => (Route::DeleteUser(id), Some(("user", WRITE, false))),
        ("PUT", ["users", id, "roles"]) => {
            (Route::UpdateUserRoles(id), Some(("user", WRITE, true)))
        }
        ("POST", ["users", id, "remove"]) => (Route::RemoveUser(id), Some(("user", WRITE, false))),
        ("GET", ["rbac", "roles"]) => (Route::ListRoles, None),
        ("GET", ["rbac", "roles", id]) => (Route::GetRole(id), None),
        ("GET", ["environments"]) => (Route::ListEnvs, Some(("environment", READ, false))),
        ("GET", ["environments", id]) => (Route::GetEnv(id), Some(("environment", READ, false))),
        _ => return None,
    };
    Some(r)
}

/// Whether a route may run without an environment (§4.2): at e4b5303 every route of the
/// discovery groups `/v1/users`, `/v1/environments` and `/v1/tenants`. With
/// `environment_required_for_user_admin` (flexprice/flexprice#2573, end of §11) only a fixed list
/// does, which leaves out `PUT`/`DELETE /v1/users/{id}` and `PUT /v1/users/{id}/roles`.
fn runs_without_environment(shared: &Shared, route: &Route<'_>, path: &str) -> bool {
    if shared.environment_required_for_user_admin
        && matches!(
            route,
            Route::UpdateUser(_) | Route::DeleteUser(_) | Route::UpdateUserRoles(_)
        )
    {
        return false;
    }
    ["/v1/users", "/v1/environments", "/v1/tenants"]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

fn unauthorized(msg: &str) -> Reply {
    Reply::value(401, json!({ "error": msg }))
}

/// Answers one request. The caller adds `X-Request-ID`.
pub(crate) fn handle(shared: &Shared, req: &Request) -> Reply {
    let mut reply = route_and_handle(shared, req);
    // The global CORS middleware runs for every request, matched or not.
    reply.headers.extend(
        [
            ("Access-Control-Allow-Origin", "*"),
            (
                "Access-Control-Allow-Methods",
                "GET, POST, PUT, DELETE, OPTIONS",
            ),
            ("Access-Control-Allow-Headers", "*"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    reply
}

fn route_and_handle(shared: &Shared, req: &Request) -> Reply {
    if req.method == "OPTIONS" {
        // The CORS middleware answers preflights before routing.
        return Reply::empty(204);
    }
    let Some((route, gate)) = match_route(&req.method, &req.path) else {
        return trailing_slash_redirect(req).unwrap_or_else(Reply::not_found_page);
    };
    let mut db = shared.db.lock();
    match route {
        Route::Health => return Reply::value(200, json!({"status": "ok"})),
        Route::Login => return login::login(shared, &db, req).unwrap_or_else(ApiError::into_reply),
        _ => {}
    }
    let principal = match authenticate(shared, &mut db, req) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let discovery = runs_without_environment(shared, &route, &req.path);
    let env = match resolve_environment(&db, &principal, req, discovery) {
        Ok(env) => env,
        Err(reply) => return reply,
    };
    if let Some((entity, action, super_admin_only)) = gate {
        if super_admin_only && !principal.is_super_admin_user() {
            return Reply::value(
                403,
                json!({"message": "This action requires a user account with Super Admin access"}),
            );
        }
        if !roles::has_permission(&principal.roles, entity, action) {
            return Reply::value(403, json!({"message": "insufficient permissions"}));
        }
    }
    let ctx = Ctx {
        principal,
        env,
        now: db.now(),
    };
    let db = &mut *db;
    let result = match route {
        Route::ListKeys => secrets::list(db, &ctx, req),
        Route::CreateKey => secrets::create(db, &ctx, req),
        Route::DeleteKey(id) => secrets::delete(db, &ctx, id),
        Route::CreateUser => users::create(db, &ctx, req),
        Route::SearchUsers => users::search(db, &ctx, req),
        Route::GetMe => users::get_me(db, &ctx),
        Route::UpdateMe => users::update_me(db, &ctx, req),
        Route::UpdateUser(id) => users::rename_service_account(db, &ctx, req, id),
        Route::DeleteUser(id) => users::archive(db, &ctx, id),
        Route::UpdateUserRoles(id) => users::update_roles(db, &ctx, req, id),
        Route::RemoveUser(id) => users::remove(db, &ctx, id, shared.remove_user_deletes_keys),
        Route::ListRoles => rbac::list(req),
        Route::GetRole(id) => Ok(rbac::get(id)),
        Route::ListEnvs => environments::list(db, &ctx, req),
        Route::GetEnv(id) => environments::get(db, &ctx, id),
        Route::Health | Route::Login => Ok(Reply::empty(500)),
    };
    result.unwrap_or_else(ApiError::into_reply)
}

/// gin's `RedirectTrailingSlash`: `/v1/users/me/` is redirected to `/v1/users/me` (301 for GET,
/// 307 for other methods) when the path without the slash is a route.
fn trailing_slash_redirect(req: &Request) -> Option<Reply> {
    let trimmed = req.path.strip_suffix('/').filter(|p| !p.is_empty())?;
    match_route(&req.method, trimmed)?;
    let location = match &req.query {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_owned(),
    };
    let (status, text) = if req.method == "GET" {
        (301, "Moved Permanently")
    } else {
        (307, "Temporary Redirect")
    };
    let body = if req.method == "GET" {
        format!("<a href=\"{location}\">{text}</a>.\n\n")
    } else {
        String::new()
    };
    let mut headers = vec![("Location".to_owned(), location)];
    if !body.is_empty() {
        headers.push((
            "Content-Type".to_owned(),
            "text/html; charset=utf-8".to_owned(),
        ));
    }
    Some(Reply {
        status,
        headers,
        body: bytes::Bytes::from(body),
    })
}

/// `AuthenticateMiddleware` (§4.1).
fn authenticate(shared: &Shared, db: &mut Db, req: &Request) -> Result<Principal, Reply> {
    if let Some(raw) = req.header("x-api-key") {
        let hash = sha256_hex(raw);
        if let Some(ck) = db.config_keys.get(&hash) {
            return Ok(Principal {
                tenant_id: ck.tenant_id.clone(),
                user_id: ck.user_id.clone(),
                user_type: String::new(),
                roles: vec!["super_admin".to_owned()],
                fixed_env: None,
                env_from_key: false,
            });
        }
        if let Some(s) = verify_db_key(shared, db, &hash) {
            return Ok(Principal {
                tenant_id: s.tenant_id,
                user_id: s.user_id,
                user_type: s.user_type,
                roles: s.roles,
                fixed_env: Some(s.environment_id),
                env_from_key: true,
            });
        }
    }
    // Any API-key failure falls through to the Authorization header.
    let Some(authz) = req.header("authorization") else {
        return Err(unauthorized("Unauthorized"));
    };
    // A prefix test: `Bearer a b` gets as far as token validation (§11 #16).
    let Some(token) = authz.strip_prefix("Bearer ") else {
        return Err(unauthorized("Invalid authorization header format"));
    };
    let claims = match jwt::verify(&shared.jwt_secret, token, db.now().as_second()) {
        Ok(c) => c,
        Err(TokenError::Invalid) => return Err(unauthorized("Invalid token")),
        Err(TokenError::Claims) => return Err(unauthorized("Invalid token claims")),
    };
    let Some(user) = db
        .user(&claims.tenant_id, &claims.user_id)
        .filter(|u| u.status == PUBLISHED)
    else {
        return Err(unauthorized("Unauthorized"));
    };
    Ok(Principal {
        tenant_id: claims.tenant_id.clone(),
        user_id: user.id.clone(),
        user_type: user.user_type.clone(),
        roles: user.roles.clone(),
        env_from_key: false,
        fixed_env: claims.environment_id,
    })
}

/// `VerifyAPIKey` behind the in-process cache of §3.3 (`GetAPIKeyByValue`): a key verified from
/// the database is cached for the revocation delay, and a cached copy is used as is, so a deletion
/// is not seen until the entry expires (the server's eviction misses, §11 #1). Expiry is still
/// checked on the cached copy. A zero delay means no cache.
fn verify_db_key(shared: &Shared, db: &mut Db, hash: &str) -> Option<Secret> {
    let now = db.now();
    let not_expired = |s: &Secret| s.expires_at.is_none_or(|e| e > now);
    let delay = shared.revocation_delay;
    // An expired entry is verified from the database again below.
    if let Some((verified_at, cached)) = db.revocation_cache.get(hash)
        && verified_at.checked_add(delay).is_ok_and(|end| now < end)
    {
        return not_expired(cached).then(|| cached.clone());
    }
    let secret = db
        .hash_idx
        .get(hash)
        .map(|&i| &db.secrets[i])
        .filter(|s| s.status == PUBLISHED && s.secret_type == PRIVATE_KEY && not_expired(s))?
        .clone();
    if !delay.is_zero() {
        db.revocation_cache
            .insert(hash.to_owned(), (now, secret.clone()));
    }
    Some(secret)
}

/// `resolveEnvironmentID` (§4.2).
fn resolve_environment(
    db: &Db,
    p: &Principal,
    req: &Request,
    discovery: bool,
) -> Result<Option<String>, Reply> {
    let denied = || {
        Reply::value(
            403,
            json!({"error": "Access denied", "message": "Invalid or inaccessible environment"}),
        )
    };
    if let Some(env) = &p.fixed_env {
        return Ok(Some(env.clone()));
    }
    debug_assert!(!p.env_from_key);
    match req.header("x-environment-id") {
        Some(id) if db.env(&p.tenant_id, id).is_some() => Ok(Some(id.to_owned())),
        Some(_) => Err(denied()),
        None if discovery => Ok(None),
        None => Err(denied()),
    }
}
