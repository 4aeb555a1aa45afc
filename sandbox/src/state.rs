//! The in-memory database: tenant, environments, users, secrets and config keys, the clock
//! override and the revocation cache. Everything lives behind the single `Mutex<Db>` in
//! [`Shared`]; handlers take the lock once per request.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use jiff::{Timestamp, Unit};
use parking_lot::Mutex;
use sha2::{Digest, Sha256};

use crate::fault::Fault;
use crate::log::{LoggedRequest, display_id};

pub(crate) const TENANT_ID: &str = "00000000-0000-0000-0000-000000000000";
pub(crate) const SANDBOX_ENV_ID: &str = "00000000-0000-0000-0000-000000000000";
pub(crate) const PRODUCTION_ENV_ID: &str = "00000000-0000-0000-0000-000000000001";
/// The seeded super_admin user (`V1__seed.sql` uses the nil UUID too).
pub(crate) const ADMIN_USER_ID: &str = "00000000-0000-0000-0000-000000000000";
pub(crate) const ADMIN_EMAIL: &str = "admin@flexprice.dev";

pub(crate) const PUBLISHED: &str = "published";
pub(crate) const ARCHIVED: &str = "archived";
pub(crate) const DELETED: &str = "deleted";
pub(crate) const PRIVATE_KEY: &str = "private_key";
pub(crate) const PUBLISHABLE_KEY: &str = "publishable_key";
pub(crate) const SERVICE_ACCOUNT: &str = "service_account";
pub(crate) const USER: &str = "user";

pub(crate) struct Tenant {
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
}

pub(crate) struct Environment {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub env_type: String,
    pub status: String,
    pub created_at: Timestamp,
}

pub(crate) struct User {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub email: String,
    pub user_type: String,
    pub roles: Vec<String>,
    pub status: String,
    pub metadata: BTreeMap<String, String>,
    /// Only people have one; the sandbox keeps it in clear because it is a test double.
    pub password: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone)]
pub(crate) struct Secret {
    pub id: String,
    pub tenant_id: String,
    pub environment_id: String,
    pub name: String,
    pub secret_type: String,
    pub provider: String,
    /// SHA-256 hex of the raw key; the raw key itself is never stored.
    pub value: String,
    pub display_id: String,
    pub roles: Vec<String>,
    pub user_type: String,
    pub user_id: String,
    pub status: String,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Secret {
    pub(crate) fn is_active(&self, now: Timestamp) -> bool {
        self.status == PUBLISHED && self.expires_at.is_none_or(|e| e > now)
    }
}

/// A tenant-level key from `auth.api_key.keys`: super_admin, no user type, no environment.
pub(crate) struct ConfigKey {
    pub tenant_id: String,
    pub user_id: String,
}

pub(crate) struct Db {
    pub tenant: Tenant,
    pub envs: Vec<Environment>,
    pub users: Vec<User>,
    pub user_idx: HashMap<String, usize>,
    pub secrets: Vec<Secret>,
    pub secret_idx: HashMap<String, usize>,
    pub hash_idx: HashMap<String, usize>,
    pub config_keys: HashMap<String, ConfigKey>,
    /// sha256 → (when it was verified, the secret as verified). Mirrors `ForceCacheSet` in
    /// `GetAPIKeyByValue`; deleting a key does not evict it (the server builds a different cache key).
    pub revocation_cache: HashMap<String, (Timestamp, Secret)>,
    pub now_override: Option<Timestamp>,
    /// The tenant's SAML settings enforce single sign-on: password login is refused except for
    /// super admins.
    pub sso_enforced: bool,
}

/// State shared by the server tasks and the [`crate::Sandbox`] handle.
pub(crate) struct Shared {
    pub db: Mutex<Db>,
    pub faults: Mutex<Vec<Fault>>,
    pub gates: crate::gate::Gates,
    pub log: Mutex<Vec<LoggedRequest>>,
    /// Zero: no cache, a deleted key is refused at once.
    pub revocation_delay: Duration,
    pub environment_required_for_user_admin: bool,
    /// `POST /v1/users/{id}/remove` also deletes the person's keys (see `SandboxOptions`).
    pub remove_user_deletes_keys: bool,
    pub jwt_secret: String,
}

pub(crate) fn sha256_hex(raw: &str) -> String {
    let digest = Sha256::digest(raw.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out
}

pub(crate) fn new_ulid() -> String {
    ulid::Ulid::new().to_string()
}

/// A ULID minted at `at`, as the server mints a key's ID and raw key when the key is created: a
/// key seeded as made 100 days ago carries that time in both, as a key that old would.
pub(crate) fn ulid_at(at: Timestamp) -> String {
    match std::time::SystemTime::try_from(at) {
        Ok(time) => ulid::Ulid::from_datetime(time).to_string(),
        Err(_) => new_ulid(),
    }
}

/// Postgres keeps microseconds; rows carry what a round trip through the database would give.
pub(crate) fn db_time(ts: Timestamp) -> Timestamp {
    ts.round(Unit::Microsecond).unwrap_or(ts)
}

pub(crate) fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    (0..16)
        .map(|_| char::from(ALPHABET[fastrand::usize(..ALPHABET.len())]))
        .collect()
}

impl Db {
    pub(crate) fn new(now: Timestamp) -> Db {
        let env = |id: &str, name: &str, env_type: &str| Environment {
            id: id.to_owned(),
            tenant_id: TENANT_ID.to_owned(),
            name: name.to_owned(),
            env_type: env_type.to_owned(),
            status: PUBLISHED.to_owned(),
            created_at: now,
        };
        Db {
            tenant: Tenant {
                id: TENANT_ID.to_owned(),
                name: "Default Tenant".to_owned(),
                created_at: now,
            },
            envs: vec![
                env(SANDBOX_ENV_ID, "Sandbox", "development"),
                env(PRODUCTION_ENV_ID, "Production", "production"),
            ],
            users: Vec::new(),
            user_idx: HashMap::new(),
            secrets: Vec::new(),
            secret_idx: HashMap::new(),
            hash_idx: HashMap::new(),
            config_keys: HashMap::new(),
            revocation_cache: HashMap::new(),
            now_override: None,
            sso_enforced: false,
        }
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.now_override.unwrap_or_else(Timestamp::now)
    }

