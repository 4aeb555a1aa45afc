//! `keys audit` end to end: exact findings and exit codes for keys of chosen ages and expiries.

use crate::harness::World;

/// The sandbox's admin key never expires, as admin keys often do not: these tests about the
/// rotation policy leave it out with `--no-expiry-keys ignore` (tests/cli/findings.rs has it).
const NO_EXPIRY_IGNORED: [&str; 2] = ["--no-expiry-keys", "ignore"];

fn audit(world: &World, args: &[&str]) -> crate::harness::Run {
    let mut all = vec!["keys", "audit"];
    all.extend_from_slice(&NO_EXPIRY_IGNORED);
    all.extend_from_slice(args);
    world.run(&all)
}

#[test]
fn a_clean_tenant_exits_zero() {
    let world = World::new();
    world.seed_key("fresh", None, 1, Some(60));
    let run = audit(&world, &[]);
    run.code(0).stderr_has(
        "All 2 key(s) pass: younger than 90d and none expires within 14d, no service-account key can do everything, every owner is still a member.",
    );
    assert_eq!(run.stdout, "");
    assert_eq!(
        audit(&world, &["-o", "json"]).code(0).json(),
        serde_json::json!([])
    );
    let quiet = audit(&world, &["-q"]);
    assert_eq!(
        (quiet.code, quiet.stdout.as_str(), quiet.stderr.as_str()),
        (0, "", "")
    );
}

#[test]
fn old_expiring_and_expired_keys_are_reported_with_reasons_and_exit_10() {
    let world = World::new();
    world.seed_key("fresh", None, 1, Some(60));
    let old = world.seed_key("old", None, 120, None).id;
    let soon = world.seed_key("soon", None, 10, Some(3)).id;
    let dead = world.seed_key("dead", None, 30, Some(-1)).id;

    let json = audit(&world, &["-o", "json"]).code(10).json();
    let got: Vec<(&str, Vec<&str>)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let reasons = f["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            (f["key"]["id"].as_str().unwrap(), reasons)
        })
        .collect();
    assert_eq!(
        got,
        [
            (dead.as_str(), vec!["expired"]),
            (soon.as_str(), vec!["expiring"]),
            (old.as_str(), vec!["too_old"])
        ]
    );
    assert_eq!(json[0]["key"]["expired"], true);
    assert_eq!(json[2]["detail"], "created 120 days ago (max age 90d)");
    assert_eq!(json[2]["fails"], true);
    assert_eq!(
        json[2]["command"],
        format!("flexprice-admin keys rotate {old}")
    );

    let plain = audit(&world, &[]);
    let lines: Vec<Vec<&str>> = plain
        .code(10)
        .stdout
        .lines()
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0][..2], [dead.as_str(), "dead"]);
    assert_eq!(lines[1][3], "expiring");
    assert!(
        lines[1][4].starts_with("expires in 2 days")
            || lines[1][4].starts_with("expires in 3 days"),
        "{:?}",
        lines[1]
    );

    let table = audit(&world, &["-o", "table"]);
    table
        .code(10)
        .stderr_has("flexprice-admin keys rotate ID")
        .stderr_has("flexprice-admin keys rotate --due");
    assert!(!table.stderr.contains("keys create"), "{}", table.stderr);

    // One line a key, saying which and why: what cron mails.
    let quiet = audit(&world, &["-q"]);
    let lines: Vec<&str> = quiet.code(10).stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", quiet.stdout);
    assert!(
        lines[0].starts_with(&format!("{dead} (dead): expired ")),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(&format!("{soon} (soon): expires in ")),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        format!("{old} (old): created 120 days ago (max age 90d)")
    );
}

#[test]
fn thresholds_are_configurable() {
    let world = World::new();
    let week_old = world.seed_key("week-old", None, 7, Some(40)).id;
    let run = audit(
        &world,
        &["--max-age", "5d", "--expiring-within", "30d", "-q"],
    );
    assert_eq!(
        run.code(10).stdout,
        format!("{week_old} (week-old): created 7 days ago (max age 5d)\n")
    );
    let run = audit(
        &world,
        &["--max-age", "5d", "--expiring-within", "45d", "-o", "json"],
    );
    assert_eq!(
        run.code(10).json()[0]["reasons"],
        serde_json::json!(["expiring", "too_old"])
    );
    audit(&world, &["--max-age", "5d"])
        .code(10)
        .stderr_has("`flexprice-admin keys rotate ID`")
        .stderr_has("`flexprice-admin keys rotate --due --max-age 5d`");
    audit(&world, &["--max-age", "8d"]).code(0);
}

#[test]
fn bad_thresholds_are_usage_errors() {
    let world = World::new();
    world
        .run(&["keys", "audit", "--max-age", "0d"])
        .code(2)
        .stderr_has("--max-age");
    world
        .run(&["keys", "audit", "--expiring-within", "-1d"])
        .code(2)
        .stderr_has("--expiring-within");
    world
        .run(&["keys", "audit", "--max-age", "forever"])
        .code(2)
        .stderr_has("--max-age");
    assert!(world.requests().is_empty());
}

/// `keys audit | head -1` over a large result: the reader closes the pipe before the audit has
/// written everything. Elsewhere a closed stdout ends the command quietly with 0; the audit's
/// finding is its exit code, so it stays 10. The pipe is closed before the command starts, so
/// every write fails, whatever the timing.
#[test]
fn a_closed_pipe_does_not_hide_the_finding() {
    let world = World::new();
    for i in 0..200 {
        world.seed_key(&format!("old-{i}"), None, 120, None);
    }
    for args in [
        &["keys", "audit"][..],
        &["keys", "audit", "-q"][..],
        &["keys", "audit", "-o", "json"][..],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = world.std_cmd();
        cmd.args(args).stdout(writer);
        let run = crate::harness::finish_std(&mut cmd);
        run.code(10);
        assert!(!run.stderr.contains("error"), "{args:?}: {}", run.stderr);
    }
    // The same with nothing to report stays 0.
    let clean = World::new();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = clean.std_cmd();
    cmd.args(["keys", "audit", "-o", "json"])
        .args(NO_EXPIRY_IGNORED)
        .stdout(writer);
    crate::harness::finish_std(&mut cmd).code(0);
}
