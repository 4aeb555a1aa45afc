//! Everything the user sees, through one printer: data on stdout as a table (terminal),
//! tab-separated text (piped) or JSON (asked), and receipts, warnings and hints on stderr. The
//! only place that knows about comfy-table, indicatif (spinner and progress bar, on a terminal
//! only) and about colour. It writes to [`Streams`]: the process's, or two buffers a test reads.
//! Never `println!` (the lints forbid it): a closed pipe must surface as an error that `main`
//! turns into a quiet exit 0, not a panic.

use std::future::Future;
pub mod layout;
mod prompt;
pub mod render;
mod streams;

use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

#[cfg(test)]
pub use self::render::json as render_json;
pub use self::render::{Cell, Mood, terminal_safe};
pub use self::streams::{Captured, Sink, Streams};
use crate::env;
use crate::error::CommandResult;

/// How data is written on stdout (`--output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// An aligned table (the default on a terminal)
    Table,
    /// Tab-separated values with no header (the default when piped)
    Plain,
    /// JSON with stable snake_case fields and RFC 3339 UTC times
    Json,
    /// JSON Lines: what `json` gives, one compact object a line (a list becomes one line per
    /// item), for logs that append
    Jsonl,
}

/// When to use colour (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

pub struct Output {
    pub format: OutputFormat,
    pub quiet: bool,
    /// Prompts are allowed: stdin and stderr are terminals and `--no-input` was not given.
    pub interactive: bool,
    stdout_color: bool,
    stderr_color: bool,
    stdout_tty: bool,
    stderr_tty: bool,
    streams: Streams,
}

/// A request that answers faster than this shows no spinner: a flash of one is noise.
const SPINNER_DELAY: Duration = Duration::from_millis(200);
const TICK: Duration = Duration::from_millis(80);

