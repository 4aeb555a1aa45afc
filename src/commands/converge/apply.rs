//! `apply`: brings the tenant to the manifest, with every safety of the hand-over. One run at a
//! time per manifest and per declared account (locks, exit 7 naming the holder); the plan shown
//! and confirmed; every destination of every key checked before the first change; then, in
//! order:
//!
//! 1. the service accounts that are missing, or that a migration replaces, are created;
//! 2. keys are minted, rotated and finished, `--jobs` at a time, each through the operations
//!    layer (a recovery file ahead of every delivery, a lost create looked up, a rotation's old
//!    key revoked only once its successor is delivered and verified, or kept for its grace);
//! 3. then, and only for accounts whose keys all went through, old keys are revoked and old or
//!    absent accounts archived.
//!
//! A second apply right after finds nothing to do. The exit code says what happened: 0, 9 when
//! a minted secret waits undelivered (the next apply delivers it), 8 when some changes failed,
//! the signal's code when a signal left changes unstarted.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use futures_util::{StreamExt, stream};
use secrecy::ExposeSecret;
use serde::Serialize;

use super::show::{self, ChangeJson, Count};
use super::{compare, survey};
use crate::api::models::{ApiKey, CreateKeyBody, User};
use crate::api::permissions::route_gate;
use crate::api::{self, Client};
use crate::batch::{Batch, Item};
use crate::cli::ApplyArgs;
use crate::commands::keys;
use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};
use crate::explain;
use crate::handover::plan::{self, Surroundings, Wanted};
use crate::handover::{Destination, Handover, KeyIdent, Lookup, Minted, Payload, journal};
use crate::interrupt::Scope;
use crate::lock::Lock;
use crate::manifest::diff::{Change, Diff, Live};
use crate::manifest::{self, Manifest};
use crate::ops;
use crate::ops::rotate::Rotation;

/// The owner the keys of declared account `a` stand under in the pre-flight while the account
/// is not created yet: one per account, as the manifest's own check stands each account's name
/// in, so that `{owner}` and `$FLEXPRICE_KEY_OWNER` keep two new accounts' keys of one name
/// apart as their real IDs will (one stand-in for every account took them for one place and
/// refused the apply); and as long as a real account ID (`user_` and a 26-character ULID), so a
/// `file:` path's length is checked as it will be.
fn owner_to_be(a: usize) -> String {
    format!("user_{a:026}")
}

/// How one change ended.
#[derive(Debug, Clone, Default)]
struct Outcome {
    done: bool,
    started: bool,
    error: Option<CommandError>,
    /// The new key a change minted, and where its secret went.
    new_key: Option<String>,
    stored_in: Vec<String>,
    /// A minted secret waits in a recovery file (the next apply delivers it).
    undelivered: bool,
    /// What the change did, for the receipt.
    receipt: String,
}

impl Outcome {
    fn done(receipt: String) -> Outcome {
        Outcome {
            done: true,
            started: true,
            receipt,
            ..Outcome::default()
        }
    }

    fn failed(error: CommandError) -> Outcome {
        Outcome {
            started: true,
            undelivered: error.exit == Exit::NotDelivered,
            error: Some(error),
            ..Outcome::default()
        }
    }

    fn skipped(why: String) -> Outcome {
        Outcome {
            error: Some(CommandError::failure(why)),
            ..Outcome::default()
        }
    }
}

