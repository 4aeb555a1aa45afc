//! The session a command runs in: the printer, the paths, the profile and the settings
//! ([`crate::settings`], resolved by a pure function), and what needs I/O to find: the admin
//! credential (looked up once, lazily), the API client, and the questions asked on a terminal.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use crate::api::{Client, ClientConfig, Credential};
use crate::cli::global::GlobalArgs;
use crate::config::{self, Paths, ResolvedProfile};
use crate::env;
use crate::error::{CommandError, CommandResult, Exit};
use crate::login;
use crate::output::Output;
use crate::secret_input;
use crate::secrets::keychain::LOGIN_SERVICE;
use crate::secrets::{Keychain, KeychainError};
use crate::settings::{self, Settings};
use crate::time::{DEFAULT_KEY_LIFETIME_DAYS, TimeSpan};

/// Where the admin credential came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    EnvVar,
    File(String),
    Keychain,
}

impl std::fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialSource::EnvVar => write!(f, "environment variable {}", env::API_KEY),
            CredentialSource::File(path) => write!(f, "file {path} (from {})", env::API_KEY_FILE),
            CredentialSource::Keychain => write!(f, "OS keychain"),
        }
    }
}

pub struct Context {
    pub out: Output,
    pub paths: Paths,
    pub profile: ResolvedProfile,
    /// The OS keychain, with this invocation's timeout.
    pub keychain: Keychain,
    /// The settings from the flags and the profile, resolved once (see [`settings`]).
    pub(crate) settings: Settings,
    /// Prompts are allowed: stdin and stderr are terminals and `--no-input` was not given.
    pub interactive: bool,
    /// The admin credential once found: looking it up may wait for the keychain, which must
    /// happen once per run, not again when an error is explained.
    credential: std::cell::OnceCell<(Credential, CredentialSource)>,
}

impl Context {
    /// `may_create_profile`: the command (`auth login`) creates the profile if it is missing.
    pub fn new(global: &GlobalArgs, may_create_profile: bool) -> CommandResult<Context> {
        let out = Output::new(global.output, global.quiet, global.color, global.no_input);
        let paths = Paths::discover()?;
        if let Some(warning) = config::tighten_permissions(&paths.config_file())? {
            out.warn(warning);
        }
        let profile = config::load_profile(
            &paths.config_file(),
            global.profile.as_deref(),
            may_create_profile,
        )?;
        let settings = settings::resolve(global, &profile.settings, out.interactive)?;
        Ok(Context {
            interactive: out.interactive,
            out,
            paths,
            keychain: Keychain::new(settings.keychain_timeout),
            profile,
            settings,
            credential: std::cell::OnceCell::new(),
        })
    }

    /// The journal of this profile on this server: where its keys' secrets went or wait.
    pub fn journal(&self) -> crate::handover::Journal {
        crate::handover::Journal::new(
            &self.paths.state_dir,
            &self.profile.name,
            self.settings.api_url.as_str(),
        )
    }

    /// The destinations a secret is written to, with this invocation's timeouts (`--timeout`
    /// for an `exec:` command).
    pub fn sinks(&self) -> crate::handover::OsSinks {
        crate::handover::OsSinks {
            keychain: self.keychain,
            exec_timeout: self.settings.timeout,
        }
    }

    /// The lifetime of a new key when no expiry flag is given.
    pub fn default_key_lifetime(&self) -> TimeSpan {
        self.profile
            .default_expiry
            .unwrap_or(TimeSpan::days(DEFAULT_KEY_LIFETIME_DAYS))
    }

    /// Turns an `--environment` given as a name into its ID, asking the API for the tenant's
    /// environments with the admin credential. An ID is kept as given.
    pub async fn resolve_environment_name(&mut self) -> CommandResult<()> {
        if self.environment_is_a_name() {
            let (credential, _) = self.credential()?;
            self.settings.environment = self.environment_id_for(credential).await?;
        }
        Ok(())
    }

    fn environment_is_a_name(&self) -> bool {
        self.settings
            .environment
            .as_deref()
            .is_some_and(|e| !crate::names::environment_id_like(e))
    }

    /// The environment to send with `credential`: `--environment` as an ID, a name looked up
    /// (a discovery call, sent without an environment), or none.
    pub async fn environment_id_for(
        &self,
        credential: Credential,
    ) -> CommandResult<Option<String>> {
        let Some(name) = self
            .settings
            .environment
            .clone()
            .filter(|_| self.environment_is_a_name())
        else {
            return Ok(self.settings.environment.clone());
        };
        let client = Client::new(ClientConfig {
            base_url: self.settings.api_url.clone(),
            credential: Some(credential),
            environment: None,
            timeout: self.settings.timeout,
            trace: self.trace(),
        })?;
        let environments = self
            .out
            .waiting("Fetching environments", client.environments())
            .await?;
        Ok(Some(crate::names::environment_id(&environments, &name)?))
    }

