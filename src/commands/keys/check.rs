//! `keys check`: is this key working, and what may it do? Flexprice's own troubleshooting steps
//! ("API key not working", "403 Forbidden": does the key exist, in which environment, with which
//! roles, do they grant the permission) as one command.
//!
//! The secret is read from stdin, the keychain or a file, never argv, and only ever sent as the
//! credential of one `GET /users/me`. Which key it is comes from the admin credential's listing:
//! the server shows a key as its `display_id` (`sk_01***7Q`, first five and last two
//! characters), so listed keys with the same `display_id` are the candidates. Only two characters
//! vary between keys, so candidates are narrowed by what the check learnt (a key that
//! authenticates belongs to the principal it authenticated as and has not expired; one that does
//! not is not an active listed key) and, if several remain, by time: the key and its row ID are
//! ULIDs minted in the same request, so their timestamps agree.

use std::io::IsTerminal;

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use zeroize::Zeroizing;

use super::everywhere;
use crate::api::models::{ApiKey, Environment, User};
use crate::api::permissions::{Permission, assignable_to, builtin_roles};
use crate::api::{Credential, KeyFilter};
use crate::cli::KeysCheckArgs;
use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};
use crate::output::Cell;
use crate::secrets::KEYS_SERVICE;
use crate::time;
use crate::views::{AccountJson, EnvironmentJson, KeyJson};

/// A key's ULID and its row ID's ULID are minted in one request; this is the slack allowed
/// between their timestamps when telling candidates apart.
const SAME_REQUEST_MS: u64 = 60_000;
/// Flexprice's verification cache keeps a just-revoked key working this long (contract §3.3).
const REVOCATION_NOTE: &str = "Flexprice keeps accepting a key for up to two minutes after it is revoked (its verification cache)";

/// Why a key may fail to authenticate; the JSON names are a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Cause {
    Expired,
    Revoked,
    NeverExisted,
    OtherEnvironment,
    OtherRegion,
}

impl Cause {
    fn word(self) -> &'static str {
        match self {
            Cause::Expired => "expired",
            Cause::Revoked => "revoked",
            Cause::NeverExisted => "never_existed",
            Cause::OtherEnvironment => "other_environment",
            Cause::OtherRegion => "other_region",
        }
    }
}

/// What `-o json` prints.
#[derive(Serialize)]
struct Report {
    authenticated: bool,
    /// The key, when it could be told apart from every other key with its `display_id`.
    key: Option<KeyJson>,
    /// The key's environment, when the admin credential could see every environment.
    environment: Option<EnvironmentJson>,
    /// Who the key authenticates as.
    principal: Option<AccountJson>,
    /// Whether the admin credential's listing shows the key (a key that authenticates but is not
    /// listed may have been revoked within the last two minutes).
    listed: bool,
    /// Likely causes of a failure, most likely first; empty when the key authenticates.
    causes: Vec<Cause>,
    detail: String,
    /// Keys that could be this one, when several could.
    candidates: Vec<KeyJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    permission: Option<PermissionCheck>,
    /// The key still authenticates although this tool revoked it less than two minutes ago:
    /// when, and when Flexprice refuses it for certain.
    #[serde(skip_serializing_if = "Option::is_none")]
    revocation: Option<RevocationJson>,
}

#[derive(Serialize)]
struct RevocationJson {
    key_id: String,
    revoked_at: String,
    certain_at: String,
}

#[derive(Serialize)]
struct PermissionCheck {
    permission: String,
    /// `None` when the key's roles are unknown (it was not identified and does not authenticate).
    granted: Option<bool>,
    /// The key's roles that grant it.
    granted_by: Vec<String>,
    /// Every role that grants it, whether the key holds it or not.
    roles_that_grant: Vec<String>,
}

/// What the admin credential could see: the listed keys with the checked key's `display_id`.
struct Sight {
    /// Every environment of the tenant was searched (the admin credential is not bound to one).
    everywhere: bool,
    matches: Vec<(ApiKey, Option<Environment>)>,
}

