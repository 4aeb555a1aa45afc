//! `users list | remove`: the tenant's people, and offboarding one. Flexprice's
//! `POST /users/{id}/remove` (contract §12) archives the person and, as released, leaves every
//! API key of theirs working (key verification never looks at the owner), so `remove` lists the
//! person's live keys in every environment the credential can see first, revokes them
//! (`--revoke-keys`) or reports each with the command that revokes it (`--keep-keys`), and
//! looks again afterwards, which is right whichever revision of the server answers.

use std::collections::HashMap;

use serde::Serialize;

use super::dry_run::emit_planned;
use super::keys;
use super::keys::everywhere;
use crate::api::models::{ApiKey, Environment, User};
use crate::api::{self, ApiError, Client, KeyFilter};
use crate::cli::UsersRemoveArgs;
use crate::context::Context;
use crate::error::{CommandError, CommandResult, ErrorContext, Exit};
use crate::interrupt::Scope;
use crate::output::Cell;
use crate::time;
use crate::views::{AccountJson, KeyJson};

/// The server's refusal to remove the tenant's last person (its hint, contract §12).
const LAST_PERSON: &str = "At least one human user must remain in the tenant";

/// A person as `users list` shows them.
#[derive(Serialize)]
struct PersonJson {
    #[serde(flatten)]
    account: AccountJson,
    /// Live keys (not expired) this person holds in the environments counted; null when the
    /// credential cannot see other people's keys (only a super_admin user's can).
    live_keys: Option<usize>,
}

/// A live key of a person, with its environment when the credential sees every environment.
#[derive(Debug, Clone)]
struct HeldKey {
    key: ApiKey,
    environment: Option<Environment>,
}

impl HeldKey {
    fn json(&self) -> KeyJson {
        KeyJson::new(&self.key, None, time::now()).in_environment(self.environment.as_ref())
    }

    /// The command that revokes it, with `--environment` when it is not the credential's own.
    fn revoke_command(&self) -> String {
        match &self.environment {
            Some(e) => format!(
                "flexprice-admin keys delete {} --environment {}",
                self.key.id, e.id
            ),
            None => format!("flexprice-admin keys delete {}", self.key.id),
        }
    }

    fn environment_name(&self) -> &str {
        self.environment.as_ref().map_or("", |e| e.name.as_str())
    }
}

/// Which keys the credential can see: every environment's, or its own environment's only.
struct Sight {
    every_environment: bool,
    keys: Vec<HeldKey>,
}

/// Every live key visible to the credential (every environment when it is not bound to one),
/// optionally only `owner`'s.
async fn live_keys(ctx: &Context, client: &Client, owner: Option<&str>) -> CommandResult<Sight> {
    let filter = KeyFilter {
        user_id: owner.map(str::to_owned),
        ..KeyFilter::default()
    };
    let now = time::now();
    let live = |k: &ApiKey| {
        k.expires_at.is_none_or(|at| at > now)
            && owner.is_none_or(|o| k.user_id.as_deref() == Some(o))
    };
    if client.bound_to_environment().await? {
        let keys = ctx
            .out
            .waiting("Fetching keys", client.list_keys(&filter, None))
            .await?;
        return Ok(Sight {
            every_environment: false,
            keys: keys
                .into_iter()
                .filter(|k| live(k))
                .map(|key| HeldKey {
                    key,
                    environment: None,
                })
                .collect(),
        });
    }
    let found = everywhere::list_keys(ctx, client, &filter).await?;
    let mut keys = Vec::new();
    for e in found {
        for key in e.keys.into_iter().filter(|k| live(k)) {
            keys.push(HeldKey {
                key,
                environment: Some(e.environment.clone()),
            });
        }
    }
    Ok(Sight {
        every_environment: true,
        keys,
    })
}

/// Whether `me` sees every key of its environment (a super_admin *user*, contract §4.4), and
/// so other people's keys.
fn sees_others_keys(me: &User) -> bool {
    me.user_type != "service_account" && me.roles.iter().any(|r| r == "super_admin")
}

const BOUND_WARNING: &str = "this credential is an API key bound to one environment: keys in other environments are not seen here; a tenant-level key or a login token sees them all";

