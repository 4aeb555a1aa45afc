//! The [`Sandbox`] handle: starts the server on its own runtime thread with seeded data, and gives
//! tests the credentials, the request log, faults, the clock override and direct seeding.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context as _;
use jiff::{SignedDuration, Timestamp};
use parking_lot::Mutex;
use tokio::sync::oneshot;

use crate::fault::Fault;
use crate::log::LoggedRequest;
use crate::state::{
    ADMIN_EMAIL, ADMIN_USER_ID, ConfigKey, Db, PRIVATE_KEY, PRODUCTION_ENV_ID, PUBLISHABLE_KEY,
    SANDBOX_ENV_ID, SERVICE_ACCOUNT, Secret, Shared, TENANT_ID, USER, db_time, new_ulid,
    sha256_hex,
};

/// How to start a [`Sandbox`].
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Where to listen; port 0 picks a free port. Default `127.0.0.1:0`.
    pub addr: SocketAddr,
    /// Extra keys in the Sandbox environment for benchmarks, created one second apart going back
    /// from now, spread over the bulk service accounts (or owned by the admin when there are none).
    pub seed_keys: usize,
    /// Extra service accounts with role `event_ingestor`.
    pub seed_service_accounts: usize,
    /// The server's in-process key cache (contract §3.3, §11 #1): a key verified within this
    /// window keeps authenticating after it is deleted, until the window ends. The default is the
    /// real server's [`REVOCATION_DELAY`] (120 s); `Duration::ZERO` revokes at once.
    pub revocation_delay: Duration,
    /// Answer like the server after flexprice/flexprice#2573: only a fixed list of routes runs
    /// without an environment, so `PUT`/`DELETE /v1/users/{id}` and `PUT /v1/users/{id}/roles`
    /// need `X-Environment-ID` from a credential not bound to one (else 403). Off by default
    /// (the server at e4b5303 lets every `/v1/users*` route run without one).
    pub environment_required_for_user_admin: bool,
    /// Answer `POST /v1/users/{id}/remove` as the revision of flexprice/flexprice#2363 that its
    /// author described (contract §12): the person's published keys, in every environment, are
    /// deleted with them. Off by default: the code released on 2026-08-28 archives the person
    /// and leaves every key of theirs active (key verification never looks at the owner).
    pub remove_user_deletes_keys: bool,
    /// Faults active from the start.
    pub faults: Vec<Fault>,
}

/// How long the real server keeps a verified key in its in-process cache
/// (`cache.ExpiryDefaultInMemory`), and so how long a revoked key may keep working.
pub const REVOCATION_DELAY: Duration = Duration::from_secs(120);

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed_keys: 0,
            seed_service_accounts: 0,
            revocation_delay: REVOCATION_DELAY,
            environment_required_for_user_admin: false,
            remove_user_deletes_keys: false,
            faults: Vec::new(),
        }
    }
}

/// A key to seed directly into the database with [`Sandbox::seed_key`].
#[derive(Debug, Clone, Default)]
pub struct SeedKey {
    /// The row ID. Default: `secret_` + a ULID minted at `created_at`. A chosen one makes this
    /// sandbox list a key of the same ID as another server's (two profiles' keys colliding);
    /// it must not be taken in this sandbox.
    pub id: Option<String>,
    /// Default `seeded`.
    pub name: String,
    /// Default: the admin user. Roles and user type are snapshotted from this user's row.
    pub owner_user_id: Option<String>,
    /// Default: the Sandbox environment.
    pub environment_id: Option<String>,
    /// A `pk_` publishable key instead of an `sk_` private key.
    pub publishable: bool,
    /// Default: the sandbox clock's now.
    pub created_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
}

/// A seeded key: its row ID and the raw key (the only copy).
#[derive(Debug, Clone)]
pub struct SeededKey {
    pub id: String,
    pub raw_key: String,
}

/// A `secrets` row as stored, without the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub id: String,
    pub name: String,
    /// `private_key` or `publishable_key`.
    pub key_type: String,
    /// `published` or `deleted`.
    pub status: String,
    pub user_id: String,
    pub user_type: String,
    pub roles: Vec<String>,
    pub environment_id: String,
    pub display_id: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
}

impl From<&Secret> for KeyRecord {
    fn from(s: &Secret) -> KeyRecord {
        KeyRecord {
            id: s.id.clone(),
            name: s.name.clone(),
            key_type: s.secret_type.clone(),
            status: s.status.clone(),
            user_id: s.user_id.clone(),
            user_type: s.user_type.clone(),
            roles: s.roles.clone(),
            environment_id: s.environment_id.clone(),
            display_id: s.display_id.clone(),
            created_at: s.created_at,
            expires_at: s.expires_at,
        }
    }
}