    pub(crate) fn user(&self, tenant_id: &str, id: &str) -> Option<&User> {
        self.user_idx
            .get(id)
            .map(|&i| &self.users[i])
            .filter(|u| u.tenant_id == tenant_id)
    }

    pub(crate) fn user_mut(&mut self, tenant_id: &str, id: &str) -> Option<&mut User> {
        let i = *self.user_idx.get(id)?;
        Some(&mut self.users[i]).filter(|u| u.tenant_id == tenant_id)
    }

    pub(crate) fn env(&self, tenant_id: &str, id: &str) -> Option<&Environment> {
        self.envs
            .iter()
            .find(|e| e.id == id && e.tenant_id == tenant_id)
    }

    pub(crate) fn insert_user(
        &mut self,
        name: &str,
        email: &str,
        user_type: &str,
        roles: Vec<String>,
        id: Option<String>,
    ) -> usize {
        let now = db_time(self.now());
        let id = id.unwrap_or_else(|| format!("user_{}", new_ulid()));
        let user = User {
            id: id.clone(),
            tenant_id: TENANT_ID.to_owned(),
            name: name.to_owned(),
            email: email.to_owned(),
            user_type: user_type.to_owned(),
            roles,
            status: PUBLISHED.to_owned(),
            metadata: BTreeMap::new(),
            password: (user_type == USER).then(random_password),
            created_at: now,
            updated_at: now,
        };
        let i = self.users.len();
        self.user_idx.insert(id, i);
        self.users.push(user);
        i
    }

    /// Mints a key for `user_id` (whose roles and type are snapshotted now) in `environment_id`
    /// and returns the stored row and the raw key. A key given a `created_at` (seeded) has its
    /// ID and raw key minted at that time, as the server's would be; else at the real now.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert_secret(
        &mut self,
        name: &str,
        secret_type: &str,
        environment_id: &str,
        user_id: &str,
        expires_at: Option<Timestamp>,
        created_at: Option<Timestamp>,
    ) -> (&Secret, String) {
        let prefix = if secret_type == PUBLISHABLE_KEY {
            "pk"
        } else {
            "sk"
        };
        let mint = || created_at.map_or_else(new_ulid, ulid_at);
        let raw = format!("{prefix}_{}", mint());
        let id = format!("secret_{}", mint());
        let (roles, user_type) = match self.user(TENANT_ID, user_id) {
            Some(u) => (u.roles.clone(), u.user_type.clone()),
            None => (Vec::new(), USER.to_owned()),
        };
        let created_at = db_time(created_at.unwrap_or_else(|| self.now()));
        let secret = Secret {
            id,
            tenant_id: TENANT_ID.to_owned(),
            environment_id: environment_id.to_owned(),
            name: name.to_owned(),
            secret_type: secret_type.to_owned(),
            provider: "flexprice".to_owned(),
            value: sha256_hex(&raw),
            display_id: display_id(&raw),
            roles,
            user_type,
            user_id: user_id.to_owned(),
            status: PUBLISHED.to_owned(),
            expires_at: expires_at.map(db_time),
            created_at,
            updated_at: created_at,
        };
        let i = self.secrets.len();
        self.secret_idx.insert(secret.id.clone(), i);
        self.hash_idx.insert(secret.value.clone(), i);
        self.secrets.push(secret);
        (&self.secrets[i], raw)
    }

    /// Keys of `user_id` that block archive and role changes: published and not expired, any type,
    /// any environment.
    pub(crate) fn active_keys_of<'a>(
        &'a self,
        tenant_id: &'a str,
        user_id: &'a str,
    ) -> impl Iterator<Item = &'a Secret> + 'a {
        let now = self.now();
        self.secrets
            .iter()
            .filter(move |s| s.tenant_id == tenant_id && s.user_id == user_id && s.is_active(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_hash() {
        assert_eq!(display_id("sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q"), "sk_01***7Q");
        assert_eq!(
            sha256_hex("sk_local_flexprice_test_key"),
            "0cfd568f22158887f8b77bc019fb245b1f14077b80936342b052985efa7de46c"
        );
        assert_eq!(random_password().len(), 16);
    }

    #[test]
    fn a_seeded_key_is_minted_at_its_creation_time() {
        let then = Timestamp::now() - jiff::SignedDuration::from_hours(24 * 100);
        let mut db = Db::new(Timestamp::now());
        let (secret, raw) = db.insert_secret(
            "old",
            PRIVATE_KEY,
            SANDBOX_ENV_ID,
            ADMIN_USER_ID,
            None,
            Some(then),
        );
        let ms = |s: &str| ulid::Ulid::from_string(s).unwrap().timestamp_ms();
        let id_ms = ms(secret.id.strip_prefix("secret_").unwrap());
        assert_eq!(id_ms, u64::try_from(then.as_millisecond()).unwrap());
        assert_eq!(ms(raw.strip_prefix("sk_").unwrap()), id_ms);
    }
}
