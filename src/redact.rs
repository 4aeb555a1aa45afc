//! Every secret this process knows, in one registry, and [`scrub`], which takes them out of text
//! that came from elsewhere. A server (or a proxy in front of it) may quote the caller's
//! credential in an error message, in error details, in a plain-text body or in a header such as
//! `X-Request-ID`, or in the names a listing holds; `src/api/` scrubs all of those where they
//! enter the program (a success body before it is decoded, [`scrub_body`]), before they can
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
pub(crate) const MIN_LEN: usize = 8;

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
pub(crate) fn register(secret: &SecretString) {
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
pub(crate) fn scrub(text: &str) -> Cow<'_, str> {
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
pub(crate) fn scrub_owned(text: String) -> String {
    match scrub(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(clean) => clean,
    }
}

/// [`scrub`] for a success body as it is received (bytes, UTF-8 or not), before it is decoded:
/// a listing's names are the server's text too. A clean body, the rule, is searched once a form
/// (memchr's SIMD search) and left as it is, byte for byte. A secret may hide behind JSON's
/// escapes (`\u0073k_…`): a body holding a `\` is searched with them written out
/// ([`unescape_ascii`]), and when a secret is found there, that text, the same JSON, is the body.
/// The replacement of a secret of letters, digits and `_` (every key Flexprice mints) holds no
/// `"` or `\`, so the body stays the same JSON; any other may leave a body that no longer
/// decodes: an error, never the secret.
pub(crate) fn scrub_body(body: &mut Vec<u8>) {
    let registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    if registry.is_empty() {
        return;
    }
    let mut text = match memchr::memchr(b'\\', body) {
        Some(_) => std::borrow::Cow::Owned(unescape_ascii(body)),
        None => std::borrow::Cow::Borrowed(&body[..]),
    };
    // Shortest form first: one holding a form already found absent (a key holds its tail) is
    // absent too, and not searched for, so a clean listing is read once a secret.
    let mut absent: Vec<&[u8]> = Vec::new();
    let mut present = vec![false; registry.len()];
    for (i, form) in registry.iter().enumerate().rev() {
        let needle = form.text.as_bytes();
        if absent
            .iter()
            .any(|a| memchr::memmem::find(needle, a).is_some())
        {
            continue;
        }
        match memchr::memmem::find(&text, needle) {
            Some(_) => present[i] = true,
            None => absent.push(needle),
        }
    }
    let mut found = false;
    for (form, _) in registry.iter().zip(present).filter(|(_, present)| *present) {
        let finder = memchr::memmem::Finder::new(form.text.as_bytes());
        if finder.find(&text).is_none() {
            continue;
        }
        found = true;
        let mut clean = Vec::with_capacity(text.len());
        let mut rest = &text[..];
        while let Some(at) = finder.find(rest) {
            clean.extend_from_slice(&rest[..at]);
            clean.extend_from_slice(form.replacement.as_bytes());
            rest = &rest[at + form.text.len()..];
        }
        clean.extend_from_slice(rest);
        if let std::borrow::Cow::Owned(held) = &mut text {
            zeroize::Zeroize::zeroize(held);
        }
        text = std::borrow::Cow::Owned(clean);
    }
    if found {
        // The body held a secret: wiped before it is dropped, as the registry's copies are.
        let clean = text.into_owned();
        zeroize::Zeroize::zeroize(body);
        *body = clean;
    }
}

/// `body` with the JSON escapes that can stand for a printable ASCII character (`\u0041`,
/// `\/`) written as that character (`\u0022` and `\u005c` as `\"` and `\\`): every string in
/// it holds the same text, and a secret spelled with escapes reads as the secret.
fn unescape_ascii(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut from = 0;
    while let Some(found) = memchr::memchr(b'\\', &body[from..]) {
        let at = from + found;
        out.extend_from_slice(&body[from..at]);
        let hex = body
            .get(at + 2..at + 6)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        let code = hex.and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (body.get(at + 1), code) {
            (Some(b'u'), Some(b'"')) => out.extend_from_slice(b"\\\""),
            (Some(b'u'), Some(b'\\')) => out.extend_from_slice(b"\\\\"),
            (Some(b'u'), Some(c @ 0x20..=0x7e)) => out.push(c),
            (Some(b'/'), _) => {
                out.push(b'/');
                from = at + 2;
                continue;
            }
            (Some(&next), _) => {
                out.extend_from_slice(&[b'\\', next]);
                from = at + 2;
                continue;
            }
            (None, _) => {
                out.push(b'\\');
                from = at + 1;
                continue;
            }
        }
        from = at + 6;
    }
    out.extend_from_slice(&body[from..]);
    out
}

/// [`scrub`] applied to every string in a JSON value, object keys included.
pub(crate) fn scrub_json(value: Value) -> Value {
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
pub(crate) fn display_form(raw: &str) -> String {
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
    fn a_body_is_scrubbed_however_its_json_spells_the_secret() {
        let raw = "sk_01K3BODYBODYBODYBODYBODY77";
        secret(raw);
        // Clean, and with escapes that hold no secret: left byte for byte.
        for clean in [
            r#"{"name":"x"}"#,
            r#"{"name":"\u0073k_01 \\u0041 \/ \u00e9"}"#,
        ] {
            let mut body = clean.as_bytes().to_vec();
            scrub_body(&mut body);
            assert_eq!(body, clean.as_bytes());
        }
        let escaped: String = raw
            .chars()
            .map(|c| format!("\\u{:04X}", c as u32))
            .collect();
        for spelled in [
            raw.to_string(),
            escaped,
            raw.replacen('s', "\\u0073", 1),
            raw.replacen("BODY", "\\u0042ODY", 2),
            format!("x/{}", &raw[3..]).replace('/', "\\/"),
        ] {
            let text = format!(
                r#"{{"name":"a {spelled} \"q\" \u0022 \\ \u005c \\u0041 é","n":[1.5e3,null]}}"#
            );
            let mut body = text.clone().into_bytes();
            scrub_body(&mut body);
            let scrubbed: Value = serde_json::from_slice(&body).expect("still JSON");
            let name = scrubbed["name"].as_str().unwrap();
            assert!(!name.contains("BODYBODY"), "{spelled}: {name}");
            let original: Value = serde_json::from_str(&text).unwrap();
            let expected = scrub(original["name"].as_str().unwrap()).into_owned();
            assert_eq!(name, expected, "{spelled}");
            assert_eq!(scrubbed["n"], original["n"]);
        }
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
