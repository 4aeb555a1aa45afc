//! The recovery file: where a minted secret goes when a destination failed, so it is neither
//! lost nor printed. Under the state directory (`$XDG_STATE_HOME/flexprice-admin/`, mode
//! 0700), one file per key (mode 0600), named after the key ID and the time.

use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

/// Writes the secret to a new 0600 file in `state_dir` and returns its path.
pub fn write(state_dir: &Path, key_id: &str, secret: &SecretString) -> std::io::Result<PathBuf> {
    crate::config::private_dir(state_dir)?;
    let stamp = crate::time::now().strftime("%Y%m%dT%H%M%SZ").to_string();
    let safe_id = crate::config::file_component(key_id);
    let path = state_dir.join(format!("recovered-{safe_id}-{stamp}.key"));
    let mut file = super::file::create_private(&path)?;
    file.write_all(secret.expose_secret().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    Ok(path)
}
