//! The keys-as-code manifest (`flexprice.toml`): the service accounts a team wants, their
//! roles, their keys and where each key's secret goes. Read and checked whole before anything
//! is sent: every mistake is named with its file, line and column (exit 2). The file holds no
//! secret, and nothing read from it ever does.
//!
//! ```toml
//! version = 1
//!
//! [defaults]
//! rotate_every = "90d"
//! grace = "0s"
//!
//! [[service_account]]
//! name = "ingest-bot"
//! roles = ["event_ingestor"]
//!
//!   [[service_account.key]]
//!   name = "worker"
//!   environment = "production"
//!   store = ["file:/etc/flexprice/{owner}-{name}.key", "keychain"]
//! ```

pub(crate) mod diff;

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use jiff::{Span, Timestamp};
use serde::Deserialize;
use toml::Spanned;

use crate::error::CommandError;
use crate::handover::destination::{NAME_PLACEHOLDER, unsafe_in_path};
use crate::handover::plan::{glued_variables_hint, place_of};
use crate::handover::{KeyIdent, Store};
use crate::time::{DEFAULT_KEY_LIFETIME_DAYS, TimeSpan};

/// The manifest format this build reads.
pub(crate) const FORMAT_VERSION: i64 = 1;

/// How long a key outlives its rotation and grace: the server ends a key whose cron died.
pub(crate) const EXPIRY_MARGIN_DAYS: i64 = 7;

/// The largest manifest read: far beyond any fleet, and no more memory than that.
const MAX_BYTES: u64 = 1024 * 1024;

/// The default file: `flexprice.toml` in the current directory.
pub(crate) const DEFAULT_FILE: &str = "flexprice.toml";

/// A manifest, checked.
#[derive(Debug, Clone)]
pub(crate) struct Manifest {
    pub path: PathBuf,
    pub accounts: Vec<Account>,
}

/// A service account as declared.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub name: String,
    pub roles: Vec<String>,
    /// Declared gone: with `apply --prune`, its keys are revoked and it is archived.
    pub absent: bool,
    pub keys: Vec<Key>,
}

/// A key as declared: identified by its account, its name and its environment.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub name: String,
    /// An environment's name or ID; `None`: the credential's.
    pub environment: Option<String>,
    pub rotate_every: TimeSpan,
    /// How long a predecessor keeps working once its successor is delivered; `None`: none.
    pub grace: Option<TimeSpan>,
    pub stores: Vec<Store>,
}

impl Key {
    /// When a key minted now for this declaration expires: its rotation, its grace and
    /// [`EXPIRY_MARGIN_DAYS`] later, held to the ten-year cap.
    pub(crate) fn expiry(&self, now: Timestamp) -> Option<Timestamp> {
        let rotated = self.rotate_every.after(now);
        let graced = self.grace.map_or(rotated, |g| g.after(rotated));
        let end = TimeSpan::days(EXPIRY_MARGIN_DAYS).after(graced);
        let lifetime = TimeSpan::between(now, end)?;
        crate::time::expiry_within_cap(lifetime, now)
    }

    /// Whether a key made at `created` is due for rotation at `now`.
    pub(crate) fn due_by_age(&self, created: Timestamp, now: Timestamp) -> bool {
        self.rotate_every.after(created) <= now
    }
}

/// One mistake in a manifest, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mistake {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    version: Spanned<i64>,
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default, rename = "service_account")]
    accounts: Vec<RawAccount>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    rotate_every: Option<Spanned<String>>,
    grace: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    name: Spanned<String>,
    #[serde(default)]
    roles: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    absent: bool,
    #[serde(default, rename = "key")]
    keys: Vec<RawKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    name: Spanned<String>,
    environment: Option<Spanned<String>>,
    rotate_every: Option<Spanned<String>>,
    grace: Option<Spanned<String>>,
    store: Option<Spanned<Vec<Spanned<String>>>>,
}