pub(super) async fn list(ctx: &Context) -> CommandResult<Exit> {
    let client = ctx.client()?;
    let (people, me) = ctx
        .out
        .waiting(
            "Fetching people",
            futures_util::future::join(client.search_users("user", None), client.me()),
        )
        .await;
    let people = people.context("listing the tenant's people")?;
    // Counting needs every key, which only a super_admin user's credential lists.
    let counts: Option<HashMap<String, usize>> = match &me {
        Ok(me) if sees_others_keys(me) => {
            let sight = live_keys(ctx, &client, None).await?;
            if !sight.every_environment && !ctx.out.quiet {
                ctx.out.note(format!(
                    "Live keys counted in this credential's environment only ({BOUND_WARNING})."
                ));
            }
            let mut counts = HashMap::new();
            for held in &sight.keys {
                if let Some(owner) = &held.key.user_id {
                    *counts.entry(owner.clone()).or_insert(0) += 1;
                }
            }
            Some(counts)
        }
        _ => None,
    };
    let views: Vec<PersonJson> = people
        .iter()
        .map(|p| PersonJson {
            account: AccountJson::from(p),
            live_keys: counts.as_ref().map(|c| c.get(&p.id).copied().unwrap_or(0)),
        })
        .collect();
    if ctx.out.is_json() {
        ctx.out.json(&views)?;
        return Ok(Exit::Ok);
    }
    if ctx.out.quiet {
        ctx.out.ids(views.iter().map(|v| &v.account.id))?;
        return Ok(Exit::Ok);
    }
    if counts.is_none() {
        ctx.out.warn("live keys are not counted: only a super_admin user's credential can see other people's keys");
    }
    let rows = views
        .iter()
        .map(|v| {
            vec![
                Cell::new(&v.account.id),
                Cell::new(v.account.name.clone().unwrap_or_default()),
                Cell::new(v.account.email.clone().unwrap_or_default()),
                Cell::new(v.account.roles.join(",")),
                Cell::new(
                    v.live_keys
                        .map_or_else(|| "?".to_string(), |n| n.to_string()),
                ),
            ]
        })
        .collect();
    ctx.out
        .rows(&["ID", "NAME", "EMAIL", "ROLES", "LIVE KEYS"], rows)?;
    Ok(Exit::Ok)
}

/// What `users remove -o json` prints.
#[derive(Serialize)]
struct Removal {
    user: AccountJson,
    /// The person's keys this command revoked before removing them.
    revoked_keys: Vec<KeyJson>,
    /// The person's keys still live after the removal, each with the command that revokes it.
    remaining_keys: Vec<RemainingKey>,
    /// Whether every environment was searched (a credential not bound to one environment).
    every_environment: bool,
}

#[derive(Serialize)]
struct RemainingKey {
    #[serde(flatten)]
    key: KeyJson,
    revoke_command: String,
}

/// The person named by `raw` (user ID, else email: exact, else the one matching without
/// regard to case).
fn find_person<'p>(
    people: &'p [User],
    accounts: &[User],
    raw: &str,
) -> Result<&'p User, CommandError> {
    let by_id: Vec<&User> = people.iter().filter(|p| p.id == raw).collect();
    let by_email: Vec<&User> = people
        .iter()
        .filter(|p| p.email.as_deref() == Some(raw))
        .collect();
    let folded: Vec<&User> = people
        .iter()
        .filter(|p| {
            p.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(raw))
        })
        .collect();
    for candidates in [by_id, by_email, folded] {
        match candidates.as_slice() {
            [one] => return Ok(one),
            [] => {}
            many => {
                let mut err =
                    CommandError::usage(format!("ID|EMAIL: '{raw}' matches {} people", many.len()));
                for person in many {
                    err = err.hint(format!(
                        "{}  {}",
                        person.id,
                        person.email.as_deref().unwrap_or_default()
                    ));
                }
                return Err(err.hint("pass the user ID instead"));
            }
        }
    }
    if let Some(account) = accounts
        .iter()
        .find(|a| a.id == raw || a.name.as_deref() == Some(raw))
    {
        return Err(CommandError::usage(format!(
            "ID|EMAIL: '{raw}' is a service account ({}), not a person",
            account.id
        ))
        .hint(format!(
            "archive it with `flexprice-admin service-accounts delete {} --revoke-keys`",
            account.id
        )));
    }
    Err(CommandError::new(
        Exit::NotFound,
        format!("ID|EMAIL: no person with ID or email '{raw}' in the tenant"),
    )
    .hint("`flexprice-admin users list` shows the tenant's people (removed people are not listed)"))
}

