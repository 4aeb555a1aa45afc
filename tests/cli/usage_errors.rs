//! Bad input on any command: exit 2, naming the flag or argument at fault and the fix, before any
//! request is sent.

use jiff::{SignedDuration, Timestamp, ToSpan, tz::TimeZone};

use crate::harness::World;

/// Bad input, each case as (arguments, texts the error must contain: the flag or argument at
/// fault; for an unknown word, what clap says about it and the usage it points to). Dates are
/// derived from now, so each case tests the same thing whatever day the suite runs.
fn bad_input() -> Vec<(Vec<String>, Vec<&'static str>)> {
    let now = Timestamp::now();
    let utc = now.to_zoned_datetime(TimeZone::UTC);
    let past = (now - SignedDuration::from_hours(24)).to_string();
    let too_far = utc.checked_add(11.years()).unwrap().timestamp().to_string();
    let no_such_month = format!("{}-13-01T00:00:00Z", utc.year() + 1);
    let in_a_month = (now + SignedDuration::from_hours(24 * 30)).to_string();
    vec![
        // durations and dates
        (
            words("keys create --name k --expires-in soon"),
            vec!["--expires-in"],
        ),
        (
            words("keys create --name k --expires-in -1d"),
            vec!["--expires-in"],
        ),
        (
            words("keys create --name k --expires-in 0s"),
            vec!["--expires-in"],
        ),
        (
            words("keys create --name k --expires-in 500y"),
            vec!["--expires-in"],
        ),
        (
            words("keys create --name k --expires-in 90"),
            vec!["--expires-in"],
        ),
        (
            words("keys create --name k --expires-at yesterday"),
            vec!["--expires-at"],
        ),
        (
            words(&format!("keys create --name k --expires-at {past}")),
            vec!["--expires-at", "in the past"],
        ),
        (
            words(&format!("keys create --name k --expires-at {too_far}")),
            vec!["--expires-at", "years away"],
        ),
        (
            words(&format!(
                "keys create --name k --expires-at {no_such_month}"
            )),
            vec!["--expires-at", "RFC 3339"],
        ),
        (
            words(&format!(
                "keys create --name k --expires-in 1d --expires-at {in_a_month}"
            )),
            vec!["--expires-at", "cannot be used with"],
        ),
        (
            words("keys create --name k --no-expiry --expires-in 1d"),
            vec!["--no-expiry"],
        ),
        (
            words("keys rotate k --expires-in never"),
            vec!["--expires-in"],
        ),
        (words("keys audit --max-age -90d"), vec!["--max-age"]),
        (
            words("keys audit --expiring-within lots"),
            vec!["--expiring-within"],
        ),
        // names
        (strings(&["keys", "create", "--name", ""]), vec!["--name"]),
        (
            strings(&["keys", "create", "--name", "   "]),
            vec!["--name"],
        ),
        (
            strings(&["keys", "create", "--name", "bad\nname"]),
            vec!["--name"],
        ),
        (
            strings(&["keys", "create", "--name", "esc\u{1b}[31m"]),
            vec!["--name"],
        ),
        (
            strings(&[
                "service-accounts",
                "create",
                "--name",
                "\t",
                "--role",
                "event_reader",
            ]),
            vec!["--name"],
        ),
        (
            strings(&["service-accounts", "rename", "bot", ""]),
            vec!["NEW_NAME"],
        ),
        (
            strings(&["keys", "list", "--name", "\u{7}"]),
            vec!["--name"],
        ),
        // roles
        (
            words("service-accounts create --name b --role wizard"),
            vec!["--role"],
        ),
        (
            words("service-accounts create --name b --role event_reader --role event_reader"),
            vec!["--role"],
        ),
        (
            words("service-accounts create --name b --role super_admin --role event_ingestor"),
            vec!["--role"],
        ),
        (
            words("service-accounts create --name b --role all_writer"),
            vec!["--role"],
        ),
        (words("service-accounts create --name b"), vec!["--role"]),
        (words("roles list --for robot"), vec!["--for"]),
        // IDs
        (words("keys delete secret_123 --yes"), vec!["malformed"]),
        (
            words("keys delete secret_01K3ABCDEFGHJKMNPQRSTVWXYI --yes"),
            vec!["malformed"],
        ),
        (words("keys rotate secret_x --yes"), vec!["malformed"]),
        (
            words("keys create --name k --service-account user_short"),
            vec!["--service-account"],
        ),
        (
            words("keys list --service-account user_!!!"),
            vec!["--service-account"],
        ),
        (
            words("service-accounts delete user_0 --yes"),
            vec!["malformed"],
        ),
        (words("keys delete"), vec!["ID|NAME"]),
        (words("keys rotate k --due"), vec!["--due"]),
        // URLs
        (
            strings(&["--api-url", "not a url", "whoami"]),
            vec!["--api-url"],
        ),
        (
            words("--api-url ftp://example.com/v1 whoami"),
            vec!["--api-url"],
        ),
        (
            words("--api-url http://api.example.com/v1 whoami"),
            vec!["--allow-insecure-http"],
        ),
        (
            words("--api-url https://api.example.com/v2 whoami"),
            vec!["--api-url"],
        ),
        (
            words("--api-url https://user:pass@api.example.com/v1 whoami"),
            vec!["--api-url"],
        ),
        (
            words("--api-url https://api.example.com/v1?x=1 whoami"),
            vec!["--api-url"],
        ),
        // output formats and other globals
        (words("-o yaml whoami"), vec!["--output"]),
        (strings(&["--output", "", "whoami"]), vec!["--output"]),
        (words("--color sometimes whoami"), vec!["--color"]),
        (words("--timeout 0 whoami"), vec!["--timeout"]),
        (words("--timeout -5 whoami"), vec!["--timeout"]),
        (words("--timeout forever whoami"), vec!["--timeout"]),
        (words("keys list --limit 0"), vec!["--limit"]),
        (words("keys list --limit many"), vec!["--limit"]),
        // --store destinations
        (
            words("keys create --name k --store ftp://x"),
            vec!["--store"],
        ),
        (words("keys create --name k --store file:"), vec!["--store"]),
        (words("keys create --name k --store exec:"), vec!["--store"]),
        (
            words("keys create --name k --store exec:'unterminated"),
            vec!["--store"],
        ),
        (
            words("keys create --name k --store file:/tmp"),
            vec!["--store"],
        ),
        (
            words("keys create --name k --store file:/no/such/dir/k"),
            vec!["--store"],
        ),
        (
            words("keys create --name k --store exec:no-such-program-anywhere"),
            vec!["--store"],
        ),
        (
            words("keys create --name k --on-store-failure shrug"),
            vec!["--on-store-failure"],
        ),
        // profiles
        (words("--profile nope whoami"), vec!["--profile"]),
        // unknown things
        (
            words("keys explode"),
            vec![
                "unrecognized subcommand 'explode'",
                "Usage: flexprice-admin keys ",
            ],
        ),
        (
            words("whoami --frobnicate"),
            vec![
                "unexpected argument '--frobnicate'",
                "Usage: flexprice-admin whoami ",
            ],
        ),
    ]
}

