//! One rotation in-process, as a table: what the server, the destinations and other runs do →
//! the [`Rotated`] report, the exit code, the requests the server received in order, where the
//! new secret ended up (its destinations, the recovery file, nowhere because its key was
//! revoked) and whether the old key was revoked. The API and the sinks are the hand-over's
//! stand-ins (`handover::fakes`); the journal and the locks are a real temporary directory.

use std::time::Duration;

use secrecy::ExposeSecret;

use super::*;
use crate::api::{ApiErrorKind, KeyFilter};
use crate::error::{CommandError, Exit};
use crate::handover::fakes::{
    FakeApi, FakeSinks, KEY_ID, Refuse, SECRET, destination, ident, key, key_made, request,
    secret_outside_recovery_files, status,
};
use crate::handover::{Failure, Found, OnStoreFailure, Plan, journal};
use crate::interrupt::Scope;

/// The key being rotated: made long ago, active.
const OLD_ID: &str = "secret_01K0AAAAAAAAAAAAAAAAAAAAAA";
/// A key of the same name and owner that another run made.
const SIBLING_ID: &str = "secret_01K40ZZZZZZZZZZZZZZZZZZZZZ";
/// How the requests and failures name the keys.
const NAMES: [(&str, &str); 3] = [(OLD_ID, "old"), (KEY_ID, "new"), (SIBLING_ID, "sibling")];

fn old_key() -> ApiKey {
    key_made(
        OLD_ID,
        "ci",
        crate::time::now() - jiff::SignedDuration::from_hours(90 * 24),
    )
}

/// What stood in this run's way before it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Before {
    Nothing,
    /// A run stopped at step 4 or 5: its new key's secret waits in a recovery file, and this
    /// run's listing shows that key.
    Waiting,
    /// As `Waiting`, and another run's key (the sibling) was listed too.
    WaitingContested,
    /// As `Waiting`, and after this run's listing another run (on another host) made the
    /// sibling and revoked the old key.
    WaitingThenReplaced,
    /// Another run holds the key's lock.
    Locked,
    /// A run sharing this journal replaced the old key with the sibling since the listing.
    Replaced,
    /// The plan refused the key (its name is unsafe where a destination uses it).
    Refused,
}

/// What another run does while this run's create is in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meanwhile {
    Nothing,
    /// Revokes the old key (an operator's `keys delete`).
    Revokes,
    /// Rotates it: makes the sibling and revokes the old key.
    Replaces,
    /// Is rotating it: has made the sibling, the old key still active.
    Rotates,
}

