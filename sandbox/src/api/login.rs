//! `POST /v1/auth/login` (§3.13): email and password in, an HS256 JWT out. Wrong credentials give
//! 403, because the sentinel the server uses maps to `permission_denied`.

use serde::Deserialize;
use serde_json::json;

use super::Request;
use super::errors::ApiError;
use super::reply::Reply;
use crate::jwt;
use crate::state::{Db, PUBLISHED, Shared};

#[derive(Deserialize)]
struct LoginBody {
    email: Option<String>,
    password: Option<String>,
}

pub(crate) fn login(shared: &Shared, db: &Db, req: &Request) -> Result<Reply, ApiError> {
    let body: LoginBody = req.bind_json("Please check the request payload")?;
    let (Some(email), Some(password)) = (
        body.email.filter(|e| !e.is_empty()),
        body.password.filter(|p| !p.is_empty()),
    ) else {
        return Err(ApiError::validation("Please check the request payload"));
    };
    let user = db.users.iter().find(|u| {
        u.status == PUBLISHED
            && u.email.eq_ignore_ascii_case(&email)
            && u.password.as_deref() == Some(password.as_str())
    });
    let Some(user) = user else {
        return Err(ApiError::permission_denied("Invalid email or password"));
    };
    let token = jwt::sign(
        &shared.jwt_secret,
        &user.id,
        &user.tenant_id,
        db.now().as_second(),
    );
    Ok(Reply::value(
        200,
        json!({"token": token, "user_id": user.id, "tenant_id": user.tenant_id}),
    ))
}
