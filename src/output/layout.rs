//! Fitting a table to the terminal's width, as gh and kubectl choose what gives way: the widest
//! columns give way first, one column at a time, each down to a floor it never goes below.
//!
//! - An ID column (`ID`, `…_ID`, `KEY ID`) gives way at once, by shortening its IDs to the
//!   shortest prefix that is still unique among its rows, as git shortens hashes: never fewer than
//!   `MIN_ID_PREFIX` characters of the ULID, and never with `…`, so a shortened ID can be
//!   copied and used as it is (`commands::resolve` accepts the start of an ID wherever an ID
//!   is). IDs of other shapes (the seeded environments' UUIDs) are never cut.
//! - Any other column is cut with `…`, down to its header's width or [`MIN_TEXT`] columns,
//!   whichever is wider, and a cut never leaves a word's first letter alone (`expires i…`
//!   becomes `expires…`).
//!
//! When even the floors do not fit, the table is wider than the terminal and lines wrap: at
//! 80 columns every table of this tool fits.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::names::MIN_ID_PREFIX;

/// The narrowest a cut text column gets (unless its header or all its text is narrower): enough
/// for a short word and `…`.
pub const MIN_TEXT: usize = 6;

/// The space between two columns.
const GAP: usize = 1;

/// How a column gives way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Id,
    Text,
}

/// Columns that hold IDs a user copies: `ID`, `NEW_ID`, `OLD_ID`, `KEY ID`.
pub fn is_id_column(header: &str) -> bool {
    header == "ID" || header.ends_with("_ID") || header.ends_with(" ID")
}

/// Cuts the cells of `rows` (the texts a terminal shows, one `Vec` per row, as many as
/// `headers`) so that the table fits in `width` columns. Nothing changes when it fits already.
pub fn fit(headers: &[&str], rows: &mut [Vec<String>], width: usize) {
    let columns = headers.len();
    let kinds: Vec<Kind> = headers
        .iter()
        .map(|h| {
            if is_id_column(h) {
                Kind::Id
            } else {
                Kind::Text
            }
        })
        .collect();
    let natural: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|row| row.get(i))
                .map(|cell| cell.width())
                .chain([headers[i].width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let needed = natural.iter().sum::<usize>() + GAP * columns.saturating_sub(1);
    if needed <= width {
        return;
    }
    let floors: Vec<usize> = (0..columns)
        .map(|i| {
            let header = headers[i].width();
            match kinds[i] {
                Kind::Id => id_floor(rows.iter().filter_map(|row| row.get(i)), header),
                Kind::Text => natural[i].min(header.max(MIN_TEXT)),
            }
        })
        .collect();
    let widths = give_way(&natural, &floors, &kinds, needed - width);
    for row in rows.iter_mut() {
        for (i, cell) in row.iter_mut().enumerate().take(columns) {
            if cell.width() <= widths[i] {
                continue;
            }
            *cell = match kinds[i] {
                Kind::Id => cell.chars().take(widths[i]).collect(),
                Kind::Text => cut(cell, widths[i]),
            };
        }
    }
}

/// Takes `excess` columns away from the widest column still above its floor (the rightmost of
/// equals), again and again, and returns the widths. A text column gives one column at a time;
/// an ID column goes straight to its floor, its unique start: an ID cut anywhere between tells
/// no more than that start and takes room another column could use.
fn give_way(natural: &[usize], floors: &[usize], kinds: &[Kind], mut excess: usize) -> Vec<usize> {
    let mut widths = natural.to_vec();
    while excess > 0 {
        let widest = (0..widths.len())
            .filter(|&i| widths[i] > floors[i])
            .max_by_key(|&i| (widths[i], i));
        let Some(i) = widest else { break };
        let by = match kinds[i] {
            Kind::Id => widths[i] - floors[i],
            Kind::Text => 1,
        };
        widths[i] -= by;
        excess = excess.saturating_sub(by);
    }
    widths
}

/// The narrowest an ID column can be: wide enough for its header, for every ID it cannot
/// shorten, and for the shortest prefix (at least [`MIN_ID_PREFIX`] characters of the ULID)
/// that tells apart the IDs it can.
fn id_floor<'a>(cells: impl Iterator<Item = &'a String>, header: usize) -> usize {
    let mut floor = header;
    let mut ids: Vec<&str> = Vec::new();
    for cell in cells {
        match ulid_start(cell) {
            Some(_) => ids.push(cell),
            None => floor = floor.max(cell.width()),
        }
    }
    ids.sort_unstable();
    ids.dedup();
    floor.max(unique_prefix_len(&ids))
}

/// Where the ULID of a `prefix_` + ULID ID starts, when `id` has that shape (a lower-case
/// prefix such as `secret_`, `user_`, `env_`, then 26 characters of 0-9 and A-Z).
fn ulid_start(id: &str) -> Option<usize> {
    let underscore = id.rfind('_')?;
    let (prefix, ulid) = (&id[..underscore], &id[underscore + 1..]);
    let ok = !prefix.is_empty()
        && prefix.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        && ulid.len() == 26
        && ulid
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
    ok.then_some(underscore + 1)
}