/// Reads and checks the manifest at `path`: a regular file of at most 1 MiB. Every mistake is
/// an exit 2 naming the file, line and column.
pub(crate) fn load(path: &Path) -> Result<Manifest, CommandError> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| {
        CommandError::usage(format!("-f {shown}: cannot read the manifest ({e})")).hint(format!(
            "write one (`man flexprice-admin-manifest` shows its form), or name it with -f PATH; \
             the default is ./{DEFAULT_FILE}"
        ))
    })?;
    if !meta.is_file() {
        return Err(CommandError::usage(format!(
            "-f {shown}: not a regular file; a manifest is a TOML file"
        )));
    }
    if meta.len() > MAX_BYTES {
        return Err(CommandError::usage(format!(
            "-f {shown}: larger than 1 MiB, which no manifest is"
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| CommandError::usage(format!("-f {shown}: cannot read it as text ({e})")))?;
    parse(path, &text).map_err(|mistakes| refusal(path, &mistakes))
}

/// The error naming every mistake, each as `FILE:LINE:COLUMN: what`.
fn refusal(path: &Path, mistakes: &[Mistake]) -> CommandError {
    let shown = path.display();
    let mut err = CommandError::usage(match mistakes {
        [one] => format!("{shown}:{}:{}: {}", one.line, one.column, one.message),
        many => format!("{shown}: {} mistakes; nothing was sent", many.len()),
    });
    if mistakes.len() > 1 {
        err.causes = mistakes
            .iter()
            .map(|m| format!("{shown}:{}:{}: {}", m.line, m.column, m.message))
            .collect();
    }
    err.hint("`man flexprice-admin-manifest` describes every field")
}

/// Parses and checks a manifest's text.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Manifest, Vec<Mistake>> {
    let at = |span: Range<usize>, message: String| {
        let (line, column) = line_and_column(text, span.start);
        Mistake {
            line,
            column,
            message,
        }
    };
    let raw: RawManifest = toml::from_str(text)
        .map_err(|e| vec![at(e.span().unwrap_or(0..0), e.message().trim().to_string())])?;
    let mut mistakes = Vec::new();
    if *raw.version.get_ref() != FORMAT_VERSION {
        mistakes.push(at(
            raw.version.span(),
            format!(
                "version = {} is not a manifest version this build reads (it reads {FORMAT_VERSION})",
                raw.version.get_ref()
            ),
        ));
    }
    let rotate_every = match &raw.defaults.rotate_every {
        Some(value) => duration(value, "rotate_every", &mut mistakes, &at),
        None => Some(TimeSpan::days(DEFAULT_KEY_LIFETIME_DAYS)),
    }
    .unwrap_or(TimeSpan::days(DEFAULT_KEY_LIFETIME_DAYS));
    let grace = match &raw.defaults.grace {
        Some(value) => grace_of(value, &mut mistakes, &at),
        None => None,
    };

    let mut accounts = Vec::new();
    let mut account_at: HashMap<String, usize> = HashMap::new();
    for raw_account in &raw.accounts {
        let name = raw_account.name.get_ref();
        if let Err(why) = crate::names::parse_new_name(name) {
            mistakes.push(at(raw_account.name.span(), format!("name: {why}")));
        }
        if let Some(first) = account_at.insert(name.clone(), raw_account.name.span().start) {
            let (line, _) = line_and_column(text, first);
            mistakes.push(at(
                raw_account.name.span(),
                format!("service account '{name}' is declared twice (first on line {line})"),
            ));
        }
        let roles = raw_account
            .roles
            .as_ref()
            .map(|r| r.get_ref().clone())
            .unwrap_or_default();
        match (&raw_account.roles, raw_account.absent) {
            (_, true) if !raw_account.keys.is_empty() => mistakes.push(at(
                raw_account.name.span(),
                format!("service account '{name}' is absent = true, so it declares no keys"),
            )),
            (_, true) => {}
            (None, false) => mistakes.push(at(
                raw_account.name.span(),
                format!("service account '{name}' needs roles, e.g. roles = [\"event_ingestor\"]"),
            )),
            (Some(spanned), false) => {
                if let Err(why) = crate::api::permissions::check_service_account_roles(&roles) {
                    mistakes.push(at(spanned.span(), format!("roles: {why}")));
                }
            }
        }
        let defaults = KeyDefaults {
            rotate_every,
            grace,
            grace_at: raw.defaults.grace.as_ref().map(Spanned::span),
            manifest: path,
        };
        let keys = keys_of(text, raw_account, &defaults, &mut mistakes, &at);
        accounts.push(Account {
            name: name.clone(),
            roles,
            absent: raw_account.absent,
            keys,
        });
    }
    shared_destinations(text, &raw, &accounts, &mut mistakes, &at);
    if !mistakes.is_empty() {
        mistakes.sort_by_key(|m| (m.line, m.column));
        return Err(mistakes);
    }
    Ok(Manifest {
        path: path.to_path_buf(),
        accounts,
    })
}

/// What a key takes from the manifest when it does not say: the `[defaults]` durations (and
/// where the grace was written, to point at it), and the manifest's path, which relative
/// `file:` paths are taken from.
struct KeyDefaults<'a> {
    rotate_every: TimeSpan,
    grace: Option<TimeSpan>,
    grace_at: Option<Range<usize>>,
    manifest: &'a Path,
}

