//! Everything the user sees: data on stdout as a table (terminal), tab-separated text (piped) or
//! JSON (asked), and receipts, warnings and hints on stderr. The only place that knows about
//! comfy-table, indicatif (spinner and progress bar, on a terminal only) and about colour. Never `println!`: a closed pipe must surface as an error that
//! `main` turns into a quiet exit 0, not a panic.

use std::borrow::Cow;
use std::future::Future;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use comfy_table::{Attribute, Color, ContentArrangement, Table, presets};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::cli::{ColorChoice, OutputFormat};
use crate::env;

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

pub struct Output {
    pub format: OutputFormat,
    pub quiet: bool,
    stdout_color: bool,
    stderr_color: bool,
    stdout_tty: bool,
    stderr_tty: bool,
}

/// A request that answers faster than this shows no spinner: a flash of one is noise.
const SPINNER_DELAY: Duration = Duration::from_millis(200);
/// Narrower than this, a terminal is taken to have reported no usable width.
const MIN_TABLE_WIDTH: u16 = 20;
const TICK: Duration = Duration::from_millis(80);

/// A batch's progress bar on stderr, or nothing when stderr is not a terminal.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn inc(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Runs `f` (which writes to stderr) with the bar hidden, so lines never tear through it.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    pub fn set_message(&self, message: impl Into<String>) {
        if let Some(bar) = &self.bar {
            bar.set_message(message.into());
        }
    }

    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Output {
    pub fn new(format: Option<OutputFormat>, quiet: bool, color: ColorChoice) -> Self {
        let stdout_tty = io::stdout().is_terminal();
        let stderr_tty = io::stderr().is_terminal();
        let allowed = match color {
            ColorChoice::Never => false,
            ColorChoice::Always => true,
            ColorChoice::Auto => env::var(env::NO_COLOR).is_none(),
        };
        let forced = color == ColorChoice::Always;
        Output {
            format: format.unwrap_or(if stdout_tty {
                OutputFormat::Table
            } else {
                OutputFormat::Plain
            }),
            quiet,
            stdout_color: allowed && (forced || stdout_tty),
            stderr_color: allowed && (forced || stderr_tty),
            stdout_tty,
            stderr_tty,
        }
    }

    /// Awaits `work`; if it takes longer than 200 ms and stderr is a terminal, a spinner with
    /// `message` turns on stderr until it is done. Piped stderr never sees a byte of it.
    pub async fn waiting<F: Future>(&self, message: &str, work: F) -> F::Output {
        if !self.stderr_tty || self.quiet {
            return work.await;
        }
        let mut work = std::pin::pin!(work);
        tokio::select! {
            done = &mut work => return done,
            () = tokio::time::sleep(SPINNER_DELAY) => {}
        }
        let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        spinner.set_style(ProgressStyle::default_spinner());
        spinner.set_message(message.to_string());
        spinner.enable_steady_tick(TICK);
        let done = work.await;
        spinner.finish_and_clear();
        done
    }

    /// A progress bar for a batch of `len` items, shown only on a terminal and for real batches.
    pub fn progress(&self, len: usize, message: &str) -> Progress {
        if !self.stderr_tty || self.quiet || len < 2 {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
        let template = if self.stderr_color {
            "{msg} [{bar:30.cyan/blue}] {pos}/{len}"
        } else {
            "{msg} [{bar:30}] {pos}/{len}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message.to_string());
        bar.enable_steady_tick(TICK);
        Progress { bar: Some(bar) }
    }

    /// Whether stdout is a terminal (the secret is then shown with an offer to erase it).
    pub fn stdout_tty(&self) -> bool {
        self.stdout_tty
    }

    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Writes rows as a table or as tab-separated lines (no header, raw values), per format.
    pub fn rows(&self, headers: &[&str], rows: Vec<Vec<Cell>>) -> io::Result<()> {
        let mut out = io::stdout().lock();
        if self.format == OutputFormat::Plain {
            for row in rows {
                let line: Vec<String> = row
                    .iter()
                    .map(|c| plain_field(&c.raw).into_owned())
                    .collect();
                writeln!(out, "{}", line.join("\t"))?;
            }
            return out.flush();
        }
        let mut table = Table::new();
        table
            .load_style(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Dynamic);
        if !self.stdout_tty {
            table.force_no_tty();
        }
        // A terminal that reports no size (some pseudo-terminals report 0 columns) would squash
        // every column to one character: leave the rows unwrapped instead.
        if table.width().is_none_or(|w| w < MIN_TABLE_WIDTH) {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
        if self.stdout_color {
            table.enforce_styling();
        }
        table.set_header(headers.iter().map(|h| {
            let cell = comfy_table::Cell::new(h);
            if self.stdout_color {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        }));
        for row in rows {
            table.add_row(row.into_iter().map(|c| {
                let cell = comfy_table::Cell::new(&c.text);
                match (self.stdout_color, c.mood) {
                    (true, Mood::Bad) => cell.fg(Color::Red),
                    (true, Mood::Warn) => cell.fg(Color::Yellow),
                    _ => cell,
                }
            }));
        }
        writeln!(out, "{}", table.trim_fmt())?;
        out.flush()
    }

    /// Pretty JSON on stdout, from our own serde structs (a stable contract).
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> anyhow::Result<()> {
        let mut out = io::stdout().lock();
        // Through io::Error, so a closed pipe keeps its BrokenPipe kind (a quiet exit 0).
        serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::from)?;
        writeln!(out)?;
        out.flush()?;
        Ok(())
    }

    /// Text as it is on stdout (help topics).
    pub fn text(&self, text: &str) -> io::Result<()> {
        self.bytes(text.as_bytes())
    }

    /// Bytes as they are on stdout (a generated script or page).
    pub fn bytes(&self, bytes: &[u8]) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    }

    /// One value per line on stdout (IDs for `--quiet`).
    pub fn lines<I, S>(&self, values: I) -> io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = io::stdout().lock();
        for value in values {
            writeln!(out, "{}", value.as_ref())?;
        }
        out.flush()
    }

    /// A receipt or progress note on stderr ("Revoked key …"); silenced by `--quiet`.
    pub fn note(&self, message: impl AsRef<str>) {
        if !self.quiet {
            self.stderr_line("", message.as_ref());
        }
    }

    /// A warning on stderr; shown even with `--quiet`.
    pub fn warn(&self, message: impl AsRef<str>) {
        let prefix = if self.stderr_color {
            "\x1b[33mwarning:\x1b[0m "
        } else {
            "warning: "
        };
        self.stderr_line(prefix, message.as_ref());
    }

    /// A hint on stderr: the next thing to try.
    pub fn hint(&self, message: impl AsRef<str>) {
        if !self.quiet {
            let prefix = if self.stderr_color {
                "\x1b[36mhint:\x1b[0m "
            } else {
                "hint: "
            };
            self.stderr_line(prefix, message.as_ref());
        }
    }

    /// `error:`, `caused by:` and `hint:` lines for a failed command.
    pub fn error_report(&self, messages: &[String], hints: &[String]) {
        let (err, cause, hint) = if self.stderr_color {
            (
                "\x1b[1;31merror:\x1b[0m ",
                "\x1b[2mcaused by:\x1b[0m ",
                "\x1b[36mhint:\x1b[0m ",
            )
        } else {
            ("error: ", "caused by: ", "hint: ")
        };
        let mut lines = messages.iter();
        if let Some(first) = lines.next() {
            self.stderr_line(err, first);
        }
        for line in lines {
            self.stderr_line(cause, line);
        }
        for line in hints {
            self.stderr_line(hint, line);
        }
    }

    /// One line on stderr. `prefix` is ours (it may carry colour); `message` may quote the server
    /// (names, error bodies), so it is made [`terminal_safe`] and stays on one line.
    fn stderr_line(&self, prefix: &str, message: &str) {
        // A failed write to stderr has nowhere to be reported; ignoring it is the only option.
        let _ = writeln!(io::stderr().lock(), "{prefix}{}", terminal_safe(message));
    }
}

/// Text from the server (a key's or account's name, an error body) made harmless on a terminal:
/// every control character (C0 including ESC and BEL, DEL, C1) would otherwise let whoever named a
/// key recolour the screen, move the cursor, retitle the window or forge lines. Tabs and line
/// breaks become a space; every other control character becomes U+FFFD, so the reader can see
/// that something was there. Clean text is borrowed, not copied.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => ' ',
                c if c.is_control() => char::REPLACEMENT_CHARACTER,
                c => c,
            })
            .collect(),
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
