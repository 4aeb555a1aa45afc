//! `/v1/secrets/api/keys` (§3.1–3.3, §7): key format, validation, snapshots, list scoping, sort and
//! pagination quirks, soft delete.

use flexprice_sandbox::{SandboxOptions, SeedKey};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::{T, std_error};

fn is_crockford(s: &str) -> bool {
    s.len() == 26
        && s.chars()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c)))
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

fn ids(v: &Value) -> Vec<String> {
    items(v)
        .iter()
        .map(|i| i["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn create_returns_the_key_once_in_the_documented_shape() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    // A future expiry derived from now, in whole seconds.
    let now = Timestamp::now().as_second();
    let expires_at = Timestamp::from_second(now + 90 * 86_400)
        .unwrap()
        .to_string();
    let r = t
        .post(
            "/secrets/api/keys",
            &admin,
            json!({"name": "ci", "type": "private_key", "expires_at": expires_at, "unknown": 1}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v = r.json();
    let raw = v["api_key"].as_str().expect("api_key");
    assert_eq!(raw.len(), 29);
    assert!(raw.starts_with("sk_") && is_crockford(&raw[3..]), "{raw}");
    let s = &v["secret"];
    let id = s["id"].as_str().expect("id");
    assert!(id.starts_with("secret_") && is_crockford(&id[7..]), "{id}");
    assert_eq!(
        s["display_id"],
        format!("{}***{}", &raw[..5], &raw[raw.len() - 2..])
    );
    assert_eq!(s["name"], "ci");
    assert_eq!(s["type"], "private_key");
    assert_eq!(s["provider"], "flexprice");
    assert_eq!(s["status"], "published");
    assert_eq!(s["roles"], json!(["super_admin"]));
    assert_eq!(s["user_type"], "user");
    assert_eq!(s["user_id"], t.sb.admin_user_id());
    assert_eq!(s["expires_at"], expires_at.as_str());
    for absent in [
        "service_account_name",
        "last_used_at",
        "environment_id",
        "tenant_id",
        "value",
    ] {
        assert!(s.get(absent).is_none(), "{absent} must be absent");
    }
    let created = s["created_at"].as_str().expect("created_at");
    assert!(created.ends_with('Z'));
    assert!(created.parse::<Timestamp>().is_ok());
    assert_eq!(s["updated_at"], created);
    // The new key works, and the raw key is not kept anywhere the sandbox exposes.
    assert_eq!(t.get("/users/me", raw).await.status, 200);
    let rec = t.sb.key(id).expect("row");
    assert_eq!(rec.environment_id, t.sb.sandbox_environment_id());
    assert!(!format!("{rec:?}").contains(raw));
}

#[tokio::test]
async fn create_validation() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let bind = "Please check the request payload";
    for body in [
        json!({"type": "private_key"}),
        json!({"name": "", "type": "private_key"}),
        json!({"name": "x"}),
        json!({"name": 5, "type": "private_key"}),
        json!({"name": "x", "type": "private_key", "expires_at": "tomorrow"}),
        json!({"name": "x", "type": "private_key", "expires_at": ""}),
    ] {
        let r = t.post("/secrets/api/keys", &admin, body).await;
        let v = std_error(&r, 400, "validation_error", bind);
        assert!(v.get("details").is_none());
    }
    let r = t
        .send(
            t.request(
                reqwest::Method::POST,
                "/secrets/api/keys",
                crate::Cred::Key(&admin),
            )
            .body("not json"),
        )
        .await;
    std_error(&r, 400, "validation_error", bind);
    for ty in ["integration", "PRIVATE_KEY", "secret"] {
        let r = t
            .post(
                "/secrets/api/keys",
                &admin,
                json!({"name": "x", "type": ty}),
            )
            .await;
        std_error(&r, 400, "validation_error", "Invalid secret type");
    }
    // Duplicate names are fine; a past expiry creates an unusable key.
    t.create_key(&admin, "dup").await;
    t.create_key(&admin, "dup").await;
    let r = t
        .post(
            "/secrets/api/keys",
            &admin,
            json!({"name": "past", "type": "private_key", "expires_at": "2001-01-01T00:00:00+02:00"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let v = r.json();
    assert_eq!(v["secret"]["expires_at"], "2000-12-31T22:00:00Z");
    let raw = v["api_key"].as_str().unwrap_or_default();
    assert_eq!(t.get("/users/me", raw).await.status, 401);
}

#[tokio::test]
async fn publishable_keys_are_created_but_never_listed_or_accepted() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let r = t
        .post(
            "/secrets/api/keys",
            &admin,
            json!({"name": "web", "type": "publishable_key"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let v = r.json();
    let raw = v["api_key"].as_str().unwrap_or_default();
    assert!(raw.starts_with("pk_") && raw.len() == 29);
    assert_eq!(v["secret"]["type"], "publishable_key");
    let id = v["secret"]["id"].as_str().unwrap_or_default().to_owned();
    let list = t.get("/secrets/api/keys", &admin).await.json();
    assert!(!ids(&list).contains(&id));
    assert_eq!(t.get("/users/me", raw).await.status, 401);
    // But DELETE by ID finds it.
    assert_eq!(
        t.delete(&format!("/secrets/api/keys/{id}"), &admin)
            .await
            .status,
        204
    );
    assert_eq!(t.sb.key(&id).map(|k| k.status).as_deref(), Some("deleted"));
}

#[tokio::test]
async fn service_account_keys() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let sa = t.sb.seed_service_account("ingest-bot", &["event_ingestor"]);
    let r = t
        .post(
            "/secrets/api/keys",
            &admin,
            json!({"name": "ingest", "type": "private_key", "service_account_id": sa}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v = r.json();
    assert_eq!(v["secret"]["user_id"], sa.as_str());
    assert_eq!(v["secret"]["user_type"], "service_account");
    assert_eq!(v["secret"]["roles"], json!(["event_ingestor"]));
    assert!(v["secret"].get("service_account_name").is_none());
    // Listing fills service_account_name.
    let list = t.get("/secrets/api/keys", &admin).await.json();
    let item = items(&list)
        .into_iter()
        .find(|i| i["user_id"] == sa.as_str())
        .expect("listed");
    assert_eq!(item["service_account_name"], "ingest-bot");
    let admin_item = items(&list)
        .into_iter()
        .find(|i| i["user_id"] == t.sb.admin_user_id())
        .expect("admin key listed");
    assert!(admin_item.get("service_account_name").is_none());

    let r = t
        .post(
            "/secrets/api/keys",
            &admin,
            json!({"name": "x", "type": "private_key", "service_account_id": "user_nope"}),
        )
        .await;
    let v = std_error(&r, 404, "not_found", "User not found");
    assert_eq!(
        v["details"],
        json!({"user_id": "user_nope", "tenant_id": t.sb.tenant_id()})
    );
    let r = t
        .post(
            "/secrets/api/keys",
            &admin,
            json!({"name": "x", "type": "private_key", "service_account_id": t.sb.admin_user_id()}),
        )
        .await;
    let v = std_error(
        &r,
        400,
        "validation_error",
        "Only service account user IDs can be explicitly provided",
    );
    assert_eq!(
        v["details"],
        json!({"user_id": t.sb.admin_user_id(), "user_type": "user"})
    );
    // A service account holding super_admin is not a super_admin *user*.
    let (_, sa_admin_key) = t.service_account_with_key("root-bot", &["super_admin"]);
    let r = t
        .post(
            "/secrets/api/keys",
            &sa_admin_key,
            json!({"name": "x", "type": "private_key", "service_account_id": sa}),
        )
        .await;
    std_error(
        &r,
        403,
        "permission_denied",
        "Ask a tenant super_admin to mint or rotate service-account API keys",
    );
    // The tenant config key is a super_admin user (empty user type) and may.
    let r = t
        .send(
            t.request(
                reqwest::Method::POST,
                "/secrets/api/keys",
                crate::Cred::Key(t.sb.tenant_key()),
            )
            .header("X-Environment-ID", t.sb.sandbox_environment_id())
            .json(&json!({"name": "y", "type": "private_key", "service_account_id": sa})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // An archived account can still get a key (status is not checked).
    let gone = t.sb.seed_service_account("gone", &["event_reader"]);
    assert_eq!(
        t.delete(&format!("/users/{gone}"), &admin).await.status,
        204
    );
    let r = t
        .post(
            "/secrets/api/keys",
            &admin,
            json!({"name": "z", "type": "private_key", "service_account_id": gone}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn roles_are_a_snapshot_taken_at_creation() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let (user, _) = t.user_with_key("reader", &["all_reader"]);
    let k = t.sb.seed_key(SeedKey {
        owner_user_id: Some(user.clone()),
        ..Default::default()
    });
    assert_eq!(
        t.sb.key(&k.id).map(|r| r.roles),
        Some(vec!["all_reader".to_owned()])
    );
    // Revoke the user's keys, change the role, and the old (deleted) rows keep the old roles.
    for rec in t.sb.keys().into_iter().filter(|r| r.user_id == user) {
        t.delete(&format!("/secrets/api/keys/{}", rec.id), &admin)
            .await;
    }
    let r = t
        .put(
            &format!("/users/{user}/roles"),
            &admin,
            json!({"roles": ["all_writer"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        t.sb.key(&k.id).map(|r| r.roles),
        Some(vec!["all_reader".to_owned()])
    );
    let fresh = t.sb.seed_key(SeedKey {
        owner_user_id: Some(user),
        ..Default::default()
    });
    assert_eq!(
        t.sb.key(&fresh.id).map(|r| r.roles),
        Some(vec!["all_writer".to_owned()])
    );
}

#[tokio::test]
async fn list_scoping() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let (sa, sa_key) = t.service_account_with_key("bot", &["super_admin"]);
    let (reader, reader_key) = t.user_with_key("reader", &["all_reader"]);
    let expired = t.sb.seed_key(SeedKey {
        name: "old".into(),
        expires_at: Some(Timestamp::now() - SignedDuration::from_hours(1)),
        ..Default::default()
    });
    let deleted = t.sb.seed_key(SeedKey::default());
    t.delete(&format!("/secrets/api/keys/{}", deleted.id), &admin)
        .await;
    t.sb.seed_key(SeedKey {
        publishable: true,
        ..Default::default()
    });
    let prod = t.sb.seed_key(SeedKey {
        environment_id: Some(t.sb.production_environment_id().into()),
        ..Default::default()
    });

    let all = t.get("/secrets/api/keys?limit=0", &admin).await.json();
    let all_ids = ids(&all);
    assert_eq!(all["pagination"]["total"], 4, "admin, bot, reader, expired");
    assert!(all_ids.contains(&expired.id));
    assert!(!all_ids.contains(&deleted.id));
    assert!(!all_ids.contains(&prod.id));
    assert!(items(&all).iter().all(|i| i["status"] == "published"));

    // user_id is honoured for a super_admin user...
    let only_bot = t
        .get(&format!("/secrets/api/keys?user_id={sa}"), &admin)
        .await
        .json();
    assert_eq!(only_bot["pagination"]["total"], 1);
    assert_eq!(items(&only_bot)[0]["user_id"], sa.as_str());
    // ...and ignored for everyone else, service accounts with super_admin included.
    for (key, me) in [(&sa_key, &sa), (&reader_key, &reader)] {
        let v = t
            .get(
                &format!("/secrets/api/keys?user_id={}", t.sb.admin_user_id()),
                key,
            )
            .await
            .json();
        assert_eq!(v["pagination"]["total"], 1);
        assert_eq!(items(&v)[0]["user_id"], me.as_str());
    }
    // status/type filters are ignored.
    let v = t
        .get(
            "/secrets/api/keys?status=deleted&type=publishable_key",
            &admin,
        )
        .await
        .json();
    assert_eq!(v["pagination"]["total"], 4);
}

#[tokio::test]
async fn sort_order_and_pagination_quirks() {
    let t = T::with(SandboxOptions {
        seed_keys: 5,
        ..Default::default()
    });
    let admin = t.sb.admin_key().to_owned();
    // Seeded bench keys are 1..5 s older than the admin key, in order.
    let desc = t.get("/secrets/api/keys", &admin).await.json();
    let names: Vec<String> = items(&desc)
        .iter()
        .map(|i| i["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "admin",
            "bench-key-00000",
            "bench-key-00001",
            "bench-key-00002",
            "bench-key-00003",
            "bench-key-00004"
        ]
    );
    assert_eq!(
        desc["pagination"],
        json!({"total": 6, "limit": 50, "offset": 50})
    );
    for order in ["asc", "DESC", "whatever"] {
        let v = t
            .get(&format!("/secrets/api/keys?order={order}"), &admin)
            .await
            .json();
        let mut rev = ids(&desc);
        rev.reverse();
        assert_eq!(ids(&v), rev, "order={order} sorts ascending");
    }
    let by_name = t
        .get("/secrets/api/keys?sort=name&order=asc", &admin)
        .await
        .json();
    assert_eq!(items(&by_name)[0]["name"], "admin");
    assert_eq!(items(&by_name)[5]["name"], "bench-key-00004");
    // An unknown column gives no ORDER BY at all (insertion order here).
    let none = t.get("/secrets/api/keys?sort=bogus", &admin).await.json();
    assert_eq!(items(&none)[0]["name"], "admin");
    assert_eq!(items(&none)[1]["name"], "bench-key-00000");

    let page = t
        .get("/secrets/api/keys?limit=2&offset=2", &admin)
        .await
        .json();
    assert_eq!(ids(&page), ids(&desc)[2..4].to_vec());
    assert_eq!(
        page["pagination"],
        json!({"total": 6, "limit": 2, "offset": 4})
    );
    for limit in ["0", "-1"] {
        let v = t
            .get(&format!("/secrets/api/keys?limit={limit}&offset=3"), &admin)
            .await
            .json();
        assert_eq!(items(&v).len(), 6, "limit={limit} returns every row");
    }
    let r = t.get("/secrets/api/keys?limit=abc", &admin).await;
    std_error(
        &r,
        400,
        "validation_error",
        "Please check the query parameters",
    );
    let r = t
        .get("/secrets/api/keys?start_time=yesterday", &admin)
        .await;
    std_error(
        &r,
        400,
        "validation_error",
        "Please check the query parameters",
    );

    // created_at window
    let admin_created = items(&desc)[0]["created_at"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let v = t
        .get(
            &format!("/secrets/api/keys?start_time={admin_created}"),
            &admin,
        )
        .await
        .json();
    assert_eq!(v["pagination"]["total"], 1);
    let v = t
        .get(
            &format!("/secrets/api/keys?end_time={admin_created}&limit=1"),
            &admin,
        )
        .await
        .json();
    assert_eq!(v["pagination"]["total"], 6);
}

#[tokio::test]
async fn delete_is_an_idempotent_soft_delete() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let (id, raw) = t.create_key(&admin, "temp").await;
    for _ in 0..2 {
        let r = t.delete(&format!("/secrets/api/keys/{id}"), &admin).await;
        assert_eq!(r.status, 204);
        assert!(r.text.is_empty());
    }
    let rec = t.sb.key(&id).expect("row is kept");
    assert_eq!(rec.status, "deleted");
    assert_eq!(t.get("/users/me", &raw).await.status, 401);

    let r = t.delete("/secrets/api/keys/secret_nope", &admin).await;
    let v = std_error(&r, 404, "not_found", "Secret not found");
    assert_eq!(v["details"], json!({"secret_id": "secret_nope"}));
    // Another environment's key is not found from here.
    let prod = t.sb.seed_key(SeedKey {
        environment_id: Some(t.sb.production_environment_id().into()),
        ..Default::default()
    });
    let r = t
        .delete(&format!("/secrets/api/keys/{}", prod.id), &admin)
        .await;
    std_error(&r, 404, "not_found", "Secret not found");
}

#[tokio::test]
async fn delete_someone_elses_key_needs_a_super_admin_user() {
    let t = T::new();
    let (_, writer_key) = t.user_with_key("writer", &["all_writer"]);
    let (_, bot_key) = t.service_account_with_key("bot", &["super_admin"]);
    let admin_key_id = t.sb.keys()[0].id.clone();
    for key in [&writer_key, &bot_key] {
        let r = t
            .delete(&format!("/secrets/api/keys/{admin_key_id}"), key)
            .await;
        std_error(
            &r,
            403,
            "permission_denied",
            "Ask a tenant super_admin to revoke this API key",
        );
    }
    // Own keys are fine.
    let (own, _) = t.create_key(&writer_key, "mine").await;
    assert_eq!(
        t.delete(&format!("/secrets/api/keys/{own}"), &writer_key)
            .await
            .status,
        204
    );
    // A super_admin user deletes anyone's.
    let writer_seed =
        t.sb.keys()
            .into_iter()
            .find(|k| k.name == "writer-key")
            .expect("seeded");
    assert_eq!(
        t.delete(
            &format!("/secrets/api/keys/{}", writer_seed.id),
            t.sb.admin_key()
        )
        .await
        .status,
        204
    );
}

#[tokio::test]
async fn bulk_seed_lists_in_one_request() {
    let t = T::with(SandboxOptions {
        seed_keys: 10_000,
        seed_service_accounts: 100,
        ..Default::default()
    });
    let admin = t.sb.admin_key().to_owned();
    let v = t.get("/secrets/api/keys?limit=0", &admin).await.json();
    let all = items(&v);
    assert_eq!(all.len(), 10_001);
    assert_eq!(v["pagination"]["total"], 10_001);
    assert_eq!(all[1]["name"], "bench-key-00000");
    assert_eq!(all[1]["user_type"], "service_account");
    assert_eq!(all[1]["roles"], json!(["event_ingestor"]));
    assert_eq!(all[1]["service_account_name"], "bench-sa-00000");
    // Distinct created_at, newest first.
    let stamps: Vec<Timestamp> = all
        .iter()
        .filter_map(|i| i["created_at"].as_str()?.parse().ok())
        .collect();
    assert_eq!(stamps.len(), 10_001);
    assert!(stamps.windows(2).all(|w| w[0] > w[1]));
    let sas = t
        .post(
            "/users/search",
            &admin,
            json!({"limit": 1000, "type": "service_account"}),
        )
        .await
        .json();
    assert_eq!(sas["pagination"]["total"], 100);
}
