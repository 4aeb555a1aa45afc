//! Round trips (issue 13): what a user far from the server feels is the number of requests a
//! command makes one after the other. These tests pin each read command's requests: how many,
//! and that the independent ones are in flight together (both held at one sandbox gate at once,
//! which a command sending them one after the other could never do). No timing.

use flexprice_sandbox::SandboxOptions;

use crate::harness::{Run, World, fault};

/// Holds every request to `paths` at one gate, runs the command, and returns once the command
/// had all of them waiting at the gate together (then opens it).
fn held_together(world: &World, paths: &[(&str, &str)], args: &[&str]) -> Run {
    for (method, path) in paths {
        world
            .sandbox
            .add_fault(fault(&format!("{method} {path} hold=together")));
    }
    std::thread::scope(|s| {
        let run = s.spawn(|| world.run(args));
        // Panics (after the sandbox's bound) unless every request arrived while none was answered.
        world.sandbox.wait_held("together", paths.len());
        world.sandbox.release("together");
        run.join().expect("the command's thread")
    })
}

fn paths_requested(world: &World) -> Vec<String> {
    world
        .sandbox
        .requests()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn whoami_asks_who_and_which_roles_side_by_side() {
    let world = World::new();
    let run = held_together(
        &world,
        &[("GET", "/v1/users/me"), ("GET", "/v1/rbac/roles")],
        &["whoami", "-o", "json"],
    );
    let json = run.code(0).json();
    assert_eq!(json["id"], world.sandbox.admin_user_id());
    // From the sandbox's catalogue: super_admin grants `*:*`.
    assert_eq!(json["permissions"]["*"], serde_json::json!(["*"]));
    // Both were in flight at once, so either may be logged (answered) first.
    let mut requested = paths_requested(&world);
    requested.sort();
    assert_eq!(requested, ["GET /v1/rbac/roles", "GET /v1/users/me"]);
}

#[test]
fn keys_list_fetches_keys_and_owner_names_side_by_side() {
    let world = World::new();
    let run = held_together(
        &world,
        &[
            ("GET", "/v1/secrets/api/keys"),
            ("POST", "/v1/users/search"),
            ("POST", "/v1/users/search"),
        ],
        &["keys", "list", "-o", "plain"],
    );
    // The admin's own key, its owner shown by the admin's name, not by the user ID.
    let line = run
        .code(0)
        .stdout
        .lines()
        .next()
        .expect("one key")
        .to_string();
    let owner = line.split('\t').nth(2).expect("an OWNER field");
    assert_eq!(owner, "Admin", "{line}");
    let mut requested = paths_requested(&world);
    requested.sort();
    // The people (owners' names) and the service accounts (with them, whose keys are
    // orphaned).
    assert_eq!(
        requested,
        [
            "GET /v1/secrets/api/keys",
            "POST /v1/users/search",
            "POST /v1/users/search"
        ]
    );
}

#[test]
fn thousands_of_keys_come_in_one_request() {
    let world = World::with(SandboxOptions {
        seed_keys: 5200,
        ..SandboxOptions::default()
    });
    world.ignore_keys_without_expiry();
    for args in [
        &["keys", "list", "-q"][..],
        &["keys", "list", "-o", "json"][..],
        &["keys", "audit", "-o", "json"][..],
    ] {
        world.sandbox.clear_requests();
        let run = world.run(args);
        let listed = match args[1..] {
            ["list", "-q"] => run.code(0).stdout.lines().count(),
            ["list", ..] => run.code(0).json().as_array().unwrap().len(),
            // All young and without expiry: nothing to report.
            _ => {
                assert_eq!(run.code(0).json(), serde_json::json!([]));
                5201
            }
        };
        assert_eq!(listed, 5201, "{args:?}: 5200 seeded keys and the admin's");
        // The keys in one request; beside it, for JSON's `owner_name`, at most the tenant's
        // people (a request of its own, sent alongside, not after).
        let (requests, beside): (Vec<_>, Vec<_>) = world
            .sandbox
            .requests()
            .into_iter()
            .partition(|r| r.path == "/v1/secrets/api/keys");
        assert_eq!(requests.len(), 1, "{args:?}: {:?}", paths_requested(&world));
        assert!(
            beside.iter().all(|r| r.path == "/v1/users/search"),
            "{args:?}: {:?}",
            paths_requested(&world)
        );
        assert_eq!(
            requests[0].query.as_deref(),
            Some("limit=50000&offset=0&sort=created_at&order=desc"),
            "{args:?}"
        );
    }
    // An answer this large (about 2 MB) is decoded on two threads for `-o json`: the keys are
    // those `-o jsonl` writes from the same answer decoded whole, in the same order.
    let json = world.run(&["keys", "list", "-o", "json"]).code(0).json();
    let lines: Vec<serde_json::Value> = world
        .run(&["keys", "list", "-o", "jsonl"])
        .code(0)
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(json, serde_json::Value::Array(lines));
}

/// `keys rotate NAME`: four round trips, the minimum its data needs. The listing goes out with
/// `GET /users/me` (only a user key's owner may rotate it); after the create, the new key's
/// check and the listing of the owner's keys (has another run crossed this one?) go out
/// together; then the revocation. Each pair must be held at its gate at once.
#[test]
fn keys_rotate_takes_four_round_trips() {
    let world = World::new();
    let (old, _) = world.create_key(&["--name", "rt"]);
    let old_id = old["id"].as_str().unwrap().to_string();
    world.sandbox.clear_requests();
    // The first matching fault takes each request, one use each: the first two at `resolve`,
    // the next two at `check`.
    for gate in ["resolve", "check"] {
        for path in ["/v1/users/me", "/v1/secrets/api/keys"] {
            world
                .sandbox
                .add_fault(fault(&format!("GET {path} hold={gate} times=1")));
        }
    }
    let run = std::thread::scope(|s| {
        let run = s.spawn(|| world.run(&["keys", "rotate", "rt", "--yes"]));
        for gate in ["resolve", "check"] {
            world.sandbox.wait_held(gate, 2);
            world.sandbox.release(gate);
        }
        run.join().expect("the command's thread")
    });
    let new_secret = run.code(0).stdout.trim().to_string();
    let requested = paths_requested(&world);
    let owners = world
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/secrets/api/keys" && r.method == "GET")
        .nth(1)
        .and_then(|r| r.query)
        .unwrap_or_default();
    world.run_as(&new_secret, &["whoami", "-q"]).code(0);
    let sorted = |wave: &[String]| {
        let mut wave = wave.to_vec();
        wave.sort();
        wave
    };
    assert_eq!(requested.len(), 6, "{requested:?}");
    let together = ["GET /v1/secrets/api/keys", "GET /v1/users/me"];
    assert_eq!(sorted(&requested[0..2]), together, "{requested:?}");
    assert_eq!(requested[2], "POST /v1/secrets/api/keys", "{requested:?}");
    assert_eq!(sorted(&requested[3..5]), together, "{requested:?}");
    assert_eq!(
        requested[5],
        format!("DELETE /v1/secrets/api/keys/{old_id}"),
        "{requested:?}"
    );
    // The second listing asks only for the owner's keys made since the old one (a second of
    // slack).
    assert!(
        owners.contains(&format!("user_id={}", world.sandbox.admin_user_id())),
        "{owners}"
    );
    let created = old["created_at"]
        .as_str()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap();
    let since = owners
        .split('&')
        .find_map(|pair| pair.strip_prefix("start_time="))
        .expect("a start_time");
    let since: jiff::Timestamp = since.replace("%3A", ":").parse().unwrap();
    assert_eq!(
        created - since,
        jiff::SignedDuration::from_secs(1),
        "{owners}"
    );
}
