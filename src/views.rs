//! Our JSON output shapes, one struct per kind of object, so a key looks the same in
//! `keys list`, `keys create` and every later command. Built from API models, never by echoing
//! the server's body: these fields are a contract with scripts.

use jiff::Timestamp;
use serde::Serialize;

use crate::api::models::{ApiKey, Environment, ListedKey, Role, User};
use crate::api::wire::Text;

/// An API key. `owner_name` is the service account's name or the user's label when known.
#[derive(Debug, Clone, Serialize)]
pub struct KeyJson {
    pub id: String,
    pub name: String,
    pub display_id: String,
    #[serde(rename = "type")]
    pub key_type: String,
    pub status: String,
    pub roles: Vec<String>,
    pub owner_type: Option<String>,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub expired: bool,
    /// Whether the key still works though its owner is no longer a member of the tenant (a
    /// removed person, an archived account). Only where the command read the tenant's members
    /// (`keys list`, when the credential may list users).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orphaned: Option<bool>,
    /// Only where the command knows it (`--all-environments`, `keys check`, `keys list` with
    /// `--environment` and a credential not bound to one): the listing of one environment does
    /// not say which environment that is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    /// The name of that environment: present exactly when `environment_id` is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_name: Option<String>,
}

impl KeyJson {
    pub fn new(key: &ApiKey, owner_name: Option<String>, now: Timestamp) -> Self {
        Self::from_key(key.clone(), owner_name, now)
    }

    /// Like [`KeyJson::new`], taking the key's strings instead of copying them: `keys list`
    /// turns thousands of keys into views at once.
    pub fn from_key(key: ApiKey, owner_name: Option<String>, now: Timestamp) -> Self {
        KeyJson {
            id: key.id,
            name: key.name,
            display_id: key.display_id,
            key_type: key.key_type,
            status: key.status,
            roles: key.roles,
            owner_type: key.user_type,
            owner_id: key.user_id,
            owner_name: owner_name.or(key.service_account_name),
            created_at: key.created_at,
            expires_at: key.expires_at,
            expired: key.expires_at.is_some_and(|at| at <= now),
            orphaned: None,
            environment_id: None,
            environment_name: None,
        }
    }

    /// The same key, marked orphaned or not (`None`: not known).
    pub fn with_orphaned(mut self, orphaned: Option<bool>) -> Self {
        self.orphaned = orphaned;
        self
    }

    /// The same key, labelled with the environment it lives in.
    pub fn in_environment(mut self, environment: Option<&Environment>) -> Self {
        self.set_environment(environment);
        self
    }

    /// Labels the key with the environment it lives in (its ID and name), or with none.
    pub fn set_environment(&mut self, environment: Option<&Environment>) {
        self.environment_id = environment.map(|e| e.id.clone());
        self.environment_name = environment.map(|e| e.name.clone());
    }
}

