//! `POST /v1/auth/login` (§3.13, §11 #17): email and password in, an HS256 JWT out. Wrong
//! credentials give 403, because the sentinel the server uses maps to `permission_denied`; a
//! malformed email or a password under 8 characters gives 400; a tenant may enforce SSO.

use serde::Deserialize;
use serde_json::json;

use super::call::Request;
use super::errors::ApiError;
use super::reply::Reply;
use super::users::is_email;
use crate::jwt;
use crate::state::{Db, PUBLISHED, Shared};

#[derive(Deserialize)]
struct LoginBody {
    email: Option<String>,
    password: Option<String>,
}

pub(crate) fn login(shared: &Shared, db: &Db, req: &Request) -> Result<Reply, ApiError> {
    const BIND_HINT: &str = "Please check the request payload";
    // `binding:"required,email"` and `binding:"required"`.
    let body: LoginBody = req.bind_json(BIND_HINT)?;
    let (Some(email), Some(password)) = (
        body.email.filter(|e| is_email(e)),
        body.password.filter(|p| !p.is_empty()),
    ) else {
        return Err(ApiError::validation(BIND_HINT));
    };
    // `validate:"min=8"` (§11 #17).
    if password.chars().count() < 8 {
        return Err(ApiError::field("LoginRequest", "Password", "min"));
    }
    // `GetByEmail`: an exact, case-sensitive match among published users.
    let Some(user) = db
        .users
        .iter()
        .find(|u| u.status == PUBLISHED && !u.email.is_empty() && u.email == email)
    else {
        return Err(ApiError::permission_denied("Invalid email or password"));
    };
    // Checked before the password; super admins are exempt.
    if db.sso_enforced && !user.roles.iter().any(|r| r == "super_admin") {
        return Err(ApiError::permission_denied(
            "Your organisation requires single sign-on. Sign in through your identity provider.",
        ));
    }
    if user.password.as_deref() != Some(password.as_str()) {
        return Err(ApiError::permission_denied("Invalid email or password"));
    }
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
