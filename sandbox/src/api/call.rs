//! One call as a handler sees it: the request, read whole, and what the middleware learnt about
//! it (who calls, in which environment, at what time); and the two time formats the handlers'
//! answers use.

use bytes::Bytes;
use hyper::HeaderMap;
use jiff::Timestamp;
use serde::de::DeserializeOwned;

use super::errors::ApiError;

/// A fully read request.
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
    }

    /// Decoded query pairs in order; gin's binding takes the first value of a repeated name.
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        let q = self.query.as_deref()?;
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// `ShouldBindJSON` into a struct: a body that is not JSON, is not an object, or has a wrong
    /// type fails with the handler's hint; `null` binds as the zero value (an empty object).
    pub(crate) fn bind_json<T: DeserializeOwned>(&self, hint: &str) -> Result<T, ApiError> {
        let fail = |_| ApiError::validation(hint);
        let value: serde_json::Value = serde_json::from_slice(&self.body).map_err(fail)?;
        let value = match value {
            serde_json::Value::Null => serde_json::Value::Object(serde_json::Map::new()),
            serde_json::Value::Object(o) => serde_json::Value::Object(o),
            _ => return Err(ApiError::validation(hint)),
        };
        serde_json::from_value(value).map_err(fail)
    }
}

/// Who is calling, as the auth middleware puts it in the context.
pub(crate) struct Principal {
    pub tenant_id: String,
    pub user_id: String,
    /// `user`, `service_account`, or empty for config keys.
    pub user_type: String,
    pub roles: Vec<String>,
    /// Set for DB keys (the key's own environment) and for a JWT `environment_id` claim.
    pub fixed_env: Option<String>,
    /// DB keys ignore `X-Environment-ID`; JWTs only when they carry an environment claim.
    pub env_from_key: bool,
}

impl Principal {
    /// `types.IsSuperAdminUser` (§4.4): not a service account, and holds super_admin.
    pub(crate) fn is_super_admin_user(&self) -> bool {
        self.user_type != crate::state::SERVICE_ACCOUNT
            && self.roles.iter().any(|r| r == "super_admin")
    }
}

/// What a handler knows about the call beyond the request itself.
pub(crate) struct Ctx {
    pub principal: Principal,
    pub env: Option<String>,
    pub now: Timestamp,
}

impl Ctx {
    /// The resolved environment; env-scoped routes only run once one is resolved.
    pub(crate) fn env(&self) -> &str {
        self.env.as_deref().unwrap_or_default()
    }
}

/// Go's `time.Time` JSON form: RFC 3339 in UTC with the fraction's trailing zeros trimmed.
pub(crate) fn go_time(ts: Timestamp) -> String {
    ts.to_string()
}

/// Go's `time.RFC3339` layout (no fraction), used by the environment and tenant DTOs.
pub(crate) fn rfc3339_seconds(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