pub(super) async fn remove(ctx: &Context, args: &UsersRemoveArgs) -> CommandResult<Exit> {
    // Knowable before any request: off a terminal, only --yes can confirm.
    ctx.require_confirmation("remove a person", "--yes")?;
    let client = ctx.client()?;
    let (person, sees_keys) = person_to_remove(ctx, &client, args).await?;
    let sight = keys_of_person(ctx, &client, &person, sees_keys, args).await?;
    let held: Vec<HeldKey> = sight.as_ref().map(|s| s.keys.clone()).unwrap_or_default();
    refuse_unsaid_keys(ctx, &person, &held, args)?;
    // Neither flag on a terminal: the question offers the safe way.
    let revoking = !held.is_empty() && (args.revoke_keys || !args.keep_keys);
    if ctx.settings.dry_run {
        let mut requests: Vec<_> = if revoking {
            held.iter()
                .map(|h| api::endpoints::delete_key_request(&h.key.id))
                .collect()
        } else {
            Vec::new()
        };
        requests.push(api::endpoints::remove_user_request(&person.id));
        emit_planned(ctx, &client, &requests)?;
        return Ok(Exit::Ok);
    }
    if !ctx.confirm(&removal_question(&person, &held, revoking), "--yes")? {
        ctx.out.note("Nothing changed.");
        if revoking && !args.revoke_keys {
            ctx.out
                .hint("to remove them and keep their keys, pass --keep-keys");
        }
        return Ok(Exit::Ok);
    }
    if revoking && let Some(stopped) = revoke_first(ctx, &client, &person, &held).await? {
        return Ok(stopped);
    }
    if let Err(err) = client
        .send_empty(&api::endpoints::remove_user_request(&person.id))
        .await
    {
        return Err(removal_failed(err, &person));
    }
    // Look again: the revision of the server that deletes the keys, a key minted meanwhile, or
    // a revocation that did not take all show here.
    let after = match &sight {
        Some(_) => live_keys(ctx, &client, Some(&person.id)).await?.keys,
        None => Vec::new(),
    };
    let revoked: Vec<&HeldKey> = if revoking {
        held.iter()
            .filter(|h| !after.iter().any(|a| a.key.id == h.key.id))
            .collect()
    } else {
        Vec::new()
    };
    report(
        ctx,
        &person,
        &held,
        &revoked,
        &after,
        sight.as_ref().is_some_and(|s| s.every_environment),
        args,
    )
}

/// The person `ID|EMAIL` names, refused when it is the caller (Flexprice would let an admin
/// lock themselves out); and whether the caller can see other people's keys.
async fn person_to_remove(
    ctx: &Context,
    client: &Client,
    args: &UsersRemoveArgs,
) -> CommandResult<(User, bool)> {
    let (people, accounts, me) = ctx
        .out
        .waiting(
            "Fetching people",
            futures_util::future::join3(
                client.search_users("user", None),
                client.search_users("service_account", None),
                client.me(),
            ),
        )
        .await;
    let people = people.context("listing the tenant's people")?;
    let accounts = accounts.unwrap_or_default();
    let person = find_person(&people, &accounts, &args.user)?.clone();
    let me = match me {
        Ok(me) => Some(me),
        // A credential with no user row (a configured key for a user that does not exist)
        // cannot be the person removed.
        Err(err) if err.is_status(404) => None,
        Err(err) => return Err(err.into()),
    };
    if me.as_ref().is_some_and(|me| me.id == person.id) {
        return Err(CommandError::usage(format!(
            "refusing to remove {} ({}): it is the account this command runs as; nothing was changed",
            person.label(),
            person.id
        ))
        .hint("Flexprice would let you lock yourself out; ask another admin to remove you")
        );
    }
    let sees_keys = me.as_ref().is_some_and(sees_others_keys);
    Ok((person, sees_keys))
}

/// The person's live keys, when the caller can see them. When it cannot, only --keep-keys
/// removes the person, with a warning that any key of theirs keeps working.
async fn keys_of_person(
    ctx: &Context,
    client: &Client,
    person: &User,
    sees_keys: bool,
    args: &UsersRemoveArgs,
) -> CommandResult<Option<Sight>> {
    if sees_keys {
        let sight = live_keys(ctx, client, Some(&person.id)).await?;
        if !sight.every_environment {
            ctx.out.warn(BOUND_WARNING);
        }
        return Ok(Some(sight));
    }
    if !args.keep_keys {
        return Err(CommandError::new(
            Exit::PermissionDenied,
            format!(
                "cannot list the keys of {} with this credential: only a super_admin user's credential sees other people's keys; nothing was changed",
                person.label()
            ),
        )
        .hint("run it with a super_admin user's credential (a tenant-level key or a login token sees every environment)")
        .hint("or pass --keep-keys to remove them anyway, leaving any key of theirs working")
        );
    }
    ctx.out.warn(format!(
        "the keys of {} cannot be listed with this credential: any they hold keeps working after the removal; `flexprice-admin keys audit --all-environments` with a super_admin user's credential finds them",
        person.label()
    ));
    Ok(None)
}

