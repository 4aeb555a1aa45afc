//! The `exec:COMMAND` destination: the secret goes to the command's stdin, never its argv or
//! environment. The command is split into words like a shell would, and run without a shell.
//! It counts as delivered only when it exits 0 *and* read the whole secret: a program that
//! exits without reading its stdin did not receive it. Its output (stdout and stderr) is kept,
//! not shown: a cron run that succeeds stays quiet, and a failed delivery shows it (scrubbed of
//! secrets like any text we print). The command is someone else's program: it gets the key's
//! name and owner, and none of the variables we read our own credential and settings from
//! ([`crate::env::is_ours`]); the rest of the environment (PATH, HOME, the D-Bus address…)
//! stays, so `gh`, `vault` or `kubectl` work as they do in a shell.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use wait_timeout::ChildExt;

/// Splits a command line into words as a POSIX shell would (quotes, backslashes), without
/// running a shell.
pub(crate) fn split_words(line: &str) -> Result<Vec<String>, String> {
    shlex::split(line)
        .ok_or_else(|| "the command has an unterminated quote or a lone backslash".to_string())
}

/// Finds the program: a path as given, or the first match on PATH.
pub(crate) fn find_program(program: &str) -> Option<PathBuf> {
    which::which(program).ok()
}

/// The command exists and is executable.
pub(crate) fn preflight(words: &[String]) -> Result<(), String> {
    let program = &words[0];
    match find_program(program) {
        Some(_) => Ok(()),
        None => Err(format!("the command '{program}' was not found on PATH")),
    }
}

/// The variable that tells an `exec:` command which key the secret on its stdin belongs to, so
/// one command can serve every key of `keys rotate --due`.
pub(crate) const KEY_NAME_VAR: &str = "FLEXPRICE_KEY_NAME";

/// The variable with the ID of the key's owner (a service account or a user), when known.
pub(crate) const KEY_OWNER_VAR: &str = "FLEXPRICE_KEY_OWNER";

/// How much of a command's output is kept to show when it fails.
const OUTPUT_KEPT: usize = 8 * 1024;

/// How long a failed command's output is waited for once its process group is gone (a
/// process that left the group may hold the pipe open: it is not waited for).
const OUTPUT_WAIT: Duration = Duration::from_secs(1);

/// How often a running command is checked for a stop request.
const STOP_CHECK: Duration = Duration::from_millis(50);

/// A delivery that failed: why, and what the command printed (when it ran).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failed {
    pub why: String,
    /// The command's stdout and stderr, interleaved, at most `OUTPUT_KEPT` bytes.
    pub output: String,
}

impl Failed {
    fn before_start(why: String) -> Failed {
        Failed {
            why,
            output: String::new(),
        }
    }
}

/// Runs the command with the secret on its stdin (and the key's name in `FLEXPRICE_KEY_NAME`,
/// its owner's ID in `FLEXPRICE_KEY_OWNER`); it must read all of it and exit 0 within
/// `timeout`. On `stop` (a signal) or the timeout it is stopped with everything it started.
pub(crate) fn deliver(
    words: &[String],
    key_name: &str,
    key_owner: Option<&str>,
    secret: &SecretString,
    timeout: Duration,
    stop: &AtomicBool,
) -> Result<(), Failed> {
    let program = find_program(&words[0]).ok_or_else(|| {
        Failed::before_start(format!("the command '{}' is no longer on PATH", words[0]))
    })?;
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
    // (Unix only: see `platform`.)
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    if stop.load(Ordering::SeqCst) {
        return Err(Failed::before_start(
            "not started: a signal arrived (SIGINT, SIGTERM or SIGHUP)".into(),
        ));
    }
    let started = start(&mut command, &words[0])?;
    // The parent's copies of the child's ends of the pipes go with the command: the output pipe
    // must close when the child's side does.
    drop(command);
    let Started {
        mut child,
        stdin,
        unread_probe,
        output,
    } = started;
    let wrote = write_secret(stdin, secret);
    let outcome = match wrote {
        Err(why) => Err(why),
        Ok(()) => wait(&mut child, timeout, stop),
    };
    let outcome = outcome.and_then(|()| all_read(&unread_probe, secret));
    match outcome {
        Ok(()) => Ok(()),
        Err(why) => {
            // Nothing it started may run on and write a secret after we have reported: the
            // whole group goes, and we report once the command is gone.
            stop_group(&mut child);
            let _ = child.wait();
            Err(Failed {
                why: format!("'{}' {why}", words[0]),
                output: output.recv_timeout(OUTPUT_WAIT).unwrap_or_default(),
            })
        }
    }
}

