//! Decoding a listing without copying it: texts that borrow the answer's body, and instants
//! read by a fast path for the one form the server writes them in. `keys list -o json` turns
//! thousands of keys straight into output with these; the profile of 10,000 keys showed half
//! its time in allocating, copying and freeing each string and parsing and printing each time.

use std::borrow::Cow;
use std::fmt;
use std::io::Write;

use jiff::Timestamp;
use serde::de::{self, Deserialize, Deserializer, Visitor};

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

/// An instant of an answer: the time, and its text when that text is already the form we print
/// (jiff's RFC 3339 in UTC, `2026-08-22T13:05:42.123456Z`), which is how the server writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireTime<'a> {
    pub at: Timestamp,
    printed: Option<&'a str>,
}

impl WireTime<'_> {
    /// The instant as a JSON string, exactly as serde_json writes a `Timestamp`, without
    /// allocating: the server's own text when it is already in that form.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'"');
        match self.printed {
            Some(text) => out.extend_from_slice(text.as_bytes()),
            None => write!(out, "{}", self.at).expect("writing to memory cannot fail"),
        }
        out.push(b'"');
    }

    /// The instant `text` says, borrowing it when it is already the form we print: as a
    /// string of the answer decodes.
    pub fn borrowed(text: &str) -> Result<WireTime<'_>, jiff::Error> {
        let (at, printed) = WireTime::read(text)?;
        Ok(WireTime {
            at,
            printed: printed.then_some(text),
        })
    }

    fn read(text: &str) -> Result<(Timestamp, bool), jiff::Error> {
        match canonical(text) {
            Some(at) => Ok((at, true)),
            None => text.parse().map(|at| (at, false)),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for WireTime<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimeVisitor;
        impl<'de> Visitor<'de> for TimeVisitor {
            type Value = WireTime<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                WireTime::borrowed(v).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let (at, _) = WireTime::read(v).map_err(E::custom)?;
                Ok(WireTime { at, printed: None })
            }
        }
        deserializer.deserialize_str(TimeVisitor)
    }
}

/// The top-level `pagination` of a page whose body ends with it (`…,"pagination":{…}}`, the
/// order in which the server writes a page), read without decoding the items before it; `None`
/// for any other layout.
pub fn trailing_pagination(body: &[u8]) -> Option<super::models::Pagination> {
    let (_, object) = trailing_member(body)?;
    serde_json::from_slice(object).ok()
}

/// A page's trailing `pagination` member: what comes before it (ending with the `,` or `{`
/// before its key) and its object. Exact for such a body: its last `}` closes the top-level
/// object, so the object before it is a value of that object, and an unescaped `"pagination"`
/// before that object is its key (in a string the quotes would be escaped).
fn trailing_member(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = trim_end(body).strip_suffix(b"}")?;
    let inner = trim_end(body);
    if !inner.ends_with(b"}") {
        return None;
    }
    // The pagination object holds numbers only: its `{` is the last one.
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let before = trim_end(&inner[..open]).strip_suffix(b":")?;
    let before = trim_end(before).strip_suffix(b"\"pagination\"")?;
    let before = trim_end(before);
    matches!(before.last(), Some(b',' | b'{')).then_some((before, &inner[open..]))
}

/// JSON's whitespace: not `u8::is_ascii_whitespace`, which takes a form feed too, so that a
/// body JSON refuses is never read as one it accepts.
fn is_json_space(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn trim_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !is_json_space(b))
        .map_or(0, |i| i + 1);
    &bytes[..end]
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !is_json_space(b))
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// Items below this many bytes are not worth a second thread (about 1,300 keys).
const RUNS_AT_LEAST: usize = 512 * 1024;

/// About how many bytes of items make a run: small enough that two threads taking runs in turn
/// finish together and that a run's rendering stays in the cache, large enough that handing it
/// over costs nothing that shows (a 3.8 MB answer is about 60 runs).
const RUN_BYTES: usize = 64 * 1024;

/// The `items` of a large page laid out as the server writes it (`{"items":[…],"pagination":
/// {…}}`, compact), cut into runs of whole items (`{…},…,{…}` each) of about `RUN_BYTES`, to
/// be decoded on two threads; `None` for any other layout, a page too small to be worth it, or
/// one with no cut.
/// The caller has checked that the body is UTF-8, as one thread refuses a body that is not
/// before it takes any key, wherever the bad byte lies: every cut is between ASCII bytes, so
/// each run is text too, and no thread checks it again.
///
/// Each cut is at the first `},{"` followed by a letter past the run's length. In JSON those
/// bytes are the end of one object and the start of the next: inside a string, the `"` would
/// close it, and a letter cannot follow a closed string. Whether those objects are the items,
/// rather than objects nested in one, and whether the runs are all there is between the
/// brackets, is proven by each run decoding as items, one after the other up to its end: the
/// first starts at an item, so a run that decodes whole ends at one, and the next starts at
/// one. A caller that cannot decode a run decodes the rest of the page as a whole instead.
pub fn item_runs(body: &str) -> Option<Vec<&str>> {
    item_runs_of(body, RUNS_AT_LEAST, RUN_BYTES)
}

