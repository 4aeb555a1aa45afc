//! What it takes to bring the live tenant to the manifest: a pure comparison of the manifest
//! with the accounts and keys the API lists, and with what each readable destination holds.
//! There is no state file: the tenant and the destinations are the state. An account is known
//! by its name, a key by (account, name, environment). The manifest owns exactly the accounts
//! it names; nobody else's keys are ever touched.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use serde::Serialize;

use super::{Account, EXPIRY_MARGIN_DAYS, Key, Manifest};
use crate::api::models::{ApiKey, User};
use crate::error::{CommandError, Exit};
use crate::handover::{Destination, KeyIdent};
use crate::time::TimeSpan;

/// What the API lists, in the environments the manifest names.
#[derive(Debug, Default)]
pub(crate) struct Live {
    /// The tenant's published service accounts.
    pub accounts: Vec<User>,
    /// Keys by environment (its ID; `None`: the credential's own).
    pub keys: HashMap<Option<String>, Vec<ApiKey>>,
    /// An environment as the manifest names it (name or ID) → its ID.
    pub environments: HashMap<String, String>,
    /// The ID of the credential's own environment, when the profile names it: a key that
    /// names it lives where the keys listed under `None` live, and is looked for there.
    pub own: Option<String>,
}

impl Live {
    /// The environment a declared key lives in, as [`Live::keys`] is keyed: `None` for the
    /// credential's own, however the manifest names it (left out, by name or by ID).
    pub(crate) fn environment_of(&self, key: &Key) -> Option<String> {
        let id = key.environment.as_ref().map(|e| {
            self.environments
                .get(e)
                .cloned()
                .unwrap_or_else(|| e.clone())
        })?;
        (self.own.as_deref() != Some(id.as_str())).then_some(id)
    }

    fn keys_in(&self, environment: &Option<String>) -> &[ApiKey] {
        self.keys.get(environment).map_or(&[], Vec::as_slice)
    }
}

/// What a readable destination holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reading {
    /// A secret; whether it is `key`'s own is told by `Reading::holds`.
    Secret {
        display: String,
        /// The millisecond time in the secret's ULID, when it has one.
        minted_ms: Option<u64>,
    },
    /// Nothing there (no file, no keychain entry).
    Nothing,
    /// Something that is not a Flexprice key (a password, a URL): never quoted, not even
    /// redacted, since it is someone else's secret.
    Other,
    /// It could not be read (named why); drift there cannot be told.
    Unreadable(String),
    /// An `exec:` command: what it holds cannot be read.
    Opaque,
}

impl Reading {
    /// Whether the secret read is `key`'s: its display form, and, when both carry a ULID,
    /// minted in the same request as the key's row.
    fn holds(&self, key: &ApiKey) -> bool {
        let Reading::Secret { display, minted_ms } = self else {
            return false;
        };
        let row_ms = ulid_ms(&key.id, "secret_");
        *display == key.display_id
            && match (minted_ms, row_ms) {
                (Some(a), Some(b)) => a.abs_diff(b) <= 60_000,
                _ => true,
            }
    }
}

/// The millisecond timestamp of a `prefix` + ULID string.
pub(crate) fn ulid_ms(raw: &str, prefix: &str) -> Option<u64> {
    let id = ulid::Ulid::from_string(raw.strip_prefix(prefix)?).ok()?;
    Some(id.timestamp_ms())
}

/// Why a key is rotated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub(crate) enum Why {
    /// Older than its `rotate_every`.
    Age { created_at: Timestamp },
    /// Expires within a week, or has expired.
    Expiry { expires_at: Timestamp },
    /// A readable destination holds another key's secret, or nothing.
    Drift { destination: String, holds: String },
}

impl Why {
    pub(crate) fn text(&self, key: &Key, now: Timestamp) -> String {
        match self {
            Why::Age { created_at } => format!(
                "age: created {}, rotate_every {}",
                crate::time::relative(*created_at, now),
                key.rotate_every
            ),
            Why::Expiry { expires_at } if *expires_at <= now => {
                format!(
                    "expiry: expired {}",
                    crate::time::relative(*expires_at, now)
                )
            }
            Why::Expiry { expires_at } => {
                format!(
                    "expiry: expires {}",
                    crate::time::relative(*expires_at, now)
                )
            }
            Why::Drift { destination, holds } => format!("missing: {destination} holds {holds}"),
        }
    }
}

