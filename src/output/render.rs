//! The pure renderers behind [`super::Output`]: rows as an aligned table or as tab-separated
//! lines, values as pretty JSON, each into any writer or string. No terminal detection and no
//! process state here, so the criterion benches (`benches/render.rs`) drive exactly this code.

use std::borrow::Cow;
use std::io::{self, Write};

use comfy_table::{Attribute, Color, ContentArrangement, Table, presets};
use serde::Serialize;

/// A cell: what a terminal table shows, what piped plain output carries, and an optional mood.
/// Both texts are made [`terminal_safe`] on the way in: cells carry names the server chose.
pub struct Cell {
    pub text: String,
    pub raw: String,
    pub mood: Mood,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mood {
    Normal,
    Bad,
    Warn,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Self {
        let text = safe_owned(text.into());
        Cell {
            raw: text.clone(),
            text,
            mood: Mood::Normal,
        }
    }

    /// A cell shown one way on a terminal and another when piped (e.g. relative vs RFC 3339 times).
    pub fn split(text: impl Into<String>, raw: impl Into<String>) -> Self {
        Cell {
            text: safe_owned(text.into()),
            raw: safe_owned(raw.into()),
            mood: Mood::Normal,
        }
    }

    pub fn mood(mut self, mood: Mood) -> Self {
        self.mood = mood;
        self
    }
}

/// Narrower than this, a reported terminal width is not believed (see [`table`]).
const MIN_TABLE_WIDTH: u16 = 20;

/// Tab-separated lines, no header, raw values.
pub fn plain<W: Write>(out: &mut W, rows: Vec<Vec<Cell>>) -> io::Result<()> {
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .map(|c| plain_field(&c.raw).into_owned())
            .collect();
        writeln!(out, "{}", line.join("\t"))?;
    }
    Ok(())
}

/// An aligned table with a header, without a trailing newline. `tty` lets comfy-table fit the
/// table to the terminal's width; `color` adds bold headers and red/yellow moods.
pub fn table(headers: &[&str], rows: Vec<Vec<Cell>>, color: bool, tty: bool) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if !tty {
        table.force_no_tty();
    }
    // A terminal that reports no size (some pseudo-terminals report 0 columns) would squash
    // every column to one character: leave the rows unwrapped instead.
    if table.width().is_none_or(|w| w < MIN_TABLE_WIDTH) {
        table.set_content_arrangement(ContentArrangement::Disabled);
    }
    if color {
        table.enforce_styling();
    }
    table.set_header(headers.iter().map(|h| {
        let cell = comfy_table::Cell::new(h);
        if color {
            cell.add_attribute(Attribute::Bold)
        } else {
            cell
        }
    }));
    for row in rows {
        table.add_row(row.into_iter().map(|c| {
            let cell = comfy_table::Cell::new(&c.text);
            match (color, c.mood) {
                (true, Mood::Bad) => cell.fg(Color::Red),
                (true, Mood::Warn) => cell.fg(Color::Yellow),
                _ => cell,
            }
        }));
    }
    table.trim_fmt()
}

/// Pretty JSON and a final newline.
pub fn json<W: Write, T: Serialize + ?Sized>(out: &mut W, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// A pretty JSON array written as data arrives, so a long list is never held whole: the caller
/// renders items (each after its [`JsonArray::separator`], indented as an item of a top-level
/// array) and writes them a batch at a time. Byte for byte what [`json`] writes for a `Vec` of
/// the same items.
pub struct JsonArray<W: Write> {
    out: W,
    empty: bool,
}

impl<W: Write> JsonArray<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(b"[")?;
        Ok(JsonArray { out, empty: true })
    }

    /// What goes before the next item, for a caller that renders items itself (at the depth of
    /// an item of a top-level array) and hands them to [`JsonArray::write_rendered`].
    pub fn separator(&mut self) -> &'static [u8] {
        let first = std::mem::replace(&mut self.empty, false);
        if first { b"\n  " } else { b",\n  " }
    }

    /// Items rendered by the caller, each after its [`JsonArray::separator`], written at once.
    pub fn write_rendered(&mut self, items: &[u8]) -> io::Result<()> {
        self.out.write_all(items)
    }

    /// Closes the array, ends the line and flushes.
    pub fn finish(mut self) -> io::Result<()> {
        self.out
            .write_all(if self.empty { b"]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

/// Text from the server (a key's or account's name, an error body) made harmless on a terminal:
/// every control character (C0 including ESC and BEL, DEL, C1) would otherwise let whoever named a
/// key recolour the screen, move the cursor, retitle the window or forge lines; and every
/// invisible formatting character ([`is_invisible_format`]) would let it reorder what is shown
/// (`\u{202e}` makes `ci-ingest` read backwards) or hide a difference between two names. Tabs
/// and line breaks become a space; every other such character becomes U+FFFD, so the reader can
/// see that something was there. Clean text is borrowed, not copied.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    // Printable ASCII, the common case, holds none of them: checked a byte at a time (a listing
    // checks every cell twice, and the profile of `keys list` showed this check at an eighth
    // of its time when done a character at a time).
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) || !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => ' ',
                c if is_unsafe(c) => char::REPLACEMENT_CHARACTER,
                c => c,
            })
            .collect(),
    )
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// Characters that change how text around them is shown without showing themselves:
/// bidirectional embeddings, overrides, isolates and marks (U+202A–202E, U+2066–2069, U+200E,
/// U+200F, U+061C), zero-width spaces and joiners (U+200B–200D, U+2060, U+FEFF), the invisible
/// operators (U+2061–2064), the deprecated format controls (U+206A–206F), the Mongolian vowel
/// separator (U+180E), and the line and paragraph separators (U+2028, U+2029), which some
/// terminals and editors treat as line breaks. ASCII text never contains one, so the common case
/// costs one comparison per character.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
    )
}

