//! Files only their owner may read: config.toml, recovery files, rotation locks and `file:`
//! destinations. Directories are 0700, files 0600 from the moment they exist (never created
//! readable and narrowed afterwards), and a replaced file is replaced atomically: readers see
//! the old content or the new, never a half-written one. The one place that knows these rules;
//! `config`, `secrets` and `lock` use it, and it uses none of them.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Creates `dir` (and its parents) and makes it private to its owner (0700).
pub fn private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Creates a new file (failing if `path` exists) readable and writable only by the owner.
pub fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Opens (creating if missing, never truncating) a 0600 file: a lock file.
pub fn open_or_create(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Writes a new 0600 file holding `bytes`, synced to disk. Fails if `path` exists.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = create_new(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The directory a file lives in, absolute (`.` for a bare name).
pub fn directory_of(path: &Path) -> PathBuf {
    match absolute(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The path made absolute against the current directory (for labels and messages).
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Replaces `path` with `bytes` atomically: a 0600 temporary file in the same directory
/// (`tempfile` creates it with that mode), synced, renamed over `path`, then the directory
/// synced. A symbolic link at `path` is refused, never followed.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(io::Error::other("the path is a symbolic link"));
    }
    let dir = directory_of(path);
    let mut temp = tempfile::Builder::new()
        .prefix(".flexprice-admin-")
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The prefix of the probe [`check_writable`] creates.
const PROBE_PREFIX: &str = ".flexprice-admin-probe-";

/// Whether a file whose name is `name_len` bytes long can be created in `dir`: the only
/// reliable check is creating one (it is removed at once). The probe's name is as long as the
/// real one (and never shorter than [`replace`]'s temporary name), so a name or path too long
/// for the file system fails here, before anything depends on it, not at delivery.
pub fn check_writable(dir: &Path, name_len: usize) -> io::Result<()> {
    tempfile::Builder::new()
        .prefix(PROBE_PREFIX)
        .rand_bytes(name_len.saturating_sub(PROBE_PREFIX.len()).max(6))
        .tempfile_in(dir)
        .map(drop)
}

/// `raw` made safe as part of a file name: anything but ASCII letters, digits, `-` and `_`
/// becomes `_` (IDs and profile names come from users and servers).
pub fn file_component(raw: &str) -> String {
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn replaced_and_new_files_are_0600_and_dirs_0700() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let path = dir.join("f");
        replace(&path, b"one").unwrap();
        assert_eq!(mode(&path), 0o600);
        replace(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
        let new = dir.join("n");
        write_new(&new, b"x").unwrap();
        assert_eq!(mode(&new), 0o600);
        assert!(write_new(&new, b"y").is_err(), "never overwrites");
    }

    #[test]
    fn a_symlink_is_never_written_through() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("target");
        fs::write(&target, "keep").unwrap();
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(replace(&link, b"secret").is_err());
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
    }
}
