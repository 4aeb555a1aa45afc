//! Time as users type it and read it: durations like `90d`, RFC 3339 instants that must lie in
//! the future, "now" (overridable for tests), and relative phrases like "in 3 days".

use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Span, Timestamp, tz::TimeZone};

use crate::env;

/// Flexprice's rotation guidance: keys live 90 days unless told otherwise (a profile's
/// `default_expiry`, a manifest's `rotate_every`).
pub(crate) const DEFAULT_KEY_LIFETIME_DAYS: i64 = 90;

/// The latest expiry we accept. Flexprice recommends rotating every 90 days; a key that outlives
/// ten years is a typo (or should use `--no-expiry`, which says so).
const MAX_YEARS: i64 = 10;

/// The latest expiry a key minted at `now` may have: ten calendar years later. Every lifetime is
/// checked by the instant it gives from now, not by how it is spelled, so `3653d`, `9y366d` and
/// `10y` are accepted or refused together whenever they name the same instant.
pub(crate) fn latest_expiry(now: Timestamp) -> Timestamp {
    TimeSpan(Span::new().years(MAX_YEARS)).after(now)
}

/// When a key minted at `now` with `lifetime` expires, in whole seconds, held to the ten-year
/// cap. A lifetime typed by the user is refused beyond the cap when parsed; this is for one that
/// is not: an existing key's (the API accepts any expiry), which `keys rotate` gives the new
/// key. Its replacement expires ten years from now at the latest.
pub(crate) fn expiry_within_cap(lifetime: TimeSpan, now: Timestamp) -> Option<Timestamp> {
    let expiry = lifetime.expiry_from(now)?;
    let latest = Timestamp::from_second(latest_expiry(now).as_second()).ok()?;
    Some(expiry.min(latest))
}

/// The current time, or `FLEXPRICE_ADMIN_TEST_NOW` when a test sets it (debug builds only).
pub(crate) fn now() -> Timestamp {
    env::test_hook(env::TEST_NOW)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(Timestamp::now)
}

/// A positive duration of at most ten years, written like `90d`, `12h`, `2w`, `1y 6mo`,
/// `90 days` or ISO 8601 `P90D`.
#[derive(Debug, Clone, Copy)]
pub struct TimeSpan(Span);

/// Spans are equal when written the same (`1d` ≠ `24h`), which is what config round trips need.
impl PartialEq for TimeSpan {
    fn eq(&self, other: &Self) -> bool {
        self.0.fieldwise() == other.0.fieldwise()
    }
}

impl TimeSpan {
    pub fn days(days: i64) -> Self {
        TimeSpan(Span::new().days(days))
    }

    /// The span from `start` to `end`, in seconds (an existing key's lifetime).
    pub fn between(start: Timestamp, end: Timestamp) -> Option<Self> {
        let secs = end.duration_since(start).as_secs();
        (secs > 0).then(|| TimeSpan(Span::new().seconds(secs)))
    }

    /// The instant this span after `from`, in UTC calendar arithmetic (so `1mo` is a month).
    pub fn after(&self, from: Timestamp) -> Timestamp {
        from.to_zoned_datetime(TimeZone::UTC)
            .checked_add(self.0)
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MAX)
    }

    /// When a key minted at `now` with this lifetime expires, in whole seconds: an expiry is a
    /// date people read, not a measurement.
    pub fn expiry_from(&self, now: Timestamp) -> Option<Timestamp> {
        Timestamp::from_second(self.after(now).as_second()).ok()
    }

    /// The instant this span before `from`.
    pub fn before(&self, from: Timestamp) -> Timestamp {
        from.to_zoned_datetime(TimeZone::UTC)
            .checked_sub(self.0)
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MIN)
    }
}