pub(crate) async fn apply(ctx: &Context, args: &ApplyArgs) -> CommandResult<Exit> {
    let manifest = manifest::load(&args.plan.file)?;
    ctx.require_confirmation("apply a manifest", "--yes")?;
    let client = ctx.client()?;
    let journal = ctx.journal();
    let _lock = Lock::manifest(&ctx.paths.state_dir, &args.plan.file)?;
    let _accounts = Lock::accounts(
        &ctx.paths.state_dir,
        &ctx.profile.name,
        manifest.accounts.iter().map(|a| a.name.as_str()),
    )?;
    let live = survey(ctx, &client, &manifest).await?;
    let diff = compare(ctx, &manifest, &live, &journal, args.plan.prune)?;
    let now = crate::time::now();
    if diff.changes.is_empty() {
        for note in &diff.notes {
            ctx.out.note(&note.0);
        }
        ctx.out.note("No changes: the tenant matches the manifest.");
        if ctx.out.is_json() {
            ctx.out.json(&report(&manifest, &diff, &[]))?;
        }
        return Ok(Exit::Ok);
    }
    show::preview(ctx, &manifest, &diff, now);
    let work = key_work(&diff);
    let refused = preflight(ctx, &manifest, &live, &diff, &work)?;
    if refused.len() == diff.changes.len()
        && let Some(first) = work.first().and_then(|item| refused.get(&item.change))
    {
        // Every change is a key that cannot be minted: refused as a whole, before anything is
        // sent, as a single key's command is.
        return Err(first.clone());
    }
    if ctx.settings.dry_run {
        for err in refused.values() {
            ctx.out.warn(err.one_line());
        }
        ctx.out.note("Dry run: nothing was changed.");
        if ctx.out.is_json() {
            ctx.out.json(&show::view(&manifest, &diff, now))?;
        }
        return Ok(Exit::Ok);
    }
    let count = Count::of(&diff);
    if !ctx.confirm(
        &format!("Apply these {} change(s)?", count.total()),
        "--yes",
    )? {
        ctx.out.note("Nothing changed.");
        return Ok(Exit::Ok);
    }

    // Steps 2 and 3 say how they stop when a signal comes; step 1 says it here.
    let scope = Scope::open(Some(ctx.out.notice(
        "finishing the service accounts being created, then stopping; run apply again for the rest",
    )));
    let explainer = Explainer {
        ctx,
        client: &client,
        seen: Mutex::new(HashMap::new()),
    };
    let mut outcomes: Vec<Outcome> = vec![Outcome::default(); diff.changes.len()];
    // 1. Accounts.
    let mut accounts = diff.targets.clone();
    create_accounts(
        &explainer,
        &manifest,
        &diff,
        args,
        &mut accounts,
        &mut outcomes,
    )
    .await;
    scope.silence();
    // 2. Keys.
    let runner = Batch {
        out: &ctx.out,
        scope: &scope,
        concurrency: usize::from(args.jobs),
        label: "Applying",
        noun: "keys",
        abandon_on_second_signal: false,
    };
    let each = KeyRun {
        ctx,
        client: &client,
        manifest: &manifest,
        live: &live,
        journal: &journal,
        accounts: &accounts,
        scope: &scope,
        args,
    };
    let finished = runner
        .run(
            &work,
            |_, item| async {
                let outcome = match refused.get(&item.change) {
                    Some(err) => Outcome::failed(err.clone()),
                    None => each.run(&diff.changes[item.change]).await,
                };
                explainer.outcome(outcome).await
            },
            |_, _, outcome| say(ctx, outcome),
        )
        .await;
    for (item, done) in work.iter().zip(finished.items) {
        if let Item::Done(outcome) = done {
            outcomes[item.change] = outcome;
        }
    }
    // 3. Revocations and archives, unless a signal stopped the work: an old key left active is
    // safe; one revoked before its successor is in place is not.
    if finished.interrupted.is_none() {
        retire(&explainer, &manifest, &live, &diff, &scope, &mut outcomes).await;
    }
    // A signal during step 1 or 3 leaves changes unstarted as one during step 2 does.
    let interrupted = finished.interrupted.or_else(|| scope.signal());
    finish(ctx, &manifest, &diff, &outcomes, interrupted)
}

/// The failures of one run, explained as the boundary explains a command's error (a 403 names
/// the permission needed and the roles held), each kind once: fifty keys refused alike cost one
/// look at the caller's roles, not fifty.
struct Explainer<'a> {
    ctx: &'a Context,
    client: &'a Client,
    seen: Mutex<HashMap<String, Vec<String>>>,
}

impl Explainer<'_> {
    async fn outcome(&self, mut outcome: Outcome) -> Outcome {
        if let Some(err) = &mut outcome.error {
            self.error(err).await;
        }
        outcome
    }

    async fn error(&self, err: &mut CommandError) {
        let Some(api) = err.source.as_deref() else {
            return;
        };
        let route = route_gate(&api.method, &api.path).map_or(api.path.clone(), |g| g.permission());
        let kind = format!(
            "{} {route} {:?} {:?}",
            api.method,
            api.status(),
            api.server_message()
        );
        let known = self
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&kind)
            .cloned();
        match known {
            Some(hints) => err.hints.extend(hints),
            None => {
                let before = err.hints.len();
                explain::enrich(err, self.ctx, Some(self.client)).await;
                self.seen
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(kind, err.hints[before..].to_vec());
            }
        }
    }
}