/// What the checked key itself told: who it authenticates as (`None`: a 401), and the two things
/// its secret gives away without being kept: its `display_id` and when it was minted.
struct Probe {
    principal: Option<User>,
    display_id: String,
    minted_ms: Option<u64>,
}

/// The listed keys that could be the checked one, with what the admin credential could see.
struct Identity {
    sight: Option<Sight>,
    candidates: Vec<(ApiKey, Option<Environment>)>,
}

impl Identity {
    /// The key, when exactly one candidate is left.
    fn identified(&self) -> Option<&(ApiKey, Option<Environment>)> {
        match self.candidates.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    fn everywhere(&self) -> bool {
        self.sight.as_ref().is_some_and(|s| s.everywhere)
    }
}

pub async fn run(ctx: &Context, args: &KeysCheckArgs) -> CommandResult<Exit> {
    let probe = probe(ctx, args).await?;
    let now = time::now();
    let identity = identify(ctx, &probe, now).await;
    let identified = identity.identified();
    let candidates: Vec<&(ApiKey, Option<Environment>)> = identity.candidates.iter().collect();
    let (causes, detail) = diagnose(
        ctx,
        probe.principal.as_ref(),
        identity.sight.as_ref(),
        &candidates,
        &probe.display_id,
        now,
    );
    let roles: Option<Vec<String>> = identified
        .map(|(k, _)| k.roles.clone())
        .or_else(|| probe.principal.as_ref().map(|p| p.roles.clone()));
    let authenticated = probe.principal.is_some();
    let listed = !identity.candidates.is_empty();
    // A key that still works although this tool revoked it: Flexprice's verification cache,
    // which forgets it by a known time (a listed key is not revoked, whatever a record says).
    let propagating = (authenticated && !listed)
        .then(|| revoked_by_us(ctx, &probe.display_id, probe.minted_ms))
        .flatten();

    let key_view = |(key, env): &(ApiKey, Option<Environment>)| {
        KeyJson::new(key, None, now).in_environment(env.as_ref())
    };
    let report = Report {
        authenticated,
        key: identified.map(key_view),
        environment: identified
            .and_then(|(_, e)| e.as_ref())
            .map(EnvironmentJson::from),
        principal: probe.principal.as_ref().map(AccountJson::from),
        listed,
        causes,
        detail,
        candidates: if identified.is_none() {
            identity.candidates.iter().map(key_view).collect()
        } else {
            Vec::new()
        },
        permission: args
            .permission
            .as_ref()
            .map(|p| check_permission(p, roles.as_deref())),
        revocation: propagating.as_ref().map(|r| RevocationJson {
            key_id: r.key_id.clone(),
            revoked_at: r.revoked_at.to_string(),
            certain_at: r.certain_at().to_string(),
        }),
    };
    print(
        ctx,
        &report,
        probe.principal.as_ref(),
        identified,
        identity.everywhere(),
    )?;
    if let Some(revoked) = &propagating {
        return Err(still_propagating(revoked, now));
    }
    verdict(ctx, &report, &probe, &identity, roles.as_deref()).await
}

/// Reads the secret and sends it as the credential of one `GET /users/me`; the secret is
/// dropped before anything else is asked.
async fn probe(ctx: &Context, args: &KeysCheckArgs) -> CommandResult<Probe> {
    let checked = Credential::new(read_secret(ctx, args)?);
    let key_client = ctx.client_with(checked.clone())?.with_environment(None);
    let principal = match ctx.out.waiting("Checking the key", key_client.me()).await {
        Ok(me) => Some(me),
        Err(e) if e.is_status(401) => None,
        Err(e) => {
            return Err(CommandError::from(e)
                .context("checking the key (GET /users/me with it as the credential)"));
        }
    };
    Ok(Probe {
        principal,
        display_id: crate::redact::display_form(checked.expose()),
        minted_ms: ulid_ms(checked.expose(), "sk_"),
    })
}

/// Which listed keys could be the checked one: those with its `display_id`, narrowed by what
/// the probe learnt and by time. Not being able to look is a warning, not a failure: the probe's
/// answer still stands.
async fn identify(ctx: &Context, probe: &Probe, now: Timestamp) -> Identity {
    let sight = if probe.display_id == "***" {
        Err(CommandError::failure(
            "it does not look like a Flexprice API key (sk_ followed by 26 characters)",
        ))
    } else {
        look(ctx, &probe.display_id).await
    };
    let sight = match sight {
        Ok(sight) => Some(sight),
        Err(err) => {
            ctx.out
                .warn(format!("cannot tell which key this is: {}", err.one_line()));
            None
        }
    };
    let candidates: Vec<&(ApiKey, Option<Environment>)> = sight
        .iter()
        .flat_map(|s| s.matches.iter())
        .filter(|(key, _)| match &probe.principal {
            // It authenticated as `me`, so it is one of `me`'s keys and has not expired.
            Some(me) => {
                key.user_id.as_deref() == Some(me.id.as_str())
                    && key.expires_at.is_none_or(|at| at > now)
            }
            // A listed key that has not expired would have authenticated.
            None => key.expires_at.is_some_and(|at| at <= now),
        })
        .collect();
    let candidates = narrow(candidates, probe.minted_ms)
        .into_iter()
        .cloned()
        .collect();
    Identity { sight, candidates }
}

/// The exit once the report is out: 3 for a key that does not authenticate, a warning for one
/// that works but is listed nowhere, 6 for a permission it lacks.
async fn verdict(
    ctx: &Context,
    report: &Report,
    probe: &Probe,
    identity: &Identity,
    roles: Option<&[String]>,
) -> CommandResult<Exit> {
    if !report.authenticated {
        let mut err = CommandError::new(
            Exit::Unauthenticated,
            format!("the key does not authenticate: {}", report.detail),
        );
        if !report.causes.contains(&Cause::Expired) {
            err = err.hint(
                "Flexprice answers every bad key with the same 401; the causes above are what the admin credential can rule in or out",
            );
        }
        return Err(err
            .hint(format!(
                "the API URL is {}; a key works only against the region it was created in",
                ctx.settings.api_url
            ))
            .hint("replace it with `flexprice-admin keys create` (or `keys rotate` for a key that still works)"));
    }
    if !report.listed && identity.sight.is_some() {
        let everywhere = identity.everywhere();
        let scope = if everywhere {
            "in any environment"
        } else {
            "in the admin credential's environment"
        };
        ctx.out.warn(format!(
            "the key authenticates, but no key {scope} matches it: if it was revoked just now, {REVOCATION_NOTE}; \
             otherwise it is a tenant-level key from the server's configuration{}",
            if everywhere { "" } else { ", or a key of another environment" }
        ));
    }
    if let Some(check) = &report.permission
        && check.granted == Some(false)
    {
        return Err(permission_error(ctx, check, roles, probe.principal.as_ref()).await);
    }
    Ok(Exit::Ok)
}

/// The secret, from `--from-keychain`, `--from-file` or stdin (a hidden prompt on a terminal);
/// refused before any request when empty or not a single line of text.
fn read_secret(ctx: &Context, args: &KeysCheckArgs) -> CommandResult<SecretString> {
    let (text, from): (Zeroizing<String>, String) = if let Some(name) = &args.from_keychain {
        let entry = crate::secrets::entries::find(
            &ctx.keychain,
            &ctx.profile.name,
            name,
            None,
            &ctx.profile_flag(),
        )?;
        let secret = ctx
            .keychain
            .get(KEYS_SERVICE, &entry.account)
            .map_err(|e| {
                e.into_user_error().hint(format!(
                    "`flexprice-admin keychain list{}` shows the names stored",
                    ctx.profile_flag()
                ))
            })?;
        (
            Zeroizing::new(secret.expose_secret().to_owned()),
            format!("keychain entry '{name}'"),
        )
    } else if let Some(path) = &args.from_file {
        // The key file's rules, as for FLEXPRICE_API_KEY_FILE: a regular file (never a FIFO
        // that blocks or a device that never ends), at most 4 KiB, private. It is not the admin
        // credential, so the way out of a file that is not regular is stdin, not
        // FLEXPRICE_API_KEY.
        let fix = "give the key to check on stdin instead (`flexprice-admin keys check < PATH`, or piped in), \
                   or write it to a regular file (`umask 077; printf %s \"$KEY\" > key.txt`) for --from-file";
        let (text, warning) = crate::secret_input::read_file_text(path, "--from-file", fix)?;
        if let Some(warning) = warning {
            ctx.out.warn(warning);
        }
        (text, format!("--from-file {}", path.display()))
    } else if std::io::stdin().is_terminal() {
        if !ctx.interactive {
            return Err(CommandError::usage(
                "no key to check: `keys check` reads the key from stdin, which is a terminal",
            )
            .hint("pipe it in (`flexprice-admin keys check < key.txt`), or use --from-keychain NAME or --from-file PATH"));
        }
        (
            Zeroizing::new(
                dialoguer::Password::new()
                    .with_prompt("API key to check")
                    .interact()?,
            ),
            "the prompt".to_string(),
        )
    } else {
        // Read to its end: more than 4 KiB is no key, and is refused rather than cut.
        let text = crate::secret_input::read_stdin_text("stdin")?;
        (text, "stdin".to_string())
    };
    let key = text.trim();
    if key.is_empty() {
        return Err(CommandError::usage(format!("no key to check: {from} is empty"))
            .hint("pipe the key in (`flexprice-admin keys check < key.txt`), or use --from-keychain NAME or --from-file PATH"));
    }
    if key.chars().any(char::is_control) {
        return Err(CommandError::usage(format!(
            "{from} holds more than one line or control characters; an API key is one line"
        )));
    }
    Ok(SecretString::from(key))
}

/// The listed keys with this `display_id`: in every environment when the admin credential is
/// not bound to one, else in its own.
async fn look(ctx: &Context, display_id: &str) -> CommandResult<Sight> {
    let admin = ctx.client()?;
    let all = KeyFilter::default();
    if admin.bound_to_environment().await? {
        let keys = ctx
            .out
            .waiting("Looking the key up", admin.list_keys(&all, None))
            .await?;
        return Ok(Sight {
            everywhere: false,
            matches: keys
                .into_iter()
                .filter(|k| k.display_id == display_id)
                .map(|k| (k, None))
                .collect(),
        });
    }
    let environments = ctx
        .out
        .waiting("Fetching environments", admin.environments())
        .await?;
    let found = everywhere::keys_in(ctx, &admin, &all, environments).await?;
    Ok(Sight {
        everywhere: true,
        matches: found
            .into_iter()
            .flat_map(|e| {
                let environment = e.environment;
                e.keys
                    .into_iter()
                    .filter(|k| k.display_id == display_id)
                    .map(move |k| (k, Some(environment.clone())))
            })
            .collect(),
    })
}

/// With several candidates, the one whose row ID was minted with the key, if exactly one was.
fn narrow(
    candidates: Vec<&(ApiKey, Option<Environment>)>,
    minted_ms: Option<u64>,
) -> Vec<&(ApiKey, Option<Environment>)> {
    let Some(minted) = minted_ms.filter(|_| candidates.len() > 1) else {
        return candidates;
    };
    let same: Vec<_> = candidates
        .iter()
        .copied()
        .filter(|(k, _)| {
            ulid_ms(&k.id, "secret_").is_some_and(|t| t.abs_diff(minted) <= SAME_REQUEST_MS)
        })
        .collect();
    if same.len() == 1 { same } else { candidates }
}

/// Which of `candidates`, keys sharing the display ID of `secret` (only two characters vary, so
/// several often do), was minted with it: the one whose row ID was minted nearest in time to
/// the secret, within one request's slack, when exactly one is nearest. `None` when that cannot
/// be told (no ULID in the secret, or a tie).
pub(super) fn minted_with<'k>(candidates: &[&'k ApiKey], secret: &str) -> Option<&'k ApiKey> {
    let minted = ulid_ms(secret, "sk_")?;
    let mut apart: Vec<(u64, &ApiKey)> = candidates
        .iter()
        .filter_map(|k| Some((ulid_ms(&k.id, "secret_")?.abs_diff(minted), *k)))
        .filter(|(gap, _)| *gap <= SAME_REQUEST_MS)
        .collect();
    apart.sort_by_key(|(gap, _)| *gap);
    match apart.as_slice() {
        [(_, one)] => Some(one),
        [(nearest, one), (next, _), ..] if nearest < next => Some(one),
        _ => None,
    }
}

