//! The instants of a listing: read by a fast path for the one form the server writes them in,
//! which is also the form we print, so that their text is written back as it is, neither
//! parsed by jiff nor printed again.

use std::fmt;
use std::io::Write;

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

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

/// Reads `YYYY-MM-DDTHH:MM:SS[.F]Z` (years 1 to 9999, a fraction of 1 to 9 digits not ending
/// in 0): the one form in which jiff prints a timestamp, so a text read here prints back as
/// itself. Anything else is `None`, for jiff's full parser to judge.
pub(super) fn canonical(text: &str) -> Option<Timestamp> {
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
