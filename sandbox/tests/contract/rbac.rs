//! `/v1/rbac/roles[/{id}]` (§3.4, §3.5, §6.1) and `/v1/environments` (§3.12).

use std::collections::BTreeSet;

use serde_json::json;

use crate::{T, exact, std_error};

#[tokio::test]
async fn roles_are_listed_in_random_order() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let mut orders = BTreeSet::new();
    for _ in 0..20 {
        let r = t.get("/rbac/roles", &admin).await;
        assert_eq!(r.status, 200);
        let v = r.json();
        let ids: Vec<String> = v["roles"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|r| r["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let set: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(
            set,
            BTreeSet::from([
                "all_reader",
                "all_writer",
                "event_ingestor",
                "event_reader",
                "super_admin"
            ])
        );
        orders.insert(ids);
    }
    assert!(orders.len() > 1, "20 calls gave one order");
}

#[tokio::test]
async fn roles_json_content_and_filters() {
    let t = T::new();
    let admin = t.sb.admin_key().to_owned();
    let v = t.get("/rbac/roles/all_writer", &admin).await.json();
    assert_eq!(v["role"]["id"], "all_writer");
    assert_eq!(v["role"]["name"], "All Writer");
    assert_eq!(v["role"]["permissions"], json!({"*": ["read", "write"]}));
    assert!(v["role"]["description"].is_string());
    let v = t.get("/rbac/roles/super_admin", &admin).await.json();
    assert_eq!(v["role"]["permissions"], json!({"*": ["*"]}));
    let v = t.get("/rbac/roles/event_ingestor", &admin).await.json();
    assert_eq!(v["role"]["permissions"], json!({"event": ["write"]}));
    exact(
        &t.get("/rbac/roles/nope", &admin).await,
        404,
        json!({"error": "Role not found"}),
    );
    for (ty, want) in [
        ("user", &["all_reader", "all_writer", "super_admin"][..]),
        (
            "service_account",
            &[
                "all_reader",
                "event_ingestor",
                "event_reader",
                "super_admin",
            ][..],
        ),
    ] {
        let v = t
            .get(&format!("/rbac/roles?user_type={ty}"), &admin)
            .await
            .json();
        let got: BTreeSet<&str> = v["roles"]
            .as_array()
            .map(|a| a.iter().filter_map(|r| r["id"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(got, want.iter().copied().collect::<BTreeSet<&str>>());
    }
    std_error(
        &t.get("/rbac/roles?user_type=robot", &admin).await,
        400,
        "validation_error",
        "User type must be 'user' or 'service_account'",
    );
}

#[tokio::test]
async fn environments_use_the_legacy_envelope() {
    let t = T::new();
    let key = t.sb.tenant_key().to_owned();
    let r = t.get("/environments", &key).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["total"], 2);
    assert_eq!(v["limit"], 50);
    assert_eq!(v["offset"], 0);
    let envs = v["environments"].as_array().cloned().unwrap_or_default();
    let sandbox = envs
        .iter()
        .find(|e| e["id"] == t.sb.sandbox_environment_id())
        .expect("sandbox env");
    assert_eq!(sandbox["name"], "Sandbox");
    assert_eq!(sandbox["type"], "development");
    let created = sandbox["created_at"].as_str().unwrap_or_default();
    assert!(
        created.ends_with('Z') && !created.contains('.'),
        "{created}"
    );
    let prod = envs
        .iter()
        .find(|e| e["id"] == t.sb.production_environment_id())
        .expect("production env");
    assert_eq!(prod["type"], "production");
    // total counts only the page.
    let v = t.get("/environments?limit=1&offset=1", &key).await.json();
    assert_eq!(v["total"], 1);
    assert_eq!(v["offset"], 1);
    let one = t
        .get(
            &format!("/environments/{}", t.sb.production_environment_id()),
            &key,
        )
        .await
        .json();
    assert_eq!(one["name"], "Production");
    assert_eq!(t.get("/environments/env_nope", &key).await.status, 404);
}