/// [`SPINNER_DELAY`], unless a test sets `FLEXPRICE_ADMIN_TEST_SPINNER_DELAY_MS` (debug builds).
fn spinner_delay() -> Duration {
    env::test_hook(env::TEST_SPINNER_DELAY_MS)
        .and_then(|ms| ms.parse().ok())
        .map_or(SPINNER_DELAY, Duration::from_millis)
}

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
    /// The printer of the process's streams. `no_input`: never prompt, even on a terminal.
    pub fn new(
        format: Option<OutputFormat>,
        quiet: bool,
        color: ColorChoice,
        no_input: bool,
    ) -> Self {
        let mut out = Self::on(Streams::process(), format, quiet, color);
        out.interactive = !no_input && io::stdin().is_terminal() && out.stderr_tty;
        out
    }

    /// A printer into two buffers, for a test: no terminal, no colour, no prompt.
    pub fn captured(format: OutputFormat, quiet: bool) -> (Self, Arc<Mutex<Captured>>) {
        let (streams, captured) = Streams::captured();
        (
            Self::on(streams, Some(format), quiet, ColorChoice::Never),
            captured,
        )
    }

    fn on(streams: Streams, format: Option<OutputFormat>, quiet: bool, color: ColorChoice) -> Self {
        let (stdout_tty, stderr_tty) = streams.terminals();
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
            interactive: false,
            stdout_color: allowed && (forced || stdout_tty),
            stderr_color: allowed && (forced || stderr_tty),
            stdout_tty,
            stderr_tty,
            streams,
        }
    }

    /// What a signal scope says when its first signal arrives: `text`, as a warning here.
    pub fn notice(&self, text: &str) -> crate::interrupt::Notice {
        let lines = self.stderr_lines();
        crate::interrupt::Notice {
            text: text.to_string(),
            say: Arc::new(move |line: &str| lines.warn(line)),
        }
    }

    /// Lines on stderr for code that runs outside a command's printer (the signal watcher, the
    /// HTTP trace): cheap to clone, and safe to send to another thread.
    pub fn stderr_lines(&self) -> StderrLines {
        StderrLines {
            streams: self.streams.clone(),
            color: self.stderr_color,
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
            () = tokio::time::sleep(spinner_delay()) => {}
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

    /// JSON of either shape (`-o json` or `-o jsonl`): commands build one value or a list of
    /// values and hand it to [`Output::json`] or [`Output::json_stream`], which pick the shape.
    pub fn is_json(&self) -> bool {
        matches!(self.format, OutputFormat::Json | OutputFormat::Jsonl)
    }

    /// Writes rows as a table or as tab-separated lines (no header, raw values), per format.
    pub fn rows(&self, headers: &[&str], rows: Vec<Vec<Cell>>) -> io::Result<()> {
        let mut out = self.streams.stdout();
        if self.format == OutputFormat::Plain {
            render::plain(&mut out, rows)?;
        } else {
            let table = render::table(headers, rows, self.stdout_color, self.stdout_tty);
            writeln!(out, "{table}")?;
        }
        out.flush()
    }

    /// One object's fields: on a terminal a FIELD / VALUE table, one field a line, so long values
    /// (a credential's source, a URL) keep the width of the screen rather than a seventh of it;
    /// piped, one tab-separated line of the values, in the order given.
    pub fn record(&self, fields: Vec<(&str, Cell)>) -> io::Result<()> {
        if self.format == OutputFormat::Plain {
            return self.rows(&[], vec![fields.into_iter().map(|(_, v)| v).collect()]);
        }
        let rows = fields
            .into_iter()
            .map(|(name, value)| vec![Cell::new(name), value])
            .collect();
        self.rows(&["FIELD", "VALUE"], rows)
    }

    /// JSON on stdout, from our own serde structs (a stable contract): pretty with `-o json`;
    /// with `-o jsonl` one compact line, or one line per item when `value` is a list.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> CommandResult<()> {
        let mut out = self.streams.stdout();
        self.write_json(&mut out, value)?;
        out.flush()?;
        Ok(())
    }

    /// What [`Self::json`] writes, as bytes (for a payload that carries a secret).
    pub fn json_bytes<T: Serialize + ?Sized>(&self, value: &T) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.write_json(&mut bytes, value)?;
        Ok(bytes)
    }

    fn write_json<W: Write, T: Serialize + ?Sized>(
        &self,
        out: &mut W,
        value: &T,
    ) -> io::Result<()> {
        if self.format == OutputFormat::Jsonl {
            render::json_lines(out, value)
        } else {
            render::json(out, value)
        }
    }

    /// Text as it is on stdout (help topics).
    pub fn text(&self, text: &str) -> io::Result<()> {
        self.bytes(text.as_bytes())
    }

    /// Bytes as they are on stdout (a generated script or page).
    pub fn bytes(&self, bytes: &[u8]) -> io::Result<()> {
        let mut out = self.streams.stdout();
        out.write_all(bytes)?;
        out.flush()
    }

    /// A table on stderr: a preview shown before a confirmation, which is not data.
    pub fn table_on_stderr(&self, headers: &[&str], rows: Vec<Vec<Cell>>) -> io::Result<()> {
        let table = render::table(headers, rows, self.stderr_color, self.stderr_tty);
        let mut err = self.streams.stderr();
        writeln!(err, "{table}")?;
        err.flush()
    }

    /// Whether the output is JSON Lines (`-o jsonl`).
    pub fn is_json_lines(&self) -> bool {
        self.format == OutputFormat::Jsonl
    }

    /// JSON on stdout written as work happens (see [`render::JsonStream`]): with `-o json` a
    /// pretty array when `list`, else one pretty object; with `-o jsonl` one line per object,
    /// each flushed as it ends, so a log holds every finished item even if the run dies. A list
    /// never finished leaves an unclosed array, which tells a script the list is cut.
    pub fn json_stream(&self, list: bool) -> io::Result<render::JsonStream<Sink>> {
        let layout = match (self.format, list) {
            (OutputFormat::Jsonl, _) => render::Layout::Lines,
            (_, true) => render::Layout::Array,
            (_, false) => render::Layout::Single,
        };
        render::JsonStream::new(self.streams.stdout(), layout)
    }

    /// Asks on the terminal and waits for Enter. `Ok(true)`: Enter; `Ok(false)`: end of input
    /// (Ctrl-D). A signal in `scope` (Ctrl-C at the prompt) stops the wait: `Err(signal)`. The
    /// read runs on a thread of its own, so the wait never blocks the signal watcher; a thread
    /// left blocked on the terminal ends with the process.
    pub async fn wait_for_enter(
        &self,
        prompt: &str,
        scope: &crate::interrupt::Scope,
    ) -> Result<bool, crate::interrupt::Signal> {
        {
            let mut err = self.streams.stderr();
            let _ = write!(err, "{prompt}");
            let _ = err.flush();
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let read = io::BufRead::read_line(&mut io::stdin().lock(), &mut line);
            let _ = tx.send(matches!(read, Ok(n) if n > 0));
        });
        let seen = scope.received().count;
        tokio::select! {
            entered = rx => Ok(entered.unwrap_or(false)),
            received = scope.after(seen) => {
                let _ = writeln!(self.streams.stderr());
                Err(received.first.unwrap_or(crate::interrupt::Signal::Interrupt))
            }
        }
    }

    /// Clears the `count` lines above the cursor on the terminal (stdout), back to column 0.
    pub fn erase_lines_above(&self, count: usize) -> io::Result<()> {
        let mut out = self.streams.stdout();
        for _ in 0..count {
            write!(out, "\x1b[1A\x1b[2K")?;
        }
        write!(out, "\r")?;
        out.flush()
    }

    /// Whether stderr is a terminal.
    pub fn stderr_tty(&self) -> bool {
        self.stderr_tty
    }

    /// One value per line on stdout, as it is: for values of our own (a profile's name, a secret
    /// read back); IDs the server chose go through [`Output::ids`].
    pub fn lines<I, S>(&self, values: I) -> io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = self.streams.stdout();
        for value in values {
            writeln!(out, "{}", value.as_ref())?;
        }
        out.flush()
    }

    /// IDs the server chose, one a line (`-q`): each made [`terminal_safe`] first, so that an ID
    /// holding a line break cannot forge a second line for the script reading them (it prints as
    /// one odd ID, which any command refuses as malformed).
    pub fn ids<I, S>(&self, ids: I) -> io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.lines(
            ids.into_iter()
                .map(|id| terminal_safe(id.as_ref()).into_owned()),
        )
    }

    /// A receipt or progress note on stderr ("Revoked key …"); silenced by `--quiet`.
    pub fn note(&self, message: impl AsRef<str>) {
        if !self.quiet {
            self.stderr_line("", message.as_ref());
        }
    }

    /// A warning on stderr; shown even with `--quiet`.
    pub fn warn(&self, message: impl AsRef<str>) {
        self.stderr_line(
            self.label("warning: ", "\x1b[33mwarning:\x1b[0m "),
            message.as_ref(),
        );
    }

    /// A hint on stderr: the next thing to try.
    pub fn hint(&self, message: impl AsRef<str>) {
        if !self.quiet {
            self.stderr_line(self.hint_label(), message.as_ref());
        }
    }

    /// `error:`, `caused by:` and `hint:` lines for a failed command.
    pub fn error_report(&self, messages: &[String], hints: &[String]) {
        let err = self.label("error: ", "\x1b[1;31merror:\x1b[0m ");
        let cause = self.label("caused by: ", "\x1b[2mcaused by:\x1b[0m ");
        let hint = self.hint_label();
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

    /// A line's label on stderr, coloured when stderr takes colour.
    fn label(&self, plain: &'static str, coloured: &'static str) -> &'static str {
        if self.stderr_color { coloured } else { plain }
    }

    fn hint_label(&self) -> &'static str {
        self.label("hint: ", "\x1b[36mhint:\x1b[0m ")
    }

    /// One line on stderr. `prefix` is ours (it may carry colour); `message` may quote the server
    /// (names, error bodies), so it is made [`terminal_safe`] and stays on one line. It is also
    /// scrubbed of every known secret: `src/api/` scrubs what the server sends as it arrives, and
    /// this is the second net for anything that reaches stderr by another way. (The CI mask line,
    /// the one thing on stderr that must carry a secret, does not come through here.)
    fn stderr_line(&self, prefix: &str, message: &str) {
        self.stderr_lines().line(prefix, message);
    }

    /// A workflow command for a CI runner on stderr, as it is (`::add-mask::SECRET`): the one
    /// line that must carry a secret, so it is not scrubbed; flushed at once.
    pub fn ci_command(&self, line: &str) -> io::Result<()> {
        let mut err = self.streams.stderr();
        writeln!(err, "{line}")?;
        err.flush()
    }

    /// Ends the line on stderr (after a prompt left without an answer).
    pub fn end_stderr_line(&self) {
        let _ = writeln!(self.streams.stderr());
    }
}

