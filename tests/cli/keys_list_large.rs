//! `keys list -o json` and `keys audit` over a large answer, which they read by the listing's
//! fast path when it is laid out as the server writes it (`commands/keys/listing/fast.rs`),
//! against hostile answers: they must write byte for byte what serde_json's decoding writes, and
//! fail where it fails. The reference is the same answer with a space after `"items":[`, which
//! means the same to JSON but is never read by the fast path.

use serde_json::json;

use crate::harness::World;
use crate::rogue_server::{Reply, RogueRequest, RogueServer};

/// A server answering every keys request with `body` as it is, and no users.
fn serving(body: impl Into<Vec<u8>>) -> RogueServer {
    let body = body.into();
    RogueServer::start(move |request: &RogueRequest| match request.path.as_str() {
        "/v1/secrets/api/keys" => Reply {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.clone(),
            cut_at: None,
        },
        "/v1/users/search" => Reply::json(
            200,
            json!({"items": [], "pagination": {"total": 0, "limit": 0, "offset": 0}}),
        ),
        _ => Reply::json(404, json!({"error": "not found"})),
    })
}

/// Exit code and stdout of `keys list -o json ARGS` against `body`.
fn list(world: &World, body: impl AsRef<[u8]>, args: &[&str]) -> (i32, String) {
    let server = serving(body.as_ref());
    let mut all = vec!["keys", "list", "-o", "json"];
    all.extend_from_slice(args);
    let run = world.run_with(&all, |cmd| {
        cmd.env("FLEXPRICE_API_URL", server.api_url());
    });
    (run.code, run.stdout.clone())
}

/// `body` as serde_json decodes it: a space before its first item, which the fast path leaves.
fn by_serde_json(body: &str) -> String {
    assert!(
        body.contains("\"items\":[{"),
        "not a body the fast path reads"
    );
    body.replacen("\"items\":[", "\"items\":[ ", 1)
}

/// The key `i` as the server writes it, with a hostile name and, on some, an unknown field
/// holding objects (a `},{"` at depth 2, which the fast path leaves to serde_json).
fn key(i: usize) -> String {
    key_with(i, true)
}

/// The key `i` with no field holding objects.
fn plain_key(i: usize) -> String {
    key_with(i, false)
}

fn key_with(i: usize, nested: bool) -> String {
    let name = match i % 6 {
        0 => "x},{\"id\":\"y".to_string(),
        1 => "é 日本 😀 },{".to_string(),
        2 => "\\\"},{\"a".to_string(),
        _ => format!("key-{}", i % 7),
    };
    let mut key = json!({
        "id": format!("secret_01K3{i:0>22}"),
        "name": name,
        "type": "private_key",
        "display_id": "sk_01***AA",
        "roles": ["event_ingestor"],
        "user_type": "service_account",
        "service_account_name": "bot",
        "status": "published",
        "created_at": "2026-01-01T00:00:00Z",
    });
    if nested && i.is_multiple_of(4) {
        key["extra"] = json!([{"a": 1}, {"b": [{"c": 2}, {"d": "},{\"e"}]}]);
    }
    let text = key.to_string();
    if i % 6 == 3 {
        // A name written with `\u` escapes: the same text, unescaped by the decoder.
        text.replace(
            &format!("\"key-{}\"", i % 7),
            r#""\u00e9\u0022},{\"\u0069d""#,
        )
    } else {
        text
    }
}

/// `n` keys in one answer, compact, as the server writes every key at once.
fn body(n: usize, item: impl Fn(usize) -> String) -> String {
    let items: Vec<String> = (0..n).map(item).collect();
    format!(
        r#"{{"items":[{}],"pagination":{{"total":{n},"limit":0,"offset":0}}}}"#,
        items.join(",")
    )
}

const KEYS: usize = 3000;

