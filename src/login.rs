//! Logging in as a dashboard user (`auth login --email`): the email and password go to
//! `POST /auth/login` (contract §3.13), and the login token (a JWT that is not bound to an
//! environment, so it reaches every one) is what the keychain keeps; the password is never
//! stored. Flexprice has no refresh endpoint and a token lasts 30 days, so when it has expired
//! the next command on a terminal asks for the password again (the email is in the profile),
//! and off a terminal exits 3 saying since when and what to run. Every command warns for the
//! last [`WARN_BEFORE`] of a token's life.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::api::{Client, ClientConfig, Credential};
use crate::error::{CommandError, CommandResult, Exit};
use crate::output::Output;
use crate::secret_input;
use crate::time;

/// How long before a stored login expires every command says so.
pub(crate) const WARN_BEFORE: Duration = Duration::from_secs(3 * 24 * 3600);

/// A stored credential this close to its expiry is treated as expired: a command started with
/// it could see it expire between two requests.
const MARGIN: Duration = Duration::from_secs(60);

/// When a login token stops working: its `exp` claim, read without checking the signature
/// (only the server can; this is for saying when). `None` for anything that is not a JWT
/// with an `exp` (an API key, a token that never expires).
pub(crate) fn expires_at(token: &str) -> Option<Timestamp> {
    #[derive(Deserialize)]
    struct Claims {
        exp: Option<f64>,
    }
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !token.starts_with("eyJ") {
        return None;
    }
    let json = Zeroizing::new(URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?);
    let claims: Claims = serde_json::from_slice(&json).ok()?;
    let exp = claims.exp.filter(|e| e.is_finite() && *e > 0.0)?;
    Timestamp::from_second(exp as i64).ok()
}

/// Whether a token expiring at `at` should no longer be used at `now`.
pub(crate) fn is_expired(at: Timestamp, now: Timestamp) -> bool {
    at <= now + MARGIN
}

/// "2026-07-01 12:00:00 UTC (in 29 days)", for messages.
pub(crate) fn when(at: Timestamp, now: Timestamp) -> String {
    format!(
        "{} ({})",
        at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        time::relative(at, now)
    )
}

/// Where the password comes from.
pub(crate) enum PasswordFrom<'a> {
    /// A hidden prompt on the terminal, with this question.
    Prompt(String),
    Stdin,
    File(&'a std::path::Path),
}

/// Reads the password: never from argv or the environment.
pub(crate) fn read_password(out: &Output, from: PasswordFrom<'_>) -> CommandResult<SecretString> {
    match from {
        PasswordFrom::Stdin => secret_input::read_password_stdin("stdin (--password-stdin)"),
        PasswordFrom::File(path) => {
            let read = secret_input::read_password_file(path, "--password-file")?;
            if let Some(warning) = read.warning {
                out.warn(warning);
            }
            Ok(read.secret)
        }
        PasswordFrom::Prompt(question) => {
            // The typed text is a copy of the secret too: it is wiped when dropped.
            let typed = Zeroizing::new(
                dialoguer::Password::new()
                    .with_prompt(question)
                    .interact()?,
            );
            Ok(secret_input::check_password(&typed, "the password typed")?)
        }
    }
}

/// The checks the server makes, made first, so a typo exits 2 without a request: an email
/// that is one word with an `@` inside, a password of at least 8 characters.
pub(crate) fn check_email(email: &str) -> Result<(), CommandError> {
    let ok = email
        .split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && !host.is_empty() && !host.contains('@'))
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(
            CommandError::usage(format!("--email: '{email}' is not an email address"))
                .hint("pass the email you sign in to the Flexprice dashboard with"),
        )
    }
}

fn check_password_length(password: &SecretString) -> Result<(), CommandError> {
    if password.expose_secret().chars().count() < 8 {
        return Err(CommandError::usage(
            "the password is shorter than 8 characters, which Flexprice refuses; nothing was sent",
        ));
    }
    Ok(())
}

