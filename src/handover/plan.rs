//! Step 1 of a hand-over, before anything is minted: every destination of every key of the
//! command filled in and checked, here and nowhere else.
//!
//! - A key's name and owner come from whoever may create keys, so they steer a `file:` path only
//!   when safe; a key whose name would leave the directory is refused (a batch skips it).
//! - Two keys whose secrets would land in one place (a file, a keychain entry, or an `exec:`
//!   command that would be given both with nothing telling them apart) refuse the command.
//! - A batch prints secrets to a stdout that is not a terminal only when asked to.
//! - Each place is checked reachable: the keychain answers, the directory is writable, the
//!   program exists. A key whose place is not is refused on its own (a batch skips it).
//! - A keychain entry that holds another live key's secret is never overwritten silently
//!   ([`Plan::keychain_holders`], or [`Plan::probe_keychain_holders`] for a command that has
//!   not listed the live keys).
//!
//! Every refusal is a usage error (exit 2): nothing was minted.

use std::collections::HashMap;

use super::api::KeyApi;
use super::destination::{Destination, KeyIdent, Store};
use super::exec::{self, KEY_NAME_VAR, KEY_OWNER_VAR};
use super::file;
use crate::api::KeyFilter;
use crate::api::models::ApiKey;
use crate::error::CommandError;
use crate::secrets::entries;
use crate::secrets::{KEYS_SERVICE, Keychain, KeychainError};

/// Where one key's secret is to go.
#[derive(Debug, Clone)]
pub(crate) enum Wanted {
    /// Stores as the user wrote them, filled in for this key.
    Stores(Vec<Store>),
    /// Destinations as recorded for this key (or its predecessor), used exactly as they are.
    Recorded(Vec<Destination>),
}

/// What the plan needs to know of the command's surroundings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Surroundings<'a> {
    pub profile: &'a str,
    pub keychain: Keychain,
    /// Several keys' secrets may be printed: off a terminal only when stdout was asked for.
    pub batch: bool,
    pub stdout_is_terminal: bool,
    /// `--store stdout` was given (not merely the default).
    pub stdout_asked: bool,
}

/// Every key's destinations, in the order of the keys given to [`plan`].
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Per key: its destinations, or why it must not be minted (its name is unsafe where a
    /// store would use it, or a place it would go cannot take a secret). A batch skips refused
    /// keys; a single key stops there.
    pub keys: Vec<Result<Vec<Destination>, CommandError>>,
}

/// A keychain entry of the plan that holds the secret of another live key of the same owner:
/// overwriting it leaves that key working with its secret nowhere in the keychain, so the
/// command asks first.
#[derive(Debug, Clone)]
pub struct Overwrite {
    pub account: String,
    pub holder: ApiKey,
}

impl Plan {
    /// The destinations of key `i` (a refused key has none).
    pub(crate) fn destinations(&self, i: usize) -> &[Destination] {
        match &self.keys[i] {
            Ok(destinations) => destinations,
            Err(_) => &[],
        }
    }

    /// Why key `i` was refused, if it was.
    pub(crate) fn refusal(&self, i: usize) -> Option<&CommandError> {
        self.keys[i].as_ref().err()
    }

    /// Whether some key's secret goes to the keychain.
    pub(crate) fn uses_keychain(&self) -> bool {
        self.all()
            .any(|d| matches!(d, Destination::Keychain { .. }))
    }

    /// Whether key `i`'s secret is printed.
    pub(crate) fn prints(&self, i: usize) -> bool {
        self.destinations(i).contains(&Destination::Stdout)
    }

    fn all(&self) -> impl Iterator<Item = &Destination> {
        self.keys.iter().flatten().flatten()
    }

