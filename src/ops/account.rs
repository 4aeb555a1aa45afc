//! Service accounts: creating one with its roles, and archiving one (which Flexprice refuses
//! while the account holds an active key).

use crate::api::models::User;
use crate::api::permissions::check_service_account_roles;
use crate::api::{self, ApiError, Client};

/// The server's refusal to archive an account that still has active keys (contract §3.9).
pub(crate) const STILL_HAS_KEYS: &str = "Revoke all API keys before archiving this service account";

/// Why an account was not created.
#[derive(Debug)]
pub(crate) enum CreateError {
    /// A role a service account cannot hold: refused before any request.
    Roles(String),
    Api(ApiError),
}

/// Creates a service account holding `roles`, checked first against what the account type may
/// hold.
pub(crate) async fn create(
    client: &Client,
    name: &str,
    roles: &[String],
) -> Result<User, CreateError> {
    check_service_account_roles(roles).map_err(CreateError::Roles)?;
    let request = api::endpoints::create_service_account_request(name, roles);
    client
        .create_service_account(&request)
        .await
        .map_err(CreateError::Api)
}

/// Why an account was not archived.
#[derive(Debug)]
pub(crate) enum ArchiveError {
    /// It still holds active keys (some may be invisible from here: another environment's, or
    /// publishable keys, which are never listed).
    StillHasKeys(ApiError),
    Api(ApiError),
}

/// Archives the service account `id`.
pub(crate) async fn archive(client: &Client, id: &str) -> Result<(), ArchiveError> {
    match client
        .send_empty(&api::endpoints::delete_user_request(id))
        .await
    {
        Ok(()) => Ok(()),
        Err(err) if err.server_message() == Some(STILL_HAS_KEYS) => {
            Err(ArchiveError::StillHasKeys(err))
        }
        Err(err) => Err(ArchiveError::Api(err)),
    }
}