/// The millisecond timestamp of a `prefix` + ULID string.
fn ulid_ms(raw: &str, prefix: &str) -> Option<u64> {
    let id = ulid::Ulid::from_string(raw.strip_prefix(prefix)?).ok()?;
    Some(id.timestamp_ms())
}

/// The likely causes of a failure and a sentence saying what was found.
fn diagnose(
    ctx: &Context,
    principal: Option<&User>,
    sight: Option<&Sight>,
    candidates: &[&(ApiKey, Option<Environment>)],
    display_id: &str,
    now: Timestamp,
) -> (Vec<Cause>, String) {
    if let Some(me) = principal {
        let kind = if me.user_type == "service_account" {
            "service account"
        } else {
            "user"
        };
        return (
            Vec::new(),
            format!("it authenticates as {} ({kind})", me.label()),
        );
    }
    match (sight, candidates) {
        (Some(_), [(key, _)]) => {
            let when = key
                .expires_at
                .map(|at| time::relative(at, now))
                .unwrap_or_default();
            (
                vec![Cause::Expired],
                format!("it is key {} ({}), which expired {when}", key.id, key.name),
            )
        }
        (Some(_), [_, _, ..]) => (
            vec![Cause::Expired],
            format!(
                "{} expired keys have its display ID {display_id}, and it is one of them",
                candidates.len()
            ),
        ),
        (Some(sight), []) if sight.everywhere => (
            vec![Cause::Revoked, Cause::NeverExisted, Cause::OtherRegion],
            format!(
                "no key with its display ID {display_id} exists in any environment of this tenant: it was revoked, \
                 or it was never a key of this tenant at {} (another tenant's or another region's)",
                ctx.settings.api_url
            ),
        ),
        (Some(_), []) => (
            vec![
                Cause::Revoked,
                Cause::NeverExisted,
                Cause::OtherEnvironment,
                Cause::OtherRegion,
            ],
            format!(
                "no key with its display ID {display_id} exists in the admin credential's environment: it was \
                 revoked, never existed, belongs to another environment (a tenant-level key or login token can \
                 search them all), or to another region"
            ),
        ),
        (None, _) => (
            vec![
                Cause::Revoked,
                Cause::Expired,
                Cause::NeverExisted,
                Cause::OtherEnvironment,
                Cause::OtherRegion,
            ],
            "it is wrong, revoked or expired, or belongs to another environment or region (Flexprice does not say which)"
                .to_string(),
        ),
    }
}

