//! `service-accounts create | list | rename | delete`.

use super::dry_run::emit_planned;
use super::{keys, resolve};
use crate::api::models::User;
use crate::api::permissions::check_service_account_roles;
use crate::api::{self, KeyFilter};
use crate::cli::{ServiceAccountsCreateArgs, ServiceAccountsDeleteArgs, ServiceAccountsRenameArgs};
use crate::context::Context;
use crate::error::{CommandError, CommandResult, ErrorContext, Exit};
use crate::interrupt::Scope;
use crate::ops;
use crate::output::Cell;
use crate::views::AccountJson;

const PUBLISHABLE_NOTE: &str = "publishable keys (pk_...) minted for the account block the archive too, but are never \
     listed: revoke them by ID with `flexprice-admin keys delete secret_...`";

pub(super) async fn create(ctx: &Context, args: &ServiceAccountsCreateArgs) -> CommandResult<Exit> {
    check_service_account_roles(&args.roles).map_err(roles_refused)?;
    let client = ctx.client()?;
    // A second account of the same name makes every later reference by that name ambiguous
    // (`keys create --service-account NAME`, `sa delete NAME`), so it needs saying so.
    let accounts = resolve::fetch_service_accounts(ctx, &client).await?;
    let same_name: Vec<&User> = accounts
        .iter()
        .filter(|a| a.name.as_deref() == Some(args.name.as_str()))
        .collect();
    if args.if_missing && !same_name.is_empty() {
        return existing(ctx, args, &same_name);
    }
    if !same_name.is_empty() && !args.allow_duplicate_name {
        let mut err = CommandError::new(
            Exit::Conflict,
            format!(
                "a service account named '{}' already exists; a second one would make the name ambiguous wherever it is used",
                args.name
            ),
        );
        for account in &same_name {
            err = err.hint(format!("{}  roles {}", account.id, account.roles.join(",")));
        }
        return Err(err
            .hint("choose another name, or pass --allow-duplicate-name (later references then need the ID)"));
    }
    let request = api::endpoints::create_service_account_request(&args.name, &args.roles);
    if ctx.settings.dry_run {
        emit_planned(ctx, &client, &[request])?;
        return Ok(Exit::Ok);
    }
    let account = match ops::account::create(&client, &args.name, &args.roles).await {
        Ok(account) => account,
        Err(ops::account::CreateError::Roles(why)) => return Err(roles_refused(why)),
        Err(ops::account::CreateError::Api(err)) => {
            return Err(CommandError::from(err).context("creating the service account"));
        }
    };
    print_account(ctx, &account)?;
    if !same_name.is_empty() {
        ctx.out.warn(format!(
            "{} service accounts are now named '{}'; refer to this one by its ID, {}",
            same_name.len() + 1,
            args.name,
            account.id
        ));
    }
    ctx.out.note(format!(
        "Created service account {} ({}) with roles {}.",
        account.id,
        account.label(),
        account.roles.join(", ")
    ));
    ctx.out.hint(format!(
        "mint a key for it: `flexprice-admin keys create --name NAME --service-account {}`",
        account.id
    ));
    Ok(Exit::Ok)
}

fn roles_refused(why: String) -> CommandError {
    CommandError::usage(format!("--role: {why}")).hint(
        "`flexprice-admin roles list --for service-account` shows the roles a service account can hold",
    )
}