/// One change `apply` would make.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// `+`: a service account.
    CreateAccount { account: usize },
    /// `-/+`: an account whose roles differ (Flexprice fixes roles at creation): a new account
    /// with the declared roles, each key minted into the same destinations, then the old
    /// accounts' keys revoked and the old accounts archived. `to`: the new account, when an
    /// earlier apply already made it.
    Migrate {
        account: usize,
        from: Vec<User>,
        from_keys: Vec<ApiKey>,
        to: Option<User>,
    },
    /// `+`: a key minted straight into its destinations.
    CreateKey { account: usize, key: usize },
    /// `~`: a key rotated into the manifest's destinations.
    Rotate {
        account: usize,
        key: usize,
        old: ApiKey,
        why: Vec<Why>,
    },
    /// `~`: a key whose secret waits in a recovery file, delivered from it (an earlier apply
    /// minted it and could not deliver it).
    Finish {
        account: usize,
        key: usize,
        live: ApiKey,
    },
    /// `-`: a key revoked: a predecessor whose grace has passed, or (`--prune`) a key the
    /// manifest does not declare.
    Revoke { key: ApiKey, why: RevokeWhy },
    /// `-`: an account declared `absent = true` (`--prune`): its keys revoked, then archived.
    Archive { account: User, keys: Vec<ApiKey> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RevokeWhy {
    Predecessor { successor: String },
    Undeclared,
}

/// Something the plan says that is not a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Note(pub String);

/// The comparison's outcome: the changes, in the order they are made, and what else to say.
#[derive(Debug, Default)]
pub(crate) struct Diff {
    pub changes: Vec<Change>,
    pub notes: Vec<Note>,
    /// Account index → the live account its keys belong to, when it exists.
    pub targets: HashMap<usize, User>,
}

/// How the comparison looks beyond the API's listings.
pub(crate) struct Look<'a> {
    pub now: Timestamp,
    /// `--prune`: keys the manifest does not declare, and accounts declared absent, go.
    pub prune: bool,
    /// The profile, which names keychain entries.
    pub profile: &'a str,
    /// What a destination holds (never the secret: its display form).
    pub read: &'a dyn Fn(&Destination) -> Reading,
    /// Whether a key's secret waits in a recovery file this profile's journal names.
    pub waiting: &'a dyn Fn(&ApiKey) -> bool,
}

