//! The standard error body of §2.1 (`code`, `message`, `http_status_code`, optional `details`),
//! built by handlers and services and rendered the way `ErrorHandler` does.

use serde_json::{Map, Value, json};

use super::reply::Reply;

/// `users.name` and `secrets.name` are `varchar(255)`.
pub(crate) const NAME_COLUMN_CHARS: usize = 255;

#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub details: Map<String, Value>,
}

impl ApiError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Map::new(),
        }
    }

    pub(crate) fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "validation_error", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(404, "not_found", message)
    }

    pub(crate) fn permission_denied(message: impl Into<String>) -> ApiError {
        ApiError::new(403, "permission_denied", message)
    }

    pub(crate) fn already_exists(message: impl Into<String>) -> ApiError {
        ApiError::new(409, "already_exists", message)
    }

    /// A name longer than its `varchar(255)` column: Postgres refuses the row and the server
    /// answers 500 `database_error` (contract §11 #2), after every other check has passed.
    pub(crate) fn check_name_column(name: &str) -> Result<(), ApiError> {
        if name.chars().count() > NAME_COLUMN_CHARS {
            return Err(ApiError::new(
                500,
                "database_error",
                "An unexpected error occurred",
            ));
        }
        Ok(())
    }

    /// A failed `validator.ValidateRequest`: one detail per failing field, in the validator's words.
    pub(crate) fn field(struct_name: &str, field: &str, tag: &str) -> ApiError {
        ApiError::validation("Request validation failed").detail(
            field,
            json!(format!(
                "Key: '{struct_name}.{field}' Error:Field validation for '{field}' failed on the '{tag}' tag"
            )),
        )
    }

    pub(crate) fn detail(mut self, key: &str, value: Value) -> ApiError {
        self.details.insert(key.to_owned(), value);
        self
    }

    pub(crate) fn into_reply(self) -> Reply {
        let mut body = Map::new();
        body.insert("code".into(), json!(self.code));
        body.insert("message".into(), json!(self.message));
        body.insert("http_status_code".into(), json!(self.status));
        if !self.details.is_empty() {
            body.insert("details".into(), Value::Object(self.details));
        }
        Reply::value(self.status, Value::Object(body))
    }
}
