//! The pure renderers behind [`super::Output`]: rows as an aligned table or as tab-separated
//! lines, values as pretty JSON, each into any writer or string. No terminal detection and no
//! process state here, so the criterion benches (`benches/render.rs`) drive exactly this code.

use std::borrow::Cow;
use std::io::{self, Write};

use comfy_table::{Attribute, Color, ContentArrangement, Table, presets};

use super::layout;
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
    render_table(headers, rows, color, tty, None)
}

/// [`table`] laid out for a terminal of `width` columns.
#[cfg(test)]
pub fn table_with_width(headers: &[&str], rows: Vec<Vec<Cell>>, width: u16) -> String {
    render_table(headers, rows, false, true, Some(width))
}

fn render_table(
    headers: &[&str],
    rows: Vec<Vec<Cell>>,
    color: bool,
    tty: bool,
    width: Option<u16>,
) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    if !tty {
        table.force_no_tty();
    }
    if let Some(width) = width {
        table.set_width(width);
    }
    if color {
        table.enforce_styling();
    }
    // One line per row, so a table can be scanned: cells are cut to the terminal's width here
    // (`layout::fit`: the widest columns give way first, IDs to a unique start), and the whole
    // text is in plain and JSON output. A terminal that reports no size, or an absurdly small
    // one (some pseudo-terminals report 0 columns), leaves the rows whole.
    let mut texts: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| c.text.clone()).collect())
        .collect();
    if let Some(width) = table.width().filter(|w| *w >= MIN_TABLE_WIDTH) {
        layout::fit(headers, &mut texts, usize::from(width));
    }
    table.set_header(headers.iter().map(|h| {
        let cell = comfy_table::Cell::new(h);
        if color {
            cell.add_attribute(Attribute::Bold)
        } else {
            cell
        }
    }));
    for (row, texts) in rows.into_iter().zip(texts) {
        table.add_row(row.into_iter().zip(texts).map(|(c, text)| {
            let cell = comfy_table::Cell::new(text);
            match (color, c.mood) {
                (true, Mood::Bad) => cell.fg(Color::Red),
                (true, Mood::Warn) => cell.fg(Color::Yellow),
                _ => cell,
            }
        }));
    }
    // One space between columns, no margin on the left.
    for column in table.column_iter_mut() {
        column.set_padding((0, 1));
    }
    table.trim_fmt()
}

