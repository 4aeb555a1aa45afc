//! Profiles and paths. `config.toml` lives in the config directory (from `directories`, e.g.
//! `$XDG_CONFIG_HOME/flexprice-admin/`); state (recovery files, locks) in the state directory.
//! The file holds no secrets: credentials live in the keychain or the environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{CommandError, CommandResult, ErrorContext};
use crate::private_file;
use crate::time::TimeSpan;

/// What `keys audit` does with one kind of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditRule {
    /// Report the key, and exit 10
    Fail,
    /// Report the key; the exit code does not change
    Report,
    /// Do not look
    Ignore,
}

impl AuditRule {
    /// The word flags and config.toml use.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditRule::Fail => "fail",
            AuditRule::Report => "report",
            AuditRule::Ignore => "ignore",
        }
    }
}

pub(crate) const DEFAULT_PROFILE: &str = "default";

/// One profile's settings; every field is optional and falls back to the built-in default.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub api_url: Option<String>,
    pub environment: Option<String>,
    /// Lifetime of new keys when no expiry flag is given, e.g. "30d".
    pub default_expiry: Option<String>,
    /// Seconds to wait for the OS keychain.
    pub keychain_timeout: Option<f64>,
    /// Rotation policy: keys created longer ago than this are due, e.g. "30d".
    pub max_age: Option<String>,
    /// Rotation policy: keys expiring within this window are due, e.g. "7d".
    pub expiring_within: Option<String>,
    /// `keys audit`: "fail", "report" or "ignore" keys that never expire.
    pub no_expiry_keys: Option<String>,
    /// `keys audit`: "fail", "report" or "ignore" service-account keys that can do everything.
    pub privileged_keys: Option<String>,
    /// The email `auth login --email` logged in with (never the password): asked for the
    /// password again when the stored login token expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_email: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigFile {
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

pub struct Paths {
    pub config_dir: PathBuf,
    /// Recovery files and locks (`$XDG_STATE_HOME/flexprice-admin/` on Linux).
    pub state_dir: PathBuf,
}

