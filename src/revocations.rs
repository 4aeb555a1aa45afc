//! When this tool revoked which key: one small 0600 JSON file per key under
//! `<state dir>/revoked/<UTC day>/` (never a secret: the key's ID, `display_id`, name and the time). Flexprice
//! keeps accepting a revoked key until its verification cache forgets it, up to
//! [`REVOCATION_WINDOW`] after the revocation (contract §3.3, §11 #1), so `keys check` on a key
//! that still authenticates can say that the revocation is still propagating and when it is
//! certain, rather than "the key works". Best effort: a record that cannot be written costs only
//! that sentence.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::api::models::ApiKey;
use crate::private_file;

/// How long Flexprice may keep accepting a key after it is revoked: its in-process cache of
/// verified keys lives two minutes, and a revocation does not evict it.
pub(crate) const REVOCATION_WINDOW: Duration = Duration::from_secs(120);

/// Records older than this are of no use to anyone (the window is long over); a day's folder is
/// removed whole once its last record is this old, when the next records are written, so that
/// writing costs the same however many keys were revoked lately.
const KEEP: Duration = Duration::from_secs(24 * 3600);

/// A revocation this tool made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Revocation {
    pub key_id: String,
    /// The server's masked form of the secret (`sk_01***7Q`), which is what a secret in hand
    /// can be matched on.
    pub display_id: String,
    pub name: String,
    pub revoked_at: Timestamp,
}

impl Revocation {
    /// When Flexprice refuses the key for certain: the revocation plus [`REVOCATION_WINDOW`].
    pub(crate) fn certain_at(&self) -> Timestamp {
        self.revoked_at + REVOCATION_WINDOW
    }
}

fn dir(state_dir: &Path) -> PathBuf {
    state_dir.join("revoked")
}

/// Records that `keys` were revoked at `now`, then removes the folders of days whose records
/// are all older than [`KEEP`]: a listing of the day folders, never a read of each record (a
/// read per record, once a key, made `keys delete` of 1,000 IDs take 40 s of CPU once records
/// had piled up).
pub(crate) fn record<'k>(
    state_dir: &Path,
    keys: impl IntoIterator<Item = &'k ApiKey>,
    now: Timestamp,
) -> std::io::Result<()> {
    let dir = dir(state_dir);
    let day = dir.join(day_of(now));
    for folder in [state_dir, &dir, &day] {
        private_file::private_dir(folder).map_err(std::io::Error::other)?;
    }
    for key in keys {
        let revocation = Revocation {
            key_id: key.id.clone(),
            display_id: key.display_id.clone(),
            name: key.name.clone(),
            revoked_at: now,
        };
        let text = serde_json::to_vec_pretty(&revocation).map_err(std::io::Error::other)?;
        // A key ID names a file only with the shape of one (it came from the server).
        let Some(id) = crate::handover::journal::checked_id(&key.id) else {
            continue;
        };
        private_file::replace(&day.join(format!("{id}.json")), &text)?;
    }
    // A day's folder `D` holds records up to the end of `D`: all older than KEEP once
    // `D < day_of(now - KEEP)`. Day names compare as their dates. Files left at the top by an
    // earlier version are removed likewise, by their day of modification.
    let oldest_kept = day_of(now - KEEP);
    for entry in std::fs::read_dir(&dir)?.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() {
            if name.len() == 10 && name < oldest_kept {
                let _ = std::fs::remove_dir_all(&path);
            }
        } else if let Ok(modified) = entry.metadata().and_then(|m| m.modified())
            && let Ok(modified) = Timestamp::try_from(modified)
            && day_of(modified) < oldest_kept
        {
            let _ = std::fs::remove_file(&path);
        }
    }
    Ok(())
}

/// The UTC day of `at`, as its folder is named: `2026-12-04`.
fn day_of(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d").to_string()
}

/// [`record`] for the keys revoked now, reporting nothing: a failure to write loses only what
/// `keys check` could have said.
pub(crate) fn record_all<'k>(state_dir: &Path, keys: impl IntoIterator<Item = &'k ApiKey>) {
    let _ = record(state_dir, keys, crate::time::now());
}

/// Every record that reads, in the day folders and (from an earlier version) at the top.
pub(crate) fn all(state_dir: &Path) -> Vec<Revocation> {
    let read = |folder: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(folder)
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    read(&dir(state_dir))
        .into_iter()
        .flat_map(|path| {
            if path.is_dir() {
                read(&path)
            } else {
                vec![path]
            }
        })
        .filter_map(|path| std::fs::read(path).ok())
        .filter_map(|text| serde_json::from_slice::<Revocation>(&text).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> ApiKey {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": "ci", "type": "private_key", "display_id": "sk_01***AA",
            "status": "published", "user_id": "user_1", "created_at": "2026-01-01T00:00:00Z",
        }))
        .unwrap()
    }

    #[test]
    fn a_revocation_is_certain_two_minutes_later_and_forgotten_after_a_day() {
        let state = tempfile::tempdir().unwrap();
        let then: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        record(state.path(), [&key("secret_OLD")], then).unwrap();
        let found = all(state.path());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].display_id, "sk_01***AA");
        assert_eq!(
            found[0].certain_at(),
            "2026-01-01T00:02:00Z".parse::<Timestamp>().unwrap()
        );
        // The next day but one: the first day's folder holds nothing younger than a day.
        let later = then + Duration::from_secs(49 * 3600);
        record(state.path(), [&key("secret_NEW")], later).unwrap();
        let ids: Vec<String> = all(state.path()).into_iter().map(|r| r.key_id).collect();
        assert_eq!(ids, ["secret_NEW"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = dir(state.path()).join("2026-01-03").join("secret_NEW.json");
            let mode = std::fs::metadata(file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