/// Compares `manifest` with `live`. `Err`: the tenant is ambiguous (two live accounts of one
/// name with the declared roles, two live keys of one identity that are not a rotation in
/// progress), refused with the IDs and the command that resolves it (exit 7).
pub(crate) fn diff(
    manifest: &Manifest,
    live: &Live,
    look: &Look<'_>,
) -> Result<Diff, CommandError> {
    let prune = look.prune;
    let mut diff = Diff::default();
    let mut later = Vec::new();
    for account in &manifest.accounts {
        twice_in_one_environment(manifest, account, live)?;
    }
    for (a, account) in manifest.accounts.iter().enumerate() {
        let named: Vec<&User> = live
            .accounts
            .iter()
            .filter(|u| u.name.as_deref() == Some(account.name.as_str()))
            .collect();
        if account.absent {
            for user in named {
                let keys = keys_of_account(live, &user.id);
                if prune {
                    later.push(Change::Archive {
                        account: user.clone(),
                        keys,
                    });
                } else {
                    diff.notes.push(Note(format!(
                        "service account {} ({}) is declared absent: `apply --prune` revokes its {} key(s) and \
                         archives it",
                        account.name,
                        user.id,
                        keys.len()
                    )));
                }
            }
            continue;
        }
        let (matching, other): (Vec<&User>, Vec<&User>) = named
            .into_iter()
            .partition(|u| same_roles(&u.roles, &account.roles));
        let target = match matching.as_slice() {
            [] => None,
            [one] => Some((*one).clone()),
            many => {
                return Err(ambiguous_accounts(account, many));
            }
        };
        if !other.is_empty() {
            let from: Vec<User> = other.into_iter().cloned().collect();
            let from_keys: Vec<ApiKey> = from
                .iter()
                .flat_map(|u| keys_of_account(live, &u.id))
                .collect();
            // The old keys are the new keys' predecessors: kept for the grace, as in a rotation.
            let kept_until = target
                .as_ref()
                .and_then(|t| grace_of_successors(account, live, t))
                .filter(|ends| *ends > look.now);
            match kept_until {
                Some(ends) => diff.notes.push(Note(format!(
                    "the old service account {} ({}) and its {} key(s) stay until the grace of the new keys \
                     ends {}; an apply after that revokes them and archives it",
                    account.name,
                    from.iter().map(|u| u.id.as_str()).collect::<Vec<_>>().join(", "),
                    from_keys.len(),
                    crate::time::relative(ends, look.now)
                ))),
                None => diff.changes.push(Change::Migrate {
                    account: a,
                    from,
                    from_keys,
                    to: target.clone(),
                }),
            }
            if target.is_none() {
                // Every key goes to the new account, made by the migration.
                for k in 0..account.keys.len() {
                    diff.changes.push(Change::CreateKey { account: a, key: k });
                }
                continue;
            }
        }
        let Some(target) = target else {
            diff.changes.push(Change::CreateAccount { account: a });
            for k in 0..account.keys.len() {
                diff.changes.push(Change::CreateKey { account: a, key: k });
            }
            continue;
        };
        for (k, key) in account.keys.iter().enumerate() {
            let environment = live.environment_of(key);
            let mut same: Vec<&ApiKey> = live
                .keys_in(&environment)
                .iter()
                .filter(|l| l.user_id.as_deref() == Some(target.id.as_str()) && l.name == key.name)
                .collect();
            same.sort_by_key(|l| l.created_at);
            key_changes(
                &mut diff,
                &mut later,
                account,
                (a, k),
                key,
                &target,
                &same,
                look,
            )?;
        }
        undeclared(&mut diff, &mut later, live, account, &target, prune);
        diff.targets.insert(a, target);
    }
    // Revocations last: nothing is revoked before every key that replaces it is in place.
    diff.changes.extend(later);
    Ok(diff)
}

/// When the grace of the newest keys of `target` (the account a migration made) ends: the
/// latest, over the declared keys that have a grace, of the newest live key's creation plus
/// that grace. `None`: no declared key has a grace, or none has a key yet.
fn grace_of_successors(account: &Account, live: &Live, target: &User) -> Option<Timestamp> {
    account
        .keys
        .iter()
        .filter_map(|key| {
            let grace = key.grace?;
            let newest = live
                .keys_in(&live.environment_of(key))
                .iter()
                .filter(|l| l.user_id.as_deref() == Some(target.id.as_str()) && l.name == key.name)
                .map(|l| l.created_at)
                .max()?;
            Some(grace.after(newest))
        })
        .max()
}

/// Two keys of `account` declared for one environment under two names (left out and named as
/// the credential's own, or by name and by ID): one identity, which `apply` would mint twice.
/// Refused (exit 2).
fn twice_in_one_environment(
    manifest: &Manifest,
    account: &Account,
    live: &Live,
) -> Result<(), CommandError> {
    let mut seen: HashMap<(&str, Option<String>), &Key> = HashMap::new();
    for key in &account.keys {
        let shown = |k: &Key| {
            k.environment
                .as_deref()
                .map_or("without environment".to_string(), |e| {
                    format!("with environment = \"{e}\"")
                })
        };
        if let Some(first) = seen.insert((key.name.as_str(), live.environment_of(key)), key) {
            return Err(CommandError::usage(format!(
                "{}: key '{}' of '{}' is declared twice: {} and {} are one environment; nothing was \
                 changed",
                manifest.path.display(),
                key.name,
                account.name,
                shown(first),
                shown(key)
            ))
            .hint("keep one of the two declarations"));
        }
    }
    Ok(())
}

