//! `keys list` (and the other lists) against a server that pages wrongly: one that ignores
//! `offset`, caps pages, changes its total while paging or cuts a page off must not make us
//! page forever, repeat keys or miss the failure. The sandbox pages correctly, so these run
//! against the hand-written server (rogue_server.rs).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::World;
use crate::rogue_server::{Reply, RogueRequest, RogueServer};

#[test]
fn a_server_that_overstates_total_does_not_make_us_page_forever() {
    let world = World::new();
    let key = r#"{"id":"secret_01K3ABCDEFGHJKMNPQRSTVWXYZ","name":"only","type":"private_key","display_id":"sk_01***AA","status":"published","created_at":"2026-01-01T00:00:00Z"}"#;
    let body = format!(
        r#"{{"items":[{key}],"pagination":{{"total":1000000000,"limit":1000,"offset":1000}}}}"#
    );
    world.add_fault(&format!(
        "GET /v1/secrets/api/keys status=200 content-type=application/json body={body}"
    ));
    let started = Instant::now();
    let run = world.run(&["keys", "list", "-q"]);
    assert_eq!(
        run.code(0).stdout,
        "secret_01K3ABCDEFGHJKMNPQRSTVWXYZ\n",
        "the repeated key is listed once"
    );
    let pages = world
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/secrets/api/keys")
        .count();
    assert!(pages <= 6, "{pages} pages requested");
    assert!(started.elapsed() < Duration::from_secs(10));
}

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

/// Pages of keys as a server that caps `limit` at 1,000 answers them, saying so in
/// `pagination.limit`.
const CAP: u64 = 1000;

/// A keys endpoint that caps pages at [`CAP`] and ignores `offset`: always the first keys, and a
/// total of a billion.
fn ignores_offset(request: &RogueRequest) -> Reply {
    match request.path.as_str() {
        "/v1/secrets/api/keys" => {
            let limit = request.number("limit").min(CAP);
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
        // Besides the keys, only the owners' names (a table asks for them side by side).
        let requests = server.requests();
        assert!(
            requests
                .iter()
                .all(|r| r.method == "GET" || r.path == "/v1/users/search"),
            "{args:?}"
        );
        let pages = requests.iter().filter(|r| r.method == "GET").count();
        // The first page, then at most the eight fetched at once: not the million a billion
        // keys would take.
        assert!((2..=9).contains(&pages), "{args:?}: {pages} requests");
    }
}

#[test]
fn a_streamed_json_list_stops_too_and_keeps_what_it_had() {
    let server = RogueServer::start(ignores_offset);
    let run = run_against(&server, &["keys", "list", "-o", "json"]);
    run.code(1).stderr_has("as if it ignored `offset`");
    // Streamed as pages arrive: the 1,000 distinct keys written before the repeat, and the
    // array left open, so a script sees both a non-zero exit and a document that does not parse.
    assert_eq!(run.stdout.matches("\"id\": \"secret_").count(), 1000);
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

/// A keys endpoint capping pages at [`CAP`] over `keys` (newest first), saying so in
/// `pagination.limit`.
fn capped_page(request: &RogueRequest, keys: &[u64]) -> Reply {
    let (limit, offset) = (request.number("limit").min(CAP), request.number("offset"));
    let items: Vec<_> = keys
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|&i| key(i))
        .collect();
    Reply::json(
        200,
        json!({"items": items, "pagination": {"total": keys.len(), "limit": limit, "offset": offset + limit}}),
    )
}

/// `(offset, limit)` of each keys request, sorted.
fn pages_asked(server: &RogueServer) -> Vec<(u64, u64)> {
    let mut pages: Vec<(u64, u64)> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/secrets/api/keys")
        .map(|r| (r.number("offset"), r.number("limit")))
        .collect();
    pages.sort();
    pages
}

/// The `key-N` numbers of a `-q` listing, in order.
fn listed(run: &crate::harness::Run) -> Vec<u64> {
    run.stdout
        .lines()
        .map(|id| {
            id.trim_start_matches("secret_01K3")
                .parse()
                .expect("a key of ours")
        })
        .collect()
}

#[test]
fn a_server_that_caps_pages_is_paged_by_our_own_offsets_up_to_total() {
    // Everything asked for at once; the server answers 1,000 of a total of 3,000 and says it
    // applied a limit of 1,000: the other two pages come by our own offsets (the server's
    // `pagination.offset` is the next one), and nothing beyond what `total` could need.
    let keys: Vec<u64> = (0..3000).collect();
    let server = RogueServer::start(move |request: &RogueRequest| capped_page(request, &keys));
    let run = run_against(&server, &["keys", "list", "-q"]);
    run.code(0);
    assert_eq!(listed(&run), (0..3000).collect::<Vec<_>>());
    assert_eq!(
        pages_asked(&server),
        [(0, 50_000), (1000, 1000), (2000, 1000)]
    );
}

#[test]
fn a_server_enforcing_the_declared_maximum_is_asked_again_within_it() {
    // The validation tag the real server never runs says `max=1000`: a server that runs it
    // refuses the big first request, and the listing starts over within the limit.
    let keys: Vec<u64> = (0..2500).collect();
    let server = RogueServer::start(move |request: &RogueRequest| {
        if request.number("limit") > 1000 {
            return Reply::json(
                400,
                json!({"error": {"message": "limit must be at most 1000"}}),
            );
        }
        capped_page(request, &keys)
    });
    let run = run_against(&server, &["keys", "list", "-q"]);
    run.code(0);
    assert_eq!(listed(&run), (0..2500).collect::<Vec<_>>());
    assert_eq!(
        pages_asked(&server),
        [(0, 1000), (0, 50_000), (1000, 1000), (2000, 1000)]
    );
}

#[test]
fn a_total_that_changes_while_paging_neither_repeats_keys_nor_chases_the_total() {
    // The first answer sees 3,000 keys; by the time the other pages are asked for, 500 newer
    // keys came in front (every later key moves back 500 places, so the second page repeats
    // keys of the first), or 300 were revoked from the first page's (the last page comes
    // short). Each key is listed once, nothing is asked for beyond what the first `total`
    // needed, and a short page is the end. (Keys that moved across a page boundary between
    // requests are missed, as with any paging by offset: 3,500..4,000 and 2,000..2,300 here.)
    let before: Vec<u64> = (1000..4000).collect();
    let grown: Vec<u64> = (500..4000).collect();
    let shrunk: Vec<u64> = (1000..1100).chain(1400..4000).collect();
    for (after, expected) in [
        (grown, (1000..3500).collect::<Vec<u64>>()),
        (shrunk, (1000..2000).chain(2300..4000).collect()),
    ] {
        let before = before.clone();
        let served_first = std::sync::atomic::AtomicBool::new(false);
        let server = RogueServer::start(move |request: &RogueRequest| {
            if !served_first.swap(true, std::sync::atomic::Ordering::SeqCst) {
                capped_page(request, &before)
            } else {
                capped_page(request, &after)
            }
        });
        let run = run_against(&server, &["keys", "list", "-q"]);
        run.code(0);
        let got = listed(&run);
        let mut unique = got.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), got.len(), "a key listed twice");
        assert_eq!(got, expected);
        assert_eq!(
            pages_asked(&server),
            [(0, 50_000), (1000, 1000), (2000, 1000)]
        );
    }
}

