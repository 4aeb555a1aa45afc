//! Showing a one-time secret (the `stdout` destination) and registering it for CI log masking.
//!
//! - On a terminal: the receipt and a warning on stderr, the secret alone on stdout, then on an
//!   interactive terminal an offer to erase it from the screen after Enter.
//! - Piped: the secret and a newline on stdout, one warning line on stderr unless `--quiet`.
//! - GitHub Actions: `::add-mask::` is emitted before the secret can appear anywhere.

use std::io::{self, BufRead, IsTerminal, Write};

use secrecy::{ExposeSecret, SecretString};

use crate::context::Context;
use crate::env;

pub const WARNING_LINES: &[&str] = &[
    "this is the only time the secret is shown: copy it now into a secret manager.",
    "It cannot be retrieved later; a lost key must be rotated.",
];

/// The receipt and the warning on one line, for piped output.
pub fn one_line_warning(receipt: &str) -> String {
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
pub fn mask_in_ci(secret: &SecretString) -> io::Result<()> {
    if env::var(env::GITHUB_ACTIONS).as_deref() != Some("true") {
        return Ok(());
    }
    let mut err = io::stderr().lock();
    writeln!(err, "::add-mask::{}", secret.expose_secret())?;
    err.flush()
}

/// Prints the secret on stdout with the warnings that fit where stdout goes. `receipt` is the
/// "Created key …" line.
pub fn show(ctx: &Context, secret: &SecretString, receipt: &str) -> anyhow::Result<()> {
    if ctx.out.stdout_tty() {
        ctx.out.note(receipt);
        ctx.out.warn(WARNING_LINES.join(" "));
        {
            let mut out = io::stdout().lock();
            writeln!(out, "{}", secret.expose_secret())?;
            out.flush()?;
        }
        if ctx.interactive && io::stderr().is_terminal() {
            offer_to_erase(ctx)?;
        }
        return Ok(());
    }
    {
        let mut out = io::stdout().lock();
        writeln!(out, "{}", secret.expose_secret())?;
        out.flush()?;
    }
    if !ctx.out.quiet {
        ctx.out.warn(one_line_warning(receipt));
    }
    Ok(())
}

/// Waits for Enter, then erases the secret line and the prompt line. Both streams are the same
/// terminal here, so the screen holds: the secret (stdout), the prompt (stderr), and the cursor
/// on the line after the prompt once Enter is echoed.
fn offer_to_erase(ctx: &Context) -> anyhow::Result<()> {
    {
        let mut err = io::stderr().lock();
        write!(err, "Press Enter to erase the secret from the screen: ")?;
        err.flush()?;
    }
    let mut line = String::new();
    if io::stdin().lock().read_line(&mut line)? == 0 {
        // EOF (Ctrl-D): leave the screen as it is, on a fresh line.
        writeln!(io::stderr())?;
        return Ok(());
    }
    let mut out = io::stdout().lock();
    // Up one line and clear it (the prompt), twice (then the secret), back to column 0.
    write!(out, "\x1b[1A\x1b[2K\x1b[1A\x1b[2K\r")?;
    out.flush()?;
    drop(out);
    ctx.out
        .note("Erased the secret from the screen (the terminal's scrollback may still hold it).");
    Ok(())
}