/// Where the new key's secret ended up.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// No key was minted: no recovery file, no destination holds anything.
    NotMinted,
    /// In exactly these destinations (by kind, sorted); no recovery file; the new key active.
    Delivered(Vec<&'static str>),
    /// In the recovery file the journal names, for a re-run to finish (and in these
    /// destinations); the new key active.
    Waiting(Vec<&'static str>),
    /// The new key was revoked, no recovery file (these destinations hold its useless secret).
    Revoked(Vec<&'static str>),
    /// The new key is active and its secret is nowhere (a lost create's orphan).
    Orphaned,
}

struct Case {
    name: &'static str,
    before: Before,
    meanwhile: Meanwhile,
    destinations: Vec<&'static str>,
    /// The kinds of destination that refuse the secret.
    failing: Vec<&'static str>,
    policy: OnStoreFailure,
    keep_old: bool,
    create: Option<ApiErrorKind>,
    commits_anyway: bool,
    new_key_refused: Option<u16>,
    revoke_fails: Refuse,
    // What should come of it.
    /// The requests the server received, in order, keys by name (old, new, sibling).
    calls: Vec<&'static str>,
    /// How it failed ([`what`]) and its exit code; `None`: it did not.
    failed: Option<(&'static str, Exit)>,
    /// A re-run finishes it from the recovery file ([`Failed::resumable`]).
    resumable: bool,
    /// `Rotated::new_key` is the new key.
    new_key: bool,
    /// `Rotated::stored_in`, by kind, in its order (`Rotated::printed` when it holds stdout).
    stored_in: Vec<&'static str>,
    old_key_revoked: bool,
    /// The old key is still active on the server (this run or another may have revoked it).
    old_active: bool,
    ended: Ended,
}

/// A rotation of the old key to a file and stdout that goes well.
fn case(name: &'static str) -> Case {
    Case {
        name,
        before: Before::Nothing,
        meanwhile: Meanwhile::Nothing,
        destinations: vec!["file", "stdout"],
        failing: Vec::new(),
        policy: OnStoreFailure::Keep,
        keep_old: false,
        create: None,
        commits_anyway: false,
        new_key_refused: None,
        revoke_fails: Refuse::None,
        calls: vec!["create", "me as new key", "list since", "delete old"],
        failed: None,
        resumable: false,
        new_key: true,
        stored_in: vec!["stdout", "file"],
        old_key_revoked: true,
        old_active: false,
        ended: Ended::Delivered(vec!["file", "stdout"]),
    }
}

/// How a rotation failed, in a few words, keys by ID.
fn what(failed: &Failed) -> String {
    match failed {
        Failed::Lock(_) => "locked".into(),
        Failed::Rotated(by) => format!("rotated already, by {by}"),
        Failed::Gone {
            withdrawn,
            replaced_by: None,
        } => format!("old revoked, {withdrawn} withdrawn"),
        Failed::Gone {
            withdrawn,
            replaced_by: Some(by),
        } => format!("old replaced by {by}, {withdrawn} withdrawn"),
        Failed::Stranded(_) => "old revoked, withdrawing failed".into(),
        Failed::Refused(_) => "refused by the plan".into(),
        Failed::Handover(Failure::Refused(_)) => "create refused".into(),
        Failed::Handover(Failure::Lost { found, .. }) => match found {
            Found::Nothing => "create lost, nothing made".into(),
            Found::Orphans { ids, certain } => {
                format!("create lost, orphan {} (certain: {certain})", ids.join(" "))
            }
            Found::Revoked(id) => format!("create lost, orphan {id} revoked"),
            Found::Unknown(_) => "create lost, lookup failed".into(),
            Found::Unlisted => "create lost, unlisted".into(),
        },
        Failed::Handover(Failure::NotDelivered { .. }) => "not delivered".into(),
        Failed::Unchecked(_) => "new key unchecked".into(),
        Failed::Crossed { sibling, .. } => format!("crossed by {sibling}"),
        Failed::Contested { others, .. } => format!("contested by {}", others.join(" ")),
        Failed::Revoke(_) => "old not revoked".into(),
    }
}

fn named(text: &str) -> String {
    NAMES
        .iter()
        .fold(text.to_string(), |text, (id, name)| text.replace(id, name))
}

/// Renders stdout's payload: the new secret alone.
fn secret_line(_: &ApiKey, minted: &Minted, _: &[Destination]) -> io::Result<Payload> {
    Ok(Payload::line(minted.secret.expose_secret()))
}

/// Every kind of destination refuses the secret, stdout too.
fn refusing_all() -> FakeSinks {
    FakeSinks {
        failing: vec!["file", "keychain", "exec"],
        stdout_fails: true,
        ..FakeSinks::default()
    }
}

/// What a rotation came to, and all it touched.
struct Ran {
    rotated: Rotated,
    api: FakeApi,
    sinks: FakeSinks,
    journal: Journal,
    state_dir: std::path::PathBuf,
    old: ApiKey,
    _state: tempfile::TempDir,
}

/// One rotation of the old key as `case` sets it up.
async fn rotate(case: &Case) -> Ran {
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().join("state");
    let journal = Journal::new(&state_dir, "p", "http://fake/v1");
    let old = old_key();
    let sibling = key(SIBLING_ID, "ci");
    let (out, _) = Output::captured(crate::output::OutputFormat::Plain, true);
    let scope = Scope::open(None);
    let destinations: Vec<Destination> = case.destinations.iter().map(|d| destination(d)).collect();
    let api = FakeApi {
        create: case.create.clone(),
        commits_anyway: case.commits_anyway,
        new_key_refused: case.new_key_refused,
        revoke_fails: case.revoke_fails,
        made_meanwhile: match case.meanwhile {
            Meanwhile::Replaces | Meanwhile::Rotates => vec![sibling.clone()],
            _ => Vec::new(),
        },
        revoked_meanwhile: match case.meanwhile {
            Meanwhile::Revokes | Meanwhile::Replaces => vec![OLD_ID.to_string()],
            _ => Vec::new(),
        },
        ..FakeApi::with(std::slice::from_ref(&old))
    };
    let mut known = vec![old.clone()];
    let mut _lock = None;
    match case.before {
        Before::Nothing | Before::Refused => {}
        Before::Waiting | Before::WaitingContested | Before::WaitingThenReplaced => {
            let first = Rotation {
                handover: Handover::new(
                    &api,
                    refusing_all(),
                    &journal,
                    &out,
                    OnStoreFailure::Keep,
                    vec![ident()],
                    Plan {
                        keys: vec![Ok(destinations.clone())],
                    },
                    &scope,
                ),
                out: &out,
                profile: "p",
                known: &known,
                known_is_fresh: true,
                keep_old: false,
                render: &secret_line,
            }
            .rotate(0, &old, &request())
            .await;
            let failed = first.failed.expect("the first run stops");
            assert!(failed.resumable(), "{}: {failed:?}", case.name);
            if case.before == Before::WaitingContested {
                api.listed.lock().unwrap().push(sibling.clone());
            }
            known = api.list_keys(&KeyFilter::default()).await.unwrap();
            if case.before == Before::WaitingThenReplaced {
                api.listed.lock().unwrap().push(sibling.clone());
                api.revoked.lock().unwrap().insert(OLD_ID.into());
            }
            api.calls.lock().unwrap().clear();
        }
        Before::Locked => _lock = Some(crate::lock::Lock::key(&state_dir, "p", OLD_ID).unwrap()),
        Before::Replaced => journal.mark_replaced(&old, SIBLING_ID).unwrap(),
    }
    let plan = Plan {
        keys: vec![match case.before {
            Before::Refused => Err(CommandError::usage(
                "the key's name would leave the directory of file:/srv/{name}.key",
            )),
            _ => Ok(destinations),
        }],
    };
    let sinks = FakeSinks {
        failing: case.failing.clone(),
        ..FakeSinks::default()
    };
    let rotated = Rotation {
        handover: Handover::new(
            &api,
            sinks.clone(),
            &journal,
            &out,
            case.policy,
            vec![ident()],
            plan,
            &scope,
        ),
        out: &out,
        profile: "p",
        known: &known,
        known_is_fresh: true,
        keep_old: case.keep_old,
        render: &secret_line,
    }
    .rotate(0, &old, &request())
    .await;
    Ran {
        rotated,
        api,
        sinks,
        journal,
        state_dir,
        old,
        _state: state,
    }
}

/// Where the new secret ended up.
fn ended(case: &Case, ran: &Ran) -> Ended {
    let minted = ran
        .api
        .listed
        .lock()
        .unwrap()
        .iter()
        .find(|k| k.id == KEY_ID)
        .cloned();
    let holding = ran.sinks.holding(&case.destinations);
    let recovery = journal::recovery_files(&ran.state_dir);
    let Some(new) = minted else {
        assert_eq!((recovery.len(), holding.len()), (0, 0), "{}", case.name);
        return Ended::NotMinted;
    };
    match (recovery.as_slice(), ran.api.revoked(KEY_ID)) {
        ([file], false) => {
            assert_eq!(
                std::fs::read_to_string(&file.path).unwrap(),
                format!("{SECRET}\n"),
                "{}",
                case.name
            );
            let waiting = ran.journal.waiting(&new).expect("the journal names it");
            assert_eq!(waiting.file, file.path, "{}", case.name);
            Ended::Waiting(holding)
        }
        ([], true) => Ended::Revoked(holding),
        ([], false) if holding.is_empty() => Ended::Orphaned,
        ([], false) => {
            assert!(ran.journal.waiting(&new).is_none(), "{}", case.name);
            Ended::Delivered(holding)
        }
        other => panic!("{}: {other:?}", case.name),
    }
}

/// Runs `case` and checks everything it says should come of it.
async fn run(case: Case) {
    let ran = rotate(&case).await;
    let name = case.name;
    let rotated = &ran.rotated;

    let failed = rotated
        .failed
        .as_ref()
        .map(|f| (named(&what(f)), f.exit(), f.resumable()));
    assert_eq!(
        failed,
        case.failed
            .map(|(what, exit)| (what.to_string(), exit, case.resumable)),
        "{name}: {:?}",
        rotated.failed
    );
    assert_eq!(
        ran.api.calls(&NAMES),
        case.calls,
        "{name}: the requests received"
    );
    assert_eq!(
        rotated.new_key.as_ref().map(|k| k.id.as_str()),
        case.new_key.then_some(KEY_ID),
        "{name}"
    );
    let stored_in: Vec<&str> = rotated.stored_in.iter().map(Destination::kind).collect();
    assert_eq!(stored_in, case.stored_in, "{name}: stored_in");
    assert_eq!(
        rotated.printed,
        case.stored_in.contains(&"stdout"),
        "{name}: printed"
    );
    assert_eq!(
        rotated.old_key_revoked, case.old_key_revoked,
        "{name}: old_key_revoked"
    );
    assert_eq!(
        ran.api.active(OLD_ID),
        case.old_active,
        "{name}: the old key active"
    );
    assert_eq!(ended(&case, &ran), case.ended, "{name}");

    // The journal names the successor of an old key this run revoked, and of no other.
    let successor = if case.old_key_revoked {
        Some(KEY_ID)
    } else if case.before == Before::Replaced {
        Some(SIBLING_ID)
    } else {
        None
    };
    assert_eq!(
        ran.journal.successor(&ran.old).as_deref(),
        successor,
        "{name}"
    );
    assert_eq!(
        secret_outside_recovery_files(&ran.state_dir),
        Vec::<std::path::PathBuf>::new(),
        "{name}: the secret outside a recovery file"
    );
    // The error keeps the failure's exit code, names the old key (the plan's refusal says why
    // in its own words), and never shows the secret.
    if let Some(failed) = ran.rotated.failed {
        let refused = matches!(failed, Failed::Refused(_));
        let exit = failed.exit();
        let err = failed.into_error(&ran.old, ran.rotated.new_key.as_ref());
        assert_eq!(err.exit, exit, "{name}");
        let text = format!("{} {}", err.one_line(), err.hints.join(" "));
        assert!(refused || text.contains(OLD_ID), "{name}: {text}");
        assert!(!text.contains(SECRET), "{name}: {text}");
    }
}

/// A rotation that fails before step 6 and leaves the old key active and unrevoked.
fn old_untouched(name: &'static str) -> Case {
    Case {
        stored_in: vec![],
        old_key_revoked: false,
        old_active: true,
        ..case(name)
    }
}

/// A rotation that stops before anything is minted.
fn not_minted(name: &'static str) -> Case {
    Case {
        new_key: false,
        ended: Ended::NotMinted,
        ..old_untouched(name)
    }
}

/// The new key's check, refused each time: four tries with a backoff. The tests that reach it
/// run on a paused clock, so the backoff costs no time.
const CHECKED_FOUR_TIMES: [&str; 6] = [
    "create",
    "me as new key",
    "list since",
    "me as new key",
    "me as new key",
    "me as new key",
];

/// Step 4's listing, then the new key withdrawn: the old key was revoked meanwhile.
const WITHDRAWN: [&str; 5] = [
    "create",
    "me as new key",
    "list since",
    "list",
    "delete new",
];

const EVERY_KIND: [&str; 4] = ["file", "keychain", "exec", "stdout"];

async fn run_all(table: impl IntoIterator<Item = Case>) {
    for case in table {
        run(case).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_rotation_delivers_the_new_secret_before_it_revokes_the_old_key() {
    run_all([
        Case {
            destinations: EVERY_KIND.to_vec(),
            stored_in: vec!["stdout", "file", "keychain", "exec"],
            ended: Ended::Delivered(vec!["exec", "file", "keychain", "stdout"]),
            ..case("all goes well: delivered everywhere, stdout last, old revoked")
        },
        Case {
            keep_old: true,
            calls: vec!["create", "me as new key", "list since"],
            old_key_revoked: false,
            old_active: true,
            ..case("--keep-old: delivered, old kept")
        },
        Case {
            revoke_fails: Refuse::Only(OLD_ID),
            failed: Some(("old not revoked", Exit::Unavailable)),
            old_key_revoked: false,
            old_active: true,
            ..case("revoking the old key fails: new delivered, old active and named")
        },
    ])
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_rotation_that_cannot_start_or_mint_leaves_the_old_key_untouched() {
    let lost = |status| {
        Some(ApiErrorKind::Decode {
            status,
            detail: "cut".into(),
        })
    };
    run_all([
        Case {
            create: Some(status(400).kind.as_ref().clone()),
            calls: vec!["create"],
            failed: Some(("create refused", Exit::Failure)),
            ..not_minted("create refused: nothing minted")
        },
        Case {
            create: Some(ApiErrorKind::Timeout {
                after: Duration::from_secs(30),
            }),
            calls: vec!["create", "list since"],
            failed: Some(("create lost, nothing made", Exit::Unavailable)),
            ..not_minted("create lost, the lookup finds nothing: never retried")
        },
        Case {
            create: lost(201),
            commits_anyway: true,
            calls: vec!["create", "list since"],
            failed: Some((
                "create lost, orphan new (certain: true)",
                Exit::NotDelivered,
            )),
            new_key: false,
            ended: Ended::Orphaned,
            ..old_untouched("create lost, the lookup finds the new key: named")
        },
        Case {
            create: lost(201),
            commits_anyway: true,
            policy: OnStoreFailure::Revoke,
            calls: vec!["create", "list since", "delete new"],
            failed: Some(("create lost, orphan new revoked", Exit::NotDelivered)),
            new_key: false,
            ended: Ended::Revoked(vec![]),
            ..old_untouched("create lost, the new key found, --on-store-failure revoke")
        },
        Case {
            before: Before::Refused,
            calls: vec![],
            failed: Some(("refused by the plan", Exit::Usage)),
            ..not_minted("refused by the plan: nothing asked of the server")
        },
        Case {
            before: Before::Locked,
            calls: vec![],
            failed: Some(("locked", Exit::Conflict)),
            ..not_minted("another run holds the lock: nothing asked of the server")
        },
        Case {
            before: Before::Replaced,
            calls: vec![],
            failed: Some(("rotated already, by sibling", Exit::Conflict)),
            ..not_minted("the journal says another run replaced it: nothing minted")
        },
    ])
    .await;
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_new_key_that_fails_its_check_goes_to_no_destination() {
    run_all([
        Case {
            new_key_refused: Some(401),
            calls: CHECKED_FOUR_TIMES.to_vec(),
            failed: Some(("new key unchecked", Exit::NotDelivered)),
            resumable: true,
            ended: Ended::Waiting(vec![]),
            ..old_untouched("the new key is refused (401): delivered nowhere, waits")
        },
        Case {
            new_key_refused: Some(401),
            policy: OnStoreFailure::Revoke,
            calls: [CHECKED_FOUR_TIMES.as_slice(), &["delete new"]].concat(),
            failed: Some(("new key unchecked", Exit::NotDelivered)),
            ended: Ended::Revoked(vec![]),
            ..old_untouched("the new key is refused, --on-store-failure revoke: new revoked")
        },
    ])
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_rotation_crossed_by_another_run_delivers_nothing() {
    let gone = |name| Case {
        old_active: false,
        ..old_untouched(name)
    };
    run_all([
        Case {
            meanwhile: Meanwhile::Revokes,
            calls: WITHDRAWN.to_vec(),
            failed: Some(("old revoked, new withdrawn", Exit::Conflict)),
            ended: Ended::Revoked(vec![]),
            ..gone("old revoked meanwhile: the unused new key withdrawn")
        },
        Case {
            meanwhile: Meanwhile::Replaces,
            calls: WITHDRAWN.to_vec(),
            failed: Some(("old replaced by sibling, new withdrawn", Exit::Conflict)),
            ended: Ended::Revoked(vec![]),
            ..gone("another run replaced the old key meanwhile: the new key withdrawn")
        },
        Case {
            meanwhile: Meanwhile::Revokes,
            revoke_fails: Refuse::Only(KEY_ID),
            calls: WITHDRAWN.to_vec(),
            failed: Some(("old revoked, withdrawing failed", Exit::NotDelivered)),
            ended: Ended::Waiting(vec![]),
            ..gone("old revoked meanwhile, withdrawing the new key fails: it waits")
        },
        Case {
            meanwhile: Meanwhile::Rotates,
            calls: vec!["create", "me as new key", "list since"],
            failed: Some(("crossed by sibling", Exit::NotDelivered)),
            ended: Ended::Waiting(vec![]),
            ..old_untouched("another run is rotating it too: delivered nowhere, waits")
        },
        Case {
            meanwhile: Meanwhile::Rotates,
            policy: OnStoreFailure::Revoke,
            calls: vec!["create", "me as new key", "list since", "delete new"],
            failed: Some(("crossed by sibling", Exit::NotDelivered)),
            ended: Ended::Revoked(vec![]),
            ..old_untouched("another run is rotating it too, --on-store-failure revoke")
        },
    ])
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_delivery_keeps_the_old_key_and_follows_the_policy() {
    run_all([
        Case {
            destinations: EVERY_KIND.to_vec(),
            failing: vec!["exec"],
            calls: vec!["create", "me as new key", "list since"],
            failed: Some(("not delivered", Exit::NotDelivered)),
            resumable: true,
            ended: Ended::Waiting(vec!["file", "keychain"]),
            ..old_untouched("exec fails, kept: waits, never printed")
        },
        Case {
            destinations: EVERY_KIND.to_vec(),
            failing: vec!["exec"],
            policy: OnStoreFailure::Revoke,
            calls: vec!["create", "me as new key", "list since", "delete new"],
            failed: Some(("not delivered", Exit::NotDelivered)),
            ended: Ended::Revoked(vec!["file", "keychain"]),
            ..old_untouched("exec fails, --on-store-failure revoke: new revoked")
        },
    ])
    .await;
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_rotation_stopped_before_delivery_is_finished_from_its_recovery_file() {
    let waiting = |name| Case {
        before: Before::Waiting,
        ..case(name)
    };
    run_all([
        Case {
            destinations: EVERY_KIND.to_vec(),
            calls: vec!["me as new key", "list since", "delete old"],
            stored_in: vec!["stdout", "file", "keychain", "exec"],
            ended: Ended::Delivered(vec!["exec", "file", "keychain", "stdout"]),
            ..waiting("finished from the recovery file: no create, delivered, old revoked")
        },
        Case {
            keep_old: true,
            calls: vec!["me as new key", "list since"],
            old_key_revoked: false,
            old_active: true,
            ..waiting("finished from the recovery file, --keep-old: delivered, old kept")
        },
        Case {
            before: Before::Waiting,
            new_key_refused: Some(401),
            calls: CHECKED_FOUR_TIMES[1..].to_vec(),
            failed: Some(("new key unchecked", Exit::NotDelivered)),
            resumable: true,
            ended: Ended::Waiting(vec![]),
            ..old_untouched("finishing, the new key is refused: it waits on")
        },
        Case {
            before: Before::Waiting,
            failing: vec!["file"],
            calls: vec!["me as new key", "list since"],
            failed: Some(("not delivered", Exit::NotDelivered)),
            resumable: true,
            ended: Ended::Waiting(vec![]),
            ..old_untouched("finishing, the file fails again: it waits on")
        },
        Case {
            before: Before::WaitingContested,
            calls: vec![],
            failed: Some(("contested by sibling", Exit::Conflict)),
            new_key: false,
            ended: Ended::Waiting(vec![]),
            ..old_untouched("finishing, another run's successor listed too: nothing delivered")
        },
    ])
    .await;
}

/// Finishing from the recovery file checks that the new key authenticates, but not that no
/// other run rotated the old key since this run listed it, which a fresh rotation checks at
/// step 4 (`check::crossed`). Here another host rotated the key after the listing: its new key
/// (the sibling) is in the destinations and the old key is revoked. Delivering the waiting
/// secret there overwrites the sibling's, leaving the sibling active with its secret nowhere
/// (what `Failed::Crossed` and `Failed::Gone` exist to prevent). Safe: as a fresh rotation
/// would, list the owner's keys before delivering; find the old key gone and the new key
/// unwanted, withdraw it.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn finishing_from_the_recovery_file_checks_for_a_crossing_run() {
    run(Case {
        before: Before::WaitingThenReplaced,
        calls: vec!["me as new key", "list since", "list", "delete new"],
        failed: Some(("old replaced by sibling, new withdrawn", Exit::Conflict)),
        old_active: false,
        ended: Ended::Revoked(vec![]),
        ..old_untouched("finishing after another host replaced the old key")
    })
    .await;
}
