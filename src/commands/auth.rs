//! `auth login`, `auth status` and `auth logout`: the admin credential in the OS keychain, an
//! API key or a login token (`--email`, see [`crate::login`]). The credential is stored under
//! service `flexprice-admin-login`, account `<profile>`; the profile itself (URL, environment,
//! the login's email) goes to config.toml, never the key, the token or the password.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::api::Credential;
use crate::cli::AuthLoginArgs;
use crate::config;
use crate::context::{Context, CredentialSource};
use crate::env;
use crate::error::{CommandError, CommandResult, ErrorContext, Exit};
use crate::login;
use crate::output::Cell;
use crate::secret_input;
use crate::secrets::KeychainError;
use crate::secrets::keychain::LOGIN_SERVICE;
use crate::views::AccountJson;

pub(super) async fn login(ctx: &Context, args: &AuthLoginArgs) -> CommandResult<Exit> {
    if let Some(email) = &args.email {
        return login_with_email(ctx, args, email).await;
    }
    let profile = ctx.profile.name.clone();
    let key = read_key(ctx, args)?;
    // An `--environment` name is looked up with the key being logged in (the profile keeps
    // the name, resolved each time it is used).
    let credential = Credential::new(key.clone());
    let environment = ctx.environment_id_for(credential.clone()).await?;
    let client = ctx.client_in(credential, environment)?;
    // Check the key before storing it: a typo must not become the stored login.
    let me = client
        .me()
        .await
        .context("checking the API key (nothing was stored)")?;
    ctx.keychain
        .set(LOGIN_SERVICE, &profile, &key)
        .map_err(|e| no_keychain(ctx, e))?;
    let back = ctx
        .keychain
        .get(LOGIN_SERVICE, &profile)
        .map_err(KeychainError::into_user_error)?;
    if back.expose_secret() != key.expose_secret() {
        return Err(CommandError::new(
            Exit::Failure,
            "the keychain entry read back differs from the key stored",
        ));
    }
    save_profile(ctx, None)?;
    ctx.out.note(format!(
        "Logged in as {} ({}) with roles {}; the key is stored in the OS keychain for profile '{profile}'.",
        me.label(),
        me.user_type,
        me.roles.join(",")
    ));
    if env::var(env::API_KEY).is_some() {
        ctx.out.warn(format!(
            "{} is set in this environment and takes precedence over the stored login; unset it to use the login",
            env::API_KEY
        ));
    }
    Ok(Exit::Ok)
}