fn check_permission(permission: &Permission, roles: Option<&[String]>) -> PermissionCheck {
    let catalogue = builtin_roles();
    let granting = permission.granted_by(&catalogue);
    let granted_by: Vec<String> = granting
        .iter()
        .filter(|r| roles.is_some_and(|held| held.contains(&r.id)))
        .map(|r| r.id.clone())
        .collect();
    PermissionCheck {
        permission: permission.to_string(),
        granted: roles.map(|_| !granted_by.is_empty()),
        granted_by,
        roles_that_grant: granting.iter().map(|r| r.id.clone()).collect(),
    }
}

/// Exit 6: what would grant the permission, and that a key's roles never change.
async fn permission_error(
    ctx: &Context,
    check: &PermissionCheck,
    roles: Option<&[String]>,
    principal: Option<&User>,
) -> CommandError {
    let held = match roles {
        Some([]) | None => "no roles".to_string(),
        Some(roles) => roles.join(", "),
    };
    let mut err = CommandError::new(
        Exit::PermissionDenied,
        format!("the key's roles ({held}) do not grant {}", check.permission),
    )
    .hint(format!(
        "roles that grant {}: {}",
        check.permission,
        check.roles_that_grant.join(", ")
    ));
    let owner_type = principal.map(|p| p.user_type.as_str()).unwrap_or_default();
    let assignable: Vec<&str> = check
        .roles_that_grant
        .iter()
        .map(String::as_str)
        .filter(|r| assignable_to(r).contains(&owner_type))
        .collect();
    if owner_type == "service_account" && !assignable.is_empty() {
        err = err.hint(format!(
            "of those, a service account can hold: {}",
            assignable.join(", ")
        ));
    }
    err = err.hint(
        "a key's roles are fixed when it is created (a copy of its account's roles then): no change to this key \
         can grant it. The fix is a new key for an account that holds one of those roles",
    );
    let holders = holders(ctx, &check.roles_that_grant).await;
    if holders.is_empty() {
        err = err.hint(format!(
            "e.g. `flexprice-admin service-accounts create --name NAME --role {}` then \
             `flexprice-admin keys create --name KEY --service-account NAME`",
            assignable
                .iter()
                .find(|r| **r != "super_admin")
                .or(assignable.first())
                .unwrap_or(&"ROLE")
        ));
    } else {
        err = err.hint(format!(
            "service accounts that hold one: {}; mint a key for one with `flexprice-admin keys create --name KEY --service-account NAME`",
            holders.join(", ")
        ));
    }
    err
}

