//! Reading a credential from where a user keeps it (an environment variable, a key file, stdin,
//! the keychain) with an end, and the one check every credential passes before it is used: at
//! most [`MAX_BYTES`], a UTF-8 BOM and surrounding whitespace removed, and only characters an
//! HTTP header can carry. A bad credential exits 2 naming where it came from, before any
//! request (sent as is, it would fail as "no answer from the server").
//!
//! A key file must be a regular file (not `/dev/zero`, a FIFO or a directory), private to its
//! owner like `config.toml`: one readable by others is made 0600 with a warning when it is ours
//! and reached directly, and refused otherwise (a symbolic link's target is never changed).

use std::io::Read;
use std::path::Path;

use crate::error::{CommandError, CommandResult};
use secrecy::SecretString;
use zeroize::Zeroizing;

/// The most we read of a credential: far more than an API key (29 characters) or a login JWT
/// (a few hundred), and little enough that `/dev/zero` or a 100 MB file costs nothing.
pub(crate) const MAX_BYTES: usize = 4096;

/// Checks and cleans a credential read from `source` (named in the error: `FLEXPRICE_API_KEY`,
/// `stdin (--api-key-stdin)`, ...). This is the check `auth login` makes, applied to every
/// credential, wherever it comes from.
pub(crate) fn check(text: &str, source: &str) -> Result<SecretString, CommandError> {
    let key = text.trim_start_matches('\u{feff}').trim();
    if key.is_empty() {
        return Err(CommandError::usage(format!(
            "{source}: the API key is empty"
        )));
    }
    if key.len() > MAX_BYTES {
        return Err(too_long(source));
    }
    if key.chars().any(char::is_control) {
        return Err(CommandError::usage(format!(
            "{source}: the API key contains control characters (a line break or tab inside it?)"
        ))
        .hint("an API key is one line, e.g. sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q; check that only the key was copied"));
    }
    if !key.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Err(CommandError::usage(format!(
            "{source}: the API key contains characters that cannot be sent in an HTTP header (only printable ASCII can)"
        ))
        .hint("an API key looks like sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q; check that only the key was copied"));
    }
    Ok(SecretString::from(key))
}

fn too_long(source: &str) -> CommandError {
    CommandError::usage(format!(
        "{source}: longer than {} KiB, which no API key is",
        MAX_BYTES / 1024
    ))
    .hint("an API key looks like sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q; check what the file or input holds")
}

/// Reads at most [`MAX_BYTES`] (and one more, to tell that there was more) from `reader`.
fn read_bounded(reader: impl Read, source: &str) -> CommandResult<Zeroizing<String>> {
    // Room for all of it up front, so growing the buffer leaves no stray copy in freed memory.
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_BYTES + 1));
    reader
        .take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CommandError::usage(format!("{source}: cannot read it ({e})")))?;
    if bytes.len() > MAX_BYTES {
        return Err(too_long(source));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| CommandError::usage(format!("{source}: the API key is not UTF-8 text")))?;
    Ok(Zeroizing::new(text.to_string()))
}

/// The credential on stdin (`auth login --api-key-stdin`), read to its end or [`MAX_BYTES`].
pub(crate) fn read_stdin(source: &str) -> CommandResult<SecretString> {
    check(&read_stdin_text(source)?, source)
}

/// Stdin as text, read to its end: more than [`MAX_BYTES`] is refused, not cut.
pub(crate) fn read_stdin_text(source: &str) -> CommandResult<Zeroizing<String>> {
    read_bounded(std::io::stdin().lock(), source)
}

/// A credential read from a key file, and the warning to show if the file's mode was tightened.
pub(crate) struct FromFile {
    pub secret: SecretString,
    pub warning: Option<String>,
}

/// Reads the credential in the file at `path` (`source` names the variable that gave it). The
/// file is opened without blocking and checked through the opened descriptor, so what is checked
/// is what is read.
pub(crate) fn read_file(path: &Path, source: &str) -> CommandResult<FromFile> {
    let fix = format!(
        "put the key in a file (`umask 077; printf %s \"$KEY\" > key.txt`) and point {source} at it, or set {}",
        crate::env::API_KEY
    );
    let (text, warning) = read_file_text(path, source, &fix)?;
    let secret = check(&text, &format!("{source}: {}", path.display()))?;
    Ok(FromFile { secret, warning })
}

/// A login password (`auth login --email`) on stdin, read to its end or [`MAX_BYTES`]:
/// see [`check_password`].
pub(crate) fn read_password_stdin(source: &str) -> CommandResult<SecretString> {
    let text = read_bounded(std::io::stdin().lock(), source)?;
    check_password(&text, source)
}

/// A login password in a file (`auth login --password-file`), read and checked as a key file
/// is (a regular file, private to its owner, at most [`MAX_BYTES`]): see [`check_password`].
pub(crate) fn read_password_file(path: &Path, source: &str) -> CommandResult<FromFile> {
    let fix = format!(
        "put the password in a file (`umask 077; printf '%s\\n' \"$PASSWORD\" > password.txt`) and pass that with \
         {source}, or give it on stdin with --password-stdin"
    );
    let (text, warning) = read_file_text(path, source, &fix)?;
    let secret = check_password(&text, &format!("{source}: {}", path.display()))?;
    Ok(FromFile { secret, warning })
}

