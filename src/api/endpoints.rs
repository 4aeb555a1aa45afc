//! One function per Flexprice endpoint this tool uses, each built on a [`Request`] so that a
//! mutating command can print the same request under `--dry-run` instead of sending it.

use std::collections::HashSet;

use std::pin::Pin;

use futures_util::{Stream, StreamExt, stream};
use secrecy::SecretString;
use serde_json::{Value, json};

use super::models::{
    ApiKey, CreateKeyBody, CreateServiceAccountBody, CreatedKey, CreatedKeyMeta, Environment,
    EnvironmentsEnvelope, Page, Role, RoleEnvelope, RolesEnvelope, User, UserSearchBody, is_key_id,
};
use super::models::{KeyId, Pagination};
use super::{Answer, ApiError, ApiErrorKind, Client, Request, Retry};

/// Page size for listing accounts and environments. The server does not cap `limit`; 500
/// keeps a page well under a megabyte while needing few round trips.
const PAGE_SIZE: u64 = 500;
/// What the first request for keys asks for: every key of any real tenant in one answer, one
/// round trip (the server caps no `limit`, contract §11 #14), and at about 400 bytes a key well
/// under [`super::MAX_BODY_BYTES`]. A number rather than `limit=0`, which means "no limit" on this
/// route but 50 on `users/search` and nothing on `environments`: a number means the same to any
/// server or proxy, and one that caps it says so by answering fewer keys than `total`.
const FIRST_KEYS_PAGE: u64 = 50_000;
/// Pages fetched at once when the first answer held fewer keys than `total` (a server that caps
/// `limit`, or a tenant beyond [`FIRST_KEYS_PAGE`]).
const PAGE_CONCURRENCY: usize = 8;
/// The largest `limit` the server's (unenforced) validation tag declares for key listings.
const DECLARED_MAX_LIMIT: u64 = 1000;

/// Server-side filters for `GET /secrets/api/keys`.
#[derive(Debug, Default, Clone)]
pub struct KeyFilter {
    /// Honoured only for a super_admin user; others always see their own keys.
    pub user_id: Option<String>,
    /// Only keys created at or after this (`start_time`): a check for keys made since a moment
    /// need not fetch the owner's older ones.
    pub created_since: Option<jiff::Timestamp>,
}

/// Said after every revocation: Flexprice's verification cache.
pub const REVOCATION_DELAY_NOTE: &str = "Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).";

pub fn create_key_request(body: &CreateKeyBody) -> Request {
    Request::post("secrets/api/keys", to_json(body), Retry::Unsafe)
}

pub fn delete_key_request(id: &str) -> Request {
    Request::delete(format!("secrets/api/keys/{id}"))
}

pub fn create_service_account_request(name: &str, roles: &[String]) -> Request {
    let body = CreateServiceAccountBody {
        user_type: "service_account",
        name,
        roles,
    };
    Request::post("users", to_json(&body), Retry::Unsafe)
}

pub fn rename_user_request(id: &str, name: &str) -> Request {
    Request::put(format!("users/{id}"), json!({ "name": name }))
}

pub fn delete_user_request(id: &str) -> Request {
    Request::delete(format!("users/{id}"))
}

/// `POST /users/{id}/remove` (contract §12): removes a person from the tenant. Flexprice archives
/// them and, as released, leaves their API keys working. No body, as the official SDKs send it;
/// repeated only when the server provably did not act, since a second removal is refused.
pub fn remove_user_request(id: &str) -> Request {
    Request {
        body: None,
        ..Request::post(format!("users/{id}/remove"), Value::Null, Retry::Unsafe)
    }
}

fn to_json<T: serde::Serialize>(body: &T) -> Value {
    serde_json::to_value(body).expect("request bodies are plain data")
}

