//! Stand-ins for the server and the destinations, shared by the unit tests of the hand-over and
//! of rotation (`crate::ops::rotate`): a [`FakeApi`] that keeps a list of keys, answers the few
//! calls of [`KeyApi`] from it and logs each request it receives, and [`FakeSinks`] that hold
//! what each destination was given.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};

use super::sinks::SinkError;
use super::{Destination, KeyApi, KeyIdent, Sinks};
use crate::api::models::{ApiKey, CreatedKey, User};
use crate::api::{ApiError, ApiErrorKind, KeyFilter, Request};
use crate::output::Output;

/// The secret the stand-in server mints.
pub(crate) const SECRET: &str = "sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q";
/// The key it mints. Not the secret's ULID: an ID that holds a known secret names no file (the
/// journal refuses it).
pub(crate) const KEY_ID: &str = "secret_01K40A1B2C3D4E5F6G7H8J9K0M";
/// The owner of every key here.
pub(crate) const OWNER: &str = "user_1";

pub(crate) fn api_error(kind: ApiErrorKind) -> ApiError {
    ApiError {
        method: "POST".into(),
        path: "/v1/secrets/api/keys".into(),
        kind: Box::new(kind),
        request_id: None,
        hints: Vec::new(),
    }
}

pub(crate) fn status(status: u16) -> ApiError {
    api_error(ApiErrorKind::Status {
        status,
        code: None,
        message: None,
        details: None,
        retry_after: None,
    })
}

/// Key `id` named `name`, of [`OWNER`], made just now.
pub(crate) fn key(id: &str, name: &str) -> ApiKey {
    key_made(id, name, crate::time::now())
}

/// Key `id` named `name`, of [`OWNER`], made at `created_at`.
pub(crate) fn key_made(id: &str, name: &str, created_at: Timestamp) -> ApiKey {
    serde_json::from_value(serde_json::json!({
        "id": id, "name": name, "type": "private_key", "display_id": "sk_01***7Q",
        "user_id": OWNER, "user_type": "service_account", "status": "published",
        "created_at": created_at.to_string()
    }))
    .unwrap()
}

/// Which revocations the stand-in server refuses (with a 503).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refuse {
    #[default]
    None,
    All,
    /// Only this key's.
    Only(&'static str),
}

/// How the stand-in server answers. It mints [`KEY_ID`] named `ci` with [`SECRET`].
#[derive(Default)]
pub(crate) struct FakeApi {
    /// The create call fails so; `None`: it mints `KEY_ID`.
    pub create: Option<ApiErrorKind>,
    /// The create is committed even though its answer fails (a lost answer).
    pub commits_anyway: bool,
    pub revoke_fails: Refuse,
    /// The status the new key's check (`GET /users/me` with its secret) is refused with;
    /// `None`: it authenticates as [`OWNER`].
    pub new_key_refused: Option<u16>,
    /// What another run does while the create is in flight: the keys it makes...
    pub made_meanwhile: Vec<ApiKey>,
    /// ...and the keys it revokes.
    pub revoked_meanwhile: Vec<String>,
    pub revoked: Mutex<HashSet<String>>,
    pub listed: Mutex<Vec<ApiKey>>,
    /// Every request received, in order: `create`, `list` (`list since` with `start_time`),
    /// `delete ID`, `me`, `me as new key`.
    pub calls: Mutex<Vec<String>>,
}

impl FakeApi {
    /// A server whose only key is `keys`.
    pub(crate) fn with(keys: &[ApiKey]) -> FakeApi {
        FakeApi {
            listed: Mutex::new(keys.to_vec()),
            ..FakeApi::default()
        }
    }

    fn call(&self, what: String) {
        self.calls.lock().unwrap().push(what);
    }

    /// The requests received so far, each ID replaced by its name in `names`.
    pub(crate) fn calls(&self, names: &[(&str, &str)]) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|call| {
                names
                    .iter()
                    .fold(call.clone(), |call, (id, name)| call.replace(id, name))
            })
            .collect()
    }

    /// Whether key `id` exists and is not revoked.
    pub(crate) fn active(&self, id: &str) -> bool {
        self.listed.lock().unwrap().iter().any(|k| k.id == id)
            && !self.revoked.lock().unwrap().contains(id)
    }

    pub(crate) fn revoked(&self, id: &str) -> bool {
        self.revoked.lock().unwrap().contains(id)
    }

    /// Another run's doing, while our create is in flight.
    fn meanwhile(&self) {
        self.listed
            .lock()
            .unwrap()
            .extend(self.made_meanwhile.iter().cloned());
        self.revoked
            .lock()
            .unwrap()
            .extend(self.revoked_meanwhile.iter().cloned());
    }
}

