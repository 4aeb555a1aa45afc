//! What a command runs with, resolved from the global flags (and the environment variables clap
//! reads for them) and the profile by one pure function, [`resolve`], before anything is done
//! with it: the API URL, the environment, timeouts, and what may be asked. Bad values are
//! refused here, before anything is sent.

use std::time::Duration;

use reqwest::Url;

use crate::api_url::{DEFAULT_API_URL, parse_api_url};
use crate::cli::global::GlobalArgs;
use crate::config::Profile as ProfileSettings;
use crate::error::CommandError;

/// Keychain timeout off a terminal (cron, CI) when the profile sets none.
pub(crate) const KEYCHAIN_TIMEOUT_UNATTENDED: Duration = Duration::from_secs(5);
/// Keychain timeout on a terminal, where an unlock prompt may need answering.
pub(crate) const KEYCHAIN_TIMEOUT_INTERACTIVE: Duration = Duration::from_secs(30);

/// The settings of one invocation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settings {
    pub api_url: Url,
    /// The environment, by ID or name (a name is looked up before a command runs).
    pub environment: Option<String>,
    /// `--api-url` / `--environment` (or their variables) were given, not taken from the
    /// profile: `auth login` saves them into the profile.
    pub api_url_given: bool,
    pub environment_given: bool,
    pub timeout: Duration,
    pub verbose: bool,
    pub dry_run: bool,
    pub yes: bool,
    /// How long a keychain call may take: short off a terminal so a locked or absent keychain
    /// never hangs a cron job; longer on one, where the keychain may show an unlock prompt.
    pub keychain_timeout: Duration,
}

/// The settings from the global flags and the profile; `interactive`: prompts are allowed.
pub(crate) fn resolve(
    global: &GlobalArgs,
    profile: &ProfileSettings,
    interactive: bool,
) -> Result<Settings, CommandError> {
    let raw_url = global
        .api_url
        .clone()
        .or_else(|| profile.api_url.clone())
        .unwrap_or_else(|| DEFAULT_API_URL.to_string());
    let api_url = parse_api_url(&raw_url, global.allow_insecure_http)?;
    let environment = global
        .environment
        .clone()
        .or_else(|| profile.environment.clone());
    if let Some(env) = &environment {
        crate::names::parse_name(env)
            .map_err(|e| CommandError::usage(format!("--environment: {e}")))?;
    }
    let keychain_timeout = profile
        .keychain_timeout
        .map(Duration::from_secs_f64)
        .unwrap_or(if interactive {
            KEYCHAIN_TIMEOUT_INTERACTIVE
        } else {
            KEYCHAIN_TIMEOUT_UNATTENDED
        });
    Ok(Settings {
        api_url,
        environment,
        api_url_given: global.api_url.is_some(),
        environment_given: global.environment.is_some(),
        timeout: global.timeout,
        verbose: global.verbose,
        dry_run: global.dry_run,
        yes: global.yes,
        keychain_timeout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn global(args: &[&str]) -> GlobalArgs {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            global: GlobalArgs,
        }
        let mut argv = vec!["x"];
        argv.extend_from_slice(args);
        Only::try_parse_from(argv).unwrap().global
    }

    #[test]
    fn flags_win_over_the_profile_and_defaults_fill_the_rest() {
        let profile = ProfileSettings {
            api_url: Some("https://eu.example/v1".into()),
            environment: Some("env_from_profile".into()),
            keychain_timeout: Some(2.5),
            ..ProfileSettings::default()
        };
        let from_profile = resolve(&global(&[]), &profile, false).unwrap();
        assert_eq!(from_profile.api_url.as_str(), "https://eu.example/v1");
        assert_eq!(
            from_profile.environment.as_deref(),
            Some("env_from_profile")
        );
        assert!(!from_profile.api_url_given && !from_profile.environment_given);
        assert_eq!(from_profile.keychain_timeout, Duration::from_millis(2500));
        let flagged = resolve(
            &global(&[
                "--api-url",
                "http://127.0.0.1:9",
                "--environment",
                "prod",
                "--timeout",
                "2",
            ]),
            &profile,
            true,
        )
        .unwrap();
        assert_eq!(flagged.api_url.as_str(), "http://127.0.0.1:9/v1");
        assert_eq!(flagged.environment.as_deref(), Some("prod"));
        assert!(flagged.api_url_given && flagged.environment_given);
        assert_eq!(flagged.timeout, Duration::from_secs(2));
        let bare = resolve(&global(&[]), &ProfileSettings::default(), true).unwrap();
        assert_eq!(bare.api_url.as_str(), DEFAULT_API_URL);
        assert_eq!(bare.keychain_timeout, KEYCHAIN_TIMEOUT_INTERACTIVE);
        let cron = resolve(&global(&[]), &ProfileSettings::default(), false).unwrap();
        assert_eq!(cron.keychain_timeout, KEYCHAIN_TIMEOUT_UNATTENDED);
    }

    #[test]
    fn a_bad_environment_is_refused_naming_the_flag() {
        let err = resolve(
            &global(&["--environment", "a\nb"]),
            &ProfileSettings::default(),
            false,
        )
        .unwrap_err();
        assert!(err.message.starts_with("--environment:"), "{}", err.message);
    }
}
