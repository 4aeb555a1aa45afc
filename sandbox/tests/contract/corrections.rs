//! The corrections of `flexprice-api.md` §11, one test per row, each checking the real server's
//! status, message and details. Row 1 (the revocation cache) is in `auth.rs`; rows 9 and 10 are in
//! `users.rs` (`rename_service_account`, `update_user_roles`), row 11's list checks there too, and
//! row 15's service-account path in `keys.rs` (`service_account_keys`). The last test covers the
//! upstream change flexprice/flexprice#2573 behind its option.

use flexprice_sandbox::{SandboxOptions, SeedKey};
use jiff::{SignedDuration, Timestamp};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{Cred, T, env_denied, exact, std_error};

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts the 500 `database_error` of a repository and returns its details.
fn database_error(r: &crate::Resp, message: &str) -> Value {
    let v = std_error(r, 500, "database_error", message);
    v["details"].clone()
}

#[tokio::test]
async fn s11_02_names_over_255_characters_are_a_database_error() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let long = "n".repeat(256);
    // varchar(255) counts characters, not bytes.
    let wide = "é".repeat(255);
    let sa =
        |name: &str| json!({"type": "service_account", "name": name, "roles": ["event_reader"]});
    let r = t.post("/users", &admin, sa(&wide)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let d = database_error(
        &t.post("/users", &admin, sa(&long)).await,
        "Failed to create user",
    );
    assert!(
        d["user_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("user_"))
    );
    assert_eq!(d["email"], "");
    assert_eq!(d["tenant_id"], t.sb.tenant_id());
    let v = t
        .post("/users/search", &admin, json!({"limit": 50}))
        .await
        .json();
    assert_eq!(v["pagination"]["total"], 1, "the long name created nothing");

    let bot = t.sb.seed_service_account("bot", &["event_reader"]);
    let d = database_error(
        &t.put(&format!("/users/{bot}"), &admin, json!({ "name": long }))
            .await,
        "Failed to update user",
    );
    assert_eq!(d, json!({"user_id": bot, "tenant_id": t.sb.tenant_id()}));
    let d = database_error(
        &t.put("/users/me", &admin, json!({ "name": long })).await,
        "Failed to update user",
    );
    assert_eq!(
        d,
        json!({"user_id": t.sb.admin_user_id(), "tenant_id": t.sb.tenant_id()})
    );
    // The invite path never stores a name, so a long one passes.
    let r = t
        .post(
            "/users",
            &admin,
            json!({"type": "user", "email": "long@example.com", "name": long}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // `secrets.name` is an unbounded `character varying` in the schema (ent adds no length), so a
    // long key name is stored; a client limits key names for its own reasons.
    let r = t
        .post(
            "/secrets/api/keys",
            &admin,
            json!({"name": "k".repeat(300), "type": "private_key"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn s11_03_max_users_counts_service_accounts() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    // The admin and nine service accounts: ten published users, the default limit.
    let bots: Vec<String> = (0..9)
        .map(|i| {
            t.sb.seed_service_account(&format!("bot{i}"), &["event_reader"])
        })
        .collect();
    let invite = json!({"type": "user", "email": "p@example.com"});
    let v = std_error(
        &t.post("/users", &admin, invite.clone()).await,
        400,
        "validation_error",
        "Maximum 10 user(s) allowed for this tenant. Limit reached.",
    );
    assert_eq!(
        v["details"],
        json!({"max_users": 10, "current_active_users": 10})
    );
    // Service accounts themselves are not limited.
    let r = t
        .post(
            "/users",
            &admin,
            json!({"type": "service_account", "roles": ["event_reader"]}),
        )
        .await;
    assert_eq!(r.status, 201);
    // Archived users do not count.
    for bot in bots.iter().take(2) {
        assert_eq!(t.delete(&format!("/users/{bot}"), &admin).await.status, 204);
    }
    let r = t.post("/users", &admin, invite).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn s11_04_search_with_an_empty_type_lists_everyone() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let bot = t.sb.seed_service_account("bot", &["event_reader"]);
    let person = t.sb.seed_user("p", "p@example.com", &["all_reader"]);
    let v = t
        .post("/users/search", &admin, json!({"limit": 10, "type": ""}))
        .await
        .json();
    let mut got = ids(&v);
    got.sort();
    let mut want = vec![t.sb.admin_user_id().to_owned(), bot.clone(), person];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(v["pagination"]["total"], 3);
    // Omitted, it still means service accounts.
    let v = t
        .post("/users/search", &admin, json!({"limit": 10}))
        .await
        .json();
    assert_eq!(ids(&v), [bot]);
}

#[tokio::test]
async fn s11_05_search_with_a_negative_limit_or_offset_is_a_database_error() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    for body in [
        json!({"limit": -1}),
        json!({"limit": 5, "offset": -1}),
        json!({"offset": -3}),
    ] {
        let d = database_error(
            &t.post("/users/search", &admin, body).await,
            "Failed to list users by filter",
        );
        assert_eq!(d, json!({"tenant_id": t.sb.tenant_id()}));
    }
}

#[tokio::test]
async fn s11_06_search_bodies_that_do_not_bind_and_unknown_sort_fields() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    for body in [
        json!({"limit": 5, "sort": "created_at"}),
        json!({"limit": 5, "sort": ["created_at"]}),
        json!({"limit": "5"}),
        json!({"limit": 1.5}),
        json!({"limit": 5, "type": 1}),
        json!({"limit": 5, "user_ids": "user_x"}),
        json!([{"limit": 5}]),
    ] {
        let v = std_error(
            &t.post("/users/search", &admin, body).await,
            400,
            "validation_error",
            "Invalid filter parameters",
        );
        assert!(v.get("details").is_none());
    }
    let r = t
        .send(
            t.request(Method::POST, "/users/search", Cred::Key(&admin))
                .body("{not json"),
        )
        .await;
    std_error(&r, 400, "validation_error", "Invalid filter parameters");

    let start = Timestamp::now();
    t.sb.set_now(start);
    let first = t.sb.seed_service_account("first", &["event_reader"]);
    t.sb.set_now(start + SignedDuration::from_secs(1));
    let second = t.sb.seed_service_account("second", &["event_reader"]);
    t.sb.clear_now();
    let search = |sort: Value| {
        let t = &t;
        let admin = admin.clone();
        async move {
            ids(&t
                .post("/users/search", &admin, json!({"limit": 5, "sort": sort}))
                .await
                .json())
        }
    };
    // No sort, or an empty one: newest first.
    assert_eq!(search(Value::Null).await, [second.clone(), first.clone()]);
    assert_eq!(search(json!([])).await, [second.clone(), first.clone()]);
    // Only unknown fields: no ORDER BY at all, so rows come as stored (oldest first here).
    assert_eq!(
        search(json!([{"field": "name", "direction": "desc"}])).await,
        [first.clone(), second.clone()]
    );
    // Any direction but "desc" is ascending.
    assert_eq!(
        search(json!([{"field": "created_at", "direction": "DESC"}])).await,
        [first, second]
    );
}

#[tokio::test]
async fn s11_07_a_user_without_email() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    for body in [
        json!({"type": "user"}),
        json!({"type": "user", "email": ""}),
        json!({"type": "user", "roles": ["all_reader"]}),
    ] {
        let v = std_error(
            &t.post("/users", &admin, body).await,
            400,
            "validation_error",
            "Provide a valid email when creating a user (type='user')",
        );
        assert!(v.get("details").is_none());
    }
}

#[tokio::test]
async fn s11_08_unknown_types_and_the_order_of_the_checks() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    for ty in ["robot", "User", "SERVICE_ACCOUNT"] {
        let v = std_error(
            &t.post(
                "/users",
                &admin,
                json!({"type": ty, "roles": ["event_reader"]}),
            )
            .await,
            400,
            "validation_error",
            "User type must be 'user' or 'service_account'",
        );
        assert!(v.get("details").is_none());
    }
    // A service account's roles are checked before its email.
    std_error(
        &t.post(
            "/users",
            &admin,
            json!({"type": "service_account", "email": "a@b.co"}),
        )
        .await,
        400,
        "validation_error",
        "Service accounts require role assignment",
    );
    // The email's format is checked first of all, for either type.
    for ty in ["service_account", "robot"] {
        let v = std_error(
            &t.post(
                "/users",
                &admin,
                json!({"type": ty, "email": "nope", "roles": ["event_reader"]}),
            )
            .await,
            400,
            "validation_error",
            "Request validation failed",
        );
        assert_eq!(
            v["details"]["Email"],
            "Key: 'CreateUserRequest.Email' Error:Field validation for 'Email' failed on the 'email' tag"
        );
    }
}

#[tokio::test]
async fn s11_11_an_archived_person_cannot_have_roles_updated() {
    let t = T::new();
    let person = t.sb.seed_user("p", "p@example.com", &["all_reader"]);
    assert!(t.sb.archive_user(&person));
    let v = std_error(
        &t.put(
            &format!("/users/{person}/roles"),
            t.sb.admin_key(),
            json!({"roles": ["all_writer"]}),
        )
        .await,
        400,
        "validation_error",
        "Archived users cannot have their roles updated",
    );
    assert_eq!(v["details"], json!({ "id": person }));
}

#[tokio::test]
async fn s11_12_deleting_users_checks_the_type_before_the_status() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let person = t.sb.seed_user("p", "p@example.com", &["all_reader"]);
    assert!(t.sb.archive_user(&person));
    let v = std_error(
        &t.delete(&format!("/users/{person}"), &admin).await,
        400,
        "validation_error",
        "Deletion is supported for service accounts only",
    );
    assert!(v.get("details").is_none());
    // An archived service account that still has an active key is refused for the key first.
    let bot = t.sb.seed_service_account("bot", &["event_reader"]);
    t.sb.seed_key(SeedKey {
        owner_user_id: Some(bot.clone()),
        ..Default::default()
    });
    assert!(t.sb.archive_user(&bot));
    std_error(
        &t.delete(&format!("/users/{bot}"), &admin).await,
        400,
        "validation_error",
        "Revoke all API keys before archiving this service account",
    );
}

#[tokio::test]
async fn s11_13_keys_of_an_archived_service_account_list_without_its_name() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let bot = t.sb.seed_service_account("ingest-bot", &["event_ingestor"]);
    let expired = t.sb.seed_key(SeedKey {
        name: "old".into(),
        owner_user_id: Some(bot.clone()),
        expires_at: Some(t.sb.now() - SignedDuration::from_hours(1)),
        ..Default::default()
    });
    let named = |v: &Value| {
        v["items"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["id"] == expired.id.as_str()).cloned())
            .expect("the expired key is listed")
    };
    let before = t.get("/secrets/api/keys", &admin).await.json();
    assert_eq!(named(&before)["service_account_name"], "ingest-bot");
    // An expired key does not block the archive.
    assert_eq!(t.delete(&format!("/users/{bot}"), &admin).await.status, 204);
    let after = t.get("/secrets/api/keys", &admin).await.json();
    let item = named(&after);
    assert!(item.get("service_account_name").is_none(), "{item}");
    assert_eq!(item["user_type"], "service_account");
    assert_eq!(item["user_id"], bot.as_str());
}