/// A key change to work on in step 2: its index among the changes.
struct KeyItem {
    change: usize,
}

fn key_work(diff: &Diff) -> Vec<KeyItem> {
    diff.changes
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            matches!(
                c,
                Change::CreateKey { .. } | Change::Rotate { .. } | Change::Finish { .. }
            )
        })
        .map(|(change, _)| KeyItem { change })
        .collect()
}

/// The declared account and key of a key change.
fn declared(change: &Change) -> Option<(usize, usize)> {
    match change {
        Change::CreateKey { account, key }
        | Change::Rotate { account, key, .. }
        | Change::Finish { account, key, .. } => Some((*account, *key)),
        _ => None,
    }
}

/// Every destination of every key about to get a secret, checked before anything changes:
/// placeholders, two keys on one place, reachability, keychain entries of live keys. A key of
/// an account not created yet stands under its account's [`owner_to_be`]. `Err`: the whole
/// apply is refused (two keys on one place, a live key's keychain entry). A key whose
/// destination cannot take a secret is refused on its own: returned by its change's index, so
/// that the others still go ahead and it is reported as failed.
fn preflight(
    ctx: &Context,
    manifest: &Manifest,
    live: &Live,
    diff: &Diff,
    work: &[KeyItem],
) -> CommandResult<HashMap<usize, CommandError>> {
    let mut idents = Vec::new();
    let mut wanted = Vec::new();
    let mut owners = Vec::new();
    let mut replacing = Vec::new();
    let mut changes = Vec::new();
    for item in work {
        let change = &diff.changes[item.change];
        let Some((a, k)) = declared(change) else {
            continue;
        };
        changes.push(item.change);
        let (account, key) = (&manifest.accounts[a], &manifest.accounts[a].keys[k]);
        let owner = diff
            .targets
            .get(&a)
            .map_or_else(|| owner_to_be(a), |u| u.id.clone());
        idents.push(KeyIdent {
            name: key.name.clone(),
            owner: Some(owner),
            label: format!("key '{}' of '{}'", key.name, account.name),
        });
        wanted.push(Wanted::Stores(key.stores.clone()));
        replacing.push(match change {
            Change::Rotate { old, .. } => Some(old.id.clone()),
            Change::Finish { live, .. } => Some(live.id.clone()),
            _ => None,
        });
    }
    for ident in &idents {
        owners.push(ident.owner.clone());
    }
    let around = Surroundings {
        profile: &ctx.profile.name,
        keychain: ctx.keychain,
        batch: true,
        stdout_is_terminal: ctx.out.stdout_tty(),
        stdout_asked: false,
    };
    let planned = plan::plan(&idents, &wanted, &around).map_err(|err| unstand(err, manifest))?;
    let refused = changes
        .iter()
        .enumerate()
        .filter_map(|(i, change)| {
            planned
                .refusal(i)
                .map(|err| (*change, unstand(err.clone(), manifest)))
        })
        .collect();
    if planned.uses_keychain() {
        let every: Vec<ApiKey> = live.keys.values().flatten().cloned().collect();
        let owners: Vec<Option<&str>> = owners.iter().map(Option::as_deref).collect();
        let replacing: Vec<Option<&str>> = replacing.iter().map(Option::as_deref).collect();
        let asked = planned.keychain_holders(&ctx.keychain, &every, &owners, &replacing)?;
        keys::confirm_overwrites(ctx, &asked)?;
    }
    Ok(refused)
}

/// A pre-flight refusal as the user is to read it: each account's stand-in owner (a path no key
/// will ever use, which making would not help) shown as `{owner}`, with a hint that the place is
/// checked again once the account, created by this apply, has its ID.
fn unstand(mut err: CommandError, manifest: &Manifest) -> CommandError {
    let mut stood_in = Vec::new();
    for (a, account) in manifest.accounts.iter().enumerate() {
        let stand_in = owner_to_be(a);
        let texts = std::iter::once(&mut err.message)
            .chain(&mut err.hints)
            .chain(&mut err.causes);
        let mut seen = false;
        for text in texts {
            if text.contains(&stand_in) {
                *text = text.replace(&stand_in, crate::handover::destination::OWNER_PLACEHOLDER);
                seen = true;
            }
        }
        if seen {
            stood_in.push(account.name.as_str());
        }
    }
    for name in stood_in {
        err = err.hint(format!(
            "service account {name} is created by this apply, so {{owner}} (its ID) is not known yet: once it \
             exists, `flexprice-admin service-accounts list` shows its ID; make the place ready for it, then run \
             apply again"
        ));
    }
    err
}