impl Client {
    /// Every key visible to the caller, newest first, up to `max` keys.
    pub async fn list_keys(
        &self,
        filter: &KeyFilter,
        max: Option<u64>,
    ) -> Result<Vec<ApiKey>, ApiError> {
        let mut keys = Vec::new();
        self.for_each_keys_page(filter, max, |page| {
            keys.extend(page);
            Ok::<_, ApiError>(())
        })
        .await?;
        Ok(keys)
    }

    /// Every key visible to the caller, newest first, up to `max` keys, handed to `each` one
    /// page at a time, in order, as pages arrive (see [`KeyPager`]).
    pub async fn for_each_keys_page<E: From<ApiError>>(
        &self,
        filter: &KeyFilter,
        max: Option<u64>,
        mut each: impl FnMut(Vec<ApiKey>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut pager = self.key_pager(filter, max);
        while let Some(answer) = pager.next().await? {
            let mut page: Page<ApiKey> = self.decode_answer(&answer)?;
            pager.take(&page.pagination, &mut page.items)?;
            each(page.items)?;
        }
        Ok(())
    }

    /// Pages through the keys visible to the caller, newest first, up to `max` keys.
    pub fn key_pager<'c>(&'c self, filter: &'c KeyFilter, max: Option<u64>) -> KeyPager<'c> {
        KeyPager {
            client: self,
            filter,
            max,
            first_size: max.map_or(FIRST_KEYS_PAGE, |m| m.clamp(1, FIRST_KEYS_PAGE)),
            state: PagerState::First,
            page_size: 0,
            left: 0,
            seen: HashSet::new(),
            requests: 0,
            offset: 0,
        }
    }

    /// The error for a full page that brought nothing new (the server ignores `offset`).
    fn repeated_page(&self, path: &str, offset: u64, requests: u64) -> ApiError {
        let request = Request::get(path);
        ApiError {
            method: request.method.to_string(),
            path: self.url_for(&request).path().to_string(),
            kind: Box::new(ApiErrorKind::RepeatedPage { offset, requests }),
            request_id: None,
            hints: Vec::new(),
        }
    }

    /// The error for a listing holding a key whose ID is not a key ID.
    fn listed_odd_id(&self) -> ApiError {
        let request = Request::get("secrets/api/keys");
        ApiError {
            method: request.method.to_string(),
            path: self.url_for(&request).path().to_string(),
            kind: Box::new(ApiErrorKind::Decode {
                status: 200,
                detail: "a listed key's id is not a key ID (secret_ and letters and digits)".into(),
            }),
            request_id: None,
            hints: Vec::new(),
        }
    }

    async fn keys_page(
        &self,
        filter: &KeyFilter,
        limit: u64,
        offset: u64,
    ) -> Result<Answer, ApiError> {
        let mut request = Request::get("secrets/api/keys")
            .query("limit", limit)
            .query("offset", offset)
            .query("sort", "created_at")
            .query("order", "desc");
        if let Some(user_id) = &filter.user_id {
            request = request.query("user_id", user_id);
        }
        if let Some(since) = filter.created_since {
            request = request.query("start_time", since);
        }
        self.send_for_decoding(request).await
    }

    /// Mints a key. The raw key is taken out of the body before anything else is decoded, so a
    /// decoding error can never quote it, and registered with `crate::redact` at once.
    pub async fn create_key(&self, request: &Request) -> Result<CreatedKey, ApiError> {
        let (status, mut body) = self.send_raw(request).await?;
        let decoded = take_api_key(&mut body);
        zero(&mut body);
        if let Ok((_, api_key)) = &decoded {
            // From now on, any text the server sends may quote the new secret.
            crate::redact::register(api_key);
        }
        let (meta, api_key) = decoded.map_err(|detail| ApiError {
            method: request.method.to_string(),
            path: self.url_for(request).path().to_string(),
            kind: Box::new(ApiErrorKind::Decode { status, detail }),
            request_id: None,
            hints: vec![
                "the key may have been created; run `flexprice-admin keys list` and revoke any key you cannot account for"
                    .into(),
            ],
        })?;
        Ok(CreatedKey {
            key: meta.secret,
            api_key,
        })
    }

    pub async fn delete_key(&self, id: &str) -> Result<(), ApiError> {
        self.send_empty(&delete_key_request(id)).await
    }

    /// `POST /auth/login` (contract §3.13): a login token for a dashboard user's email and
    /// password. The password travels only in [`Request::secret_field`]; the token is
    /// registered for scrubbing the moment it is split from the answer.
    pub async fn login(&self, email: &str, password: SecretString) -> Result<LoginToken, ApiError> {
        let request = Request::post("auth/login", json!({ "email": email }), Retry::Idempotent)
            .secret_field("password", password);
        let (status, mut body) = self.send_raw(&request).await?;
        let decoded = take_token(&mut body);
        zero(&mut body);
        decoded.map_err(|detail| ApiError {
            method: request.method.to_string(),
            path: self.url_for(&request).path().to_string(),
            kind: Box::new(ApiErrorKind::Decode { status, detail }),
            request_id: None,
            hints: Vec::new(),
        })
    }

    /// The calling principal.
    pub async fn me(&self) -> Result<User, ApiError> {
        self.send(&Request::get("users/me")).await
    }

    pub async fn create_service_account(&self, request: &Request) -> Result<User, ApiError> {
        self.send(request).await
    }

    /// Every published account of one type. `users/search` defaults to service accounts and
    /// panics without a pagination field, so both are always explicit.
    pub async fn search_users(
        &self,
        user_type: &'static str,
        ids: Option<&[String]>,
    ) -> Result<Vec<User>, ApiError> {
        let mut users = Vec::new();
        let mut seen = HashSet::new();
        let mut offset = 0;
        let mut requests = 0;
        loop {
            let body = UserSearchBody {
                user_type,
                limit: PAGE_SIZE,
                offset,
                user_ids: ids,
            };
            let request = Request::post("users/search", to_json(&body), Retry::Idempotent);
            let page: Page<User> = self.send(&request).await?;
            requests += 1;
            let got = page.items.len() as u64;
            let before = users.len();
            users.extend(page.items.into_iter().filter(|u| seen.insert(u.id.clone())));
            if got > 0 && users.len() == before {
                // Nothing new: the server ignores `offset` (see for_each_keys_page).
                return Err(self.repeated_page("users/search", offset, requests));
            }
            offset += got;
            if got == 0 || offset >= page.pagination.total {
                return Ok(users);
            }
        }
    }

    pub async fn roles(&self, user_type: Option<&str>) -> Result<Vec<Role>, ApiError> {
        let mut request = Request::get("rbac/roles");
        if let Some(user_type) = user_type {
            request = request.query("user_type", user_type);
        }
        let envelope: RolesEnvelope = self.send(&request).await?;
        Ok(envelope.roles)
    }

    pub async fn role(&self, id: &str) -> Result<Role, ApiError> {
        let envelope: RoleEnvelope = self.send(&Request::get(format!("rbac/roles/{id}"))).await?;
        Ok(envelope.role)
    }

    /// Whether the credential is bound to one environment (a key stored in the database, which
    /// the server pins to its own environment whatever `X-Environment-ID` says) rather than
    /// tenant-wide (a config key or a login token). Nothing in `/users/me` tells them apart, so
    /// an environment-scoped read with no gate (`GET /rbac/roles`) is sent without the header:
    /// a bound key gets its roles, any other credential the "no environment" 403.
    pub async fn bound_to_environment(&self) -> Result<bool, ApiError> {
        let probe = self.with_environment(None);
        match probe
            .send::<RolesEnvelope>(&Request::get("rbac/roles"))
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.is_status(403) && e.server_message() == Some(super::NO_ENVIRONMENT) => {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Every environment. The legacy envelope's `total` counts only the page, so we page until a
    /// short page.
    pub async fn environments(&self) -> Result<Vec<Environment>, ApiError> {
        let mut all: Vec<Environment> = Vec::new();
        let mut seen = HashSet::new();
        let mut offset = 0;
        let mut requests = 0;
        loop {
            let request = Request::get("environments")
                .query("limit", PAGE_SIZE)
                .query("offset", offset);
            let envelope: EnvironmentsEnvelope = self.send(&request).await?;
            requests += 1;
            let got = envelope.environments.len() as u64;
            let before = all.len();
            all.extend(
                envelope
                    .environments
                    .into_iter()
                    .filter(|e| seen.insert(e.id.clone())),
            );
            if got < PAGE_SIZE {
                return Ok(all);
            }
            if all.len() == before {
                // A full page of environments we already have: the server ignores `offset`.
                return Err(self.repeated_page("environments", offset, requests));
            }
            offset += got;
        }
    }
}

/// Paging through `GET /secrets/api/keys`. [`KeyPager::next`] hands out the answers, one at a
/// time and in order; the caller decodes each as it likes (borrowing from it, or not) and gives
/// its keys to [`KeyPager::take`], which keeps the new ones and plans what comes next.
///
/// The first request asks for everything (up to `FIRST_KEYS_PAGE`) and is usually the only
/// one. When its answer is a full page of fewer keys than `total` (the server caps pages, and
/// says so in `pagination.limit`, or the tenant is beyond FIRST_KEYS_PAGE), the rest comes in
/// pages of that size, `PAGE_CONCURRENCY` in flight at once. We keep our own offsets, because
/// the server's `pagination.offset` is the *next* offset, not the one requested.
pub struct KeyPager<'c> {
    client: &'c Client,
    filter: &'c KeyFilter,
    max: Option<u64>,
    first_size: u64,
    state: PagerState<'c>,
    /// Once the first answer is in: the server's page size, and how many keys may still go out.
    page_size: u64,
    left: usize,
    /// The IDs handed out, when there is more than one page: keys created or revoked while we
    /// page shift the offsets, so a key can come twice.
    seen: HashSet<String>,
    requests: u64,
    /// The offset of the answer handed out last.
    offset: u64,
}

type Pages<'c> = Pin<Box<dyn Stream<Item = (u64, Result<Answer, ApiError>)> + 'c>>;

enum PagerState<'c> {
    First,
    Rest(Pages<'c>),
    Done,
}

impl KeyPager<'_> {
    /// The next answer, or `None` when the listing is complete. Each answer must go through
    /// [`KeyPager::take`] before the next is asked for.
    pub async fn next(&mut self) -> Result<Option<Answer>, ApiError> {
        match &mut self.state {
            PagerState::First if self.requests == 0 => {
                self.requests = 1;
                let answer = match self.client.keys_page(self.filter, self.first_size, 0).await {
                    // A server that enforces the `max=1000` its own validation tag declares (the
                    // real one never runs it, contract §3.1) refuses the big page: ask again
                    // within it.
                    Err(e) if e.is_status(400) && self.first_size > DECLARED_MAX_LIMIT => {
                        self.first_size = DECLARED_MAX_LIMIT;
                        self.requests += 1;
                        self.client.keys_page(self.filter, self.first_size, 0).await
                    }
                    other => other,
                };
                answer.map(Some)
            }
            PagerState::First => panic!("KeyPager::next called again before take"),
            PagerState::Rest(pages) => match pages.next().await {
                Some((offset, answer)) => {
                    self.requests += 1;
                    self.offset = offset;
                    answer.map(Some)
                }
                None => {
                    self.state = PagerState::Done;
                    Ok(None)
                }
            },
            PagerState::Done => Ok(None),
        }
    }

    /// Takes in the keys of the answer handed out last, with its `pagination`: drops the ones
    /// already handed out and those beyond `max`, and plans the rest of the listing. A full page
    /// that brought nothing new is an error (the server ignores `offset`, and would answer the
    /// same page up to the huge `total` it claims).
    pub fn take<K: KeyId>(
        &mut self,
        pagination: &Pagination,
        items: &mut Vec<K>,
    ) -> Result<(), ApiError> {
        // Every command takes a listed key's ID as the key's name for the server: printed for
        // scripts one a line (`-q`), put in the path of a DELETE. One that is not a key ID (a
        // line break, `..`, a path) is not trusted with either, as a created key's is not.
        if items.iter().any(|k| !is_key_id(k.key_id())) {
            self.state = PagerState::Done;
            return Err(self.client.listed_odd_id());
        }
        let got = items.len() as u64;
        if let PagerState::First = self.state {
            let (wanted, page_size) = self.first_plan(pagination);
            self.left = usize::try_from(wanted).unwrap_or(usize::MAX);
            self.page_size = page_size;
            if got >= wanted || got < self.page_size {
                // Everything came, or a short page, which is the end whatever `total` claims
                // (a server that over-counts must not keep us asking for empty pages). One
                // answer: no offsets moved under us, so nothing came twice.
                items.truncate(self.left);
                self.state = PagerState::Done;
                return Ok(());
            }
            self.keep_new(items);
            let (client, filter, page_size) = (self.client, self.filter, self.page_size);
            // Their number is capped by `total`: the offsets stop at what it could need.
            let offsets = (1u64..)
                .map_while(move |i| i.checked_mul(page_size))
                .take_while(move |offset| *offset < wanted);
            let pages = stream::iter(offsets)
                .map(move |offset| async move {
                    (offset, client.keys_page(filter, page_size, offset).await)
                })
                .buffered(PAGE_CONCURRENCY);
            self.state = PagerState::Rest(Box::pin(pages));
            return Ok(());
        }
        // A short page is the end, whatever `total` claimed.
        let short = got < self.page_size;
        let new = self.keep_new(items);
        if !short && new == 0 {
            self.state = PagerState::Done;
            return Err(self
                .client
                .repeated_page("secrets/api/keys", self.offset, self.requests));
        }
        if short {
            self.state = PagerState::Done;
        }
        Ok(())
    }

    /// For the first answer: how many keys the listing wants (`max`, or fewer when `total` is
    /// less), and the page size the server applied, which it reports in `pagination.limit`:
    /// below what we asked for, it caps pages, and the rest comes in pages of that size.
    fn first_plan(&self, pagination: &Pagination) -> (u64, u64) {
        let wanted = self
            .max
            .map_or(pagination.total, |m| m.min(pagination.total));
        let page_size = pagination
            .limit
            .filter(|applied| (1..self.first_size).contains(applied))
            .unwrap_or(self.first_size);
        (wanted, page_size)
    }

    /// Drops the keys already handed out, then those beyond `max`; says how many were new.
    fn keep_new<K: KeyId>(&mut self, items: &mut Vec<K>) -> usize {
        let seen = &mut self.seen;
        items.retain(|k| seen.insert(k.key_id().to_owned()));
        let new = items.len();
        items.truncate(self.left);
        self.left -= items.len();
        new
    }
}

/// Splits a create response into its metadata and the raw key.
fn take_api_key(body: &mut [u8]) -> Result<(CreatedKeyMeta, SecretString), String> {
    let mut value: Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON ({})", e.classify_name()))?;
    let api_key = match value.get_mut("api_key").map(Value::take) {
        Some(Value::String(raw)) if !raw.is_empty() => SecretString::from(raw),
        _ => return Err("the answer has no api_key".into()),
    };
    // Not `e.to_string()`: serde quotes the offending value, and no field of this body is quoted.
    let meta: CreatedKeyMeta = serde_json::from_value(value)
        .map_err(|e| format!("unexpected shape ({})", e.classify_name()))?;
    // The ID names files (the recovery file, the journal): an answer whose ID is not a key ID
    // (a path, the secret itself) is not trusted with either.
    if !is_key_id(&meta.secret.id) {
        return Err("the new key's id is not a key ID (secret_ and letters and digits)".into());
    }
    Ok((meta, api_key))
}

/// What `POST /auth/login` answers: a JWT for the user, which acts in the whole tenant (it holds
/// no environment).
pub struct LoginToken {
    pub token: SecretString,
    pub user_id: String,
}

fn take_token(body: &mut [u8]) -> Result<LoginToken, String> {
    let mut value: Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON ({})", e.classify_name()))?;
    let token = match value.get_mut("token").map(Value::take) {
        Some(Value::String(raw)) if !raw.is_empty() => SecretString::from(raw),
        _ => return Err("the answer has no token".into()),
    };
    // From now on, any text the server sends may quote the token.
    crate::redact::register(&token);
    let user_id = value
        .get("user_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Ok(LoginToken { token, user_id })
}

/// Overwrites a buffer that held a secret before it is freed.
fn zero(buffer: &mut [u8]) {
    buffer.iter_mut().for_each(|b| *b = 0);
}

/// serde_json's error category as a word, without the message (which may quote the input).
trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn the_raw_key_is_split_from_the_metadata() {
        let mut body = br#"{"secret":{"id":"secret_1","name":"n","type":"private_key","display_id":"sk_01***7Q",
            "status":"published","created_at":"2026-01-01T00:00:00Z"},"api_key":"sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q"}"#
            .to_vec();
        let (meta, key) = take_api_key(&mut body).expect("decodes");
        assert_eq!(meta.secret.id, "secret_1");
        assert_eq!(key.expose_secret(), "sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q");
    }

    #[test]
    fn a_malformed_create_answer_never_quotes_the_key() {
        let canary = "sk_CANARYCANARYCANARYCANARY00";
        let mut truncated = format!(r#"{{"api_key":"{canary}","secret":{{"id":"#).into_bytes();
        let err = take_api_key(&mut truncated).err().unwrap();
        assert!(!err.contains(canary), "{err}");
        let mut wrong = format!(r#"{{"api_key":"{canary}","secret":"{canary}"}}"#).into_bytes();
        let err = take_api_key(&mut wrong).err().unwrap();
        assert!(!err.contains(canary), "{err}");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const CANARY: &str = "sk_CANARYCANARYCANARYCANARY00";

        proptest! {
            /// Whatever bytes a broken server sends, decoding a create answer never panics and
            /// never quotes the key.
            #[test]
            fn create_answers_never_leak_the_key(prefix in "\\PC{0,30}", suffix in "\\PC{0,60}") {
                let mut body = format!(r#"{prefix}{{"api_key":"{CANARY}",{suffix}"#).into_bytes();
                if let Err(err) = take_api_key(&mut body) {
                    prop_assert!(!err.contains(CANARY), "{}", err);
                }
            }

            #[test]
            fn arbitrary_json_never_panics_the_decoders(json in any_json()) {
                let text = json.to_string();
                let _ = serde_json::from_str::<crate::api::models::Page<ApiKey>>(&text);
                let _ = serde_json::from_str::<crate::api::models::User>(&text);
                let _ = serde_json::from_str::<crate::api::models::RolesEnvelope>(&text);
                let _ = crate::api::error::parse_error_body(text.as_bytes());
                let mut bytes = text.into_bytes();
                let _ = take_api_key(&mut bytes);
            }
        }

        fn any_json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                "\\PC{0,12}".prop_map(Value::String),
                Just(Value::String("2026-01-01T00:00:00Z".into())),
            ];
            leaf.prop_recursive(4, 32, 6, |inner| {
                let keys = prop::sample::select(vec![
                    "items",
                    "pagination",
                    "total",
                    "id",
                    "name",
                    "type",
                    "display_id",
                    "created_at",
                    "expires_at",
                    "roles",
                    "status",
                    "api_key",
                    "secret",
                    "message",
                    "error",
                    "code",
                ]);
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::vec((keys, inner), 0..6).prop_map(|kv| Value::Object(
                        kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                    )),
                ]
            })
        }
    }
}