#[tokio::test]
async fn s11_14_an_empty_limit_lists_every_key_and_an_empty_user_id_none() {
    let t = T::with(SandboxOptions {
        seed_keys: 60,
        ..Default::default()
    });
    let admin = t.sb.admin_key().to_owned();
    let v = t.get("/secrets/api/keys", &admin).await.json();
    assert_eq!(ids(&v).len(), 50, "an absent limit is 50");
    let v = t.get("/secrets/api/keys?limit=", &admin).await.json();
    assert_eq!(ids(&v).len(), 61);
    assert_eq!(
        v["pagination"],
        json!({"total": 61, "limit": 0, "offset": 0})
    );
    // No cap either.
    let v = t.get("/secrets/api/keys?limit=5000", &admin).await.json();
    assert_eq!(ids(&v).len(), 61);
    assert_eq!(v["pagination"]["limit"], 5000);
    // A super_admin user's empty user_id matches no key...
    let v = t.get("/secrets/api/keys?user_id=", &admin).await.json();
    assert_eq!(v["pagination"]["total"], 0);
    assert!(ids(&v).is_empty());
    // ...while anyone else's is overwritten with their own ID.
    let (_, reader) = t.user_with_key("reader", &["all_reader"]);
    let v = t.get("/secrets/api/keys?user_id=", &reader).await.json();
    assert_eq!(v["pagination"]["total"], 1);
}

