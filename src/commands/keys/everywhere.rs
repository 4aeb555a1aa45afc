//! `--all-environments`: the keys of every environment of the tenant. Flexprice lists keys one
//! environment at a time, and only a credential that is not bound to an environment (a
//! tenant-level key, a login token) can choose which with `X-Environment-ID`; a key stored in
//! the database always acts in its own, so it is refused here rather than shown its own
//! environment once per environment.

use std::collections::HashMap;

use futures_util::{StreamExt, TryStreamExt, stream};

use crate::api::models::{ApiKey, Environment};
use crate::api::{Client, KeyFilter};
use crate::context::Context;
use crate::error::{CommandError, CommandResult};

/// Environments listed at once.
const CONCURRENCY: usize = 4;

/// The keys of one environment.
pub(crate) struct EnvironmentKeys {
    pub environment: Environment,
    pub keys: Vec<ApiKey>,
}

/// Every key of every environment, in the order `environments list` gives the environments.
/// Exit 2 when the credential is bound to one environment.
pub(crate) async fn list_keys(
    ctx: &Context,
    client: &Client,
    filter: &KeyFilter,
) -> CommandResult<Vec<EnvironmentKeys>> {
    let environments = environments(ctx, client).await?;
    keys_in(ctx, client, filter, environments).await
}

/// Every key of each of `environments`, asked for with `X-Environment-ID` (the caller knows the
/// credential is not bound to an environment).
pub(crate) async fn keys_in(
    ctx: &Context,
    client: &Client,
    filter: &KeyFilter,
    environments: Vec<Environment>,
) -> CommandResult<Vec<EnvironmentKeys>> {
    let found = ctx
        .out
        .waiting(
            "Fetching keys of every environment",
            stream::iter(environments)
                .map(|environment| async move {
                    let keys = client
                        .with_environment(Some(environment.id.clone()))
                        .list_keys(filter, None)
                        .await?;
                    Ok::<_, CommandError>(EnvironmentKeys { environment, keys })
                })
                .buffered(CONCURRENCY)
                .try_collect::<Vec<_>>(),
        )
        .await?;
    Ok(found)
}

/// The tenant's environments, once the credential is known to be free to choose one.
pub(crate) async fn environments(
    ctx: &Context,
    client: &Client,
) -> CommandResult<Vec<Environment>> {
    if client.bound_to_environment().await? {
        return Err(CommandError::usage(
            "--all-environments: this credential is an API key bound to one environment; Flexprice \
             runs every call it makes in that environment, whatever --environment says, so it cannot \
             list the others",
        )
        .hint("drop --all-environments to see this environment's keys")
        .hint(format!(
            "for the whole tenant, use a credential not bound to an environment: a login token \
             (`{}` logs in as a dashboard user and stores one), or a tenant-level key from the server's \
             configuration (`flexprice-admin auth login{}` stores a key)",
            ctx.login_command(),
            ctx.profile_flag()
        )));
    }
    Ok(ctx
        .out
        .waiting("Fetching environments", client.environments())
        .await?)
}

/// Key ID → its environment, for rendering a flattened listing.
pub(crate) fn by_key(found: &[EnvironmentKeys]) -> HashMap<&str, &Environment> {
    found
        .iter()
        .flat_map(|e| e.keys.iter().map(move |k| (k.id.as_str(), &e.environment)))
        .collect()
}
