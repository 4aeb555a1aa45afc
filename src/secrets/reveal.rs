//! Showing a one-time secret (the `stdout` destination) and registering it for CI log masking.
//!
//! - On a terminal: the receipt and a warning on stderr, the secret alone on stdout, then on an
//!   interactive terminal an offer to erase it from the screen after Enter.
//! - Piped: the secret and a newline on stdout, one warning line on stderr unless `--quiet`.
//! - GitHub Actions: `::add-mask::` is emitted before the secret can appear anywhere.

use std::io;

use secrecy::{ExposeSecret, SecretString};

use crate::env;
use crate::interrupt::{Scope, Signal};
use crate::output::Output;

pub(crate) const WARNING_LINES: &[&str] = &[
    "this is the only time the secret is shown: copy it now into a secret manager.",
    "It cannot be retrieved later; a lost key must be rotated.",
];

/// The receipt and the warning on one line, for piped output.
pub(crate) fn one_line_warning(receipt: &str) -> String {
    format!(
        "{receipt} This is the only time the secret is shown: copy it now into a secret manager; it cannot be retrieved later, and a lost key must be rotated."
    )
}

/// Registers the secret for masking when running in GitHub Actions.
///
/// The runner reads workflow commands from every line a step prints, on stdout and on stderr
/// alike (both streams go through the same command processor). We write the command to stderr:
/// a captured stdout (`KEY=$(flexprice-admin keys create ...)`) then holds exactly the secret,
/// and the runner still sees the command before any later line can contain the secret. It is
/// written and flushed before the secret goes anywhere (stdout, or a command run by exec:,
/// whose output could echo it).
pub(crate) fn mask_in_ci(out: &Output, secret: &SecretString) -> io::Result<()> {
    if env::var(env::GITHUB_ACTIONS).as_deref() != Some("true") {
        return Ok(());
    }
    out.ci_command(&format!("::add-mask::{}", secret.expose_secret()))
}

/// Whether [`offer_to_erase`] applies: the secret was shown on an interactive terminal.
pub(crate) fn can_erase(out: &Output) -> bool {
    out.stdout_tty() && out.interactive && out.stderr_tty()
}

/// Waits for Enter, then erases the secret line and the prompt line. Both streams are the same
/// terminal here, so the screen holds: the secret (stdout), the prompt (stderr), and the cursor
/// on the line after the prompt once Enter is echoed. Ctrl-C (or another signal) at the prompt
/// stops waiting and leaves the screen as it is: `Err(signal)`.
pub(crate) async fn offer_to_erase(out: &Output, scope: &Scope) -> Result<(), Signal> {
    match out
        .wait_for_enter("Press Enter to erase the secret from the screen: ", scope)
        .await?
    {
        // EOF (Ctrl-D): leave the screen as it is, on a fresh line.
        false => out.end_stderr_line(),
        true => {
            if out.erase_lines_above(2).is_ok() {
                out.note(
                    "Erased the secret from the screen (the terminal's scrollback may still hold it).",
                );
            }
        }
    }
    Ok(())
}