#[tokio::test]
async fn s11_16_jwt_edge_cases() {
    let t = T::new();
    let admin_id = t.sb.admin_user_id().to_owned();
    let later = t.sb.now().as_second() + 3600;
    let me = |token: String| {
        let t = &t;
        async move {
            t.send(t.request(Method::GET, "/users/me", Cred::Bearer(&token)))
                .await
        }
    };
    let sign = |alg: &str, claims: Value| t.sb.sign_jwt(alg, &claims).expect("an HMAC algorithm");
    // Any HMAC algorithm is accepted.
    for alg in ["HS256", "HS384", "HS512"] {
        let r = me(sign(
            alg,
            json!({"user_id": admin_id, "tenant_id": t.sb.tenant_id()}),
        ))
        .await;
        assert_eq!(r.status, 200, "{alg}: {}", r.text);
    }
    // No tenant_id: the default tenant.
    let r = me(sign("HS256", json!({"user_id": admin_id, "exp": later}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["id"], admin_id.as_str());
    // No user_id (or not a string): the provider refuses the token.
    for claims in [
        json!({"tenant_id": t.sb.tenant_id()}),
        json!({"user_id": 7, "tenant_id": t.sb.tenant_id()}),
        json!({"user_id": admin_id, "iat": later}),
    ] {
        exact(
            &me(sign("HS256", claims)).await,
            401,
            json!({"error": "Invalid token"}),
        );
    }
    // Present but empty: the middleware's claims check.
    for claims in [
        json!({"user_id": "", "tenant_id": t.sb.tenant_id()}),
        json!({"user_id": admin_id, "tenant_id": ""}),
    ] {
        exact(
            &me(sign("HS256", claims)).await,
            401,
            json!({"error": "Invalid token claims"}),
        );
    }
    // `Bearer ` is a prefix test, so a token with a space reaches validation.
    let jwt = t.sb.jwt_for(&admin_id);
    for header in [format!("Bearer {jwt} x"), "Bearer a b".to_owned()] {
        exact(
            &t.send(t.request(Method::GET, "/users/me", Cred::Raw(&header)))
                .await,
            401,
            json!({"error": "Invalid token"}),
        );
    }
}

#[tokio::test]
async fn s11_17_login_edge_cases() {
    let t = T::new();
    let login = |email: &str, password: &str| {
        let t = &t;
        let body = json!({"email": email, "password": password});
        async move {
            t.send(
                t.request(Method::POST, "/auth/login", Cred::None)
                    .json(&body),
            )
            .await
        }
    };
    let email = t.sb.admin_email().to_owned();
    let password = t.sb.admin_password().to_owned();
    for bad in ["admin", "admin@", "@flexprice.dev", ""] {
        let v = std_error(
            &login(bad, &password).await,
            400,
            "validation_error",
            "Please check the request payload",
        );
        assert!(v.get("details").is_none());
    }
    let v = std_error(
        &login(&email, "short").await,
        400,
        "validation_error",
        "Request validation failed",
    );
    assert_eq!(
        v["details"],
        json!({"Password": "Key: 'LoginRequest.Password' Error:Field validation for 'Password' failed on the 'min' tag"})
    );
    // The email match is case-sensitive.
    std_error(
        &login(&email.to_uppercase(), &password).await,
        403,
        "permission_denied",
        "Invalid email or password",
    );
    // A tenant enforcing SSO refuses password login before the password is checked, except for
    // super admins.
    let reader = t.sb.seed_user("r", "r@example.com", &["all_reader"]);
    let reader_password = t.sb.user_password(&reader).expect("a password");
    t.sb.set_sso_enforced(true);
    for pw in [reader_password.as_str(), "wrong-password"] {
        std_error(
            &login("r@example.com", pw).await,
            403,
            "permission_denied",
            "Your organisation requires single sign-on. Sign in through your identity provider.",
        );
    }
    assert_eq!(login(&email, &password).await.status, 200);
    t.sb.set_sso_enforced(false);
    assert_eq!(login("r@example.com", &reader_password).await.status, 200);
}

#[tokio::test]
async fn s11_18_environments_with_limit_zero_or_negative() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let count = |v: &Value| v["environments"].as_array().map_or(0, Vec::len);
    let v = t.get("/environments?limit=0", &admin).await.json();
    assert_eq!(count(&v), 0);
    assert_eq!(v["total"], 0);
    // Empty takes the default (the legacy filter has `default=50` tags).
    let v = t.get("/environments?limit=", &admin).await.json();
    assert_eq!(count(&v), 2);
    assert_eq!(v["limit"], 50);
    for q in ["limit=-1", "offset=-1"] {
        let d = database_error(
            &t.get(&format!("/environments?{q}"), &admin).await,
            "Failed to list environments",
        );
        assert_eq!(d, json!({"tenant_id": t.sb.tenant_id()}), "{q}");
    }
    let v = std_error(
        &t.get("/environments/env_nope", &admin).await,
        404,
        "not_found",
        "Environment not found",
    );
    assert_eq!(
        v["details"],
        json!({"environment_id": "env_nope", "tenant_id": t.sb.tenant_id()})
    );
}

/// flexprice/flexprice#2573 (end of §11), behind `environment_required_for_user_admin`.
#[tokio::test]
async fn upstream_2573_user_administration_needs_an_environment_from_unbound_credentials() {
    let t = T::with(SandboxOptions {
        environment_required_for_user_admin: true,
        ..Default::default()
    });
    let tenant_key = t.sb.tenant_key().to_owned();
    let bot = t.sb.seed_service_account("bot", &["event_reader"]);
    let person = t.sb.seed_user("p", "p@example.com", &["all_reader"]);
    let jwt = t.sb.jwt_for(t.sb.admin_user_id());
    let calls = [
        (
            Method::PUT,
            format!("/users/{bot}"),
            json!({"name": "renamed"}),
        ),
        (
            Method::PUT,
            format!("/users/{person}/roles"),
            json!({"roles": ["all_writer"]}),
        ),
        (Method::DELETE, format!("/users/{bot}"), Value::Null),
    ];
    for (method, path, body) in &calls {
        for cred in [Cred::Key(&tenant_key), Cred::Bearer(&jwt)] {
            let r = t
                .send(t.request(method.clone(), path, cred).json(body))
                .await;
            exact(&r, 403, env_denied());
        }
    }
    assert_eq!(t.sb.user_status(&bot).as_deref(), Some("published"));
    // The routes that stay open without an environment.
    let r = t.get("/users/me", &tenant_key).await;
    assert_eq!(r.status, 200);
    let r = t
        .post("/users/search", &tenant_key, json!({"limit": 5}))
        .await;
    assert_eq!(r.status, 200);
    let r = t
        .post(
            "/users",
            &tenant_key,
            json!({"type": "service_account", "roles": ["event_reader"]}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(t.get("/environments", &tenant_key).await.status, 200);
    // With X-Environment-ID they run.
    for (method, path, body) in &calls {
        let r = t
            .send(
                t.request(method.clone(), path, Cred::Key(&tenant_key))
                    .header("X-Environment-ID", t.sb.sandbox_environment_id())
                    .json(body),
            )
            .await;
        assert!(r.status < 300, "{method} {path}: {} {}", r.status, r.text);
    }
    assert_eq!(t.sb.user_status(&bot).as_deref(), Some("archived"));
    // A key bound to an environment needs no header.
    let other = t.sb.seed_service_account("other", &["event_reader"]);
    let r = t
        .put(
            &format!("/users/{other}"),
            t.sb.admin_key(),
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Without the option (the server at e4b5303) the same call runs without a header.
    let t = T::new();
    let bot = t.sb.seed_service_account("bot", &["event_reader"]);
    let r = t
        .put(
            &format!("/users/{bot}"),
            t.sb.tenant_key(),
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}
