//! What a command runs with, resolved from the global flags (and the environment variables clap
//! reads for them) and the profile by one pure function, [`resolve`], before anything is done
//! with it: the API URL, the environment, timeouts, and what may be asked. Bad values are
//! refused here, before anything is sent.

use std::time::Duration;

use reqwest::Url;

use crate::cli::global::GlobalArgs;
use crate::config::Profile as ProfileSettings;
use crate::env;
use crate::error::CommandError;

pub(crate) const DEFAULT_API_URL: &str = "https://us.api.flexprice.io/v1";

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

/// `raw` with any user name and password between `://` and the host replaced by `***`, even
/// when the rest is not a valid URL: `https://ops:hunter2@host/v1` → `https://***@host/v1`.
pub(crate) fn redact_userinfo(raw: &str) -> std::borrow::Cow<'_, str> {
    let Some(scheme_end) = raw.find("://").map(|i| i + 3) else {
        return raw.into();
    };
    let rest = &raw[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &raw[..scheme_end], &rest[at..]).into(),
        None => raw.into(),
    }
}

/// Checks an API URL: http(s) only; plain http only to loopback unless allowed; no path means
/// `/v1`; any other path must end in `/v1`.
pub(crate) fn parse_api_url(raw: &str, allow_insecure_http: bool) -> Result<Url, CommandError> {
    // The URL is quoted in every message below: never with a password in it.
    let shown = redact_userinfo(raw);
    let bad = |why: String| {
        CommandError::usage(format!("--api-url / {}: '{shown}' {why}", env::API_URL)).hint(format!(
            "use the API base URL, e.g. {DEFAULT_API_URL} or http://127.0.0.1:8080/v1"
        ))
    };
    let mut url = Url::parse(raw.trim()).map_err(|e| bad(format!("is not a URL ({e})")))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if !loopback && !allow_insecure_http {
                return Err(CommandError::usage(format!(
                    "--api-url: '{shown}' uses plain http to a remote host; the API key would cross the network unencrypted"
                ))
                .hint("use https://, or pass --allow-insecure-http if this network is trusted"));
            }
        }
        other => {
            return Err(bad(format!(
                "has scheme '{other}'; only http and https are supported"
            )));
        }
    }
    if url.host().is_none() {
        return Err(bad("has no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "contains credentials; pass the API key through FLEXPRICE_API_KEY instead".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("has a query or fragment".into()));
    }
    let path = url.path().trim_end_matches('/').to_string();
    if path.is_empty() {
        url.set_path("/v1");
    } else if !path.ends_with("/v1") {
        return Err(bad(format!(
            "has the path '{path}', but the API lives under /v1"
        )));
    } else {
        url.set_path(&path);
    }
    Ok(url)
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

    #[test]
    fn urls_get_v1_and_lose_trailing_slashes() {
        assert_eq!(
            parse_api_url("https://us.api.flexprice.io", false)
                .unwrap()
                .as_str(),
            "https://us.api.flexprice.io/v1"
        );
        assert_eq!(
            parse_api_url("https://x.io/v1/", false).unwrap().as_str(),
            "https://x.io/v1"
        );
        assert_eq!(
            parse_api_url("http://127.0.0.1:8080", false)
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/v1"
        );
        assert_eq!(
            parse_api_url("http://localhost:8080/v1", false)
                .unwrap()
                .as_str(),
            "http://localhost:8080/v1"
        );
        assert_eq!(
            parse_api_url("https://gw.example/flexprice/v1", false)
                .unwrap()
                .path(),
            "/flexprice/v1"
        );
    }

    #[test]
    fn bad_urls_are_refused_naming_the_flag() {
        for (raw, why) in [
            ("not a url", "is not a URL"),
            ("ftp://x.io/v1", "scheme 'ftp'"),
            ("https://x.io/v2", "the API lives under /v1"),
            ("https://user:pw@x.io/v1", "contains credentials"),
            ("http://ops:hunter2@example.com/v1", "plain http"),
            ("https://x.io/v1?a=b", "query"),
        ] {
            let err = parse_api_url(raw, false).unwrap_err();
            assert!(err.message.contains("--api-url"), "{raw}: {}", err.message);
            assert!(
                !err.message.contains("pw@") && !err.message.contains("hunter2"),
                "{raw}: {}",
                err.message
            );
            assert!(err.message.contains(why), "{raw}: {}", err.message);
        }
    }

    #[test]
    fn userinfo_is_redacted_even_in_broken_urls() {
        assert_eq!(
            redact_userinfo("https://ops:hunter2@h/v1"),
            "https://***@h/v1"
        );
        assert_eq!(redact_userinfo("https://a:b@c@h:1?x"), "https://***@h:1?x");
        assert_eq!(redact_userinfo("ht tp://a:p w@h/v1"), "ht tp://***@h/v1");
        assert_eq!(redact_userinfo("https://h/v1?u=a@b"), "https://h/v1?u=a@b");
        assert_eq!(redact_userinfo("no scheme"), "no scheme");
    }

    #[test]
    fn insecure_http_needs_the_flag() {
        let err = parse_api_url("http://api.example.com/v1", false).unwrap_err();
        assert!(err.hints[0].contains("--allow-insecure-http"));
        assert!(parse_api_url("http://api.example.com/v1", true).is_ok());
    }
}