/// With nobody to ask (off a terminal, or --yes answered before the question was seen), what
/// happens to the person's keys must be said with a flag; on a terminal, the keys are shown
/// before the question.
fn refuse_unsaid_keys(
    ctx: &Context,
    person: &User,
    held: &[HeldKey],
    args: &UsersRemoveArgs,
) -> CommandResult<()> {
    if held.is_empty() {
        return Ok(());
    }
    if !args.revoke_keys && !args.keep_keys && (!ctx.interactive || ctx.settings.yes) {
        let mut err = CommandError::usage(format!(
            "{} still holds {} live key(s), which Flexprice leaves working after the removal; nothing was changed",
            person.label(),
            held.len()
        ));
        for key in held {
            err = err.hint(format!(
                "live key {} ({}){}",
                key.key.id,
                key.key.name,
                in_environment(key)
            ));
        }
        return Err(err.hint(format!(
            "pass --revoke-keys to revoke them first, or --keep-keys to remove {} and keep them",
            person.label()
        )));
    }
    if ctx.interactive && !ctx.settings.yes && !ctx.settings.dry_run {
        let rows = held
            .iter()
            .map(|h| {
                vec![
                    Cell::new(&h.key.id),
                    Cell::new(&h.key.name),
                    Cell::new(h.key.roles.join(",")),
                    Cell::new(h.environment_name()),
                ]
            })
            .collect();
        ctx.out
            .table_on_stderr(&["ID", "NAME", "ROLES", "ENV"], rows)?;
    }
    Ok(())
}

/// "Revoke 2 key(s) of Leaver (leaver@example.com), then remove them from the tenant?"
fn removal_question(person: &User, held: &[HeldKey], revoking: bool) -> String {
    // "Leaver (leaver@example.com)", or the email and the ID when there is no name.
    let who = match person.email.as_deref() {
        Some(email) if email != person.label() => format!("{} ({email})", person.label()),
        _ => format!("{} ({})", person.label(), person.id),
    };
    if revoking {
        format!(
            "Revoke {} key(s) of {who}, then remove them from the tenant?",
            held.len()
        )
    } else if held.is_empty() {
        format!("Remove {who} from the tenant?")
    } else {
        format!(
            "Remove {who} from the tenant, leaving their {} key(s) working?",
            held.len()
        )
    }
}

/// Revokes the person's keys before removing them. `Some(exit)` when the removal must not
/// follow: a revocation failed, or a signal came (all revocations finished; a re-run removes
/// the person, needing no flag once the keys are gone).
async fn revoke_first(
    ctx: &Context,
    client: &Client,
    person: &User,
    held: &[HeldKey],
) -> CommandResult<Option<Exit>> {
    let scope = Scope::open(None);
    let outcome = revoke_everywhere(ctx, client, held, &scope).await?;
    if outcome != Exit::Ok {
        return Ok(Some(outcome));
    }
    if let Some(signal) = scope.signal() {
        return Err(CommandError::new(
            signal.exit(),
            format!(
                "{}: the {} key(s) of {} are revoked; {} was not removed",
                signal.describe(),
                held.len(),
                person.label(),
                person.label()
            ),
        )
        .hint(format!(
            "remove them with `flexprice-admin users remove {} --yes`",
            person.id
        )));
    }
    Ok(None)
}

fn in_environment(key: &HeldKey) -> String {
    match &key.environment {
        Some(e) => format!(" in {}", e.name),
        None => String::new(),
    }
}

/// Revokes `held` in one batch, under one signal scope, each key in its own environment (a
/// credential not bound to one must name the key's environment for Flexprice to find it). One
/// batch, so that a signal stops the whole offboarding before the person is removed.
async fn revoke_everywhere(
    ctx: &Context,
    client: &Client,
    held: &[HeldKey],
    scope: &Scope,
) -> CommandResult<Exit> {
    let routed = Routed {
        default: client.clone(),
        by_key: held
            .iter()
            .filter_map(|h| {
                let environment = h.environment.as_ref()?;
                Some((
                    h.key.id.clone(),
                    client.with_environment(Some(environment.id.clone())),
                ))
            })
            .collect(),
    };
    let keys: Vec<ApiKey> = held.iter().map(|h| h.key.clone()).collect();
    keys::revoke_all_in(ctx, &routed, &keys, scope).await
}

