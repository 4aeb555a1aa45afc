//! The `exec:COMMAND` destination: the secret goes to the command's stdin, never its argv or
//! environment. The command is split into words like a shell would, and run without a shell.
//! Its stdout is sent to our stderr so a captured stdout stays clean.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use secrecy::{ExposeSecret, SecretString};

/// Splits a command line into words: whitespace separates, single quotes keep everything,
/// double quotes keep everything but `\"` and `\\`, a backslash outside quotes escapes.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("unterminated ' quote in the command".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("unterminated \" quote in the command".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("unterminated \" quote in the command".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return Err("the command ends with a lone backslash".into()),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Finds the program: a path as given, or the first match on PATH.
pub fn find_program(program: &str) -> Option<PathBuf> {
    if program.contains(std::path::MAIN_SEPARATOR) || program.contains('/') {
        let path = PathBuf::from(program);
        return is_executable(&path).then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(program);
        if is_executable(&candidate) {
            return Some(candidate);
        }
        #[cfg(windows)]
        for ext in ["exe", "cmd", "bat", "com"] {
            let candidate = dir.join(format!("{program}.{ext}"));
            if is_executable(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// The command exists and is executable.
pub fn preflight(words: &[String]) -> Result<(), String> {
    let program = &words[0];
    match find_program(program) {
        Some(_) => Ok(()),
        None => Err(format!("the command '{program}' was not found on PATH")),
    }
}

/// Runs the command with the secret on its stdin; it must exit 0.
pub fn deliver(words: &[String], secret: &SecretString) -> Result<(), String> {
    let program = find_program(&words[0])
        .ok_or_else(|| format!("the command '{}' is no longer on PATH", words[0]))?;
    let mut child = Command::new(program)
        .args(&words[1..])
        .stdin(Stdio::piped())
        .stdout(std::io::stderr())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start '{}': {e}", words[0]))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that exits without reading gives a broken pipe; its exit status decides.
        let _ = stdin.write_all(secret.expose_secret().as_bytes());
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for '{}' failed: {e}", words[0]))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("'{}' exited with {status}", words[0]))
    }
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
        assert_eq!(split_words("  ").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn programs_are_found_on_path() {
        assert!(find_program("sh").is_some());
        assert!(find_program("no-such-program-here").is_none());
    }
}