/// Step 1: the accounts the manifest wants that do not exist, created `--jobs` at a time.
async fn create_accounts(
    explainer: &Explainer<'_>,
    manifest: &Manifest,
    diff: &Diff,
    args: &ApplyArgs,
    accounts: &mut HashMap<usize, User>,
    outcomes: &mut [Outcome],
) {
    let wanted: Vec<(usize, usize)> = diff
        .changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Change::CreateAccount { account }
            | Change::Migrate {
                account, to: None, ..
            } => Some((i, *account)),
            _ => None,
        })
        .collect();
    let (ctx, client) = (explainer.ctx, explainer.client);
    let created: Vec<(usize, usize, Result<User, CommandError>)> = stream::iter(wanted)
        .map(|(i, a)| async move {
            let declared = &manifest.accounts[a];
            let made = ops::account::create(client, &declared.name, &declared.roles)
                .await
                .map_err(|e| match e {
                    ops::account::CreateError::Roles(why) => CommandError::usage(why),
                    ops::account::CreateError::Api(err) => CommandError::from(err)
                        .context(format!("creating service account {}", declared.name)),
                });
            (i, a, made)
        })
        .buffer_unordered(usize::from(args.jobs))
        .collect()
        .await;
    for (i, a, made) in created {
        let outcome = match made {
            Ok(user) => {
                let receipt = match &diff.changes[i] {
                    Change::Migrate { .. } => format!(
                        "-/+ created service account {} ({}) with roles {}; its keys follow",
                        manifest.accounts[a].name,
                        user.id,
                        user.roles.join(", ")
                    ),
                    _ => format!(
                        "+ created service account {} ({}) with roles {}",
                        manifest.accounts[a].name,
                        user.id,
                        user.roles.join(", ")
                    ),
                };
                accounts.insert(a, user);
                Outcome::done(receipt)
            }
            Err(err) => explainer.outcome(Outcome::failed(err)).await,
        };
        say(ctx, &outcome);
        outcomes[i] = outcome;
    }
}

/// What step 2 needs to work on one key.
struct KeyRun<'a> {
    ctx: &'a Context,
    client: &'a Client,
    manifest: &'a Manifest,
    live: &'a Live,
    journal: &'a journal::Journal,
    accounts: &'a HashMap<usize, User>,
    scope: &'a Scope,
    args: &'a ApplyArgs,
}

