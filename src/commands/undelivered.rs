//! What happens to a minted secret that did not reach every destination, for every command
//! that mints a key: it is never lost and never leaked. By default it goes to a 0600 recovery
//! file (exit 9, naming the file); with `--on-store-failure revoke` the new key is revoked
//! instead; and when no recovery file can be written, the key is revoked as the only safe end.

use secrecy::SecretString;

use super::keys::REVOCATION_DELAY_NOTE;
use crate::api::Client;
use crate::cli::OnStoreFailure;
use crate::context::Context;
use crate::error::{Exit, UserError};
use crate::secrets::{self, NotDelivered, recovery};

/// The outcome of [`fall_back`]: the error to report, and whether the key is still live (then
/// its secret is in the recovery file, and may also be printed).
pub struct FallBack {
    pub error: anyhow::Error,
    pub key_live: bool,
}

/// Keeps or revokes the key whose secret `failed` to arrive, per `policy`; `context` says which
/// step of which command failed, for the message.
pub async fn fall_back(
    ctx: &Context,
    client: &Client,
    policy: OnStoreFailure,
    key_id: &str,
    secret: &SecretString,
    failed: &NotDelivered,
    context: &str,
) -> FallBack {
    for (label, why) in &failed.failures {
        ctx.out
            .warn(format!("could not deliver the secret to {label}: {why}"));
    }
    if policy == OnStoreFailure::Revoke {
        match client.delete_key(key_id).await {
            Ok(()) => {
                let mut err = UserError::new(
                    Exit::NotDelivered,
                    format!(
                        "{context}: the secret of key {key_id} could not be delivered ({failed}); the key was revoked \
                         (--on-store-failure revoke), so no recovery file was needed"
                    ),
                )
                .hint(REVOCATION_DELAY_NOTE);
                if !failed.stored_in.is_empty() {
                    err = err.hint(format!(
                        "these destinations hold the revoked key's useless secret and can be cleaned up: {}",
                        failed.stored_in.join(", ")
                    ));
                }
                return FallBack {
                    error: err.into(),
                    key_live: false,
                };
            }
            Err(e) => ctx.out.warn(format!(
                "could not revoke key {key_id} ({e}); keeping its secret in a recovery file instead"
            )),
        }
    }
    match recovery::write(&ctx.paths.state_dir, key_id, secret) {
        Ok(path) => FallBack {
            error: anyhow::Error::new(secrets::not_delivered_error(key_id, failed, &path))
                .context(context.to_string()),
            key_live: true,
        },
        Err(write_error) => {
            // Nowhere safe to keep the secret: revoking is the only way not to lose or leak it.
            let (what, key_live) = match client.delete_key(key_id).await {
                Ok(()) => ("the key was revoked".to_string(), false),
                Err(e) => (
                    format!(
                        "revoking the key failed too ({e}); revoke it with `flexprice-admin keys delete {key_id}`"
                    ),
                    true,
                ),
            };
            let err = UserError::new(
                Exit::NotDelivered,
                format!(
                    "{context}: the secret of key {key_id} could not be delivered ({failed}) nor written to a recovery \
                     file in {} ({write_error}); {what}",
                    ctx.paths.state_dir.display()
                ),
            );
            FallBack {
                error: err.into(),
                key_live,
            }
        }
    }
}

/// A failed write of the secret to stdout, as a failed destination.
pub fn stdout_failed(error: &std::io::Error, stored_in: Vec<String>) -> NotDelivered {
    NotDelivered {
        failures: vec![("stdout".into(), error.to_string())],
        stored_in,
    }
}
