//! The API URL: the default, and what a URL must be before anything is sent to it. Both the
//! settings ([`crate::settings`]) and a completion's lookup ([`crate::completion`]) take it from
//! here: it sits below the command line, which the settings read and which asks completion.

use reqwest::Url;

use crate::env;
use crate::error::CommandError;

pub(crate) const DEFAULT_API_URL: &str = "https://us.api.flexprice.io/v1";

/// `raw` with any user name and password before the host replaced by `***`, even when the rest
/// is not a valid URL: `https://ops:hunter2@host/v1` → `https://***@host/v1`. Everything from
/// the scheme's `:` and the slashes after it up to the last `@` before any `?` or `#` is hidden:
/// a URL parser also reads `https:\\ops:pw@host`, `https:ops:pw@host` and `https:/<tab>/…` as
/// carrying a password, and a password may hold a `/` (which makes the URL unreadable, and so
/// quoted in the error). An `@` further in the path hides more than the password, never less.
pub(crate) fn redact_userinfo(raw: &str) -> std::borrow::Cow<'_, str> {
    let end = raw.find(['?', '#']).unwrap_or(raw.len());
    let Some(at) = raw[..end].rfind('@') else {
        return raw.into();
    };
    let start = match raw[..at].find(':') {
        Some(colon) => {
            let slashes = raw[colon + 1..at]
                .bytes()
                .take_while(|b| matches!(b, b'/' | b'\\'))
                .count();
            colon + 1 + slashes
        }
        None => 0,
    };
    format!("{}***{}", &raw[..start], &raw[at..]).into()
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
        // What a URL parser reads as userinfo without `://`, and a `/` in the password.
        for (raw, shown) in [
            ("https:\\\\ops:pw@h/v1", "https:\\\\***@h/v1"),
            ("https:ops:pw@h/v1", "https:***@h/v1"),
            ("https:/\t/ops:pw@h/v1", "https:/***@h/v1"),
            ("https://ops:p/w@h/v1", "https://***@h/v1"),
            ("ops:pw@h/v1", "ops:***@h/v1"),
        ] {
            assert_eq!(redact_userinfo(raw), shown, "{raw:?}");
        }
    }

    #[test]
    fn insecure_http_needs_the_flag() {
        let err = parse_api_url("http://api.example.com/v1", false).unwrap_err();
        assert!(err.hints[0].contains("--allow-insecure-http"));
        assert!(parse_api_url("http://api.example.com/v1", true).is_ok());
    }
}