/// A running sandbox server. It stops when dropped.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    api_url: String,
    admin_key: String,
    admin_password: String,
    tenant_key: String,
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the keys or the password.
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

fn owned(roles: &[&str]) -> Vec<String> {
    roles.iter().map(|r| (*r).to_owned()).collect()
}

impl Sandbox {
    /// Seeds the data, binds the listener and runs the server on its own tokio runtime in a
    /// background thread. Returns once the listener accepts connections.
    pub fn start(opts: SandboxOptions) -> anyhow::Result<Sandbox> {
        let listener = std::net::TcpListener::bind(opts.addr)
            .with_context(|| format!("cannot listen on {}", opts.addr))?;
        listener
            .set_nonblocking(true)
            .context("cannot make the listener non-blocking")?;
        let addr = listener
            .local_addr()
            .context("cannot read the bound address")?;

        let now = db_time(Timestamp::now());
        let mut db = Db::new(now);
        let admin = db.insert_user(
            "Admin",
            ADMIN_EMAIL,
            USER,
            owned(&["super_admin"]),
            Some(ADMIN_USER_ID.to_owned()),
        );
        let admin_password = db.users[admin].password.clone().unwrap_or_default();
        let (_, admin_key) = db.insert_secret(
            "admin",
            PRIVATE_KEY,
            SANDBOX_ENV_ID,
            ADMIN_USER_ID,
            None,
            None,
        );
        // A tenant-level config key, random per start so nothing comes to depend on one value.
        let tenant_key = format!("sk_local_{}", new_ulid().to_ascii_lowercase());
        db.config_keys.insert(
            sha256_hex(&tenant_key),
            ConfigKey {
                tenant_id: TENANT_ID.to_owned(),
                user_id: ADMIN_USER_ID.to_owned(),
            },
        );
        let accounts: Vec<String> = (0..opts.seed_service_accounts)
            .map(|i| {
                let u = db.insert_user(
                    &format!("bench-sa-{i:05}"),
                    "",
                    SERVICE_ACCOUNT,
                    owned(&["event_ingestor"]),
                    None,
                );
                db.users[u].id.clone()
            })
            .collect();
        db.secrets.reserve(opts.seed_keys);
        for i in 0..opts.seed_keys {
            let owner = match accounts.len() {
                0 => ADMIN_USER_ID,
                n => accounts[i % n].as_str(),
            };
            let back = SignedDuration::from_secs(i64::try_from(i).unwrap_or(i64::MAX) + 1);
            let created = now.checked_sub(back).unwrap_or(now);
            db.insert_secret(
                &format!("bench-key-{i:05}"),
                PRIVATE_KEY,
                SANDBOX_ENV_ID,
                owner,
                None,
                Some(created),
            );
        }

        let shared = Arc::new(Shared {
            db: parking_lot::Mutex::new(db),
            faults: parking_lot::Mutex::new(opts.faults),
            gates: Default::default(),
            log: parking_lot::Mutex::new(Vec::new()),
            revocation_delay: opts.revocation_delay,
            environment_required_for_user_admin: opts.environment_required_for_user_admin,
            remove_user_deletes_keys: opts.remove_user_deletes_keys,
            jwt_secret: crate::jwt::DEFAULT_SECRET.to_owned(),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("flexprice-sandbox-worker")
            .enable_all()
            .build()
            .context("cannot build the tokio runtime")?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener).context("cannot register the listener")?
        };
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let server_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("flexprice-sandbox".to_owned())
            .spawn(move || {
                runtime.block_on(crate::server::serve(listener, server_shared, shutdown_rx));
                // Dropping the runtime here ends every open connection.
            })
            .context("cannot spawn the server thread")?;
        Ok(Sandbox {
            shared,
            addr,
            api_url: format!("http://{addr}/v1"),
            admin_key,
            admin_password,
            tenant_key,
            shutdown: Mutex::new(Some(shutdown_tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1`.
    pub fn api_url(&self) -> String {
        self.api_url.clone()
    }

    /// The raw DB key of the seeded super_admin user, bound to the Sandbox environment.
    pub fn admin_key(&self) -> &str {
        &self.admin_key
    }

    pub fn admin_user_id(&self) -> &str {
        ADMIN_USER_ID
    }

    /// For `POST /v1/auth/login`.
    pub fn admin_email(&self) -> &str {
        ADMIN_EMAIL
    }

    pub fn admin_password(&self) -> &str {
        &self.admin_password
    }

    /// The tenant-level config key: roles `["super_admin"]`, no environment, empty user type.
    pub fn tenant_key(&self) -> &str {
        &self.tenant_key
    }

    pub fn tenant_id(&self) -> &str {
        TENANT_ID
    }

    /// The development environment named "Sandbox".
    pub fn sandbox_environment_id(&self) -> &str {
        SANDBOX_ENV_ID
    }

    /// The production environment named "Production".
    pub fn production_environment_id(&self) -> &str {
        PRODUCTION_ENV_ID
    }

    /// The request log, in arrival order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log.lock().clone()
    }

    pub fn clear_requests(&self) {
        self.shared.log.lock().clear();
    }

    /// Adds a fault after the existing ones (the first matching fault wins).
    pub fn add_fault(&self, fault: Fault) {
        self.shared.faults.lock().push(fault);
    }

    /// Blocks until at least `count` requests are waiting at (or have passed) the gate of a
    /// `hold=NAME` (or `commit-then-hold=NAME`) fault. Panics after 60 s: that bound only stops
    /// a broken test from hanging.
    pub fn wait_held(&self, gate: &str, count: usize) {
        assert!(
            self.shared
                .gates
                .wait_arrived(gate, count, Duration::from_secs(60)),
            "no {count} request(s) reached gate {gate:?} within 60 s ({} did)",
            self.shared.gates.arrived(gate)
        );
    }

    /// Opens the gate of a `hold=NAME` (or `commit-then-hold=NAME`) fault: the requests waiting
    /// there, and any later ones, go on (a held change, already made, is then answered).
    pub fn release(&self, gate: &str) {
        self.shared.gates.open(gate);
    }

    pub fn clear_faults(&self) {
        self.shared.faults.lock().clear();
    }

    /// Overrides the server clock: expiry checks, JWT `exp`/`iat`, the revocation cache and the
    /// timestamps of new rows all use it.
    pub fn set_now(&self, now: Timestamp) {
        self.shared.db.lock().now_override = Some(now);
    }

    pub fn clear_now(&self) {
        self.shared.db.lock().now_override = None;
    }

    pub fn now(&self) -> Timestamp {
        self.shared.db.lock().now()
    }

    /// Inserts a key directly (no HTTP), e.g. with a past `created_at` or an `expires_at`.
    pub fn seed_key(&self, seed: SeedKey) -> SeededKey {
        let mut db = self.shared.db.lock();
        let name = if seed.name.is_empty() {
            "seeded"
        } else {
            &seed.name
        };
        let key_type = if seed.publishable {
            PUBLISHABLE_KEY
        } else {
            PRIVATE_KEY
        };
        if let Some(id) = &seed.id {
            assert!(
                !db.secret_idx.contains_key(id),
                "seed_key: a key with ID {id} already exists"
            );
        }
        let (secret, raw_key) = db.insert_secret(
            name,
            key_type,
            seed.environment_id.as_deref().unwrap_or(SANDBOX_ENV_ID),
            seed.owner_user_id.as_deref().unwrap_or(ADMIN_USER_ID),
            seed.expires_at,
            seed.created_at,
        );
        let minted = secret.id.clone();
        let Some(chosen) = seed.id else {
            return SeededKey {
                id: minted,
                raw_key,
            };
        };
        if let Some(i) = db.secret_idx.remove(&minted) {
            db.secrets[i].id = chosen.clone();
            db.secret_idx.insert(chosen.clone(), i);
        }
        SeededKey {
            id: chosen,
            raw_key,
        }
    }

    /// [`Sandbox::seed_key`] with the row ID given (`secret_` and a ULID), for output that must
    /// be the same on every run (snapshots of tables). Panics if the ID is taken.
    pub fn seed_key_with_id(&self, id: &str, seed: SeedKey) -> SeededKey {
        let seeded = self.seed_key(seed);
        let mut db = self.shared.db.lock();
        assert!(!db.secret_idx.contains_key(id), "key ID {id} is taken");
        let i = db
            .secret_idx
            .remove(&seeded.id)
            .expect("the key just seeded");
        db.secrets[i].id = id.to_owned();
        db.secret_idx.insert(id.to_owned(), i);
        SeededKey {
            id: id.to_owned(),
            raw_key: seeded.raw_key,
        }
    }

    /// Creates a published service account; returns its user ID.
    pub fn seed_service_account(&self, name: &str, roles: &[&str]) -> String {
        let mut db = self.shared.db.lock();
        let i = db.insert_user(name, "", SERVICE_ACCOUNT, owned(roles), None);
        db.users[i].id.clone()
    }

    /// Creates a published human user with a random password (see [`Sandbox::user_password`]);
    /// returns its user ID.
    pub fn seed_user(&self, name: &str, email: &str, roles: &[&str]) -> String {
        let mut db = self.shared.db.lock();
        let i = db.insert_user(name, email, USER, owned(roles), None);
        db.users[i].id.clone()
    }

    /// Makes the tenant enforce single sign-on (SAML enabled, active and enforced): password
    /// login is then refused for everyone but super admins.
    pub fn set_sso_enforced(&self, enforced: bool) {
        self.shared.db.lock().sso_enforced = enforced;
    }

    /// Archives any user directly (no HTTP, no checks), e.g. a person, which the API at e4b5303
    /// cannot do. Returns whether the user exists.
    pub fn archive_user(&self, id: &str) -> bool {
        let mut db = self.shared.db.lock();
        match db.user_mut(TENANT_ID, id) {
            Some(u) => {
                u.status = crate::state::ARCHIVED.to_owned();
                true
            }
            None => false,
        }
    }

    /// Sets a key's `expires_at` directly (no HTTP: Flexprice has no way to change it), e.g. to
    /// give the seeded admin key an expiry as if it had been created with one. Returns whether
    /// the key exists.
    pub fn set_key_expiry(&self, id: &str, expires_at: Option<Timestamp>) -> bool {
        let mut db = self.shared.db.lock();
        let Some(&i) = db.secret_idx.get(id) else {
            return false;
        };
        let expires_at = expires_at.map(db_time);
        let secret = &mut db.secrets[i];
        secret.expires_at = expires_at;
        // A cached verification keeps the old expiry otherwise.
        let hash = secret.value.clone();
        db.revocation_cache.remove(&hash);
        true
    }

    /// The seeded admin key's row ID.
    pub fn admin_key_id(&self) -> String {
        let hash = sha256_hex(&self.admin_key);
        let db = self.shared.db.lock();
        db.hash_idx
            .get(&hash)
            .map(|&i| db.secrets[i].id.clone())
            .unwrap_or_default()
    }

    /// The login password of a human user.
    pub fn user_password(&self, id: &str) -> Option<String> {
        let db = self.shared.db.lock();
        db.user(TENANT_ID, id).and_then(|u| u.password.clone())
    }

    /// A JWT for `user_id`, as `POST /v1/auth/login` would issue it at the sandbox clock's now.
    pub fn jwt_for(&self, user_id: &str) -> String {
        let now = self.now().as_second();
        crate::jwt::sign(&self.shared.jwt_secret, user_id, TENANT_ID, now)
    }

    /// A token with arbitrary `claims` signed with the sandbox's JWT secret, for testing the
    /// server's token checks; `alg` is `HS256`, `HS384` or `HS512` (`None` for anything else).
    pub fn sign_jwt(&self, alg: &str, claims: &serde_json::Value) -> Option<String> {
        crate::jwt::sign_claims(&self.shared.jwt_secret, alg, claims)
    }

    /// Every `secrets` row, deleted and publishable ones included, in creation order.
    pub fn keys(&self) -> Vec<KeyRecord> {
        self.shared
            .db
            .lock()
            .secrets
            .iter()
            .map(KeyRecord::from)
            .collect()
    }

    pub fn key(&self, id: &str) -> Option<KeyRecord> {
        let db = self.shared.db.lock();
        db.secret_idx
            .get(id)
            .map(|&i| KeyRecord::from(&db.secrets[i]))
    }

    /// `published` or `archived`.
    pub fn user_status(&self, id: &str) -> Option<String> {
        let db = self.shared.db.lock();
        db.user(TENANT_ID, id).map(|u| u.status.clone())
    }

    /// The roles on a user row.
    pub fn user_roles(&self, id: &str) -> Option<Vec<String>> {
        let db = self.shared.db.lock();
        db.user(TENANT_ID, id).map(|u| u.roles.clone())
    }

    /// Stops the server and waits for its thread.
    pub fn stop(self) {
        drop(self);
    }

    fn shutdown(&self) {
        if let Some(tx) = self.shutdown.lock().take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.lock().take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shutdown();
    }
}
