//! Every secret this process knows, in one registry, and [`scrub`], which takes them out of text
//! that came from elsewhere. A server (or a proxy in front of it) may quote the caller's
//! credential in an error message, in error details, in a plain-text body or in a header such as
//! `X-Request-ID`; `src/api/` scrubs all of those where they enter the program, before they can
//! reach an error value, `--verbose` or any output, and every line written to stderr is scrubbed
//! once more on its way out.
//!
//! **Register a secret as soon as it is in hand**, with [`register`]:
//!
//! - every credential the HTTP client presents (the admin credential, however it was found; the
//!   key `auth login` checks; a new key being verified) is registered by
//!   [`crate::api::Credential::new`];
//! - a minted secret is registered by `Client::create_key` the moment it is split from the
//!   server's answer, before any later request (delivery checks, verification, revocation)
//!   can have its error quote it;
//! - any other secret read in (`keychain get`) is registered where it is read.
//!
//! Registering is idempotent and cheap; secrets stay registered until the process ends, and are
//! wiped from memory then (they are held in [`Zeroizing`] strings).

use std::borrow::Cow;
use std::sync::{Mutex, PoisonError};

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use zeroize::Zeroizing;

/// Secrets shorter than this are not scrubbed: replacing every occurrence of a few characters
/// would mangle ordinary text, and a credential that short protects nothing anyway.
pub const MIN_LEN: usize = 8;

/// The shortest tail of a secret, once its type prefix (`sk_`) is removed, that is still
/// scrubbed on its own: the random part of a Flexprice key is 26 characters, and a server that
/// quotes it without the prefix has given the key away all the same.
const MIN_TAIL_LEN: usize = 16;

/// One text to look for and what replaces it.
struct Form {
    text: Zeroizing<String>,
    replacement: String,
}

/// Every form of every registered secret, longest first, so that a secret is replaced whole
/// before its shorter forms (the tail without `sk_`) are looked for.
static REGISTRY: Mutex<Vec<Form>> = Mutex::new(Vec::new());

/// Adds `secret` to the secrets [`scrub`] removes. Call it as soon as a secret is in hand (read
/// from a file, stdin, the keychain, or minted by the server). Secrets shorter than [`MIN_LEN`]
/// are ignored.
pub fn register(secret: &SecretString) {
    let raw = secret.expose_secret();
    if raw.chars().count() < MIN_LEN {
        return;
    }
    let mut registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    if registry.iter().any(|f| f.text.as_str() == raw) {
        return;
    }
    let replacement = display_form(raw);
    for text in forms(raw) {
        if !registry.iter().any(|f| *f.text == *text) {
            registry.push(Form {
                text,
                replacement: replacement.clone(),
            });
        }
    }
    registry.sort_by_key(|f| std::cmp::Reverse(f.text.len()));
}

/// `text` with every registered secret, in every form we know (raw, JSON-escaped, URL-encoded,
/// without its `sk_` prefix, inside a longer token), replaced by its redacted display form
/// (`sk_01***7Q`). Clean text is borrowed, not copied.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = Cow::Borrowed(text);
    for form in registry.iter() {
        if out.contains(form.text.as_str()) {
            out = Cow::Owned(out.replace(form.text.as_str(), &form.replacement));
        }
    }
    out
}

/// [`scrub`] for an owned string, reusing it when it is already clean.
pub fn scrub_owned(text: String) -> String {
    match scrub(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(clean) => clean,
    }
}

/// [`scrub`] applied to every string in a JSON value, object keys included.
pub fn scrub_json(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(scrub_owned(s)),
        Value::Array(items) => Value::Array(items.into_iter().map(scrub_json).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (scrub_owned(k), scrub_json(v)))
                .collect(),
        ),
        other => other,
    }
}

