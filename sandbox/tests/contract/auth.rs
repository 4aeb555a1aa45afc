//! Credential resolution (§4.1), environment resolution (§4.2) and the login endpoint (§3.13).

use flexprice_sandbox::SeedKey;
use jiff::{SignedDuration, Timestamp};
use reqwest::Method;
use serde_json::json;

use crate::{Cred, T, env_denied, exact, std_error};

fn unauthorized(msg: &str) -> serde_json::Value {
    json!({ "error": msg })
}

#[tokio::test]
async fn config_key_is_super_admin_without_environment() {
    let t = T::new();
    let key = t.sb.tenant_key().to_owned();
    // Discovery routes run without an environment.
    let me = t.get("/users/me", &key).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["id"], t.sb.admin_user_id());
    // Env-scoped routes need X-Environment-ID.
    exact(&t.get("/secrets/api/keys", &key).await, 403, env_denied());
    exact(&t.get("/rbac/roles", &key).await, 403, env_denied());
    let ok = t
        .send(
            t.request(Method::GET, "/secrets/api/keys", Cred::Key(&key))
                .header("X-Environment-ID", t.sb.sandbox_environment_id()),
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["pagination"]["total"], 1);
    let prod = t
        .send(
            t.request(Method::GET, "/secrets/api/keys", Cred::Key(&key))
                .header("X-Environment-ID", t.sb.production_environment_id()),
        )
        .await;
    assert_eq!(prod.json()["pagination"]["total"], 0);
    for bad in ["env_nope", "00000000-0000-0000-0000-000000000002"] {
        let r = t
            .send(
                t.request(Method::GET, "/secrets/api/keys", Cred::Key(&key))
                    .header("X-Environment-ID", bad),
            )
            .await;
        exact(&r, 403, env_denied());
    }
    // A key minted with a config key belongs to the mapped user and to the header's env.
    let r = t
        .send(
            t.request(Method::POST, "/secrets/api/keys", Cred::Key(&key))
                .header("X-Environment-ID", t.sb.production_environment_id())
                .json(&json!({"name": "from-config", "type": "private_key"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json()["secret"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let rec = t.sb.key(&id).expect("row");
    assert_eq!(rec.environment_id, t.sb.production_environment_id());
    assert_eq!(rec.user_id, t.sb.admin_user_id());
    assert_eq!(rec.user_type, "user");
}

#[tokio::test]
async fn db_key_is_bound_to_its_environment() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let r = t
        .send(
            t.request(Method::POST, "/secrets/api/keys", Cred::Key(&admin))
                .header("X-Environment-ID", t.sb.production_environment_id())
                .json(&json!({"name": "x", "type": "private_key"})),
        )
        .await;
    assert_eq!(r.status, 201);
    let id = r.json()["secret"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        t.sb.key(&id).map(|k| k.environment_id).as_deref(),
        Some(t.sb.sandbox_environment_id())
    );
    // Even a bogus header is ignored for DB keys.
    let r = t
        .send(
            t.request(Method::GET, "/secrets/api/keys", Cred::Key(&admin))
                .header("X-Environment-ID", "nope"),
        )
        .await;
    assert_eq!(r.status, 200);
    // A production key lists production only.
    let prod = t.sb.seed_key(SeedKey {
        environment_id: Some(t.sb.production_environment_id().to_owned()),
        ..Default::default()
    });
    let r = t.get("/secrets/api/keys", &prod.raw_key).await;
    let items = r.json()["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], prod.id.as_str());
}

#[tokio::test]
async fn bad_keys_are_401_unauthorized() {
    let t = T::new();
    let expired = t.sb.seed_key(SeedKey {
        expires_at: Some(t.sb.now() - SignedDuration::from_secs(1)),
        ..Default::default()
    });
    let publishable = t.sb.seed_key(SeedKey {
        publishable: true,
        ..Default::default()
    });
    let revoked = t.sb.seed_key(SeedKey::default());
    let admin = t.sb.admin_key().to_owned();
    assert_eq!(
        t.delete(&format!("/secrets/api/keys/{}", revoked.id), &admin)
            .await
            .status,
        204
    );
    for key in [
        "sk_01K3ZQ9W5G2H7N4M8P6R1T3V7Q",
        expired.raw_key.as_str(),
        publishable.raw_key.as_str(),
        revoked.raw_key.as_str(),
        &admin[..admin.len() - 1],
    ] {
        exact(
            &t.get("/users/me", key).await,
            401,
            unauthorized("Unauthorized"),
        );
    }
    exact(
        &t.send(t.request(Method::GET, "/users/me", Cred::None))
            .await,
        401,
        unauthorized("Unauthorized"),
    );
    // An empty x-api-key counts as missing.
    exact(
        &t.get("/users/me", "").await,
        401,
        unauthorized("Unauthorized"),
    );
}

#[tokio::test]
async fn authorization_header_shapes() {
    let t = T::new();
    for raw in ["Basic abc", "Bearer", "bearer abc", "Token x y"] {
        exact(
            &t.send(t.request(Method::GET, "/users/me", Cred::Raw(raw)))
                .await,
            401,
            unauthorized("Invalid authorization header format"),
        );
    }
    exact(
        &t.send(t.request(Method::GET, "/users/me", Cred::Bearer("not.a.jwt")))
            .await,
        401,
        unauthorized("Invalid token"),
    );
    // A token for a user that does not exist.
    let ghost = t.sb.jwt_for("user_ghost");
    exact(
        &t.send(t.request(Method::GET, "/users/me", Cred::Bearer(&ghost)))
            .await,
        401,
        unauthorized("Unauthorized"),
    );
    // A wrong API key falls back to a valid JWT; a valid API key wins over a bad JWT.
    let jwt = t.sb.jwt_for(t.sb.admin_user_id());
    let r = t
        .send(
            t.request(Method::GET, "/users/me", Cred::Bearer(&jwt))
                .header("x-api-key", "sk_wrong"),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = t
        .send(
            t.request(Method::GET, "/users/me", Cred::Raw("Bearer junk"))
                .header("x-api-key", t.sb.admin_key()),
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn login_issues_a_jwt_that_needs_an_environment_header() {
    let t = T::new();
    let r = t
        .send(
            t.request(Method::POST, "/auth/login", Cred::None)
                .json(&json!({"email": t.sb.admin_email(), "password": t.sb.admin_password()})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["user_id"], t.sb.admin_user_id());
    assert_eq!(v["tenant_id"], t.sb.tenant_id());
    let token = v["token"].as_str().expect("token").to_owned();
    assert_eq!(token.split('.').count(), 3);

    let me = t
        .send(t.request(Method::GET, "/users/me", Cred::Bearer(&token)))
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["email"], t.sb.admin_email());
    exact(
        &t.send(t.request(Method::GET, "/secrets/api/keys", Cred::Bearer(&token)))
            .await,
        403,
        env_denied(),
    );
    let r = t
        .send(
            t.request(Method::GET, "/secrets/api/keys", Cred::Bearer(&token))
                .header("X-Environment-ID", t.sb.sandbox_environment_id()),
        )
        .await;
    assert_eq!(r.status, 200);

    // exp is 30 days out, checked against the sandbox clock.
    t.sb.set_now(Timestamp::now() + SignedDuration::from_hours(24 * 31));
    exact(
        &t.send(t.request(Method::GET, "/users/me", Cred::Bearer(&token)))
            .await,
        401,
        unauthorized("Invalid token"),
    );
    t.sb.clear_now();

    let wrong = t
        .send(
            t.request(Method::POST, "/auth/login", Cred::None)
                .json(&json!({"email": t.sb.admin_email(), "password": "wrong-password"})),
        )
        .await;
    let v = std_error(
        &wrong,
        403,
        "permission_denied",
        "Invalid email or password",
    );
    assert!(v.get("details").is_none());
}

#[tokio::test]
async fn archived_service_account_jwt_is_refused() {
    let t = T::new();
    let id = t.sb.seed_service_account("bot", &["event_ingestor"]);
    let jwt = t.sb.jwt_for(&id);
    assert_eq!(
        t.send(t.request(Method::GET, "/users/me", Cred::Bearer(&jwt)))
            .await
            .status,
        200
    );
    let r = t.delete(&format!("/users/{id}"), t.sb.admin_key()).await;
    assert_eq!(r.status, 204, "{}", r.text);
    exact(
        &t.send(t.request(Method::GET, "/users/me", Cred::Bearer(&jwt)))
            .await,
        401,
        unauthorized("Unauthorized"),
    );
}

#[tokio::test]
async fn revocation_cache_is_on_by_default_and_keeps_a_used_key_alive_for_120_s() {
    // The default options: the real server's cache (§11 #1).
    let t = T::new();
    assert_eq!(
        flexprice_sandbox::SandboxOptions::default().revocation_delay,
        std::time::Duration::from_secs(120)
    );
    let admin = t.sb.admin_key().to_owned();
    let start = Timestamp::now();
    t.sb.set_now(start);
    let used = t.sb.seed_key(SeedKey::default());
    let unused = t.sb.seed_key(SeedKey::default());
    let short = t.sb.seed_key(SeedKey {
        expires_at: Some(start + SignedDuration::from_secs(30)),
        ..Default::default()
    });
    assert_eq!(t.get("/users/me", &used.raw_key).await.status, 200);
    assert_eq!(t.get("/users/me", &short.raw_key).await.status, 200);
    for k in [&used, &unused, &short] {
        assert_eq!(
            t.delete(&format!("/secrets/api/keys/{}", k.id), &admin)
                .await
                .status,
            204
        );
    }
    assert_eq!(
        t.sb.key(&used.id).map(|k| k.status).as_deref(),
        Some("deleted")
    );
    // Never verified: nothing cached, refused at once.
    assert_eq!(t.get("/users/me", &unused.raw_key).await.status, 401);
    // Verified: the cached copy still authenticates, on every route, for its full roles.
    t.sb.set_now(start + SignedDuration::from_secs(60));
    assert_eq!(t.get("/users/me", &used.raw_key).await.status, 200);
    assert_eq!(t.get("/secrets/api/keys", &used.raw_key).await.status, 200);
    // Using it again does not extend the entry: it lives 120 s from the verification.
    t.sb.set_now(start + SignedDuration::from_secs(119));
    assert_eq!(t.get("/users/me", &used.raw_key).await.status, 200);
    // Expiry is still checked on the cached copy.
    assert_eq!(t.get("/users/me", &short.raw_key).await.status, 401);
    t.sb.set_now(start + SignedDuration::from_secs(120));
    exact(
        &t.get("/users/me", &used.raw_key).await,
        401,
        unauthorized("Unauthorized"),
    );
}

#[tokio::test]
async fn a_live_key_is_verified_again_once_its_cache_entry_expires() {
    let t = T::new();
    let start = Timestamp::now();
    t.sb.set_now(start);
    let k = t.sb.seed_key(SeedKey::default());
    assert_eq!(t.get("/users/me", &k.raw_key).await.status, 200);
    // Past the first entry: verified from the database again, which starts a new entry.
    t.sb.set_now(start + SignedDuration::from_secs(200));
    assert_eq!(t.get("/users/me", &k.raw_key).await.status, 200);
    let r = t
        .delete(&format!("/secrets/api/keys/{}", k.id), t.sb.admin_key())
        .await;
    assert_eq!(r.status, 204);
    t.sb.set_now(start + SignedDuration::from_secs(319));
    assert_eq!(t.get("/users/me", &k.raw_key).await.status, 200);
    t.sb.set_now(start + SignedDuration::from_secs(320));
    assert_eq!(t.get("/users/me", &k.raw_key).await.status, 401);
}

#[tokio::test]
async fn revocation_is_immediate_without_the_cache() {
    let t = T::with_immediate_revocation();
    let k = t.sb.seed_key(SeedKey::default());
    assert_eq!(t.get("/users/me", &k.raw_key).await.status, 200);
    let r = t
        .delete(&format!("/secrets/api/keys/{}", k.id), t.sb.admin_key())
        .await;
    assert_eq!(r.status, 204);
    exact(
        &t.get("/users/me", &k.raw_key).await,
        401,
        unauthorized("Unauthorized"),
    );
}

#[tokio::test]
async fn expiry_follows_the_sandbox_clock() {
    let t = T::new();
    let now = t.sb.now();
    let k = t.sb.seed_key(SeedKey {
        expires_at: Some(now + SignedDuration::from_hours(1)),
        ..Default::default()
    });
    assert_eq!(t.get("/users/me", &k.raw_key).await.status, 200);
    t.sb.set_now(now + SignedDuration::from_hours(2));
    assert_eq!(t.get("/users/me", &k.raw_key).await.status, 401);
    t.sb.clear_now();
    assert_eq!(t.get("/users/me", &k.raw_key).await.status, 200);
}

/// A key seeded with a chosen ID (another server's key's, for tests of two profiles) is that
/// key in every way: listed, authenticating and revoked by that ID. Its ID and secret are minted
/// at its `created_at`, as the server's are when a key is made.
#[tokio::test]
async fn a_key_seeded_with_a_chosen_id_is_listed_used_and_revoked_by_it() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let chosen = "secret_01JZ8Q4V7W2X5Y9Z3A6B1C4D7E".to_string();
    let made = Timestamp::now() - SignedDuration::from_hours(24 * 100);
    let seeded = t.sb.seed_key(SeedKey {
        id: Some(chosen.clone()),
        created_at: Some(made),
        ..Default::default()
    });
    assert_eq!(seeded.id, chosen);
    let listed = t.get("/secrets/api/keys", &admin).await.json();
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|k| k["id"].as_str())
        .collect();
    assert!(ids.contains(&chosen.as_str()), "{ids:?}");
    assert_eq!(t.get("/users/me", &seeded.raw_key).await.status, 200);
    let minted = ulid::Ulid::from_string(&seeded.raw_key["sk_".len()..]).expect("a ULID");
    assert_eq!(
        i64::try_from(minted.timestamp_ms()).unwrap(),
        made.as_millisecond()
    );
    assert_eq!(
        t.delete(&format!("/secrets/api/keys/{chosen}"), &admin)
            .await
            .status,
        204
    );
    assert_eq!(
        t.sb.key(&chosen).map(|k| k.status).as_deref(),
        Some("deleted")
    );
}