/// [`terminal_safe`] for an owned string, reusing it when it is already clean.
fn safe_owned(text: String) -> String {
    match terminal_safe(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(safe) => safe,
    }
}

/// Plain output is one record per line, fields split by tabs: neither may appear inside a field,
/// and no other control character may reach whatever reads it (often a terminal).
fn plain_field(raw: &str) -> Cow<'_, str> {
    terminal_safe(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_array_written_item_by_item_is_what_json_writes() {
        // Items without depth of their own render the same at any depth; keys, whose objects
        // are rendered at an array item's depth, are checked in `views`.
        for items in [vec![], vec!["one"], vec!["one", "two \"2\"", "three"]] {
            let mut streamed = Vec::new();
            let mut array = JsonArray::new(&mut streamed).unwrap();
            for (i, item) in items.iter().enumerate() {
                let mut rendered = array.separator().to_vec();
                serde_json::to_writer(&mut rendered, item).unwrap();
                // One write per item, or several items at once: the same bytes.
                if i % 2 == 0 {
                    array.write_rendered(&rendered).unwrap();
                } else {
                    for byte in rendered.chunks(1) {
                        array.write_rendered(byte).unwrap();
                    }
                }
            }
            array.finish().unwrap();
            let mut whole = Vec::new();
            json(&mut whole, &items).unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(whole).unwrap()
            );
        }
    }

    #[test]
    fn plain_fields_cannot_break_records() {
        assert_eq!(plain_field("a\tb\nc\rd"), "a b c d");
    }

    #[test]
    fn plain_fields_carry_no_control_characters() {
        assert_eq!(
            plain_field("a\x1b[31mb\x07c\x7fd\u{9b}e"),
            "a\u{fffd}[31mb\u{fffd}c\u{fffd}d\u{fffd}e"
        );
    }

    #[test]
    fn bidi_overrides_and_zero_width_characters_are_made_visible() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}',
            '\u{FEFF}', '\u{061C}', '\u{2060}', '\u{2028}', '\u{2029}',
        ] {
            let name = format!("ci{c}ingest");
            assert_eq!(
                terminal_safe(&name),
                "ci\u{fffd}ingest",
                "U+{:04X}",
                c as u32
            );
            assert_eq!(plain_field(&name), "ci\u{fffd}ingest");
        }
        // Visible non-ASCII text is left alone: Arabic, Hebrew, CJK and emoji are names too.
        for name in ["مفتاح", "מפתח", "鍵", "🔑", "café"] {
            assert!(matches!(terminal_safe(name), Cow::Borrowed(_)), "{name}");
        }
    }

    #[test]
    fn terminal_safe_text_keeps_clean_and_non_ascii_text_as_it_is() {
        assert!(matches!(
            terminal_safe("ci-ingest · prod ✓"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            terminal_safe("\x1b]0;title\x07x"),
            "\u{fffd}]0;title\u{fffd}x"
        );
    }

    #[test]
    fn cells_neutralise_what_the_server_sent_in_both_forms() {
        let cell = Cell::new("evil\x1b[2J");
        assert_eq!(cell.text, "evil\u{fffd}[2J");
        assert_eq!(cell.raw, "evil\u{fffd}[2J");
        let cell = Cell::split("in 3 days\x07", "2026-01-01T00:00:00Z\u{85}");
        assert!(
            !cell
                .text
                .chars()
                .chain(cell.raw.chars())
                .any(char::is_control)
        );
    }
}