impl KeyRun<'_> {
    async fn run(&self, change: &Change) -> Outcome {
        let Some((a, k)) = declared(change) else {
            return Outcome::default();
        };
        let (declared_account, key) = (
            &self.manifest.accounts[a],
            &self.manifest.accounts[a].keys[k],
        );
        let Some(account) = self.accounts.get(&a) else {
            return Outcome::skipped(format!(
                "key {}/{}: not minted, because service account {} could not be created",
                declared_account.name, key.name, declared_account.name
            ));
        };
        let environment = self.live.environment_of(key);
        let client = match &environment {
            Some(id) => self.client.with_environment(Some(id.clone())),
            None => self.client.clone(),
        };
        let known = self
            .live
            .keys
            .get(&environment)
            .map_or(&[][..], Vec::as_slice);
        let ident = KeyIdent {
            name: key.name.clone(),
            owner: Some(account.id.clone()),
            label: format!("key '{}' of '{}'", key.name, declared_account.name),
        };
        let destinations: Result<Vec<Destination>, CommandError> = key
            .stores
            .iter()
            .map(|s| s.fill(&ident, &self.ctx.profile.name))
            .collect();
        let destinations = match destinations {
            Ok(d) => d,
            Err(err) => return Outcome::failed(err),
        };
        let handover = Handover::new(
            &client,
            self.ctx.sinks(),
            self.journal,
            &self.ctx.out,
            self.args.on_store_failure,
            vec![ident],
            plan::Plan {
                keys: vec![Ok(destinations)],
            },
            self.scope,
        );
        let request = api::endpoints::create_key_request(&CreateKeyBody {
            name: key.name.clone(),
            key_type: "private_key",
            expires_at: key.expiry(crate::time::now()),
            service_account_id: Some(account.id.clone()),
        });
        let what = format!("{}/{}", declared_account.name, key.name);
        match change {
            Change::CreateKey { .. } => {
                let lookup = Lookup {
                    name: &key.name,
                    owner: Some(&account.id),
                    known,
                    known_complete: self.ctx.settings.yes,
                    listed: true,
                };
                let told = ops::mint::Told::default();
                match ops::mint::mint(&handover, 0, &request, lookup, told, &no_stdout).await {
                    Ok(delivered) => delivered_outcome(
                        format!("+ created key {what} ({})", delivered.key.id),
                        &delivered.key.id,
                        &delivered.stored_in,
                    ),
                    Err(failure) => {
                        let step = format!("creating key {what}");
                        Outcome::failed(failure.into_error(&step))
                    }
                }
            }
            Change::Rotate { old, .. } => {
                let rotation = Rotation {
                    handover,
                    out: &self.ctx.out,
                    profile: &self.ctx.profile.name,
                    known,
                    known_is_fresh: self.ctx.settings.yes,
                    keep_old: key.grace.is_some(),
                    render: &|_: &ApiKey, minted: &Minted, elsewhere: &[Destination]| {
                        no_stdout(minted, elsewhere)
                    },
                };
                rotated(key, old, &what, rotation.rotate(0, old, &request).await)
            }
            Change::Finish { live, .. } => self.finish(&handover, live, &what).await,
            _ => Outcome::default(),
        }
    }

    /// A key whose secret waits in a recovery file: delivered from it.
    async fn finish(
        &self,
        handover: &Handover<'_, Client, crate::handover::OsSinks>,
        live: &ApiKey,
        what: &str,
    ) -> Outcome {
        let Some(waiting) = self.journal.waiting(live) else {
            return Outcome::failed(CommandError::failure(format!(
                "the secret of key {} no longer waits in a recovery file",
                live.id
            )));
        };
        let secret = match journal::read_secret(&waiting.file) {
            Ok(secret) => secret,
            Err(e) => {
                return Outcome::failed(CommandError::failure(format!(
                    "the secret of key {} should be in {}, but it cannot be read ({e})",
                    live.id,
                    waiting.file.display()
                )));
            }
        };
        crate::redact::register(&secret);
        let minted = Minted {
            key: live.clone(),
            secret,
            ahead: Some(waiting.file),
        };
        // The file is only ours until someone edits it: what goes to the destinations must be
        // this key's secret (its redacted form) and work as its owner, as a resumed rotation
        // checks too.
        let checked =
            if crate::redact::display_form(minted.secret.expose_secret()) != live.display_id {
                Err(format!(
                    "the recovery file {} does not hold the secret of key {} (its form is not {})",
                    minted.ahead.as_deref().unwrap_or(Path::new("")).display(),
                    live.id,
                    live.display_id
                ))
            } else {
                ops::rotate::check::authenticates(handover.api, &minted.secret, live).await
            };
        if let Err(why) = checked {
            let failure = handover.keep_back(0, &minted, why).await;
            return Outcome::failed(failure.into_error(&format!("delivering key {what}")));
        }
        match ops::mint::deliver(handover, 0, minted, &no_stdout).await {
            Ok(delivered) => delivered_outcome(
                format!(
                    "~ delivered key {what} ({}) from its recovery file",
                    delivered.key.id
                ),
                &delivered.key.id,
                &delivered.stored_in,
            ),
            Err(failure) => Outcome::failed(failure.into_error(&format!("delivering key {what}"))),
        }
    }
}

/// How a rotation of the declared `key` (old key `old`, named `what`) ended.
fn rotated(
    key: &manifest::Key,
    old: &ApiKey,
    what: &str,
    mut rotated: ops::rotate::Rotated,
) -> Outcome {
    let new_id = rotated.new_key.as_ref().map(|k| k.id.clone());
    if let Some(failed) = rotated.failed.take() {
        let mut outcome = Outcome::failed(
            failed
                .into_error(old, rotated.new_key.as_ref())
                .context(format!("rotating key {what}")),
        );
        outcome.new_key = new_id;
        return outcome;
    }
    let old_fate = if rotated.old_key_revoked {
        format!("old key {} revoked", old.id)
    } else {
        let now = crate::time::now();
        let until = key
            .grace
            .map(|g| crate::time::relative(g.after(now), now))
            .unwrap_or_default();
        format!(
            "old key {} kept for its grace (revoked by an apply {until})",
            old.id
        )
    };
    let id = new_id.unwrap_or_default();
    delivered_outcome(
        format!("~ rotated key {what}: new key {id}; {old_fate}"),
        &id,
        &rotated.stored_in,
    )
}

