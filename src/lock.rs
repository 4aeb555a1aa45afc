//! Exclusive locks in the state directory: one per profile and key, so two overlapping cron runs
//! never rotate the same key at once, and one per manifest, so two `apply` runs never converge
//! the same fleet at once. A lock is the OS's advisory file lock, released when the process
//! ends, however it ends, so a crashed run never leaves a stale lock behind; a run that ends
//! normally also removes the file, so the locks directory does not collect one file per key ever
//! rotated. `apply` also takes one per service account its manifest declares, so two manifests
//! that declare one account are not applied at once. The holder writes its process ID and
//! start time into the file, so the run it turns away can name it.
//!
//! Removing a lock file safely: the holder unlinks it *while still holding the lock*, then
//! closes it. A second run may have opened the old file just before the unlink and be waiting
//! to lock it; once it gets the lock it would hold a file nobody else can find, while a third
//! run creates and locks a new one. So after locking, a run checks that the path still names the
//! file it locked (same device and inode), and starts over when it does not.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::error::{CommandError, CommandResult, ErrorContext, Exit};
use crate::private_file;

/// Attempts at locking a file that someone else keeps unlinking under us. Each lost race means
/// another run finished in between, so this is never reached in practice.
const MAX_ATTEMPTS: u32 = 16;

/// Held for as long as the value lives; dropping it removes the lock file, then releases it.
#[derive(Debug)]
pub(crate) struct Lock {
    file: Option<File>,
    path: PathBuf,
}

impl Lock {
    /// Takes the rotation lock of `key_id` in `profile`, or fails at once (exit 7) if another
    /// process holds it: waiting would let two rotations of one key run back to back.
    pub(crate) fn key(state_dir: &Path, profile: &str, key_id: &str) -> CommandResult<Lock> {
        let id = crate::handover::journal::checked_id(key_id).ok_or_else(|| {
            CommandError::failure(format!(
                "key {key_id} has an ID of an unexpected shape; it is not rotated"
            ))
        })?;
        let name = format!("rotate-{}-{id}.lock", private_file::file_component(profile));
        Self::acquire(state_dir, &name, |holder| {
            CommandError::new(
                Exit::Conflict,
                format!(
                    "another rotation of key {key_id} (profile {profile}{holder}) is running; not starting a \
                     second one"
                ),
            )
        })
    }

    /// Takes the lock of the manifest at `manifest` (by its absolute path), or fails at once
    /// (exit 7) naming the run that holds it.
    pub(crate) fn manifest(state_dir: &Path, manifest: &Path) -> CommandResult<Lock> {
        let absolute =
            std::fs::canonicalize(manifest).unwrap_or_else(|_| private_file::absolute(manifest));
        // The path names the lock; a hash keeps the file name short and safe whatever the path.
        let mut hasher = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(&absolute, &mut hasher);
        let name = format!("apply-{:016x}.lock", std::hash::Hasher::finish(&hasher));
        let shown = absolute.display().to_string();
        Self::acquire(state_dir, &name, |holder| {
            CommandError::new(
                Exit::Conflict,
                format!("another apply of {shown} is running{holder}; not starting a second one"),
            )
        })
    }

    /// Takes the lock of the service account named `account` for `apply` in `profile`, or
    /// fails at once (exit 7) naming the run that holds it: two manifests that declare one
    /// account, applied at once, would create it twice or rotate its keys twice.
    fn account(state_dir: &Path, profile: &str, account: &str) -> CommandResult<Lock> {
        let mut hasher = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(&(profile, account), &mut hasher);
        let name = format!(
            "apply-{}-account-{:016x}.lock",
            private_file::file_component(profile),
            std::hash::Hasher::finish(&hasher)
        );
        Self::acquire(state_dir, &name, |holder| {
            CommandError::new(
                Exit::Conflict,
                format!(
                    "another apply that declares service account '{account}' (profile {profile}{holder}) is \
                     running; not starting a second one"
                ),
            )
        })
    }

    /// The locks of `apply` for every account its manifest declares (see `Lock::account`),
    /// taken in name order. Each is an open file for as long as it is held: the soft limit of
    /// open files is raised first, up to the hard one, so a fleet larger than the common 1024
    /// (or a cron job's 256) still applies.
    pub(crate) fn accounts<'n>(
        state_dir: &Path,
        profile: &str,
        names: impl IntoIterator<Item = &'n str>,
    ) -> CommandResult<Vec<Lock>> {
        let mut names: Vec<&str> = names.into_iter().collect();
        names.sort_unstable();
        names.dedup();
        allow_open_files(names.len() as u64 + SPARE_FILES);
        names
            .into_iter()
            .map(|name| Self::account(state_dir, profile, name))
            .collect()
    }

    /// Takes the lock `locks/<name>` in `state_dir`; `busy` is the error when it is held, given
    /// who holds it (", held by process 123 since …", or nothing when that cannot be read).
    fn acquire(
        state_dir: &Path,
        name: &str,
        busy: impl FnOnce(String) -> CommandError,
    ) -> CommandResult<Lock> {
        let dir = state_dir.join("locks");
        private_file::private_dir(state_dir)
            .and_then(|()| private_file::private_dir(&dir))
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(name);
        for _ in 0..MAX_ATTEMPTS {
            let mut file = private_file::open_or_create(&path)
                .with_context(|| format!("cannot open the lock file {}", path.display()))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    return Err(busy(holder_of(&path)).hint(format!(
                        "the lock is {}; it is released when that run ends",
                        path.display()
                    )));
                }
                Err(TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock {}", path.display()));
                }
            }
            if still_named_by(&file, &path)? {
                // Who holds it, for the run it turns away. A failure here costs only the name.
                let _ = file.set_len(0).and_then(|()| {
                    file.rewind()?;
                    writeln!(
                        file,
                        "process {} since {}",
                        std::process::id(),
                        crate::time::now().strftime("%Y-%m-%dT%H:%M:%SZ")
                    )
                });
                return Ok(Lock {
                    file: Some(file),
                    path,
                });
            }
            // The holder before us removed the file after we opened it: ours is an orphan.
        }
        Err(CommandError::new(
            Exit::Conflict,
            format!(
                "cannot take the lock {}: other runs keep replacing it",
                path.display()
            ),
        ))
    }
}