/// The changes for one declared key, given its live keys (oldest first).
#[allow(clippy::too_many_arguments)]
fn key_changes(
    diff: &mut Diff,
    later: &mut Vec<Change>,
    account: &Account,
    (a, k): (usize, usize),
    key: &Key,
    target: &User,
    same: &[&ApiKey],
    look: &Look<'_>,
) -> Result<(), CommandError> {
    let (now, read, waiting) = (look.now, look.read, look.waiting);
    let Some((current, older)) = same.split_last() else {
        diff.changes.push(Change::CreateKey { account: a, key: k });
        return Ok(());
    };
    let destinations = destinations_of(key, target, current, look.profile);
    if !older.is_empty() {
        // A rotation that stopped after minting: its new key's secret waits in a recovery
        // file; the rotation of its predecessor finishes it.
        if waiting(current) {
            let old = older[older.len() - 1];
            diff.changes.push(Change::Rotate {
                account: a,
                key: k,
                old: (*old).clone(),
                why: vec![Why::Drift {
                    destination: "the recovery file".into(),
                    holds: format!("the secret of {}, not yet delivered", current.id),
                }],
            });
            return Ok(());
        }
        if !delivered(key, current, &destinations, read) {
            let held = same
                .iter()
                .find(|k| held_by_every_readable(k, &destinations, read))
                .copied();
            return Err(ambiguous_keys(account, key, same, held));
        }
        let grace_ends = key
            .grace
            .map_or(current.created_at, |g| g.after(current.created_at));
        for old in older {
            if grace_ends <= now {
                later.push(Change::Revoke {
                    key: (*old).clone(),
                    why: RevokeWhy::Predecessor {
                        successor: current.id.clone(),
                    },
                });
            } else {
                diff.notes.push(Note(format!(
                    "key {}/{} ({}) keeps working until its grace ends {}; its successor {} is delivered",
                    account.name,
                    key.name,
                    old.id,
                    crate::time::relative(grace_ends, now),
                    current.id
                )));
            }
        }
    } else if waiting(current) {
        diff.changes.push(Change::Finish {
            account: a,
            key: k,
            live: (*current).clone(),
        });
        return Ok(());
    }
    let mut why = Vec::new();
    if key.due_by_age(current.created_at, now) {
        why.push(Why::Age {
            created_at: current.created_at,
        });
    }
    if let Some(at) = current.expires_at
        && TimeSpan::days(EXPIRY_MARGIN_DAYS).before(at) <= now
    {
        why.push(Why::Expiry { expires_at: at });
    }
    for destination in &destinations {
        match read(destination) {
            reading @ Reading::Secret { .. } if !reading.holds(current) => {
                let Reading::Secret { display, .. } = reading else {
                    unreachable!()
                };
                why.push(Why::Drift {
                    destination: destination.label(),
                    holds: format!("another key's secret ({display})"),
                });
            }
            Reading::Nothing => why.push(Why::Drift {
                destination: destination.label(),
                holds: "nothing".into(),
            }),
            Reading::Other => why.push(Why::Drift {
                destination: destination.label(),
                holds: "something that is not a Flexprice key (not shown)".into(),
            }),
            Reading::Unreadable(reason) => diff.notes.push(Note(format!(
                "{} of key {}/{}: cannot be read ({reason}); whether it holds key {} is not known",
                destination.label(),
                account.name,
                key.name,
                current.id
            ))),
            _ => {}
        }
    }
    if !why.is_empty() {
        diff.changes.push(Change::Rotate {
            account: a,
            key: k,
            old: (*current).clone(),
            why,
        });
    }
    Ok(())
}

/// Whether `current` is the key its destinations hold: every readable one holds it; with none
/// readable (only `exec:` commands), whether its lifetime is the one apply gives a key of this
/// declaration (so apply minted it as a successor), within ten minutes of clock skew.
fn delivered(
    key: &Key,
    current: &ApiKey,
    destinations: &[Destination],
    read: &dyn Fn(&Destination) -> Reading,
) -> bool {
    let readings: Vec<Reading> = destinations.iter().map(read).collect();
    let readable: Vec<&Reading> = readings
        .iter()
        .filter(|r| {
            matches!(
                r,
                Reading::Secret { .. } | Reading::Nothing | Reading::Other
            )
        })
        .collect();
    if !readable.is_empty() {
        return readable.iter().all(|r| r.holds(current));
    }
    match (current.expires_at, key.expiry(current.created_at)) {
        (Some(at), Some(expected)) => at.duration_since(expected).as_secs().abs() <= 600,
        _ => false,
    }
}

