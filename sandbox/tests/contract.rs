//! Contract tests for flexprice-sandbox: every behaviour of `flexprice-api.md` that the sandbox
//! reproduces, checked over real HTTP with reqwest against `Sandbox::start`. No test sleeps: time
//! moves with `Sandbox::set_now`.

mod contract {
    pub(crate) mod auth;
    pub(crate) mod binary;
    pub(crate) mod corrections;
    pub(crate) mod faults;
    pub(crate) mod keys;
    pub(crate) mod misc;
    pub(crate) mod rbac;
    pub(crate) mod remove;
    pub(crate) mod users;
}

use flexprice_sandbox::{Sandbox, SandboxOptions};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// A started sandbox plus a client.
pub struct T {
    pub sb: Sandbox,
    pub http: reqwest::Client,
}

/// A response read to the end.
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub enum Cred<'a> {
    None,
    Key(&'a str),
    Bearer(&'a str),
    Raw(&'a str),
}

impl Default for T {
    fn default() -> T {
        T::new()
    }
}

impl T {
    pub fn new() -> T {
        T::with(SandboxOptions::default())
    }

    /// A sandbox without the revocation cache: a deleted key is refused at once. Only for tests
    /// about revocation itself; everything else runs with the real server's 120 s cache.
    pub fn with_immediate_revocation() -> T {
        T::with(SandboxOptions {
            revocation_delay: std::time::Duration::ZERO,
            ..SandboxOptions::default()
        })
    }

    pub fn with(opts: SandboxOptions) -> T {
        let sb = Sandbox::start(opts).expect("sandbox starts");
        T {
            sb,
            http: http_client(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.sb.api_url(), path)
    }

    pub fn request(&self, method: Method, path: &str, cred: Cred<'_>) -> reqwest::RequestBuilder {
        let rb = self.http.request(method, self.url(path));
        match cred {
            Cred::None => rb,
            Cred::Key(k) => rb.header("x-api-key", k),
            Cred::Bearer(t) => rb.header("authorization", format!("Bearer {t}")),
            Cred::Raw(v) => rb.header("authorization", v),
        }
    }

    pub async fn send(&self, rb: reqwest::RequestBuilder) -> Resp {
        let r = rb.send().await.expect("request succeeds");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body reads");
        Resp {
            status,
            headers,
            text,
        }
    }

    /// GET with an API key.
    pub async fn get(&self, path: &str, key: &str) -> Resp {
        self.send(self.request(Method::GET, path, Cred::Key(key)))
            .await
    }

    /// POST JSON with an API key.
    pub async fn post(&self, path: &str, key: &str, body: Value) -> Resp {
        self.send(self.request(Method::POST, path, Cred::Key(key)).json(&body))
            .await
    }

    pub async fn put(&self, path: &str, key: &str, body: Value) -> Resp {
        self.send(self.request(Method::PUT, path, Cred::Key(key)).json(&body))
            .await
    }

    pub async fn delete(&self, path: &str, key: &str) -> Resp {
        self.send(self.request(Method::DELETE, path, Cred::Key(key)))
            .await
    }

    /// Creates a private key through the API as `key`; returns (secret id, raw key).
    pub async fn create_key(&self, key: &str, name: &str) -> (String, String) {
        let r = self
            .post(
                "/secrets/api/keys",
                key,
                serde_json::json!({"name": name, "type": "private_key"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let v = r.json();
        (
            v["secret"]["id"].as_str().expect("id").to_owned(),
            v["api_key"].as_str().expect("api_key").to_owned(),
        )
    }

    /// A service account with `roles` and a DB key for it in the Sandbox env; returns (id, raw key).
    pub fn service_account_with_key(&self, name: &str, roles: &[&str]) -> (String, String) {
        let id = self.sb.seed_service_account(name, roles);
        let key = self.sb.seed_key(flexprice_sandbox::SeedKey {
            name: format!("{name}-key"),
            owner_user_id: Some(id.clone()),
            ..Default::default()
        });
        (id, key.raw_key)
    }

    /// A human user with `roles` and a DB key for it in the Sandbox env; returns (id, raw key).
    pub fn user_with_key(&self, name: &str, roles: &[&str]) -> (String, String) {
        let id = self
            .sb
            .seed_user(name, &format!("{name}@example.com"), roles);
        let key = self.sb.seed_key(flexprice_sandbox::SeedKey {
            name: format!("{name}-key"),
            owner_user_id: Some(id.clone()),
            ..Default::default()
        });
        (id, key.raw_key)
    }
}

/// The standard error body of §2.1; asserts its shape and returns it.
pub fn std_error(r: &Resp, status: u16, code: &str, message: &str) -> Value {
    assert_eq!(r.status, status, "{}", r.text);
    let v = r.json();
    assert_eq!(v["code"], code, "{}", r.text);
    assert_eq!(v["message"], message, "{}", r.text);
    assert_eq!(v["http_status_code"], status, "{}", r.text);
    v
}

/// Asserts an exact JSON body (middleware bodies of §2.2).
pub fn exact(r: &Resp, status: u16, body: Value) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json(), body);
}

pub fn env_denied() -> Value {
    serde_json::json!({"error": "Access denied", "message": "Invalid or inaccessible environment"})
}

/// A reqwest client that works whatever TLS features the workspace unified into reqwest: the
/// product enables `rustls-no-provider`, which panics at build time without a provider.
pub fn http_client() -> reqwest::Client {
    http_builder().build().expect("client builds")
}

pub fn http_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}