/// Pretty JSON and a final newline.
pub fn json<W: Write, T: Serialize + ?Sized>(out: &mut W, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// JSON Lines: `value` as one compact line, or, when it serializes to an array, each item as
/// its own line (an empty list writes nothing). The compact text is wiped after use: it may
/// carry a secret (`keys create -o jsonl` with stdout as a destination).
pub fn json_lines<W: Write, T: Serialize + ?Sized>(out: &mut W, value: &T) -> io::Result<()> {
    let text = zeroize::Zeroizing::new(serde_json::to_vec(value)?);
    if text.first() == Some(&b'[') {
        let items: Vec<&serde_json::value::RawValue> = serde_json::from_slice(&text)?;
        for item in items {
            out.write_all(item.get().as_bytes())?;
            out.write_all(b"\n")?;
        }
        return Ok(());
    }
    out.write_all(&text)?;
    out.write_all(b"\n")
}

/// The array of a [`JsonStream`] in [`Layout::Array`]: its `[` written, its items counted as
/// none or some, for the separator before the next and the bracket that closes it.
struct JsonArray<W: Write> {
    out: W,
    empty: bool,
}

impl<W: Write> JsonArray<W> {
    fn new(mut out: W) -> io::Result<Self> {
        out.write_all(b"[")?;
        Ok(JsonArray { out, empty: true })
    }

    /// Closes the array, ends the line and flushes.
    fn finish(mut self) -> io::Result<()> {
        self.out
            .write_all(if self.empty { b"]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

/// How a [`JsonStream`] lays out what it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One pretty object (`-o json` for one thing).
    Single,
    /// A pretty array of objects (`-o json` for a list).
    Array,
    /// JSON Lines: one compact object a line, each flushed as it ends (`-o jsonl`).
    Lines,
}

/// JSON written as the work it reports happens: a single object, an array of them or one per
/// line, where an object may be written in two parts. The head (e.g. a new key and its secret)
/// is written and flushed as soon as it is known; the tail (what happened next) closes the
/// object later. A run killed in between leaves the head on stdout. Complete output is byte for
/// byte what [`json`] (or [`json_lines`]) writes for the same values merged.
pub struct JsonStream<W: Write> {
    layout: Layout,
    array: Option<JsonArray<W>>,
    out: Option<W>,
    /// An object whose head is written and whose tail is not.
    open: bool,
}

impl<W: Write> JsonStream<W> {
    pub fn new(mut out: W, layout: Layout) -> io::Result<Self> {
        let (array, out) = match layout {
            Layout::Array => (Some(JsonArray::new(out)?), None),
            Layout::Single | Layout::Lines => {
                out.flush()?;
                (None, Some(out))
            }
        };
        Ok(JsonStream {
            layout,
            array,
            out,
            open: false,
        })
    }

    /// A stream already finished: writes nothing.
    pub fn closed() -> Self {
        JsonStream {
            layout: Layout::Single,
            array: None,
            out: None,
            open: false,
        }
    }

    /// Writes an object (or any value) whole.
    pub fn whole<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        let bytes = self.render(value)?;
        self.write(&bytes, true, true)
    }

    /// How an object's text ends in this layout: what the head leaves off and an empty tail
    /// puts back.
    fn object_end(&self) -> &'static [u8] {
        match self.layout {
            Layout::Array => b"\n  }",
            Layout::Single => b"\n}",
            Layout::Lines => b"}",
        }
    }

    /// Writes the head of an object (its first fields), leaving it open for [`Self::tail`].
    pub fn head<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        let bytes = self.render(value)?;
        let open = bytes
            .strip_suffix(self.object_end())
            .ok_or_else(|| io::Error::other("the head is not a JSON object"))?
            .to_vec();
        self.write(&open, true, false)?;
        self.open = true;
        Ok(())
    }

    /// The bytes [`Self::head`] would write for `value`, for a writer of their own (the
    /// hand-over prints a secret's JSON as a `crate::handover::Payload`): what this stream
    /// holds is flushed first, and nothing changes until [`Self::head_printed`] says the bytes
    /// went out.
    pub fn head_payload<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<Vec<u8>> {
        let bytes = self.render(value)?;
        let open = bytes
            .strip_suffix(self.object_end())
            .ok_or_else(|| io::Error::other("the head is not a JSON object"))?;
        let mut payload = Vec::with_capacity(open.len() + 4);
        match (&mut self.array, &mut self.out) {
            (Some(array), _) => {
                array.out.flush()?;
                payload.extend_from_slice(if array.empty { b"\n  " } else { b",\n  " });
            }
            (None, Some(out)) => out.flush()?,
            (None, None) => {}
        }
        payload.extend_from_slice(open);
        Ok(payload)
    }

    /// The bytes of [`Self::head_payload`] were written: the object is open for its tail.
    pub fn head_printed(&mut self) {
        if let Some(array) = &mut self.array {
            array.empty = false;
        }
        self.open = true;
    }

    /// Closes the open object with its remaining fields (an object of them; none is fine).
    pub fn tail<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        let bytes = self.render(value)?;
        self.open = false;
        let rest = bytes
            .strip_prefix(b"{")
            .ok_or_else(|| io::Error::other("the tail is not a JSON object"))?;
        let mut closing = Vec::with_capacity(rest.len() + 4);
        if rest.first() == Some(&b'}') {
            // No fields: close without a comma, indented as the head's fields were.
            closing.extend_from_slice(self.object_end());
        } else {
            closing.push(b',');
            closing.extend_from_slice(rest);
        }
        self.write(&closing, false, true)
    }

    /// Closes an array (or ends the single object's line) and flushes.
    pub fn finish(self) -> io::Result<()> {
        match (self.array, self.out) {
            (Some(array), _) => array.finish(),
            (None, Some(mut out)) => {
                if self.layout == Layout::Single {
                    out.write_all(b"\n")?;
                }
                out.flush()
            }
            (None, None) => Ok(()),
        }
    }

    /// Whether an object's head is written and its tail is not.
    pub fn is_open(&self) -> bool {
        self.open
    }

    fn render<T: Serialize + ?Sized>(&self, value: &T) -> io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        match self.layout {
            Layout::Array => {
                let mut serializer = serde_json::Serializer::with_formatter(
                    &mut buf,
                    ArrayItemFormatter {
                        indent: 1,
                        has_value: false,
                    },
                );
                value.serialize(&mut serializer)?;
            }
            Layout::Single => serde_json::to_writer_pretty(&mut buf, value)?,
            Layout::Lines => serde_json::to_writer(&mut buf, value)?,
        }
        Ok(buf)
    }

    /// Writes an object's bytes: `starts_item` puts the array's separator first, `ends_item`
    /// ends a JSON Lines line.
    fn write(&mut self, bytes: &[u8], starts_item: bool, ends_item: bool) -> io::Result<()> {
        let out = match (&mut self.array, &mut self.out) {
            (Some(array), _) => {
                if starts_item {
                    array
                        .out
                        .write_all(if array.empty { b"\n  " } else { b",\n  " })?;
                    array.empty = false;
                }
                &mut array.out
            }
            (None, Some(out)) => out,
            (None, None) => return Ok(()),
        };
        out.write_all(bytes)?;
        if ends_item && self.layout == Layout::Lines {
            out.write_all(b"\n")?;
        }
        out.flush()
    }
}

