//! Tables as an operator sees them in a terminal of 80 and of 120 columns (a pseudo-terminal
//! sized with `stty`), snapshotted whole: the widest columns give way first, IDs shorten to a
//! start that is still unique (and is accepted back as input), words keep more than a letter.
//! Every key, time and ID is fixed, so each snapshot is the same on every run.

use flexprice_sandbox::SeedKey;
use jiff::{SignedDuration, Timestamp};

use crate::harness::World;

const NOW: &str = "2026-06-01T12:00:00Z";

/// A sandbox holding keys with fixed IDs, names, owners and times, and the tenant-level key
/// (not bound to an environment, so `--all-environments` works) as the credential. The
/// admin's own key, whose ID is new on every run, is revoked.
fn fixed_world() -> World {
    let world = World::new();
    let now: Timestamp = NOW.parse().unwrap();
    world.sandbox.set_now(now);
    let ingest = world
        .sandbox
        .seed_service_account("ingest", &["event_ingestor"]);
    let legacy = world
        .sandbox
        .seed_service_account("legacy-etl", &["super_admin"]);
    let admin_key = world
        .sandbox
        .keys()
        .into_iter()
        .find(|k| k.name == "admin")
        .unwrap()
        .id;
    let days = |d: i64| SignedDuration::from_hours(24 * d);
    let keys = [
        // Two keys made in the same second share `01JZ0000A`: they need one character more.
        (
            "secret_01JZ0000AA0000000000000001",
            "ci-json",
            Some(&ingest),
            None,
            -days(3),
            Some(days(87)),
        ),
        (
            "secret_01JZ0000AB0000000000000002",
            "short",
            Some(&ingest),
            None,
            -days(3),
            Some(days(87)),
        ),
        (
            "secret_01JX5K3M7N0000000000000003",
            "repository-sync-nightly",
            Some(&legacy),
            None,
            -days(200),
            None,
        ),
        (
            "secret_01JZ9Q2W4E0000000000000004",
            "just-mine",
            None,
            None,
            -SignedDuration::from_hours(1),
            Some(days(3)),
        ),
        (
            "secret_01JY7T6R5P0000000000000005",
            "billing-export-to-the-warehouse",
            Some(&ingest),
            Some(world.sandbox.production_environment_id().to_string()),
            -days(40),
            Some(days(50)),
        ),
    ];
    for (id, name, owner, environment, created, expires) in keys {
        world.sandbox.seed_key_with_id(
            id,
            SeedKey {
                name: name.into(),
                owner_user_id: owner.cloned(),
                environment_id: environment,
                created_at: Some(now + created),
                expires_at: expires.map(|e| now + e),
                ..SeedKey::default()
            },
        );
    }
    tenant(&world, &["keys", "delete", &admin_key, "--yes", "-q"]).code(0);
    world
}

/// Runs as the tenant-level key in the Sandbox environment, at [`NOW`], off a terminal.
fn tenant(world: &World, args: &[&str]) -> crate::harness::Run {
    world.run_with(args, |cmd| {
        cmd.env("FLEXPRICE_API_KEY", world.sandbox.tenant_key())
            .env(
                "FLEXPRICE_ENVIRONMENT_ID",
                world.sandbox.sandbox_environment_id(),
            )
            .env("FLEXPRICE_ADMIN_TEST_NOW", NOW);
    })
}

