//! The journal: what this machine knows of the keys it minted, in the state directory
//! (`$XDG_STATE_HOME/flexprice-admin/`, mode 0700), never holding a secret except in a recovery
//! file. One [`Entry`] per key says where its secret went (or was meant to go while it waits in
//! a recovery file) and which key replaced it. Entries are kept per profile and carry the API
//! URL they were written for, and one is used only for a key of the same profile, server, name
//! and owner: another server's key that happens to share an ID never inherits a destination
//! or a waiting secret.
//!
//! On disk: `delivered/<profile>/<key id>.json` (0600) for entries, `recovered-<key id>-<time>.key`
//! (0600) for secrets that wait. Entries written before they were kept per profile
//! (`delivered/<key id>.json`) are still read, under the same checks. A key ID reaches a file
//! name only when it has the shape of one ([`checked_id`]).

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::destination::Destination;
use crate::api::models::ApiKey;
use crate::private_file;

/// A key's entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub key_id: String,
    pub profile: String,
    /// The API URL the key was minted on; absent in entries written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    pub name: String,
    pub owner: Option<String>,
    pub delivered_at: Timestamp,
    /// Where the secret was delivered (every destination, when `delivered`), exactly as filled
    /// in for this key.
    pub places: Vec<Destination>,
    /// False while the secret waits in `recovery_file` for its destinations.
    pub delivered: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_file: Option<PathBuf>,
    /// Set when a rotation revoked this key: its successor's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

/// A secret that waits in a recovery file for the destinations its entry names.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub file: PathBuf,
    pub places: Vec<Destination>,
}

/// A recovery file found in the state directory.
#[derive(Debug, Clone)]
pub struct RecoveryFile {
    pub key_id: String,
    pub path: PathBuf,
    /// The time in its name, as written (`20261129T133000Z`).
    pub written_at: String,
}

/// The journal of one profile on one server.
#[derive(Debug, Clone)]
pub struct Journal {
    state_dir: PathBuf,
    profile: String,
    server: String,
}

/// `id` if it has the shape of a Flexprice key ID (`secret_` and 1 to 43 ASCII letters and
/// digits) and holds no secret we know: only such an ID may name a file. A server could answer
/// with anything, the new secret included.
pub(crate) fn checked_id(id: &str) -> Option<&str> {
    (crate::api::models::is_key_id(id) && crate::redact::scrub(id) == id).then_some(id)
}

impl Journal {
    pub fn new(state_dir: &Path, profile: &str, server: &str) -> Journal {
        Journal {
            state_dir: state_dir.to_path_buf(),
            profile: profile.to_string(),
            server: server.to_string(),
        }
    }

    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    fn entries_dir(&self) -> PathBuf {
        self.state_dir
            .join("delivered")
            .join(private_file::file_component(&self.profile))
    }

    fn entry_path(&self, key_id: &str) -> Option<PathBuf> {
        Some(
            self.entries_dir()
                .join(format!("{}.json", checked_id(key_id)?)),
        )
    }

    /// Where entries lived before they were kept per profile.
    fn legacy_path(&self, key_id: &str) -> Option<PathBuf> {
        Some(
            self.state_dir
                .join("delivered")
                .join(format!("{}.json", checked_id(key_id)?)),
        )
    }

    /// Keeps a minted secret in a new 0600 recovery file; its path.
    pub fn keep_secret(&self, key_id: &str, secret: &SecretString) -> Result<PathBuf, String> {
        let id = checked_id(key_id).ok_or("the key ID has an unexpected shape")?;
        private_file::private_dir(&self.state_dir)
            .map_err(|e| format!("in {}: {e}", self.state_dir.display()))?;
        let stamp = crate::time::now().strftime("%Y%m%dT%H%M%SZ").to_string();
        let path = self.state_dir.join(format!("recovered-{id}-{stamp}.key"));
        let text = Zeroizing::new(format!("{}\n", secret.expose_secret()));
        private_file::write_new(&path, text.as_bytes())
            .map_err(|e| format!("in {}: {e}", self.state_dir.display()))?;
        Ok(path)
    }