/// Whether `key` is the one every readable destination holds (at least one being readable).
fn held_by_every_readable(
    key: &ApiKey,
    destinations: &[Destination],
    read: &dyn Fn(&Destination) -> Reading,
) -> bool {
    let readable: Vec<Reading> = destinations
        .iter()
        .map(read)
        .filter(|r| {
            matches!(
                r,
                Reading::Secret { .. } | Reading::Nothing | Reading::Other
            )
        })
        .collect();
    !readable.is_empty() && readable.iter().all(|r| r.holds(key))
}

/// The declared key's destinations, filled in for its live account (a store whose filling is
/// refused has none: the pre-flight of `apply` names it).
pub(crate) fn destinations_of(
    key: &Key,
    account: &User,
    live: &ApiKey,
    profile: &str,
) -> Vec<Destination> {
    let ident = KeyIdent {
        name: key.name.clone(),
        owner: Some(account.id.clone()),
        label: format!("key {} ({})", live.id, live.name),
    };
    key.stores
        .iter()
        .filter_map(|store| store.fill(&ident, profile).ok())
        .collect()
}

/// Keys of the target account in the scanned environments that the manifest does not declare.
fn undeclared(
    diff: &mut Diff,
    later: &mut Vec<Change>,
    live: &Live,
    account: &Account,
    target: &User,
    prune: bool,
) {
    for (environment, keys) in &live.keys {
        let declared: BTreeSet<&str> = account
            .keys
            .iter()
            .filter(|k| live.environment_of(k) == *environment)
            .map(|k| k.name.as_str())
            .collect();
        for key in keys {
            if key.user_id.as_deref() != Some(target.id.as_str())
                || declared.contains(key.name.as_str())
            {
                continue;
            }
            if prune {
                later.push(Change::Revoke {
                    key: key.clone(),
                    why: RevokeWhy::Undeclared,
                });
            } else {
                diff.notes.push(Note(format!(
                    "key {} ({}) of {} is not in the manifest: kept (`apply --prune` revokes it)",
                    key.id, key.name, account.name
                )));
            }
        }
    }
}

/// Every listed key of account `id`, across the scanned environments.
fn keys_of_account(live: &Live, id: &str) -> Vec<ApiKey> {
    let mut keys: Vec<ApiKey> = live
        .keys
        .values()
        .flatten()
        .filter(|k| k.user_id.as_deref() == Some(id))
        .cloned()
        .collect();
    keys.sort_by(|a, b| a.id.cmp(&b.id));
    keys.dedup_by(|a, b| a.id == b.id);
    keys
}

fn same_roles(live: &[String], declared: &[String]) -> bool {
    let live: BTreeSet<&String> = live.iter().collect();
    let declared: BTreeSet<&String> = declared.iter().collect();
    live == declared
}

fn ambiguous_accounts(account: &Account, many: &[&User]) -> CommandError {
    let ids: Vec<&str> = many.iter().map(|u| u.id.as_str()).collect();
    CommandError::new(
        Exit::Conflict,
        format!(
            "{} live service accounts are named '{}' with its roles ({}); which one the manifest means \
             cannot be told, so nothing was changed",
            many.len(),
            account.name,
            ids.join(", ")
        ),
    )
    .hint(format!(
        "keep one: move its keys' consumers off the others, then `flexprice-admin service-accounts delete {} \
         --revoke-keys`",
        ids[1..].join(" ")
    ))
}