/// Lines on stderr from outside a command's printer; see [`Output::stderr_lines`].
#[derive(Debug, Clone)]
pub struct StderrLines {
    streams: Streams,
    color: bool,
}

impl StderrLines {
    /// A warning, as [`Output::warn`] writes it.
    pub fn warn(&self, message: &str) {
        let label = if self.color {
            "\x1b[33mwarning:\x1b[0m "
        } else {
            "warning: "
        };
        self.line(label, message);
    }

    /// One line on stderr. `prefix` is ours (it may carry colour); `message` may quote the
    /// server (names, error bodies), so it is made [`terminal_safe`] and stays on one line. It
    /// is also scrubbed of every known secret: `src/api/` scrubs what the server sends as it
    /// arrives, and this is the second net for anything that reaches stderr by another way.
    pub fn line(&self, prefix: &str, message: &str) {
        let message = crate::redact::scrub(message);
        // A failed write to stderr has nowhere to be reported; ignoring it is the only option.
        let _ = writeln!(self.streams.stderr(), "{prefix}{}", terminal_safe(&message));
    }
}

/// `count` and the noun in the number it needs: `1 keychain entry`, `3 keychain entries`.
pub fn count(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_captured_printer_keeps_data_and_words_apart_and_scrubs_secrets() {
        let (out, captured) = Output::captured(OutputFormat::Json, false);
        let secret = secrecy::SecretString::from("sk_01K5OUTPUTTEST0000000000AB");
        crate::redact::register(&secret);
        out.json(&serde_json::json!({"id": "secret_1"})).unwrap();
        out.note("Created key secret_1.");
        out.warn("the server said sk_01K5OUTPUTTEST0000000000AB\nand more");
        out.stderr_lines().line("> ", "GET /v1/users/me");
        let captured = captured.lock().unwrap();
        assert_eq!(captured.stdout_text(), "{\n  \"id\": \"secret_1\"\n}\n");
        let stderr = captured.stderr_text();
        assert!(
            stderr.starts_with("Created key secret_1.\nwarning: the server said "),
            "{stderr}"
        );
        assert!(!stderr.contains("OUTPUTTEST"), "{stderr}");
        assert_eq!(stderr.lines().count(), 3, "one line each: {stderr}");
        assert!(stderr.ends_with("> GET /v1/users/me\n"), "{stderr}");
    }

    #[test]
    fn counts_take_the_noun_their_number_needs() {
        assert_eq!(
            super::count(1, "keychain entry", "keychain entries"),
            "1 keychain entry"
        );
        assert_eq!(super::count(0, "key", "keys"), "0 keys");
        assert_eq!(super::count(3, "key", "keys"), "3 keys");
    }
}