/// `--if-missing` and an account of that name exists: exit 0 with nothing created when it is
/// the one asked for (one account, the same roles), printed as a new one would be, so a script
/// reads its ID the same way on every run. Otherwise nothing is created either, but it is not
/// what was asked for: a different set of roles (which cannot change) or several accounts of
/// that name are a conflict (exit 7).
fn existing(
    ctx: &Context,
    args: &ServiceAccountsCreateArgs,
    same_name: &[&User],
) -> CommandResult<Exit> {
    let mut wanted: Vec<&str> = args.roles.iter().map(String::as_str).collect();
    wanted.sort_unstable();
    wanted.dedup();
    fn roles_of(account: &User) -> Vec<&str> {
        let mut roles: Vec<&str> = account.roles.iter().map(String::as_str).collect();
        roles.sort_unstable();
        roles.dedup();
        roles
    }
    match same_name {
        [one] if roles_of(one) == wanted => {
            print_account(ctx, one)?;
            ctx.out.note(format!(
                "Service account '{}' already exists ({}, roles {}); nothing was created (--if-missing).",
                args.name,
                one.id,
                one.roles.join(", ")
            ));
            Ok(Exit::Ok)
        }
        [one] => Err(CommandError::new(
            Exit::Conflict,
            format!(
                "a service account named '{}' already exists with roles {}, not {}; nothing was created",
                args.name,
                one.roles.join(","),
                wanted.join(",")
            ),
        )
        .hint(format!(
            "a service account's roles cannot change: use {} as it is, or create one under another name",
            one.id
        ))),
        many => {
            let mut err = CommandError::new(
                Exit::Conflict,
                format!(
                    "{} service accounts are named '{}', so --if-missing cannot tell which one is meant; nothing was created",
                    many.len(),
                    args.name
                ),
            );
            for account in many {
                err = err.hint(format!("{}  roles {}", account.id, account.roles.join(",")));
            }
            Err(err
                .hint("refer to the one you mean by its ID, or archive the others (`flexprice-admin service-accounts delete ID`)"))
        }
    }
}

fn print_account(ctx: &Context, account: &User) -> CommandResult<()> {
    if ctx.out.is_json() {
        ctx.out.json(&AccountJson::from(account))
    } else {
        Ok(ctx.out.ids([&account.id])?)
    }
}

pub(super) async fn list(ctx: &Context) -> CommandResult<Exit> {
    let client = ctx.client()?;
    let accounts = resolve::fetch_service_accounts(ctx, &client).await?;
    if ctx.out.is_json() {
        let views: Vec<AccountJson> = accounts.iter().map(AccountJson::from).collect();
        ctx.out.json(&views)?;
    } else if ctx.out.quiet {
        ctx.out.ids(accounts.iter().map(|a| &a.id))?;
    } else if accounts.is_empty() {
        ctx.out.note("No service accounts found.");
        ctx.out.hint("create one with `flexprice-admin service-accounts create --name NAME --role event_ingestor`");
    } else {
        let rows = accounts
            .iter()
            .map(|a| {
                vec![
                    Cell::new(&a.id),
                    Cell::new(a.name.clone().unwrap_or_default()),
                    Cell::new(a.roles.join(",")),
                ]
            })
            .collect();
        ctx.out.rows(&["ID", "NAME", "ROLES"], rows)?;
    }
    Ok(Exit::Ok)
}

pub(super) async fn rename(ctx: &Context, args: &ServiceAccountsRenameArgs) -> CommandResult<Exit> {
    resolve::classify(&args.account, "user_", "service account", "ACCOUNT")?;
    let client = ctx.client()?;
    let account = resolve::fetch_service_account(ctx, &client, &args.account, "ACCOUNT").await?;
    let request = api::endpoints::rename_user_request(&account.id, &args.new_name);
    if ctx.settings.dry_run {
        emit_planned(ctx, &client, &[request])?;
        return Ok(Exit::Ok);
    }
    let renamed: User = client
        .send(&request)
        .await
        .context("renaming the service account")?;
    print_account(ctx, &renamed)?;
    ctx.out.note(format!(
        "Renamed service account {} from {} to {}.",
        renamed.id,
        account.label(),
        renamed.label()
    ));
    Ok(Exit::Ok)
}

