//! `keys create`: plan where the new secret goes, mint the key and hand its secret over
//! ([`crate::ops::mint`]), then report where it went.

use jiff::Timestamp;
use secrecy::ExposeSecret;

use crate::api::models::CreateKeyBody;
use crate::api::{self, KeyFilter};
use crate::cli::KeysCreateArgs;
use crate::commands::{emit_planned, keys, resolve};
use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};
use crate::handover::plan::{self, Surroundings, Wanted};
use crate::handover::{
    Destination, Handover, KeyIdent, Lookup, Minted, OnStoreFailure, Payload, Store,
};
use crate::interrupt::Scope;
use crate::ops;
use crate::secrets::reveal;
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
            crate::names::parse_new_name(input).map(drop)
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

    // Step 1: every destination filled in and checked before minting; a secret nobody can
    // receive is never created.
    let stores = if args.store.destinations.is_empty() {
        vec![Store::Stdout]
    } else {
        args.store.destinations.clone()
    };
    // Revoking a lost create's key must never hit another key of the same name: with
    // `--on-store-failure revoke`, the owner's keys are noted before minting.
    let revoke = args.store.on_store_failure == OnStoreFailure::Revoke && !ctx.dry_run;
    let owner_id = match &service_account {
        Some(account) => Some(account.id.clone()),
        None if stores.iter().any(Store::uses_owner) || revoke => Some(client.me().await?.id),
        None => None,
    };
    // The owner's keys, when something depends on them: `--if-missing` (is one of this name
    // live?) and the revoke policy (a lost create's key is told from the keys before it).
    let owner_for_listing = match (&owner_id, args.if_missing) {
        (None, true) => Some(client.me().await?.id),
        (owner, _) => owner.clone(),
    };
    let known = if revoke || args.if_missing {
        let filter = KeyFilter {
            user_id: owner_for_listing.clone(),
            ..KeyFilter::default()
        };
        client.list_keys(&filter, None).await?
    } else {
        Vec::new()
    };
    if args.if_missing
        && let Some(existing) = known.iter().find(|k| {
            k.name == name
                && k.user_id.is_some()
                && k.user_id == owner_for_listing
                && k.expires_at.is_none_or(|at| at > now)
        })
    {
        return already_there(
            ctx,
            existing,
            service_account.as_ref().map(|a| a.label()),
            now,
        );
    }
    let ident = KeyIdent {
        name: name.clone(),
        owner: owner_id.clone(),
        label: format!("the new key '{name}'"),
    };
    let around = Surroundings {
        profile: &ctx.profile.name,
        keychain: ctx.keychain,
        batch: false,
        stdout_is_terminal: ctx.out.stdout_tty(),
        stdout_asked: true,
    };
    let plan = plan::plan(
        std::slice::from_ref(&ident),
        &[Wanted::Stores(stores)],
        &around,
    )?;
    if let Some(refused) = plan.refusal(0) {
        return Err(refused.clone());
    }
    // An entry of the keychain belongs to one key: a live key's entry is never overwritten
    // silently (the listing is asked for only when the entry exists).
    let occupied = plan.destinations(0).iter().any(|d| {
        matches!(d, Destination::Keychain { account }
            if ctx.keychain.get(crate::secrets::KEYS_SERVICE, account).is_ok())
    });
    if occupied {
        let live = client.list_keys(&KeyFilter::default(), None).await?;
        let asked = plan.keychain_holders(&ctx.keychain, &live, &[owner_id.as_deref()], &[None])?;
        keys::confirm_overwrites(ctx, &asked)?;
    }
    if ctx.dry_run {
        emit_planned(ctx, &client, &[request])?;
        return Ok(Exit::Ok);
    }
    let prints = plan.prints(0);

    // Step 2: mint and deliver. From here until the secret is delivered, a signal waits its
    // turn: a process stopped in between would leave a live key whose secret nobody has.
    let scope = Scope::open(Some(ctx.out.notice(
        "finishing the key's creation and the hand-over of its secret before stopping (a minted secret is never abandoned)",
    )));
    let journal = ctx.journal();
    let handover = Handover::new(
        &client,
        ctx.sinks(),
        &journal,
        &ctx.out,
        args.store.on_store_failure,
        vec![ident],
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
    let owner = service_account.as_ref().map(|a| a.label().to_string());
    let receipt = |key: &api::models::ApiKey| {
        let whose = owner
            .as_ref()
            .map(|o| format!(" for service account {o}"))
            .unwrap_or_default();
        let until = match expires_at {
            Some(at) => format!("expires {at} ({})", time::relative(at, now)),
            None => "never expires".into(),
        };
        format!("Created key {} ({name}){whose}; it {until}.", key.id)
    };
    // Stdout, when asked for, is written last: the secret alone (with its warnings), or the
    // JSON object that carries it.
    let render = |minted: &Minted, elsewhere: &[Destination]| -> std::io::Result<Payload> {
        let receipt = receipt(&minted.key);
        if ctx.out.is_json() {
            let view = KeyJson::new(&minted.key, owner.clone(), now);
            let stored_in: Vec<String> = elsewhere.iter().map(Destination::label).collect();
            let bytes = ctx.out.json_bytes(&Created {
                key: &view,
                api_key: Some(minted.secret.expose_secret()),
                stored_in: &stored_in,
            })?;
            let mut payload = Payload::bytes(bytes);
            if !ctx.out.quiet {
                payload.after = vec![crate::handover::Said::Warning(reveal::one_line_warning(
                    &receipt,
                ))];
            }
            return Ok(payload);
        }
        let mut payload = Payload::revealed(&ctx.out, &minted.secret, &receipt);
        if !elsewhere.is_empty() {
            let labels: Vec<String> = elsewhere.iter().map(Destination::label).collect();
            payload.after.push(crate::handover::Said::Note(format!(
                "The secret is also stored in: {}.",
                labels.join(", ")
            )));
        }
        Ok(payload)
    };
    let minted = match ctx
        .out
        .waiting("Creating the key", handover.mint(0, &request, lookup))
        .await
    {
        Ok(minted) => minted,
        Err(failure) => return finish(ctx, &scope, Err(failure.into_error("creating the key"))),
    };
    if args.publishable {
        ctx.out.note("Publishable keys cannot authenticate API calls and are never listed; keep the ID to revoke it.");
    }
    let delivered = match ops::mint::deliver(&handover, 0, minted, &render).await {
        Ok(delivered) => delivered,
        Err(failure) => {
            let step = format!("creating key {}", failure.key_id().unwrap_or("?"));
            return finish(ctx, &scope, Err(failure.into_error(&step)));
        }
    };

    // Step 3: report. With stdout a destination the report was the delivery itself.
    scope.silence();
    if prints {
        if !ctx.out.is_json()
            && reveal::can_erase(&ctx.out)
            && let Err(signal) = reveal::offer_to_erase(&ctx.out, &scope).await
        {
            return Err(CommandError::new(
                signal.exit(),
                format!(
                    "{} at the prompt: key {} was created and its secret shown; it was not erased from the screen",
                    signal.describe(),
                    delivered.key.id
                ),
            ));
        }
        return finish(ctx, &scope, Ok(Exit::Ok));
    }
    let stored_in: Vec<String> = delivered.stored_in.iter().map(Destination::label).collect();
    let receipt = receipt(&delivered.key);
    if ctx.out.is_json() {
        let view = KeyJson::new(&delivered.key, owner.clone(), now);
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
    if delivered
        .stored_in
        .iter()
        .any(|d| matches!(d, Destination::Keychain { .. }))
    {
        ctx.out.hint(format!(
            "read it with `flexprice-admin keychain get {}{}`",
            delivered.key.name,
            ctx.profile_flag()
        ));
    }
    finish(ctx, &scope, Ok(Exit::Ok))
}

/// `--if-missing` and a live key of the name and owner exists: nothing minted, exit 0, said so;
/// `-o json` gives the existing key with `"existing": true` and no secret.
fn already_there(
    ctx: &Context,
    existing: &api::models::ApiKey,
    owner: Option<&str>,
    now: Timestamp,
) -> CommandResult<Exit> {
    if ctx.out.is_json() {
        #[derive(serde::Serialize)]
        struct Existing<'a> {
            key: &'a KeyJson,
            stored_in: [&'a str; 0],
            existing: bool,
        }
        let view = KeyJson::new(existing, owner.map(str::to_string), now);
        ctx.out.json(&Existing {
            key: &view,
            stored_in: [],
            existing: true,
        })?;
    }
    ctx.out.note(format!(
        "Key '{}' already exists ({}); nothing was minted (--if-missing).",
        existing.name, existing.id
    ));
    Ok(Exit::Ok)
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
