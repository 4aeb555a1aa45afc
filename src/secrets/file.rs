//! The `file:PATH` destination: checked before minting (the directory is writable, the path is
//! neither a symlink nor a directory), written atomically (a temporary file in the same
//! directory, renamed over the path) with mode 0600, then read back and compared.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

/// The path made absolute against the current directory (for labels and messages).
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn parent_of(path: &Path) -> PathBuf {
    match absolute(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses a symlink, a directory and an unwritable or missing directory.
pub fn preflight(path: &Path) -> Result<(), String> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(
                "the path is a symbolic link; refusing to write a secret through it".into(),
            );
        }
        Ok(meta) if meta.is_dir() => return Err("the path is a directory".into()),
        Ok(meta) if !meta.is_file() => return Err("the path is not a regular file".into()),
        Ok(_) | Err(_) => {}
    }
    let dir = parent_of(path);
    if !dir.is_dir() {
        return Err(format!("the directory {} does not exist", dir.display()));
    }
    // The only reliable writability check is writing: create and remove an empty file.
    let probe = dir.join(format!(".flexprice-admin-probe-{}", fastrand::u64(..)));
    match create_private(&probe) {
        Ok(_) => {
            let _ = fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(format!("cannot write in {}: {e}", dir.display())),
    }
}

/// Creates a new file readable and writable only by the owner.
pub fn create_private(path: &Path) -> std::io::Result<fs::File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Writes the secret (plus a newline) atomically with mode 0600 and verifies it by reading back.
pub fn deliver(path: &Path, secret: &SecretString) -> Result<(), String> {
    write_atomically(path, secret).map_err(|e| format!("cannot write the file: {e}"))?;
    // The read-back is a copy of the secret: wiped when dropped.
    let back = fs::read_to_string(path)
        .map(zeroize::Zeroizing::new)
        .map_err(|e| format!("written, but reading it back failed: {e}"))?;
    if back.strip_suffix('\n').unwrap_or(back.as_str()) != secret.expose_secret() {
        return Err("written, but the file read back differs".into());
    }
    Ok(())
}

/// A temporary file in the same directory, synced, then renamed over `path`: readers see the
/// old content or the new, never a half-written secret.
pub fn write_atomically(path: &Path, secret: &SecretString) -> std::io::Result<()> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(std::io::Error::other("the path became a symbolic link"));
    }
    let dir = parent_of(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "secret".into());
    let temp = dir.join(format!(".{name}.tmp-{}", fastrand::u64(..)));
    let written = (|| {
        let mut file = create_private(&temp)?;
        file.write_all(secret.expose_secret().as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        fs::rename(&temp, path)?;
        if let Ok(d) = fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}
