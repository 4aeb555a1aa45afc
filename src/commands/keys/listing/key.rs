//! A key of a listing decoded without copying it: its texts borrow the answer's body and its
//! instants keep the server's text when it is the one we print (see `time`). Building owned
//! keys instead (a `String` a field, a parsed and reprinted time) cost `keys list -o json` 56M
//! more instructions over 10,000 keys (doc/performance.md).

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::time::WireTime;
use crate::api::models::{ApiKey, KeyId};

/// A key of a listing as [`ApiKey`], decoded without copying its strings (`Text`,
/// `WireTime`): for writing or checking thousands of keys straight from the answer.
#[derive(Debug, Deserialize)]
pub struct ListedKey<'a> {
    #[serde(borrow)]
    pub id: Text<'a>,
    #[serde(borrow)]
    pub name: Text<'a>,
    #[serde(rename = "type", borrow)]
    pub key_type: Text<'a>,
    #[serde(borrow)]
    pub display_id: Text<'a>,
    #[serde(default, borrow)]
    pub roles: Vec<Text<'a>>,
    #[serde(default, borrow)]
    pub user_type: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub user_id: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub service_account_name: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub expires_at: Option<WireTime<'a>>,
    #[serde(borrow)]
    pub status: Text<'a>,
    #[serde(borrow)]
    pub created_at: WireTime<'a>,
}

impl ListedKey<'_> {
    /// The key with its own copies of every text: for the few keys a command keeps beyond the
    /// answer (`keys audit`'s findings).
    pub fn to_api_key(&self) -> ApiKey {
        let text = |t: &Text<'_>| t.as_str().to_owned();
        ApiKey {
            id: text(&self.id),
            name: text(&self.name),
            key_type: text(&self.key_type),
            display_id: text(&self.display_id),
            roles: self.roles.iter().map(text).collect(),
            user_type: self.user_type.as_ref().map(text),
            user_id: self.user_id.as_ref().map(text),
            service_account_name: self.service_account_name.as_ref().map(text),
            expires_at: self.expires_at.map(|at| at.at),
            status: text(&self.status),
            created_at: self.created_at.at,
        }
    }
}

impl KeyId for ListedKey<'_> {
    fn key_id(&self) -> &str {
        self.id.as_str()
    }
}

/// A JSON string of an answer: borrowed from the body when the JSON did not escape anything in
/// it, owned otherwise. A borrowed text therefore holds no `"`, `\` or control character (JSON
/// forbids them raw in a string), which is exactly what serde_json would escape on output: it
/// can be written between quotes as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl Text<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text as a JSON string, quoted and escaped exactly as serde_json writes it.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match &self.0 {
            Cow::Borrowed(text) => {
                out.push(b'"');
                out.extend_from_slice(text.as_bytes());
                out.push(b'"');
            }
            Cow::Owned(text) => {
                serde_json::to_writer(&mut *out, text).expect("writing to memory cannot fail");
            }
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_borrow_unless_escaped_and_write_back_as_serde_json_would() {
        let texts: Vec<Text<'_>> =
            serde_json::from_str(r#"["plain", "quote \" and \\ and \n", "é \u00e9 \ud83d\ude00"]"#)
                .unwrap();
        assert!(matches!(texts[0].0, Cow::Borrowed(_)));
        assert!(matches!(texts[1].0, Cow::Owned(_)));
        for text in &texts {
            let mut ours = Vec::new();
            text.write_json(&mut ours);
            assert_eq!(ours, serde_json::to_vec(text.as_str()).unwrap());
        }
    }
}
