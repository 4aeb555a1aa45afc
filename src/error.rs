//! The exit-code table and the one place that turns any error into an exit code, a message and
//! hints. Exit codes are a contract with scripts: never renumber one.

use std::fmt;
use std::io;

use crate::api::{ApiError, ApiErrorKind};

/// The documented exit codes. `help exit-codes`, the man page and README.md print this table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Failure = 1,
    Usage = 2,
    Unauthenticated = 3,
    NotFound = 4,
    Unavailable = 5,
    PermissionDenied = 6,
    Conflict = 7,
    PartialFailure = 8,
    NotDelivered = 9,
    AuditFound = 10,
    HungUp = 129,
    Interrupted = 130,
    Terminated = 143,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Every code with its meaning, in order.
    pub const TABLE: &[(Exit, &'static str)] = &[
        (Exit::Ok, "ok"),
        (Exit::Failure, "failure"),
        (Exit::Usage, "usage or invalid input (nothing was sent)"),
        (
            Exit::Unauthenticated,
            "unauthenticated (401): the key is wrong, revoked or expired",
        ),
        (Exit::NotFound, "not found"),
        (
            Exit::Unavailable,
            "rate limited or server unavailable after retries",
        ),
        (Exit::PermissionDenied, "permission denied (403)"),
        (
            Exit::Conflict,
            "conflict or precondition (e.g. the account still has keys)",
        ),
        (
            Exit::PartialFailure,
            "partial failure in a batch (some items failed)",
        ),
        (
            Exit::NotDelivered,
            "key created, secret not delivered (in the recovery file named, or the key was revoked)",
        ),
        (
            Exit::AuditFound,
            "keys audit found keys that are old, expiring, expired or orphaned, or that fail its rules (no_expiry, privileged)",
        ),
        (Exit::HungUp, "hung up (SIGHUP): stopped as for Ctrl-C"),
        (Exit::Interrupted, "interrupted (Ctrl-C)"),
        (
            Exit::Terminated,
            "terminated (SIGTERM): stopped as for Ctrl-C",
        ),
    ];

    /// The table as aligned text, for `--help` and `help exit-codes`.
    pub fn table_text() -> String {
        let mut s = String::new();
        for (exit, meaning) in Self::TABLE {
            s.push_str(&format!("  {:>3}  {meaning}\n", exit.code()));
        }
        s
    }
}

/// An error the user can act on: an exit code, a message and hints. Commands return it (inside
/// `anyhow::Error`) when they know the exact code; everything else is classified by [`classify`].
#[derive(Debug)]
pub struct UserError {
    pub exit: Exit,
    pub message: String,
    pub hints: Vec<String>,
}

impl UserError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        UserError {
            exit,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    /// Invalid input found before any request was sent (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// A classified error, ready to print.
#[derive(Debug)]
pub struct Report {
    pub exit: Exit,
    /// `error: …` then `caused by: …` lines, outermost first.
    pub messages: Vec<String>,
    pub hints: Vec<String>,
    /// A closed stdout (`| head -1`) is not an error worth a message.
    pub silent: bool,
}

/// Walks the error chain and picks the exit code and hints from the first error that knows them.
pub fn classify(err: &anyhow::Error) -> Report {
    let messages: Vec<String> = err.chain().map(|e| e.to_string()).collect();
    let mut report = Report {
        exit: Exit::Failure,
        messages,
        hints: Vec::new(),
        silent: false,
    };
    for cause in err.chain() {
        // An io::Error may carry a UserError (a refusal from `private_file`), which its
        // `source()` does not expose.
        let carried = cause
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<UserError>());
        if let Some(user) = cause.downcast_ref::<UserError>().or(carried) {
            report.exit = user.exit;
            report.hints.extend(user.hints.iter().cloned());
            return report;
        }
        if let Some(api) = cause.downcast_ref::<ApiError>() {
            report.exit = api_exit(api);
            report.hints.extend(api.hints.iter().cloned());
            return report;
        }
        if let Some(io) = cause.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::BrokenPipe
        {
            report.exit = Exit::Ok;
            report.silent = true;
            return report;
        }
    }
    report
}

/// Whether `err` is, at bottom, a write to a closed pipe (`| head -1` stopped reading).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The exit code for an API failure, by HTTP status first (the status is the source of truth).
pub fn api_exit(err: &ApiError) -> Exit {
    match err.kind.as_ref() {
        ApiErrorKind::Status { status, .. } => match *status {
            401 => Exit::Unauthenticated,
            403 => Exit::PermissionDenied,
            404 => Exit::NotFound,
            409 => Exit::Conflict,
            429 | 502 | 503 | 504 => Exit::Unavailable,
            _ => Exit::Failure,
        },
        ApiErrorKind::Unreachable { .. } | ApiErrorKind::Timeout { .. } => Exit::Unavailable,
        _ => Exit::Failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_documented_numbers() {
        let codes: Vec<u8> = Exit::TABLE.iter().map(|(e, _)| e.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 129, 130, 143]);
    }

    #[test]
    fn user_error_wins_over_outer_context() {
        let err =
            anyhow::Error::new(UserError::usage("bad").hint("pass --name")).context("creating key");
        let report = classify(&err);
        assert_eq!(report.exit, Exit::Usage);
        assert_eq!(report.messages, ["creating key", "bad"]);
        assert_eq!(report.hints, ["pass --name"]);
    }

    #[test]
    fn broken_pipe_is_silent_success() {
        let err = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing");
        let report = classify(&err);
        assert_eq!(report.exit, Exit::Ok);
        assert!(report.silent);
    }
}
