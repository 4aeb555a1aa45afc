//! An exclusive lock per profile and key, so two overlapping cron runs never rotate the same key
//! at once. The lock is the OS's advisory file lock, released when the process ends, however it
//! ends, so a crashed run never leaves a stale lock behind.

use std::fs::{File, TryLockError};
use std::path::Path;

use anyhow::Context as _;

use crate::error::{Exit, UserError};
use crate::private_file;

/// Held for as long as the value lives.
#[derive(Debug)]
pub struct KeyLock {
    _file: File,
}

impl KeyLock {
    /// Takes the lock for `key_id` in `profile`, or fails at once (exit 7) if another process
    /// holds it: waiting would let two rotations of one key run back to back.
    pub fn acquire(state_dir: &Path, profile: &str, key_id: &str) -> anyhow::Result<KeyLock> {
        let dir = state_dir.join("locks");
        private_file::private_dir(state_dir)
            .and_then(|()| private_file::private_dir(&dir))
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(format!(
            "rotate-{}-{}.lock",
            private_file::file_component(profile),
            private_file::file_component(key_id)
        ));
        let file = private_file::open_or_create(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(KeyLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(UserError::new(
                Exit::Conflict,
                format!("another rotation of key {key_id} (profile {profile}) is running; not starting a second one"),
            )
            .hint(format!("the lock is {}; it is released when that run ends", path.display()))
            .into()),
            Err(TryLockError::Error(e)) => Err(e).with_context(|| format!("cannot lock {}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = KeyLock::acquire(dir.path(), "default", "secret_1").unwrap();
        let err = KeyLock::acquire(dir.path(), "default", "secret_1").unwrap_err();
        assert_eq!(crate::error::classify(&err).exit, Exit::Conflict);
        KeyLock::acquire(dir.path(), "default", "secret_2").expect("other keys are independent");
        KeyLock::acquire(dir.path(), "prod", "secret_1").expect("other profiles are independent");
        drop(first);
        KeyLock::acquire(dir.path(), "default", "secret_1").expect("free again");
    }
}