impl Paths {
    pub fn discover() -> CommandResult<Paths> {
        let dirs = directories::ProjectDirs::from("io", "flexprice", "flexprice-admin").context(
            "cannot find a home directory for the config and state files (is HOME set?)",
        )?;
        // macOS and Windows have no state directory; keep state beside the local data there.
        let state_dir = dirs
            .state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf();
        Ok(Paths {
            config_dir: dirs.config_dir().to_path_buf(),
            state_dir,
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }
}

/// The selected profile, resolved: its name and settings.
#[derive(Debug, Clone)]
pub struct ResolvedProfile {
    pub name: String,
    pub settings: Profile,
    pub default_expiry: Option<TimeSpan>,
    /// The profile's rotation policy, where it sets one (see `commands::keys::Policy`).
    pub max_age: Option<TimeSpan>,
    pub expiring_within: Option<TimeSpan>,
    /// The profile's audit rules, where it sets them (see `commands::keys::findings::Rules`).
    pub no_expiry_keys: Option<AuditRule>,
    pub privileged_keys: Option<AuditRule>,
}

/// Loads the profile `name` (or "default"). A profile named explicitly must exist unless
/// `may_be_new` (`auth login` creates it); the default one may be absent, in which case
/// built-in defaults apply.
pub(crate) fn load_profile(
    path: &Path,
    name: Option<&str>,
    may_be_new: bool,
) -> CommandResult<ResolvedProfile> {
    let file = read_config(path)?;
    let explicit = name.is_some();
    let name = name.unwrap_or(DEFAULT_PROFILE).to_string();
    if let Err(why) = check_profile_name(&name) {
        return Err(CommandError::usage(format!("--profile: '{name}' {why}")));
    }
    let settings = match file.profiles.get(&name) {
        Some(profile) => profile.clone(),
        None if explicit && name != DEFAULT_PROFILE && !may_be_new => {
            let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
            let listed = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            return Err(CommandError::usage(format!("--profile: there is no profile '{name}' in {}", path.display()))
                .hint(format!("profiles there: {listed}; create it with `flexprice-admin profile set --profile {name} --api-url URL` (no credential needed), or with `flexprice-admin auth login --profile {name}`, which also stores the admin key in the OS keychain")));
        }
        None => Profile::default(),
    };
    let span = |field: &str, raw: &Option<String>| -> Result<Option<TimeSpan>, CommandError> {
        raw.as_ref()
            .map(|raw| {
                raw.parse::<TimeSpan>().map_err(|e| {
                    CommandError::usage(format!(
                        "{}: profile '{name}': {field} = \"{raw}\" {e}",
                        path.display()
                    ))
                })
            })
            .transpose()
    };
    let default_expiry = span("default_expiry", &settings.default_expiry)?;
    let max_age = span("max_age", &settings.max_age)?;
    let expiring_within = span("expiring_within", &settings.expiring_within)?;
    let rule = |field: &str, raw: &Option<String>| -> Result<Option<AuditRule>, CommandError> {
        raw.as_ref()
            .map(|raw| {
                <AuditRule as clap::ValueEnum>::from_str(raw, false).map_err(|_| {
                    CommandError::usage(format!(
                        "{}: profile '{name}': {field} = \"{raw}\" must be \"fail\", \"report\" or \"ignore\"",
                        path.display()
                    ))
                })
            })
            .transpose()
    };
    let no_expiry_keys = rule("no_expiry_keys", &settings.no_expiry_keys)?;
    let privileged_keys = rule("privileged_keys", &settings.privileged_keys)?;
    if let Some(secs) = settings.keychain_timeout
        && !(secs.is_finite() && secs > 0.0 && secs <= 3600.0)
    {
        return Err(CommandError::usage(format!(
            "{}: profile '{name}': keychain_timeout = {secs} must be more than 0 and at most 3600 seconds",
            path.display()
        )));
    }
    Ok(ResolvedProfile {
        name,
        settings,
        default_expiry,
        max_age,
        expiring_within,
        no_expiry_keys,
        privileged_keys,
    })
}

/// Profile names become keychain accounts and TOML keys: keep them plain.
pub(crate) fn check_profile_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 64 {
        return Err("must be 1 to 64 characters");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err("may only contain letters, digits, '-', '_' and '.'");
    }
    Ok(())
}

/// Writes config.toml atomically, the directory with mode 0700 and the file 0600. It never
/// holds a secret, but it decides where the credential is sent.
pub(crate) fn write_config(path: &Path, config: &ConfigFile) -> CommandResult<()> {
    let dir = path.parent().context("the config file has no directory")?;
    private_file::private_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let text = toml::to_string(config).context("cannot encode the config")?;
    private_file::replace(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Reads config.toml; a missing file is an empty config, a corrupt one an error naming the file,
/// line and column.
pub(crate) fn read_config(path: &Path) -> CommandResult<ConfigFile> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    toml::from_str(&text).map_err(|e| {
        let place = e
            .span()
            .map(|span| {
                let (line, column) = line_and_column(&text, span.start);
                format!(" at line {line}, column {column}")
            })
            .unwrap_or_default();
        CommandError::usage(format!("{} is not valid{place}: {}", path.display(), e.message()))
            .hint("fix or remove the file; profiles look like [profiles.prod] with api_url = \"https://…/v1\"")
    })
}

/// The 1-based line and column (in characters) of byte offset `at` in `text`. Counting newlines
/// rather than `lines()` matters at the start of a line: the text before it ends with `\n`, which
/// `lines()` does not count as starting a new line.
fn line_and_column(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// config.toml holds no secret, but it decides where the credential is sent, so it must be
/// private to its owner. Group and other bits are removed, with a warning, through a descriptor
/// opened without following links, and only on our own file. A config.toml that is a symbolic
/// link (a dotfiles checkout) is used when its target is private, and refused otherwise: the
/// target is never changed through the link. Checked before the file is read. Returns the
/// warning to show, if any.
#[cfg(unix)]
pub(crate) fn tighten_permissions(path: &Path) -> CommandResult<Option<String>> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    let shown = path.display();
    let linked = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta.file_type().is_symlink(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {shown}")),
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        // A dangling link reads as a missing file; writing through it is refused later.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {shown}")),
    };
    let mode = meta.mode() & 0o777;
    if mode & 0o077 == 0 || !meta.is_file() {
        return Ok(None);
    }
    if linked {
        return Err(CommandError::usage(format!(
            "{shown} is a symbolic link to a file accessible to other users (mode {mode:o}); permissions are never \
             changed through a link"
        ))
        .hint(format!(
            "make the file it points to private (`chmod 600 \"$(readlink -f {shown})\"`), or replace the link with a \
             private copy"
        )));
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(CommandError::usage(format!(
            "{shown} is accessible to other users (mode {mode:o}) and belongs to another user"
        ))
        .hint(format!(
            "ask its owner to run `chmod 600 {shown}`, or use a config.toml of your own"
        )));
    }
    let fixed = mode & 0o700;
    let changed = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
        .and_then(|file| file.set_permissions(std::fs::Permissions::from_mode(fixed)));
    match changed {
        Ok(()) => Ok(Some(format!(
            "{shown} was accessible to other users (mode {mode:o}); its mode is now {fixed:o}"
        ))),
        Err(e) => Err(CommandError::usage(format!(
            "{shown} is accessible to other users (mode {mode:o}) and its mode cannot be changed ({e})"
        ))
        .hint(format!("run `chmod 600 {shown}` as its owner"))),
    }
}

#[cfg(not(unix))]
pub(crate) fn tighten_permissions(_path: &Path) -> CommandResult<Option<String>> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn missing_file_means_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let profile = load_profile(&dir.path().join("config.toml"), None, false).unwrap();
        assert!(profile.settings.api_url.is_none());
    }