    /// The keychain entries of the plan that hold the secret of a live key (`live`: one
    /// listing of the keys) other than the one key `i` replaces (`replacing[i]`). Another
    /// owner's key is refused (exit 2); the same owner's are returned, for the command to ask
    /// about. `owners[i]` is key `i`'s owner.
    pub(crate) fn keychain_holders(
        &self,
        keychain: &Keychain,
        live: &[ApiKey],
        owners: &[Option<&str>],
        replacing: &[Option<&str>],
    ) -> Result<Vec<Overwrite>, CommandError> {
        let mut asked = Vec::new();
        for (i, owner) in owners.iter().enumerate() {
            for destination in self.destinations(i) {
                let Destination::Keychain { account } = destination else {
                    continue;
                };
                // An entry that cannot be read may hold a live key's secret: refused as a place
                // that cannot take one (exit 2), before anything is minted.
                let holder =
                    entries::live_holder(keychain, account, live, replacing[i]).map_err(|e| {
                        let mut err = CommandError::usage(format!(
                            "--store {}: {e}; no key was created",
                            destination.label()
                        ));
                        err.hints = e.hints();
                        err
                    })?;
                let Some(holder) = holder else { continue };
                if holder.user_id.as_deref() != *owner {
                    return Err(CommandError::usage(format!(
                        "--store keychain: the entry {account} holds the secret of key {} ({}), which belongs to {} \
                         and is still active; overwriting it would leave that key without its secret, so no key was \
                         created",
                        holder.id,
                        holder.name,
                        holder.user_id.as_deref().unwrap_or("another owner")
                    ))
                    .hint(format!(
                        "move that secret first (`flexprice-admin keychain get {} --service-account {}`), then \
                         `flexprice-admin keychain remove`",
                        holder.name,
                        owner.unwrap_or("OWNER_ID")
                    )));
                }
                asked.push(Overwrite {
                    account: account.clone(),
                    holder: holder.clone(),
                });
            }
        }
        Ok(asked)
    }

    /// [`Plan::keychain_holders`] for a command that has not listed the live keys (`keys
    /// create`): the plan's keychain entries are probed first, and the keys are asked of `api`
    /// (one request) only when one of them may be there, so a secret bound for a new entry costs
    /// no listing. An entry that cannot be read (a timeout, two items answering to it) is not
    /// "no entry": it is looked at as [`Plan::keychain_holders`] does, which says why it cannot
    /// be read before anything is minted.
    pub(crate) async fn probe_keychain_holders<A: KeyApi>(
        &self,
        keychain: &Keychain,
        api: &A,
        owners: &[Option<&str>],
        replacing: &[Option<&str>],
    ) -> Result<Vec<Overwrite>, CommandError> {
        let occupied = self.all().any(|d| {
            matches!(d, Destination::Keychain { account }
                if !matches!(keychain.get(KEYS_SERVICE, account), Err(KeychainError::NoEntry(_))))
        });
        if !occupied {
            return Ok(Vec::new());
        }
        let live = api.list_keys(&KeyFilter::default()).await?;
        self.keychain_holders(keychain, &live, owners, replacing)
    }
}

/// Fills in and checks every destination of every key; `wanted[i]` is key `i`'s. `Err`: the
/// whole command is refused (two keys on one place, a secret printed off a terminal unasked).
/// A key whose name is unsafe where a store uses it, or whose place cannot take a secret, is
/// refused on its own ([`Plan::refusal`]).
pub(crate) fn plan(
    keys: &[KeyIdent],
    wanted: &[Wanted],
    around: &Surroundings<'_>,
) -> Result<Plan, CommandError> {
    let mut planned = Vec::with_capacity(keys.len());
    for (key, wanted) in keys.iter().zip(wanted) {
        planned.push(match wanted {
            Wanted::Stores(stores) => stores
                .iter()
                .map(|store| store.fill(key, around.profile))
                .collect::<Result<Vec<_>, _>>()
                .map(dedup),
            Wanted::Recorded(recorded) => Ok(dedup(recorded.clone())),
        });
    }
    let mut plan = Plan { keys: planned };
    refuse_collisions(keys, &plan)?;
    refuse_printing_off_a_terminal(keys, &plan, around)?;
    check_reachable(&mut plan, around.keychain);
    Ok(plan)
}

/// One key naming one place twice (`file:a` and `file:./a`, `--store keychain` twice) delivers
/// there once.
fn dedup(destinations: Vec<Destination>) -> Vec<Destination> {
    let mut kept: Vec<Destination> = Vec::with_capacity(destinations.len());
    for destination in destinations {
        if !kept.contains(&destination) {
            kept.push(destination);
        }
    }
    kept
}