    /// A client holding the admin credential.
    pub fn client(&self) -> CommandResult<Client> {
        let (credential, _) = self.credential()?;
        self.client_with(credential)
    }

    /// A client holding the admin credential, in the environment `--environment` names, looked
    /// up here when it is a name: for the keychain's commands, which resolve nothing before
    /// they run, and list keys only when there is a credential to list them with.
    pub async fn client_in_environment(&self) -> CommandResult<Client> {
        let (credential, _) = self.credential()?;
        let environment = self.environment_id_for(credential.clone()).await?;
        self.client_in(credential, environment)
    }

    /// A client with the admin credential, only if it was already looked up: for explaining an
    /// error without waiting on the keychain a second time.
    pub fn client_if_resolved(&self) -> Option<Client> {
        let (credential, _) = self.credential.get()?;
        self.client_with(credential.clone()).ok()
    }

    /// A client holding the given credential.
    pub fn client_with(&self, credential: Credential) -> CommandResult<Client> {
        self.client_in(credential, self.settings.environment.clone())
    }

    /// A client holding the given credential, in the given environment.
    pub fn client_in(
        &self,
        credential: Credential,
        environment: Option<String>,
    ) -> CommandResult<Client> {
        Ok(Client::new(ClientConfig {
            base_url: self.settings.api_url.clone(),
            credential: Some(credential),
            environment,
            timeout: self.settings.timeout,
            trace: self.trace(),
        })?)
    }

    /// Where `--verbose` traces go: this invocation's stderr.
    pub fn trace(&self) -> Option<crate::api::Trace> {
        let lines = self.out.stderr_lines();
        self.settings.verbose.then(|| -> crate::api::Trace {
            std::sync::Arc::new(move |line: &str| lines.line("", line))
        })
    }

    /// The API this invocation talks to, with no credential yet.
    pub fn server(&self) -> ClientConfig {
        ClientConfig {
            base_url: self.settings.api_url.clone(),
            credential: None,
            environment: None,
            timeout: self.settings.timeout,
            trace: self.trace(),
        }
    }

    /// The command that logs this profile in again with its email.
    pub fn login_command(&self) -> String {
        login::login_command(
            self.profile.settings.login_email.as_deref(),
            &self.profile_flag(),
        )
    }

    /// The admin credential and where it came from: `FLEXPRICE_API_KEY`, then
    /// `FLEXPRICE_API_KEY_FILE`, then the profile's keychain entry (stored by `auth login`).
    pub fn credential(&self) -> CommandResult<(Credential, CredentialSource)> {
        if let Some(found) = self.credential.get() {
            return Ok(found.clone());
        }
        let found = self.look_up_credential()?;
        Ok(self.credential.get_or_init(|| found).clone())
    }

    fn look_up_credential(&self) -> CommandResult<(Credential, CredentialSource)> {
        // Each source passes the check `auth login` makes (secret_input::check): a bad
        // credential exits 2 naming its source instead of failing as a network error.
        if let Some(key) = env::var(env::API_KEY).map(zeroize::Zeroizing::new) {
            let secret = secret_input::check(&key, env::API_KEY)?;
            return Ok((Credential::new(secret), CredentialSource::EnvVar));
        }
        if let Some(path) = env::var(env::API_KEY_FILE) {
            let read = secret_input::read_file(Path::new(&path), env::API_KEY_FILE)?;
            if let Some(warning) = read.warning {
                self.out.warn(warning);
            }
            return Ok((Credential::new(read.secret), CredentialSource::File(path)));
        }
        let keychain_problem = match self.keychain.get(LOGIN_SERVICE, &self.profile.name) {
            Ok(secret) => {
                let secret = self.checked_login(&secret)?;
                return Ok((Credential::new(secret), CredentialSource::Keychain));
            }
            Err(KeychainError::NoEntry(_)) => None,
            Err(e) => Some(e),
        };
        let mut err = CommandError::new(
            Exit::Unauthenticated,
            "no API key: flexprice-admin needs an admin credential",
        )
        .hint(format!(
            "run `flexprice-admin auth login{}` to store one in the OS keychain, set {} (e.g. `export {}=$(cat key.txt)`), or point {} at a file holding the key",
            self.profile_flag(),
            env::API_KEY,
            env::API_KEY,
            env::API_KEY_FILE
        ));
        if let Some(problem) = keychain_problem {
            err = err.hint(format!("the keychain could not be read: {problem}"));
        }
        Err(err)
    }