/// What a terminal of `columns` columns shows for `args`, run as [`tenant`] does, with the
/// sandbox's port made fixed.
fn screen(world: &World, columns: u16, args: &str) -> String {
    let mut cmd = std::process::Command::new("/bin/sh");
    cmd.env_clear()
        .envs(
            world
                .std_cmd()
                .get_envs()
                .filter_map(|(k, v)| Some((k, v?))),
        )
        .env("FLEXPRICE_API_KEY", world.sandbox.tenant_key())
        .env(
            "FLEXPRICE_ENVIRONMENT_ID",
            world.sandbox.sandbox_environment_id(),
        )
        .env("FLEXPRICE_ADMIN_TEST_NOW", NOW)
        .env("NO_COLOR", "1")
        .arg("-c")
        .arg(format!(
            "stty cols {columns} rows 60; exec '{}' {args}",
            crate::harness::bin().display()
        ));
    let mut session = crate::harness::pty(cmd);
    let raw = session.exp_eof().expect("exits");
    // rexpect hands back one char per byte: put the UTF-8 (`…`) back together.
    let text = String::from_utf8(raw.chars().map(|c| c as u32 as u8).collect()).unwrap();
    let port = world.sandbox.addr().port().to_string();
    let lines: Vec<String> = text
        .lines()
        .map(|l| fixed_times(&l.trim_end_matches('\r').replace(&port, "PORT0")))
        .collect();
    for line in &lines {
        assert!(
            line.chars().count() <= usize::from(columns),
            "wider than {columns}:\n{}",
            lines.join("\n")
        );
    }
    lines.join("\n")
}

/// `line` with every RFC 3339 time to the second (`2026-12-04T15:29:16Z`, the sandbox's start
/// for its seeded environments) replaced by [`NOW`]: the same width, the same on every run.
fn fixed_times(line: &str) -> String {
    let shape = |w: &[u8]| {
        w.len() == 20
            && w.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                10 => *b == b'T',
                13 | 16 => *b == b':',
                19 => *b == b'Z',
                _ => b.is_ascii_digit(),
            })
    };
    let mut out = line.to_string();
    while let Some(at) = out
        .as_bytes()
        .windows(20)
        .position(|w| shape(w) && w != NOW.as_bytes())
    {
        out.replace_range(at..at + 20, NOW);
    }
    out
}

#[test]
fn keys_list_at_80_and_120_columns() {
    let world = fixed_world();
    for columns in [80, 120] {
        insta::assert_snapshot!(
            format!("keys-list-{columns}"),
            screen(&world, columns, "keys list")
        );
        insta::assert_snapshot!(
            format!("keys-list-all-environments-{columns}"),
            screen(&world, columns, "keys list --all-environments")
        );
    }
}

#[test]
fn auth_status_and_environments_at_80_and_120_columns() {
    let world = fixed_world();
    for columns in [80, 120] {
        insta::assert_snapshot!(
            format!("auth-status-{columns}"),
            screen(&world, columns, "auth status")
        );
        insta::assert_snapshot!(
            format!("environments-list-{columns}"),
            screen(&world, columns, "environments list")
        );
    }
}

/// A shortened ID, copied from the table, is accepted wherever an ID is; one too short to be
/// unique is refused as ambiguous, listing the whole IDs, and revokes nothing.
#[test]
fn an_id_as_the_table_shortens_it_is_accepted_as_input() {
    let world = fixed_world();
    let table = screen(&world, 80, "keys list");
    let shown = table
        .lines()
        .find(|l| l.contains("ci-json"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    assert!(
        shown.len() < "secret_01JZ0000AA0000000000000001".len(),
        "shortened at 80 columns:\n{table}"
    );
    assert!("secret_01JZ0000AA0000000000000001".starts_with(&shown));

    let ambiguous = tenant(&world, &["keys", "delete", "secret_01JZ0000A", "--yes"]);
    ambiguous
        .code(2)
        .stderr_has("the IDs of 2 keys start with it")
        .stderr_has("secret_01JZ0000AA0000000000000001")
        .stderr_has("secret_01JZ0000AB0000000000000002");
    assert_eq!(
        world
            .sandbox
            .key("secret_01JZ0000AA0000000000000001")
            .unwrap()
            .status,
        "published"
    );
    tenant(&world, &["keys", "delete", &shown, "--yes"])
        .code(0)
        .stderr_has("Revoked key secret_01JZ0000AA0000000000000001 (ci-json)");
    assert_eq!(
        world
            .sandbox
            .key("secret_01JZ0000AB0000000000000002")
            .unwrap()
            .status,
        "published"
    );
}