/// Two live keys of one identity, not a rotation in progress. When the destinations hold one
/// of them (`held`), the others are named for revocation; otherwise none is (the newest is
/// not in the destinations, or this would be a rotation in progress, so it is no safe guess).
fn ambiguous_keys(
    account: &Account,
    key: &Key,
    same: &[&ApiKey],
    held: Option<&ApiKey>,
) -> CommandError {
    let ids: Vec<&str> = same.iter().map(|k| k.id.as_str()).collect();
    let (which, hint) = match held {
        Some(held) => {
            let others: Vec<&str> = ids.iter().copied().filter(|id| *id != held.id).collect();
            (
                format!(
                    "its destinations hold key {}, not {}",
                    held.id,
                    others.join(", ")
                ),
                format!(
                    "if nothing else uses {}, revoke it: `flexprice-admin keys delete {} --yes`, then run this \
                     again",
                    others.join(", "),
                    others.join(" ")
                ),
            )
        }
        None => (
            "its destinations do not tell which one is in use".to_string(),
            "revoke the ones not in use with `flexprice-admin keys delete ID --yes` (`flexprice-admin keys check \
             --from-file PATH` tells which key a file holds), then run this again"
                .to_string(),
        ),
    };
    CommandError::new(
        Exit::Conflict,
        format!(
            "key '{}' of '{}' has {} live keys ({}): {which}; nothing was changed",
            key.name,
            account.name,
            same.len(),
            ids.join(", ")
        ),
    )
    .hint(hint)
}

#[cfg(test)]
mod tests {
    //! Why a declared key with a live key is rotated, or not: its age against `rotate_every`, its
    //! expiry against the week's margin, and what each readable destination holds.

    use std::path::Path;

    use jiff::SignedDuration;

    use super::*;

    const NOW: &str = "2026-12-04T00:00:00Z";
    const BOT: &str = "user_bot";

    fn now() -> Timestamp {
        NOW.parse().unwrap()
    }

    /// `bot` with one key `k`, rotated every 90 days, its secret in a file and an `exec:`
    /// command.
    fn manifest() -> Manifest {
        super::super::parse(
            Path::new("/m/flexprice.toml"),
            r#"version = 1
[[service_account]]
name = "bot"
roles = ["event_ingestor"]
  [[service_account.key]]
  name = "k"
  store = ["file:/m/k.key", "exec:sh -c 'cat > /m/exec.key'"]
"#,
        )
        .unwrap()
    }

    /// A live key of `owner` named `name`, made `age` before [`NOW`], ending `ends_in` after it.
    fn key(
        id: &str,
        owner: &str,
        name: &str,
        age: SignedDuration,
        ends_in: Option<SignedDuration>,
    ) -> ApiKey {
        ApiKey {
            id: id.into(),
            name: name.into(),
            key_type: "private_key".into(),
            display_id: format!("sk_{id}***"),
            roles: vec!["event_ingestor".into()],
            user_type: Some("service_account".into()),
            user_id: Some(owner.into()),
            service_account_name: None,
            expires_at: ends_in.map(|d| now() + d),
            status: "published".into(),
            created_at: now() - age,
        }
    }

    fn days(n: i64) -> SignedDuration {
        SignedDuration::from_hours(24 * n)
    }

    /// The tenant: `bot` (when `with_account`) and `keys` in the credential's environment.
    fn live(with_account: bool, keys: Vec<ApiKey>) -> Live {
        let accounts = if with_account {
            vec![User {
                id: BOT.into(),
                name: Some("bot".into()),
                email: None,
                user_type: "service_account".into(),
                roles: vec!["event_ingestor".into()],
            }]
        } else {
            Vec::new()
        };
        Live {
            accounts,
            keys: HashMap::from([(None, keys)]),
            ..Live::default()
        }
    }

    /// The file holds `key`'s secret.
    fn holding(key: &ApiKey) -> impl Fn(&Destination) -> Reading {
        let display = key.display_id.clone();
        move |d: &Destination| match d {
            Destination::File { .. } => Reading::Secret {
                display: display.clone(),
                minted_ms: None,
            },
            _ => Reading::Opaque,
        }
    }

    /// The file reads as `reading`.
    fn file_reads(reading: Reading) -> impl Fn(&Destination) -> Reading {
        move |d: &Destination| match d {
            Destination::File { .. } => reading.clone(),
            _ => Reading::Opaque,
        }
    }

    fn compare(live: &Live, read: &dyn Fn(&Destination) -> Reading) -> Diff {
        compare_waiting(live, read, &|_| false)
    }

