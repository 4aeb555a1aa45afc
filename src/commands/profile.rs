//! `profile set | show | list`: profiles in config.toml without a credential. A server with no
//! keychain (cron, CI) gets its profile here and its admin key from `FLEXPRICE_API_KEY_FILE`;
//! nothing here opens the keychain or sends a request, so it works before any key exists.

use serde::Serialize;

use super::keys::findings::Rules;
use super::keys::policy::Policy;
use crate::cli::ProfileSetArgs;
use crate::config;
use crate::context::Context;
use crate::env;
use crate::error::{CommandResult, Exit};
use crate::output::Cell;

pub(super) fn set(ctx: &Context, args: &ProfileSetArgs) -> CommandResult<Exit> {
    let path = ctx.paths.config_file();
    let mut file = config::read_config(&path)?;
    let existed = file.profiles.contains_key(&ctx.profile.name);
    let entry = file.profiles.entry(ctx.profile.name.clone()).or_default();
    let mut changed = Vec::new();
    if ctx.settings.api_url_given {
        entry.api_url = Some(ctx.settings.api_url.to_string());
        changed.push("api_url");
    }
    if ctx.settings.environment_given {
        entry.environment = ctx.settings.environment.clone();
        changed.push("environment");
    }
    let spans = [
        (
            "default_expiry",
            args.default_expiry,
            &mut entry.default_expiry,
        ),
        ("max_age", args.max_age, &mut entry.max_age),
        (
            "expiring_within",
            args.expiring_within,
            &mut entry.expiring_within,
        ),
    ];
    for (field, value, slot) in spans {
        if let Some(value) = value {
            *slot = Some(value.to_string());
            changed.push(field);
        }
    }
    let rules = [
        (
            "no_expiry_keys",
            args.no_expiry_keys,
            &mut entry.no_expiry_keys,
        ),
        (
            "privileged_keys",
            args.privileged_keys,
            &mut entry.privileged_keys,
        ),
    ];
    for (field, value, slot) in rules {
        if let Some(value) = value {
            *slot = Some(value.as_str().to_owned());
            changed.push(field);
        }
    }
    if let Some(timeout) = args.keychain_timeout {
        entry.keychain_timeout = Some(timeout.as_secs_f64());
        changed.push("keychain_timeout");
    }
    let name = &ctx.profile.name;
    if existed && changed.is_empty() {
        ctx.out.note(format!(
            "Nothing to change in profile '{name}': give --api-url, --environment or a setting (see --help)."
        ));
    } else {
        config::write_config(&path, &file)?;
        let what = if changed.is_empty() {
            String::new()
        } else {
            format!(" ({})", changed.join(", "))
        };
        let verb = if existed { "Updated" } else { "Created" };
        ctx.out.note(format!(
            "{verb} profile '{name}' in {}{what}.",
            path.display()
        ));
    }
    if ctx.out.quiet {
        ctx.out.lines([name])?;
    }
    Ok(Exit::Ok)
}

/// A profile as every command reads it: its own settings with the defaults filled in.
#[derive(Serialize)]
struct Shown {
    name: String,
    config_file: String,
    /// The profile is in config.toml (the `default` profile may be absent and still usable).
    saved: bool,
    api_url: String,
    environment: Option<String>,
    default_expiry: String,
    max_age: String,
    expiring_within: String,
    /// `keys audit`'s rules: `fail`, `report` or `ignore`.
    no_expiry_keys: &'static str,
    privileged_keys: &'static str,
    /// Where the admin credential would be read from: `env`, `file` or `keychain`.
    credential_source: &'static str,
    /// The file named by `FLEXPRICE_API_KEY_FILE`, when that is the source.
    credential_file: Option<String>,
    /// The email `auth login --email` logged in with, asked for again when its token expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    login_email: Option<String>,
}