/// Service accounts holding any of `roles`, as "name (role)"; best effort (needs `user:read`).
async fn holders(ctx: &Context, roles: &[String]) -> Vec<String> {
    let Ok(admin) = ctx.client() else {
        return Vec::new();
    };
    let Ok(accounts) = admin.search_users("service_account", None).await else {
        return Vec::new();
    };
    accounts
        .iter()
        .filter_map(|a| {
            let role = a.roles.iter().find(|r| roles.contains(r))?;
            Some(format!("{} ({role})", a.label()))
        })
        .take(5)
        .collect()
}

fn print(
    ctx: &Context,
    report: &Report,
    principal: Option<&User>,
    identified: Option<&(ApiKey, Option<Environment>)>,
    everywhere: bool,
) -> CommandResult<()> {
    if ctx.out.is_json() {
        return ctx.out.json(report);
    }
    if ctx.out.quiet {
        if let Some(key) = &report.key {
            ctx.out.lines([&key.id])?;
        }
        return Ok(());
    }
    let now = time::now();
    let field = |k: &str, v: Cell| vec![Cell::new(k), v];
    let mut rows = vec![field(
        "authenticates",
        Cell::new(if report.authenticated { "yes" } else { "no" }),
    )];
    if let Some((key, environment)) = identified {
        let owner = key
            .service_account_name
            .clone()
            .or_else(|| principal.map(|p| p.label().to_string()))
            .or_else(|| key.user_id.clone())
            .unwrap_or_default();
        let owner_type = key.user_type.as_deref().unwrap_or("user").replace('_', " ");
        rows.push(field("key", Cell::new(&key.id)));
        rows.push(field("name", Cell::new(&key.name)));
        rows.push(field("owner", Cell::new(format!("{owner} ({owner_type})"))));
        rows.push(field("roles", Cell::new(key.roles.join(","))));
        rows.push(field(
            "environment",
            match environment {
                Some(e) => Cell::split(format!("{} ({})", e.name, e.id), &e.id),
                None if everywhere => Cell::new(""),
                None => Cell::new("the admin credential's environment"),
            },
        ));
        rows.push(field(
            "created",
            Cell::split(
                time::relative(key.created_at, now),
                key.created_at.to_string(),
            ),
        ));
        rows.push(field(
            "expires",
            match key.expires_at {
                Some(at) => Cell::split(time::relative(at, now), at.to_string()),
                None => Cell::new("never"),
            },
        ));
    } else if let Some(me) = principal {
        rows.push(field(
            "principal",
            Cell::new(format!("{} ({})", me.label(), me.id)),
        ));
        rows.push(field("roles", Cell::new(me.roles.join(","))));
    }
    if !report.candidates.is_empty() {
        let ids: Vec<&str> = report.candidates.iter().map(|k| k.id.as_str()).collect();
        rows.push(field("candidates", Cell::new(ids.join(","))));
    }
    if let Some(check) = &report.permission {
        let verdict = match check.granted {
            Some(true) => format!(
                "{}: granted by {}",
                check.permission,
                check.granted_by.join(",")
            ),
            Some(false) => format!("{}: not granted", check.permission),
            None => format!("{}: unknown", check.permission),
        };
        rows.push(field("permission", Cell::new(verdict)));
    }
    if !report.authenticated {
        let causes: Vec<&str> = report.causes.iter().map(|c| c.word()).collect();
        rows.push(field("causes", Cell::new(causes.join(","))));
    }
    if let Some(revocation) = &report.revocation {
        rows.push(field("revoked", Cell::new(&revocation.revoked_at)));
        rows.push(field("certain", Cell::new(&revocation.certain_at)));
    }
    ctx.out.rows(&["FIELD", "VALUE"], rows)?;
    if report.authenticated && report.revocation.is_none() {
        ctx.out.note(format!("The key works: {}.", report.detail));
    }
    Ok(())
}

