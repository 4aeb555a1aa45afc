//! The recovery file: where a minted secret goes when a destination failed, so it is neither
//! lost nor printed. Under the state directory (`$XDG_STATE_HOME/flexprice-admin/`, mode
//! 0700), one file per key (mode 0600), named after the key ID and the time.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::private_file;

/// Writes the secret to a new 0600 file in `state_dir` and returns its path.
pub fn write(state_dir: &Path, key_id: &str, secret: &SecretString) -> std::io::Result<PathBuf> {
    private_file::private_dir(state_dir)?;
    let stamp = crate::time::now().strftime("%Y%m%dT%H%M%SZ").to_string();
    let safe_id = private_file::file_component(key_id);
    let path = state_dir.join(format!("recovered-{safe_id}-{stamp}.key"));
    let text = Zeroizing::new(format!("{}\n", secret.expose_secret()));
    private_file::write_new(&path, text.as_bytes())?;
    Ok(path)
}
