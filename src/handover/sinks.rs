//! The sinks a secret is written to: the OS keychain, a 0600 file, a program's stdin
//! ([`super::exec`]), and stdout, which takes a [`Payload`] rendered by the command (the secret
//! alone, a tab-separated line, a JSON object) and written here, last, once every other
//! destination holds the secret. The hand-over reaches them through [`Sinks`], so its tests can
//! stand in for the operating system.

use std::io;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::destination::{Destination, KeyIdent};
use super::{exec, file};
use crate::output::Output;
use crate::secrets::keychain::{self, KEYS_SERVICE, Keychain};
use crate::secrets::reveal;

/// Why a destination did not take a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SinkError {
    pub why: String,
    /// What an `exec:` command printed (shown only because it failed); empty otherwise.
    pub output: String,
}

impl From<String> for SinkError {
    fn from(why: String) -> Self {
        SinkError {
            why,
            output: String::new(),
        }
    }
}

/// Every destination but stdout, and stdout's bytes.
pub(crate) trait Sinks: Clone + Send + Sync + 'static {
    /// Writes the secret of `key` to `dest` and checks it arrived: read back, or the program
    /// exited 0 having read it all. `stop` is set when a signal asks the delivery to end.
    fn deliver(
        &self,
        dest: &Destination,
        key: &KeyIdent,
        secret: &SecretString,
        stop: &AtomicBool,
    ) -> Result<(), SinkError>;

    /// Writes `bytes` to stdout (through `out`) and flushes.
    fn print(&self, out: &Output, bytes: &[u8]) -> io::Result<()>;
}

/// The real destinations.
#[derive(Debug, Clone, Copy)]
pub struct OsSinks {
    pub keychain: Keychain,
    /// How long an `exec:` command may take before it is stopped and counted as failed.
    pub exec_timeout: Duration,
}

impl Sinks for OsSinks {
    fn deliver(
        &self,
        dest: &Destination,
        key: &KeyIdent,
        secret: &SecretString,
        stop: &AtomicBool,
    ) -> Result<(), SinkError> {
        if keychain::test_fails_delivery(dest.kind()) {
            return Err("failed on purpose (test hook)".to_string().into());
        }
        match dest {
            Destination::Stdout => Ok(()),
            Destination::Keychain { account } => Ok(to_keychain(self.keychain, account, secret)?),
            Destination::File { path } => Ok(file::deliver(path, secret)?),
            Destination::Exec { argv } => exec::deliver(
                argv,
                &key.name,
                key.owner.as_deref(),
                secret,
                self.exec_timeout,
                stop,
            )
            .map_err(|failed| SinkError {
                why: failed.why,
                output: failed.output,
            }),
        }
    }

    fn print(&self, out: &Output, bytes: &[u8]) -> io::Result<()> {
        out.bytes(bytes)
    }
}

/// Stores the secret in the keychain entry and reads it back.
fn to_keychain(keychain: Keychain, account: &str, secret: &SecretString) -> Result<(), String> {
    keychain
        .set(KEYS_SERVICE, account, secret)
        .map_err(|e| e.to_string())?;
    let back = keychain
        .get(KEYS_SERVICE, account)
        .map_err(|e| format!("stored, but reading it back failed: {e}"))?;
    if back.expose_secret() != secret.expose_secret() {
        return Err("stored, but the entry read back differs".into());
    }
    Ok(())
}

/// A line on stderr that goes with a secret printed on stdout (the receipt, the one-time
/// warning): said only when the secret is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Said {
    Note(String),
    Warning(String),
}

/// What the stdout destination shows: rendered by the command from the new key and its
/// secret, written by the hand-over after every other destination has the secret. The bytes
/// are wiped when dropped.
#[derive(Default)]
pub(crate) struct Payload {
    /// Said on stderr before the secret.
    pub before: Vec<Said>,
    /// Written to stdout and flushed.
    pub bytes: Zeroizing<Vec<u8>>,
    /// Said on stderr after it.
    pub after: Vec<Said>,
}

impl Payload {
    /// Bytes alone (a line, a JSON object), nothing said around them.
    pub(crate) fn bytes(bytes: Vec<u8>) -> Payload {
        Payload {
            bytes: Zeroizing::new(bytes),
            ..Payload::default()
        }
    }

    /// One line of text and its newline.
    pub(crate) fn line(text: &str) -> Payload {
        let mut bytes = Vec::with_capacity(text.len() + 1);
        bytes.extend_from_slice(text.as_bytes());
        bytes.push(b'\n');
        Payload::bytes(bytes)
    }

    /// `keys create`'s stdout destination in text form: the secret alone on stdout with the
    /// warnings that fit where stdout goes. `receipt` is the "Created key …" line. The offer to
    /// erase it from a terminal comes after delivery (`reveal::offer_to_erase`).
    pub(crate) fn revealed(out: &Output, secret: &SecretString, receipt: &str) -> Payload {
        let mut payload = Payload::line(secret.expose_secret());
        if out.stdout_tty() {
            payload.before = vec![
                Said::Note(receipt.to_string()),
                Said::Warning(reveal::WARNING_LINES.join(" ")),
            ];
        } else if !out.quiet {
            payload.after = vec![Said::Warning(reveal::one_line_warning(receipt))];
        }
        payload
    }

    /// Says `before`, writes the bytes through `sinks`, then says `after`.
    pub(crate) fn write(&self, out: &Output, sinks: &impl Sinks) -> io::Result<()> {
        for said in &self.before {
            say(out, said);
        }
        sinks.print(out, &self.bytes)?;
        for said in &self.after {
            say(out, said);
        }
        Ok(())
    }
}

fn say(out: &Output, said: &Said) {
    match said {
        Said::Note(text) => out.note(text),
        Said::Warning(text) => out.warn(text),
    }
}
