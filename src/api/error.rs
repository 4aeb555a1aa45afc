//! `ApiError`: every way a Flexprice request can fail, with enough context (method, path, status,
//! the server's message, the request ID) for a useful report. Never holds a secret: response
//! bodies are kept only for error statuses, and only a short excerpt; every text from the server
//! is scrubbed of known secrets ([`crate::redact`]) before an `ApiError` is built from it.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// The message of the 403 for a credential that is not bound to an environment and named none
/// (contract §2.2, §4.2).
pub const NO_ENVIRONMENT: &str = "Invalid or inaccessible environment";

#[derive(Debug, Clone)]
pub struct ApiError {
    pub method: String,
    /// The path below the base URL, e.g. `/v1/secrets/api/keys`.
    pub path: String,
    /// Boxed: results carrying an `ApiError` stay small on the happy path.
    pub kind: Box<ApiErrorKind>,
    pub request_id: Option<String>,
    /// Hints added by whoever understands the failure best (the client, or `explain`).
    pub hints: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum ApiErrorKind {
    /// The server answered with a non-success status.
    Status {
        status: u16,
        /// The standard body's machine `code` (e.g. `permission_denied`), if any.
        code: Option<String>,
        /// The server's message: `message`, else `error`, else the raw body excerpt.
        message: Option<String>,
        /// The standard body's `details`, if any.
        details: Option<Value>,
        retry_after: Option<Duration>,
    },
    /// No answer: connection refused or reset, DNS, TLS.
    Unreachable { detail: String },
    /// No answer within `--timeout`.
    Timeout { after: Duration },
    /// A success status with a body we cannot read.
    Decode { status: u16, detail: String },
    /// The body was larger than we accept (after a `status` answer: a success may have been
    /// committed).
    TooLarge { status: u16, limit: usize },
    /// The server redirected to another host; credentials are never sent there.
    CrossHostRedirect { status: u16, location: String },
    /// The server kept redirecting on its own host: back to a URL already visited, or more times
    /// than we follow.
    RedirectLoop { status: u16, location: String },
    /// A full page of a list brought nothing new: the server ignores `offset` (and would repeat
    /// the same page up to whatever `total` it claims), so the list could not be read whole.
    RepeatedPage { offset: u64, requests: u64 },
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self.kind.as_ref() {
            ApiErrorKind::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn server_message(&self) -> Option<&str> {
        match self.kind.as_ref() {
            ApiErrorKind::Status { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self.kind.as_ref() {
            ApiErrorKind::Status { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    pub fn is_status(&self, wanted: u16) -> bool {
        self.status() == Some(wanted)
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self.kind.as_ref() {
            ApiErrorKind::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: ", self.method, self.path)?;
        match self.kind.as_ref() {
            ApiErrorKind::Status {
                status,
                message,
                details,
                ..
            } => {
                write!(f, "the server answered {status} {}", reason(*status))?;
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                // Validation details name the offending field; long ones would drown the message.
                if let Some(details) = details
                    .as_ref()
                    .map(Value::to_string)
                    .filter(|d| d.len() <= 300)
                {
                    write!(f, " {details}")?;
                }
            }
            ApiErrorKind::Unreachable { detail } => {
                write!(f, "no answer from the server: {detail}")?
            }
            ApiErrorKind::Timeout { after } => write!(
                f,
                "no answer within {:.1}s (--timeout)",
                after.as_secs_f64()
            )?,
            ApiErrorKind::Decode { status, detail } => write!(
                f,
                "the server answered {status} with a body this tool cannot read: {detail}"
            )?,
            ApiErrorKind::TooLarge { limit, .. } => write!(
                f,
                "the response was larger than {} MiB and was abandoned",
                limit / (1024 * 1024)
            )?,
            ApiErrorKind::CrossHostRedirect { status, location } => write!(
                f,
                "the server redirected ({status}) to another host, {location}; credentials are not sent there"
            )?,
            ApiErrorKind::RepeatedPage { offset, requests } => write!(
                f,
                "the server answered offset {offset} with the same items it had already sent, as if it ignored `offset`; stopped after {requests} requests, so the list is incomplete"
            )?,
            ApiErrorKind::RedirectLoop { status, location } => write!(
                f,
                "the server redirected ({status}) in a loop on its own host, last to {location}"
            )?,
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request ID {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The standard reason phrase, so `502` reads as `502 Bad Gateway`.
fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// Reads the server's message from any of its error body shapes (contract §2): `message`, then
/// `error`, then the raw text (HTML pages and plain text are cut short).
pub(crate) fn parse_error_body(body: &[u8]) -> (Option<String>, Option<String>, Option<Value>) {
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
        let text = |k: &str| {
            map.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let code = text("code");
        let message = text("message").or_else(|| text("error"));
        let details = map.get("details").filter(|d| !d.is_null()).cloned();
        return (code, message, details);
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return (None, None, None);
    }
    if text.starts_with('<') {
        return (
            None,
            Some("an HTML page instead of JSON (a proxy or gateway error?)".into()),
            None,
        );
    }
    let excerpt: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    (None, Some(excerpt), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_error_shape() {
        let (code, msg, details) = parse_error_body(
            br#"{"code":"validation_error","message":"Please check","http_status_code":400,"details":{"a":"b"}}"#,
        );
        assert_eq!(code.as_deref(), Some("validation_error"));
        assert_eq!(msg.as_deref(), Some("Please check"));
        assert_eq!(details, Some(serde_json::json!({"a":"b"})));

        let (_, msg, _) = parse_error_body(br#"{"error":"Unauthorized"}"#);
        assert_eq!(msg.as_deref(), Some("Unauthorized"));
        let (_, msg, _) = parse_error_body(
            br#"{"error":"Access denied","message":"Invalid or inaccessible environment"}"#,
        );
        assert_eq!(msg.as_deref(), Some("Invalid or inaccessible environment"));
        let (_, msg, _) = parse_error_body(b"<html><body>502 Bad Gateway</body></html>");
        assert!(msg.unwrap().contains("HTML"));
        assert_eq!(parse_error_body(b""), (None, None, None));
        let (_, msg, _) = parse_error_body(b"404 page not found");
        assert_eq!(msg.as_deref(), Some("404 page not found"));
    }

    #[test]
    fn display_names_method_path_status_and_request_id() {
        let err = ApiError {
            method: "GET".into(),
            path: "/v1/users/me".into(),
            kind: Box::new(ApiErrorKind::Status {
                status: 502,
                code: None,
                message: None,
                details: None,
                retry_after: None,
            }),
            request_id: Some("01ABC".into()),
            hints: vec![],
        };
        assert_eq!(
            err.to_string(),
            "GET /v1/users/me: the server answered 502 Bad Gateway (request ID 01ABC)"
        );
    }
}