/// The keys of one account, checked: names, environments, no key declared twice, durations (a
/// grace shorter than the rotation), stores.
fn keys_of(
    text: &str,
    raw_account: &RawAccount,
    defaults: &KeyDefaults<'_>,
    mistakes: &mut Vec<Mistake>,
    at: &impl Fn(Range<usize>, String) -> Mistake,
) -> Vec<Key> {
    let name = raw_account.name.get_ref();
    let mut keys = Vec::new();
    let mut key_at: HashMap<(String, Option<String>), usize> = HashMap::new();
    for raw_key in &raw_account.keys {
        let key_name = raw_key.name.get_ref();
        if let Err(why) = crate::names::parse_new_name(key_name) {
            mistakes.push(at(raw_key.name.span(), format!("key name: {why}")));
        }
        let environment = raw_key.environment.as_ref().map(|e| e.get_ref().clone());
        if let Some(env) = &raw_key.environment
            && let Err(why) = crate::names::parse_name(env.get_ref())
        {
            mistakes.push(at(env.span(), format!("environment: {why}")));
        }
        let identity = (key_name.clone(), environment.clone());
        if let Some(first) = key_at.insert(identity, raw_key.name.span().start) {
            let (line, _) = line_and_column(text, first);
            mistakes.push(at(
                raw_key.name.span(),
                format!(
                    "key '{key_name}' of '{name}' is declared twice in {} (first on line {line})",
                    environment
                        .as_deref()
                        .map_or("the credential's environment".to_string(), |e| format!(
                            "environment '{e}'"
                        ))
                ),
            ));
        }
        let key_rotate = raw_key
            .rotate_every
            .as_ref()
            .and_then(|v| duration(v, "rotate_every", mistakes, at))
            .unwrap_or(defaults.rotate_every);
        let key_grace = match &raw_key.grace {
            Some(value) => grace_of(value, mistakes, at),
            None => defaults.grace,
        };
        // Measured from one instant: a month is as long for both.
        let from = Timestamp::UNIX_EPOCH;
        if let Some(g) = key_grace
            && g.after(from) >= key_rotate.after(from)
        {
            let span = raw_key
                .grace
                .as_ref()
                .map(Spanned::span)
                .or_else(|| defaults.grace_at.clone())
                .unwrap_or_else(|| raw_key.name.span());
            mistakes.push(at(
                span,
                format!(
                    "grace {g} is not shorter than rotate_every {key_rotate} of key '{key_name}' of '{name}': \
                     each predecessor would outlive its successor's own rotation, and live keys would pile \
                     up; make the grace shorter than the rotation"
                ),
            ));
        }
        let stores = stores_of(raw_key, name, mistakes, at)
            .into_iter()
            .map(|store| from_manifest_directory(store, defaults.manifest))
            .collect();
        keys.push(Key {
            name: key_name.clone(),
            environment,
            rotate_every: key_rotate,
            grace: key_grace,
            stores,
        });
    }
    keys
}