#[test]
fn a_page_cut_off_part_way_is_asked_again() {
    // The page at offset 1,000 arrives cut in half once: a read is safe to repeat, so it is
    // asked for again, and the listing is whole, each key once.
    let keys: Vec<u64> = (0..3000).collect();
    let cut = std::sync::atomic::AtomicBool::new(false);
    let server = RogueServer::start(move |request: &RogueRequest| {
        let reply = capped_page(request, &keys);
        if request.number("offset") == 1000 && !cut.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            reply.cut_in_half()
        } else {
            reply
        }
    });
    let run = run_against(&server, &["keys", "list", "-o", "json"]);
    let names: Vec<String> = run
        .code(0)
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        (0..3000).map(|i| format!("key-{i}")).collect::<Vec<_>>()
    );
    assert_eq!(
        pages_asked(&server),
        [(0, 50_000), (1000, 1000), (1000, 1000), (2000, 1000)]
    );
}

#[test]
fn a_page_that_keeps_failing_part_way_fails_the_listing() {
    // The page at offset 2,000 is cut off on every attempt. Streamed JSON keeps the 2,000 keys
    // before it and leaves the array open; the other formats print nothing; all exit 5 and say
    // which request failed.
    for args in [
        &["keys", "list", "-o", "json"][..],
        &["keys", "list", "-q"][..],
        &["keys", "audit"][..],
    ] {
        let keys: Vec<u64> = (0..3000).collect();
        let server = RogueServer::start(move |request: &RogueRequest| {
            let reply = capped_page(request, &keys);
            if request.number("offset") == 2000 {
                reply.cut_in_half()
            } else {
                reply
            }
        });
        let run = run_against(&server, args);
        run.code(5)
            .stderr_has("GET /v1/secrets/api/keys")
            .stderr_has("end of file before message length reached");
        if args.contains(&"json") {
            assert_eq!(run.stdout.matches("\"id\": \"secret_").count(), 2000);
            assert!(serde_json::from_str::<serde_json::Value>(&run.stdout).is_err());
        } else {
            assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        }
        let at_2000 = pages_asked(&server)
            .iter()
            .filter(|(offset, _)| *offset == 2000)
            .count();
        assert_eq!(at_2000, 4, "{args:?}: asked four times, then given up");
    }
}
