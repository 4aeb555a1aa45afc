//! The delivery record: where each key's secret was delivered, never the secret. One 0600 JSON
//! file per key under `<state dir>/delivered/` (written by `keys create` and `keys rotate`
//! through the hand-over), so a rotation without `--store` delivers the new secret where the
//! old one went, `keychain list` names the key of an entry whose key is gone, and `keychain
//! get` flags an entry whose key was rotated away.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::Destination;
use super::plan::Target;
use crate::private_file;

/// One place a secret went, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Place {
    Stdout,
    Keychain { account: String },
    File { path: PathBuf },
    Exec { argv: Vec<String> },
}

impl Place {
    fn of(target: &Target) -> Place {
        match target {
            Target::Stdout => Place::Stdout,
            Target::Keychain { account } => Place::Keychain {
                account: account.clone(),
            },
            Target::File { path } => Place::File { path: path.clone() },
            Target::Exec { words, .. } => Place::Exec {
                argv: words.clone(),
            },
        }
    }

    /// The `--store` destination that delivers to this place again.
    pub fn destination(&self) -> Destination {
        match self {
            Place::Stdout => Destination::Stdout,
            Place::Keychain { .. } => Destination::Keychain,
            Place::File { path } => Destination::File(path.clone()),
            Place::Exec { argv } => Destination::Exec(argv.clone()),
        }
    }
}

/// A key's record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub key_id: String,
    pub profile: String,
    pub name: String,
    pub owner: Option<String>,
    pub delivered_at: Timestamp,
    /// Where the secret was delivered (every destination, when `delivered`).
    pub places: Vec<Place>,
    /// False when a destination failed: the secret then waits in `recovery_file`.
    pub delivered: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_file: Option<PathBuf>,
    /// Set when a rotation revoked this key: its successor's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

fn dir(state_dir: &Path) -> PathBuf {
    state_dir.join("delivered")
}

fn path(state_dir: &Path, key_id: &str) -> PathBuf {
    dir(state_dir).join(format!("{}.json", private_file::file_component(key_id)))
}

/// Writes (or replaces) a key's record.
pub fn write(state_dir: &Path, record: &Record) -> std::io::Result<()> {
    private_file::private_dir(state_dir).map_err(std::io::Error::other)?;
    private_file::private_dir(&dir(state_dir)).map_err(std::io::Error::other)?;
    let text = serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?;
    private_file::replace(&path(state_dir, &record.key_id), &text)
}

/// A new record for a key whose secret went to `targets`.
pub fn new(
    profile: &str,
    key: &crate::api::models::ApiKey,
    targets: &[Target],
    recovery_file: Option<PathBuf>,
) -> Record {
    Record {
        key_id: key.id.clone(),
        profile: profile.to_string(),
        name: key.name.clone(),
        owner: key.user_id.clone(),
        delivered_at: crate::time::now(),
        places: targets.iter().map(Place::of).collect(),
        delivered: recovery_file.is_none(),
        recovery_file,
        replaced_by: None,
    }
}

/// Removes a key's record, if it has one.
pub fn remove(state_dir: &Path, key_id: &str) -> std::io::Result<()> {
    match std::fs::remove_file(path(state_dir, key_id)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// A key's record, if there is one (and it reads).
pub fn read(state_dir: &Path, key_id: &str) -> Option<Record> {
    let text = std::fs::read(path(state_dir, key_id)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Every record that reads.
fn all(state_dir: &Path) -> Vec<Record> {
    let Ok(entries) = std::fs::read_dir(dir(state_dir)) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter_map(|text| serde_json::from_slice::<Record>(&text).ok())
        .collect()
}

/// The newest record of a key delivered to the keychain entry `account`.
fn newest_at(state_dir: &Path, account: &str) -> Option<Record> {
    all(state_dir)
        .into_iter()
        .filter(|r| {
            r.places
                .iter()
                .any(|p| matches!(p, Place::Keychain { account: a } if a == account))
        })
        .max_by_key(|r| r.delivered_at)
}

/// The ID of the key last delivered to the keychain entry `account`.
pub fn key_at(state_dir: &Path, account: &str) -> Option<String> {
    newest_at(state_dir, account).map(|r| r.key_id)
}

/// A warning when the key last delivered to `account` was rotated away: the entry holds a
/// revoked key's secret.
pub fn superseded(state_dir: &Path, account: &str) -> Option<String> {
    let record = newest_at(state_dir, account)?;
    let successor = record.replaced_by?;
    let went = read(state_dir, &successor)
        .map(|r| {
            r.places
                .iter()
                .map(|p| match p {
                    Place::Stdout => "stdout".to_string(),
                    Place::Keychain { account } => format!("keychain:{account}"),
                    Place::File { path } => format!("file:{}", path.display()),
                    Place::Exec { argv } => format!("exec:{}", argv.join(" ")),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_else(|| "an unrecorded place".into());
    Some(format!(
        "this entry holds the secret of key {}, which was rotated and revoked: its successor {successor} went to {went}; \
         `flexprice-admin keychain prune` removes entries like this one",
        record.key_id
    ))
}

/// Notes that `old` was revoked by a rotation that made `new`. A key made elsewhere (no record)
/// gets one that says only that, so an overlapping run sharing this state directory learns of
/// the rotation from one file ([`successor`]).
pub fn mark_replaced(
    state_dir: &Path,
    profile: &str,
    old: &crate::api::models::ApiKey,
    new: &str,
) -> std::io::Result<()> {
    let mut record = read(state_dir, &old.id).unwrap_or_else(|| Record {
        key_id: old.id.clone(),
        profile: profile.to_string(),
        name: old.name.clone(),
        owner: old.user_id.clone(),
        // Where and when its secret went is not known: handed out when it was made.
        delivered_at: old.created_at,
        places: Vec::new(),
        delivered: true,
        recovery_file: None,
        replaced_by: None,
    });
    record.replaced_by = Some(new.to_string());
    write(state_dir, &record)
}

/// The key a rotation from this state directory replaced `key_id` with, if one did.
pub fn successor(state_dir: &Path, key_id: &str) -> Option<String> {
    read(state_dir, key_id)?.replaced_by
}