/// A key's `store`: the `--store` forms of `keys create`, at least one, never stdout.
fn stores_of(
    raw: &RawKey,
    account: &str,
    mistakes: &mut Vec<Mistake>,
    at: &impl Fn(Range<usize>, String) -> Mistake,
) -> Vec<Store> {
    let Some(list) = &raw.store else {
        mistakes.push(at(
            raw.name.span(),
            format!(
                "key '{}' of '{account}' has no store: say where its secret goes, e.g. store = \
                 [\"file:/etc/flexprice/{{owner}}-{{name}}.key\"]",
                raw.name.get_ref()
            ),
        ));
        return Vec::new();
    };
    if list.get_ref().is_empty() {
        mistakes.push(at(
            list.span(),
            "store is empty: a key's secret must go somewhere".into(),
        ));
    }
    let mut stores = Vec::new();
    for value in list.get_ref() {
        match Store::parse(value.get_ref()) {
            Ok(Store::Stdout) => mistakes.push(at(
                value.span(),
                "store: stdout is not a place a secret stays (apply runs unattended); use keychain, \
                 file:PATH or exec:COMMAND"
                    .into(),
            )),
            Ok(Store::File(template))
                if template.to_string_lossy().contains(NAME_PLACEHOLDER)
                    && unsafe_in_path(raw.name.get_ref()).is_some() =>
            {
                mistakes.push(at(
                    value.span(),
                    format!(
                        "store: the key name '{}' {}, so {NAME_PLACEHOLDER} would steer where the secret \
                         is written; give the key a plain name (letters, digits, '-', '_') or use a path \
                         without {NAME_PLACEHOLDER}",
                        raw.name.get_ref(),
                        unsafe_in_path(raw.name.get_ref()).unwrap_or_default()
                    ),
                ));
            }
            Ok(store) => {
                if !stores.contains(&store) {
                    stores.push(store);
                }
            }
            Err(why) => mistakes.push(at(value.span(), format!("store: {why}"))),
        }
    }
    stores
}

/// A relative `file:` path is the manifest's directory's, not the current directory's: the
/// manifest is run from a terminal in its directory and from cron in `$HOME`, and both must
/// find the same file (or cron would find nothing there and rotate a key in use).
fn from_manifest_directory(store: Store, manifest: &Path) -> Store {
    match store {
        Store::File(file) if file.is_relative() => {
            Store::File(manifest.parent().unwrap_or(Path::new("")).join(file))
        }
        other => other,
    }
}

/// A rotation period: a positive duration of at most ten years.
fn duration(
    value: &Spanned<String>,
    field: &str,
    mistakes: &mut Vec<Mistake>,
    at: &impl Fn(Range<usize>, String) -> Mistake,
) -> Option<TimeSpan> {
    match value.get_ref().parse::<TimeSpan>() {
        Ok(span) => Some(span),
        Err(why) => {
            mistakes.push(at(
                value.span(),
                format!("{field} = \"{}\": {why}", value.get_ref()),
            ));
            None
        }
    }
}

/// A grace period: a duration, zero allowed (`"0s"`: the predecessor is revoked at once).
fn grace_of(
    value: &Spanned<String>,
    mistakes: &mut Vec<Mistake>,
    at: &impl Fn(Range<usize>, String) -> Mistake,
) -> Option<TimeSpan> {
    let raw = value.get_ref().trim();
    if raw
        .parse::<Span>()
        .is_ok_and(|span| span.fieldwise() == Span::new().fieldwise())
    {
        return None;
    }
    duration(value, "grace", mistakes, at)
}