    /// The stored login, checked as every credential is; a login token that has expired is
    /// exit 3 here, before any request, and one near its end is warned about.
    fn checked_login(&self, stored: &SecretString) -> CommandResult<SecretString> {
        let source = format!("the login stored for profile '{}'", self.profile.name);
        let secret = secret_input::check(stored.expose_secret(), &source)?;
        if let Some(at) = login::expires_at(secret.expose_secret()) {
            let now = crate::time::now();
            if login::is_expired(at, now) {
                return Err(login::expired_error(
                    &self.profile.name,
                    &self.login_command(),
                    at,
                ));
            }
            if at <= now + login::WARN_BEFORE {
                self.out.warn(format!(
                    "the login token stored for profile '{}' expires at {}; log in again before then: `{}`",
                    self.profile.name,
                    login::when(at, now),
                    self.login_command()
                ));
            }
        }
        Ok(secret)
    }

    /// A stored login token that has expired, on a terminal: asks for the password of the
    /// profile's email (`auth login --email` saved it), logs in again and stores the new token,
    /// so the command goes on. Does nothing off a terminal, without a stored token or email, or
    /// when `FLEXPRICE_API_KEY` or its file takes precedence: [`Context::credential`] then says
    /// what is wrong. The keychain is read once either way.
    pub async fn renew_expired_login(&self) -> CommandResult<()> {
        if !self.interactive
            || self.credential.get().is_some()
            || env::var(env::API_KEY).is_some()
            || env::var(env::API_KEY_FILE).is_some()
        {
            return Ok(());
        }
        let Some(email) = self.profile.settings.login_email.clone() else {
            return Ok(());
        };
        let Ok(stored) = self.keychain.get(LOGIN_SERVICE, &self.profile.name) else {
            return Ok(());
        };
        let now = crate::time::now();
        match login::expires_at(stored.expose_secret()) {
            Some(at) if login::is_expired(at, now) => {
                self.out.warn(format!(
                    "the login token stored for profile '{}' expired at {}; log in again as {email}",
                    self.profile.name,
                    login::when(at, now)
                ));
            }
            _ => {
                let secret = self.checked_login(&stored)?;
                let _ = self
                    .credential
                    .set((Credential::new(secret), CredentialSource::Keychain));
                return Ok(());
            }
        }
        let question = format!("Password for {email} (profile '{}')", self.profile.name);
        let password = login::read_password(&self.out, login::PasswordFrom::Prompt(question))?;
        let credential = login::log_in(&self.out, self.server(), &email, password).await?;
        let token = SecretString::from(credential.expose());
        self.keychain
            .set(LOGIN_SERVICE, &self.profile.name, &token)
            .map_err(KeychainError::into_user_error)?;
        let until = login::expires_at(token.expose_secret())
            .map(|at| format!("; the new one expires at {}", login::when(at, now)))
            .unwrap_or_default();
        self.out.note(format!(
            "Logged in again as {email}: the login token of profile '{}' is renewed{until}.",
            self.profile.name
        ));
        let _ = self
            .credential
            .set((credential, CredentialSource::Keychain));
        Ok(())
    }

    /// ` --profile NAME` when a profile other than the default is in use, for hints.
    pub fn profile_flag(&self) -> String {
        if self.profile.name == config::DEFAULT_PROFILE {
            String::new()
        } else {
            format!(" --profile {}", self.profile.name)
        }
    }

    /// Refuses, before any request, a command that will need confirmation when nobody can give
    /// it: off a terminal (or with `--no-input`) without `flag`. A dry run needs none.
    pub fn require_confirmation(&self, what: &str, flag: &str) -> Result<(), CommandError> {
        if self.settings.yes || self.interactive || self.settings.dry_run {
            return Ok(());
        }
        Err(CommandError::usage(format!(
            "refusing to {what} without confirmation: nothing was sent"
        ))
        .hint(format!(
            "pass {flag} to confirm (prompts are only shown on a terminal without --no-input)"
        )))
    }

    /// Asks a yes/no question on a terminal. Off a terminal (or with `--no-input`) it fails,
    /// naming `flag`, instead of blocking a script. `--yes` answers yes without asking.
    pub fn confirm(&self, question: &str, flag: &str) -> CommandResult<bool> {
        if self.settings.yes {
            return Ok(true);
        }
        self.out.confirm(question, flag)
    }
}

impl Context {
    /// Asks the user to pick one of `items` on a terminal; `None` when they cancel (Esc or q).
    /// Callers check [`Context::interactive`] first: off a terminal there is nobody to ask.
    pub fn select(&self, question: &str, items: &[String]) -> CommandResult<Option<usize>> {
        self.out.select(question, items)
    }
}