/// `auth login --email`: the password from a hidden prompt, `--password-stdin` or
/// `--password-file`, exchanged for a login token, which is checked (`GET /users/me`), stored,
/// read back, and said when it expires. Nothing is stored when any step fails.
async fn login_with_email(ctx: &Context, args: &AuthLoginArgs, email: &str) -> CommandResult<Exit> {
    login::check_email(email)?;
    let profile = ctx.profile.name.clone();
    let from = if args.password_stdin {
        login::PasswordFrom::Stdin
    } else if let Some(path) = &args.password_file {
        login::PasswordFrom::File(path)
    } else if ctx.interactive {
        login::PasswordFrom::Prompt(format!("Password for {email} (profile '{profile}')"))
    } else {
        return Err(CommandError::usage("no password given: the hidden prompt needs a terminal")
            .hint("pipe it in with --password-stdin, or name a file only you can read with --password-file PATH (never on the command line)"));
    };
    let password = login::read_password(&ctx.out, from)?;
    let credential = login::log_in(&ctx.out, ctx.server(), email, password).await?;
    let token = SecretString::from(credential.expose());
    let environment = ctx.environment_id_for(credential.clone()).await?;
    let client = ctx.client_in(credential, environment)?;
    let me = client
        .me()
        .await
        .context("checking the login token (nothing was stored)")?;
    ctx.keychain
        .set(LOGIN_SERVICE, &profile, &token)
        .map_err(|e| no_keychain(ctx, e))?;
    let back = ctx
        .keychain
        .get(LOGIN_SERVICE, &profile)
        .map_err(KeychainError::into_user_error)?;
    if back.expose_secret() != token.expose_secret() {
        return Err(CommandError::new(
            Exit::Failure,
            "the keychain entry read back differs from the login token stored",
        ));
    }
    save_profile(ctx, Some(email))?;
    let now = crate::time::now();
    let until = match login::expires_at(token.expose_secret()) {
        Some(at) => format!(
            "; it expires at {}, when `{}` logs in again (on a terminal, any command asks for the password then)",
            login::when(at, now),
            login::login_command(Some(email), &ctx.profile_flag())
        ),
        None => String::new(),
    };
    ctx.out.note(format!(
        "Logged in as {} ({}) with roles {}; the login token is stored in the OS keychain for profile '{profile}'{until}.",
        me.label(),
        me.user_type,
        me.roles.join(",")
    ));
    if ctx.settings.environment.is_none() {
        ctx.out.hint(format!(
            "a login token acts in no environment of its own: pass --environment ENV (or save one with `flexprice-admin profile set{} --environment ENV`) for commands inside one; --all-environments reaches them all",
            ctx.profile_flag()
        ));
    }
    if env::var(env::API_KEY).is_some() || env::var(env::API_KEY_FILE).is_some() {
        ctx.out.warn(format!(
            "{} or {} is set in this environment and takes precedence over the stored login; unset it to use the login",
            env::API_KEY,
            env::API_KEY_FILE
        ));
    }
    Ok(Exit::Ok)
}

/// The keychain refused the login (a server with no Secret Service, a locked keychain). Nothing
/// was stored and no profile written; the hints give the way that needs no keychain, with the
/// exact command that saves this profile.
fn no_keychain(ctx: &Context, err: KeychainError) -> CommandError {
    let mut set = format!("flexprice-admin profile set{}", ctx.profile_flag());
    if ctx.settings.api_url_given {
        set.push_str(&format!(" --api-url {}", ctx.settings.api_url));
    }
    if let Some(environment) = ctx
        .settings
        .environment
        .as_ref()
        .filter(|_| ctx.settings.environment_given)
    {
        set.push_str(&format!(" --environment {environment}"));
    }
    err.into_user_error()
        .hint("the key is valid, but it was not stored anywhere and no profile was saved")
        .hint(format!(
            "without a keychain: save the profile with `{set}` (no credential needed), put the key in a file only you can read (e.g. `(umask 077; cat > admin.key)`), and set {}=PATH wherever the tool runs (e.g. in the crontab)",
            env::API_KEY_FILE
        ))
}

/// The key from stdin (`--api-key-stdin`, read to its end or 4 KiB) or a hidden prompt; never
/// from argv. Either passes the same check as every other credential ([`secret_input::check`]).
fn read_key(ctx: &Context, args: &AuthLoginArgs) -> CommandResult<SecretString> {
    if args.api_key_stdin {
        return secret_input::read_stdin("stdin (--api-key-stdin)");
    }
    if !ctx.interactive {
        return Err(CommandError::usage("no API key given: the hidden prompt needs a terminal")
            .hint("pipe the key in with --api-key-stdin, e.g. `pass show flexprice | flexprice-admin auth login --api-key-stdin`"));
    }
    // The typed text is a copy of the secret too: it is wiped when dropped.
    let text = Zeroizing::new(
        dialoguer::Password::new()
            .with_prompt(format!("Admin API key for profile '{}'", ctx.profile.name))
            .interact()?,
    );
    secret_input::check(&text, "the API key typed")
}

