//! Every environment variable flexprice-admin reads, in one place, so the help text, the docs
//! and the code cannot disagree about a name.

/// The admin credential (an API key). Never accepted in argv.
pub(crate) const API_KEY: &str = "FLEXPRICE_API_KEY";
/// A file holding the admin credential, read when `FLEXPRICE_API_KEY` is unset.
pub(crate) const API_KEY_FILE: &str = "FLEXPRICE_API_KEY_FILE";
/// The API base URL (shared with the official CLI).
pub(crate) const API_URL: &str = "FLEXPRICE_API_URL";
/// The profile to use from config.toml.
pub(crate) const PROFILE: &str = "FLEXPRICE_PROFILE";
/// The environment sent as `X-Environment-ID`.
pub(crate) const ENVIRONMENT_ID: &str = "FLEXPRICE_ENVIRONMENT_ID";
/// Disables colour when set to any non-empty value (<https://no-color.org>).
pub(crate) const NO_COLOR: &str = "NO_COLOR";
/// Set to `true` by GitHub Actions runners; secrets are then registered for masking.
pub(crate) const GITHUB_ACTIONS: &str = "GITHUB_ACTIONS";

/// Test hook: the current time as RFC 3339, so expiry and age logic can be tested. Prefixed like
/// xh's `XH_TEST_MODE`: it is not part of the documented interface. Read through [`test_hook`],
/// so it has no effect in release builds.
pub(crate) const TEST_NOW: &str = "FLEXPRICE_ADMIN_TEST_NOW";

/// Test hook: a comma-separated list of destination kinds (`keychain`, `file`, `exec`) whose
/// delivery fails after minting, so the recovery path can be tested against working
/// destinations. Read through [`test_hook`], so it has no effect in release builds.
pub(crate) const TEST_FAIL_DELIVERY: &str = "FLEXPRICE_ADMIN_TEST_FAIL_DELIVERY";

/// Test hook: how long, in milliseconds, a request may take before a terminal shows a spinner
/// (200 by default), so tests need not race a debug build against the default. Read through
/// [`test_hook`], so it has no effect in release builds.
pub(crate) const TEST_SPINNER_DELAY_MS: &str = "FLEXPRICE_ADMIN_TEST_SPINNER_DELAY_MS";

/// The D-Bus session bus where the Secret Service (the Linux keychain) is reached.
pub(crate) const DBUS_SESSION_BUS_ADDRESS: &str = "DBUS_SESSION_BUS_ADDRESS";

/// Whether a variable is one of ours: every variable we read a credential, a setting or a test
/// hook from starts with `FLEXPRICE_` (the official CLI's prefix too). `exec:` children never
/// see them.
pub(crate) fn is_ours(name: &str) -> bool {
    name.starts_with("FLEXPRICE_")
}

/// Reads a variable, treating an empty value as unset (as most shells users expect).
pub(crate) fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Reads a test-hook variable (`TEST_*`), only in debug builds: tests run debug builds, and a
/// release binary must not let its environment fake the clock or a failed delivery. `cfg!` rather
/// than `#[cfg]` so both builds type-check the same code; the release branch is a constant.
pub(crate) fn test_hook(name: &str) -> Option<String> {
    if cfg!(debug_assertions) {
        var(name)
    } else {
        None
    }
}

/// [`DOCUMENTED`] as aligned text, for `--help` and `help environment`.
pub(crate) fn table_text() -> String {
    let mut text = String::new();
    for (name, meaning) in DOCUMENTED {
        text.push_str(&format!("  {name:<24} {meaning}\n"));
    }
    text
}

/// Every variable with a one-line description, for `help environment` and the man page.
pub(crate) const DOCUMENTED: &[(&str, &str)] = &[
    (
        API_KEY,
        "the admin API key (takes precedence over the key file and the keychain)",
    ),
    (API_KEY_FILE, "path to a file holding the admin API key"),
    (
        API_URL,
        "API base URL (default https://us.api.flexprice.io/v1)",
    ),
    (
        PROFILE,
        "profile to use from config.toml (default \"default\")",
    ),
    (
        ENVIRONMENT_ID,
        "environment sent as X-Environment-ID (needed with tenant keys and JWTs)",
    ),
    (NO_COLOR, "disable colour"),
    (
        GITHUB_ACTIONS,
        "when \"true\", new secrets are registered for log masking",
    ),
    (
        "HTTPS_PROXY / NO_PROXY",
        "proxy settings, honoured by the HTTP client",
    ),
    ("SSL_CERT_FILE", "extra CA bundle for TLS"),
    (
        "XDG_CONFIG_HOME",
        "config directory root (config.toml lives in flexprice-admin/)",
    ),
    (
        DBUS_SESSION_BUS_ADDRESS,
        "the D-Bus session bus of the Secret Service (the keychain on Linux)",
    ),
    (
        "XDG_STATE_HOME",
        "state directory root (recovery files and locks)",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_hooks_are_read_only_in_debug_builds() {
        // PATH is set wherever tests run, so it stands in for a hook a test has set without
        // mutating this process's environment. `cargo test --release` checks the other branch.
        assert!(var("PATH").is_some());
        assert_eq!(test_hook("PATH").is_some(), cfg!(debug_assertions));
    }
}
