//! The fast path: an answer laid out as the server writes it, read without serde_json. That is
//! `{"items":[…],"pagination":{…}}`, compact, with nothing escaped, each key an object of
//! strings, `null`s and arrays of strings. serde_json reads such a body a byte at a time,
//! looking for escapes in every short string; in a body with no `\` and no control character
//! ([`is_plain`]) a string ends at the next `"`, found with memchr. Over 10,000 keys this takes
//! `keys list -o json` from 93M to 62M instructions (doc/performance.md).
//!
//! serde_json stays the decoder of record (sonic-rs and simd-json were slower here): for a body
//! this path is not sure of, [`page`] answers `None` and the caller decodes it with serde_json,
//! and property tests hold the two to the same page for every body this path reads.

use std::borrow::Cow;

use super::key::{ListedKey, Text};
use super::time::WireTime;
use crate::api::models::Page;

/// The page `body` holds, when it is laid out as the server writes it and decodes as serde_json
/// would decode it; `None` for anything else (another layout, an escape, a malformed or
/// unexpected key, a body that is not UTF-8), which the caller leaves to serde_json.
pub(super) fn page(body: &[u8]) -> Option<Page<ListedKey<'_>>> {
    const ITEMS: &str = r#"{"items":["#;
    if !is_plain(body) {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    if !text.starts_with(ITEMS) {
        return None;
    }
    let mut at = ITEMS.len();
    let mut items = Vec::new();
    if text.as_bytes().get(at) == Some(&b']') {
        at += 1;
    } else {
        loop {
            let (key, len) = listed_key(&text[at..])?;
            items.push(key);
            let next = *text.as_bytes().get(at + len)?;
            at += len + 1;
            match next {
                b',' => {}
                b']' => break,
                _ => return None,
            }
        }
    }
    let object = text[at..]
        .strip_prefix(r#","pagination":"#)?
        .strip_suffix('}')?;
    // Its numbers read by serde_json, exactly as in a whole decoding; anything after the object
    // (another field, a second `pagination`) fails here and is left to serde_json too.
    let pagination = serde_json::from_str(object).ok()?;
    Some(Page { items, pagination })
}

/// Whether `body` holds no `\` and no control character. Then, in JSON, every `"` in it opens
/// or closes a string and no string needs unescaping (a space between tokens, the one
/// whitespace left, is not read by the fast path, which leaves such a page to serde_json).
fn is_plain(body: &[u8]) -> bool {
    // Without a branch a byte, so that each block is checked many bytes at a time.
    body.chunks(256).all(|block| {
        block
            .iter()
            .fold(true, |plain, &b| plain & (b >= 0x20) & (b != b'\\'))
    })
}

/// The key at the start of `text`, which must lie in a body [`is_plain`] accepted, and how
/// many bytes it takes; `None` when it is laid out otherwise, or is not a key serde_json would
/// read (a field missing, repeated or of another type, a time it cannot parse).
fn listed_key(text: &str) -> Option<(ListedKey<'_>, usize)> {
    let mut reader = Reader { text, at: 0 };
    reader.byte(b'{')?;
    let mut key = Fields::default();
    loop {
        let field = reader.string()?;
        reader.byte(b':')?;
        match field {
            "id" => set(&mut key.id, reader.text()?)?,
            "name" => set(&mut key.name, reader.text()?)?,
            "type" => set(&mut key.key_type, reader.text()?)?,
            "display_id" => set(&mut key.display_id, reader.text()?)?,
            "roles" => set(&mut key.roles, reader.texts()?)?,
            "user_type" => set(&mut key.user_type, reader.text_or_null()?)?,
            "user_id" => set(&mut key.user_id, reader.text_or_null()?)?,
            "service_account_name" => set(&mut key.service_account_name, reader.text_or_null()?)?,
            "expires_at" => {
                let at = match reader.string_or_null()? {
                    Some(text) => Some(WireTime::borrowed(text).ok()?),
                    None => None,
                };
                set(&mut key.expires_at, at)?;
            }
            "status" => set(&mut key.status, reader.text()?)?,
            "created_at" => set(
                &mut key.created_at,
                WireTime::borrowed(reader.string()?).ok()?,
            )?,
            // Any other field is skipped, as serde_json skips it, when it is of a type read here.
            _ => reader.skip()?,
        }
        match reader.next()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    let listed = ListedKey {
        id: key.id?,
        name: key.name?,
        key_type: key.key_type?,
        display_id: key.display_id?,
        roles: key.roles.unwrap_or_default(),
        user_type: key.user_type.flatten(),
        user_id: key.user_id.flatten(),
        service_account_name: key.service_account_name.flatten(),
        expires_at: key.expires_at.flatten(),
        status: key.status?,
        created_at: key.created_at?,
    };
    Some((listed, reader.at))
}

/// The fields of a key as they are read: `None` until seen.
#[derive(Default)]
struct Fields<'a> {
    id: Option<Text<'a>>,
    name: Option<Text<'a>>,
    key_type: Option<Text<'a>>,
    display_id: Option<Text<'a>>,
    roles: Option<Vec<Text<'a>>>,
    user_type: Option<Option<Text<'a>>>,
    user_id: Option<Option<Text<'a>>>,
    service_account_name: Option<Option<Text<'a>>>,
    expires_at: Option<Option<WireTime<'a>>>,
    status: Option<Text<'a>>,
    created_at: Option<WireTime<'a>>,
}

/// Fills a field seen for the first time; `None` for a second time (serde_json refuses a
/// known field twice).
fn set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

/// A cursor over a plain run's text.
struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn next(&mut self) -> Option<u8> {
        let byte = *self.text.as_bytes().get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    fn byte(&mut self, expected: u8) -> Option<()> {
        (self.next()? == expected).then_some(())
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// A string: in a plain run, it ends at the next `"`.
    fn string(&mut self) -> Option<&'a str> {
        self.byte(b'"')?;
        let start = self.at;
        let len = memchr::memchr(b'"', &self.text.as_bytes()[start..])?;
        self.at = start + len + 1;
        Some(&self.text[start..start + len])
    }

    fn text(&mut self) -> Option<Text<'a>> {
        self.string().map(|s| Text(Cow::Borrowed(s)))
    }

    fn null(&mut self) -> Option<()> {
        let rest = &self.text.as_bytes()[self.at..];
        rest.starts_with(b"null").then(|| self.at += 4)
    }

    fn string_or_null(&mut self) -> Option<Option<&'a str>> {
        match self.peek()? {
            b'n' => self.null().map(|()| None),
            _ => self.string().map(Some),
        }
    }

    fn text_or_null(&mut self) -> Option<Option<Text<'a>>> {
        Some(self.string_or_null()?.map(|s| Text(Cow::Borrowed(s))))
    }

    /// An array of strings.
    fn texts(&mut self) -> Option<Vec<Text<'a>>> {
        self.byte(b'[')?;
        let mut texts = Vec::new();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(texts);
        }
        loop {
            texts.push(self.text()?);
            match self.next()? {
                b',' => {}
                b']' => return Some(texts),
                _ => return None,
            }
        }
    }

    /// A value of a field not read: a string, `null` or an array of strings.
    fn skip(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'n' => self.null(),
            b'[' => self.texts().map(drop),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// What serde_json reads of the key at the start of `text`: the key and its length.
    fn by_serde(text: &str) -> Option<(ListedKey<'_>, usize)> {
        let mut keys = serde_json::Deserializer::from_str(text).into_iter::<ListedKey<'_>>();
        let key = keys.next()?.ok()?;
        Some((key, keys.byte_offset()))
    }

    /// Whatever the fast path reads of `text`, in a plain body, serde_json reads the same.
    fn agrees(text: &str) -> Result<(), TestCaseError> {
        prop_assert!(is_plain(text.as_bytes()), "{:?}", text);
        if let Some((fast, len)) = listed_key(text) {
            let Some((serde, serde_len)) = by_serde(text) else {
                return Err(TestCaseError::fail(format!("serde_json refuses {text:?}")));
            };
            prop_assert_eq!(len, serde_len, "{}", text);
            prop_assert_eq!(format!("{fast:?}"), format!("{serde:?}"), "{}", text);
        }
        Ok(())
    }

    const SERVER_KEY: &str = r#"{"id":"secret_01K3ABCDEFGHJKMNPQRSTVWXYZ","name":"ci-ingest","type":"private_key","provider":"flexprice","display_id":"sk_01***7Q","roles":["event_ingestor"],"user_type":"service_account","user_id":"user_01K3","service_account_name":"ingest-bot","expires_at":"2027-01-01T00:00:00Z","status":"published","created_at":"2026-08-22T13:05:42.123456Z","updated_at":"2026-08-22T13:05:42.123456Z"}"#;

    #[test]
    fn the_servers_layout_is_read_as_serde_json_reads_it() {
        for text in [
            SERVER_KEY.to_string(),
            format!("{SERVER_KEY},{SERVER_KEY}"),
            SERVER_KEY.replace(r#""roles":["event_ingestor"],"#, ""),
            SERVER_KEY.replace(r#"["event_ingestor"]"#, "[]"),
            SERVER_KEY.replace(r#"["event_ingestor"]"#, r#"["a","b","c"]"#),
            SERVER_KEY.replace(r#""2027-01-01T00:00:00Z""#, "null"),
            SERVER_KEY.replace(r#""user_id":"user_01K3""#, r#""user_id":null"#),
            SERVER_KEY.replace("ci-ingest", "é 日本 😀 },{ x"),
            SERVER_KEY.replace(r#""provider":"flexprice""#, r#""extra":["x"],"more":null"#),
            // A time in another form than we print: read by jiff, not passed through.
            SERVER_KEY.replace("2027-01-01T00:00:00Z", "2027-01-01T01:00:00+01:00"),
        ] {
            let (key, len) = listed_key(&text).expect(&text);
            let (serde, serde_len) = by_serde(&text).unwrap();
            assert_eq!((len, format!("{key:?}")), (serde_len, format!("{serde:?}")));
            assert!(is_plain(text.as_bytes()));
        }
    }

    #[test]
    fn what_it_is_not_sure_of_is_left_to_serde_json() {
        for (text, serde_reads_it) in [
            // Laid out otherwise: serde_json reads these.
            (SERVER_KEY.replace(r#""name":"#, r#""name": "#), true),
            (
                SERVER_KEY.replace(r#""provider":"flexprice""#, r#""n":1"#),
                true,
            ),
            (
                SERVER_KEY.replace(r#""provider":"flexprice""#, r#""n":{"a":"b"}"#),
                true,
            ),
            (
                SERVER_KEY.replace(r#""provider":"flexprice""#, r#""n":true"#),
                true,
            ),
            // Not keys serde_json reads.
            (SERVER_KEY.replace(r#""name":"ci-ingest","#, ""), false),
            (
                SERVER_KEY.replace(r#""name":"ci-ingest","#, r#""name":"a","name":"b","#),
                false,
            ),
            (
                SERVER_KEY.replace(r#""name":"ci-ingest""#, r#""name":null"#),
                false,
            ),
            (SERVER_KEY.replace(r#"["event_ingestor"]"#, "null"), false),
            (
                SERVER_KEY.replace(r#"["event_ingestor"]"#, r#"["a",]"#),
                false,
            ),
            (
                SERVER_KEY.replace("2027-01-01T00:00:00Z", "tomorrow"),
                false,
            ),
            (SERVER_KEY.replace(r#""flexprice""#, "nul"), false),
            (SERVER_KEY.replace(r#""flexprice""#, "nullx"), false),
            (SERVER_KEY.trim_end_matches('}').to_string(), false),
            ("{}".to_string(), false),
            (String::new(), false),
        ] {
            assert_eq!(listed_key(&text).map(|(_, len)| len), None, "{text}");
            assert_eq!(by_serde(&text).is_some(), serde_reads_it, "{text}");
        }
        for text in [r#"{"a":"\""}"#, "{\"a\":\"\t\"}", "{\"a\":\n1}"] {
            assert!(!is_plain(text.as_bytes()), "{text:?}");
        }
    }

    /// What serde_json reads of a whole body, as `Client::decode_answer` reads it.
    fn page_by_serde(body: &str) -> Option<Page<ListedKey<'_>>> {
        serde_json::from_str(body).ok()
    }

    /// Whatever the fast path reads of `body`, serde_json reads the same page.
    fn page_agrees(body: &[u8]) -> Result<(), TestCaseError> {
        if let Some(fast) = page(body) {
            let text = std::str::from_utf8(body).expect("the fast path read it as UTF-8");
            let Some(serde) = page_by_serde(text) else {
                return Err(TestCaseError::fail(format!("serde_json refuses {text:?}")));
            };
            prop_assert_eq!(
                format!("{:?}", (&fast.items, &fast.pagination)),
                format!("{:?}", (&serde.items, &serde.pagination)),
                "{}",
                text
            );
        }
        Ok(())
    }

    /// `keys` in a page as the server writes it.
    fn server_page(keys: &[&str], pagination: &str) -> String {
        format!(
            r#"{{"items":[{}],"pagination":{pagination}}}"#,
            keys.join(",")
        )
    }

    const PAGINATION: &str = r#"{"total":2,"limit":0,"offset":0}"#;

    #[test]
    fn a_page_as_the_server_writes_it_is_read_as_serde_json_reads_it() {
        let other = SERVER_KEY.replace("ci-ingest", "é 日本 😀 },{ x");
        for keys in [
            &[][..],
            &[SERVER_KEY][..],
            &[SERVER_KEY, &other, SERVER_KEY][..],
        ] {
            for pagination in [
                PAGINATION,
                r#"{"total":7}"#,
                r#"{"limit":null,"total":0,"x":[1]}"#,
            ] {
                let body = server_page(keys, pagination);
                let fast = page(body.as_bytes()).expect(&body);
                assert_eq!(fast.items.len(), keys.len());
                page_agrees(body.as_bytes()).unwrap();
            }
        }
    }

    #[test]
    fn another_layout_or_a_malformed_page_is_left_to_serde_json() {
        let good = server_page(&[SERVER_KEY, SERVER_KEY], PAGINATION);
        assert!(page(good.as_bytes()).is_some());
        for body in [
            // Laid out otherwise: serde_json reads these.
            good.replacen(r#"{"items":["#, r#"{"items": ["#, 1),
            good.replacen(r#"},{"#, r#"}, {"#, 1),
            good.replacen(r#"],"pagination""#, r#"] ,"pagination""#, 1),
            format!("{good} "),
            format!("{good}\n"),
            format!(" {good}"),
            format!(r#"{{"pagination":{PAGINATION},"items":[{SERVER_KEY}]}}"#),
            format!(r#"{{"items":[{SERVER_KEY}],"pagination":{PAGINATION},"x":1}}"#),
            good.replace("ci-ingest", r#"ci \"ingest\""#),
            good.replace("ci-ingest", r#"ci\u0041"#),
            // Not pages serde_json reads.
            format!(
                r#"{{"items":[{SERVER_KEY}],"pagination":{PAGINATION},"pagination":{PAGINATION}}}"#
            ),
            good.replace("ci-ingest", "ci\u{7}ingest"),
            good.replacen("}]", "},]", 1),
            good.replacen(r#""total":2"#, r#""total":"2""#, 1),
            good.replacen(r#""total":2"#, r#""total":-2"#, 1),
            good.replacen(r#""total":2,"#, "", 1),
            good.trim_end_matches('}').to_string(),
            format!("{good}}}"),
            format!("{good}x"),
            r#"{"items":[]}"#.to_string(),
            r#"{"items":[],"pagination":{"total":0}"#.to_string(),
            String::new(),
        ] {
            assert!(page(body.as_bytes()).is_none(), "{body}");
        }
        // Not UTF-8 (a byte that never is, in a name): left to serde_json, which says so.
        let mut bytes = good.into_bytes();
        bytes.insert(SERVER_KEY.find("ci-ingest").unwrap() + 12, 0xFF);
        assert!(page(&bytes).is_none());
    }

    /// A field of a key as the server might write it, or not: known and unknown names, each
    /// with a value of any type the fast path reads or leaves.
    fn field() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            Just("id"),
            Just("name"),
            Just("type"),
            Just("display_id"),
            Just("roles"),
            Just("user_type"),
            Just("user_id"),
            Just("service_account_name"),
            Just("expires_at"),
            Just("status"),
            Just("created_at"),
            Just("provider"),
            Just("x"),
        ];
        let text = "[ -!#-\\[\\]-~é😀]{0,12}";
        let value = prop_oneof![
            text.prop_map(|s| format!("\"{s}\"")),
            Just("\"2026-08-22T13:05:42.123456Z\"".to_string()),
            Just("\"2026-08-22T13:05:42.1234560Z\"".to_string()),
            Just("\"2026-02-30T13:05:42Z\"".to_string()),
            Just("null".to_string()),
            Just("1".to_string()),
            Just("true".to_string()),
            proptest::collection::vec(text, 0..3).prop_map(|v| format!(
                "[{}]",
                v.iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            )),
            Just("[null]".to_string()),
            Just("{\"a\":\"b\"}".to_string()),
        ];
        (name, value).prop_map(|(n, v)| format!("\"{n}\":{v}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Every key of required fields and random others, in random order, with a value of
        /// random type each: whatever the fast path reads, serde_json reads the same.
        #[test]
        fn whatever_it_reads_serde_json_reads_the_same(
            extra in proptest::collection::vec(field(), 0..8),
            required in Just(vec![
                r#""id":"secret_1""#, r#""name":"n""#, r#""type":"private_key""#,
                r#""display_id":"sk_01***AA""#, r#""status":"published""#,
                r#""created_at":"2026-08-22T13:05:42Z""#,
            ]).prop_shuffle(),
            drop in 0usize..8,
            after in prop_oneof![Just(""), Just(","), Just("]"), Just(" "), Just("x")],
        ) {
            let mut fields: Vec<String> = required.iter().map(|f| f.to_string()).collect();
            if drop < fields.len() {
                fields.remove(drop);
            }
            fields.extend(extra);
            let text = format!("{{{}}}{after}", fields.join(","));
            agrees(&text)?;
        }

        /// A key the server writes, with any one byte changed, cut or doubled: whatever the
        /// fast path reads, serde_json reads the same.
        #[test]
        fn a_damaged_key_is_read_as_serde_json_reads_it_or_left_to_it(
            at in 0usize..SERVER_KEY.len(),
            byte in prop_oneof![Just(b'"'), Just(b' '), Just(b','), Just(b':'), Just(b'}'), Just(b'{'), Just(b'['), Just(b']'), Just(b'n'), Just(b'a'), Just(b'0')],
            how in 0u8..3,
        ) {
            let mut bytes = SERVER_KEY.as_bytes().to_vec();
            match how {
                0 => bytes[at] = byte,
                1 => bytes.truncate(at),
                _ => bytes.insert(at, byte),
            }
            if let Ok(text) = String::from_utf8(bytes) {
                agrees(&text)?;
            }
        }

        /// Pages of keys as generated above, joined as the server joins them or otherwise,
        /// under a `pagination` of any shape: whatever the fast path reads, serde_json reads the
        /// same page.
        #[test]
        fn whatever_page_it_reads_serde_json_reads_the_same(
            keys in proptest::collection::vec(
                proptest::collection::vec(field(), 0..6).prop_map(|fields| {
                    let required = [
                        r#""id":"secret_1""#, r#""name":"n""#, r#""type":"private_key""#,
                        r#""display_id":"sk_01***AA""#, r#""status":"published""#,
                        r#""created_at":"2026-08-22T13:05:42Z""#,
                    ];
                    let mut all: Vec<String> = required.iter().map(|f| f.to_string()).collect();
                    all.extend(fields);
                    format!("{{{}}}", all.join(","))
                }),
                0..4,
            ),
            separator in prop_oneof![Just(","), Just(", "), Just(",,"), Just("")],
            pagination in prop_oneof![
                Just(r#"{"total":3}"#), Just(r#"{"total":3,"limit":0,"offset":0}"#),
                Just(r#"{"limit":null,"total":0}"#), Just(r#"{"total":-1}"#), Just("{}"),
                Just(r#"{"total":1,"total":2}"#), Just("null"), Just(r#"{"total":1}}"#),
            ],
        ) {
            let body = format!(r#"{{"items":[{}],"pagination":{pagination}}}"#, keys.join(separator));
            page_agrees(body.as_bytes())?;
        }

        /// A page the server writes, with any one byte changed, cut or doubled, envelope
        /// included: whatever the fast path reads, serde_json reads the same page.
        #[test]
        fn a_damaged_page_is_read_as_serde_json_reads_it_or_left_to_it(
            at in 0usize..2 * SERVER_KEY.len() + 50,
            byte in prop_oneof![Just(b'"'), Just(b' '), Just(b','), Just(b':'), Just(b'}'), Just(b'{'), Just(b'['), Just(b']'), Just(b'n'), Just(b'1'), Just(b'\\'), Just(0xFF)],
            how in 0u8..3,
        ) {
            let mut bytes = server_page(&[SERVER_KEY, SERVER_KEY], PAGINATION).into_bytes();
            let at = at.min(bytes.len() - 1);
            match how {
                0 => bytes[at] = byte,
                1 => bytes.truncate(at),
                _ => bytes.insert(at, byte),
            }
            page_agrees(&bytes)?;
        }
    }
}