    /// Records where `key`'s secret went (`waiting_in`: where it waits instead, for `places`).
    pub fn record(
        &self,
        key: &ApiKey,
        places: &[Destination],
        waiting_in: Option<&Path>,
    ) -> Result<(), String> {
        self.write(&Entry {
            key_id: key.id.clone(),
            profile: self.profile.clone(),
            server: Some(self.server.clone()),
            name: key.name.clone(),
            owner: key.user_id.clone(),
            delivered_at: crate::time::now(),
            places: places.to_vec(),
            delivered: waiting_in.is_none(),
            recovery_file: waiting_in.map(Path::to_path_buf),
            replaced_by: None,
        })
    }

    fn write(&self, entry: &Entry) -> Result<(), String> {
        let path = self
            .entry_path(&entry.key_id)
            .ok_or("the key ID has an unexpected shape")?;
        let shown = |e: &dyn std::fmt::Display| format!("in {}: {e}", self.state_dir.display());
        private_file::private_dir(&self.state_dir).map_err(|e| shown(&e))?;
        private_file::private_dir(&self.state_dir.join("delivered")).map_err(|e| shown(&e))?;
        private_file::private_dir(&self.entries_dir()).map_err(|e| shown(&e))?;
        let text = serde_json::to_vec_pretty(entry).map_err(|e| shown(&e))?;
        private_file::replace(&path, &text).map_err(|e| shown(&e))?;
        if let Some(legacy) = self.legacy_path(&entry.key_id) {
            let _ = std::fs::remove_file(legacy);
        }
        Ok(())
    }