/// serde_json's `PrettyFormatter` (two-space indent), starting one level deep: an item of a
/// top-level array. `PrettyFormatter` cannot be started at a depth, so this repeats its rules.
struct ArrayItemFormatter {
    indent: usize,
    has_value: bool,
}

impl ArrayItemFormatter {
    fn newline<W: ?Sized + Write>(&self, out: &mut W, comma: bool) -> io::Result<()> {
        out.write_all(if comma { b",\n" } else { b"\n" })?;
        for _ in 0..self.indent {
            out.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.indent += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.indent -= 1;
        if self.has_value {
            self.newline(out, false)?;
        }
        out.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for ArrayItemFormatter {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.newline(out, !first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.newline(out, !first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Text from the server (a key's or account's name, an error body) made harmless on a terminal:
/// every control character (C0 including ESC and BEL, DEL, C1) would otherwise let whoever named a
/// key recolour the screen, move the cursor, retitle the window or forge lines; and every
/// invisible formatting character (`crate::names::is_invisible_format`) would let it reorder what is shown
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
    c.is_control() || crate::names::is_invisible_format(c)
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
    fn a_stream_written_in_heads_and_tails_is_the_whole_json() {
        #[derive(Serialize)]
        struct Whole {
            a: u32,
            b: &'static str,
            c: bool,
        }
        #[derive(Serialize)]
        struct Head {
            a: u32,
            b: &'static str,
        }
        #[derive(Serialize)]
        struct Tail {
            c: bool,
        }
        #[derive(Serialize)]
        struct Empty {}
        let whole = [
            Whole {
                a: 1,
                b: "x",
                c: true,
            },
            Whole {
                a: 2,
                b: "y",
                c: false,
            },
        ];
        let mut expected = Vec::new();
        json(&mut expected, &whole).unwrap();
        let mut streamed = Vec::new();
        let mut stream = JsonStream::new(&mut streamed, Layout::Array).unwrap();
        stream.head(&Head { a: 1, b: "x" }).unwrap();
        stream.tail(&Tail { c: true }).unwrap();
        stream.whole(&whole[1]).unwrap();
        stream.finish().unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(expected).unwrap()
        );

        let mut expected = Vec::new();
        json(&mut expected, &Head { a: 1, b: "x" }).unwrap();
        let mut streamed = Vec::new();
        let mut stream = JsonStream::new(&mut streamed, Layout::Single).unwrap();
        stream.head(&Head { a: 1, b: "x" }).unwrap();
        stream.tail(&Empty {}).unwrap();
        stream.finish().unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(expected).unwrap()
        );

        // JSON Lines: the same head and tail make one line.
        let mut streamed = Vec::new();
        let mut stream = JsonStream::new(&mut streamed, Layout::Lines).unwrap();
        stream.head(&Head { a: 1, b: "x" }).unwrap();
        stream.tail(&Tail { c: true }).unwrap();
        stream.whole(&whole[1]).unwrap();
        stream.finish().unwrap();
        let mut expected = Vec::new();
        json_lines(&mut expected, &whole).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }

    #[test]
    fn a_head_printed_elsewhere_continues_the_stream() {
        /// A writer whose bytes another writer appends to as well.
        #[derive(Clone, Default)]
        struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.borrow_mut().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        #[derive(Serialize)]
        struct Head {
            a: u32,
        }
        #[derive(Serialize)]
        struct Tail {
            c: bool,
        }
        #[derive(Serialize)]
        struct Whole {
            a: u32,
            c: bool,
        }
        for layout in [Layout::Array, Layout::Single, Layout::Lines] {
            let shared = Shared::default();
            let buffered = io::BufWriter::new(shared.clone());
            let mut stream = JsonStream::new(buffered, layout).unwrap();
            let mut expected = JsonStream::new(Vec::new(), layout).unwrap();
            if layout != Layout::Single {
                stream.whole(&Whole { a: 0, c: false }).unwrap();
                expected.whole(&Whole { a: 0, c: false }).unwrap();
            }
            let payload = stream.head_payload(&Head { a: 1 }).unwrap();
            shared.clone().write_all(&payload).unwrap();
            stream.head_printed();
            stream.tail(&Tail { c: true }).unwrap();
            stream.finish().unwrap();
            expected.head(&Head { a: 1 }).unwrap();
            expected.tail(&Tail { c: true }).unwrap();
            let mut want = Vec::new();
            match (expected.array.take(), expected.out.take()) {
                (Some(array), _) => {
                    want = array.out.clone();
                    want.extend_from_slice(b"\n]\n");
                }
                (None, Some(out)) => {
                    want = out;
                    if layout == Layout::Single {
                        want.push(b'\n');
                    }
                }
                (None, None) => {}
            }
            assert_eq!(
                String::from_utf8(shared.0.borrow().clone()).unwrap(),
                String::from_utf8(want).unwrap(),
                "{layout:?}"
            );
        }
    }

    #[test]
    fn json_lines_write_a_list_item_by_item_and_anything_else_on_one_line() {
        let lines = |value: &serde_json::Value| {
            let mut whole = Vec::new();
            json_lines(&mut whole, value).unwrap();
            String::from_utf8(whole).unwrap()
        };
        let items = serde_json::json!([{"a": 1, "b": [1, 2]}, {"a": "x\ny"}]);
        assert_eq!(lines(&items), "{\"a\":1,\"b\":[1,2]}\n{\"a\":\"x\\ny\"}\n");
        assert_eq!(lines(&serde_json::json!([])), "");
        assert_eq!(lines(&serde_json::json!({"k": [1]})), "{\"k\":[1]}\n");

        let mut streamed = Vec::new();
        let mut stream = JsonStream::new(&mut streamed, Layout::Lines).unwrap();
        for item in items.as_array().unwrap() {
            stream.whole(item).unwrap();
        }
        stream.finish().unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), lines(&items));
    }

    #[test]
    fn ids_shorten_rather_than_wrap_and_other_cells_are_cut_to_one_line() {
        let id = "secret_01K3ABCDEFGHJKMNPQRSTVWXYZ";
        let long =
            "a name long enough that it cannot share eighty columns with the rest of the row";
        let rows = || {
            vec![vec![
                Cell::new(id),
                Cell::new(long),
                Cell::new("00000000-0000-0000-0000-000000000000"),
                Cell::new("expires in 3 days; created 120 days ago (max age 90d)"),
            ]]
        };
        let text = table_with_width(&["ID", "NAME", "OWNER", "DETAIL"], rows(), 80);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "a header and one line per row:\n{text}");
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{text}");
        // The widest column, the ID, gave way first: to its unique start, with no `…`.
        assert!(lines[1].starts_with("secret_01K3ABCD"), "{text}");
        let shown = lines[1].split(' ').next().unwrap();
        assert!(id.starts_with(shown) && !shown.contains('…'), "{text}");
        assert!(lines[0].starts_with("ID "), "headers whole: {text}");
        assert!(lines[1].contains('…'), "{text}");
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