/// Two keys whose secrets would land in one place. The owner of a key is its account, whose
/// ID may not exist yet: its name stands in, which tells accounts apart as IDs do.
fn shared_destinations(
    text: &str,
    raw: &RawManifest,
    accounts: &[Account],
    mistakes: &mut Vec<Mistake>,
    at: &impl Fn(Range<usize>, String) -> Mistake,
) {
    // Per place: the key there first, its line, and its account and name.
    let mut seen: HashMap<String, (String, usize, (&str, &str))> = HashMap::new();
    for (raw_account, account) in raw.accounts.iter().zip(accounts) {
        for (raw_key, key) in raw_account.keys.iter().zip(&account.keys) {
            // The environment tells two keys of one name apart, but no destination says it.
            let ident = KeyIdent {
                name: key.name.clone(),
                owner: Some(format!("<{}>", account.name)),
                label: match &key.environment {
                    Some(e) => format!("key '{}' of '{}' [{e}]", key.name, account.name),
                    None => format!("key '{}' of '{}'", key.name, account.name),
                },
            };
            let spans = raw_key
                .store
                .as_ref()
                .map(|s| s.get_ref().iter().map(Spanned::span).collect::<Vec<_>>())
                .unwrap_or_default();
            for (store, span) in key.stores.iter().zip(spans) {
                let Ok(destination) = store.fill(&ident, "manifest") else {
                    continue;
                };
                let Some(place) = place_of(&destination, &ident) else {
                    continue;
                };
                match seen.get(&place) {
                    Some((other, line, first)) if *other != ident.label => {
                        let mut fix = if *first == (account.name.as_str(), key.name.as_str()) {
                            "no destination says the environment: give the key another name in \
                             one of them, or another file: path"
                                .to_string()
                        } else {
                            "put {owner} and {name} in a file: path, or $FLEXPRICE_KEY_OWNER and \
                             $FLEXPRICE_KEY_NAME in an exec: command"
                                .to_string()
                        };
                        if let Store::Exec(argv) = store
                            && let Some(glued) = glued_variables_hint(argv)
                        {
                            fix = format!("{fix} ({glued})");
                        }
                        mistakes.push(at(
                            span,
                            format!(
                                "store {store}: {} and {other} (line {line}) would both be delivered \
                                 there, the second secret overwriting the first; {fix}",
                                ident.label
                            ),
                        ));
                    }
                    Some(_) => {}
                    None => {
                        let (line, _) = line_and_column(text, raw_key.name.span().start);
                        seen.insert(
                            place,
                            (
                                ident.label.clone(),
                                line,
                                (account.name.as_str(), key.name.as_str()),
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub(crate) fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit_once('\n')
        .map_or(before, |(_, last)| last)
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mistakes(text: &str) -> Vec<Mistake> {
        parse(Path::new("f.toml"), text).unwrap_err()
    }

    const GOOD: &str = r#"version = 1

[defaults]
rotate_every = "90d"
grace = "0s"

[[service_account]]
name = "ingest-bot"
roles = ["event_ingestor"]

  [[service_account.key]]
  name = "ci"
  store = ["exec:gh secret set FLEXPRICE_API_KEY --repo acme/api"]

  [[service_account.key]]
  name = "worker"
  environment = "production"
  rotate_every = "30d"
  store = ["file:/etc/flexprice/{owner}-{name}.key", "keychain"]
"#;

    #[test]
    fn the_issues_example_reads() {
        let manifest = parse(Path::new("f.toml"), GOOD).unwrap();
        let bot = &manifest.accounts[0];
        assert_eq!(bot.roles, ["event_ingestor"]);
        assert_eq!(bot.keys[0].rotate_every, TimeSpan::days(90));
        assert_eq!(bot.keys[0].grace, None);
        assert_eq!(bot.keys[1].environment.as_deref(), Some("production"));
        assert_eq!(bot.keys[1].stores[1], Store::Keychain);
        let now: Timestamp = "2026-12-04T00:00:00Z".parse().unwrap();
        // 30 days of rotation, no grace, a week of margin.
        assert_eq!(
            bot.keys[1].expiry(now).unwrap().to_string(),
            "2027-01-10T00:00:00Z"
        );
    }

    #[test]
    fn each_mistake_is_named_where_it_is() {
        let text = r#"version = 2
colour = "blue"
"#;
        let found = mistakes(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].line, found[0].column), (2, 1), "{found:?}");
        assert!(found[0].message.contains("colour"), "{found:?}");

        let text = r#"version = 2
[defaults]
rotate_every = "soon"
grace = "-1d"

[[service_account]]
name = "bot"
roles = ["all_writer"]

  [[service_account.key]]
  name = "k"
  store = ["vault:x", "stdout"]

  [[service_account.key]]
  name = "k"
  store = []

[[service_account]]
name = "bot"
roles = ["event_ingestor"]
absent = true

  [[service_account.key]]
  name = "left"
  store = ["keychain"]
"#;
        let found: Vec<(usize, String)> = mistakes(text)
            .into_iter()
            .map(|m| (m.line, m.message))
            .collect();
        let on = |line: usize, needle: &str| {
            assert!(
                found.iter().any(|(l, m)| *l == line && m.contains(needle)),
                "line {line}: {needle:?} not in {found:#?}"
            );
        };
        on(1, "version = 2");
        on(3, "rotate_every = \"soon\"");
        on(4, "grace = \"-1d\"");
        on(8, "cannot be held by a service account");
        on(12, "unknown destination 'vault'");
        on(12, "stdout is not a place");
        on(15, "declared twice");
        on(16, "store is empty");
        on(19, "'bot' is declared twice (first on line 7)");
        on(19, "absent = true, so it declares no keys");
    }

    #[test]
    fn a_destination_two_keys_share_is_named_with_both() {
        let text = r#"version = 1
[[service_account]]
name = "a"
roles = ["event_ingestor"]
  [[service_account.key]]
  name = "ci"
  store = ["file:/tmp/{name}.key"]
[[service_account]]
name = "b"
roles = ["event_ingestor"]
  [[service_account.key]]
  name = "ci"
  store = ["file:/tmp/{name}.key", "exec:sh -c 'cat > /tmp/$FLEXPRICE_KEY_OWNER'"]
  [[service_account.key]]
  name = "cd"
  store = ["exec:sh -c 'cat > /tmp/$FLEXPRICE_KEY_OWNER'"]
"#;
        let found = mistakes(text);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].line, 13);
        assert!(
            found[0]
                .message
                .contains("key 'ci' of 'b' and key 'ci' of 'a' (line 6)")
        );
        assert_eq!(found[1].line, 16);
        assert!(
            found[1]
                .message
                .contains("key 'cd' of 'b' and key 'ci' of 'b'")
        );
        // {owner} tells the accounts apart.
        let fixed = text
            .replace("/tmp/{name}.key", "/tmp/{owner}-{name}.key")
            .replace(
                "$FLEXPRICE_KEY_OWNER",
                "$FLEXPRICE_KEY_OWNER-$FLEXPRICE_KEY_NAME",
            );
        assert!(parse(Path::new("f.toml"), &fixed).is_ok());
    }

    /// Keychain entries and `{owner}-{name}` paths do not say the environment: one key name
    /// declared in two environments is two keys with one destination. The first version took
    /// the two for one key (their labels were alike) and said nothing; `plan` then showed two
    /// creates that `apply` refused.
    #[test]
    fn one_key_name_in_two_environments_sharing_a_destination_is_named() {
        let text = r#"version = 1
[[service_account]]
name = "bot"
roles = ["event_ingestor"]
  [[service_account.key]]
  name = "worker"
  environment = "production"
  store = ["keychain", "file:/tmp/{owner}-{name}.key"]
  [[service_account.key]]
  name = "worker"
  environment = "staging"
  store = ["keychain", "file:/tmp/{owner}-{name}.key"]
"#;
        let found = mistakes(text);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!((found[0].line, found[0].column), (12, 12), "{found:#?}");
        assert!(
            found[0].message.contains(
                "key 'worker' of 'bot' [staging] and key 'worker' of 'bot' [production] (line 6)"
            ),
            "{found:#?}"
        );
        assert!(
            found[0]
                .message
                .contains("no destination says the environment"),
            "{found:#?}"
        );
        // Apart once the paths say the environment; the keychain cannot, so it stays refused.
        let apart =
            text.replace("\"keychain\", ", "")
                .replacen("{owner}-{name}", "prod-{owner}-{name}", 1);
        assert!(parse(Path::new("f.toml"), &apart).is_ok());
    }

    /// A key name that would steer a `file:` path out of its directory is a mistake of the
    /// manifest, named where it is. The first version let it through: `plan` showed the key
    /// to create (exit 11), and only `apply` refused it.
    #[test]
    fn a_key_name_that_would_steer_a_path_is_named_where_it_is() {
        let text = r#"version = 1
[[service_account]]
name = "bot"
roles = ["event_ingestor"]
  [[service_account.key]]
  name = "../../etc/cron.d/evil"
  store = ["file:/tmp/{name}.key"]
  [[service_account.key]]
  name = "../harmless-here"
  store = ["file:/tmp/fixed.key"]
"#;
        let found = mistakes(text);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!((found[0].line, found[0].column), (7, 12), "{found:#?}");
        assert!(found[0].message.contains("contains '/'"), "{found:#?}");
    }

    /// A grace as long as the rotation period keeps every predecessor past its successor's own
    /// rotation: live keys pile up, one per rotation (a grace of 100d and a daily rotation left
    /// a hundred working keys of one declaration). Refused where the grace is given.
    #[test]
    fn a_grace_as_long_as_the_rotation_is_a_mistake() {
        let text = r#"version = 1
[defaults]
grace = "30d"
[[service_account]]
name = "bot"
roles = ["event_ingestor"]
  [[service_account.key]]
  name = "daily"
  rotate_every = "1d"
  store = ["file:/tmp/daily.key"]
  [[service_account.key]]
  name = "quarterly"
  store = ["file:/tmp/quarterly.key"]
  [[service_account.key]]
  name = "hourly"
  rotate_every = "12h"
  grace = "12h"
  store = ["file:/tmp/hourly.key"]
"#;
        let found = mistakes(text);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!((found[0].line, found[0].column), (3, 9), "{found:#?}");
        assert!(
            found[0].message.contains("key 'daily' of 'bot'")
                && found[0].message.contains("rotate_every 1d"),
            "{found:#?}"
        );
        assert_eq!(found[1].line, 17, "{found:#?}");
    }

    /// A name with an invisible character (a zero-width space, a bidirectional override) looks
    /// like another name: `bot\u{200b}` beside an existing `bot` would make a second account
    /// that every listing shows alike. Refused in the manifest, where names are new.
    #[test]
    fn a_name_with_an_invisible_character_is_a_mistake() {
        let text = "version = 1\n[[service_account]]\nname = \"bot\u{200b}\"\nroles = [\"event_ingestor\"]\n  [[service_account.key]]\n  name = \"k\u{202e}yek\"\n  store = [\"file:/tmp/k.key\"]\n";
        let found = mistakes(text);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found.iter().all(|m| m.message.contains("invisible")),
            "{found:#?}"
        );
    }

    #[test]
    fn lines_and_columns_count_characters() {
        assert_eq!(line_and_column("ab\nçd", 5), (2, 2));
        assert_eq!(line_and_column("ab", 0), (1, 1));
        assert_eq!(line_and_column("ab", 99), (1, 3));
    }
}