    /// Removes the entry of a key revoked before its secret was delivered.
    pub fn forget(&self, key_id: &str) -> Result<(), String> {
        for path in [self.entry_path(key_id), self.legacy_path(key_id)]
            .into_iter()
            .flatten()
        {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(format!("{}: {e}", path.display()));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The entry of `key`, if this profile wrote one on this server for a key of its name and
    /// owner.
    pub fn entry(&self, key: &ApiKey) -> Option<Entry> {
        let entry = self.read(&key.id)?;
        (entry.name == key.name && entry.owner == key.user_id).then_some(entry)
    }

    /// The entry under `key_id` that belongs to this profile and server, name and owner unchecked.
    fn read(&self, key_id: &str) -> Option<Entry> {
        let ours = |entry: &Entry| {
            entry.key_id == key_id
                && entry.profile == self.profile
                && entry.server.as_ref().is_none_or(|s| *s == self.server)
        };
        [self.entry_path(key_id), self.legacy_path(key_id)]
            .into_iter()
            .flatten()
            .filter_map(|path| std::fs::read(path).ok())
            .filter_map(|text| serde_json::from_slice::<Entry>(&text).ok())
            .find(ours)
    }

    /// The secret of `key` that waits in a recovery file, and the destinations it was meant for.
    pub fn waiting(&self, key: &ApiKey) -> Option<Waiting> {
        let entry = self.entry(key)?;
        let file = entry.recovery_file.filter(|_| !entry.delivered)?;
        // A file deleted by hand (its secret copied where it belongs) waits no more; one the
        // journal names outside the state directory was never written by us.
        let here = file.parent() == Some(self.state_dir.as_path());
        (here && std::fs::symlink_metadata(&file).is_ok()).then_some(Waiting {
            file,
            places: entry.places,
        })
    }

    /// Notes that `old` was revoked by a rotation that made `new`. A key made elsewhere (no
    /// entry) gets one that says only that, so an overlapping run sharing this state directory
    /// learns of the rotation from one file ([`Self::successor`]).
    pub fn mark_replaced(&self, old: &ApiKey, new: &str) -> Result<(), String> {
        let mut entry = self.entry(old).unwrap_or_else(|| Entry {
            key_id: old.id.clone(),
            profile: self.profile.clone(),
            server: Some(self.server.clone()),
            name: old.name.clone(),
            owner: old.user_id.clone(),
            // Where and when its secret went is not known: handed out when it was made.
            delivered_at: old.created_at,
            places: Vec::new(),
            delivered: true,
            recovery_file: None,
            replaced_by: None,
        });
        entry.replaced_by = Some(new.to_string());
        self.write(&entry)
    }

    /// The key a rotation sharing this journal replaced `old` with, if one did.
    pub fn successor(&self, old: &ApiKey) -> Option<String> {
        self.entry(old)?.replaced_by
    }

    /// Every entry of this profile and server that reads.
    fn all(&self) -> Vec<Entry> {
        let listed = |dir: PathBuf| {
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.path())
                .collect::<Vec<_>>()
        };
        let mut paths = listed(self.entries_dir());
        paths.extend(listed(self.state_dir.join("delivered")));
        paths
            .into_iter()
            .filter_map(|path| std::fs::read(path).ok())
            .filter_map(|text| serde_json::from_slice::<Entry>(&text).ok())
            .filter(|e| {
                e.profile == self.profile && e.server.as_ref().is_none_or(|s| *s == self.server)
            })
            .collect()
    }

    /// The newest entry of a key delivered to the keychain entry `account`.
    fn newest_at(&self, account: &str) -> Option<Entry> {
        self.all()
            .into_iter()
            .filter(|e| {
                e.places
                    .iter()
                    .any(|p| matches!(p, Destination::Keychain { account: a } if a == account))
            })
            .max_by_key(|e| e.delivered_at)
    }

    /// The ID of the key last delivered to the keychain entry `account`.
    pub fn key_at(&self, account: &str) -> Option<String> {
        self.newest_at(account).map(|e| e.key_id)
    }

    /// A warning when the key last delivered to `account` was rotated away: the entry holds a
    /// revoked key's secret.
    pub fn superseded(&self, account: &str) -> Option<String> {
        let entry = self.newest_at(account)?;
        let successor = entry.replaced_by?;
        let went = self
            .read(&successor)
            .map(|e| {
                e.places
                    .iter()
                    .map(Destination::label)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|| "an unrecorded place".into());
        Some(format!(
            "this entry holds the secret of key {}, which was rotated and revoked: its successor {successor} went \
             to {went}; `flexprice-admin keychain prune` removes entries like this one",
            entry.key_id
        ))
    }

    /// The recovery files in the state directory, oldest first (every profile's: each is a
    /// secret someone must deal with).
    pub fn recovery_files(&self) -> Vec<RecoveryFile> {
        recovery_files(&self.state_dir)
    }
}

/// The recovery files in `state_dir`, oldest first.
pub(crate) fn recovery_files(state_dir: &Path) -> Vec<RecoveryFile> {
    let Ok(entries) = std::fs::read_dir(state_dir) else {
        return Vec::new();
    };
    let mut found: Vec<RecoveryFile> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_prefix("recovered-")?.strip_suffix(".key")?;
            let (key_id, stamp) = stem.rsplit_once('-')?;
            Some(RecoveryFile {
                key_id: key_id.to_string(),
                path: e.path(),
                written_at: stamp.to_string(),
            })
        })
        .collect();
    found.sort_by(|a, b| a.written_at.cmp(&b.written_at));
    found
}

