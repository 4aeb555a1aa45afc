//! `keys create`: mint a key, then hand its one-time secret to its destinations, in the order
//! [`crate::secrets`] describes: plan, mint, deliver, report.

use jiff::Timestamp;
use secrecy::ExposeSecret;

use crate::api::models::CreateKeyBody;
use crate::api::{self, KeyFilter};
use crate::cli::{KeysCreateArgs, OnStoreFailure};
use crate::commands::{emit_planned, resolve};
use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};
use crate::interrupt::Scope;
use crate::secrets::handover::{Handover, Lookup};
use crate::secrets::plan::{self, KeyIdent};
use crate::secrets::{Destination, Destinations, reveal};
use crate::time::{self, TimeSpan};
use crate::views::KeyJson;

pub async fn create(ctx: &Context, args: &KeysCreateArgs) -> CommandResult<Exit> {
    if args.name.is_none() && !ctx.interactive {
        return Err(CommandError::usage("--name is required")
            .hint("pass --name NAME (a prompt is shown only on a terminal without --no-input)"));
    }
    let client = ctx.client()?;
    // The account is checked before the name is asked for: a typo fails before any typing.
    let service_account = match &args.service_account {
        Some(raw) => {
            resolve::classify(raw, "user_", "service account", "--service-account")?;
            Some(resolve::fetch_service_account(ctx, &client, raw, "--service-account").await?)
        }
        None => None,
    };
    let name = match &args.name {
        Some(name) => name.clone(),
        None => ctx.out.input("Key name", |input| {
            crate::cli::parse_new_name(input).map(drop)
        })?,
    };
    let now = time::now();
    let expires_at = expiry(ctx, args, now);
    super::policy::warn_if_churns(ctx, now, expires_at);
    let body = CreateKeyBody {
        name: name.clone(),
        key_type: if args.publishable {
            "publishable_key"
        } else {
            "private_key"
        },
        expires_at,
        service_account_id: service_account.as_ref().map(|a| a.id.clone()),
    };
    let request = api::endpoints::create_key_request(&body);

    // Step 1: every destination resolved and checked before minting; a secret nobody can
    // receive is never created.
    let destinations = Destinations::new(
        &args.store.destinations,
        ctx.keychain,
        &ctx.profile.name,
        ctx.timeout,
    );
    // Revoking a lost create's key must never hit another key of the same name: with
    // `--on-store-failure revoke`, the owner's keys are noted before minting.
    let revoke = args.store.on_store_failure == OnStoreFailure::Revoke && !ctx.dry_run;
    let owner_id = match &service_account {
        Some(account) => Some(account.id.clone()),
        None if destinations.uses_owner() || revoke => Some(client.me().await?.id),
        None => None,
    };
    let known = if revoke {
        let filter = KeyFilter {
            user_id: owner_id.clone(),
            ..KeyFilter::default()
        };
        client.list_keys(&filter, None).await?
    } else {
        Vec::new()
    };
    let mut plan = plan::plan(
        &destinations,
        &[KeyIdent {
            name: name.clone(),
            owner: owner_id.clone(),
            label: format!("the new key '{name}'"),
        }],
    )?;
    if let Some(refused) = plan.refusal(0) {
        return Err(refused);
    }
    // An entry of the keychain belongs to one key: a live key's entry is never overwritten
    // silently (the listing is asked for only when the entry exists).
    if plan
        .targets(0)
        .iter()
        .any(|t| matches!(t, plan::Target::Keychain { account } if ctx.keychain.get(crate::secrets::KEYS_SERVICE, account).is_ok()))
    {
        let keys = client.list_keys(&KeyFilter::default(), None).await?;
        crate::commands::keychain::guard_entries(ctx, &plan, &[owner_id.as_deref()], &[None], &keys)?;
    }
    if ctx.dry_run {
        emit_planned(ctx, &client, &[request])?;
        return Ok(Exit::Ok);
    }

    // Step 2: mint. From here until the secret is delivered, a signal waits its turn: a process
    // stopped in between would leave a live key whose secret nobody has.
    let scope = Scope::open(Some(
        "finishing the key's creation and the hand-over of its secret before stopping (a minted secret is never abandoned)",
    ));
    let handover = Handover::new(
        &ctx.out,
        &client,
        args.store.on_store_failure,
        &ctx.paths.state_dir,
        plan,
        &scope,
    );
    let lookup = Lookup {
        name: &name,
        owner: owner_id.as_deref(),
        known: &known,
        known_complete: revoke,
        listed: !args.publishable,
    };
    let minted = match ctx
        .out
        .waiting("Creating the key", handover.mint(0, &request, lookup))
        .await
    {
        Ok(minted) => minted,
        Err(failure) => {
            return finish(ctx, &scope, Err(failure.into_error("creating the key")));
        }
    };
    let owner = service_account.as_ref().map(|a| a.label().to_string());
    let view = KeyJson::new(&minted.key, owner.clone(), now);
    let whose = owner
        .map(|o| format!(" for service account {o}"))
        .unwrap_or_default();
    let until = match expires_at {
        Some(at) => format!("expires {at} ({})", time::relative(at, now)),
        None => "never expires".into(),
    };
    let receipt = format!("Created key {} ({name}){whose}; it {until}.", minted.key.id);
    if args.publishable {
        ctx.out.note("Publishable keys cannot authenticate API calls and are never listed; keep the ID to revoke it.");
    }

    // Step 3: deliver. Stdout, when asked for, is written last: the secret alone (with its
    // warnings), or the JSON object that carries it.
    let delivered = handover
        .deliver(0, &minted, |secret, stored_in| {
            let elsewhere: Vec<String> = stored_in
                .iter()
                .filter(|s| *s != "stdout")
                .cloned()
                .collect();
            if ctx.out.is_json() {
                ctx.out
                    .json(&Created {
                        key: &view,
                        api_key: Some(secret.expose_secret()),
                        stored_in: &elsewhere,
                    })
                    .map_err(std::io::Error::other)?;
                if !ctx.out.quiet {
                    ctx.out.warn(reveal::one_line_warning(&receipt));
                }
                return Ok(());
            }
            reveal::show(&ctx.out, secret, &receipt)?;
            if !elsewhere.is_empty() {
                ctx.out.note(format!(
                    "The secret is also stored in: {}.",
                    elsewhere.join(", ")
                ));
            }
            Ok(())
        })
        .await;
    let stored_in = match delivered {
        Ok(stored_in) => stored_in,
        Err(failure) => {
            let step = format!("creating key {}", minted.key.id);
            return finish(ctx, &scope, Err(failure.into_error(&step)));
        }
    };

    // Step 4: report. With stdout a destination the report was the delivery itself.
    scope.silence();
    if destinations.includes_stdout() {
        if !ctx.out.is_json()
            && reveal::can_erase(&ctx.out)
            && let Err(signal) = reveal::offer_to_erase(&ctx.out, &scope).await
        {
            return Err(CommandError::new(
                signal.exit(),
                format!(
                    "{} at the prompt: key {} was created and its secret shown; it was not erased from the screen",
                    signal.describe(),
                    minted.key.id
                ),
            ));
        }
        return finish(ctx, &scope, Ok(Exit::Ok));
    }
    if ctx.out.is_json() {
        ctx.out.json(&Created {
            key: &view,
            api_key: None,
            stored_in: &stored_in,
        })?;
        ctx.out.note(&receipt);
        return finish(ctx, &scope, Ok(Exit::Ok));
    }
    ctx.out.lines(&stored_in)?;
    ctx.out.note(format!(
        "{receipt} Its secret is stored in: {} (and was not shown).",
        stored_in.join(", ")
    ));
    if destinations.list.contains(&Destination::Keychain) {
        ctx.out.hint(format!(
            "read it with `flexprice-admin keychain get {}{}`",
            view.name,
            ctx.profile_flag()
        ));
    }
    finish(ctx, &scope, Ok(Exit::Ok))
}

/// `keys create -o json`: the key, the secret when stdout is a destination, and where else it
/// went.
#[derive(serde::Serialize)]
struct Created<'a> {
    key: &'a KeyJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<&'a str>,
    stored_in: &'a [String],
}

/// The command's end once the secret is where it went: a signal received meanwhile turns into
/// its exit code (130, 143, 129) after everything was finished and reported.
fn finish(ctx: &Context, scope: &Scope, outcome: CommandResult<Exit>) -> CommandResult<Exit> {
    crate::commands::after_signal(
        ctx,
        scope.signal(),
        outcome,
        "the key's secret was handed over",
    )
}

/// The expiry for a new key: the flag given, else the profile's default lifetime (90 days).
fn expiry(ctx: &Context, args: &KeysCreateArgs, now: Timestamp) -> Option<Timestamp> {
    let flags = &args.expiry;
    if flags.no_expiry {
        return None;
    }
    if let Some(at) = flags.expires_at {
        return Some(at.0);
    }
    let lifetime: TimeSpan = flags
        .expires_in
        .unwrap_or_else(|| ctx.default_key_lifetime());
    lifetime.expiry_from(now)
}