/// Creates or updates the profile in config.toml with the API URL and environment given, and
/// the email of a login by email (an API key login forgets any earlier one).
fn save_profile(ctx: &Context, email: Option<&str>) -> CommandResult<()> {
    let path = ctx.paths.config_file();
    let mut file = config::read_config(&path)?;
    let existed = file.profiles.contains_key(&ctx.profile.name);
    let entry = file.profiles.entry(ctx.profile.name.clone()).or_default();
    let mut changed = !existed;
    if ctx.settings.api_url_given {
        entry.api_url = Some(ctx.settings.api_url.to_string());
        changed = true;
    }
    if ctx.settings.environment_given {
        entry.environment = ctx.settings.environment.clone();
        changed = true;
    }
    if entry.login_email.as_deref() != email {
        entry.login_email = email.map(str::to_string);
        changed = true;
    }
    if changed {
        config::write_config(&path, &file)?;
        ctx.out.note(format!(
            "Saved profile '{}' in {}.",
            ctx.profile.name,
            path.display()
        ));
    }
    Ok(())
}

#[derive(Serialize)]
struct Status {
    profile: String,
    api_url: String,
    /// `env`, `file` or `keychain`.
    source: &'static str,
    source_detail: String,
    /// A login is stored in the keychain for this profile (whether or not it is in use).
    stored_login: bool,
    /// When the credential in use stops working, for a login token (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    /// The principal: `id`, `name`, `email`, `type`, `roles`, as in `whoami`.
    #[serde(flatten)]
    account: AccountJson,
}

pub(super) async fn status(ctx: &Context) -> CommandResult<Exit> {
    let (credential, source) = ctx.credential()?;
    let stored_login = match source {
        CredentialSource::Keychain => true,
        _ => ctx.keychain.get(LOGIN_SERVICE, &ctx.profile.name).is_ok(),
    };
    if stored_login && source != CredentialSource::Keychain {
        ctx.out.warn(format!(
            "the {source} shadows the login stored in the keychain for profile '{}'; unset it to use the stored login",
            ctx.profile.name
        ));
    }
    let expires_at = login::expires_at(credential.expose());
    let client = ctx.client_with(credential)?;
    let me = client
        .me()
        .await
        .with_context(|| format!("checking the credential from the {source}"))?;
    let status = Status {
        profile: ctx.profile.name.clone(),
        api_url: ctx.settings.api_url.to_string(),
        source: match source {
            CredentialSource::EnvVar => "env",
            CredentialSource::File(_) => "file",
            CredentialSource::Keychain => "keychain",
        },
        source_detail: source.to_string(),
        stored_login,
        expires_at: expires_at.map(|at| at.to_string()),
        account: AccountJson::from(&me),
    };
    if ctx.out.is_json() {
        ctx.out.json(&status)?;
        return Ok(Exit::Ok);
    }
    let mut fields = vec![
        ("profile", Cell::new(&status.profile)),
        ("source", Cell::new(&status.source_detail)),
        ("principal", Cell::new(&status.account.id)),
        ("name", Cell::new(me.label())),
        ("type", Cell::new(&status.account.account_type)),
        ("roles", Cell::new(status.account.roles.join(","))),
        ("api", Cell::new(&status.api_url)),
    ];
    // A login token's end (plain output: one more field, last).
    if let Some(at) = expires_at {
        let when = login::when(at, crate::time::now());
        fields.push(("expires", Cell::split(when, at.to_string())));
    }
    ctx.out.record(fields)?;
    Ok(Exit::Ok)
}

pub(super) async fn logout(ctx: &Context) -> CommandResult<Exit> {
    let profile = &ctx.profile.name;
    match ctx.keychain.delete(LOGIN_SERVICE, profile) {
        Ok(()) => ctx.out.note(format!(
            "Removed the stored credential of profile '{profile}' from the OS keychain."
        )),
        Err(KeychainError::NoEntry(_)) => ctx.out.note(format!(
            "No credential is stored in the OS keychain for profile '{profile}'."
        )),
        Err(e) => return Err(e.into_user_error()),
    }
    if env::var(env::API_KEY).is_some() {
        ctx.out.warn(format!(
            "{} is still set in this environment, and commands keep using it",
            env::API_KEY
        ));
    }
    Ok(Exit::Ok)
}