pub(crate) fn item_runs_of(body: &str, at_least: usize, run_bytes: usize) -> Option<Vec<&str>> {
    let bytes = body.as_bytes();
    let (before, _) = trailing_member(bytes)?;
    let items_end = trim_end(before.strip_suffix(b",")?)
        .strip_suffix(b"]")?
        .len();
    let mut head = trim_start(bytes).strip_prefix(b"{")?;
    for token in [&b"\"items\""[..], b":", b"["] {
        head = trim_start(head).strip_prefix(token)?;
    }
    let items = body.get(bytes.len() - head.len()..items_end)?;
    if items.len() < at_least || !items.starts_with('{') || !items.ends_with('}') {
        return None;
    }
    let cut = memchr::memmem::Finder::new(b"},{\"");
    let mut runs = Vec::with_capacity(items.len() / run_bytes.max(1) + 1);
    let mut start = 0;
    while let Some(at) = items
        .as_bytes()
        .get(start + run_bytes..)
        .and_then(|rest| {
            cut.find_iter(rest)
                .find(|&at| rest.get(at + 4).is_some_and(u8::is_ascii_alphabetic))
        })
        .map(|at| start + run_bytes + at)
    {
        runs.push(&items[start..=at]);
        start = at + 2;
    }
    runs.push(&items[start..]);
    (runs.len() > 1).then_some(runs)
}