/// The API with each key's revocation sent in that key's environment.
struct Routed {
    default: Client,
    by_key: HashMap<String, Client>,
}

impl crate::handover::KeyApi for Routed {
    async fn create_key(
        &self,
        request: &api::Request,
    ) -> Result<api::models::CreatedKey, ApiError> {
        self.default.create_key(request).await
    }

    async fn list_keys(&self, filter: &KeyFilter) -> Result<Vec<ApiKey>, ApiError> {
        self.default.list_keys(filter, None).await
    }

    async fn delete_key(&self, id: &str) -> Result<(), ApiError> {
        self.by_key
            .get(id)
            .unwrap_or(&self.default)
            .delete_key(id)
            .await
    }

    async fn me(&self) -> Result<User, ApiError> {
        self.default.me().await
    }

    async fn me_as(&self, secret: &secrecy::SecretString) -> Result<User, ApiError> {
        crate::handover::KeyApi::me_as(&self.default, secret).await
    }
}

/// The server refused the removal: the last person stays (exit 7); anything else as it came.
fn removal_failed(err: ApiError, person: &User) -> CommandError {
    if err.server_message() == Some(LAST_PERSON) {
        return CommandError::new(
            Exit::Conflict,
            format!(
                "{} ({}) is the tenant's last person, and Flexprice keeps at least one",
                person.label(),
                person.id
            ),
        )
        .hint("invite their successor first: a person is invited from the Flexprice dashboard");
    }
    CommandError::from(err).context(format!("removing {} ({})", person.label(), person.id))
}

/// The receipt, and what is left: each remaining key with the command that revokes it.
fn report(
    ctx: &Context,
    person: &User,
    held: &[HeldKey],
    revoked: &[&HeldKey],
    after: &[HeldKey],
    every_environment: bool,
    args: &UsersRemoveArgs,
) -> CommandResult<Exit> {
    // Revoked by this command, or gone by the server's doing (the revision that deletes them).
    let gone_by_server = if revoked.is_empty() {
        held.iter()
            .filter(|h| !after.iter().any(|a| a.key.id == h.key.id))
            .count()
    } else {
        0
    };
    let removal = Removal {
        user: AccountJson::from(person),
        revoked_keys: revoked.iter().map(|h| h.json()).collect(),
        remaining_keys: after
            .iter()
            .map(|h| RemainingKey {
                key: h.json(),
                revoke_command: h.revoke_command(),
            })
            .collect(),
        every_environment,
    };
    if ctx.out.is_json() {
        ctx.out.json(&removal)?;
    } else if ctx.out.quiet {
        ctx.out.ids([&person.id])?;
    } else if !after.is_empty() {
        let rows = after
            .iter()
            .map(|h| {
                vec![
                    Cell::new(&h.key.id),
                    Cell::new(&h.key.name),
                    Cell::split(
                        h.environment_name(),
                        h.environment.as_ref().map_or("", |e| e.id.as_str()),
                    ),
                    Cell::new(h.revoke_command()),
                ]
            })
            .collect();
        ctx.out.rows(&["ID", "NAME", "ENV", "REVOKE WITH"], rows)?;
    }
    ctx.out.note(format!(
        "Removed {} ({}) from the tenant.",
        person.label(),
        person.id
    ));
    if gone_by_server > 0 {
        ctx.out.note(format!(
            "Flexprice revoked their {gone_by_server} key(s) itself."
        ));
    }
    if after.is_empty() {
        return Ok(Exit::Ok);
    }
    for h in after {
        ctx.out.warn(format!(
            "key {} ({}){} of the removed {} still works: revoke it with `{}`",
            h.key.id,
            h.key.name,
            in_environment(h),
            person.label(),
            h.revoke_command()
        ));
    }
    if args.keep_keys {
        ctx.out
            .hint("`flexprice-admin keys audit` reports them as orphaned until they are revoked");
        return Ok(Exit::Ok);
    }
    // --revoke-keys, and keys are still there: minted meanwhile, or a revocation undone.
    Err(CommandError::new(
        Exit::PartialFailure,
        format!(
            "{} key(s) of the removed person still work after revoking the ones listed before",
            after.len()
        ),
    )
    .hint("revoke them with the commands above"))
}
