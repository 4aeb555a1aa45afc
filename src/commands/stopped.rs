//! How a command ends when a signal arrived while it finished what it had started.

use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};

/// A command's end when a signal (SIGINT, SIGTERM, SIGHUP) arrived while it finished what it
/// had started: the outcome is reported as it is, and the exit code is the signal's. `done`
/// says what was finished before stopping.
pub(crate) fn after_signal(
    ctx: &Context,
    signal: Option<crate::interrupt::Signal>,
    outcome: CommandResult<Exit>,
    done: &str,
) -> CommandResult<Exit> {
    let Some(signal) = signal else {
        return outcome;
    };
    if let Err(err) = &outcome {
        ctx.out.error_report(&err.messages(), &err.hints);
    }
    let what = if outcome.is_ok() {
        done
    } else {
        "the work in flight was finished, as reported above"
    };
    Err(CommandError::new(
        signal.exit(),
        format!("{}: stopped once {what}", signal.describe()),
    ))
}
