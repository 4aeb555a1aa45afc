//! `keys create`: plan where the new secret goes, mint the key and hand its secret over
//! ([`crate::ops::mint`]), then report where it went.

use jiff::Timestamp;
use secrecy::ExposeSecret;

use crate::api::models::CreateKeyBody;
use crate::api::models::User;
use crate::api::{self, Client, KeyFilter, Request};
use crate::cli::KeysCreateArgs;
use crate::commands::dry_run::emit_planned;
use crate::commands::{keys, resolve};
use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};
use crate::handover::plan::{self, Surroundings, Wanted};
use crate::handover::{
    Destination, Handover, KeyIdent, Lookup, Minted, OnStoreFailure, Payload, Said, Store,
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
    let Some(new) = prepare(ctx, args, &client).await? else {
        return Ok(Exit::Ok);
    };
    if ctx.settings.dry_run {
        emit_planned(ctx, &client, &[new.request])?;
        return Ok(Exit::Ok);
    }
    hand_over(ctx, args, &client, new).await
}

/// A key about to be minted: its request, owner and name, and where its secret will go.
struct NewKey {
    service_account: Option<User>,
    name: String,
    now: Timestamp,
    expires_at: Option<Timestamp>,
    request: Request,
    owner_id: Option<String>,
    /// The owner's keys before the create (listed only when something depends on them).
    known: Vec<api::models::ApiKey>,
    revoke: bool,
    ident: KeyIdent,
    plan: plan::Plan,
}

/// Everything settled before minting: the account (checked before the name is asked for, so a
/// typo fails before any typing), the name, the expiry, and step 1, every destination filled in
/// and checked; a secret nobody can receive is never created. `None`: `--if-missing` found the
/// key there, and said so.
async fn prepare(
    ctx: &Context,
    args: &KeysCreateArgs,
    client: &Client,
) -> CommandResult<Option<NewKey>> {
    let service_account = match &args.service_account {
        Some(raw) => {
            resolve::classify(raw, "user_", "service account", "--service-account")?;
            Some(resolve::fetch_service_account(ctx, client, raw, "--service-account").await?)
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
    let revoke = args.store.on_store_failure == OnStoreFailure::Revoke && !ctx.settings.dry_run;
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
        already_there(
            ctx,
            existing,
            service_account.as_ref().map(|a| a.label()),
            now,
        )?;
        return Ok(None);
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
    // silently.
    let asked = plan
        .probe_keychain_holders(&ctx.keychain, client, &[owner_id.as_deref()], &[None])
        .await?;
    keys::confirm_overwrites(ctx, &asked)?;
    Ok(Some(NewKey {
        service_account,
        name,
        now,
        expires_at,
        request,
        owner_id,
        known,
        revoke,
        ident,
        plan,
    }))
}

/// Step 2, mint and deliver, and step 3, report. From the mint until the secret is delivered, a
/// signal waits its turn: a process stopped in between would leave a live key whose secret
/// nobody has.
async fn hand_over(
    ctx: &Context,
    args: &KeysCreateArgs,
    client: &Client,
    new: NewKey,
) -> CommandResult<Exit> {
    let prints = new.plan.prints(0);
    let scope = Scope::open(Some(ctx.out.notice(
        "finishing the key's creation and the hand-over of its secret before stopping (a minted secret is never abandoned)",
    )));
    let journal = ctx.journal();
    let handover = Handover::new(
        client,
        ctx.sinks(),
        &journal,
        &ctx.out,
        args.store.on_store_failure,
        vec![new.ident.clone()],
        new.plan.clone(),
        &scope,
    );
    let lookup = Lookup {
        name: &new.name,
        owner: new.owner_id.as_deref(),
        known: &new.known,
        known_complete: new.revoke,
        listed: !args.publishable,
    };
    let told = ops::mint::Told {
        creating: Some("Creating the key"),
        minted: args.publishable.then_some(
            "Publishable keys cannot authenticate API calls and are never listed; keep the ID to revoke it.",
        ),
    };
    let render =
        |minted: &Minted, elsewhere: &[Destination]| stdout_payload(ctx, &new, minted, elsewhere);
    let delivered = match ops::mint::mint(&handover, 0, &new.request, lookup, told, &render).await {
        Ok(delivered) => delivered,
        Err(failure) => {
            let step = match failure.key_id() {
                Some(id) => format!("creating key {id}"),
                None => "creating the key".to_string(),
            };
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
    let reported = report(ctx, &new, &delivered);
    finish(ctx, &scope, reported)
}

impl NewKey {
    /// How the service account is named in receipts and JSON.
    fn owner_label(&self) -> Option<String> {
        self.service_account.as_ref().map(|a| a.label().to_string())
    }

    /// "Created key secret_… (ci) for service account ingest; it expires …".
    fn receipt(&self, key: &api::models::ApiKey) -> String {
        let whose = self
            .owner_label()
            .map(|o| format!(" for service account {o}"))
            .unwrap_or_default();
        let until = match self.expires_at {
            Some(at) => format!("expires {at} ({})", time::relative(at, self.now)),
            None => "never expires".into(),
        };
        format!("Created key {} ({}){whose}; it {until}.", key.id, self.name)
    }
}

/// What stdout shows of the new secret, written last: the secret alone (with its warnings), or
/// the JSON object that carries it.
fn stdout_payload(
    ctx: &Context,
    new: &NewKey,
    minted: &Minted,
    elsewhere: &[Destination],
) -> std::io::Result<Payload> {
    let receipt = new.receipt(&minted.key);
    if ctx.out.is_json() {
        let view = KeyJson::new(&minted.key, new.owner_label(), new.now);
        let stored_in: Vec<String> = elsewhere.iter().map(Destination::label).collect();
        let bytes = ctx.out.json_bytes(&Created {
            key: &view,
            api_key: Some(minted.secret.expose_secret()),
            stored_in: &stored_in,
        })?;
        let mut payload = Payload::bytes(bytes);
        if !ctx.out.quiet {
            payload.after = vec![Said::Warning(reveal::one_line_warning(&receipt))];
        }
        return Ok(payload);
    }
    let mut payload = Payload::revealed(&ctx.out, &minted.secret, &receipt);
    if !elsewhere.is_empty() {
        let labels: Vec<String> = elsewhere.iter().map(Destination::label).collect();
        payload.after.push(Said::Note(format!(
            "The secret is also stored in: {}.",
            labels.join(", ")
        )));
    }
    Ok(payload)
}

/// Where the secret went, when stdout was not a destination: the destinations on stdout (or
/// in the JSON), the receipt on stderr.
fn report(ctx: &Context, new: &NewKey, delivered: &ops::mint::Delivered) -> CommandResult<Exit> {
    let stored_in: Vec<String> = delivered.stored_in.iter().map(Destination::label).collect();
    let receipt = new.receipt(&delivered.key);
    if ctx.out.is_json() {
        let view = KeyJson::new(&delivered.key, new.owner_label(), new.now);
        ctx.out.json(&Created {
            key: &view,
            api_key: None,
            stored_in: &stored_in,
        })?;
        ctx.out.note(&receipt);
        return Ok(Exit::Ok);
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
    Ok(Exit::Ok)
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
    crate::commands::stopped::after_signal(
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