/// Exchanges email and password for a login token (`POST /auth/login`, sent with no
/// credential and no environment, to `server`'s URL). A refusal (403, "Invalid email or
/// password") is exit 3.
pub(crate) async fn log_in(
    out: &Output,
    server: ClientConfig,
    email: &str,
    password: SecretString,
) -> CommandResult<Credential> {
    check_email(email)?;
    check_password_length(&password)?;
    // Scrubbed from anything the server might quote back.
    crate::redact::register(&password);
    let client = Client::new(ClientConfig {
        credential: None,
        environment: None,
        ..server
    })?;
    let answer = out
        .waiting("Logging in", client.login(email, password))
        .await;
    match answer {
        // Checked as every stored credential will be, so what is stored can be used.
        Ok(login) => Ok(Credential::new(secret_input::check(
            login.token.expose_secret(),
            "the login token Flexprice answered with",
        )?)),
        Err(err) if err.is_status(403) || err.is_status(401) => Err(CommandError::new(
            Exit::Unauthenticated,
            format!(
                "Flexprice refused the login of {email}: {}",
                err.server_message().unwrap_or("invalid email or password")
            ),
        )
        .hint("check the email and password you sign in to the dashboard with (the email is case-sensitive); a tenant that enforces single sign-on refuses passwords for everyone but super admins")),
        Err(err) => Err(CommandError::from(err).context("logging in (POST /auth/login)")),
    }
}

/// The error for a stored login token that has expired, when nobody can be asked for the
/// password: exit 3, before any request.
/// password: exit 3, before any request. `login` is the command that logs in again
/// ([`login_command`]).
pub(crate) fn expired_error(profile: &str, login: &str, at: Timestamp) -> CommandError {
    CommandError::new(
        Exit::Unauthenticated,
        format!(
            "the login token stored for profile '{profile}' expired at {}",
            when(at, time::now())
        ),
    )
    .hint(format!(
        "log in again: `{login}` (a token lasts 30 days; on a terminal any command asks for the password once it has expired)"
    ))
}

/// `flexprice-admin auth login --email EMAIL [--profile P]` (`profile_flag`: ` --profile P` or
/// empty), with `EMAIL` standing in when the profile has no email.
pub(crate) fn login_command(email: Option<&str>, profile_flag: &str) -> String {
    let email = email.unwrap_or("EMAIL");
    let email = shlex::try_quote(email).map_or_else(|_| email.to_string(), |q| q.into_owned());
    format!("flexprice-admin auth login --email {email}{profile_flag}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: &str) -> String {
        format!(
            "eyJhbGciOiJIUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn the_expiry_is_read_from_a_login_token_and_nothing_else() {
        let at = expires_at(&token(
            r#"{"user_id":"u","exp":1780000000,"iat":1777408000}"#,
        ));
        assert_eq!(at, Some(Timestamp::from_second(1_780_000_000).unwrap()));
        assert_eq!(expires_at(&token(r#"{"user_id":"u"}"#)), None);
        assert_eq!(expires_at(&token(r#"{"exp":"soon"}"#)), None);
        assert_eq!(expires_at("sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q"), None);
        assert_eq!(expires_at("eyJ.not-base64!.x"), None);
        assert_eq!(expires_at("eyJa.b"), None);
    }

    #[test]
    fn a_token_within_a_minute_of_its_end_counts_as_expired() {
        let now: Timestamp = "2026-06-01T12:00:00Z".parse().unwrap();
        assert!(is_expired(now, now));
        assert!(is_expired(now + Duration::from_secs(59), now));
        assert!(!is_expired(now + Duration::from_secs(3600), now));
    }

    #[test]
    fn emails_are_checked_before_sending() {
        assert!(check_email("admin@flexprice.dev").is_ok());
        for bad in ["", "admin", "@x", "a@", "a b@x", "a@b@c"] {
            let err = check_email(bad).unwrap_err();
            assert!(err.message.starts_with("--email: "), "{bad}");
        }
    }
}