/// Writes a listed key as the [`KeyJson`] of it (`user_name`: a user key's owner's name;
/// `orphaned` as [`KeyJson::with_orphaned`] has it; `environment`: the one it lives in, when
/// known), byte for byte as serde_json's pretty
/// printer writes that view as an item of a top-level array, straight from the decoded answer:
/// no view built, no string copied, no time parsed or printed again when the server's text is
/// already ours.
pub fn write_listed_key(
    out: &mut Vec<u8>,
    key: &ListedKey<'_>,
    user_name: Option<&str>,
    orphaned: Option<bool>,
    environment: Option<&Environment>,
    now: Timestamp,
) {
    // Each field's name with what goes before and after it, as one constant: a copy a field
    // rather than three (the profile of 10,000 keys showed a tenth of the CPU in small copies).
    macro_rules! field {
        ($name:literal) => {
            out.extend_from_slice(concat!(",\n    \"", $name, "\": ").as_bytes())
        };
    }
    fn text_or_null(out: &mut Vec<u8>, text: Option<&Text<'_>>) {
        match text {
            Some(text) => text.write_json(out),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.extend_from_slice(b"{\n    \"id\": ");
    key.id.write_json(out);
    field!("name");
    key.name.write_json(out);
    field!("display_id");
    key.display_id.write_json(out);
    field!("type");
    key.key_type.write_json(out);
    field!("status");
    key.status.write_json(out);
    field!("roles");
    if key.roles.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        for (i, role) in key.roles.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"[\n      " } else { b",\n      " });
            role.write_json(out);
        }
        out.extend_from_slice(b"\n    ]");
    }
    field!("owner_type");
    text_or_null(out, key.user_type.as_ref());
    field!("owner_id");
    text_or_null(out, key.user_id.as_ref());
    field!("owner_name");
    match (&key.service_account_name, user_name) {
        (Some(name), _) => name.write_json(out),
        // A user's label is no text of the answer: it may hold what JSON escapes (`Bob "B"`),
        // which a borrowed `Text` would write raw.
        (None, Some(name)) => {
            serde_json::to_writer(&mut *out, name).expect("writing to memory cannot fail")
        }
        (None, None) => out.extend_from_slice(b"null"),
    }
    field!("created_at");
    key.created_at.write_json(out);
    field!("expires_at");
    match &key.expires_at {
        Some(at) => at.write_json(out),
        None => out.extend_from_slice(b"null"),
    }
    field!("expired");
    let expired = key.expires_at.is_some_and(|e| e.at <= now);
    out.extend_from_slice(if expired { b"true" } else { b"false" });
    if let Some(orphaned) = orphaned {
        field!("orphaned");
        out.extend_from_slice(if orphaned { b"true" } else { b"false" });
    }
    if let Some(environment) = environment {
        // Our own strings, not the answer's: escaped as serde_json escapes them.
        field!("environment_id");
        serde_json::to_writer(&mut *out, &environment.id).expect("writing to memory cannot fail");
        field!("environment_name");
        serde_json::to_writer(&mut *out, &environment.name).expect("writing to memory cannot fail");
    }
    out.extend_from_slice(b"\n  }");
}

/// A user or service account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountJson {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    #[serde(rename = "type")]
    pub account_type: String,
    pub roles: Vec<String>,
}

impl From<&User> for AccountJson {
    fn from(user: &User) -> Self {
        AccountJson {
            id: user.id.clone(),
            name: user.name.clone().filter(|n| !n.is_empty()),
            email: user.email.clone().filter(|e| !e.is_empty()),
            account_type: user.user_type.clone(),
            roles: user.roles.clone(),
        }
    }
}

/// A role; `assignable_to` lists the account types that may hold it.
#[derive(Debug, Clone, Serialize)]
pub struct RoleJson {
    pub id: String,
    pub name: String,
    pub description: String,
    pub permissions: std::collections::BTreeMap<String, Vec<String>>,
    pub assignable_to: Vec<&'static str>,
}

