//! `/v1/users*` (§3.6–3.11), the permission table (§4.5) and the super-admin-user rules (§4.4).

use flexprice_sandbox::SeedKey;
use jiff::{SignedDuration, Timestamp};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{Cred, T, exact, std_error};

fn assert_tenant(v: &Value) {
    let tenant = &v["tenant"];
    assert_eq!(tenant["id"], "00000000-0000-0000-0000-000000000000");
    assert_eq!(tenant["name"], "Default Tenant");
    assert_eq!(tenant["status"], "published");
    let created = tenant["created_at"].as_str().expect("created_at");
    assert!(
        !created.contains('.') && created.ends_with('Z'),
        "{created}"
    );
}

#[tokio::test]
async fn create_service_account() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let r = t
        .post(
            "/users",
            &admin,
            json!({"type": "service_account", "name": "ingest-bot", "roles": ["event_ingestor"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v = r.json();
    let id = v["id"].as_str().expect("id");
    assert!(id.starts_with("user_") && id.len() == 31, "{id}");
    assert_eq!(v["type"], "service_account");
    assert_eq!(v["name"], "ingest-bot");
    assert_eq!(v["roles"], json!(["event_ingestor"]));
    assert!(v.get("email").is_none() && v.get("password").is_none());
    assert_tenant(&v);
    assert_eq!(t.sb.user_status(id).as_deref(), Some("published"));
    // A name is optional.
    let r = t
        .post(
            "/users",
            &admin,
            json!({"type": "service_account", "roles": ["event_reader"]}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert!(r.json().get("name").is_none());
}

#[tokio::test]
async fn create_validation_messages() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let hint = "Invalid request. For user: type and email required. For service_account: type and roles required.";
    for body in [json!({}), json!({"name": "x"}), json!({"type": 3})] {
        std_error(
            &t.post("/users", &admin, body).await,
            400,
            "validation_error",
            hint,
        );
    }
    let sa = |roles: Value| json!({"type": "service_account", "roles": roles});
    std_error(
        &t.post(
            "/users",
            &admin,
            json!({"type": "service_account", "roles": ["event_reader"], "email": "a@b.co"}),
        )
        .await,
        400,
        "validation_error",
        "Omit email when creating a service account",
    );
    std_error(
        &t.post("/users", &admin, sa(json!([]))).await,
        400,
        "validation_error",
        "Service accounts require role assignment",
    );
    let v = std_error(
        &t.post("/users", &admin, sa(json!(["root"]))).await,
        400,
        "validation_error",
        "Role 'root' does not exist",
    );
    assert_eq!(v["details"], json!({"role": "root"}));
    // `all_writer` is still refused to service accounts after flexprice/flexprice#2882.
    let v = std_error(
        &t.post("/users", &admin, sa(json!(["all_writer"]))).await,
        400,
        "validation_error",
        "Role 'all_writer' cannot be assigned to a 'service_account' account",
    );
    assert_eq!(
        v["details"],
        json!({"role": "all_writer", "user_type": "service_account",
               "allowed_roles": ["super_admin", "all_reader", "event_ingestor", "event_reader"]})
    );
    std_error(
        &t.post("/users", &admin, sa(json!(["super_admin", "event_reader"])))
            .await,
        400,
        "validation_error",
        "When super_admin is selected, no other roles need to be assigned",
    );
}

#[tokio::test]
async fn can_grant_roles_limits_an_all_writer() {
    let t = T::new();
    let (_, writer) = t.user_with_key("writer", &["all_writer"]);
    for role in ["event_ingestor", "event_reader"] {
        let r = t
            .post(
                "/users",
                &writer,
                json!({"type": "service_account", "roles": [role]}),
            )
            .await;
        assert_eq!(r.status, 201, "{role}: {}", r.text);
    }
    let r = t
        .post(
            "/users",
            &writer,
            json!({"type": "service_account", "roles": ["super_admin"]}),
        )
        .await;
    let v = std_error(
        &r,
        403,
        "permission_denied",
        "Role 'super_admin' grants '*' on '*', which you do not have",
    );
    assert_eq!(
        v["details"],
        json!({"role": "super_admin", "entity": "*", "action": "*", "caller_roles": ["all_writer"]})
    );
    // An event_ingestor service account holding only event:write cannot create an event_reader.
    let (_, ingestor) = t.service_account_with_key("ing", &["event_ingestor"]);
    exact(
        &t.post(
            "/users",
            &ingestor,
            json!({"type": "service_account", "roles": ["event_reader"]}),
        )
        .await,
        403,
        json!({"message": "insufficient permissions"}),
    );
}

#[tokio::test]
async fn invite_user() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let r = t
        .post(
            "/users",
            &admin,
            json!({"type": "user", "email": "new@example.com", "name": "New"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v = r.json();
    assert_eq!(v["type"], "user");
    assert_eq!(v["email"], "new@example.com");
    assert!(
        v.get("name").is_none(),
        "the invite path never stores a name"
    );
    assert_eq!(v["roles"], json!(["super_admin"]), "default roles");
    let pw = v["password"].as_str().expect("password");
    assert_eq!(pw.len(), 16);
    assert_tenant(&v);
    // The password logs in.
    let login = t
        .send(
            t.request(Method::POST, "/auth/login", Cred::None)
                .json(&json!({"email": "new@example.com", "password": pw})),
        )
        .await;
    assert_eq!(login.status, 200);

    let v = std_error(
        &t.post("/users", &admin, json!({"type": "user"})).await,
        400,
        "validation_error",
        "Provide a valid email when creating a user (type='user')",
    );
    assert!(v.get("details").is_none());
    let v = std_error(
        &t.post("/users", &admin, json!({"type": "user", "email": "nope"}))
            .await,
        400,
        "validation_error",
        "Request validation failed",
    );
    assert!(
        v["details"]["Email"]
            .as_str()
            .unwrap_or_default()
            .ends_with("failed on the 'email' tag")
    );
    let v = std_error(
        &t.post(
            "/users",
            &admin,
            json!({"type": "user", "email": "new@example.com"}),
        )
        .await,
        409,
        "already_exists",
        "A user with this email already exists in this tenant",
    );
    assert_eq!(v["details"], json!({"email": "new@example.com"}));
    std_error(
        &t.post(
            "/users",
            &admin,
            json!({"type": "user", "email": "x@example.com", "roles": ["event_reader"]}),
        )
        .await,
        400,
        "validation_error",
        "Role 'event_reader' cannot be assigned to a 'user' account",
    );
    // Only membership of super_admin is checked: a service account holding it may invite.
    let (_, bot) = t.service_account_with_key("root-bot", &["super_admin"]);
    let r = t
        .post(
            "/users",
            &bot,
            json!({"type": "user", "email": "bot-invited@example.com", "roles": ["all_reader"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let (_, writer) = t.user_with_key("writer", &["all_writer"]);
    std_error(
        &t.post(
            "/users",
            &writer,
            json!({"type": "user", "email": "w@example.com", "roles": ["all_reader"]}),
        )
        .await,
        403,
        "permission_denied",
        "Ask a tenant super_admin to invite this user",
    );
}

#[tokio::test]
async fn at_most_ten_people_per_tenant() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    // admin + 9 invited = 10
    for i in 0..9 {
        let r = t
            .post(
                "/users",
                &admin,
                json!({"type": "user", "email": format!("u{i}@example.com")}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let r = t
        .post(
            "/users",
            &admin,
            json!({"type": "user", "email": "eleventh@example.com"}),
        )
        .await;
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["code"], "validation_error");
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Maximum 10 user(s) allowed")
    );
}

#[tokio::test]
async fn search_users() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let a = t.sb.seed_service_account("a", &["event_reader"]);
    t.sb.set_now(Timestamp::now() + SignedDuration::from_secs(5));
    let b = t.sb.seed_service_account("b", &["event_reader"]);
    t.sb.clear_now();
    let gone = t.sb.seed_service_account("gone", &["event_reader"]);
    assert_eq!(
        t.delete(&format!("/users/{gone}"), &admin).await.status,
        204
    );

    // No QueryFilter field at all: the server panics, 500 with an empty body.
    for body in [json!({}), json!({"type": "user"}), json!({"user_ids": [a]})] {
        let r = t.post("/users/search", &admin, body).await;
        assert_eq!(r.status, 500);
        assert!(r.text.is_empty());
    }
    let v = t
        .post("/users/search", &admin, json!({"limit": 10}))
        .await
        .json();
    let got: Vec<&str> = v["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        got,
        [b.as_str(), a.as_str()],
        "service accounts, newest first"
    );
    assert_eq!(
        v["pagination"],
        json!({"total": 2, "limit": 10, "offset": 10})
    );
    assert_tenant(&v["items"][0]);
    // Any QueryFilter field (even "order" alone) avoids the panic; limit 0 means 50.
    let v = t
        .post(
            "/users/search",
            &admin,
            json!({"order": "asc", "type": "user"}),
        )
        .await
        .json();
    assert_eq!(v["items"][0]["id"], t.sb.admin_user_id());
    assert_eq!(v["pagination"]["limit"], 50);
    let v = t
        .post(
            "/users/search",
            &admin,
            json!({"limit": 1, "offset": 1, "sort": [{"field": "created_at", "direction": "asc"}]}),
        )
        .await
        .json();
    assert_eq!(v["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["items"][0]["id"], b.as_str());
    assert_eq!(
        v["pagination"],
        json!({"total": 2, "limit": 1, "offset": 2})
    );
    let v = t
        .post(
            "/users/search",
            &admin,
            json!({"limit": 5, "user_ids": [a]}),
        )
        .await
        .json();
    assert_eq!(v["pagination"]["total"], 1);
    // user:read is required.
    let (_, ingestor) = t.service_account_with_key("ing", &["event_ingestor"]);
    exact(
        &t.post("/users/search", &ingestor, json!({"limit": 5}))
            .await,
        403,
        json!({"message": "insufficient permissions"}),
    );
}

#[tokio::test]
async fn rename_service_account() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let sa = t.sb.seed_service_account("old", &["event_reader"]);
    let r = t
        .put(&format!("/users/{sa}"), &admin, json!({"name": "new"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["name"], "new");
    for body in [json!({}), json!({"name": ""}), json!({"name": 5})] {
        let v = std_error(
            &t.put(&format!("/users/{sa}"), &admin, body).await,
            400,
            "validation_error",
            "Invalid request body",
        );
        assert!(v.get("details").is_none());
    }
    // §11 #9: an unknown ID is the lookup's 404; a person's ID names it under `id`.
    let v = std_error(
        &t.put("/users/user_nope", &admin, json!({"name": "n"}))
            .await,
        404,
        "not_found",
        "User not found",
    );
    assert_eq!(
        v["details"],
        json!({"user_id": "user_nope", "tenant_id": t.sb.tenant_id()})
    );
    let admin_id = t.sb.admin_user_id();
    let v = std_error(
        &t.put(&format!("/users/{admin_id}"), &admin, json!({"name": "n"}))
            .await,
        404,
        "not_found",
        "The provided ID does not belong to a service account",
    );
    assert_eq!(v["details"], json!({"id": admin_id}));
    assert_eq!(t.delete(&format!("/users/{sa}"), &admin).await.status, 204);
    let v = std_error(
        &t.put(&format!("/users/{sa}"), &admin, json!({"name": "n"}))
            .await,
        400,
        "validation_error",
        "Archived service accounts cannot be updated",
    );
    assert_eq!(v["details"], json!({"id": sa}));
}

#[tokio::test]
async fn archive_is_refused_while_any_active_key_exists() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let sa = t.sb.seed_service_account("bot", &["event_ingestor"]);
    // A publishable key in production blocks it too, though no list shows it.
    let pk = t.sb.seed_key(SeedKey {
        owner_user_id: Some(sa.clone()),
        publishable: true,
        environment_id: Some(t.sb.production_environment_id().into()),
        ..Default::default()
    });
    t.sb.seed_key(SeedKey {
        owner_user_id: Some(sa.clone()),
        expires_at: Some(Timestamp::now() - SignedDuration::from_secs(1)),
        ..Default::default()
    });
    let r = t.delete(&format!("/users/{sa}"), &admin).await;
    let v = std_error(
        &r,
        400,
        "validation_error",
        "Revoke all API keys before archiving this service account",
    );
    assert!(v.get("details").is_none());
    // Revoke it from its own environment (a config key naming production), then archive.
    let r = t
        .send(
            t.request(
                Method::DELETE,
                &format!("/secrets/api/keys/{}", pk.id),
                Cred::Key(t.sb.tenant_key()),
            )
            .header("X-Environment-ID", t.sb.production_environment_id()),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = t.delete(&format!("/users/{sa}"), &admin).await;
    assert_eq!(r.status, 204, "an expired key does not block: {}", r.text);
    assert!(r.text.is_empty());
    assert_eq!(t.sb.user_status(&sa).as_deref(), Some("archived"));

    let v = std_error(
        &t.delete(&format!("/users/{sa}"), &admin).await,
        404,
        "not_found",
        "User not found or already archived",
    );
    assert_eq!(v["details"]["user_id"], sa.as_str());
    let v = std_error(
        &t.delete("/users/user_nope", &admin).await,
        404,
        "not_found",
        "User not found",
    );
    assert_eq!(
        v["details"],
        json!({"user_id": "user_nope", "tenant_id": t.sb.tenant_id()})
    );
    let person = t.sb.seed_user("p", "p@example.com", &["all_reader"]);
    std_error(
        &t.delete(&format!("/users/{person}"), &admin).await,
        400,
        "validation_error",
        "Deletion is supported for service accounts only",
    );
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one story: each refusal of a role change, then the changes that stand"
)]
async fn update_user_roles() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let (person, _) = t.user_with_key("person", &["all_reader"]);
    let path = format!("/users/{person}/roles");
    // SuperAdminOnly: a service account holding super_admin is refused by the middleware.
    let (bot_id, bot) = t.service_account_with_key("root-bot", &["super_admin"]);
    exact(
        &t.put(&path, &bot, json!({"roles": ["all_writer"]})).await,
        403,
        json!({"message": "This action requires a user account with Super Admin access"}),
    );
    let (_, writer) = t.user_with_key("writer", &["all_writer"]);
    exact(
        &t.put(&path, &writer, json!({"roles": ["all_writer"]}))
            .await,
        403,
        json!({"message": "This action requires a user account with Super Admin access"}),
    );
    // Active keys block the change, reported per environment.
    let r = t.put(&path, &admin, json!({"roles": ["all_writer"]})).await;
    let v = std_error(
        &r,
        400,
        "validation_error",
        "Expire this user's existing API keys before changing their role",
    );
    let d = &v["details"];
    assert_eq!(d["id"], person.as_str());
    assert_eq!(d["active_api_key_count"], 1);
    let env = &d["active_api_keys"][t.sb.sandbox_environment_id()];
    assert_eq!(env["env_name"], "Sandbox");
    assert_eq!(env["api_keys"][0]["key_name"], "person-key");
    assert!(
        env["api_keys"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .starts_with("secret_")
    );

    let key_id =
        t.sb.keys()
            .into_iter()
            .find(|k| k.user_id == person)
            .map(|k| k.id)
            .unwrap_or_default();
    t.delete(&format!("/secrets/api/keys/{key_id}"), &admin)
        .await;
    // §11 #10, #11: an unbindable body, an empty list, a blank entry.
    for body in [json!({"roles": "all_reader"}), json!([1])] {
        let v = std_error(
            &t.put(&path, &admin, body).await,
            400,
            "validation_error",
            "Invalid request body",
        );
        assert!(v.get("details").is_none());
    }
    for body in [json!({"roles": []}), json!({})] {
        let v = std_error(
            &t.put(&path, &admin, body).await,
            400,
            "validation_error",
            "Provide at least one role",
        );
        assert!(v.get("details").is_none());
    }
    for roles in [json!(["all_reader", ""]), json!(["all_reader", null])] {
        let v = std_error(
            &t.put(&path, &admin, json!({ "roles": roles })).await,
            400,
            "validation_error",
            "Remove empty entries from roles",
        );
        assert!(v.get("details").is_none());
    }
    std_error(
        &t.put(&path, &admin, json!({"roles": ["event_reader"]}))
            .await,
        400,
        "validation_error",
        "Role 'event_reader' cannot be assigned to a 'user' account",
    );
    let r = t.put(&path, &admin, json!({"roles": ["all_writer"]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["roles"], json!(["all_writer"]));
    assert_eq!(
        t.sb.user_roles(&person),
        Some(vec!["all_writer".to_owned()])
    );

    std_error(
        &t.put(
            &format!("/users/{}/roles", t.sb.admin_user_id()),
            &admin,
            json!({"roles": ["all_reader"]}),
        )
        .await,
        403,
        "permission_denied",
        "Ask another super_admin to change your roles",
    );
    let v = std_error(
        &t.put(
            &format!("/users/{bot_id}/roles"),
            &admin,
            json!({"roles": ["all_reader"]}),
        )
        .await,
        400,
        "validation_error",
        "Service account roles are fixed at creation and cannot be changed",
    );
    assert_eq!(
        v["details"],
        json!({"id": bot_id, "type": "service_account"})
    );
    let v = std_error(
        &t.put(
            "/users/user_nope/roles",
            &admin,
            json!({"roles": ["all_reader"]}),
        )
        .await,
        404,
        "not_found",
        "User not found",
    );
    assert_eq!(
        v["details"],
        json!({"user_id": "user_nope", "tenant_id": t.sb.tenant_id()})
    );
}

#[tokio::test]
async fn users_me() {
    let t = T::new();
    let (sa, sa_key) = t.service_account_with_key("bot", &["event_ingestor"]);
    let v = t.get("/users/me", &sa_key).await.json();
    assert_eq!(v["id"], sa.as_str());
    assert_eq!(v["type"], "service_account");
    assert!(v.get("email").is_none());
    // PUT needs user:write.
    exact(
        &t.put("/users/me", &sa_key, json!({"name": "x"})).await,
        403,
        json!({"message": "insufficient permissions"}),
    );
    let admin = t.sb.admin_key().to_owned();
    let r = t
        .put(
            "/users/me",
            &admin,
            json!({"metadata": {"team": "billing", "tz": "UTC"}}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = t
        .put(
            "/users/me",
            &admin,
            json!({"name": "Root", "metadata": {"tz": "CET"}}),
        )
        .await;
    let v = r.json();
    assert_eq!(v["name"], "Root");
    assert_eq!(
        v["metadata"],
        json!({"team": "billing", "tz": "CET"}),
        "merged"
    );
}

#[tokio::test]
async fn permission_table() {
    let t = T::new();
    let (_, ingestor) = t.service_account_with_key("ing", &["event_ingestor"]);
    let (_, reader) = t.user_with_key("reader", &["all_reader"]);
    let denied = json!({"message": "insufficient permissions"});
    for (method, path) in [
        (Method::GET, "/secrets/api/keys"),
        (Method::POST, "/secrets/api/keys"),
        (Method::DELETE, "/secrets/api/keys/secret_x"),
        (Method::POST, "/users"),
        (Method::PUT, "/users/user_x"),
        (Method::DELETE, "/users/user_x"),
        (Method::GET, "/environments"),
        (
            Method::GET,
            "/environments/00000000-0000-0000-0000-000000000000",
        ),
    ] {
        let r = t
            .send(
                t.request(method.clone(), path, Cred::Key(&ingestor))
                    .json(&json!({})),
            )
            .await;
        exact(&r, 403, denied.clone());
    }
    for path in ["/users/me", "/rbac/roles", "/rbac/roles/super_admin"] {
        assert_eq!(t.get(path, &ingestor).await.status, 200, "{path}");
    }
    assert_eq!(t.get("/secrets/api/keys", &reader).await.status, 200);
    assert_eq!(t.get("/environments", &reader).await.status, 200);
    exact(
        &t.post(
            "/secrets/api/keys",
            &reader,
            json!({"name": "x", "type": "private_key"}),
        )
        .await,
        403,
        denied,
    );
}