    fn compare_waiting(
        live: &Live,
        read: &dyn Fn(&Destination) -> Reading,
        waiting: &dyn Fn(&ApiKey) -> bool,
    ) -> Diff {
        diff(
            &manifest(),
            live,
            &Look {
                now: now(),
                prune: false,
                profile: "p",
                read,
                waiting,
            },
        )
        .unwrap()
    }

    /// The reasons of the one change, which must be a rotation of `old`.
    fn reasons(diff: &Diff, old: &str) -> Vec<Why> {
        match diff.changes.as_slice() {
            [Change::Rotate { old: o, why, .. }] if o.id == old => why.clone(),
            other => panic!("not one rotation of {old}: {other:#?}"),
        }
    }

    #[test]
    fn a_key_is_due_by_age_from_the_moment_its_rotate_every_has_passed() {
        let young = key("a", BOT, "k", days(90) - SignedDuration::from_secs(1), None);
        assert!(
            compare(&live(true, vec![young.clone()]), &holding(&young))
                .changes
                .is_empty()
        );
        let due = key("a", BOT, "k", days(90), None);
        assert_eq!(
            reasons(
                &compare(&live(true, vec![due.clone()]), &holding(&due)),
                "a"
            ),
            [Why::Age {
                created_at: due.created_at
            }]
        );
    }

    /// A key ends [`EXPIRY_MARGIN_DAYS`] after its rotation is due; one made by hand with a
    /// shorter life is rotated once it ends within that week (or has ended), however young.
    #[test]
    fn a_young_key_ending_within_the_week_or_ended_is_due_by_expiry() {
        let later = key(
            "a",
            BOT,
            "k",
            days(1),
            Some(days(7) + SignedDuration::from_secs(1)),
        );
        assert!(
            compare(&live(true, vec![later.clone()]), &holding(&later))
                .changes
                .is_empty()
        );
        for ends_in in [days(7), days(3), SignedDuration::ZERO, -days(1)] {
            let ending = key("a", BOT, "k", days(1), Some(ends_in));
            let at = ending.expires_at.unwrap();
            assert_eq!(
                reasons(
                    &compare(&live(true, vec![ending.clone()]), &holding(&ending)),
                    "a"
                ),
                [Why::Expiry { expires_at: at }],
                "ending in {ends_in:?}"
            );
        }
        // No expiry: never due by it.
        let forever = key("a", BOT, "k", days(1), None);
        assert!(
            compare(&live(true, vec![forever.clone()]), &holding(&forever))
                .changes
                .is_empty()
        );
    }

    #[test]
    fn the_reason_text_says_how_far_the_expiry_is() {
        let manifest = manifest();
        let k = &manifest.accounts[0].keys[0];
        let ends = |d: SignedDuration| {
            Why::Expiry {
                expires_at: now() + d,
            }
            .text(k, now())
        };
        assert_eq!(ends(days(3)), "expiry: expires in 3 days");
        assert_eq!(ends(-days(2)), "expiry: expired 2 days ago");
        let age = Why::Age {
            created_at: now() - days(100),
        }
        .text(k, now());
        assert_eq!(age, "age: created 100 days ago, rotate_every 90d");
    }

    /// A readable destination that does not hold the key's secret is drift, said with what it
    /// holds (never a secret that is not a key's); one that cannot be read is a note, not a
    /// rotation; an `exec:` command, which cannot be read, is neither.
    #[test]
    fn what_a_readable_destination_holds_decides_drift() {
        let current = key("a", BOT, "k", days(1), None);
        let live = live(true, vec![current.clone()]);
        let file = "file:/m/k.key".to_string();
        let cases = [
            (
                Reading::Secret {
                    display: "sk_other***".into(),
                    minted_ms: None,
                },
                "another key's secret (sk_other***)",
            ),
            (Reading::Nothing, "nothing"),
            (
                Reading::Other,
                "something that is not a Flexprice key (not shown)",
            ),
        ];
        for (reading, holds) in cases {
            assert_eq!(
                reasons(&compare(&live, &file_reads(reading)), "a"),
                [Why::Drift {
                    destination: file.clone(),
                    holds: holds.into()
                }]
            );
        }
        let unreadable = compare(&live, &file_reads(Reading::Unreadable("denied".into())));
        assert!(unreadable.changes.is_empty(), "{:#?}", unreadable.changes);
        assert_eq!(unreadable.notes.len(), 1);
        assert!(
            unreadable.notes[0].0.contains("cannot be read (denied)"),
            "{:?}",
            unreadable.notes
        );
        let opaque = compare(&live, &file_reads(Reading::Opaque));
        assert!(opaque.changes.is_empty() && opaque.notes.is_empty());
    }

