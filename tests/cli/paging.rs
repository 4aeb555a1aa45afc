//! Lists against a server that pages wrongly (issue 16, item 6): one that ignores `offset` and
//! answers every request with a full page of the same items, claiming a huge `total`, must not
//! make us page forever; the command stops when a page brings nothing new and says so. The
//! sandbox pages correctly, so these run against the hand-written server.

use serde_json::json;

use crate::harness::World;
use crate::rogue_server::{Reply, RogueRequest, RogueServer};

/// `secret_` + a valid ULID made from `i`.
fn key(i: u64) -> serde_json::Value {
    json!({
        "id": format!("secret_01K3{i:0>22}"),
        "name": format!("key-{i}"),
        "type": "private_key",
        "display_id": "sk_01***AA",
        "status": "published",
        "created_at": "2026-01-01T00:00:00Z",
    })
}

/// A keys endpoint that ignores `offset`: `limit` keys, always the first ones, and a total of a
/// billion.
fn ignores_offset(request: &RogueRequest) -> Reply {
    match request.path.as_str() {
        "/v1/secrets/api/keys" => {
            let limit = request.number("limit");
            let items: Vec<_> = (0..limit).map(key).collect();
            Reply::json(
                200,
                json!({"items": items, "pagination": {"total": 1_000_000_000u64, "limit": limit, "offset": limit}}),
            )
        }
        "/v1/users/search" => {
            let limit = request.body_number("limit");
            let items: Vec<_> = (0..limit)
                .map(|i| json!({"id": format!("user_01K3{i:0>22}"), "name": format!("bot-{i}"), "type": "service_account", "roles": ["event_reader"], "status": "published"}))
                .collect();
            Reply::json(
                200,
                json!({"items": items, "pagination": {"total": 1_000_000_000u64, "limit": limit, "offset": limit}}),
            )
        }
        "/v1/environments" => {
            let limit = request.number("limit");
            let items: Vec<_> = (0..limit)
                .map(|i| json!({"id": format!("env_01K3{i:0>22}"), "name": format!("env-{i}"), "type": "development"}))
                .collect();
            Reply::json(
                200,
                json!({"environments": items, "total": limit, "offset": 0, "limit": limit}),
            )
        }
        _ => Reply::json(404, json!({"error": "not found"})),
    }
}

fn run_against(server: &RogueServer, args: &[&str]) -> crate::harness::Run {
    let world = World::new();
    world.run_with(args, |cmd| {
        cmd.env("FLEXPRICE_API_URL", server.api_url());
    })
}

#[test]
fn keys_list_and_audit_stop_when_a_page_brings_nothing_new() {
    for args in [
        &["keys", "list"][..],
        &["keys", "list", "-o", "plain"][..],
        &["keys", "audit"][..],
    ] {
        let server = RogueServer::start(ignores_offset);
        let run = run_against(&server, args);
        run.code(1)
            .stderr_has("with the same items it had already sent, as if it ignored `offset`")
            .stderr_has("the list is incomplete")
            .stderr_has("hint: a proxy or cache");
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        let requests = server.requests();
        assert!(requests.iter().all(|r| r.method == "GET"), "{args:?}");
        let pages = requests.len();
        // The first page, then at most the four fetched at once and one more queued behind the
        // one that repeated: not the 400,000 a billion keys would take.
        assert!((3..=7).contains(&pages), "{args:?}: {pages} requests");
    }
}

#[test]
fn a_streamed_json_list_stops_too_and_keeps_what_it_had() {
    let server = RogueServer::start(ignores_offset);
    let run = run_against(&server, &["keys", "list", "-o", "json"]);
    run.code(1).stderr_has("as if it ignored `offset`");
    // Streamed as pages arrive: the 2,500 distinct keys written before the repeat, and the
    // array left open, so a script sees both a non-zero exit and a document that does not parse.
    assert_eq!(run.stdout.matches("\"id\": \"secret_").count(), 2500);
    assert!(serde_json::from_str::<serde_json::Value>(&run.stdout).is_err());
}

#[test]
fn service_accounts_and_environments_stop_too() {
    for args in [
        &["service-accounts", "list"][..],
        &["environments", "list"][..],
    ] {
        let server = RogueServer::start(ignores_offset);
        let run = run_against(&server, args);
        run.code(1)
            .stderr_has("as if it ignored `offset`")
            .stderr_has("stopped after 2 requests");
        assert_eq!(server.requests().len(), 2, "{args:?}");
    }
}

#[test]
fn pages_are_capped_at_what_total_could_need() {
    // Full pages of new keys for any offset, but a total of 3,000: three pages of 1,000, then
    // nothing more is asked for.
    let server = RogueServer::start(|request: &RogueRequest| {
        let (limit, offset) = (request.number("limit"), request.number("offset"));
        let items: Vec<_> = (offset..offset + limit).map(key).collect();
        Reply::json(
            200,
            json!({"items": items, "pagination": {"total": 3000, "limit": limit, "offset": offset + limit}}),
        )
    });
    let run = run_against(&server, &["keys", "list", "-q"]);
    run.code(0);
    assert_eq!(run.stdout.lines().count(), 3000);
    let offsets: Vec<u64> = server
        .requests()
        .iter()
        .map(|r| r.number("offset"))
        .collect();
    assert_eq!(offsets.len(), 3, "{offsets:?}");
}