impl KeyApi for FakeApi {
    async fn create_key(&self, _: &Request) -> Result<CreatedKey, ApiError> {
        self.call("create".into());
        self.meanwhile();
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

    async fn list_keys(&self, filter: &KeyFilter) -> Result<Vec<ApiKey>, ApiError> {
        self.call(match filter.created_since {
            Some(_) => "list since".into(),
            None => "list".into(),
        });
        let revoked = self.revoked.lock().unwrap().clone();
        Ok(self
            .listed
            .lock()
            .unwrap()
            .iter()
            .filter(|k| !revoked.contains(&k.id))
            .filter(|k| filter.user_id.is_none() || k.user_id == filter.user_id)
            .filter(|k| {
                filter
                    .created_since
                    .is_none_or(|since| k.created_at >= since)
            })
            .cloned()
            .collect())
    }

    async fn delete_key(&self, id: &str) -> Result<(), ApiError> {
        self.call(format!("delete {id}"));
        match self.revoke_fails {
            Refuse::All => return Err(status(503)),
            Refuse::Only(refused) if refused == id => return Err(status(503)),
            _ => {}
        }
        if !self.active(id) {
            return Err(status(404));
        }
        self.revoked.lock().unwrap().insert(id.to_string());
        Ok(())
    }

    async fn me(&self) -> Result<User, ApiError> {
        self.call("me".into());
        Ok(owner())
    }

    async fn me_as(&self, secret: &SecretString) -> Result<User, ApiError> {
        self.call("me as new key".into());
        match self.new_key_refused {
            Some(code) => Err(status(code)),
            None if secret.expose_secret() == SECRET && self.active(KEY_ID) => Ok(owner()),
            None => Err(status(401)),
        }
    }
}

fn owner() -> User {
    User {
        id: OWNER.into(),
        name: None,
        email: None,
        user_type: "service_account".into(),
        roles: Vec::new(),
    }
}

/// Destinations that take a secret, or fail, by kind; what each holds afterwards.
#[derive(Clone, Default)]
pub(crate) struct FakeSinks {
    /// The kinds of destination that refuse the secret (`file`, `keychain`, `exec`).
    pub failing: Vec<&'static str>,
    pub stdout_fails: bool,
    /// What each destination holds, by label (`stdout` for stdout).
    pub held: Arc<Mutex<HashMap<String, String>>>,
}

impl FakeSinks {
    /// The destinations among `kinds` that hold [`SECRET`], sorted.
    pub(crate) fn holding(&self, kinds: &[&'static str]) -> Vec<&'static str> {
        let held = self.held.lock().unwrap();
        let mut holding: Vec<&'static str> = kinds
            .iter()
            .copied()
            .filter(|d| held.get(&label(d)).is_some_and(|s| s == SECRET))
            .collect();
        holding.sort();
        holding
    }
}

impl Sinks for FakeSinks {
    fn deliver(
        &self,
        dest: &Destination,
        _: &KeyIdent,
        secret: &SecretString,
        _: &AtomicBool,
    ) -> Result<(), SinkError> {
        if self.failing.contains(&dest.kind()) {
            return Err(SinkError {
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

/// A destination of each kind, by kind: `stdout`, `file`, `keychain`, `exec`.
pub(crate) fn destination(kind: &str) -> Destination {
    match kind {
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

/// The label of [`destination`]`(kind)`.
pub(crate) fn label(kind: &str) -> String {
    destination(kind).label()
}

/// The identity of key `ci` of [`OWNER`], as a plan gives it.
pub(crate) fn ident() -> KeyIdent {
    KeyIdent {
        name: "ci".into(),
        owner: Some(OWNER.into()),
        label: "the new key 'ci'".into(),
    }
}

/// A request the stand-in server answers as a create (it ignores what it is).
pub(crate) fn request() -> Request {
    Request::get("secrets/api/keys")
}

/// The files under `state_dir` other than recovery files that hold [`SECRET`]: there should be
/// none, whatever happened.
pub(crate) fn secret_outside_recovery_files(state_dir: &Path) -> Vec<PathBuf> {
    walk(state_dir)
        .into_iter()
        .filter(|path| {
            !path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("recovered-")
        })
        .filter(|path| {
            std::fs::read_to_string(path)
                .unwrap_or_default()
                .contains(SECRET)
        })
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
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
