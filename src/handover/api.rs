//! The few API calls a hand-over and a rotation make, as a trait: [`Client`] is the real one,
//! and the tests of the hand-over stand in for the server without one.

use std::future::Future;

use secrecy::SecretString;

use crate::api::models::{ApiKey, CreatedKey, User};
use crate::api::{ApiError, Client, Credential, KeyFilter, Request};

pub trait KeyApi {
    /// `POST /secrets/api/keys`: mints a key; the secret is registered for scrubbing.
    fn create_key(&self, request: &Request) -> impl Future<Output = Result<CreatedKey, ApiError>>;
    /// The keys visible to the caller that `filter` selects.
    fn list_keys(&self, filter: &KeyFilter) -> impl Future<Output = Result<Vec<ApiKey>, ApiError>>;
    /// Revokes a key.
    fn delete_key(&self, id: &str) -> impl Future<Output = Result<(), ApiError>>;
    /// The calling principal.
    fn me(&self) -> impl Future<Output = Result<User, ApiError>>;
    /// The principal `secret` authenticates as: how a new key is checked before the key it
    /// replaces is revoked.
    fn me_as(&self, secret: &SecretString) -> impl Future<Output = Result<User, ApiError>>;
}

impl KeyApi for Client {
    async fn create_key(&self, request: &Request) -> Result<CreatedKey, ApiError> {
        Client::create_key(self, request).await
    }

    async fn list_keys(&self, filter: &KeyFilter) -> Result<Vec<ApiKey>, ApiError> {
        Client::list_keys(self, filter, None).await
    }

    async fn delete_key(&self, id: &str) -> Result<(), ApiError> {
        Client::delete_key(self, id).await
    }

    async fn me(&self) -> Result<User, ApiError> {
        Client::me(self).await
    }

    async fn me_as(&self, secret: &SecretString) -> Result<User, ApiError> {
        self.with_credential(Credential::new(secret.clone()))
            .me()
            .await
    }
}