/// A running command and our ends of its pipes.
struct Started {
    child: Child,
    stdin: std::io::PipeWriter,
    /// A read end of the stdin pipe of our own: what the command leaves unread stays in the
    /// pipe (no write fails), and is counted there once it has exited.
    unread_probe: std::io::PipeReader,
    /// The command's output, once its pipe closes.
    output: mpsc::Receiver<String>,
}

fn start(command: &mut Command, program: &str) -> Result<Started, Failed> {
    let pipes = || -> std::io::Result<_> {
        let (stdin_read, stdin_write) = std::io::pipe()?;
        let unread_probe = stdin_read.try_clone()?;
        let (output_read, output_write) = std::io::pipe()?;
        let stderr_write = output_write.try_clone()?;
        Ok((
            stdin_read,
            stdin_write,
            unread_probe,
            output_read,
            output_write,
            stderr_write,
        ))
    };
    let (stdin_read, stdin, unread_probe, output_read, output_write, stderr_write) =
        pipes().map_err(|e| Failed::before_start(format!("cannot start '{program}': {e}")))?;
    let child = command
        .stdin(stdin_read)
        .stdout(output_write)
        .stderr(stderr_write)
        .spawn()
        .map_err(|e| Failed::before_start(format!("cannot start '{program}': {e}")))?;
    let (sender, output) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(read_output(output_read));
    });
    Ok(Started {
        child,
        stdin,
        unread_probe,
        output,
    })
}

/// Reads the command's output to its end, keeping the first [`OUTPUT_KEPT`] bytes, scrubbed of
/// every registered secret: a command that echoes its stdin has the secret in its output, and
/// that output ends up in an error message, which `-o json` puts on stdout unscrubbed.
fn read_output(mut pipe: std::io::PipeReader) -> String {
    let mut kept = Vec::new();
    let mut cut = false;
    let mut chunk = [0u8; 4096];
    loop {
        match pipe.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = OUTPUT_KEPT.saturating_sub(kept.len());
                cut |= n > room;
                kept.extend_from_slice(&chunk[..n.min(room)]);
            }
        }
    }
    if cut {
        cut_off_partial_line(&mut kept);
    }
    crate::redact::scrub_owned(String::from_utf8_lossy(&kept).into_owned())
}

/// Output cut at [`OUTPUT_KEPT`] bytes loses its last, partial line: a secret the command
/// echoed may straddle the cut, and its head alone would not be recognized and scrubbed.
fn cut_off_partial_line(kept: &mut Vec<u8>) {
    let whole = kept
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1);
    kept.truncate(whole);
    kept.extend_from_slice(b"[output cut]\n");
}

/// The secret into the command's stdin, which is then closed (the command sees its end).
fn write_secret(mut stdin: std::io::PipeWriter, secret: &SecretString) -> Result<(), String> {
    stdin
        .write_all(secret.expose_secret().as_bytes())
        .and_then(|()| stdin.flush())
        .map_err(|e| format!("could not be given the secret on its stdin ({e})"))
}

/// Waits for the command to exit 0. A command that never ends must not hang a cron job, and a
/// signal must not wait for it: at the timeout or on `stop`, it counts as failed. Waited for in
/// short slices, so `stop` is seen while the command is still ours to kill (not yet reaped).
fn wait(child: &mut Child, timeout: Duration, stop: &AtomicBool) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match child.wait_timeout(left.min(STOP_CHECK)) {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("exited with {status}")),
            Ok(None) if stop.load(Ordering::SeqCst) => {
                return Err("was stopped: a signal arrived (SIGINT, SIGTERM or SIGHUP)".into());
            }
            Ok(None) if left.is_zero() => {
                return Err(format!(
                    "did not finish within {:.1}s (--timeout) and was stopped",
                    timeout.as_secs_f64()
                ));
            }
            Ok(None) => {}
            Err(e) => return Err(format!("could not be waited for ({e}) and was stopped")),
        }
    }
}

/// A command that exited 0 but left part of the secret in its stdin did not receive it.
#[cfg(unix)]
fn all_read(unread_probe: &std::io::PipeReader, secret: &SecretString) -> Result<(), String> {
    match rustix::io::ioctl_fionread(unread_probe) {
        Ok(0) => Ok(()),
        Ok(left) => Err(format!(
            "exited 0 without reading the secret on its stdin ({left} of {} bytes left unread): it did not \
             receive it",
            secret.expose_secret().len()
        )),
        Err(e) => Err(format!(
            "exited 0, but whether it read the secret cannot be told ({e})"
        )),
    }
}

