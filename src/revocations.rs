//! When this tool revoked which key: one small 0600 JSON file per key under
//! `<state dir>/revoked/` (never a secret: the key's ID, `display_id`, name and the time). Flexprice
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
pub const REVOCATION_WINDOW: Duration = Duration::from_secs(120);

/// Records older than this are of no use to anyone (the window is long over) and are removed
/// when the next one is written.
const KEEP: Duration = Duration::from_secs(24 * 3600);

/// A revocation this tool made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    pub key_id: String,
    /// The server's masked form of the secret (`sk_01***7Q`), which is what a secret in hand
    /// can be matched on.
    pub display_id: String,
    pub name: String,
    pub revoked_at: Timestamp,
}

impl Revocation {
    /// When Flexprice refuses the key for certain: the revocation plus [`REVOCATION_WINDOW`].
    pub fn certain_at(&self) -> Timestamp {
        self.revoked_at + REVOCATION_WINDOW
    }
}

fn dir(state_dir: &Path) -> PathBuf {
    state_dir.join("revoked")
}

/// Records that `key` was revoked at `now`, and forgets records older than a day.
pub fn record(state_dir: &Path, key: &ApiKey, now: Timestamp) -> std::io::Result<()> {
    let dir = dir(state_dir);
    private_file::private_dir(state_dir).map_err(std::io::Error::other)?;
    private_file::private_dir(&dir).map_err(std::io::Error::other)?;
    let revocation = Revocation {
        key_id: key.id.clone(),
        display_id: key.display_id.clone(),
        name: key.name.clone(),
        revoked_at: now,
    };
    let text = serde_json::to_vec_pretty(&revocation).map_err(std::io::Error::other)?;
    // A key ID names a file only with the shape of one (it came from the server).
    let id = crate::handover::journal::checked_id(&key.id)
        .ok_or_else(|| std::io::Error::other("the key ID has an unexpected shape"))?;
    let path = dir.join(format!("{id}.json"));
    private_file::replace(&path, &text)?;
    for old in all(state_dir) {
        if old.revoked_at + KEEP < now {
            let _ = std::fs::remove_file(dir.join(format!(
                "{}.json",
                private_file::file_component(&old.key_id)
            )));
        }
    }
    Ok(())
}

/// [`record`] for each key revoked, reporting nothing: a failure to write loses only what
/// `keys check` could have said.
pub fn record_all<'k>(state_dir: &Path, keys: impl IntoIterator<Item = &'k ApiKey>) {
    let now = crate::time::now();
    for key in keys {
        let _ = record(state_dir, key, now);
    }
}

/// Every record that reads.
pub fn all(state_dir: &Path) -> Vec<Revocation> {
    let Ok(entries) = std::fs::read_dir(dir(state_dir)) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read(e.path()).ok())
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
        record(state.path(), &key("secret_OLD"), then).unwrap();
        let found = all(state.path());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].display_id, "sk_01***AA");
        assert_eq!(
            found[0].certain_at(),
            "2026-01-01T00:02:00Z".parse::<Timestamp>().unwrap()
        );
        let later = then + Duration::from_secs(25 * 3600);
        record(state.path(), &key("secret_NEW"), later).unwrap();
        let ids: Vec<String> = all(state.path()).into_iter().map(|r| r.key_id).collect();
        assert_eq!(ids, ["secret_NEW"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = dir(state.path()).join("secret_NEW.json");
            let mode = std::fs::metadata(file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
