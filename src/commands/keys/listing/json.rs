//! `keys list -o json`'s writer: each listed key rendered straight from the answer, byte for
//! byte as serde_json's pretty printer writes its [`KeyJson`](crate::views::KeyJson) in an
//! array, into one buffer written out a chunk at a time. Building the views and printing them
//! with serde_json instead cost 61M more instructions over 10,000 keys (doc/performance.md).

use std::collections::HashMap;
use std::io::{self, Write};

use jiff::Timestamp;

use super::key::{ListedKey, Text};
use crate::api::models::Environment;
use crate::commands::keys::scope::KeyScope;
use crate::commands::members::Members;
use crate::output::Output;

/// Rendered keys are written out when they reach this size: one buffer, reused while it is in
/// the cache, rather than megabytes of fresh memory for the kernel to map.
const CHUNK: usize = 64 * 1024;

/// What `keys list -o json` shows of the listed keys: those in `scope`, each with its user's
/// name (`users`: user ID to label), marked orphaned or not when the tenant's `members` are
/// known, and with the `environment` they all live in when it is known.
pub struct Shown<'r> {
    pub scope: &'r KeyScope,
    pub users: &'r HashMap<String, String>,
    pub members: Option<&'r Members>,
    pub environment: Option<&'r Environment>,
    pub now: Timestamp,
}

/// A pretty JSON array of listed keys on `out`, written as they come: those [`Shown`] shows, up
/// to `left` of them. Byte for byte what serde_json writes for a `Vec` of their views.
pub struct JsonWriter<'r, W: Write> {
    out: W,
    rendered: Vec<u8>,
    shown: Shown<'r>,
    left: usize,
    empty: bool,
}

impl<'r, W: Write> JsonWriter<'r, W> {
    /// Opens the array.
    pub fn new(mut out: W, shown: Shown<'r>, left: usize) -> io::Result<Self> {
        out.write_all(b"[")?;
        Ok(JsonWriter {
            out,
            rendered: Vec::with_capacity(CHUNK + 4096),
            shown,
            left,
            empty: true,
        })
    }

    /// Renders one key of the listing when it is shown, writing out a full chunk.
    pub fn write(&mut self, key: &ListedKey<'_>) -> io::Result<()> {
        let shown = &self.shown;
        if self.left == 0 || !shown.scope.matches_listed(key) {
            return Ok(());
        }
        self.left -= 1;
        let user_name = match (&key.service_account_name, &key.user_id) {
            (None, Some(user)) => shown.users.get(user.as_str()).map(String::as_str),
            _ => None,
        };
        let orphaned = shown.members.map(|m| {
            m.orphans(
                key.user_id.as_ref().map(|u| u.as_str()),
                key.expires_at.map(|at| at.at),
                shown.now,
            )
        });
        let first = std::mem::replace(&mut self.empty, false);
        self.rendered
            .extend_from_slice(if first { b"\n  " } else { b",\n  " });
        render(
            &mut self.rendered,
            key,
            user_name,
            orphaned,
            shown.environment,
            shown.now,
        );
        if self.rendered.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes out what is rendered: at the end of each answer, so that a listing that fails
    /// on a later page leaves every key before it on stdout.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.rendered)?;
        self.rendered.clear();
        self.out.flush()
    }

    /// Closes the array, ends the line and flushes.
    pub fn finish(mut self) -> io::Result<()> {
        self.flush()?;
        self.out
            .write_all(if self.empty { b"]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

/// Stdout, written through [`Output::bytes`]: a [`JsonWriter`]'s `out` for `keys list`.
pub struct OutputBytes<'o>(pub &'o Output);

impl Write for OutputBytes<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.bytes(bytes)?;
        Ok(bytes.len())
    }

    /// Nothing to do: each write is flushed.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Appends a listed key as its view (`user_name`: a user key's owner's name; `orphaned`:
/// `None` when the members are not known; `environment`: the one it lives in, when known), at
/// the depth of an item of a top-level array: no view built, no string copied, no time
/// parsed or printed again when the server's text is already ours.
fn render(
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::api::models::{ApiKey, Page, User};
    use crate::output::render_json;
    use crate::views::KeyJson;

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
    /// left (`Some(owner)`: every other owner is a member), as `keys list` marks them once it
    /// has read the tenant's members.
    fn marked_both_ways(
        body: &str,
        user: Option<&str>,
        gone: Option<&str>,
        environment: Option<&Environment>,
        now: Timestamp,
    ) -> (String, String) {
        let page: Page<ApiKey> = serde_json::from_str(body).unwrap();
        let owners = || page.items.iter().filter_map(|k| k.user_id.clone());
        let users: HashMap<String, String> = match user {
            Some(user) => owners().map(|id| (id, user.to_string())).collect(),
            None => HashMap::new(),
        };
        let members = gone.map(|gone| {
            let stayed = owners()
                .filter(|id| id != gone)
                .map(|id| serde_json::from_value::<User>(serde_json::json!({"id": id})).unwrap())
                .collect();
            Members::new(stayed, Vec::new())
        });
        let views: Vec<KeyJson> = page
            .items
            .into_iter()
            .map(|k| {
                let owner = k.user_id.as_ref().and_then(|id| users.get(id));
                let owner = owner.filter(|_| k.service_account_name.is_none()).cloned();
                let orphaned = crate::commands::members::orphaned(members.as_ref(), &k, now);
                KeyJson::from_key(k, owner, now)
                    .with_orphaned(orphaned)
                    .in_environment(environment)
            })
            .collect();
        let mut whole = Vec::new();
        render_json(&mut whole, &views).unwrap();
        let scope = KeyScope::default();
        let shown = Shown {
            scope: &scope,
            users: &users,
            members: members.as_ref(),
            environment,
            now,
        };
        let mut written = Vec::new();
        let mut writer = JsonWriter::new(&mut written, shown, usize::MAX).unwrap();
        let page: Page<ListedKey<'_>> = serde_json::from_str(body).unwrap();
        for key in &page.items {
            writer.write(key).unwrap();
        }
        writer.finish().unwrap();
        (
            String::from_utf8(written).unwrap(),
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
