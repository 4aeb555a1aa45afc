//! The one place that knows every secret this process holds (the admin credential, any key it
//! authenticates with, each secret it mints) and removes them from text that comes from
//! elsewhere: whatever the server says (error messages and details, body excerpts, headers such
//! as `X-Request-ID` or `Location`) is scrubbed here before it can reach an error value, stderr,
//! `--verbose` or a JSON `"error"`. A server or proxy that quotes a credential back cannot put
//! it on our output.

use std::borrow::Cow;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not looked for: they would match ordinary text.
const MIN_LEN: usize = 8;

static HELD: Mutex<Vec<SecretString>> = Mutex::new(Vec::new());

/// Remembers a secret this process holds, so no server text can show it.
pub fn hold(secret: &SecretString) {
    let raw = secret.expose_secret();
    if raw.len() < MIN_LEN {
        return;
    }
    let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
    if !held.iter().any(|s| s.expose_secret() == raw) {
        held.push(secret.clone());
    }
}

/// `text` with every held secret replaced by [`REDACTED`].
pub fn scrub(text: &str) -> Cow<'_, str> {
    let held = HELD.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = Cow::Borrowed(text);
    for secret in held.iter() {
        let raw = secret.expose_secret();
        if out.contains(raw) {
            out = Cow::Owned(out.replace(raw, REDACTED));
        }
    }
    out
}

/// [`scrub`] for owned text.
pub fn scrub_owned(text: String) -> String {
    match scrub(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(clean) => clean,
    }
}

/// Every string in a JSON value (keys included) scrubbed.
pub fn scrub_value(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(scrub_owned(s)),
        Value::Array(items) => Value::Array(items.into_iter().map(scrub_value).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (scrub_owned(k), scrub_value(v)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_secrets_are_removed_from_text_and_json() {
        hold(&SecretString::from("sk_01SCRUBTESTSECRET0000000A"));
        hold(&SecretString::from("short"));
        assert_eq!(
            scrub("db error for key sk_01SCRUBTESTSECRET0000000A (short)"),
            "db error for key [redacted] (short)"
        );
        assert!(matches!(scrub("nothing here"), Cow::Borrowed(_)));
        let value = serde_json::json!({"k": ["x sk_01SCRUBTESTSECRET0000000A"], "sk_01SCRUBTESTSECRET0000000A": 1});
        assert_eq!(
            scrub_value(value),
            serde_json::json!({"k": ["x [redacted]"], "[redacted]": 1})
        );
    }
}