impl From<&Role> for RoleJson {
    fn from(role: &Role) -> Self {
        RoleJson {
            id: role.id.clone(),
            name: role.name.clone(),
            description: role.description.clone(),
            permissions: role.permissions.clone(),
            assignable_to: crate::api::permissions::assignable_to(&role.id).to_vec(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentJson {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub env_type: String,
    pub created_at: Option<Timestamp>,
}

impl From<&Environment> for EnvironmentJson {
    fn from(env: &Environment) -> Self {
        EnvironmentJson {
            id: env.id.clone(),
            name: env.name.clone(),
            env_type: env.env_type.clone(),
            created_at: env.created_at,
        }
    }
}

/// A role's permissions as one line: `*:read,write; event:write`.
pub fn permissions_line(permissions: &std::collections::BTreeMap<String, Vec<String>>) -> String {
    permissions
        .iter()
        .map(|(entity, actions)| format!("{entity}:{}", actions.join(",")))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::models::Page;
    use crate::output::{JsonArray, render_json};
    use proptest::prelude::*;

    /// The listing as `keys list -o json` writes it, and as serde_json writes the views built
    /// from fully decoded keys: the same bytes.
    fn both_ways(body: &str, now: Timestamp) -> (String, String) {
        owned_both_ways(body, None, now)
    }

    /// [`both_ways`], each user key's owner named `user`, as `keys list` names it.
    fn owned_both_ways(body: &str, user: Option<&str>, now: Timestamp) -> (String, String) {
        placed_both_ways(body, user, None, now)
    }

    /// [`owned_both_ways`], every key labelled with `environment`.
    fn placed_both_ways(
        body: &str,
        user: Option<&str>,
        environment: Option<&Environment>,
        now: Timestamp,
    ) -> (String, String) {
        marked_both_ways(body, user, None, environment, now)
    }

    /// [`placed_both_ways`], each key marked orphaned or not when `gone` names the owner who
    /// left (`Some(owner)`), as `keys list` marks them once it has read the tenant's members.
    fn marked_both_ways(
        body: &str,
        user: Option<&str>,
        gone: Option<&str>,
        environment: Option<&Environment>,
        now: Timestamp,
    ) -> (String, String) {
        let marked = |owner: Option<&str>, expires: Option<Timestamp>| {
            gone.map(|gone| owner == Some(gone) && expires.is_none_or(|at| at > now))
        };
        let page: Page<ListedKey<'_>> = serde_json::from_str(body).unwrap();
        let mut fast = Vec::new();
        let mut array = JsonArray::new(&mut fast).unwrap();
        let mut rendered = Vec::new();
        for key in &page.items {
            rendered.extend_from_slice(array.separator());
            let owner = user.filter(|_| key.service_account_name.is_none());
            let orphaned = marked(
                key.user_id.as_ref().map(|u| u.as_str()),
                key.expires_at.map(|at| at.at),
            );
            write_listed_key(&mut rendered, key, owner, orphaned, environment, now);
        }
        array.write_rendered(&rendered).unwrap();
        array.finish().unwrap();
        let page: Page<ApiKey> = serde_json::from_str(body).unwrap();
        let views: Vec<KeyJson> = page
            .items
            .into_iter()
            .map(|k| {
                let owner = user.filter(|_| k.service_account_name.is_none());
                let orphaned = marked(k.user_id.as_deref(), k.expires_at);
                KeyJson::from_key(k, owner.map(str::to_owned), now)
                    .with_orphaned(orphaned)
                    .in_environment(environment)
            })
            .collect();
        let mut whole = Vec::new();
        render_json(&mut whole, &views).unwrap();
        (
            String::from_utf8(fast).unwrap(),
            String::from_utf8(whole).unwrap(),
        )
    }

    fn body(keys: &[serde_json::Value]) -> String {
        serde_json::json!({"items": keys, "pagination": {"total": keys.len(), "limit": 0, "offset": 0}})
            .to_string()
    }

    #[test]
    fn listed_keys_are_written_as_their_views() {
        let now: Timestamp = "2026-08-22T13:05:42Z".parse().unwrap();
        let keys = [
            serde_json::json!({"id": "secret_1", "name": "ci-ingest", "type": "private_key",
                "provider": "flexprice", "display_id": "sk_01***7Q", "roles": ["event_ingestor", "x"],
                "user_type": "service_account", "user_id": "user_01", "service_account_name": "bot",
                "expires_at": "2026-08-22T13:05:42Z", "status": "published",
                "created_at": "2026-08-22T13:05:42.123456Z", "updated_at": "x", "new": {"a": [1]}}),
            serde_json::json!({"id": "secret_2", "name": "quote \" back \\ tab \t bell \u{7} é \u{202e}",
                "type": "private_key", "display_id": "sk_01***AA", "status": "published",
                "created_at": "2026-01-01T10:00:00.500+02:00", "expires_at": "2027-01-01T00:00:00.000Z"}),
            serde_json::json!({"id": "secret_3", "name": "", "type": "private_key", "display_id": "",
                "roles": [], "user_type": "user", "user_id": "user_02", "status": "published",
                "created_at": "2026-08-22T13:05:42.1Z", "expires_at": null}),
        ];
        for n in 0..=keys.len() {
            let (fast, whole) = both_ways(&body(&keys[..n]), now);
            assert_eq!(fast, whole);
        }
        // An escaped ASCII name is decoded, not borrowed, and written back without escapes.
        let escaped = r#"{"items":[{"id":"secret_\u0034","name":"n","type":"t","display_id":"d","status":"s","created_at":"2026-08-22T13:05:42Z"}],"pagination":{"total":1}}"#;
        let (fast, whole) = both_ways(escaped, now);
        assert_eq!(fast, whole);
        assert!(fast.contains(r#""id": "secret_4""#), "{fast}");
    }

    #[test]
    fn a_user_keys_owner_is_escaped_as_in_its_view() {
        let now: Timestamp = "2026-08-22T13:05:42Z".parse().unwrap();
        let text = body(&[
            serde_json::json!({"id": "secret_1", "name": "n", "type": "private_key",
            "display_id": "sk_01***AA", "user_type": "user", "user_id": "user_01",
            "status": "published", "created_at": "2026-08-22T13:05:42Z"}),
        ]);
        // A person's name from the users' search, not from the listing: anything a name holds,
        // a quote that would end the string and forge a field of the key included.
        for user in [
            "Bob \"the\" Builder",
            "back \\ slash",
            "line\nbreak \u{7} é",
            "x\",\"owner_id\": \"user_forged",
        ] {
            let (fast, whole) = owned_both_ways(&text, Some(user), now);
            assert_eq!(fast, whole, "{user}");
            let keys: serde_json::Value = serde_json::from_str(&fast).unwrap();
            assert_eq!(keys[0]["owner_name"], user);
            assert_eq!(keys[0]["owner_id"], "user_01");
        }
    }

    #[test]
    fn keys_in_a_known_environment_carry_its_id_and_name_in_both_paths() {
        let now: Timestamp = "2026-08-22T13:05:42Z".parse().unwrap();
        let text = body(&[
            serde_json::json!({"id": "secret_1", "name": "n", "type": "private_key",
            "display_id": "sk_01***AA", "user_type": "user", "user_id": "user_01",
            "status": "published", "created_at": "2026-08-22T13:05:42Z"}),
            serde_json::json!({"id": "secret_2", "name": "m", "type": "private_key",
            "display_id": "sk_01***AB", "user_type": "service_account", "user_id": "user_02",
            "service_account_name": "bot", "status": "published",
            "created_at": "2026-08-22T13:05:42Z", "expires_at": "2026-09-01T00:00:00Z"}),
        ]);
        for name in ["Production", "quote \" back \\ line\nbreak é", ""] {
            let environment: Environment = serde_json::from_value(serde_json::json!({
                "id": "env_01K3ABCDEFGHJKMNPQRSTVWXYZ", "name": name, "type": "production"}))
            .unwrap();
            let (fast, whole) = placed_both_ways(&text, Some("Bob"), Some(&environment), now);
            assert_eq!(fast, whole, "{name}");
            let keys: serde_json::Value = serde_json::from_str(&fast).unwrap();
            for key in keys.as_array().unwrap() {
                assert_eq!(key["environment_id"], "env_01K3ABCDEFGHJKMNPQRSTVWXYZ");
                assert_eq!(key["environment_name"], name);
            }
        }
        // Without an environment, neither field.
        let (fast, _) = both_ways(&text, now);
        assert!(!fast.contains("environment_"), "{fast}");
    }

    #[test]
    fn orphaned_marks_are_written_as_in_the_view() {
        let now: Timestamp = "2026-08-22T13:05:42Z".parse().unwrap();
        let text = body(&[
            serde_json::json!({"id": "secret_1", "name": "gone's", "type": "private_key",
                "display_id": "sk_01***AA", "user_type": "user", "user_id": "user_gone",
                "status": "published", "created_at": "2026-08-22T13:05:42Z"}),
            serde_json::json!({"id": "secret_2", "name": "gone's, expired", "type": "private_key",
                "display_id": "sk_01***AB", "user_type": "user", "user_id": "user_gone",
                "status": "published", "created_at": "2026-01-01T00:00:00Z",
                "expires_at": "2026-02-01T00:00:00Z"}),
            serde_json::json!({"id": "secret_3", "name": "kept", "type": "private_key",
                "display_id": "sk_01***AC", "user_type": "service_account", "user_id": "user_bot",
                "service_account_name": "bot", "status": "published",
                "created_at": "2026-08-22T13:05:42Z"}),
        ]);
        let environment: Environment = serde_json::from_value(serde_json::json!({
            "id": "env_01K3ABCDEFGHJKMNPQRSTVWXYZ", "name": "Prod \"EU\"", "type": "production"
        }))
        .unwrap();
        for placed in [None, Some(&environment)] {
            let (fast, whole) =
                marked_both_ways(&text, Some("Bob"), Some("user_gone"), placed, now);
            assert_eq!(fast, whole);
            let keys: serde_json::Value = serde_json::from_str(&fast).unwrap();
            let marks: Vec<&serde_json::Value> = keys
                .as_array()
                .unwrap()
                .iter()
                .map(|k| &k["orphaned"])
                .collect();
            assert_eq!(
                marks,
                [
                    &serde_json::json!(true),
                    &serde_json::json!(false),
                    &serde_json::json!(false)
                ]
            );
        }
        // Members unknown: no field at all, in either path.
        let (fast, whole) = marked_both_ways(&text, None, None, None, now);
        assert_eq!(fast, whole);
        assert!(!fast.contains("orphaned"), "{fast}");
    }

    proptest! {
        #[test]
        fn any_listed_key_is_written_as_its_view(
            name in "\\PC{0,12}|[\\x00-\\x7f]{0,12}",
            roles in prop::collection::vec("[a-z_\"\\\\]{0,8}", 0..3),
            account in proptest::option::of("\\PC{0,6}"),
            created in -62_135_596_800i64..253_402_207_200,
            nanos in prop_oneof![Just(0i32), 0i32..1_000_000_000],
            offset in prop_oneof![Just(""), Just("+05:30"), Just("-00:00")],
            expires in proptest::option::of(-1_000_000i64..1_000_000),
            gone in proptest::option::of(prop_oneof![Just("user_01"), Just("user_02")]),
        ) {
            let now: Timestamp = "2026-08-22T13:05:42Z".parse().unwrap();
            let created = Timestamp::new(created, nanos).unwrap();
            // The server's form, or the same instant with an offset (read by jiff, printed in UTC).
            let created_text = created.to_string().replace('Z', if offset.is_empty() { "Z" } else { offset });
            let expires = expires.map(|s| (now + jiff::SignedDuration::from_secs(s)).to_string());
            let key = serde_json::json!({"id": "secret_1", "name": name, "type": "private_key",
                "display_id": "sk_01***AA", "roles": roles, "user_type": "service_account",
                "user_id": "user_01", "service_account_name": account, "status": "published",
                "created_at": created_text, "expires_at": expires});
            let text = body(&[key]);
            // Offsets that jiff does not read as given are left out of the comparison.
            prop_assume!(serde_json::from_str::<Page<ApiKey>>(&text).is_ok());
            let (fast, whole) = marked_both_ways(&text, None, gone, None, now);
            prop_assert_eq!(fast, whole);
        }
    }
}