/// The place a destination writes to, as two keys would collide there: a file by its
/// directory as the file system resolves it (`a/../k` and `b/../k`, or two links to one
/// directory, are one file; file systems that ignore case make `Ingest.key` and `ingest.key`
/// one file on macOS and Windows), a keychain entry by its account, and an `exec:` command by
/// its words once the variables that it mentions and that tell keys apart are filled in for
/// `key`: a command that mentions neither `FLEXPRICE_KEY_NAME` nor `FLEXPRICE_KEY_OWNER` is one
/// place for every key.
pub(crate) fn place_of(destination: &Destination, key: &KeyIdent) -> Option<String> {
    match destination {
        Destination::File { path } => {
            let resolved = match (path.parent(), path.file_name()) {
                (Some(dir), Some(name)) => std::fs::canonicalize(dir)
                    .map(|dir| dir.join(name))
                    .unwrap_or_else(|_| path.clone()),
                _ => path.clone(),
            };
            let path = resolved.to_string_lossy();
            Some(if cfg!(any(target_os = "macos", windows)) {
                format!("file:{}", path.to_lowercase())
            } else {
                format!("file:{path}")
            })
        }
        Destination::Keychain { account } => Some(format!("keychain:{account}")),
        Destination::Exec { argv } => Some(format!("exec:{}", exec_place(argv, key))),
        Destination::Stdout => None,
    }
}

/// An `exec:` command's words, each mention of `FLEXPRICE_KEY_NAME` or `FLEXPRICE_KEY_OWNER`
/// followed by the value `key` gives it. A mention is the variable's whole name: a letter, digit
/// or `_` before or after it makes another variable (`sh` reads `$FLEXPRICE_KEY_OWNER_$X` as
/// `$FLEXPRICE_KEY_OWNER_`, empty), which tells no keys apart. The words are scanned once, so a
/// value that reads like a variable's name (a key named `FLEXPRICE_KEY_OWNER`) is not taken for
/// a mention.
fn exec_place(argv: &[String], key: &KeyIdent) -> String {
    let vars = [
        (KEY_NAME_VAR, key.name.as_str()),
        (KEY_OWNER_VAR, key.owner.as_deref().unwrap_or("")),
    ];
    let line = argv.join("\0");
    let mut place = String::with_capacity(line.len());
    let mut at = 0;
    'scan: while let Some(c) = line[at..].chars().next() {
        for (var, value) in vars {
            if mentions_at(&line, at, var) {
                place.push_str(&format!("{var}={value}"));
                at += var.len();
                continue 'scan;
            }
        }
        place.push(c);
        at += c.len_utf8();
    }
    place
}

/// Whether `var`'s whole name stands at byte `at` of `line`: no letter, digit or `_` on either
/// side, which would make it part of another variable's name.
fn mentions_at(line: &str, at: usize, var: &str) -> bool {
    let in_name = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    line[at..].starts_with(var)
        && !in_name(line[..at].chars().next_back())
        && !in_name(line[at + var.len()..].chars().next())
}

/// For a refused `exec:` command that has `FLEXPRICE_KEY_NAME` or `FLEXPRICE_KEY_OWNER` glued to
/// more of a name (`$FLEXPRICE_KEY_OWNER_$FLEXPRICE_KEY_NAME`): that is another variable, which
/// the command is not given; how to write it.
pub(crate) fn glued_variables_hint(argv: &[String]) -> Option<String> {
    let line = argv.join(" ");
    let glued: Vec<String> = [KEY_NAME_VAR, KEY_OWNER_VAR]
        .into_iter()
        .filter(|var| {
            line.match_indices(var)
                .any(|(at, _)| !mentions_at(&line, at, var))
        })
        .map(|var| format!("${{{var}}}"))
        .collect();
    (!glued.is_empty()).then(|| {
        format!(
            "a letter, digit or '_' next to a variable's name makes it another variable's name, which the \
             command is not given: write {} where one follows",
            glued.join(" and ")
        )
    })
}

/// Two keys whose secrets would land in one place: refused, naming both.
fn refuse_collisions(keys: &[KeyIdent], plan: &Plan) -> Result<(), CommandError> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, destinations) in plan.keys.iter().enumerate() {
        let Ok(destinations) = destinations else {
            continue;
        };
        for destination in destinations {
            let Some(place) = place_of(destination, &keys[i]) else {
                continue;
            };
            if let Some(&first) = seen.get(&place).filter(|&&first| first != i) {
                return Err(collision(destination, &keys[first], &keys[i]));
            }
            seen.insert(place, i);
        }
    }
    Ok(())
}

