//! `keys create`: mint a key, then hand its one-time secret to its destinations.

use anyhow::Context as _;
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};

use crate::api::models::{ApiKey, CreateKeyBody};
use crate::api::{self, Client};
use crate::cli::{KeysCreateArgs, OnStoreFailure};
use crate::commands::{emit_planned, resolve, undelivered};
use crate::context::Context;
use crate::error::{Exit, UserError};
use crate::secrets::{self, Destination, Destinations, SecretOwner, reveal};
use crate::time::{self, TimeSpan};
use crate::views::KeyJson;

pub async fn create(ctx: &Context, args: &KeysCreateArgs) -> anyhow::Result<Exit> {
    if args.name.is_none() && !ctx.interactive {
        return Err(UserError::usage("--name is required")
            .hint("pass --name NAME (a prompt is shown only on a terminal without --no-input)")
            .into());
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
        None => prompt_name()?,
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
    // Check every destination before minting: a secret nobody can receive is never created.
    let destinations = Destinations::new(
        &args.store.destinations,
        ctx.keychain,
        &ctx.profile.name,
        ctx.timeout,
    );
    destinations.preflight(&name)?;
    if ctx.dry_run {
        emit_planned(ctx, &client, &[request])?;
        return Ok(Exit::Ok);
    }
    // From the create call until the secret is delivered, Ctrl-C would strand a live key.
    secrets::hold_interrupts();
    let created = ctx
        .out
        .waiting("Creating the key", client.create_key(&request))
        .await
        .context("creating the key")?;
    let owner = service_account.as_ref().map(|a| a.label().to_string());
    let view = KeyJson::new(&created.key, owner.clone(), now);
    let whose = owner
        .map(|o| format!(" for service account {o}"))
        .unwrap_or_default();
    let until = match expires_at {
        Some(at) => format!("expires {at} ({})", time::relative(at, now)),
        None => "never expires".into(),
    };
    let receipt = format!(
        "Created key {} ({name}){whose}; it {until}.",
        created.key.id
    );
    if args.publishable {
        ctx.out.note("Publishable keys cannot authenticate API calls and are never listed; keep the ID to revoke it.");
    }
    hand_over(
        ctx,
        &client,
        &destinations,
        args.store.on_store_failure,
        &created.key,
        &view,
        &created.api_key,
        &receipt,
    )
    .await
}

/// Delivers a freshly minted secret to its destinations and reports where it went. A failed
/// destination, a failed CI mask or a failed write to stdout leaves the secret in a recovery
/// file (exit 9) or revokes the key, per `policy` ([`fall_back`]).
#[allow(clippy::too_many_arguments)]
pub async fn hand_over(
    ctx: &Context,
    client: &Client,
    destinations: &Destinations,
    policy: OnStoreFailure,
    key: &ApiKey,
    view: &KeyJson,
    secret: &SecretString,
    receipt: &str,
) -> anyhow::Result<Exit> {
    let context = format!("creating key {}", key.id);
    // The mask must be registered before the secret can appear in a CI log; if it cannot be,
    // the secret must not be printed.
    if let Err(e) = reveal::mask_in_ci(secret) {
        let failed = undelivered::stdout_failed(&e, Vec::new());
        return Err(undelivered::fall_back(
            ctx, client, policy, &key.id, secret, &failed, &context,
        )
        .await
        .error);
    }
    let owner = SecretOwner {
        key_name: key.name.clone(),
        profile: ctx.profile.name.clone(),
    };
    let failed = match destinations.deliver_async(owner, secret.clone()).await {
        Ok(delivered) => match report_delivery(
            ctx,
            destinations,
            view,
            secret,
            &delivered.stored_in,
            receipt,
        ) {
            Ok(()) => return Ok(Exit::Ok),
            Err(e) => match e.downcast_ref::<std::io::Error>() {
                // The secret could not be printed: stdout is a destination that failed.
                Some(io) if destinations.includes_stdout() => {
                    undelivered::stdout_failed(io, delivered.stored_in)
                }
                _ => return Err(e),
            },
        },
        Err(failed) => failed,
    };
    let fell_back =
        undelivered::fall_back(ctx, client, policy, &key.id, secret, &failed, &context).await;
    if fell_back.key_live
        && destinations.includes_stdout()
        && !failed.failures.iter().any(|(l, _)| l == "stdout")
    {
        // The key lives and its secret is in the recovery file; stdout was asked for too.
        report_delivery(ctx, destinations, view, secret, &failed.stored_in, receipt)?;
    }
    Err(fell_back.error)
}

/// Says where the secret went: printed (with warnings) when stdout is a destination, else the
/// list of destinations, with no secret.
fn report_delivery(
    ctx: &Context,
    destinations: &Destinations,
    view: &KeyJson,
    secret: &SecretString,
    stored_in: &[String],
    receipt: &str,
) -> anyhow::Result<()> {
    let shown = destinations.includes_stdout();
    if ctx.out.is_json() {
        #[derive(serde::Serialize)]
        struct Created<'a> {
            key: &'a KeyJson,
            #[serde(skip_serializing_if = "Option::is_none")]
            api_key: Option<&'a str>,
            stored_in: &'a [String],
        }
        ctx.out.json(&Created {
            key: view,
            api_key: shown.then(|| secret.expose_secret()),
            stored_in,
        })?;
        if shown && !ctx.out.quiet {
            ctx.out.warn(reveal::one_line_warning(receipt));
        } else if !shown {
            ctx.out.note(receipt);
        }
        return Ok(());
    }
    if shown {
        reveal::show(ctx, secret, receipt)?;
        if !stored_in.is_empty() {
            ctx.out.note(format!(
                "The secret is also stored in: {}.",
                stored_in.join(", ")
            ));
        }
        return Ok(());
    }
    ctx.out.lines(stored_in)?;
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
    Ok(())
}

fn prompt_name() -> anyhow::Result<String> {
    let name: String = dialoguer::Input::new()
        .with_prompt("Key name")
        .validate_with(|input: &String| crate::cli::parse_new_name(input).map(drop))
        .interact_text()?;
    Ok(name)
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