/// A manifest's keys never go to stdout (the manifest refuses it): nothing to render.
fn no_stdout(_: &Minted, _: &[Destination]) -> std::io::Result<Payload> {
    Err(std::io::Error::other(
        "a manifest's key has no stdout destination",
    ))
}

fn delivered_outcome(receipt: String, id: &str, stored_in: &[Destination]) -> Outcome {
    let stored_in: Vec<String> = stored_in.iter().map(Destination::label).collect();
    Outcome {
        new_key: Some(id.to_string()),
        receipt: format!("{receipt} (stored in {})", stored_in.join(", ")),
        stored_in,
        ..Outcome::done(String::new())
    }
}

/// Step 3: keys revoked and accounts archived, each only once what replaces it is in place: a
/// migration's old keys only when every key of the new account went through.
async fn retire(
    explainer: &Explainer<'_>,
    manifest: &Manifest,
    live: &Live,
    diff: &Diff,
    scope: &Scope,
    outcomes: &mut [Outcome],
) {
    let (ctx, client) = (explainer.ctx, explainer.client);
    let failed_accounts: HashSet<usize> = diff
        .changes
        .iter()
        .zip(outcomes.iter())
        .filter(|(_, o)| o.error.is_some())
        .filter_map(|(c, _)| match c {
            Change::CreateKey { account, .. }
            | Change::Rotate { account, .. }
            | Change::Finish { account, .. }
            | Change::CreateAccount { account }
            | Change::Migrate { account, .. } => Some(*account),
            _ => None,
        })
        .collect();
    // Accounts that got a new key in this run: their predecessors' grace starts now.
    let fresh: HashSet<usize> = diff
        .changes
        .iter()
        .zip(outcomes.iter())
        .filter(|(_, o)| o.done)
        .filter_map(|(c, _)| declared(c).map(|(a, _)| a))
        .collect();
    for (i, change) in diff.changes.iter().enumerate() {
        // After a signal nothing new starts; what is left is reported as not started.
        if scope.signal().is_some() {
            break;
        }
        let outcome = match change {
            Change::Revoke { key, .. } => match revoke(ctx, client, live, scope, key).await {
                Ok(Revoked::Yes) => {
                    Outcome::done(format!("- revoked key {} ({})", key.id, key.name))
                }
                Ok(Revoked::NotStarted) => break,
                Err(err) => Outcome::failed(err),
            },
            Change::Migrate { account, .. } if failed_accounts.contains(account) => {
                if outcomes[i].error.is_none() {
                    outcomes[i] = Outcome::skipped(format!(
                        "migrating service account {}: not every key of the new account went through, so \
                         the old account and its keys stay",
                        manifest.accounts[*account].name
                    ));
                }
                continue;
            }
            // The new keys went out in this run: the old ones are their predecessors, kept for
            // the grace as a rotation keeps its predecessor; a later apply retires them.
            Change::Migrate { account, from, .. }
                if has_grace(&manifest.accounts[*account]) && fresh.contains(account) =>
            {
                Outcome::done(format!(
                    "-/+ the old service account {} ({}) and its keys are kept for their grace; an apply after \
                     it retires them",
                    manifest.accounts[*account].name,
                    from.iter()
                        .map(|u| u.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
            Change::Migrate {
                from, from_keys, ..
            } => retire_accounts(ctx, client, live, scope, from, from_keys).await,
            Change::Archive { account, keys } => {
                retire_accounts(
                    ctx,
                    client,
                    live,
                    scope,
                    std::slice::from_ref(account),
                    keys,
                )
                .await
            }
            _ => continue,
        };
        let merged = match (&outcomes[i], outcome) {
            // A migration's account was created in step 1: its receipt is said; this is the end.
            (
                created,
                Outcome {
                    done: true,
                    receipt,
                    ..
                },
            ) if created.done => Outcome::done(receipt),
            (_, outcome) => explainer.outcome(outcome).await,
        };
        say(ctx, &merged);
        outcomes[i] = merged;
    }
}

/// Whether a migration of `account` whose new keys went out in this run waits for a grace
/// before retiring the old account: some key of it has one. (In a later run the plan retires
/// the old account only once that grace has passed.)
fn has_grace(account: &manifest::Account) -> bool {
    account.keys.iter().any(|k| k.grace.is_some())
}

/// Revokes `keys` then archives `accounts`.
async fn retire_accounts(
    ctx: &Context,
    client: &Client,
    live: &Live,
    scope: &Scope,
    accounts: &[User],
    keys: &[ApiKey],
) -> Outcome {
    for (done, key) in keys.iter().enumerate() {
        match revoke(ctx, client, live, scope, key).await {
            Ok(Revoked::Yes) => {}
            Ok(Revoked::NotStarted) => {
                return Outcome::failed(CommandError::failure(format!(
                    "a signal arrived after {done} of {} key(s) were revoked; the account is not archived",
                    keys.len()
                )));
            }
            Err(err) => return Outcome::failed(err),
        }
    }
    let mut archived = Vec::new();
    for account in accounts {
        match ops::account::archive(client, &account.id).await {
            Ok(()) => archived.push(format!("{} ({})", account.label(), account.id)),
            Err(ops::account::ArchiveError::StillHasKeys(err)) => {
                // Every key the plan knew of is revoked: what blocks the archive is not listed
                // in the environments the manifest names.
                return Outcome::failed(
                    CommandError::from(err)
                        .context(format!("archiving service account {}", account.id))
                        .hint(format!(
                            "it still has an active key in an environment the manifest does not name, or a \
                             publishable key (never listed): `flexprice-admin keys list --service-account {} \
                             --all-environments` lists the first kind; revoke them (`flexprice-admin keys delete \
                             ID`), then run apply again",
                            account.id
                        )),
                );
            }
            Err(ops::account::ArchiveError::Api(err)) => {
                return Outcome::failed(
                    CommandError::from(err)
                        .context(format!("archiving service account {}", account.id)),
                );
            }
        }
    }
    Outcome::done(format!(
        "- revoked {} key(s) and archived service account {}",
        keys.len(),
        archived.join(", ")
    ))
}

/// Whether a revocation happened, or a signal kept it from starting.
enum Revoked {
    Yes,
    NotStarted,
}

/// Revokes one key in the environment it was listed in.
async fn revoke(
    ctx: &Context,
    client: &Client,
    live: &Live,
    scope: &Scope,
    key: &ApiKey,
) -> Result<Revoked, CommandError> {
    let environment = live
        .keys
        .iter()
        .find(|(_, keys)| keys.iter().any(|k| k.id == key.id))
        .and_then(|(e, _)| e.clone());
    let scoped = match environment {
        Some(id) => client.with_environment(Some(id)),
        None => client.clone(),
    };
    let finished = ops::revoke::revoke(
        &scoped,
        &ctx.paths.state_dir,
        &ctx.out,
        scope,
        std::slice::from_ref(key),
        |_, _, _| {},
    )
    .await;
    match finished.items.into_iter().next() {
        Some(Item::Done(Ok(()))) => Ok(Revoked::Yes),
        Some(Item::Done(Err(err))) => {
            Err(CommandError::from(err).context(format!("revoking key {} ({})", key.id, key.name)))
        }
        Some(Item::NotStarted) | None => Ok(Revoked::NotStarted),
        Some(Item::Abandoned) => Err(CommandError::failure(format!(
            "key {} ({}) may not be revoked: a second signal stopped the wait for its revocation",
            key.id, key.name
        ))),
    }
}

/// One change's receipt (a note: `-q` keeps it quiet) or failure (said once, with its hints;
/// each error says what was being done).
fn say(ctx: &Context, outcome: &Outcome) {
    match &outcome.error {
        None if outcome.done => ctx.out.note(&outcome.receipt),
        None => {}
        Some(err) => {
            ctx.out.warn(err.one_line());
            for hint in &err.hints {
                ctx.out.hint(hint);
            }
        }
    }
}

/// `apply -o json`: every change of the plan and how it ended.
#[derive(Serialize)]
struct ReportJson {
    format_version: u32,
    manifest: String,
    changes: Vec<ChangeOutcomeJson>,
    summary: Count,
}

#[derive(Serialize)]
struct ChangeOutcomeJson {
    #[serde(flatten)]
    change: ChangeJson,
    /// done, failed or not_started.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_key_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    stored_in: Vec<String>,
}

fn report(manifest: &Manifest, diff: &Diff, outcomes: &[Outcome]) -> ReportJson {
    ReportJson {
        format_version: show::FORMAT_VERSION,
        manifest: manifest.path.display().to_string(),
        changes: diff
            .changes
            .iter()
            .zip(outcomes)
            .map(|(change, outcome)| ChangeOutcomeJson {
                change: ChangeJson::of(manifest, change),
                outcome: match (&outcome.error, outcome.done, outcome.started) {
                    (None, true, _) => "done",
                    (Some(_), _, true) => "failed",
                    _ => "not_started",
                },
                error: outcome.error.as_ref().map(|e| format!("{e:#}")),
                new_key_id: outcome.new_key.clone(),
                stored_in: outcome.stored_in.clone(),
            })
            .collect(),
        summary: Count::of(diff),
    }
}

/// The end: the report, and the exit code for what happened.
fn finish(
    ctx: &Context,
    manifest: &Manifest,
    diff: &Diff,
    outcomes: &[Outcome],
    interrupted: Option<crate::interrupt::Signal>,
) -> CommandResult<Exit> {
    if ctx.out.is_json() {
        ctx.out.json(&report(manifest, diff, outcomes))?;
    }
    let done = outcomes.iter().filter(|o| o.done).count();
    let failed: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.error.is_some() && o.started)
        .collect();
    let not_started = outcomes.len() - done - failed.len();
    if outcomes
        .iter()
        .any(|o| o.done && o.receipt.contains("revoked"))
    {
        ctx.out.note(keys::REVOCATION_DELAY_NOTE);
    }
    ctx.out.note(format!(
        "Apply: {done} of {} change(s) done, {} failed, {not_started} not started.",
        outcomes.len(),
        failed.len()
    ));
    if let Some(signal) = interrupted.filter(|_| not_started > 0) {
        return Err(CommandError::new(
            signal.exit(),
            format!(
                "{}: {done} of {} change(s) done, {} failed, {not_started} not started ({})",
                signal.verb(),
                outcomes.len(),
                failed.len(),
                signal.name()
            ),
        )
        .hint("run apply again: it finds what is left to do"));
    }
    if failed.is_empty() && not_started == 0 {
        return Ok(Exit::Ok);
    }
    let undelivered = failed.iter().any(|o| o.undelivered);
    let exit = if undelivered {
        Exit::NotDelivered
    } else {
        Exit::PartialFailure
    };
    let mut err = CommandError::new(
        exit,
        format!(
            "{} of {} change(s) failed{}",
            failed.len() + not_started,
            outcomes.len(),
            if undelivered {
                "; a minted secret waits in a recovery file"
            } else {
                ""
            }
        ),
    );
    err = err.hint(if undelivered {
        "run apply again: it delivers each waiting secret from its recovery file to its destinations, and does \
         what is left"
    } else {
        "the changes reported as done are done; run apply again for the others once the cause is fixed"
    });
    Err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handover::Store;
    use crate::secrets::Keychain;

    fn around() -> Surroundings<'static> {
        Surroundings {
            profile: "p",
            keychain: Keychain::new(std::time::Duration::from_secs(1)),
            batch: true,
            stdout_is_terminal: false,
            stdout_asked: false,
        }
    }

    /// Key `ci` of declared accounts 0 and 1, neither created yet.
    fn two_new_keys() -> Vec<KeyIdent> {
        (0..2)
            .map(|a| KeyIdent {
                name: "ci".into(),
                owner: Some(owner_to_be(a)),
                label: format!("key 'ci' of account {a}"),
            })
            .collect()
    }

    /// Issue 24: the stand-ins keep two new accounts' keys of one name apart where `{owner}`
    /// does, and only there; each is as long as a real account ID.
    #[test]
    fn new_accounts_stand_under_owners_of_their_own() {
        let real = "user_01K3ZQ8E2B5C7D9F1G3H5J7K9M";
        assert_eq!(owner_to_be(0).len(), real.len());
        assert_eq!(owner_to_be(12345).len(), real.len());
        assert_ne!(owner_to_be(0), owner_to_be(1));
        let dir = tempfile::tempdir().unwrap();
        let store =
            |template: &str| vec![Wanted::Stores(vec![Store::File(dir.path().join(template))]); 2];
        let apart = plan::plan(&two_new_keys(), &store("{owner}-{name}.key"), &around()).unwrap();
        assert_ne!(apart.destinations(0), apart.destinations(1));
        let err = plan::plan(&two_new_keys(), &store("{name}.key"), &around()).unwrap_err();
        assert!(
            err.message.contains("key 'ci' of account 0")
                && err.message.contains("key 'ci' of account 1"),
            "{}",
            err.message
        );
    }
}
