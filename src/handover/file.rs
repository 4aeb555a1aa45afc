//! The `file:PATH` destination: checked before minting (the directory is writable, the path is
//! neither a symlink nor a directory), written atomically with mode 0600 ([`private_file`]),
//! then read back and compared.

use std::fs;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::private_file;

/// Refuses a symlink, a directory, an unwritable or missing directory, and a name or path too
/// long for the file system (a server-chosen `{name}` can make one).
pub(crate) fn preflight(path: &Path) -> Result<(), String> {
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
    let dir = private_file::directory_of(path);
    if !dir.is_dir() {
        return Err(format!("the directory {} does not exist", dir.display()));
    }
    let name_len = path.file_name().map_or(0, |n| n.as_encoded_bytes().len());
    private_file::check_writable(&dir, name_len).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidFilename {
            format!(
                "the file name ({name_len} bytes) or the whole path is too long for the file system in {}",
                dir.display()
            )
        } else {
            format!("cannot write in {}: {e}", dir.display())
        }
    })
}

/// Writes the secret (plus a newline) atomically with mode 0600 and verifies it by reading back.
pub(crate) fn deliver(path: &Path, secret: &SecretString) -> Result<(), String> {
    let text = Zeroizing::new(format!("{}\n", secret.expose_secret()));
    private_file::replace(path, text.as_bytes())
        .map_err(|e| format!("cannot write the file: {e}"))?;
    // The read-back is a copy of the secret: wiped when dropped.
    let back = fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|e| format!("written, but reading it back failed: {e}"))?;
    if back.strip_suffix('\n').unwrap_or(back.as_str()) != secret.expose_secret() {
        return Err("written, but the file read back differs".into());
    }
    Ok(())
}
