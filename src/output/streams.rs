//! Where everything the tool prints goes: the process's stdout and stderr, or, for a test, two
//! buffers it reads back. The only code that touches the process's streams (clippy's
//! `disallowed-methods` keeps `std::io::stdout` and `std::io::stderr` out of every other file).

#![allow(clippy::disallowed_methods)]

use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex};

/// What a test's [`Streams::captured`] collected.
#[derive(Debug, Default)]
pub struct Captured {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Captured {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// The two streams: the process's, or captured ones.
#[derive(Debug, Clone, Default)]
pub struct Streams(Option<Arc<Mutex<Captured>>>);

impl Streams {
    /// The process's stdout and stderr.
    pub fn process() -> Streams {
        Streams(None)
    }

    /// Two buffers, and the handle a test reads them through.
    pub fn captured() -> (Streams, Arc<Mutex<Captured>>) {
        let captured = Arc::new(Mutex::new(Captured::default()));
        (Streams(Some(captured.clone())), captured)
    }

    /// Whether the process's stdout and stderr are terminals (captured ones never are).
    pub fn terminals(&self) -> (bool, bool) {
        match self.0 {
            None => (io::stdout().is_terminal(), io::stderr().is_terminal()),
            Some(_) => (false, false),
        }
    }

    /// Stdout, locked and block-buffered. Rust's stdout is line-buffered even into a pipe or a
    /// file, which costs a write(2) per line: 160,000 of them for 10,000 keys of pretty JSON.
    /// Callers flush before returning, so nothing waits in the buffer behind a line on stderr.
    pub fn stdout(&self) -> Sink {
        match &self.0 {
            None => Sink::Stdout(io::BufWriter::with_capacity(64 * 1024, io::stdout().lock())),
            Some(captured) => Sink::Captured {
                captured: captured.clone(),
                stdout: true,
            },
        }
    }

    /// Stderr, locked, unbuffered.
    pub fn stderr(&self) -> Sink {
        match &self.0 {
            None => Sink::Stderr(io::stderr().lock()),
            Some(captured) => Sink::Captured {
                captured: captured.clone(),
                stdout: false,
            },
        }
    }
}

/// One of the streams, to write to.
pub enum Sink {
    Stdout(io::BufWriter<io::StdoutLock<'static>>),
    Stderr(io::StderrLock<'static>),
    Captured {
        captured: Arc<Mutex<Captured>>,
        stdout: bool,
    },
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(out) => out.write(buf),
            Sink::Stderr(err) => err.write(buf),
            Sink::Captured { captured, stdout } => {
                let mut captured = captured.lock().unwrap_or_else(|e| e.into_inner());
                if *stdout {
                    captured.stdout.extend_from_slice(buf);
                } else {
                    captured.stderr.extend_from_slice(buf);
                }
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(out) => out.flush(),
            Sink::Stderr(err) => err.flush(),
            Sink::Captured { .. } => Ok(()),
        }
    }
}