/// A password as typed or stored: one line, which a final line break ends (`echo`, an editor)
/// and is not part of; anything else, spaces and any Unicode included, is the password. Empty,
/// or holding another control character (a second line), exits 2 naming `source`.
pub(crate) fn check_password(text: &str, source: &str) -> Result<SecretString, CommandError> {
    let text = text.trim_start_matches('\u{feff}');
    let line = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    if line.is_empty() {
        return Err(CommandError::usage(format!(
            "{source}: the password is empty"
        )));
    }
    if line.chars().any(char::is_control) {
        return Err(CommandError::usage(format!(
            "{source}: the password holds a line break or another control character"
        ))
        .hint("a password is one line; check that only the password was written"));
    }
    Ok(SecretString::from(line))
}

/// A key file's text under the key file's rules (a regular file, opened without blocking, at
/// most [`MAX_BYTES`], made private), and the warning to show if its mode was tightened. `fix`
/// is the hint for a path that is not a regular file: what to do instead, which depends on what
/// the file was to hold (the admin credential, a password, a key to check).
pub(crate) fn read_file_text(
    path: &Path,
    source: &str,
    fix: &str,
) -> CommandResult<(Zeroizing<String>, Option<String>)> {
    let shown = path.display();
    let refuse = |why: String| CommandError::usage(format!("{source}: {shown} {why}"));
    let file = open_nonblocking(path).map_err(|e| refuse(format!("cannot be opened ({e})")))?;
    let meta = file
        .metadata()
        .map_err(|e| refuse(format!("cannot be read ({e})")))?;
    if !meta.is_file() {
        return Err(refuse(format!(
            "is {}, not a regular file; a key file holds only the key",
            kind_of(&meta)
        ))
        .hint(fix));
    }
    if meta.len() > MAX_BYTES as u64 {
        return Err(too_long(&format!("{source}: {shown}")));
    }
    let warning = make_private(path, &file, &meta, source)?;
    let text = read_bounded(&file, &format!("{source}: {shown}"))?;
    Ok((text, warning))
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Without O_NONBLOCK, opening a FIFO that has no writer waits forever. On a regular file the
    // flag changes nothing.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(unix)]
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    if meta.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// A key file open to other users is treated like such a `config.toml`: made private to its
/// owner (through the descriptor we read, with a warning) when it is ours and was named directly;
/// refused when it is reached through a symbolic link (whose target may be shared on purpose and
/// is not ours to change), belongs to someone else, or cannot be changed.
#[cfg(unix)]
fn make_private(
    path: &Path,
    file: &std::fs::File,
    meta: &std::fs::Metadata,
    source: &str,
) -> CommandResult<Option<String>> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mode = meta.mode() & 0o777;
    if mode & 0o077 == 0 {
        return Ok(None);
    }
    let shown = path.display();
    let refuse = |why: String| {
        CommandError::usage(format!(
            "{source}: {shown} is accessible to other users (mode {mode:o}) {why}"
        ))
    };
    let linked = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if linked {
        return Err(refuse("and is a symbolic link, whose target is not changed".into())
            .hint(format!(
                "make the file it points to private (`chmod 600 \"$(readlink -f {shown})\"`), or point {source} at a private copy"
            )));
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(refuse("and belongs to another user".into()).hint(format!(
            "ask its owner to run `chmod 600 {shown}`, or use a private copy"
        )));
    }
    let fixed = mode & 0o700;
    file.set_permissions(std::fs::Permissions::from_mode(fixed))
        .map_err(|e| {
            refuse(format!("and its mode cannot be changed ({e})"))
                .hint(format!("run `chmod 600 {shown}` as its owner"))
        })?;
    Ok(Some(format!(
        "{shown} (named by {source}) was accessible to other users (mode {mode:o}); its mode is now {fixed:o}"
    )))
}

#[cfg(not(unix))]
fn make_private(
    _path: &Path,
    _file: &std::fs::File,
    _meta: &std::fs::Metadata,
    _source: &str,
) -> CommandResult<Option<String>> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn keys_are_trimmed_and_lose_a_bom() {
        let key = check("\u{feff}sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q\r\n", "test").unwrap();
        assert_eq!(key.expose_secret(), "sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q");
    }

    #[test]
    fn bad_keys_are_refused_naming_the_source() {
        for (text, why) in [
            ("", "empty"),
            (" \n", "empty"),
            ("sk_01\nK3ZQ", "control characters"),
            ("sk_01\u{1b}K3ZQ", "control characters"),
            ("sk_01K3Zé", "HTTP header"),
            ("sk_\u{200b}01", "HTTP header"),
        ] {
            let err = check(text, "FLEXPRICE_API_KEY").unwrap_err();
            assert!(
                err.message.starts_with("FLEXPRICE_API_KEY: "),
                "{}",
                err.message
            );
            assert!(err.message.contains(why), "{text:?}: {}", err.message);
        }
        let long = "k".repeat(MAX_BYTES + 1);
        assert!(check(&long, "x").unwrap_err().message.contains("4 KiB"));
    }

    #[test]
    fn a_password_is_its_one_line_spaces_and_all() {
        let ok = |text: &str| check_password(text, "stdin").unwrap();
        assert_eq!(ok("hunter2 hunter2\n").expose_secret(), "hunter2 hunter2");
        assert_eq!(ok(" pässwörd \r\n").expose_secret(), " pässwörd ");
        assert_eq!(ok("no-newline").expose_secret(), "no-newline");
        for bad in ["", "\n", "two\nlines\n", "tab\there"] {
            let err = check_password(bad, "--password-file: pw").unwrap_err();
            assert!(
                err.message.starts_with("--password-file: pw: "),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn reading_stops_after_the_limit() {
        let endless = std::io::repeat(b'k');
        let err = read_bounded(endless, "stdin").unwrap_err();
        assert!(err.to_string().contains("longer than 4 KiB"), "{err}");
    }
}
