//! `keys rotate`: one named key, every key that is due (`--due`), or every key in scope
//! (`--all`). The command selects the keys ([`select`]), plans every destination before
//! anything is minted, confirms, runs each rotation ([`crate::ops::rotate`], through the batch
//! runner for `--due` and `--all`), and reports ([`report`]).

mod report;
mod select;

use std::sync::Mutex;

use report::{Outcome, Reporter};
use select::{Chosen, check_selection, new_key_body, scope_words};

use super::policy::Policy;
use super::scope::KeyScope;
use crate::api::models::ApiKey;
use crate::api::{self, Client, Request};
use crate::batch::Batch;
use crate::cli::KeysRotateArgs;
use crate::commands::dry_run::emit_planned;
use crate::commands::stopped::after_signal;
use crate::commands::{keys, resolve};
use crate::context::Context;
use crate::error::{CommandResult, Exit};
use crate::handover::plan::{self, Surroundings, Wanted};
use crate::handover::{Handover, Journal, KeyIdent, Store};
use crate::interrupt::Scope;
use crate::ops::rotate::{Rotation, waiting_successor};
use crate::time;

/// Rotations in flight at once under `--due` and `--all`: a batch of N keys takes
/// 3·⌈N/8⌉ + 1 round trips (each rotation's create, check and revocation; the listing first).
const ROTATE_CONCURRENCY: usize = 8;

pub async fn run(ctx: &Context, args: &KeysRotateArgs) -> CommandResult<Exit> {
    if let Some(raw) = &args.key {
        resolve::classify(raw, "secret_", "key", "KEY")?;
    }
    check_selection(args)?;
    KeyScope::check(&args.scope)?;
    ctx.require_confirmation("rotate keys", "--yes")?;
    let policy = Policy::resolve(ctx, &args.policy);
    let client = ctx.client()?;
    let journal = ctx.journal();
    let chosen = select::keys(ctx, args, &client, &journal, &policy).await?;
    if chosen.targets.is_empty() {
        ctx.out.note(if args.all {
            format!("No key {} to rotate.", scope_words(&chosen.scope))
        } else {
            "No key is due for rotation.".to_string()
        });
        if ctx.out.is_json() {
            ctx.out.json(&Vec::<()>::new())?;
        }
        return Ok(Exit::Ok);
    }
    let planned = plan_rotations(ctx, args, &journal, &policy, &chosen)?;
    if ctx.settings.dry_run {
        let mut requests = Vec::new();
        for (key, request) in chosen.targets.iter().zip(&planned.requests) {
            requests.push(request.clone());
            if !args.keep_old {
                requests.push(api::endpoints::delete_key_request(&key.id));
            }
        }
        emit_planned(ctx, &client, &requests)?;
        return Ok(Exit::Ok);
    }
    if !ctx.confirm(&question(args, &chosen), "--yes")? {
        ctx.out.note("Nothing rotated.");
        return Ok(Exit::Ok);
    }
    rotate(ctx, args, &client, &journal, chosen, planned).await
}

/// What step 1 settled for every key at once, before anything is minted.
struct Planned {
    idents: Vec<KeyIdent>,
    plan: plan::Plan,
    /// Each new key's create request.
    requests: Vec<Request>,
}

/// Step 1 for every key at once: no key is touched unless each destination can take its
/// secret, no two secrets share one, and no name steers a path. Without `--store`, each new
/// secret goes where its key's last one went (as the journal recorded it), else to stdout. A new
/// key that would be due as soon as it exists (it would be replaced again by every `--due` run)
/// is warned about.
fn plan_rotations(
    ctx: &Context,
    args: &KeysRotateArgs,
    journal: &Journal,
    policy: &Policy,
    chosen: &Chosen,
) -> CommandResult<Planned> {
    let (targets, visible) = (&chosen.targets, &chosen.visible);
    let batch = args.key.is_none();
    let now = time::now();
    let bodies: Vec<_> = targets
        .iter()
        .map(|key| new_key_body(ctx, args, key, now))
        .collect();
    for (key, body) in targets.iter().zip(&bodies) {
        if let Some(at) = body
            .expires_at
            .filter(|_| policy.churns(now, body.expires_at))
        {
            ctx.out.warn(policy.churn_warning(&format!(
                "the new key {} will live {}, which is",
                key.name,
                super::policy::lifetime_text(now, at)
            )));
        }
    }
    let idents: Vec<KeyIdent> = targets
        .iter()
        .map(|k| KeyIdent {
            name: k.name.clone(),
            owner: k.user_id.clone(),
            label: format!("key {} ({})", k.id, k.name),
        })
        .collect();
    let wanted: Vec<Wanted> = targets
        .iter()
        .map(|key| wanted(journal, args, visible, key))
        .collect();
    let around = Surroundings {
        profile: &ctx.profile.name,
        keychain: ctx.keychain,
        batch,
        stdout_is_terminal: ctx.out.stdout_tty(),
        stdout_asked: args.store.destinations.contains(&Store::Stdout),
    };
    let plan = plan::plan(&idents, &wanted, &around)?;
    if !batch && let Some(refused) = plan.refusal(0) {
        return Err(refused.clone());
    }
    // A keychain entry holding another live key than the one rotated is not overwritten
    // silently.
    if plan.uses_keychain() {
        let owners: Vec<Option<&str>> = targets.iter().map(|k| k.user_id.as_deref()).collect();
        let replacing: Vec<Option<&str>> = targets.iter().map(|k| Some(k.id.as_str())).collect();
        let asked = plan.keychain_holders(&ctx.keychain, visible, &owners, &replacing)?;
        keys::confirm_overwrites(ctx, &asked)?;
    }
    Ok(Planned {
        idents,
        plan,
        requests: bodies
            .iter()
            .map(api::endpoints::create_key_request)
            .collect(),
    })
}