/// The revocation this tool made of the key whose secret has `display_id` and was minted at
/// `minted_ms`, while Flexprice may still accept it. Only two characters of a `display_id`
/// vary, so a record counts only when its key's ID was minted with the secret (the two ULIDs
/// agree in time), or, for a secret without a ULID, when it is the only record of that
/// `display_id`.
fn revoked_by_us(
    ctx: &Context,
    display_id: &str,
    minted_ms: Option<u64>,
) -> Option<crate::revocations::Revocation> {
    let now = time::now();
    let same: Vec<_> = crate::revocations::all(&ctx.paths.state_dir)
        .into_iter()
        .filter(|r| r.display_id == display_id && r.certain_at() > now && r.revoked_at <= now)
        .collect();
    match minted_ms {
        Some(minted) => same
            .into_iter()
            .filter_map(|r| Some((ulid_ms(&r.key_id, "secret_")?.abs_diff(minted), r)))
            .filter(|(gap, _)| *gap <= SAME_REQUEST_MS)
            .min_by_key(|(gap, _)| *gap)
            .map(|(_, r)| r),
        None if same.len() == 1 => same.into_iter().next(),
        None => None,
    }
}

/// Exit 5 ("unavailable"; a script tells it from 0, the key works, and 3, it does not): the
/// answer is not final yet, and asking again after `certain_at` gives the final one, like a
/// server that asked to be retried later.
fn still_propagating(revoked: &crate::revocations::Revocation, now: Timestamp) -> CommandError {
    let certain = revoked.certain_at();
    let seconds = certain.duration_since(now).as_secs().max(1);
    CommandError::new(
        Exit::Unavailable,
        format!(
            "key {} ({}) still authenticates: it was revoked at {} and the revocation is still propagating; \
             it is certain at {} (in {seconds} s)",
            revoked.key_id,
            revoked.name,
            whole_seconds(revoked.revoked_at, jiff::RoundMode::Floor),
            whole_seconds(certain, jiff::RoundMode::Ceil),
        ),
    )
    .hint(format!("{REVOCATION_NOTE}, and a revocation does not clear it"))
    .hint(format!(
        "run the check again after {}: exit 3 then confirms the key no longer works",
        whole_seconds(certain, jiff::RoundMode::Ceil)
    ))
}

