//! The hand-over in-process, as a table: destination × fault × policy → the exit code and where
//! the secret ended up (its destinations, the recovery file, or nowhere because its key was
//! revoked). The API and the sinks are stand-ins; the journal is a real directory.

use std::time::Duration;

use secrecy::ExposeSecret;

use super::fakes::{
    FakeApi, FakeSinks, KEY_ID, Refuse, SECRET, destination, ident, request,
    secret_outside_recovery_files, status,
};
use super::*;
use crate::error::Exit;

/// Where the secret ended up.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// In exactly these destinations, by label; no recovery file; key active.
    Delivered(Vec<&'static str>),
    /// In the recovery file (and these destinations); key active.
    Recovered(Vec<&'static str>),
    /// Nowhere useful: the key was revoked (these destinations hold a useless secret).
    Revoked(Vec<&'static str>),
    /// Nowhere, and the key is still active.
    Stranded,
}

struct Case {
    name: &'static str,
    destinations: Vec<&'static str>,
    failing: Vec<&'static str>,
    stdout_fails: bool,
    policy: OnStoreFailure,
    revoke_fails: bool,
    /// The state directory cannot be written: no recovery file.
    journal_broken: bool,
    exit: Exit,
    ended: Ended,
}

/// Where a lost create is looked for: key `ci` of `user_1`, whose keys were all known before.
fn lookup() -> Lookup<'static> {
    Lookup {
        name: "ci",
        owner: Some("user_1"),
        known: &[],
        known_complete: true,
        listed: true,
    }
}

async fn run(case: Case) {
    let state = tempfile::tempdir().unwrap();
    let state_dir = if case.journal_broken {
        let file = state.path().join("not-a-directory");
        std::fs::write(&file, "").unwrap();
        file.join("state")
    } else {
        state.path().join("state")
    };
    let journal = Journal::new(&state_dir, "p", "http://fake/v1");
    let api = FakeApi {
        revoke_fails: if case.revoke_fails {
            Refuse::All
        } else {
            Refuse::None
        },
        ..FakeApi::default()
    };
    let sinks = FakeSinks {
        failing: case.failing.clone(),
        stdout_fails: case.stdout_fails,
        ..FakeSinks::default()
    };
    let (out, _) = Output::captured(crate::output::OutputFormat::Plain, true);
    let scope = Scope::open(None);
    let plan = Plan {
        keys: vec![Ok(case
            .destinations
            .iter()
            .map(|d| destination(d))
            .collect())],
    };
    let handover = Handover::new(
        &api,
        sinks.clone(),
        &journal,
        &out,
        case.policy,
        vec![ident()],
        plan,
        &scope,
    );
    let minted = handover.mint(0, &request(), lookup()).await.unwrap();
    let payload = handover
        .plan
        .prints(0)
        .then(|| Payload::line(minted.secret.expose_secret()));
    let delivered = handover.deliver(0, &minted, payload).await;
    let exit = match &delivered {
        Ok(_) => Exit::Ok,
        Err(failure) => failure.exit(),
    };
    assert_eq!(exit, case.exit, "{}: {delivered:?}", case.name);

    let holding = sinks.holding(&case.destinations);
    let recovery = super::journal::recovery_files(&state_dir);
    let revoked = api.revoked(KEY_ID);
    let ended = match (recovery.as_slice(), revoked) {
        ([], false) if delivered.is_ok() => Ended::Delivered(holding),
        ([file], false) => {
            assert_eq!(
                std::fs::read_to_string(&file.path).unwrap(),
                format!("{SECRET}\n"),
                "{}",
                case.name
            );
            let waiting = journal.waiting(&minted.key).expect("the journal names it");
            assert_eq!(waiting.file, file.path, "{}", case.name);
            Ended::Recovered(holding)
        }
        ([], true) => Ended::Revoked(holding),
        ([], false) => Ended::Stranded,
        other => panic!("{}: {other:?}", case.name),
    };
    assert_eq!(ended, case.ended, "{}", case.name);
    // Whatever happened, the journal never holds the secret.
    assert_eq!(
        secret_outside_recovery_files(&state_dir),
        Vec::<std::path::PathBuf>::new(),
        "{}",
        case.name
    );
}

fn case(name: &'static str, destinations: &[&'static str]) -> Case {
    Case {
        name,
        destinations: destinations.to_vec(),
        failing: Vec::new(),
        stdout_fails: false,
        policy: OnStoreFailure::Keep,
        revoke_fails: false,
        journal_broken: false,
        exit: Exit::Ok,
        ended: Ended::Delivered(Vec::new()),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn each_destination_fault_and_policy_ends_where_the_table_says() {
    use Ended::*;
    use OnStoreFailure::{Keep, Revoke};
    let table = [
        Case {
            ended: Delivered(vec!["exec", "file", "keychain", "stdout"]),
            ..case("all four take it", &["file", "keychain", "exec", "stdout"])
        },
        Case {
            failing: vec!["file"],
            exit: Exit::NotDelivered,
            ended: Recovered(vec!["keychain"]),
            ..case("a file fails, kept", &["keychain", "file"])
        },
        Case {
            failing: vec!["exec"],
            exit: Exit::NotDelivered,
            ended: Recovered(vec![]),
            ..case("exec fails: stdout never sees it", &["exec", "stdout"])
        },
        Case {
            stdout_fails: true,
            exit: Exit::NotDelivered,
            ended: Recovered(vec!["file"]),
            ..case("stdout is closed, kept", &["file", "stdout"])
        },
        Case {
            failing: vec!["keychain"],
            policy: Revoke,
            exit: Exit::NotDelivered,
            ended: Revoked(vec!["file"]),
            ..case("the keychain fails, revoked", &["file", "keychain"])
        },
        Case {
            failing: vec!["keychain"],
            policy: Revoke,
            revoke_fails: true,
            exit: Exit::NotDelivered,
            ended: Recovered(vec![]),
            ..case("revoking fails: kept after all", &["keychain"])
        },
        Case {
            failing: vec!["file"],
            journal_broken: true,
            exit: Exit::NotDelivered,
            ended: Revoked(vec![]),
            ..case("no recovery file: revoked", &["file"])
        },
        Case {
            failing: vec!["file"],
            journal_broken: true,
            revoke_fails: true,
            exit: Exit::NotDelivered,
            ended: Stranded,
            ..case("no recovery file, revoking fails: stranded", &["file"])
        },
        Case {
            journal_broken: true,
            ended: Delivered(vec!["file"]),
            ..case("no recovery file, nothing fails", &["file"])
        },
        Case {
            ended: Delivered(vec!["stdout"]),
            policy: Keep,
            ..case("stdout alone", &["stdout"])
        },
    ];
    for case in table {
        run(case).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_lost_create_is_looked_up_and_never_retried() {
    let state = tempfile::tempdir().unwrap();
    let journal = Journal::new(state.path(), "p", "http://fake/v1");
    let (out, _) = Output::captured(crate::output::OutputFormat::Plain, true);
    let scope = Scope::open(None);
    let cases = [
        // (how the create fails, committed anyway, policy, exit, found)
        (
            status(400).kind.as_ref().clone(),
            false,
            OnStoreFailure::Keep,
            Exit::Failure,
            "refused",
        ),
        (
            ApiErrorKind::Timeout {
                after: Duration::from_secs(1),
            },
            false,
            OnStoreFailure::Keep,
            Exit::Unavailable,
            "nothing",
        ),
        (
            ApiErrorKind::TooLarge {
                status: 201,
                limit: 1,
            },
            true,
            OnStoreFailure::Keep,
            Exit::NotDelivered,
            "orphan",
        ),
        (
            ApiErrorKind::Decode {
                status: 201,
                detail: "cut".into(),
            },
            true,
            OnStoreFailure::Revoke,
            Exit::NotDelivered,
            "revoked",
        ),
        (
            ApiErrorKind::TooLarge {
                status: 400,
                limit: 1,
            },
            false,
            OnStoreFailure::Keep,
            Exit::Failure,
            "refused",
        ),
    ];
    for (kind, commits_anyway, policy, exit, found) in cases {
        let api = FakeApi {
            create: Some(kind.clone()),
            commits_anyway,
            ..FakeApi::default()
        };
        let handover = Handover::new(
            &api,
            FakeSinks::default(),
            &journal,
            &out,
            policy,
            Vec::new(),
            Plan { keys: Vec::new() },
            &scope,
        );
        let Err(failure) = handover.mint(0, &request(), lookup()).await else {
            panic!("{kind:?} minted");
        };
        assert_eq!(failure.exit(), exit, "{kind:?}: {failure:?}");
        let what = match &failure {
            Failure::Refused(_) => "refused",
            Failure::Lost {
                found: Found::Nothing,
                ..
            } => "nothing",
            Failure::Lost {
                found: Found::Orphans { .. },
                ..
            } => "orphan",
            Failure::Lost {
                found: Found::Revoked(_),
                ..
            } => "revoked",
            other => panic!("{other:?}"),
        };
        assert_eq!(what, found, "{kind:?}");
    }
}