/// Windows pipes have no count of unread bytes: there, a command that exits 0 counts as having
/// read its stdin (a compile-time decision; every Unix checks).
#[cfg(not(unix))]
fn all_read(_: &std::io::PipeReader, _: &SecretString) -> Result<(), String> {
    Ok(())
}

/// Kills the command's process group (the command and everything it started), then the
/// command itself where groups do not exist. Only for a command not yet reaped.
fn stop_group(child: &mut Child) {
    #[cfg(unix)]
    if let Some(group) = i32::try_from(child.id())
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        // The group our child leads (`process_group(0)` above); the child has not been reaped,
        // so its PID (the group's ID) cannot have been reused.
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> Result<(), Failed> {
        let words = split_words(line).unwrap();
        deliver(
            &words,
            "ci",
            Some("user_1"),
            &SecretString::from("sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q"),
            Duration::from_secs(10),
            &AtomicBool::new(false),
        )
    }

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

    #[test]
    fn a_command_that_reads_the_secret_and_exits_0_took_it() {
        assert_eq!(run("sh -c 'cat > /dev/null'"), Ok(()));
    }

    #[test]
    fn a_command_that_exits_0_without_reading_did_not_take_it() {
        let failed = run("true").unwrap_err();
        assert!(
            failed.why.contains("29 of 29 bytes left unread"),
            "{failed:?}"
        );
        let failed = run("sh -c 'head -c 5 > /dev/null'").unwrap_err();
        assert!(failed.why.contains("24 of 29 bytes"), "{failed:?}");
    }

    fn run_within(line: &str, timeout: Duration) -> (Result<(), Failed>, Duration) {
        let words = split_words(line).unwrap();
        let started = Instant::now();
        let outcome = deliver(
            &words,
            "ci",
            Some("user_1"),
            &SecretString::from("sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q"),
            timeout,
            &AtomicBool::new(false),
        );
        (outcome, started.elapsed())
    }

    /// Commands that misbehave around their pipes: each ends in bounded time with the right
    /// outcome, and none hangs the delivery.
    #[test]
    fn commands_that_misbehave_around_their_pipes_end_in_bounded_time() {
        let long = Duration::from_secs(20);
        // Reads it all, leaves a child holding the output pipe, exits 0: delivered, at once.
        let (outcome, took) = run_within("sh -c 'cat >/dev/null; sleep 3 & exit 0'", long);
        assert_eq!(outcome, Ok(()));
        assert!(took < Duration::from_secs(10), "{took:?}");
        // The same, exiting 1, its child out of its process group: failed, reported once the
        // output wait ends.
        let (outcome, took) = run_within("sh -c 'cat >/dev/null; setsid sleep 3 & exit 1'", long);
        assert!(outcome.unwrap_err().why.contains("exit status: 1"));
        assert!(took < Duration::from_secs(10), "{took:?}");
        // Closes its stdin without reading: not received.
        let (outcome, _) = run_within("sh -c 'exec 0<&-; exit 0'", long);
        assert!(outcome.unwrap_err().why.contains("left unread"));
        // Reads every byte, then exits 1: a failure however much it read.
        let (outcome, _) = run_within("sh -c 'cat >/dev/null; exit 1'", long);
        assert!(outcome.unwrap_err().why.contains("exit status: 1"));
        // Never ends: stopped at the timeout.
        let (outcome, took) = run_within(
            "sh -c 'cat >/dev/null; sleep 30'",
            Duration::from_millis(300),
        );
        assert!(outcome.unwrap_err().why.contains("did not finish within"));
        assert!(took < Duration::from_secs(10), "{took:?}");
    }

    #[test]
    fn output_cut_at_the_limit_ends_at_its_last_whole_line() {
        let mut kept = b"first line\nsk_01K3ZQ9W5G2H7N".to_vec();
        cut_off_partial_line(&mut kept);
        assert_eq!(kept, b"first line\n[output cut]\n");
        let mut one_line = b"xxxxsk_01K3ZQ9W5G2H7N".to_vec();
        cut_off_partial_line(&mut one_line);
        assert_eq!(one_line, b"[output cut]\n");
    }

    #[test]
    fn a_failed_command_shows_what_it_said_and_a_good_one_says_nothing() {
        let failed = run("sh -c 'cat >/dev/null; echo vault: denied >&2; exit 3'").unwrap_err();
        assert!(failed.why.contains("exit status: 3"), "{failed:?}");
        assert_eq!(failed.output, "vault: denied\n");
        assert_eq!(
            run("sh -c 'cat >/dev/null; echo Success! Data written'"),
            Ok(())
        );
    }
}