fn collision(destination: &Destination, a: &KeyIdent, b: &KeyIdent) -> CommandError {
    let hint = match destination {
        Destination::File { .. } => "put {name} and {owner} in the path, e.g. --store \
             'file:/etc/flexprice/{owner}-{name}.key', or rotate the keys one at a time with `keys rotate ID`"
            .to_string(),
        Destination::Exec { .. } => {
            let mut apart = Vec::new();
            if a.name != b.name {
                apart.push(format!("${KEY_NAME_VAR}"));
            }
            if a.owner != b.owner {
                apart.push(format!("${KEY_OWNER_VAR}"));
            }
            let apart = if apart.is_empty() {
                format!("${KEY_OWNER_VAR} and ${KEY_NAME_VAR}")
            } else {
                apart.join(" and ")
            };
            format!(
                "the command is given the key's name in ${KEY_NAME_VAR} and its owner's ID in ${KEY_OWNER_VAR}: \
                 use {apart} in it to keep these keys apart, e.g. --store 'exec:sh -c \"vault kv put \
                 secret/flexprice/${KEY_OWNER_VAR}-${KEY_NAME_VAR} api_key=-\"', or rotate the keys one at a time"
            )
        }
        _ => "keychain entries are named <profile>/<owner id>/<key name>: rotate these keys one at a time \
              with `keys rotate ID --store file:PATH`, or rename one"
            .to_string(),
    };
    let err = CommandError::usage(format!(
        "--store {}: {} and {} would both be delivered there, the second secret overwriting the first; no key \
         was created",
        destination.label(),
        a.label,
        b.label
    ));
    match destination {
        Destination::Exec { argv } => match glued_variables_hint(argv) {
            Some(glued) => err.hint(glued).hint(hint),
            None => err.hint(hint),
        },
        _ => err.hint(hint),
    }
}

/// A batch sends secrets to a stdout that is not a terminal (a cron log, a pipe) only when
/// `--store stdout` says so: a key without a record of where its secret went (or whose secret
/// last went to stdout) would otherwise print its successor's secret there.
fn refuse_printing_off_a_terminal(
    keys: &[KeyIdent],
    plan: &Plan,
    around: &Surroundings<'_>,
) -> Result<(), CommandError> {
    if !around.batch || around.stdout_is_terminal || around.stdout_asked {
        return Ok(());
    }
    let printed: Vec<&str> = (0..keys.len())
        .filter(|&i| plan.prints(i))
        .map(|i| keys[i].label.as_str())
        .collect();
    if printed.is_empty() {
        return Ok(());
    }
    Err(CommandError::usage(format!(
        "stdout is not a terminal, and the new secrets of {} key(s) would be printed there (no --store, and no \
         record of where their secrets went): {}; nothing was rotated",
        printed.len(),
        printed.join(", ")
    ))
    .hint(
        "pass --store stdout to mean it, or deliver them elsewhere: --store \
         'file:/etc/flexprice/{owner}-{name}.key', --store keychain or --store exec:COMMAND",
    ))
}

/// Each place checked reachable, once however many keys use it: the keychain answers, the
/// directory is writable, the program exists. A key with an unreachable place is refused on its
/// own (a batch or an apply goes on with the others, and reports it as failed), because one
/// team's missing directory must not stop every other key's rotation.
fn check_reachable(plan: &mut Plan, keychain: Keychain) {
    let mut checked: HashMap<Destination, Result<(), CommandError>> = HashMap::new();
    for key in &mut plan.keys {
        let Ok(destinations) = key else { continue };
        let mut refusal = None;
        for destination in destinations.iter() {
            let outcome = checked
                .entry(destination.clone())
                .or_insert_with(|| reachable(destination, keychain));
            if let Err(err) = outcome {
                refusal = Some(err.clone());
                break;
            }
        }
        if let Some(err) = refusal {
            *key = Err(err);
        }
    }
}