/// `sk_01***7Q` for a key of normal length: the prefix and last two characters, like the
/// server's `display_id`. `***` for anything short enough that showing seven characters would
/// give too much away, and for JWTs (whose first characters are always the same header).
pub fn display_form(raw: &str) -> String {
    if raw.is_ascii() && raw.len() >= 20 && !raw.starts_with("eyJ") {
        format!("{}***{}", &raw[..5], &raw[raw.len() - 2..])
    } else {
        "***".to_string()
    }
}

/// The forms in which a secret may come back: as is, escaped inside a JSON string, URL-encoded
/// (upper- and lower-case hex), and, for a typed key like `sk_<ULID>`, its random tail alone.
/// A form found inside a longer token is replaced too: [`scrub`] matches substrings.
fn forms(raw: &str) -> Vec<Zeroizing<String>> {
    let mut forms = vec![Zeroizing::new(raw.to_string())];
    let mut add = |form: String| {
        if form.chars().count() >= MIN_LEN && !forms.iter().any(|f| **f == form) {
            forms.push(Zeroizing::new(form));
        }
    };
    if let Ok(quoted) = serde_json::to_string(raw) {
        add(quoted[1..quoted.len() - 1].to_string());
    }
    let encoded: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
    add(encoded.replace('+', "%20"));
    add(lower_hex_escapes(&encoded));
    add(encoded);
    if let Some((prefix, tail)) = raw.split_once('_')
        && (1..=8).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_alphabetic())
        && tail.len() >= MIN_TAIL_LEN
    {
        add(tail.to_string());
    }
    forms
}

/// `%2F` → `%2f`: percent-encoding is case-insensitive in its hex digits.
fn lower_hex_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // The registry is process-wide and tests run in parallel: each test registers its own
    // secrets and checks only those.

    fn secret(raw: &str) -> SecretString {
        let s = SecretString::from(raw);
        register(&s);
        s
    }

    #[test]
    fn a_registered_secret_is_scrubbed_in_every_realistic_form() {
        secret("sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q");
        for text in [
            "db error for key sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q",
            "req-sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q-42",
            "x-api-key=sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q&x=1",
            "no key 01K3ZQ9W5G2H7N4M8P6R1T3V7Q here",
        ] {
            let clean = scrub(text);
            assert!(!clean.contains("ZQ9W5G2H7N4M8P6R1T3V7Q"), "{clean}");
        }
        assert_eq!(
            scrub("db error for key sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q"),
            "db error for key sk_01***7Q"
        );
    }

    #[test]
    fn escaped_and_encoded_forms_are_scrubbed() {
        secret("odd/key\"with+chars 12345");
        let json = serde_json::to_string("key: odd/key\"with+chars 12345").unwrap();
        assert!(!scrub(&json).contains("with"), "{}", scrub(&json));
        for encoded in [
            "q=odd%2Fkey%22with%2Bchars+12345",
            "q=odd%2fkey%22with%2bchars+12345",
            "q=odd%2Fkey%22with%2Bchars%2012345",
        ] {
            assert!(!scrub(encoded).contains("with"), "{}", scrub(encoded));
        }
    }

    #[test]
    fn clean_text_is_borrowed_and_short_secrets_are_ignored() {
        secret("short");
        assert!(matches!(scrub("a short note"), Cow::Borrowed(_)));
        assert_eq!(scrub("a short note"), "a short note");
    }

    #[test]
    fn json_strings_and_keys_are_scrubbed() {
        secret("sk_01K3JSONJSONJSONJSONJSON99");
        let value = serde_json::json!({
            "key": "sk_01K3JSONJSONJSONJSONJSON99",
            "sk_01K3JSONJSONJSONJSONJSON99": [1, "x sk_01K3JSONJSONJSONJSONJSON99"],
        });
        let text = scrub_json(value).to_string();
        assert!(!text.contains("JSONJSONJSONJSON99"), "{text}");
    }

    #[test]
    fn display_form_keeps_prefix_and_suffix_only() {
        assert_eq!(display_form("sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q"), "sk_01***7Q");
        assert_eq!(display_form("short"), "***");
        assert_eq!(
            display_form("eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiMSJ9.sig"),
            "***"
        );
    }
}