impl fmt::Display for TimeSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl FromStr for TimeSpan {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.starts_with('-') {
            return Err("must be positive, e.g. 90d".into());
        }
        let span: Span = raw.parse().map_err(|_| {
            "expected a duration such as 90d, 12h, 2w, 6mo or 1y (units: y, mo, w, d, h, m, s)"
                .to_string()
        })?;
        if span.is_negative() {
            return Err("must be positive, e.g. 90d".into());
        }
        let span = TimeSpan(span);
        // Checked from now, where the key's expiry will be: a span's length in days depends on
        // the leap days it crosses.
        let base = now();
        let end = span.after(base);
        if end <= base {
            return Err("must be longer than zero".into());
        }
        if end > latest_expiry(base) {
            return Err(format!(
                "must be at most {MAX_YEARS} years (use --no-expiry for a key that never expires)"
            ));
        }
        Ok(span)
    }
}

/// An RFC 3339 instant that is in the future and at most ten years away.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FutureTimestamp(pub Timestamp);

impl FromStr for FutureTimestamp {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let at: Timestamp = raw.trim().parse().map_err(|_| {
            "expected an RFC 3339 time with a zone, e.g. 2027-01-31T00:00:00Z".to_string()
        })?;
        let now = now();
        if at <= now {
            return Err(format!(
                "{at} is in the past; a key expiring then could never be used"
            ));
        }
        if at > latest_expiry(now) {
            return Err(format!(
                "is more than {MAX_YEARS} years away (use --no-expiry for a key that never expires)"
            ));
        }
        Ok(FutureTimestamp(at))
    }
}

