//! References that need the API first: the service accounts, fetched (with a spinner on a
//! terminal) and resolved by `crate::names`. The pure parts are re-exported here for the
//! commands that resolve what the user typed.

pub(crate) use crate::names::{
    classify, environment_id, environment_id_like, key, keys_named, service_account,
};

use crate::api::Client;
use crate::api::models::User;
use crate::context::Context;
use crate::error::CommandResult;

/// Every published service account, with a spinner on a terminal.
pub(crate) async fn fetch_service_accounts(
    ctx: &Context,
    client: &Client,
) -> CommandResult<Vec<User>> {
    Ok(ctx
        .out
        .waiting(
            "Fetching service accounts",
            client.search_users("service_account", None),
        )
        .await?)
}

/// Fetches every service account and picks the one `raw` names (an ID or a unique name);
/// `arg` is the flag or argument it came from, for the error.
pub(crate) async fn fetch_service_account(
    ctx: &Context,
    client: &Client,
    raw: &str,
    arg: &str,
) -> CommandResult<User> {
    let accounts = fetch_service_accounts(ctx, client).await?;
    Ok(service_account(&accounts, raw, arg)?.clone())
}