#[test]
fn hostile_names_and_nested_objects_are_written_as_serde_json_writes_them() {
    let world = World::new();
    for body in [body(KEYS, key), body(KEYS, plain_key)] {
        assert!(body.len() > 600 * 1024, "large");
        for args in [
            &[][..],
            &["--limit", "10"][..],
            &["--limit", "2999"][..],
            &["--name", "key-3"][..],
            &["--name", "x},{\"id\":\"y", "--limit", "400"][..],
        ] {
            let (code, fast) = list(&world, &body, args);
            assert_eq!(
                (code, &fast),
                (0, &list(&world, by_serde_json(&body), args).1)
            );
            let keys = serde_json::from_str::<serde_json::Value>(&fast).unwrap();
            assert!(!keys.as_array().unwrap().is_empty(), "{args:?}");
        }
    }
}

#[test]
fn a_malformed_large_answer_fails_as_serde_json_fails() {
    let world = World::new();
    for (nested, good) in [(true, body(KEYS, key)), (false, body(KEYS, plain_key))] {
        let bad_item = |at: usize, with: &'static str| {
            body(KEYS, move |i| {
                if i == at {
                    with.to_string()
                } else {
                    key_with(i, nested)
                }
            })
        };
        for (what, hostile) in [
            ("a number in the second half", bad_item(2500, "7")),
            ("a number in the first half", bad_item(200, "7")),
            ("an item missing its id", bad_item(2000, r#"{"name":"n"}"#)),
            ("trailing garbage", format!("{good}x")),
            ("a form feed after the answer", format!("{good}\u{c}")),
            ("a form feed before the answer", format!("\u{c}{good}")),
            (
                "a form feed before pagination",
                good.replacen("],\"pagination\"", "],\u{c}\"pagination\"", 1),
            ),
            (
                "a form feed inside pagination",
                good.replacen("\"pagination\":{", "\"pagination\":\u{c}{", 1),
            ),
        ] {
            let fast = list(&world, &hostile, &[]);
            let reference = list(&world, by_serde_json(&hostile), &[]);
            assert_ne!(reference.0, 0, "{what}: serde_json refuses it");
            assert_eq!(fast, reference, "{what} (nested {nested})");
        }
    }
}

#[test]
fn a_lying_total_is_judged_as_serde_json_judges_it() {
    let world = World::new();
    for total in [0, 1, KEYS - 1, KEYS + 1, 10 * KEYS] {
        let hostile = body(KEYS, plain_key).replacen(
            &format!("\"total\":{KEYS}"),
            &format!("\"total\":{total}"),
            1,
        );
        for args in [&[][..], &["--limit", "5"][..]] {
            assert_eq!(
                list(&world, &hostile, args),
                list(&world, by_serde_json(&hostile), args),
                "total {total} {args:?}"
            );
        }
    }
}

/// The key `i` of an audit: old, expired, living a week (which churns), living long or fine,
/// by turns, with the hostile names and nested objects above.
fn audit_key(i: usize, nested: bool) -> String {
    let now = jiff::Timestamp::now();
    let at = |days: i64| (now + jiff::SignedDuration::from_hours(24 * days)).to_string();
    let (created, expires) = match i % 5 {
        0 => (at(-200), None),
        1 => (at(-10), Some(at(-1))),
        2 => (at(-2), Some(at(5))),
        3 => (at(-10), Some(at(400))),
        _ => (at(-10), None),
    };
    let mut key: serde_json::Value = serde_json::from_str(&key_with(i, nested)).unwrap();
    key["created_at"] = json!(created);
    key["expires_at"] = json!(expires);
    key.to_string()
}

#[test]
fn keys_audit_over_a_large_answer_finds_and_warns_as_serde_json_does() {
    let world = World::new();
    let audit = |body: &str, args: &[&str]| {
        let server = serving(body.to_string());
        let mut all = vec!["keys", "audit", "-o", "json"];
        all.extend_from_slice(args);
        let run = world.run_with(&all, |cmd| {
            cmd.env("FLEXPRICE_API_URL", server.api_url());
        });
        (run.code, run.stdout.clone(), run.stderr.clone())
    };
    for nested in [true, false] {
        let body = body(KEYS, |i| audit_key(i, nested));
        assert!(body.len() > 600 * 1024, "large");
        for args in [&[][..], &["--name", "key-3"][..]] {
            let fast = audit(&body, args);
            assert_eq!(fast, audit(&by_serde_json(&body), args), "{args:?}");
            assert_eq!(fast.0, 10, "{args:?}: findings");
            let found: Vec<serde_json::Value> = serde_json::from_str(&fast.1).unwrap();
            assert!(!found.is_empty());
            // The keys that live a week churn, and the first three are named, in order.
            assert!(fast.2.contains("live"), "{}", fast.2);
        }
    }
    // A malformed key in the middle fails as serde_json fails.
    let bad = self::body(KEYS, |i| {
        if i == 1500 {
            "7".to_string()
        } else {
            audit_key(i, true)
        }
    });
    let (fast, reference) = (audit(&bad, &[]), audit(&by_serde_json(&bad), &[]));
    assert_eq!((fast.0, &fast.1), (reference.0, &reference.1));
    assert_ne!(fast.0, 0);
    for (_, _, stderr) in [fast, reference] {
        assert!(stderr.contains("invalid type: integer `7`"), "{stderr}");
    }
}

/// `body` with a byte that is never UTF-8 (0xFF) inserted after the first `after`.
fn not_utf8(body: &str, after: &str) -> Vec<u8> {
    let at = body.find(after).expect("in the body") + after.len();
    let mut bytes = body.as_bytes().to_vec();
    bytes.insert(at, 0xFF);
    bytes
}

#[test]
fn a_large_answer_that_is_not_utf8_is_refused_before_any_key_as_serde_json_refuses_it() {
    let world = World::new();
    let audit = |body: &[u8]| {
        let server = serving(body);
        let run = world.run_with(&["keys", "audit", "-o", "json"], |cmd| {
            cmd.env("FLEXPRICE_API_URL", server.api_url());
        });
        (run.code, run.stdout.clone(), run.stderr.clone())
    };
    let good = body(KEYS, |i| audit_key(i, false));
    assert!(good.len() > 600 * 1024, "large");
    // In the name of a key far into the answer, and in an unknown field of `pagination`.
    let late = format!("\"id\":\"secret_01K3{:0>22}\",\"name\":\"", 2500);
    let in_a_key = |body: &str| not_utf8(body, &late);
    let in_pagination = |body: &str| {
        let body = body.replacen("\"offset\":0", "\"offset\":0,\"x\":\"\"", 1);
        not_utf8(&body, "\"x\":\"")
    };
    for (what, spoil) in [
        ("a key far in", &in_a_key as &dyn Fn(&str) -> Vec<u8>),
        ("pagination", &in_pagination),
    ] {
        let (fast, reference) = (spoil(&good), spoil(&by_serde_json(&good)));
        for (code, stdout) in [list(&world, &fast, &[]), list(&world, &reference, &[])] {
            let written = stdout.len();
            assert_eq!((code, stdout == "["), (1, true), "{what}: {written} bytes");
        }
        for (code, stdout, stderr) in [audit(&fast), audit(&reference)] {
            assert_eq!((code, stdout.as_str()), (1, ""), "{what}: {stderr}");
            assert!(
                stderr.contains("the answer is not UTF-8"),
                "{what}: {stderr}"
            );
        }
    }
}

/// The key `i` as a server might write it with nothing escaped, so that a page of them is read
/// by the listing's fast path (`commands/keys/listing/fast.rs`; the keys above hold a `\`):
/// fields in another order, unknown fields repeated or named as a known one is in Rust
/// (`key_type`, `Type`), `null`s, empty roles, times in forms other than we print, strings
/// holding `},{` and characters JSON takes raw (DEL, U+2028); and, on some keys, a layout the
/// fast path leaves to serde_json (a space, a number, an object).
fn unescaped_key(i: usize) -> String {
    let name = match i % 5 {
        0 => "a},{'id':'b".to_string(),
        1 => "é\u{7f}\u{2028}😀,}]".to_string(),
        _ => format!("key-{}", i % 7),
    };
    let created = match i % 4 {
        0 => "2026-08-22T13:05:42.123456Z",
        1 => "2026-08-22t14:05:42.5+01:00",
        2 => "2026-08-22T13:05:42.100Z",
        _ => "2026-08-22 13:05:42Z",
    };
    let head = format!(r#""id":"secret_01K3{i:0>22}","name":"{name}","type":"private_key""#);
    let rest =
        format!(r#""display_id":"sk_01***AA","status":"published","created_at":"{created}""#);
    let extra = match i % 6 {
        0 => r#""x":"1","x":["},{"],"key_type":"t","Type":null,"roles":[]"#,
        1 => r#""user_id":null,"expires_at":null,"service_account_name":"bot","roles":["a","b"]"#,
        2 => r#""expires_at":"2027-01-01T00:00:00Z","user_type":"user","é":[]"#,
        3 => r#""expires_at": "2027-01-01T00:00:00Z""#,
        4 => r#""n":-0,"m":1e5,"o":{"p":"q"}"#,
        _ => r#""expires_at":"0000-01-01T00:00:00Z","roles":["😀"]"#,
    };
    if i.is_multiple_of(2) {
        format!("{{{rest},{extra},{head}}}")
    } else {
        format!("{{{head},{extra},{rest}}}")
    }
}

#[test]
fn unescaped_keys_read_by_the_fast_path_are_written_as_serde_json_writes_them() {
    let world = World::new();
    let good = body(KEYS, unescaped_key);
    assert!(good.len() > 600 * 1024, "large");
    assert!(!good.contains('\\'), "nothing escaped");
    serde_json::from_str::<serde_json::Value>(&good).unwrap();
    for args in [&[][..], &["--limit", "2999"][..], &["--name", "key-3"][..]] {
        let (code, fast) = list(&world, &good, args);
        let reference = list(&world, by_serde_json(&good), args).1;
        assert_eq!((code, fast.len()), (0, reference.len()), "{args:?}");
        assert!(fast == reference, "{args:?}");
    }
    // Keys serde_json refuses, far into the answer (in a key the fast path reads): a known field
    // twice, and a time it cannot read.
    let id = format!(r#""id":"secret_01K3{:0>22}""#, 2502);
    for (what, hostile) in [
        (
            "a name twice",
            good.replacen(&id, &format!(r#"{id},"name":"n""#), 1),
        ),
        (
            "roles twice",
            good.replacen(&id, &format!(r#"{id},"roles":[],"roles":[]"#), 1),
        ),
        (
            "expires_at twice",
            good.replacen(
                &id,
                &format!(r#"{id},"expires_at":null,"expires_at":null"#),
                1,
            ),
        ),
        (
            "February 30th",
            good.replacen(
                &id,
                &format!(r#"{id},"expires_at":"2026-02-30T00:00:00Z""#),
                1,
            ),
        ),
    ] {
        assert_ne!(hostile, good, "{what}");
        let fast = list(&world, &hostile, &[]);
        let reference = list(&world, by_serde_json(&hostile), &[]);
        assert_ne!(reference.0, 0, "{what}: serde_json refuses it");
        // Not the outputs themselves on failure: megabytes.
        assert_eq!(
            (fast.0, fast.1.len()),
            (reference.0, reference.1.len()),
            "{what}"
        );
        assert!(fast.1 == reference.1, "{what}");
    }
}

/// The credential in a large answer's names, plain (read by the fast path) or `\u`-escaped (by
/// serde_json alone): written redacted either way, the same bytes as serde_json's path.
#[test]
fn the_credential_in_a_large_answer_is_redacted_on_both_paths() {
    let world = World::new();
    let admin = world.sandbox.admin_key().to_string();
    let escaped: String = admin
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let plain = body(KEYS, |i| {
        unescaped_key(i).replacen("\"name\":\"", &format!("\"name\":\"{admin} "), 1)
    });
    assert!(!plain.contains('\\'), "read by the fast path");
    let (code, fast) = list(&world, &plain, &[]);
    assert_eq!(code, 0);
    assert!(!crate::harness::leaks(&fast, &admin));
    assert_eq!(
        fast.matches(&crate::harness::display_form(&admin)).count(),
        KEYS
    );
    assert!(fast == list(&world, by_serde_json(&plain), &[]).1);
    // Escaped, the key is a name's text only once decoded: still never shown.
    let hidden = plain.replace(&admin, &escaped);
    let (code, shown) = list(&world, &hidden, &[]);
    assert_eq!(code, 0);
    assert!(
        !crate::harness::leaks(&shown, &admin),
        "an escaped credential is shown"
    );
}
