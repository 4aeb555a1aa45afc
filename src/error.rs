//! The exit-code table and [`CommandError`], the one error type a command returns: its exit code
//! is set where the failure is known, never guessed back from a chain of wrapped errors. Exit
//! codes are a contract with scripts: never renumber one.

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
    ChangesPending = 11,
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
            "keys audit found keys that are old, expiring, expired, orphaned, or fail its rules",
        ),
        (
            Exit::ChangesPending,
            "plan: the tenant differs from the manifest (apply would change something)",
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

/// A failure on its way to the user, with its exit code decided where the failure was known
/// (jj's `CommandError`), so no code guesses an exit code back from a message or a wrapped
/// error. A failure that says everything itself becomes one through a `From` impl
/// ([`ApiError`], [`io::Error`], below; `private_file::DirError` in its module). The
/// hand-over's `Failure` and the rotation's `Failed` become one through their `into_error`
/// methods instead, because their message needs what only the caller knows (the step that
/// failed; the old key and its successor); the exit code is still theirs (`exit()`), never
/// the caller's. Printed by [`crate::output`] as `error: {message}`, a `caused by:` line per
/// cause, then the hints.
#[derive(Debug, Clone)]
pub struct CommandError {
    pub exit: Exit,
    pub message: String,
    pub hints: Vec<String>,
    /// What the message rests on, outermost first (the `caused by:` lines).
    pub causes: Vec<String>,
    /// The API's own error, when the failure was an API call's: the boundary explains a 401 or
    /// 403 from it ([`crate::explain`]).
    pub source: Option<Box<ApiError>>,
    /// A closed stdout (`| head -1`): not worth a message, and exit 0.
    pub silent: bool,
}

impl CommandError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CommandError {
            exit,
            message: message.into(),
            hints: Vec::new(),
            causes: Vec::new(),
            source: None,
            silent: false,
        }
    }

    /// Invalid input found before any request was sent (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    /// A failure with no code of its own (exit 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(Exit::Failure, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Says what was being done: `message` becomes the error, this one its first cause. The
    /// exit code stays the failure's own.
    pub fn context(mut self, message: impl Into<String>) -> Self {
        let inner = std::mem::replace(&mut self.message, message.into());
        self.causes.insert(0, inner);
        self
    }

    /// The message and its causes, outermost first.
    pub fn messages(&self) -> Vec<String> {
        let mut all = Vec::with_capacity(1 + self.causes.len());
        all.push(self.message.clone());
        all.extend(self.causes.iter().cloned());
        all
    }

    /// The message and its causes on one line: "a: b: c".
    pub fn one_line(&self) -> String {
        self.messages().join(": ")
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if f.alternate() {
            for cause in &self.causes {
                write!(f, ": {cause}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for CommandError {}

impl From<ApiError> for CommandError {
    fn from(api: ApiError) -> Self {
        let mut err = CommandError::new(api_exit(&api), api.to_string());
        err.hints = api.hints.clone();
        err.source = Some(Box::new(api));
        err
    }
}

impl From<io::Error> for CommandError {
    fn from(io: io::Error) -> Self {
        let mut err = CommandError::failure(io.to_string());
        if io.kind() == io::ErrorKind::BrokenPipe {
            err.exit = Exit::Ok;
            err.silent = true;
        }
        err
    }
}

impl From<serde_json::Error> for CommandError {
    fn from(e: serde_json::Error) -> Self {
        if e.io_error_kind() == Some(io::ErrorKind::BrokenPipe) {
            return io::Error::from(io::ErrorKind::BrokenPipe).into();
        }
        CommandError::failure(e.to_string())
    }
}

impl From<dialoguer::Error> for CommandError {
    fn from(e: dialoguer::Error) -> Self {
        match e {
            dialoguer::Error::IO(io) => io.into(),
        }
    }
}

impl From<toml::ser::Error> for CommandError {
    fn from(e: toml::ser::Error) -> Self {
        CommandError::failure(e.to_string())
    }
}

impl From<reqwest::Error> for CommandError {
    fn from(e: reqwest::Error) -> Self {
        CommandError::failure(e.to_string())
    }
}

/// `.context("…")` on any result whose error becomes a [`CommandError`]: what was being done,
/// with the failure's own exit code.
pub(crate) trait ErrorContext<T> {
    fn context(self, message: impl Into<String>) -> Result<T, CommandError>;
    fn with_context<M: Into<String>>(self, message: impl FnOnce() -> M) -> Result<T, CommandError>;
}

impl<T, E: Into<CommandError>> ErrorContext<T> for Result<T, E> {
    fn context(self, message: impl Into<String>) -> Result<T, CommandError> {
        self.map_err(|e| e.into().context(message))
    }

    fn with_context<M: Into<String>>(self, message: impl FnOnce() -> M) -> Result<T, CommandError> {
        self.map_err(|e| e.into().context(message()))
    }
}

impl<T> ErrorContext<T> for Option<T> {
    fn context(self, message: impl Into<String>) -> Result<T, CommandError> {
        self.ok_or_else(|| CommandError::failure(message))
    }

    fn with_context<M: Into<String>>(self, message: impl FnOnce() -> M) -> Result<T, CommandError> {
        self.ok_or_else(|| CommandError::failure(message()))
    }
}

/// What a command returns: its exit code, or the failure that decides it.
pub(crate) type CommandResult<T = Exit> = Result<T, CommandError>;

/// The exit code for an API failure, by HTTP status first (the status is the source of truth).
pub(crate) fn api_exit(err: &ApiError) -> Exit {
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
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 129, 130, 143]);
    }

    #[test]
    fn context_keeps_the_exit_code_and_the_hints() {
        let err: Result<(), _> = Err(CommandError::usage("bad").hint("pass --name"));
        let err = err.context("creating key").unwrap_err();
        assert_eq!(err.exit, Exit::Usage);
        assert_eq!(err.messages(), ["creating key", "bad"]);
        assert_eq!(err.hints, ["pass --name"]);
    }

    #[test]
    fn broken_pipe_is_silent_success() {
        let err: Result<(), io::Error> = Err(io::Error::from(io::ErrorKind::BrokenPipe));
        let err = err.context("writing").unwrap_err();
        assert_eq!(err.exit, Exit::Ok);
        assert!(err.silent);
    }
}