/// The shortest length, covering each ID's prefix and [`MIN_ID_PREFIX`] characters of its
/// ULID, at which no two of `ids` (sorted, distinct, each of [`ulid_start`]'s shape) share a
/// start: one more than the longest start two neighbours in sorted order share.
fn unique_prefix_len(ids: &[&str]) -> usize {
    let floor = ids
        .iter()
        .filter_map(|id| ulid_start(id))
        .map(|start| start + MIN_ID_PREFIX)
        .max()
        .unwrap_or(0);
    ids.windows(2)
        .map(|pair| {
            let shared = pair[0]
                .bytes()
                .zip(pair[1].bytes())
                .take_while(|(a, b)| a == b)
                .count();
            shared + 1
        })
        .fold(floor, usize::max)
}

/// Cuts `text` to `width` columns with `…` at the end, never leaving a word's first letter
/// alone: a cut that would end `… i…` ends before that letter instead.
pub fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        kept.push(c);
        used += w;
    }
    let next = text[kept.len()..].chars().next();
    let in_word = next.is_some_and(char::is_alphanumeric);
    if in_word {
        let fragment = kept
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric())
            .count();
        let before = kept.chars().count() - fragment;
        if fragment == 1 && before > 0 {
            kept = kept.chars().take(before).collect();
        }
    }
    let trimmed = kept.trim_end_matches([' ', ',', '-', '_', '/', '(', '.', ':', ';']);
    let kept = if trimmed.is_empty() {
        kept.as_str()
    } else {
        trimmed
    };
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fitted(headers: &[&str], rows: &[&[&str]], width: usize) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        fit(headers, &mut rows, width);
        rows
    }

    #[test]
    fn a_table_that_fits_is_left_alone() {
        let rows = fitted(
            &["ID", "NAME"],
            &[&["secret_01K3ABCDEFGHJKMNPQRSTVWXYZ", "ci"]],
            80,
        );
        assert_eq!(rows[0], ["secret_01K3ABCDEFGHJKMNPQRSTVWXYZ", "ci"]);
    }

    #[test]
    fn ids_shorten_to_a_unique_start_and_never_below_eight_characters_of_the_ulid() {
        let ids = [
            "secret_01K3ABCDEF0000000000000000",
            "secret_01K3ABCDEFXY00000000000000",
            "secret_01K3ABCDEFXZ00000000000000",
        ];
        let sorted = {
            let mut v = ids.to_vec();
            v.sort_unstable();
            v
        };
        // The two that share `01K3ABCDEFX` need one character more.
        assert_eq!(unique_prefix_len(&sorted), "secret_01K3ABCDEFXY".len());
        // Alone, an ID keeps eight characters of its ULID.
        assert_eq!(
            unique_prefix_len(&["secret_01K3ABCDEFGHJKMNPQRSTVWXYZ"]),
            "secret_01K3ABCD".len()
        );
        assert_eq!(unique_prefix_len(&[]), 0);
        let rows = fitted(
            &["ID", "NAME"],
            &[
                &["secret_01K3ABCDEFGHJKMNPQRSTVWXYZ", "a"],
                &["secret_01K3ABCDZZGHJKMNPQRSTVWXYZ", "b"],
                &["", "c"],
            ],
            20,
        );
        assert_eq!(rows[0][0], "secret_01K3ABCDE");
        assert_eq!(rows[1][0], "secret_01K3ABCDZ");
        assert_eq!(rows[2][0], "");
        // A UUID is not of that shape: never cut.
        let rows = fitted(
            &["ID", "NAME"],
            &[&[
                "00000000-0000-0000-0000-000000000000",
                "Sandbox environment",
            ]],
            30,
        );
        assert_eq!(rows[0][0], "00000000-0000-0000-0000-000000000000");
    }

    #[test]
    fn the_widest_column_gives_way_first() {
        let rows = fitted(
            &["NAME", "OWNER", "NOTE"],
            &[&["a-rather-long-key-name", "ingest", "short"]],
            30,
        );
        // 22 + 6 + 5 + 2 gaps = 35: five columns come off the name alone.
        assert_eq!(rows[0], ["a-rather-long-ke…", "ingest", "short"]);
        // Two wide columns share the cut.
        let rows = fitted(
            &["A", "B"],
            &[&["aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb"]],
            31,
        );
        assert_eq!(rows[0][0].chars().count() + rows[0][1].chars().count(), 30);
        assert!((rows[0][0].chars().count() as i64 - rows[0][1].chars().count() as i64).abs() <= 1);
    }

    #[test]
    fn columns_never_go_below_their_floor_and_words_keep_more_than_a_letter() {
        let rows = fitted(&["CREATED", "X"], &[&["3 months ago", "x"]], 5);
        // The header's width is the floor: the table is then wider than asked.
        assert_eq!(rows[0][0], "3 mont…");
        assert_eq!(cut("expires in 3 days", 12), "expires in…");
        assert_eq!(cut("expires in 3 days", 10), "expires…");
        assert_eq!(cut("event_ingestor", 9), "event_in…");
        assert_eq!(cut("event_ingestor", 8), "event…");
        assert_eq!(cut("Production", 6), "Produ…");
        assert_eq!(
            cut("environment variable FLEXPRICE_API_KEY", 22),
            "environment variable…"
        );
        assert_eq!(cut("鍵鍵鍵鍵", 5), "鍵鍵…");
        assert_eq!(cut("short", 5), "short");
    }
}
