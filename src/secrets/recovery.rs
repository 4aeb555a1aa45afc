//! The recovery file: where a minted secret goes when a destination failed, so it is neither
//! lost nor printed. Under the state directory (`$XDG_STATE_HOME/flexprice-admin/`, mode
//! 0700), one file per key (mode 0600), named after the key ID and the time.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::private_file;

/// Writes the secret to a new 0600 file in `state_dir` and returns its path.
pub fn write(state_dir: &Path, key_id: &str, secret: &SecretString) -> std::io::Result<PathBuf> {
    private_file::private_dir(state_dir).map_err(std::io::Error::other)?;
    let stamp = crate::time::now().strftime("%Y%m%dT%H%M%SZ").to_string();
    let safe_id = private_file::file_component(key_id);
    let path = state_dir.join(format!("recovered-{safe_id}-{stamp}.key"));
    let text = Zeroizing::new(format!("{}\n", secret.expose_secret()));
    private_file::write_new(&path, text.as_bytes())?;
    Ok(path)
}

/// A recovery file found in the state directory.
pub struct Found {
    pub key_id: String,
    pub path: PathBuf,
    /// The time in its name, as written (`20261129T133000Z`).
    pub written_at: String,
}

/// The recovery files in `state_dir`, oldest first.
pub fn list(state_dir: &Path) -> Vec<Found> {
    let Ok(entries) = std::fs::read_dir(state_dir) else {
        return Vec::new();
    };
    let mut found: Vec<Found> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_prefix("recovered-")?.strip_suffix(".key")?;
            let (key_id, stamp) = stem.rsplit_once('-')?;
            Some(Found {
                key_id: key_id.to_string(),
                path: e.path(),
                written_at: stamp.to_string(),
            })
        })
        .collect();
    found.sort_by(|a, b| a.written_at.cmp(&b.written_at));
    found
}

/// The newest recovery file of `key_id`, if any.
pub fn of_key(state_dir: &Path, key_id: &str) -> Option<Found> {
    list(state_dir).into_iter().rfind(|f| f.key_id == key_id)
}

/// The secret in a recovery file.
pub fn read(path: &Path) -> std::io::Result<SecretString> {
    let text = Zeroizing::new(std::fs::read_to_string(path)?);
    let secret = text.trim_end_matches(['\n', '\r']);
    Ok(SecretString::from(secret.to_string()))
}