    /// The display form is not enough when both carry a ULID: a secret minted more than a
    /// minute away from the key's row is another key's of the same form.
    #[test]
    fn a_secret_of_the_keys_form_minted_at_another_time_is_drift() {
        let id = "secret_01KBJ5Z3K0000000000000000A";
        let row_ms = ulid_ms(id, "secret_").unwrap();
        let current = key(id, BOT, "k", days(1), None);
        let live = live(true, vec![current.clone()]);
        let minted = |ms: u64| {
            file_reads(Reading::Secret {
                display: current.display_id.clone(),
                minted_ms: Some(ms),
            })
        };
        assert!(compare(&live, &minted(row_ms + 59_000)).changes.is_empty());
        assert_eq!(
            reasons(&compare(&live, &minted(row_ms + 61_000)), id).len(),
            1
        );
    }

    /// Every reason that holds is given, in a fixed order: age, expiry, then each destination.
    #[test]
    fn every_reason_that_holds_is_given() {
        let old = key("a", BOT, "k", days(100), Some(days(2)));
        let diff = compare(
            &live(true, vec![old.clone()]),
            &file_reads(Reading::Nothing),
        );
        assert_eq!(
            reasons(&diff, "a"),
            [
                Why::Age {
                    created_at: old.created_at
                },
                Why::Expiry {
                    expires_at: old.expires_at.unwrap()
                },
                Why::Drift {
                    destination: "file:/m/k.key".into(),
                    holds: "nothing".into()
                },
            ]
        );
    }

    /// A key whose secret waits in a recovery file is delivered from it, not rotated, whatever
    /// its age; with an older key beside it (a rotation that stopped after minting), the older
    /// key's rotation finishes it.
    #[test]
    fn a_secret_waiting_in_a_recovery_file_is_finished_not_minted_again() {
        let current = key("b", BOT, "k", days(100), None);
        let diff = compare_waiting(
            &live(true, vec![current.clone()]),
            &file_reads(Reading::Nothing),
            &|k| k.id == "b",
        );
        assert!(
            matches!(diff.changes.as_slice(), [Change::Finish { live, .. }] if live.id == "b"),
            "{:#?}",
            diff.changes
        );
        let older = key("a", BOT, "k", days(100), None);
        let newer = key("b", BOT, "k", SignedDuration::from_secs(60), None);
        let diff = compare_waiting(
            &live(true, vec![newer, older.clone()]),
            &holding(&older),
            &|k| k.id == "b",
        );
        assert_eq!(
            reasons(&diff, "a"),
            [Why::Drift {
                destination: "the recovery file".into(),
                holds: "the secret of b, not yet delivered".into()
            }]
        );
    }

    /// Only the account's own keys count: a key of the same name held by someone else neither
    /// stands for the declared key nor is rotated; without the account, it is created first.
    #[test]
    fn keys_of_other_owners_are_not_the_declared_key() {
        let theirs = key("x", "user_other", "k", days(100), Some(days(1)));
        let diff = compare(&live(true, vec![theirs.clone()]), &holding(&theirs));
        assert!(
            matches!(
                diff.changes.as_slice(),
                [Change::CreateKey { account: 0, key: 0 }]
            ),
            "{:#?}",
            diff.changes
        );
        let diff = compare(&live(false, vec![theirs.clone()]), &holding(&theirs));
        assert!(
            matches!(
                diff.changes.as_slice(),
                [
                    Change::CreateAccount { account: 0 },
                    Change::CreateKey { account: 0, key: 0 }
                ]
            ),
            "{:#?}",
            diff.changes
        );
    }
}
