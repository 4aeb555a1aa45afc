//! The `exec:COMMAND` destination: the secret goes to the command's stdin, never its argv or
//! environment. The command is split into words like a shell would, and run without a shell.
//! Its stdout is sent to our stderr so a captured stdout stays clean. The command is someone
//! else's program: it gets the key's name and owner, and none of the variables we read our own
//! credential and settings from ([`crate::env::is_ours`]); the rest of the environment (PATH,
//! HOME, the D-Bus address…) stays, so `gh`, `vault` or `kubectl` work as they do in a shell.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use wait_timeout::ChildExt;

/// Splits a command line into words as a POSIX shell would (quotes, backslashes), without
/// running a shell.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    shlex::split(line)
        .ok_or_else(|| "the command has an unterminated quote or a lone backslash".to_string())
}

/// Finds the program: a path as given, or the first match on PATH.
pub fn find_program(program: &str) -> Option<PathBuf> {
    which::which(program).ok()
}

/// The command exists and is executable.
pub fn preflight(words: &[String]) -> Result<(), String> {
    let program = &words[0];
    match find_program(program) {
        Some(_) => Ok(()),
        None => Err(format!("the command '{program}' was not found on PATH")),
    }
}

/// The variable that tells an `exec:` command which key the secret on its stdin belongs to, so
/// one command can serve every key of `keys rotate --due`.
pub const KEY_NAME_VAR: &str = "FLEXPRICE_KEY_NAME";

/// The variable with the ID of the key's owner (a service account or a user), when known.
pub const KEY_OWNER_VAR: &str = "FLEXPRICE_KEY_OWNER";

/// Runs the command with the secret on its stdin (and the key's name in `FLEXPRICE_KEY_NAME`,
/// its owner's ID in `FLEXPRICE_KEY_OWNER`); it must exit 0.
pub fn deliver(
    words: &[String],
    key_name: &str,
    key_owner: Option<&str>,
    secret: &SecretString,
    timeout: Duration,
    stop: &AtomicBool,
) -> Result<(), String> {
    let program = find_program(&words[0])
        .ok_or_else(|| format!("the command '{}' is no longer on PATH", words[0]))?;
    let mut command = Command::new(program);
    command.args(&words[1..]);
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(crate::env::is_ours) {
            command.env_remove(&name);
        }
    }
    command.env(KEY_NAME_VAR, key_name);
    if let Some(owner) = key_owner {
        command.env(KEY_OWNER_VAR, owner);
    }
    // Its own process group: whatever it starts (`sh -c "vault …"`) can be stopped with it, and
    // a Ctrl-C on the terminal does not cut a delivery we are finishing.
    // (`platform::EXEC_STOPS_ITS_GROUP`: Unix only.)
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    if stop.load(Ordering::SeqCst) {
        return Err("not started: a signal arrived (SIGINT, SIGTERM or SIGHUP)".into());
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(std::io::stderr())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start '{}': {e}", words[0]))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that exits without reading gives a broken pipe; its exit status decides.
        let _ = stdin.write_all(secret.expose_secret().as_bytes());
    }
    // A command that never ends must not hang a cron job, and a signal must not wait for it:
    // at the timeout or on `stop`, it is killed and counted as failed. Waited for in short
    // slices, so `stop` is seen while the command is still ours to kill (not yet reaped).
    let deadline = Instant::now() + timeout;
    let why = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match child.wait_timeout(left.min(STOP_CHECK)) {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("'{}' exited with {status}", words[0])),
            Ok(None) if stop.load(Ordering::SeqCst) => {
                break "was stopped: a signal arrived (SIGINT, SIGTERM or SIGHUP)".to_string();
            }
            Ok(None) if left.is_zero() => {
                break format!(
                    "did not finish within {:.1}s (--timeout) and was stopped",
                    timeout.as_secs_f64()
                );
            }
            Ok(None) => {}
            Err(e) => break format!("could not be waited for ({e}) and was stopped"),
        }
    };
    // Nothing it started may run on and write a secret after we have reported: the whole
    // group goes, and we report once the command is gone.
    stop_group(&mut child);
    let _ = child.wait();
    Err(format!("'{}' {why}", words[0]))
}

/// How often a running command is checked for a stop request.
const STOP_CHECK: Duration = Duration::from_millis(50);

/// Kills the command's process group (the command and everything it started), then the
/// command itself where groups do not exist. Only for a command not yet reaped.
fn stop_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) on the process group our child leads (`process_group(0)` above); the
        // child has not been reaped, so its PID (the group's ID) cannot have been reused.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(
            split_words(r#"sh -c 'cat > "a b"' x\ y "q\"r""#).unwrap(),
            ["sh", "-c", "cat > \"a b\"", "x y", "q\"r"]
        );
        assert!(split_words("'open").is_err());
        assert!(split_words("trailing\\").is_err());
        assert_eq!(split_words("  ").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn programs_are_found_on_path() {
        assert!(find_program("sh").is_some());
        assert!(find_program("no-such-program-here").is_none());
    }
}
