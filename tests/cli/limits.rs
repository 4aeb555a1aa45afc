//! Limits on what a new key may be (issue 16): its lifetime is held to ten years by the instant
//! it gives, not by its spelling, a rotated key's inherited lifetime included (item 10); a name
//! that looks like an ID is refused before anything is sent (item 12).

use jiff::{Span, Timestamp, tz::TimeZone};
use serde_json::Value;

use crate::harness::World;

/// The expiry `keys create --expires-in SPAN --dry-run` would send, with the clock at `now`; or
/// the run, when it was refused.
fn planned_expiry(world: &World, now: &str, span: &str) -> Result<String, crate::harness::Run> {
    let run = world.run_with(
        &[
            "keys",
            "create",
            "--name",
            "k",
            "--expires-in",
            span,
            "--dry-run",
            "-o",
            "json",
        ],
        |cmd| {
            cmd.env("FLEXPRICE_ADMIN_TEST_NOW", now);
        },
    );
    if run.code != 0 {
        return Err(run);
    }
    let plan: Value = run.json();
    Ok(plan[0]["body"]["expires_at"].as_str().unwrap().to_string())
}

#[test]
fn a_lifetime_is_checked_by_the_instant_it_gives_not_its_spelling() {
    let world = World::new();
    // From 2026-11-29, ten years cross three leap days: 10y, 3653d and 9y366d are one instant,
    // and all are accepted; a day more is not.
    let late = "2026-11-29T12:00:00Z";
    for span in ["10y", "3653d", "9y366d", "120mo"] {
        assert_eq!(
            planned_expiry(&world, late, span).map_err(|r| r.stderr),
            Ok("2036-11-29T12:00:00Z".to_string()),
            "{span}"
        );
    }
    // From 2026-01-15 they cross two: 3653d and 9y366d are a day beyond 10y.
    let early = "2026-01-15T00:00:00Z";
    assert_eq!(
        planned_expiry(&world, early, "10y").map_err(|r| r.stderr),
        Ok("2036-01-15T00:00:00Z".to_string())
    );
    for (now, span) in [
        (late, "3654d"),
        (late, "10y1s"),
        (early, "3653d"),
        (early, "9y366d"),
    ] {
        let run = planned_expiry(&world, now, span).expect_err(span);
        run.code(2)
            .stderr_has("--expires-in")
            .stderr_has("must be at most 10 years");
    }
    assert!(world.requests().is_empty());
}

fn ten_years_after(at: Timestamp) -> Timestamp {
    at.to_zoned_datetime(TimeZone::UTC)
        .checked_add(Span::new().years(10))
        .unwrap()
        .timestamp()
}

#[test]
fn rotating_a_key_that_outlives_the_cap_gives_a_key_within_it() {
    let world = World::new();
    let now = world.sandbox.now();
    // The API accepts any expiry: a key made elsewhere with a 20-year lifetime.
    let old = world.sandbox.seed_key(flexprice_sandbox::SeedKey {
        name: "forever".into(),
        created_at: Some(now - jiff::SignedDuration::from_hours(24)),
        expires_at: Some(ten_years_after(ten_years_after(now))),
        ..Default::default()
    });
    let before = Timestamp::now();
    let run = world.run(&["keys", "rotate", &old.id, "--yes", "-o", "json"]);
    let after = Timestamp::now();
    run.code(0);
    let json = run.json();
    assert_eq!(json["old_key"]["id"], old.id.as_str());
    let expires: Timestamp = json["new_key"]["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        expires <= ten_years_after(after),
        "{expires} is beyond ten years"
    );
    assert!(
        expires >= ten_years_after(before) - jiff::SignedDuration::from_secs(1),
        "{expires} is shorter than ten years: clamped, not shortened"
    );
    let new_id = json["new_key"]["id"].as_str().unwrap();
    assert_eq!(
        world.sandbox.key(new_id).unwrap().expires_at,
        Some(expires),
        "the server has the expiry shown"
    );
}

#[test]
fn names_that_look_like_ids_are_refused_before_anything_is_sent() {
    let world = World::new();
    let ulid = "01K3ABCDEFGHJKMNPQRSTVWXYZ";
    let key_id = format!("secret_{ulid}");
    let user_id = format!("user_{ulid}");
    let env_id = format!("env_{ulid}");
    let raw_key = format!("sk_{ulid}");
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["keys", "create", "--name", &key_id],
            "--name",
            "starts like a key ID (secret_…)",
        ),
        (
            vec!["keys", "create", "--name", "secret_prod"],
            "--name",
            "starts like a key ID (secret_…)",
        ),
        (
            vec!["keys", "create", "--name", &raw_key],
            "--name",
            "has the shape of a Flexprice ID",
        ),
        (
            vec!["keys", "create", "--name", &env_id, "--dry-run"],
            "--name",
            "has the shape of a Flexprice ID",
        ),
        (
            vec![
                "service-accounts",
                "create",
                "--name",
                &user_id,
                "--role",
                "event_reader",
            ],
            "--name",
            "starts like a service account ID (user_…)",
        ),
        (
            vec!["service-accounts", "rename", "bot", &key_id],
            "NEW_NAME",
            "starts like a key ID",
        ),
    ];
    for (args, flag, why) in cases {
        let run = world.run(&args);
        run.code(2)
            .stderr_has(flag)
            .stderr_has(why)
            .stderr_has("could not be told from an ID");
    }
    assert!(world.requests().is_empty());
    // Names merely near that shape are fine.
    world.create_key(&["--name", "secret-store"]);
    world.create_key(&["--name", "ingest_01K3"]);
}