/// Whether one place can take a secret now.
fn reachable(destination: &Destination, keychain: Keychain) -> Result<(), CommandError> {
    let failed = |why: String, hints: Vec<String>| {
        let mut err = CommandError::usage(format!(
            "--store {}: {why}; no key was created",
            destination.label()
        ));
        err.hints = hints;
        err
    };
    match destination {
        Destination::Stdout => Ok(()),
        Destination::Keychain { .. } => keychain.probe().map_err(|e| {
            let mut hints = e.hints();
            hints.push(
                "or choose another destination, e.g. --store file:PATH (the keychain is never replaced by a \
                 plaintext file silently)"
                    .into(),
            );
            failed(e.to_string(), hints)
        }),
        Destination::File { path } => file::preflight(path).map_err(|why| failed(why, vec![])),
        Destination::Exec { argv } => exec::preflight(argv).map_err(|why| failed(why, vec![])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn around() -> Surroundings<'static> {
        Surroundings {
            profile: "p",
            keychain: Keychain::new(Duration::from_secs(1)),
            batch: true,
            stdout_is_terminal: false,
            stdout_asked: false,
        }
    }

    fn key(name: &str, owner: &str) -> KeyIdent {
        KeyIdent {
            name: name.into(),
            owner: Some(owner.into()),
            label: format!("key {name} of {owner}"),
        }
    }

    fn stores(list: &[Store]) -> Vec<Wanted> {
        vec![Wanted::Stores(list.to_vec()); 2]
    }

    fn exec(line: &str) -> Store {
        Store::parse(&format!("exec:{line}")).unwrap()
    }

    #[test]
    fn placeholders_fill_in_and_unsafe_values_refuse_only_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let template = dir.path().join("{owner}-{name}.key");
        let plan = plan(
            &[key("ingest", "user_1"), key("../x", "user_2")],
            &stores(&[Store::File(template)]),
            &around(),
        )
        .unwrap();
        assert_eq!(
            plan.destinations(0),
            [Destination::File {
                path: dir.path().join("user_1-ingest.key")
            }]
        );
        let refused = plan.refusal(1).unwrap();
        assert!(refused.message.contains("../x"), "{}", refused.message);
    }

    #[test]
    fn recorded_destinations_are_used_exactly_as_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let recorded = Destination::File {
            path: dir.path().join("{owner}.key"),
        };
        let plan = plan(
            &[key("{owner}", "user_1")],
            &[Wanted::Recorded(vec![recorded.clone()])],
            &around(),
        )
        .unwrap();
        assert_eq!(plan.destinations(0), [recorded]);
    }

    #[test]
    fn one_key_naming_one_file_twice_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let wanted = [Wanted::Stores(vec![
            Store::File(dir.path().join("k")),
            Store::File(dir.path().join("./k")),
        ])];
        assert!(plan(&[key("ingest", "user_1")], &wanted, &around()).is_ok());
    }

    #[test]
    fn two_keys_on_one_file_refuse_the_batch_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let err = plan(
            &[key("ingest", "user_1"), key("ingest", "user_2")],
            &stores(&[Store::File(dir.path().join("{name}.key"))]),
            &around(),
        )
        .unwrap_err();
        assert!(
            err.message.contains("key ingest of user_1"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("key ingest of user_2"),
            "{}",
            err.message
        );
        assert!(err.hints[0].contains("{owner}"));
    }

    /// A directory that is not there refuses the keys that would use it and no other: one
    /// team's broken destination must not stop every other key's rotation.
    #[test]
    fn an_unreachable_place_refuses_only_the_keys_that_use_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("gone/{name}.key");
        let wanted = vec![
            Wanted::Stores(vec![Store::File(dir.path().join("{name}.key"))]),
            Wanted::Stores(vec![Store::File(missing.clone())]),
            Wanted::Stores(vec![Store::File(missing)]),
        ];
        let plan = plan(
            &[
                key("good", "user_1"),
                key("bad", "user_1"),
                key("worse", "user_2"),
            ],
            &wanted,
            &around(),
        )
        .unwrap();
        assert!(plan.refusal(0).is_none());
        assert_eq!(plan.destinations(0).len(), 1);
        for i in [1, 2] {
            let refused = plan.refusal(i).unwrap();
            assert_eq!(refused.exit, crate::error::Exit::Usage);
            assert!(refused.message.contains("gone"), "{}", refused.message);
            assert!(
                refused.message.contains("no key was created"),
                "{}",
                refused.message
            );
            assert!(plan.destinations(i).is_empty());
        }
    }

    #[test]
    fn exec_commands_are_one_target_unless_a_variable_tells_the_keys_apart() {
        let keys = [key("dup", "user_1"), key("dup", "user_2")];
        let by_name = exec("sh -c 'cat > /tmp/$FLEXPRICE_KEY_NAME'");
        let err = plan(&keys, &stores(&[by_name]), &around()).unwrap_err();
        assert!(err.message.contains("key dup of user_1"), "{}", err.message);
        assert!(
            err.hints[0].contains("use $FLEXPRICE_KEY_OWNER in it"),
            "{:?}",
            err.hints
        );
        let by_both = exec("sh -c 'cat > /tmp/${FLEXPRICE_KEY_OWNER}-${FLEXPRICE_KEY_NAME}'");
        assert!(plan(&keys, &stores(&[by_both]), &around()).is_ok());
        // A command that mentions neither takes every key's secret to one place.
        let fixed = exec("sh -c 'cat > /tmp/flexprice-api-key'");
        let other = [key("a", "user_1"), key("b", "user_1")];
        let err = plan(&other, &stores(std::slice::from_ref(&fixed)), &around()).unwrap_err();
        assert!(
            err.hints[0].contains("use $FLEXPRICE_KEY_NAME in it"),
            "{:?}",
            err.hints
        );
        assert!(plan(&other[..1], &stores(&[fixed])[..1], &around()).is_ok());
    }

    /// A variable's name glued to more of a name is another variable (`sh` reads
    /// `$FLEXPRICE_KEY_OWNER_$FLEXPRICE_KEY_NAME` as `$FLEXPRICE_KEY_OWNER_`), and a value that
    /// reads like a variable's name is not a mention of it.
    #[test]
    fn only_whole_variable_names_tell_exec_keys_apart() {
        let owners = [key("ci", "user_1"), key("ci", "user_2")];
        let glued = exec("sh -c 'cat > /tmp/$FLEXPRICE_KEY_OWNER_$FLEXPRICE_KEY_NAME'");
        let err = plan(&owners, &stores(&[glued]), &around()).unwrap_err();
        assert!(
            err.hints[0].contains("${FLEXPRICE_KEY_OWNER}") && !err.hints[0].contains("_NAME}"),
            "{:?}",
            err.hints
        );
        let braced = exec("sh -c 'cat > /tmp/${FLEXPRICE_KEY_OWNER}_$FLEXPRICE_KEY_NAME'");
        assert!(plan(&owners, &stores(&[braced]), &around()).is_ok());
        let named_like_a_variable = [
            key("FLEXPRICE_KEY_OWNER", "user_1"),
            key("FLEXPRICE_KEY_OWNER", "user_2"),
        ];
        let by_name = exec("sh -c 'cat > /tmp/$FLEXPRICE_KEY_NAME'");
        let err = plan(&named_like_a_variable, &stores(&[by_name]), &around()).unwrap_err();
        assert!(
            err.hints[0].contains("use $FLEXPRICE_KEY_OWNER in it"),
            "{:?}",
            err.hints
        );
        // Python's os.environ["FLEXPRICE_KEY_OWNER"] is a mention: quotes are not part of a name.
        let python = exec(
            "python3 -c 'import os,sys; open(os.environ[\"FLEXPRICE_KEY_OWNER\"], \"w\").write(sys.stdin.read())'",
        );
        assert!(plan(&owners, &stores(&[python]), &around()).is_ok());
    }

    #[test]
    fn a_batch_prints_off_a_terminal_only_when_asked() {
        let keys = [key("a", "user_1")];
        let wanted = [Wanted::Recorded(vec![Destination::Stdout])];
        let err = plan(&keys, &wanted, &around()).unwrap_err();
        assert!(
            err.message.contains("stdout is not a terminal"),
            "{}",
            err.message
        );
        let asked = Surroundings {
            stdout_asked: true,
            ..around()
        };
        assert!(plan(&keys, &wanted, &asked).is_ok());
        let single = Surroundings {
            batch: false,
            ..around()
        };
        assert!(plan(&keys, &wanted, &single).is_ok());
    }
}