pub(super) async fn delete(ctx: &Context, args: &ServiceAccountsDeleteArgs) -> CommandResult<Exit> {
    resolve::classify(&args.account, "user_", "service account", "ACCOUNT")?;
    let client = ctx.client()?;
    let account = resolve::fetch_service_account(ctx, &client, &args.account, "ACCOUNT").await?;
    let filter = KeyFilter {
        user_id: Some(account.id.clone()),
        ..KeyFilter::default()
    };
    let mut keys = ctx
        .out
        .waiting(
            "Fetching the account's keys",
            client.list_keys(&filter, None),
        )
        .await?;
    keys.retain(|k| k.user_id.as_deref() == Some(account.id.as_str()));
    let revoking = args.revoke_keys && !keys.is_empty();
    // Checks before questions: the keys that would block the archive are named now, not after
    // a confirmation the server would refuse anyway.
    if !args.revoke_keys && !keys.is_empty() {
        return Err(blocking_keys(&account, &keys, args));
    }
    if ctx.settings.dry_run {
        let mut requests: Vec<_> = if revoking {
            keys.iter()
                .map(|k| api::endpoints::delete_key_request(&k.id))
                .collect()
        } else {
            Vec::new()
        };
        requests.push(api::endpoints::delete_user_request(&account.id));
        emit_planned(ctx, &client, &requests)?;
        return Ok(Exit::Ok);
    }
    let question = if revoking {
        format!(
            "Revoke {} key(s) of service account {} and archive it?",
            keys.len(),
            account.label()
        )
    } else {
        format!(
            "Archive service account {} ({})?",
            account.label(),
            account.id
        )
    };
    if !ctx.confirm(&question, "--yes")? {
        ctx.out.note("Nothing changed.");
        return Ok(Exit::Ok);
    }
    if revoking {
        // One scope for the revocations and what follows them: a signal received while they run
        // lets those in flight finish and archives nothing (a re-run does), as `users remove`
        // removes no one.
        let scope = Scope::open(None);
        let outcome = keys::revoke_all_in(ctx, &client, &keys, &scope).await?;
        if outcome != Exit::Ok {
            return Ok(outcome);
        }
        if let Some(signal) = scope.signal() {
            return Err(CommandError::new(
                signal.exit(),
                format!(
                    "{}: the {} key(s) of service account {} are revoked; it was not archived",
                    signal.describe(),
                    keys.len(),
                    account.label()
                ),
            )
            .hint(format!(
                "archive it with `flexprice-admin service-accounts delete {} --yes`",
                account.id
            )));
        }
    }
    match ops::account::archive(&client, &account.id).await {
        Ok(()) => {
            if ctx.out.quiet {
                ctx.out.ids([&account.id])?;
            }
            ctx.out.note(format!(
                "Archived service account {} ({}).",
                account.id,
                account.label()
            ));
            Ok(Exit::Ok)
        }
        Err(ops::account::ArchiveError::StillHasKeys(err)) => {
            Err(still_has_keys(&account, &keys, args, &err.to_string()))
        }
        Err(ops::account::ArchiveError::Api(err)) => Err(err.into()),
    }
}

/// The account's visible active keys block the archive: refused before any question or request
/// that would change something (exit 7), naming them.
fn blocking_keys(
    account: &User,
    keys: &[api::models::ApiKey],
    args: &ServiceAccountsDeleteArgs,
) -> CommandError {
    still_has_keys(account, keys, args, "nothing was changed")
}

/// The server refuses without naming the keys; we name the ones we can see.
fn still_has_keys(
    account: &User,
    keys: &[api::models::ApiKey],
    args: &ServiceAccountsDeleteArgs,
    why: &str,
) -> CommandError {
    let mut user_err = CommandError::new(
        Exit::Conflict,
        format!(
            "service account {} ({}) still has active API keys ({why})",
            account.label(),
            account.id
        ),
    );
    if !args.revoke_keys && !keys.is_empty() {
        for key in keys {
            user_err = user_err.hint(format!("active key {} ({})", key.id, key.name));
        }
        user_err = user_err.hint(format!(
            "revoke them and archive in one step: `flexprice-admin service-accounts delete {} --revoke-keys`",
            account.id
        ));
    } else {
        user_err = user_err.hint(
            "no active key of this account is visible here: keys in other environments are listed only there \
             (run this command with an admin key of each environment)",
        );
    }
    user_err.hint(PUBLISHABLE_NOTE)
}
