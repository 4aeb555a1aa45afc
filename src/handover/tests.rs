//! The hand-over in-process, as a table: destination × fault × policy → the exit code and where
//! the secret ended up (its destinations, the recovery file, or nowhere because its key was
//! revoked). The API and the sinks are stand-ins; the journal is a real directory.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::api::models::{CreatedKey, User};
use crate::error::Exit;

const SECRET: &str = "sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q";
/// Not the secret's ULID: an ID that holds a known secret names no file (the journal refuses it).
const KEY_ID: &str = "secret_01K40A1B2C3D4E5F6G7H8J9K0M";

fn api_error(kind: ApiErrorKind) -> ApiError {
    ApiError {
        method: "POST".into(),
        path: "/v1/secrets/api/keys".into(),
        kind: Box::new(kind),
        request_id: None,
        hints: Vec::new(),
    }
}

fn status(status: u16) -> ApiError {
    api_error(ApiErrorKind::Status {
        status,
        code: None,
        message: None,
        details: None,
        retry_after: None,
    })
}

fn key(id: &str, name: &str) -> ApiKey {
    serde_json::from_value(serde_json::json!({
        "id": id, "name": name, "type": "private_key", "display_id": "sk_01***7Q",
        "user_id": "user_1", "user_type": "service_account", "status": "published",
        "created_at": crate::time::now().to_string()
    }))
    .unwrap()
}

/// How the stand-in server answers.
#[derive(Default)]
struct FakeApi {
    /// The create call fails so; `None`: it mints `KEY_ID`.
    create: Option<ApiErrorKind>,
    /// The create is committed even though its answer fails (a lost answer).
    commits_anyway: bool,
    revoke_fails: bool,
    revoked: Mutex<HashSet<String>>,
    listed: Mutex<Vec<ApiKey>>,
}

impl KeyApi for FakeApi {
    async fn create_key(&self, _: &Request) -> Result<CreatedKey, ApiError> {
        if let Some(kind) = &self.create {
            if self.commits_anyway {
                self.listed.lock().unwrap().push(key(KEY_ID, "ci"));
            }
            return Err(api_error(kind.clone()));
        }
        self.listed.lock().unwrap().push(key(KEY_ID, "ci"));
        Ok(CreatedKey {
            key: key(KEY_ID, "ci"),
            api_key: SecretString::from(SECRET),
        })
    }

    async fn list_keys(&self, _: &KeyFilter) -> Result<Vec<ApiKey>, ApiError> {
        let revoked = self.revoked.lock().unwrap().clone();
        Ok(self
            .listed
            .lock()
            .unwrap()
            .iter()
            .filter(|k| !revoked.contains(&k.id))
            .cloned()
            .collect())
    }

    async fn delete_key(&self, id: &str) -> Result<(), ApiError> {
        if self.revoke_fails {
            return Err(status(503));
        }
        self.revoked.lock().unwrap().insert(id.to_string());
        Ok(())
    }

    async fn me(&self) -> Result<User, ApiError> {
        Err(status(401))
    }

    async fn me_as(&self, _: &SecretString) -> Result<User, ApiError> {
        Err(status(401))
    }
}

/// Destinations that take a secret, or fail, by kind; what each holds afterwards.
#[derive(Clone, Default)]
struct FakeSinks {
    failing: Vec<&'static str>,
    stdout_fails: bool,
    held: Arc<Mutex<HashMap<String, String>>>,
}

impl Sinks for FakeSinks {
    fn deliver(
        &self,
        dest: &Destination,
        _: &KeyIdent,
        secret: &SecretString,
        _: &AtomicBool,
    ) -> Result<(), sinks::SinkError> {
        if self.failing.contains(&dest.kind()) {
            return Err(sinks::SinkError {
                why: "refused".into(),
                output: "vault: permission denied".into(),
            });
        }
        self.held
            .lock()
            .unwrap()
            .insert(dest.label(), secret.expose_secret().to_string());
        Ok(())
    }

    fn print(&self, _: &Output, bytes: &[u8]) -> std::io::Result<()> {
        if self.stdout_fails {
            return Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        }
        let text = String::from_utf8_lossy(bytes).trim_end().to_string();
        self.held.lock().unwrap().insert("stdout".into(), text);
        Ok(())
    }
}

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

/// A request the stand-in server answers as a create (it ignores what it is).
fn request() -> Request {
    Request::get("secrets/api/keys")
}

fn destination(label: &str) -> Destination {
    match label {
        "stdout" => Destination::Stdout,
        "file" => Destination::File {
            path: "/srv/ci.key".into(),
        },
        "keychain" => Destination::Keychain {
            account: "p/user_1/ci".into(),
        },
        "exec" => Destination::Exec {
            argv: vec!["vault".into()],
        },
        other => panic!("{other}"),
    }
}

fn label(kind: &str) -> String {
    destination(kind).label()
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
        revoke_fails: case.revoke_fails,
        ..FakeApi::default()
    };
    let sinks = FakeSinks {
        failing: case.failing.clone(),
        stdout_fails: case.stdout_fails,
        ..FakeSinks::default()
    };
    let (out, _) = Output::captured(crate::output::OutputFormat::Plain, true);
    let scope = Scope::open(None);
    let ident = KeyIdent {
        name: "ci".into(),
        owner: Some("user_1".into()),
        label: "the new key 'ci'".into(),
    };
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
        vec![ident],
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

    let held = sinks.held.lock().unwrap().clone();
    let mut holding: Vec<&'static str> = case
        .destinations
        .iter()
        .copied()
        .filter(|d| held.get(&label(d)).is_some_and(|s| s == SECRET))
        .collect();
    holding.sort();
    let recovery = super::journal::recovery_files(&state_dir);
    let revoked = api.revoked.lock().unwrap().contains(KEY_ID);
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
    for entry in walk(&state_dir) {
        if !entry
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("recovered-")
        {
            let text = std::fs::read_to_string(&entry).unwrap_or_default();
            assert!(!text.contains(SECRET), "{}: {}", case.name, entry.display());
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
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