/// Reads `YYYY-MM-DDTHH:MM:SS[.F]Z` (years 1 to 9999, a fraction of 1 to 9 digits not ending
/// in 0): the one form in which jiff prints a timestamp, so a text read here prints back as
/// itself. Anything else is `None`, for jiff's full parser to judge.
pub fn canonical(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    if b.len() < 20 || b[b.len() - 1] != b'Z' {
        return None;
    }
    let digits = |from: usize, to: usize| -> Option<i64> {
        b[from..to].iter().try_fold(0i64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 7)?, digits(8, 10)?);
    let (hour, minute, second) = (digits(11, 13)?, digits(14, 16)?, digits(17, 19)?);
    if year < 1
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let nanos = match b.len() {
        20 => 0,
        21 => return None,
        len => {
            let fraction = &b[20..len - 1];
            if b[19] != b'.' || fraction.len() > 9 || fraction.last() == Some(&b'0') {
                return None;
            }
            let value = digits(20, len - 1)?;
            value * 10i64.pow(9 - fraction.len() as u32)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second;
    Timestamp::new(seconds, i32::try_from(nanos).ok()?).ok()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
/// `days_from_civil` algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_servers_form_and_leaves_the_rest_to_jiff() {
        for text in [
            "2026-08-22T13:05:42.123456Z",
            "2026-08-22T13:05:42Z",
            "2024-02-29T00:00:00.5Z",
            "0001-01-01T00:00:00Z",
            "9999-12-30T21:59:59.999999999Z",
            "1969-12-31T23:59:59.1Z",
        ] {
            let at: Timestamp = text.parse().unwrap();
            assert_eq!(canonical(text), Some(at), "{text}");
            assert_eq!(at.to_string(), text);
        }
        for text in [
            "2026-08-22T13:05:42.120Z",
            "2026-08-22T13:05:42.Z",
            "2026-08-22T13:05:42+00:00",
            "2026-08-22t13:05:42Z",
            "2026-08-22T13:05:60Z",
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-08-22T13:05:42.1234567890Z",
            "0000-01-01T00:00:00Z",
            "+2026-08-22T13:05:42Z",
            "2026-08-22 13:05:42Z",
        ] {
            assert_eq!(canonical(text), None, "{text}");
        }
    }

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

    #[test]
    fn a_trailing_pagination_is_read_and_anything_else_is_left_alone() {
        let read = |body: &str| trailing_pagination(body.as_bytes()).map(|p| (p.total, p.limit));
        assert_eq!(
            read(r#"{"items":[{"id":"a}"}],"pagination":{"total":3,"limit":0,"offset":0}}"#),
            Some((3, Some(0)))
        );
        assert_eq!(
            read("{\"items\": [],\n \"pagination\" : {\"total\": 7}\n}\n"),
            Some((7, None))
        );
        for body in [
            r#"{"pagination":{"total":3},"items":[]}"#,
            r#"{"items":[],"pagination":{"total":3}"#,
            r#"{"items":[{"x":"\"pagination\":{\"total\":1}"}]}"#,
            r#"{"items":[],"pages":{"total":3}}"#,
            r#"{"items":[],"pagination":{"total":"3"}}"#,
            "",
            "}",
        ] {
            assert_eq!(read(body), None, "{body}");
        }
    }

    /// A page of `n` keys named by `name(i)`, as the server writes it.
    fn page(n: usize, name: impl Fn(usize) -> String) -> String {
        let items: Vec<serde_json::Value> = (0..n)
            .map(|i| serde_json::json!({"id": format!("secret_{i}"), "name": name(i), "status": "published"}))
            .collect();
        serde_json::json!({"items": items, "pagination": {"total": n, "limit": 0, "offset": 0}})
            .to_string()
    }

    /// The number of items of each run, which must decode as whole items.
    fn counts(runs: &[&str]) -> Vec<usize> {
        runs.iter()
            .map(|run| {
                serde_json::from_str::<Vec<serde_json::Value>>(&format!("[{run}]"))
                    .unwrap()
                    .len()
            })
            .collect()
    }

    /// The runs joined back as they stood in the page.
    fn joined(runs: &[&str]) -> String {
        format!("[{}]", runs.join(","))
    }

    #[test]
    fn a_large_page_is_cut_between_items_into_runs_of_about_the_size() {
        let body = page(100, |i| format!("key-{i}"));
        let item = body.len() / 100;
        let runs = item_runs_of(&body, 0, 10 * item).unwrap();
        assert!(body.contains(&joined(&runs)));
        let per_run = counts(&runs);
        assert_eq!(per_run.iter().sum::<usize>(), 100);
        // Each run is its size and the rest of the item it ends in, but the last.
        assert!(
            per_run[..per_run.len() - 1]
                .iter()
                .all(|&n| (10..=12).contains(&n)),
            "{per_run:?}"
        );
        assert!((8..=10).contains(&per_run.len()), "{per_run:?}");
        // No cut when the size is the whole page, nor below the size worth it.
        assert_eq!(item_runs_of(&body, 0, body.len()), None);
        assert_eq!(item_runs_of(&body, body.len(), 1), None);
        // A run of every item at the smallest size.
        assert_eq!(counts(&item_runs_of(&body, 0, 0).unwrap()), vec![1; 100]);
    }

    #[test]
    fn a_name_that_looks_like_a_cut_is_not_cut() {
        // From the middle on, every name ends with `},{` (a `"` follows), or holds `},{\"id`.
        let body = page(40, |i| {
            if i < 20 {
                format!("k{i}")
            } else if i % 2 == 0 {
                "x},{".to_string()
            } else {
                "y},{\"id\":\"z".to_string()
            }
        });
        let middle_on = &body[body.len() / 2..];
        assert!(middle_on.contains(r#"},{","#) && middle_on.contains(r#"},{\"id"#));
        for size in [0, 1, 7, 100, body.len() / 2] {
            let runs = item_runs_of(&body, 0, size).unwrap();
            assert_eq!(counts(&runs).iter().sum::<usize>(), 40);
            assert!(body.contains(&joined(&runs)));
            for run in &runs {
                assert!(
                    run.ends_with("\"}") && run.starts_with("{\"id\":\"secret_"),
                    "{size}: {run}"
                );
            }
        }
    }

    #[test]
    fn another_layout_is_not_cut() {
        let items = r#"[{"id":"a","n":1},{"id":"b","n":2},{"id":"c","n":3}]"#;
        fn runs(body: &str) -> Option<Vec<&str>> {
            item_runs_of(body, 0, 1)
        }
        for body in [
            format!(r#"{{"pagination":{{"total":3}},"items":{items}}}"#),
            format!(r#"{{"items": {items},"pagination":{{"total":3}}}}"#).replace("},{", "}, {"),
            format!(r#"{{"other":1,"items":{items},"pagination":{{"total":3}}}}"#),
            format!(r#"{{"items":{items},"pagination":{{"total":3}}"#),
            r#"{"items":[],"pagination":{"total":0}}"#.to_string(),
        ] {
            assert_eq!(runs(&body), None, "{body}");
        }
        // Whitespace around the envelope is fine.
        let spaced = format!("{{ \"items\" : {items} ,\n \"pagination\" : {{\"total\":3}} }}\n");
        assert_eq!(runs(&spaced).map(|r| r.len()), Some(3));
        // A form feed is not JSON's whitespace: such a body is refused whole, never cut.
        for spaced in [
            spaced.replacen('\n', "\u{c}", 1),
            format!("\u{c}{spaced}"),
            spaced.replace('\n', "\u{c}"),
        ] {
            assert!(serde_json::from_str::<serde_json::Value>(&spaced).is_err());
            assert_eq!(runs(&spaced), None, "{spaced:?}");
        }
    }

    proptest! {
        /// Every instant jiff prints in the years we read is read back to the same instant.
        #[test]
        fn every_printed_instant_is_read_back(
            seconds in -62_135_596_800i64..253_402_207_200,
            nanos in prop_oneof![Just(0i32), 0i32..1_000_000_000, (0i32..1000).prop_map(|n| n * 1_000_000)],
        ) {
            let at = Timestamp::new(seconds, nanos).unwrap();
            let text = at.to_string();
            prop_assert_eq!(canonical(&text), Some(at), "{}", text);
        }

        /// Whatever the fast path accepts, jiff reads as the same instant and prints as the same
        /// text: a text passed through is what we would have printed.
        #[test]
        fn whatever_is_accepted_prints_back_as_itself(
            date in "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,10})?Z",
        ) {
            if let Some(at) = canonical(&date) {
                let parsed: Timestamp = date.parse().unwrap();
                prop_assert_eq!(parsed, at);
                prop_assert_eq!(at.to_string(), date);
            }
        }
    }
}