    #[test]
    fn named_profile_is_loaded_with_its_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "[profiles.prod]\napi_url = \"https://api.cloud.flexprice.io\"\ndefault_expiry = \"30d\"\n",
        );
        let profile = load_profile(&path, Some("prod"), false).unwrap();
        assert_eq!(
            profile.settings.api_url.as_deref(),
            Some("https://api.cloud.flexprice.io")
        );
        assert_eq!(profile.default_expiry, Some(TimeSpan::days(30)));
    }

    #[test]
    fn the_rotation_policy_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "[profiles.prod]\nmax_age = \"30d\"\nexpiring_within = \"7d\"\n[profiles.bad]\nmax_age = \"soon\"\n",
        );
        let profile = load_profile(&path, Some("prod"), false).unwrap();
        assert_eq!(profile.max_age, Some(TimeSpan::days(30)));
        assert_eq!(profile.expiring_within, Some(TimeSpan::days(7)));
        let err = load_profile(&path, Some("bad"), false).unwrap_err();
        let user = &err;
        assert_eq!(user.exit, crate::error::Exit::Usage);
        assert!(
            user.message.contains("profile 'bad': max_age = \"soon\""),
            "{}",
            user.message
        );
    }

    #[test]
    fn unknown_profile_is_a_usage_error_listing_the_known_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "[profiles.prod]\n");
        let err = load_profile(&path, Some("staging"), false).unwrap_err();
        let user = &err;
        assert!(user.message.contains("no profile 'staging'"));
        assert!(user.hints[0].contains("prod"));
    }

    #[test]
    fn corrupt_toml_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "[profiles.prod]\napi_url = \"https://x\"\ndefault_expiry = \n",
        );
        let err = load_profile(&path, None, false).unwrap_err().to_string();
        assert!(err.contains("config.toml is not valid at line 3"), "{err}");
    }

    #[test]
    fn error_at_the_start_of_a_line_is_on_that_line() {
        let text = "[profiles.prod]\n= 1\n";
        let start = text.find('=').unwrap();
        assert_eq!(line_and_column(text, start), (2, 1));
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(line_and_column("a = \"é\"x", 7), (1, 7));
    }

    #[test]
    fn corrupt_toml_at_column_one_names_that_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "[profiles.prod]\n= \"x\"\n");
        let err = load_profile(&path, None, false).unwrap_err().to_string();
        assert!(err.contains("at line 2, column 1"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn loose_permissions_are_tightened_with_a_warning() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "[profiles.prod]\n");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
        let warning = tighten_permissions(&path).unwrap().expect("a warning");
        assert!(warning.contains("mode 664"), "{warning}");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(tighten_permissions(&path).unwrap(), None, "already private");
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_config_is_never_changed_through_the_link() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dotfiles.toml");
        std::fs::write(&target, "[profiles.prod]\n").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("config.toml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = tighten_permissions(&link).unwrap_err();
        assert_eq!(err.exit, crate::error::Exit::Usage);
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(mode(&target), 0o644, "the target is untouched");
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            tighten_permissions(&link).unwrap(),
            None,
            "a link to a private file is fine"
        );
    }
}