/// The question asked before rotating, naming the one key or counting them.
fn question(args: &KeysRotateArgs, chosen: &Chosen) -> String {
    let scope = &chosen.scope;
    match chosen.targets.as_slice() {
        [one] if args.all => format!(
            "Rotate key {} ({}), the only key {}?",
            one.id,
            one.name,
            scope_words(scope)
        ),
        many if args.all => format!("Rotate all {} keys {}?", many.len(), scope_words(scope)),
        [one] => format!("Rotate key {} ({})?", one.id, one.name),
        many => format!("Rotate these {} keys?", many.len()),
    }
}

/// Steps 2 to 6 for each key: one named key, whose failure is the command's, or a batch.
async fn rotate(
    ctx: &Context,
    args: &KeysRotateArgs,
    client: &Client,
    journal: &Journal,
    chosen: Chosen,
    planned: Planned,
) -> CommandResult<Exit> {
    let batch = args.key.is_none();
    // From the first create until every minted secret is delivered, signals wait their turn.
    let scope = Scope::open((!batch).then(|| {
        ctx.out.notice(
            "finishing the rotation in flight before stopping (a minted secret is never abandoned)",
        )
    }));
    let secrets_printed = (0..chosen.targets.len()).any(|i| planned.plan.prints(i));
    let reporter = Reporter {
        out: &ctx.out,
        json: if ctx.out.is_json() {
            Some(Mutex::new(ctx.out.json_stream(batch)?))
        } else {
            None
        },
        batch,
        keep_old: args.keep_old,
        caller: chosen.caller,
    };
    let render =
        |old: &ApiKey, minted: &_, elsewhere: &[_]| reporter.payload(old, minted, elsewhere);
    let rotation = Rotation {
        handover: Handover::new(
            client,
            ctx.sinks(),
            journal,
            &ctx.out,
            args.store.on_store_failure,
            planned.idents,
            planned.plan,
            &scope,
        ),
        out: &ctx.out,
        profile: &ctx.profile.name,
        known: &chosen.visible,
        // Asked on a terminal, the user may take minutes to answer: keys made meanwhile are
        // not in the listing.
        known_is_fresh: ctx.settings.yes,
        keep_old: args.keep_old,
        render: &render,
    };
    let (targets, requests) = (&chosen.targets, &planned.requests);
    if !batch {
        let outcome = Outcome::of(
            &targets[0],
            rotation.rotate(0, &targets[0], &requests[0]).await,
        );
        reporter.done(&targets[0], &outcome);
        let closed = reporter.finish_json();
        if outcome.rotated.old_key_revoked {
            ctx.out.note(keys::REVOCATION_DELAY_NOTE);
        }
        // The rotation's own failure first: a closed stdout must not hide it.
        let result = match (outcome.error, closed) {
            (Some(err), _) => Err(err),
            (None, Err(e)) => Err(e.into()),
            (None, Ok(())) => Ok(Exit::Ok),
        };
        return after_signal(
            ctx,
            scope.signal(),
            result,
            "the rotation in flight was finished",
        );
    }
    // A batch, even of one. With secrets in the JSON on stdout, one rotation at a time, so each
    // object is written whole from its secret on, never interleaved.
    let runner = Batch {
        out: &ctx.out,
        scope: &scope,
        concurrency: if secrets_printed && reporter.json.is_some() {
            1
        } else {
            ROTATE_CONCURRENCY
        },
        label: "Rotating keys",
        noun: "rotations",
        abandon_on_second_signal: false,
    };
    let finished = runner
        .run(
            targets,
            |i, old| {
                let (rotation, request) = (&rotation, &requests[i]);
                async move { Outcome::of(old, rotation.rotate(i, old, request).await) }
            },
            |_, i, outcome| reporter.done(&targets[i], outcome),
        )
        .await;
    let closed = reporter.finish_json();
    if finished.done().any(|(_, o)| o.rotated.old_key_revoked) {
        ctx.out.note(keys::REVOCATION_DELAY_NOTE);
    }
    let exit = report::batch_exit(&ctx.out, args, targets, &finished)?;
    closed?;
    Ok(exit)
}

/// Where key `key`'s new secret goes: `--store` when given; else, for a rotation to finish,
/// where its waiting secret was meant to go; else where the key's own secret went, as the
/// journal recorded it (used exactly as recorded); else stdout.
fn wanted(journal: &Journal, args: &KeysRotateArgs, visible: &[ApiKey], key: &ApiKey) -> Wanted {
    if !args.store.destinations.is_empty() {
        return Wanted::Stores(args.store.destinations.clone());
    }
    if let Some((_, waiting)) = waiting_successor(journal, visible, key) {
        return Wanted::Recorded(waiting.places);
    }
    match journal.entry(key) {
        Some(entry) if !entry.places.is_empty() => Wanted::Recorded(entry.places),
        _ => Wanted::Stores(vec![Store::Stdout]),
    }
}
