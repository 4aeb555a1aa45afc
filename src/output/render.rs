//! The pure renderers behind [`super::Output`]: rows as an aligned table or as tab-separated
//! lines, values as pretty JSON, each into any writer or string. No terminal detection and no
//! process state here, so the criterion benches (`benches/render.rs`) drive exactly this code.

use std::io::{self, Write};

use comfy_table::{Attribute, Color, ContentArrangement, Table, presets};
use serde::Serialize;

/// A cell: what a terminal table shows, what piped plain output carries, and an optional mood.
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
        let text = text.into();
        Cell {
            raw: text.clone(),
            text,
            mood: Mood::Normal,
        }
    }

    /// A cell shown one way on a terminal and another when piped (e.g. relative vs RFC 3339 times).
    pub fn split(text: impl Into<String>, raw: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            raw: raw.into(),
            mood: Mood::Normal,
        }
    }

    pub fn mood(mut self, mood: Mood) -> Self {
        self.mood = mood;
        self
    }
}

/// Tab-separated lines, no header, raw values.
pub fn plain<W: Write>(out: &mut W, rows: Vec<Vec<Cell>>) -> io::Result<()> {
    for row in rows {
        let line: Vec<String> = row.into_iter().map(|c| plain_field(&c.raw)).collect();
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

/// Pretty JSON and a final newline for an array whose items are made one at a time, so a long
/// list never exists twice in memory (once as data, once as views). Byte for byte what
/// [`json`] writes for a `Vec` of the same items.
pub fn json_seq<W, I>(out: &mut W, items: I) -> io::Result<()>
where
    W: Write,
    I: IntoIterator,
    I::Item: Serialize,
{
    use serde::Serializer as _;
    let mut serializer = serde_json::Serializer::pretty(&mut *out);
    serializer.collect_seq(items)?;
    writeln!(out)
}

/// Plain output is one record per line, fields split by tabs: neither may appear inside a field.
fn plain_field(raw: &str) -> String {
    raw.replace(['\t', '\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_seq_writes_what_json_writes() {
        for items in [vec![], vec![1], vec![1, 2, 3]] {
            let (mut seq, mut vec) = (Vec::new(), Vec::new());
            json_seq(&mut seq, items.iter()).unwrap();
            json(&mut vec, &items).unwrap();
            assert_eq!(
                String::from_utf8(seq).unwrap(),
                String::from_utf8(vec).unwrap()
            );
        }
    }

    #[test]
    fn plain_fields_cannot_break_records() {
        assert_eq!(plain_field("a\tb\nc"), "a b c");
    }
}