/// The secret in a recovery file.
pub(crate) fn read_secret(path: &Path) -> std::io::Result<SecretString> {
    let text = Zeroizing::new(std::fs::read_to_string(path)?);
    let secret = text.trim_end_matches(['\n', '\r']);
    Ok(SecretString::from(secret.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, name: &str, owner: &str) -> ApiKey {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "type": "private_key", "display_id": "sk_01***AA",
            "user_id": owner, "status": "published", "created_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap()
    }

    fn file(path: &str) -> Vec<Destination> {
        vec![Destination::File { path: path.into() }]
    }

    #[test]
    fn ids_that_are_not_key_ids_never_name_a_file() {
        assert_eq!(checked_id("secret_01K3ZQ9W5G"), Some("secret_01K3ZQ9W5G"));
        for bad in [
            "secret_",
            "secret_../../x",
            "secret_a/b",
            "secret_sk_01K3",
            "key_01",
            &format!("secret_{}", "A".repeat(44)),
        ] {
            assert_eq!(checked_id(bad), None, "{bad}");
        }
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::new(dir.path(), "p", "http://a/v1");
        let secret = SecretString::from("sk_x");
        assert!(journal.keep_secret("secret_../x", &secret).is_err());
        assert!(
            journal
                .record(&key("secret_a/b", "ci", "u1"), &file("/f"), None)
                .is_err()
        );
    }

    #[test]
    fn an_entry_is_used_only_by_its_profile_server_name_and_owner() {
        let dir = tempfile::tempdir().unwrap();
        let here = Journal::new(dir.path(), "p", "http://a/v1");
        let ci = key("secret_01", "ci", "u1");
        here.record(&ci, &file("/f"), None).unwrap();
        assert_eq!(here.entry(&ci).unwrap().places, file("/f"));
        // Another server, another profile: the same ID is another key.
        assert!(
            Journal::new(dir.path(), "p", "http://b/v1")
                .entry(&ci)
                .is_none()
        );
        assert!(
            Journal::new(dir.path(), "q", "http://a/v1")
                .entry(&ci)
                .is_none()
        );
        // The same ID with another name or owner is not the key recorded.
        assert!(here.entry(&key("secret_01", "other", "u1")).is_none());
        assert!(here.entry(&key("secret_01", "ci", "u2")).is_none());
    }

    #[test]
    fn entries_kept_before_profiles_are_read_for_their_profile() {
        let dir = tempfile::tempdir().unwrap();
        let legacy = dir.path().join("delivered");
        std::fs::create_dir_all(&legacy).unwrap();
        std::fs::write(
            legacy.join("secret_01.json"),
            r#"{"key_id":"secret_01","profile":"p","name":"ci","owner":"u1",
                "delivered_at":"2026-01-01T00:00:00Z","delivered":true,
                "places":[{"kind":"file","path":"/etc/{owner}.key"}]}"#,
        )
        .unwrap();
        let ci = key("secret_01", "ci", "u1");
        let here = Journal::new(dir.path(), "p", "http://a/v1");
        assert_eq!(here.entry(&ci).unwrap().places, file("/etc/{owner}.key"));
        assert!(
            Journal::new(dir.path(), "q", "http://a/v1")
                .entry(&ci)
                .is_none()
        );
        // Rewritten, it moves under its profile.
        here.mark_replaced(&ci, "secret_02").unwrap();
        assert!(!legacy.join("secret_01.json").exists());
        assert_eq!(here.successor(&ci).as_deref(), Some("secret_02"));
    }

    #[test]
    fn a_waiting_secret_is_found_through_its_entry_only() {
        let dir = tempfile::tempdir().unwrap();
        let here = Journal::new(dir.path(), "p", "http://a/v1");
        let ci = key("secret_01", "ci", "u1");
        let secret = SecretString::from("sk_01K3");
        let path = here.keep_secret(&ci.id, &secret).unwrap();
        assert!(here.waiting(&ci).is_none(), "no entry names it yet");
        here.record(&ci, &file("/f"), Some(&path)).unwrap();
        let waiting = here.waiting(&ci).unwrap();
        assert_eq!(
            (waiting.file.as_path(), waiting.places),
            (path.as_path(), file("/f"))
        );
        assert_eq!(read_secret(&path).unwrap().expose_secret(), "sk_01K3");
        assert!(
            Journal::new(dir.path(), "p", "http://b/v1")
                .waiting(&ci)
                .is_none()
        );
        assert_eq!(recovery_files(dir.path())[0].key_id, "secret_01");
    }
}
