//! Files only their owner may read: config.toml, recovery files, rotation locks and `file:`
//! destinations. Directories are 0700, files 0600 from the moment they exist (never created
//! readable and narrowed afterwards), and a replaced file is replaced atomically: readers see
//! the old content or the new, never a half-written one. The one place that knows these rules;
//! `config`, `secrets` and `lock` use it, and it uses none of them. Permissions are never changed
//! through a symbolic link or on what belongs to another user.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::CommandError;

/// Why a directory could not be made private.
#[derive(Debug, thiserror::Error)]
pub enum DirError {
    /// It is not ours to change (a link to an open directory, another user's): the user must
    /// act, so it is a usage error (exit 2) with the fix as a hint.
    #[error("{message}")]
    Refused { message: String, hint: String },
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl From<DirError> for CommandError {
    fn from(err: DirError) -> Self {
        match err {
            DirError::Refused { message, hint } => CommandError::usage(message).hint(hint),
            DirError::Io(io) => io.into(),
        }
    }
}

/// Creates `dir` (and its parents) and makes it private to its owner (0700). Permissions are
/// never changed through a symbolic link or on a directory of another user: a link to a private
/// directory of ours is used as it is; a link to anything else (a shared 1777 directory), or
/// another user's directory, is [`DirError::Refused`].
pub(crate) fn private_dir(dir: &Path) -> Result<(), DirError> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    make_dir_private(dir)?;
    Ok(())
}

#[cfg(unix)]
fn make_dir_private(dir: &Path) -> Result<(), DirError> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    let me = rustix::process::geteuid().as_raw();
    let linked = fs::symlink_metadata(dir)?.file_type().is_symlink();
    let target = fs::metadata(dir)?;
    let mode = target.mode() & 0o7777;
    let ours = target.uid() == me;
    let shown = dir.display();
    let refuse = |why: String, hint: String| DirError::Refused {
        message: format!("{shown} {why}"),
        hint,
    };
    if linked {
        if ours && mode & 0o077 == 0 {
            return Ok(());
        }
        let whose = if ours { "" } else { " of another user" };
        return Err(refuse(
            format!(
                "is a symbolic link to a directory{whose} open to other users (mode {mode:o}); \
                 permissions are never changed through a link"
            ),
            format!(
                "make {shown} a directory of its own (`rm {shown} && mkdir -m 700 {shown}`), or point the link at a \
                 private directory of yours (mode 700)"
            ),
        ));
    }
    if !ours {
        return Err(refuse(
            format!("belongs to another user (mode {mode:o}); its permissions are not ours to change"),
            "remove it or ask its owner to, or set XDG_STATE_HOME / XDG_CONFIG_HOME to a directory of yours"
                .to_string(),
        ));
    }
    if mode & 0o7777 == 0o700 {
        return Ok(());
    }
    // Through a descriptor opened without following links: the path cannot be swapped for a
    // link between the check above and the change.
    let flags = rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::NOFOLLOW;
    let handle = fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(dir)?;
    Ok(handle.set_permissions(fs::Permissions::from_mode(0o700))?)
}

/// Creates a new file (failing if `path` exists) readable and writable only by the owner.
pub(crate) fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Opens (creating if missing, never truncating) a 0600 file: a lock file.
pub(crate) fn open_or_create(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Writes a new 0600 file holding `bytes`, synced to disk. Fails if `path` exists.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = create_new(path)?;
    // A file cut short (a full disk, a quota) would be a partial copy of what it was to hold,
    // and would stand in the way of the next try: it goes.
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .inspect_err(|_| {
            let _ = fs::remove_file(path);
        })
}

/// The directory a file lives in, absolute (`.` for a bare name).
pub(crate) fn directory_of(path: &Path) -> PathBuf {
    match absolute(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The path made absolute against the current directory (for labels and messages).
pub(crate) fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Replaces `path` with `bytes` atomically: a 0600 temporary file in the same directory
/// (`tempfile` creates it with that mode), synced, renamed over `path`, then the directory
/// synced. A symbolic link at `path` is refused, never followed.
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
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
pub(crate) fn check_writable(dir: &Path, name_len: usize) -> io::Result<()> {
    tempfile::Builder::new()
        .prefix(PROBE_PREFIX)
        .rand_bytes(name_len.saturating_sub(PROBE_PREFIX.len()).max(6))
        .tempfile_in(dir)
        .map(drop)
}

/// `raw` made safe as part of a file name: anything but ASCII letters, digits, `-` and `_`
/// becomes `_` (IDs and profile names come from users and servers).
pub(crate) fn file_component(raw: &str) -> String {
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
    fn a_directory_is_never_made_private_through_a_link() {
        let root = tempfile::tempdir().unwrap();
        let shared = root.path().join("shared");
        fs::create_dir(&shared).unwrap();
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
        let link = root.path().join("state");
        std::os::unix::fs::symlink(&shared, &link).unwrap();
        let err = private_dir(&link).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(matches!(err, DirError::Refused { .. }), "{err}");
        assert_eq!(CommandError::from(err).exit, crate::error::Exit::Usage);
        assert_eq!(
            fs::metadata(&shared).unwrap().permissions().mode() & 0o7777,
            0o1777
        );
        // A link to a private directory of ours is used as it is.
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o700)).unwrap();
        private_dir(&link).unwrap();
        // A directory of ours that is too open is narrowed.
        let open = root.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&open).unwrap();
        assert_eq!(mode(&open), 0o700);
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