/// Open files a run needs besides its account locks: the runtime, connections, the keychain.
const SPARE_FILES: u64 = 256;

/// Raises the soft limit of open files to `wanted`, or as near as the hard limit allows. When
/// even that is too few, opening a lock fails and says so.
#[cfg(unix)]
fn allow_open_files(wanted: u64) {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current.is_none_or(|soft| soft >= wanted) {
        return;
    }
    let raised = limit.maximum.map_or(wanted, |hard| hard.min(wanted));
    let _ = setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(raised),
            maximum: limit.maximum,
        },
    );
}

/// Elsewhere open files are not limited this way.
#[cfg(not(unix))]
fn allow_open_files(_: u64) {}

/// ", held by process 123 since 2026-12-04T10:00:00Z", as the holder wrote it.
fn holder_of(path: &Path) -> String {
    let mut text = String::new();
    let read = File::open(path).and_then(|f| f.take(200).read_to_string(&mut text));
    match read {
        Ok(_) if text.starts_with("process ") => format!(", held by {}", text.trim()),
        _ => String::new(),
    }
}

/// Whether `path` still names the open `file` (it may have been unlinked, or replaced).
fn still_named_by(file: &File, path: &Path) -> CommandResult<bool> {
    let held = file
        .metadata()
        .with_context(|| format!("cannot read the lock file {}", path.display()))?;
    match std::fs::metadata(path) {
        Ok(named) => Ok(same_file(&held, &named)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("cannot read the lock file {}", path.display())),
    }
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Elsewhere an open file cannot be unlinked, so the path always names the locked file.
#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Unlink first, release second (closing the file releases the lock): a run that opens
        // the path after this creates a new file, and one that opened it before notices, once
        // it gets the lock, that the path no longer names what it locked.
        let _ = std::fs::remove_file(&self.path);
        drop(self.file.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;

    fn lock_path(dir: &Path, key: &str) -> PathBuf {
        dir.join(format!("locks/rotate-default-{key}.lock"))
    }

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::key(dir.path(), "default", "secret_1").unwrap();
        let err = Lock::key(dir.path(), "default", "secret_1").unwrap_err();
        assert_eq!(err.exit, Exit::Conflict);
        assert!(
            err.message
                .ends_with("is running; not starting a second one"),
            "{}",
            err.message
        );
        assert!(
            err.message
                .contains(&format!("held by process {}", std::process::id())),
            "{}",
            err.message
        );
        Lock::key(dir.path(), "default", "secret_2").expect("other keys are independent");
        Lock::key(dir.path(), "prod", "secret_1").expect("other profiles are independent");
        drop(first);
        Lock::key(dir.path(), "default", "secret_1").expect("free again");
    }

    #[test]
    fn the_lock_file_is_removed_when_the_lock_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = lock_path(dir.path(), "secret_1");
        let lock = Lock::key(dir.path(), "default", "secret_1").unwrap();
        assert!(path.exists(), "held: the file exists");
        drop(lock);
        assert!(!path.exists(), "released: the file is gone");
        assert_eq!(
            std::fs::read_dir(dir.path().join("locks")).unwrap().count(),
            0
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_unlinked_by_the_holder_before_us_is_not_a_lock() {
        // The race: we opened the file, then its holder unlinked it and let go. Locking our
        // handle succeeds, but the path names nothing (or a newer file), so it must not count.
        let dir = tempfile::tempdir().unwrap();
        let path = lock_path(dir.path(), "secret_1");
        let held = Lock::key(dir.path(), "default", "secret_1").unwrap();
        let opened_before = OpenOptions::new().write(true).open(&path).unwrap();
        drop(held);
        opened_before.try_lock().expect("the orphan can be locked");
        assert!(!still_named_by(&opened_before, &path).unwrap());
        // A new run creates a fresh file, locks it, and is not blocked by the orphan's lock.
        let fresh = Lock::key(dir.path(), "default", "secret_1").unwrap();
        assert!(still_named_by(fresh.file.as_ref().unwrap(), &path).unwrap());
        assert!(!still_named_by(&opened_before, &path).unwrap());
    }
}