/// A time to the second, for a person (`2026-12-04T15:32:10Z`), rounded as `mode` says: a time
/// by which something is certain is never shown earlier than it is.
fn whole_seconds(at: Timestamp, mode: jiff::RoundMode) -> String {
    let rounding = jiff::TimestampRound::new()
        .smallest(jiff::Unit::Second)
        .mode(mode);
    at.round(rounding)
        .unwrap_or(at)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_minted_with_a_secret_is_the_one_whose_id_is_nearest_in_time() {
        let key = |ms: u64| ApiKey {
            id: format!("secret_{}", ulid::Ulid::from_parts(ms, 7)),
            ..serde_json::from_value(
                serde_json::json!({"id": "x", "name": "k", "type": "private_key",
                "display_id": "sk_01***AA", "status": "published",
                "created_at": "2026-08-22T13:05:42Z"}),
            )
            .unwrap()
        };
        let secret = format!("sk_{}", ulid::Ulid::from_parts(1_700_000_000_000, 9));
        let (same, later, much_later) = (
            key(1_700_000_000_000),
            key(1_700_000_000_040),
            key(1_800_000_000_000),
        );
        assert_eq!(
            minted_with(&[&later, &same], &secret).map(|k| &k.id),
            Some(&same.id)
        );
        assert_eq!(minted_with(&[&much_later], &secret).map(|k| &k.id), None);
        let twin = key(1_700_000_000_000);
        assert_eq!(
            minted_with(&[&same, &twin], &secret).map(|k| &k.id),
            None,
            "a tie"
        );
        assert_eq!(minted_with(&[&same], "sk_local_dev").map(|k| &k.id), None);
    }

    #[test]
    fn ulid_times_are_read_from_keys_and_ids() {
        let id = ulid::Ulid::from_parts(1_700_000_000_000, 42).to_string();
        assert_eq!(ulid_ms(&format!("sk_{id}"), "sk_"), Some(1_700_000_000_000));
        assert_eq!(
            ulid_ms(&format!("secret_{id}"), "secret_"),
            Some(1_700_000_000_000)
        );
        assert_eq!(ulid_ms("sk_local_dev", "sk_"), None);
        assert_eq!(ulid_ms(&id, "sk_"), None);
    }

    #[test]
    fn candidates_sharing_a_display_id_are_told_apart_by_their_minting_time() {
        let at = |ms: u64| ulid::Ulid::from_parts(ms, 7).to_string();
        let key = |ms: u64| -> (ApiKey, Option<Environment>) {
            let key = serde_json::from_value(serde_json::json!({
                "id": format!("secret_{}", at(ms)), "name": "k", "type": "private_key",
                "display_id": "sk_01***AA", "status": "published",
                "created_at": "2026-01-01T00:00:00Z",
            }))
            .unwrap();
            (key, None)
        };
        let (early, late) = (key(1_700_000_000_000), key(1_700_000_500_000));
        let both = vec![&early, &late];
        let minted = ulid_ms(&format!("sk_{}", at(1_700_000_500_123)), "sk_");
        let kept: Vec<&str> = narrow(both.clone(), minted)
            .iter()
            .map(|(k, _)| k.id.as_str())
            .collect();
        assert_eq!(kept, [late.0.id.as_str()]);
        // No time to go by (not a ULID key), or none close enough: every candidate stays.
        assert_eq!(narrow(both.clone(), None).len(), 2);
        assert_eq!(narrow(both, Some(1_600_000_000_000)).len(), 2);
    }

    #[test]
    fn causes_read_like_their_json_names() {
        for cause in [
            Cause::Expired,
            Cause::Revoked,
            Cause::NeverExisted,
            Cause::OtherEnvironment,
            Cause::OtherRegion,
        ] {
            assert_eq!(serde_json::to_value(cause).unwrap(), cause.word());
        }
    }

    #[test]
    fn a_permission_is_granted_by_the_roles_held() {
        let p = Permission::parse("event:read").unwrap();
        let held = vec!["event_ingestor".to_string()];
        let check = check_permission(&p, Some(&held));
        assert_eq!(check.granted, Some(false));
        assert_eq!(
            check.roles_that_grant,
            ["all_reader", "all_writer", "event_reader", "super_admin"]
        );
        let held = vec!["event_reader".to_string()];
        assert_eq!(
            check_permission(&p, Some(&held)).granted_by,
            ["event_reader"]
        );
        assert_eq!(check_permission(&p, None).granted, None);
    }
}