/// A command line's words (none of them empty or holding a space).
fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(String::from).collect()
}

/// Arguments that are not [`words`]'s kind: one empty, holding a space or a control character.
fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_string()).collect()
}

/// How many bad-input cases the matrix holds: pinned, so a case cannot vanish unnoticed.
const BAD_INPUT_CASES: usize = 60;

#[test]
fn bad_input_exits_2_names_the_flag_and_sends_nothing() {
    let world = World::new();
    let cases = bad_input();
    assert_eq!(
        cases.len(),
        BAD_INPUT_CASES,
        "a case was added or lost: update the count"
    );
    // Every case runs and every failing one is reported, not only the first.
    let mut failures = Vec::new();
    for (args, needles) in &cases {
        let run = world.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let mut wrong = Vec::new();
        if run.code != 2 {
            wrong.push(format!("exit {} instead of 2", run.code));
        }
        for needle in needles {
            if !run.stderr.contains(needle) {
                wrong.push(format!("does not name {needle:?}"));
            }
        }
        if run.stderr.contains("panicked") {
            wrong.push("panicked".to_string());
        }
        if !run.stdout.is_empty() {
            wrong.push(format!("printed data {:?}", run.stdout));
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{args:?}: {}
{}",
                wrong.join("; "),
                run.stderr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad-input cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    let sent = world.requests();
    assert!(
        sent.is_empty(),
        "bad input sent requests: {:?}",
        sent.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
}