pub(super) fn show(ctx: &Context) -> CommandResult<Exit> {
    let path = ctx.paths.config_file();
    let saved = config::read_config(&path)?
        .profiles
        .contains_key(&ctx.profile.name);
    let policy = Policy::from_profile(ctx);
    let rules = Rules::from_profile(ctx);
    let (credential_source, credential_file) = if env::var(env::API_KEY).is_some() {
        ("env", None)
    } else if let Some(file) = env::var(env::API_KEY_FILE) {
        ("file", Some(file))
    } else {
        ("keychain", None)
    };
    let shown = Shown {
        name: ctx.profile.name.clone(),
        config_file: path.display().to_string(),
        saved,
        api_url: ctx.settings.api_url.to_string(),
        environment: ctx.settings.environment.clone(),
        default_expiry: ctx.default_key_lifetime().to_string(),
        max_age: policy.max_age.to_string(),
        expiring_within: policy.expiring_within.to_string(),
        no_expiry_keys: rules.no_expiry.as_str(),
        privileged_keys: rules.privileged.as_str(),
        credential_source,
        credential_file,
        login_email: ctx.profile.settings.login_email.clone(),
    };
    if ctx.out.is_json() {
        ctx.out.json(&shown)?;
        return Ok(Exit::Ok);
    }
    if ctx.out.quiet {
        ctx.out.lines([&shown.name])?;
        return Ok(Exit::Ok);
    }
    let credential = match &shown.credential_file {
        Some(file) => format!("file {file} ({})", env::API_KEY_FILE),
        None if credential_source == "env" => format!("environment variable {}", env::API_KEY),
        None => format!(
            "OS keychain (stored by `flexprice-admin auth login{}`)",
            ctx.profile_flag()
        ),
    };
    let rows = [
        ("profile", shown.name.clone()),
        ("config_file", shown.config_file.clone()),
        ("saved", shown.saved.to_string()),
        ("api_url", shown.api_url.clone()),
        ("environment", shown.environment.clone().unwrap_or_default()),
        ("default_expiry", shown.default_expiry.clone()),
        ("max_age", shown.max_age.clone()),
        ("expiring_within", shown.expiring_within.clone()),
        ("no_expiry_keys", shown.no_expiry_keys.to_owned()),
        ("privileged_keys", shown.privileged_keys.to_owned()),
        ("credential", credential),
        ("login_email", shown.login_email.clone().unwrap_or_default()),
    ];
    ctx.out.rows(
        &["FIELD", "VALUE"],
        rows.into_iter()
            .map(|(field, value)| vec![Cell::new(field), Cell::new(value)])
            .collect(),
    )?;
    if !shown.saved {
        ctx.out.hint(format!(
            "profile '{}' is not in {}; `flexprice-admin profile set{}` saves it",
            shown.name,
            shown.config_file,
            ctx.profile_flag()
        ));
    }
    Ok(Exit::Ok)
}

/// One saved profile, as `profile list` gives it: its api_url as written, with any password
/// in it (a hand-written file's) hidden.
#[derive(Serialize)]
struct Listed<'a> {
    name: &'a str,
    api_url: Option<std::borrow::Cow<'a, str>>,
    environment: Option<&'a str>,
}

pub(super) fn list(ctx: &Context) -> CommandResult<Exit> {
    let path = ctx.paths.config_file();
    let file = config::read_config(&path)?;
    let listed: Vec<Listed<'_>> = file
        .profiles
        .iter()
        .map(|(name, p)| Listed {
            name,
            api_url: p.api_url.as_deref().map(crate::api_url::redact_userinfo),
            environment: p.environment.as_deref(),
        })
        .collect();
    if ctx.out.is_json() {
        ctx.out.json(&listed)?;
    } else if ctx.out.quiet {
        ctx.out.lines(listed.iter().map(|p| p.name))?;
    } else if listed.is_empty() {
        ctx.out
            .note(format!("No profiles are saved in {}.", path.display()));
        ctx.out
            .hint("create one with `flexprice-admin profile set --profile NAME --api-url URL`");
    } else {
        let rows = listed
            .iter()
            .map(|p| {
                vec![
                    Cell::new(p.name),
                    Cell::new(p.api_url.as_deref().unwrap_or("")),
                    Cell::new(p.environment.unwrap_or("")),
                ]
            })
            .collect();
        ctx.out.rows(&["NAME", "API_URL", "ENVIRONMENT"], rows)?;
    }
    Ok(Exit::Ok)
}