/// "in 3 days", "2 hours ago", "just now": the coarsest unit that is at least one, rounded to the
/// nearest whole unit. Rounding, not truncating, matters because `now` is read a moment after the
/// server stamped the key: a fresh 90-day key is 89 days and 23:59:59 away and must read "in 90
/// days". A value that rounds up to a whole larger unit moves to it ("1 hour", not "60 minutes").
pub(crate) fn relative(at: Timestamp, now: Timestamp) -> String {
    let delta: SignedDuration = at.duration_since(now);
    let secs = delta.as_secs().unsigned_abs();
    // `secs` is at most 2^63, so adding half a unit cannot overflow a u64.
    let round = |unit: u64| (secs + unit / 2) / unit;
    let (n, unit) = if secs < 60 {
        return "just now".to_string();
    } else if round(60) < 60 {
        (round(60), "minute")
    } else if round(3_600) < 24 {
        (round(3_600), "hour")
    } else if secs < 15_552_000 {
        (round(86_400), "day")
    } else if secs < 63_072_000 {
        (round(2_592_000), "month")
    } else {
        (round(31_536_000), "year")
    };
    let plural = if n == 1 { "" } else { "s" };
    if delta.is_negative() {
        format!("{n} {unit}{plural} ago")
    } else {
        format!("in {n} {unit}{plural}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn durations_parse_in_friendly_and_iso_forms() {
        let start = ts("2026-01-01T00:00:00Z");
        assert_eq!(
            "90d".parse::<TimeSpan>().unwrap().after(start),
            ts("2026-04-01T00:00:00Z")
        );
        assert_eq!(
            "12h".parse::<TimeSpan>().unwrap().after(start),
            ts("2026-01-01T12:00:00Z")
        );
        assert_eq!(
            "2w".parse::<TimeSpan>().unwrap().after(start),
            ts("2026-01-15T00:00:00Z")
        );
        assert_eq!(
            "P1M".parse::<TimeSpan>().unwrap().after(start),
            ts("2026-02-01T00:00:00Z")
        );
        assert_eq!(
            "1y".parse::<TimeSpan>().unwrap().after(start),
            ts("2027-01-01T00:00:00Z")
        );
        assert_eq!(
            "90 days".parse::<TimeSpan>().unwrap().after(start),
            ts("2026-04-01T00:00:00Z")
        );
    }

    #[test]
    fn bad_durations_are_refused_with_a_reason() {
        assert!(
            "".parse::<TimeSpan>()
                .unwrap_err()
                .contains("expected a duration")
        );
        assert!(
            "soon"
                .parse::<TimeSpan>()
                .unwrap_err()
                .contains("expected a duration")
        );
        assert!("-5d".parse::<TimeSpan>().unwrap_err().contains("positive"));
        assert!(
            "0d".parse::<TimeSpan>()
                .unwrap_err()
                .contains("longer than zero")
        );
        assert!(
            "11y"
                .parse::<TimeSpan>()
                .unwrap_err()
                .contains("at most 10 years")
        );
        assert!("1000000d".parse::<TimeSpan>().is_err());
    }

    #[test]
    fn the_cap_is_ten_calendar_years_from_now_whatever_the_spelling() {
        // 2026-11-29 + 10y crosses three leap days: 3653 days, as is 9y + 366d.
        let late = ts("2026-11-29T12:00:00Z");
        for spelling in ["10y", "3653d", "9y366d"] {
            let span: Span = spelling.parse().unwrap();
            assert_eq!(
                TimeSpan(span).after(late),
                latest_expiry(late),
                "{spelling}"
            );
        }
        // 2026-01-15 + 10y crosses two: 3652 days, so 3653d and 9y366d go one day beyond.
        let early = ts("2026-01-15T00:00:00Z");
        assert_eq!(
            latest_expiry(early).duration_since(early),
            SignedDuration::from_hours(24 * 3652)
        );
    }

    #[test]
    fn an_inherited_lifetime_is_held_to_the_cap() {
        let now = ts("2026-11-29T12:00:00.5Z");
        let twenty_years = TimeSpan::between(now, ts("2046-11-29T12:00:00Z")).unwrap();
        assert_eq!(
            expiry_within_cap(twenty_years, now),
            Some(ts("2036-11-29T12:00:00Z"))
        );
        assert_eq!(
            expiry_within_cap(TimeSpan::days(30), now),
            Some(ts("2026-12-29T12:00:00Z"))
        );
    }

    #[test]
    fn expiry_instants_must_be_future_and_near() {
        // Derived from now, so the cases mean the same whatever day the tests run.
        let now = Timestamp::now();
        let yesterday = (now - SignedDuration::from_hours(24)).to_string();
        assert!(
            yesterday
                .parse::<FutureTimestamp>()
                .unwrap_err()
                .contains("in the past")
        );
        let eleven_years = TimeSpan(Span::new().years(11)).after(now).to_string();
        assert!(
            eleven_years
                .parse::<FutureTimestamp>()
                .unwrap_err()
                .contains("years away")
        );
        assert!(
            "tomorrow"
                .parse::<FutureTimestamp>()
                .unwrap_err()
                .contains("RFC 3339")
        );
        let soon = TimeSpan::days(30).after(now).to_string();
        assert!(soon.parse::<FutureTimestamp>().is_ok());
    }

    #[test]
    fn relative_phrases() {
        let now = ts("2026-01-10T00:00:00Z");
        assert_eq!(relative(ts("2026-01-13T00:00:00Z"), now), "in 3 days");
        assert_eq!(relative(ts("2026-01-09T23:00:00Z"), now), "1 hour ago");
        assert_eq!(relative(now, now), "just now");
        assert_eq!(relative(ts("2026-04-10T00:00:00Z"), now), "in 90 days");
        assert_eq!(relative(ts("2026-10-10T00:00:00Z"), now), "in 9 months");
    }

    #[test]
    fn relative_phrases_round_to_the_nearest_unit() {
        let now = ts("2026-01-10T00:00:00Z");
        let ninety_days = SignedDuration::from_hours(24 * 90);
        let fresh = now + ninety_days - SignedDuration::from_millis(300);
        assert_eq!(relative(fresh, now), "in 90 days");
        assert_eq!(
            relative(now - ninety_days + SignedDuration::from_millis(300), now),
            "90 days ago"
        );
        assert_eq!(
            relative(now + SignedDuration::from_secs(59), now),
            "just now"
        );
        assert_eq!(
            relative(now + SignedDuration::from_secs(89), now),
            "in 1 minute"
        );
        assert_eq!(
            relative(now + SignedDuration::from_secs(90), now),
            "in 2 minutes"
        );
        assert_eq!(
            relative(now + SignedDuration::from_secs(3_599), now),
            "in 1 hour"
        );
        assert_eq!(
            relative(now - SignedDuration::from_secs(86_399), now),
            "1 day ago"
        );
        assert_eq!(
            relative(now + SignedDuration::from_hours(36), now),
            "in 2 days"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Ten years after the epoch, the longest span accepted (two leap days in between).
        const TEN_YEARS_SECS: i64 = 315_532_800;

        /// Durations of one unit in every spelling the help text promises, for any count from 0
        /// to about twice the ten-year limit: (text, seconds or months, whether calendar months).
        fn one_unit() -> impl Strategy<Value = (String, i64, bool)> {
            let fixed = prop::sample::select(vec![
                ("s", "seconds", "PT{}S", 1i64),
                ("m", "minutes", "PT{}M", 60),
                ("h", "hours", "PT{}H", 3_600),
                ("d", "days", "P{}D", 86_400),
                ("w", "weeks", "P{}W", 604_800),
            ])
            .prop_flat_map(|(short, long, iso, secs)| {
                (0..=2 * TEN_YEARS_SECS / secs, 0..3usize).prop_map(move |(n, form)| {
                    let text = match form {
                        0 => format!("{n}{short}"),
                        1 => format!("{n} {long}"),
                        _ => iso.replace("{}", &n.to_string()),
                    };
                    (text, n * secs, false)
                })
            });
            let calendar = prop::sample::select(vec![
                ("mo", "months", "P{}M", 1i64),
                ("y", "years", "P{}Y", 12),
            ])
            .prop_flat_map(|(short, long, iso, months)| {
                (0..=240 / months, 0..3usize).prop_map(move |(n, form)| {
                    let text = match form {
                        0 => format!("{n}{short}"),
                        1 => format!("{n} {long}"),
                        _ => iso.replace("{}", &n.to_string()),
                    };
                    (text, n * months, true)
                })
            });
            prop_oneof![fixed, calendar]
        }

        /// Where a span that ends at `end` when it starts at the epoch stands against the
        /// ten-year cap: (clearly within, clearly beyond). The cap is checked from *now*, and the
        /// same units last a few days more or less in another decade (leap days, month
        /// lengths), so within four days of the cap either answer is right.
        fn near_the_cap(positive: bool, end: Timestamp) -> (bool, bool) {
            const NEAR: i64 = 4 * 86_400;
            let secs = end.as_second();
            (
                positive && secs <= TEN_YEARS_SECS - NEAR,
                !positive || secs > TEN_YEARS_SECS + NEAR,
            )
        }

        /// The first of the month `months` after January 1970, from civil arithmetic alone.
        fn months_after_epoch(months: i64) -> Timestamp {
            let year = 1970 + months / 12;
            let month = 1 + months % 12;
            format!("{year:04}-{month:02}-01T00:00:00Z")
                .parse()
                .unwrap()
        }

        proptest! {
            #[test]
            fn any_text_parses_or_is_refused_without_panicking(raw in "\\PC{0,40}") {
                if let Ok(span) = raw.parse::<TimeSpan>() {
                    let start = now();
                    let end = span.after(start);
                    prop_assert!(end > start);
                    prop_assert!(end <= latest_expiry(start));
                }
                if let Ok(at) = raw.parse::<FutureTimestamp>() {
                    prop_assert!(at.0 > Timestamp::now() - SignedDuration::from_secs(1));
                }
            }

            /// A well-formed duration is accepted exactly when it is longer than zero and at most
            /// ten years, and then lasts what it says.
            #[test]
            fn durations_are_accepted_exactly_within_the_limits((text, amount, calendar) in one_unit()) {
                let start = Timestamp::UNIX_EPOCH;
                let end = if calendar {
                    months_after_epoch(amount)
                } else {
                    start + SignedDuration::from_secs(amount)
                };
                let (clearly_within, clearly_beyond) = near_the_cap(amount > 0, end);
                match text.parse::<TimeSpan>() {
                    Ok(span) => {
                        prop_assert!(!clearly_beyond, "{text} accepted");
                        prop_assert_eq!(span.after(start), end, "{}", text);
                        prop_assert_eq!(span.before(end), start, "{}", text);
                        // What we print (config files, `--dry-run`) reads back the same.
                        let again: TimeSpan = span.to_string().parse().unwrap();
                        prop_assert_eq!(again.after(start), end);
                    }
                    Err(reason) => {
                        prop_assert!(!clearly_within, "{text} refused: {reason}");
                        let expected = if amount == 0 { "longer than zero" } else { "at most 10 years" };
                        prop_assert!(reason.contains(expected), "{text}: {reason}");
                    }
                }
            }

            /// Several units together, largest first, as in `1y 6mo 2d 12h`.
            #[test]
            fn mixed_units_add_up(years in 0i64..12, months in 0i64..12, days in 0i64..400, hours in 0i64..48) {
                let text = format!("{years}y {months}mo {days}d {hours}h");
                let end = months_after_epoch(12 * years + months)
                    + SignedDuration::from_hours(24 * days + hours);
                let (clearly_within, clearly_beyond) =
                    near_the_cap(end > Timestamp::UNIX_EPOCH, end);
                match text.parse::<TimeSpan>() {
                    Ok(span) => {
                        prop_assert!(!clearly_beyond, "{text} accepted");
                        prop_assert_eq!(span.after(Timestamp::UNIX_EPOCH), end, "{}", text);
                    }
                    Err(reason) => prop_assert!(!clearly_within, "{text} refused: {reason}"),
                }
            }

            /// An RFC 3339 time in any UTC offset, between a minute and 3652 days ahead (ten years
            /// are never shorter), is accepted as that instant; past 3653 days (never longer) it is
            /// refused. The minute of margin keeps the clock's advance during a case irrelevant.
            #[test]
            fn future_times_within_ten_years_are_accepted(
                ahead in 60i64..=3652 * 86_400 - 60,
                beyond in 3653i64 * 86_400 + 60..=3653 * 86_400 * 3,
                offset_minutes in -14 * 60i32..=14 * 60,
            ) {
                let zone = TimeZone::fixed(
                    jiff::tz::Offset::from_seconds(offset_minutes * 60).unwrap(),
                );
                let now = Timestamp::from_second(Timestamp::now().as_second()).unwrap();
                let at = now + SignedDuration::from_secs(ahead);
                let text = at.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
                prop_assert_eq!(text.parse::<FutureTimestamp>(), Ok(FutureTimestamp(at)), "{}", text);
                let far = (now + SignedDuration::from_secs(beyond))
                    .to_zoned_datetime(zone)
                    .strftime("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string();
                let refused = far.parse::<FutureTimestamp>().unwrap_err();
                prop_assert!(refused.contains("years away"), "{}: {}", far, refused);
            }

            #[test]
            fn whole_days_round_trip(days in 1i64..=3650) {
                let span: TimeSpan = format!("{days}d").parse().unwrap();
                let start = Timestamp::UNIX_EPOCH;
                prop_assert_eq!(span.after(start).duration_since(start), SignedDuration::from_hours(24 * days));
                prop_assert_eq!(span.before(span.after(start)), start);
            }

            #[test]
            fn negative_spans_are_always_refused(n in 1i64..100_000, unit in prop::sample::select(vec!["d", "h", "w", "mo", "y", "s"])) {
                let refused = format!("-{n}{unit}").parse::<TimeSpan>().is_err();
                prop_assert!(refused);
            }

            #[test]
            fn instants_in_the_past_are_refused(secs in 1i64..1_000_000_000) {
                let past = Timestamp::now() - SignedDuration::from_secs(secs);
                prop_assert!(past.to_string().parse::<FutureTimestamp>().is_err());
            }
        }
    }
}
