//! `auth login --email`: a dashboard user's email and password exchanged for a login token
//! (`POST /v1/auth/login`), kept in the real keychain, used for `--all-environments`, said when
//! it expires, asked for again on a terminal once it has, refused with exit 3 off one. The
//! password comes from a hidden prompt, stdin or a file, and never shows anywhere.

use jiff::{SignedDuration, Timestamp};

use crate::harness::{Run, World};
use crate::secret_service::{address, secret_tool_lookup, unique};

/// Runs with no API key in the environment, the keychain reachable, and the profile named.
fn bare(
    world: &World,
    profile: &str,
    args: &[&str],
    adjust: impl FnOnce(&mut assert_cmd::Command),
) -> Run {
    let mut all = vec!["--profile", profile];
    all.extend_from_slice(args);
    world.run_with(&all, |cmd| {
        cmd.env_remove("FLEXPRICE_API_KEY")
            .env("DBUS_SESSION_BUS_ADDRESS", address());
        adjust(cmd);
    })
}

/// Logs the sandbox's admin in with `--password-stdin` into `profile`.
fn log_in(world: &World, profile: &str) -> Run {
    let password = format!("{}\n", world.sandbox.admin_password());
    bare(
        world,
        profile,
        &[
            "auth",
            "login",
            "--email",
            world.sandbox.admin_email(),
            "--password-stdin",
        ],
        |cmd| {
            cmd.write_stdin(password);
        },
    )
}

fn logins(world: &World) -> usize {
    world
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/auth/login")
        .count()
}

#[test]
fn a_login_by_email_stores_a_token_that_reaches_every_environment() {
    let world = World::new();
    let profile = unique("email");
    // A key in the Production environment, which the Sandbox-bound admin key cannot list.
    let production = world.sandbox.seed_key(flexprice_sandbox::SeedKey {
        name: "prod-only".into(),
        environment_id: Some(world.sandbox.production_environment_id().into()),
        ..flexprice_sandbox::SeedKey::default()
    });
    let run = log_in(&world, &profile);
    run.code(0)
        .stderr_has("Logged in as Admin (user) with roles super_admin; the login token is stored in the OS keychain")
        .stderr_has("it expires at ")
        .stderr_has("(in 30 days)")
        .stderr_has("--environment ENV");
    assert_eq!(run.stdout, "");
    let stored = secret_tool_lookup("flexprice-admin-login", &profile).expect("stored");
    assert!(
        stored.starts_with("eyJ") && stored.split('.').count() == 3,
        "a JWT"
    );
    // The profile remembers the email, never the password or the token.
    let config = std::fs::read_to_string(world.config_dir().join("config.toml")).unwrap();
    assert!(
        config.contains(&format!(
            "login_email = \"{}\"",
            world.sandbox.admin_email()
        )),
        "{config}"
    );
    assert!(!config.contains(world.sandbox.admin_password()));
    assert!(!config.contains(&stored));
    let shown = bare(&world, &profile, &["profile", "show", "-o", "json"], |_| {});
    assert_eq!(
        shown.code(0).json()["login_email"],
        world.sandbox.admin_email()
    );

    // The hint of --all-environments is true now: the stored token lists every environment.
    let listed = bare(
        &world,
        &profile,
        &["keys", "list", "--all-environments", "-o", "json"],
        |_| {},
    );
    listed.code(0);
    let json = listed.json();
    let ids: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&production.id.as_str()), "{ids:?}");
    let prod = json
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == production.id.as_str())
        .unwrap();
    assert_eq!(
        prod["environment_id"],
        world.sandbox.production_environment_id()
    );
    assert_eq!(prod["environment_name"], "Production");
    // Sent as a bearer token, never as x-api-key.
    let request = world
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == "/v1/secrets/api/keys")
        .unwrap();
    assert!(
        request.headers.iter().any(|(n, _)| n == "authorization"),
        "{:?}",
        request.headers
    );

    // One environment, named: each key says which (the fast path of -o json, and -o jsonl).
    for format in ["json", "jsonl"] {
        let one = bare(
            &world,
            &profile,
            &["keys", "list", "--environment", "Production", "-o", format],
            |_| {},
        );
        one.code(0);
        let keys: Vec<serde_json::Value> = if format == "json" {
            serde_json::from_str(&one.stdout).unwrap()
        } else {
            one.stdout
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        };
        assert_eq!(keys.len(), 1, "{}", one.stdout);
        assert_eq!(keys[0]["id"], production.id.as_str());
        assert_eq!(
            keys[0]["environment_id"],
            world.sandbox.production_environment_id()
        );
        assert_eq!(keys[0]["environment_name"], "Production");
    }
    // A key bound to its environment lists its own whatever --environment says: no label.
    let bound = world.run(&["keys", "list", "--environment", "Production", "-o", "json"]);
    bound.code(0);
    assert!(!bound.stdout.contains("environment_"), "{}", bound.stdout);

    // auth status says when it expires.
    let status = bare(&world, &profile, &["auth", "status", "-o", "json"], |_| {});
    status.code(0);
    let expires: Timestamp = status.json()["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let in_days = expires.duration_since(Timestamp::now()).as_hours() / 24;
    assert!((29..=30).contains(&in_days), "{expires}");
}

#[test]
fn a_wrong_password_stores_nothing_and_a_bad_input_sends_nothing() {
    let world = World::new();
    let profile = unique("email-bad");
    let wrong = bare(
        &world,
        &profile,
        &[
            "auth",
            "login",
            "--email",
            world.sandbox.admin_email(),
            "--password-stdin",
        ],
        |cmd| {
            cmd.write_stdin("not-the-password\n");
        },
    );
    wrong.code(3).stderr_has(
        "Flexprice refused the login of admin@flexprice.dev: Invalid email or password",
    );
    assert_eq!(secret_tool_lookup("flexprice-admin-login", &profile), None);
    assert!(!world.config_dir().join("config.toml").exists());

    let before = logins(&world);
    for (args, stdin, needle) in [
        (
            vec!["--email", "admin", "--password-stdin"],
            "whatever-long\n",
            "--email: 'admin' is not an email address",
        ),
        (
            vec!["--email", "a@b.c", "--password-stdin"],
            "short\n",
            "shorter than 8 characters",
        ),
        (
            vec!["--email", "a@b.c", "--password-stdin"],
            "two\nlines\n",
            "line break",
        ),
        (
            vec!["--email", "a@b.c", "--password-stdin"],
            "",
            "the password is empty",
        ),
        (
            vec!["--email", "a@b.c"],
            "",
            "the hidden prompt needs a terminal",
        ),
        (vec!["--password-stdin"], "", "--email"),
        (
            vec!["--email", "a@b.c", "--api-key-stdin"],
            "",
            "cannot be used with",
        ),
    ] {
        let mut all = vec!["auth", "login"];
        all.extend(args);
        bare(&world, &profile, &all, |cmd| {
            cmd.write_stdin(stdin);
        })
        .code(2)
        .stderr_has(needle);
    }
    assert_eq!(logins(&world), before, "nothing was sent");
}

#[test]
fn the_password_never_shows_even_with_verbose_and_a_file_is_read_like_a_key_file() {
    use std::os::unix::fs::PermissionsExt;
    let world = World::new();
    let profile = unique("email-file");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("password");
    std::fs::write(&file, format!("{}\n", world.sandbox.admin_password())).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = bare(
        &world,
        &profile,
        &[
            "auth",
            "login",
            "--email",
            world.sandbox.admin_email(),
            "--password-file",
            file.to_str().unwrap(),
            "--verbose",
        ],
        |_| {},
    );
    run.code(0)
        .stderr_has("> POST ")
        .stderr_has("(and \"password\", not shown)")
        .stderr_has("its mode is now 600");
    let password = world.sandbox.admin_password();
    assert!(!run.stderr.contains(password), "{}", run.stderr);
    assert!(!run.stdout.contains(password));
    let token = secret_tool_lookup("flexprice-admin-login", &profile).unwrap();
    assert!(!run.stderr.contains(&token), "the token is never traced");
    assert_eq!(crate::harness::mode(&file), 0o600);
    // What reached the server is what was in the file, without its line break.
    let sent = world
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/auth/login")
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(body["password"], password);
    assert_eq!(body["email"], world.sandbox.admin_email());
}

#[test]
fn an_expired_login_exits_3_off_a_terminal_and_warns_before_it_expires() {
    let world = World::new();
    let profile = unique("email-expired");
    log_in(&world, &profile).code(0);
    let at = |days: i64| (Timestamp::now() + SignedDuration::from_hours(24 * days)).to_string();

    // Two days before its end: it works, and says so.
    let soon = bare(
        &world,
        &profile,
        &["keys", "list", "--environment", "Sandbox", "-q"],
        |cmd| {
            cmd.env("FLEXPRICE_ADMIN_TEST_NOW", at(28));
        },
    );
    soon.code(0)
        .stderr_has(&format!(
            "the login token stored for profile '{profile}' expires at "
        ))
        .stderr_has("auth login --email admin@flexprice.dev");

    // After it: exit 3 before any request, naming the command that logs in again.
    let requests = world.requests().len();
    world
        .sandbox
        .set_now(Timestamp::now() + SignedDuration::from_hours(24 * 31));
    let expired = bare(
        &world,
        &profile,
        &["keys", "list", "--environment", "Sandbox"],
        |cmd| {
            cmd.env("FLEXPRICE_ADMIN_TEST_NOW", at(31));
        },
    );
    expired
        .code(3)
        .stderr_has(&format!(
            "the login token stored for profile '{profile}' expired at "
        ))
        .stderr_has(&format!(
            "auth login --email admin@flexprice.dev --profile {profile}"
        ));
    assert_eq!(world.requests().len(), requests, "nothing was sent");
}

#[test]
fn an_expired_login_on_a_terminal_asks_for_the_password_and_goes_on() {
    let world = World::new();
    let profile = unique("email-renew");
    log_in(&world, &profile).code(0);
    let old = secret_tool_lookup("flexprice-admin-login", &profile).unwrap();
    let later = Timestamp::now() + SignedDuration::from_hours(24 * 31);
    world.sandbox.set_now(later);

    let mut cmd = world.std_cmd();
    cmd.env_remove("FLEXPRICE_API_KEY")
        .env("DBUS_SESSION_BUS_ADDRESS", address())
        .env("FLEXPRICE_ADMIN_TEST_NOW", later.to_string())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .args([
            "--profile",
            &profile,
            "keys",
            "list",
            "--environment",
            "Sandbox",
            "-o",
            "plain",
        ]);
    let mut session = crate::harness::pty(cmd);
    session.exp_string("expired at").expect("says since when");
    session
        .exp_string("Password for admin@flexprice.dev")
        .expect("asks for the password");
    session
        .send_line(world.sandbox.admin_password())
        .expect("answers");
    session
        .exp_string("Logged in again as admin@flexprice.dev")
        .expect("renewed");
    let seen = session.exp_eof().expect("exits");
    assert!(seen.contains("\tadmin\t"), "the listing follows: {seen}");
    assert!(
        !seen.contains(world.sandbox.admin_password()),
        "the password is not echoed"
    );
    let new = secret_tool_lookup("flexprice-admin-login", &profile).unwrap();
    assert_ne!(new, old, "the new token is stored");
}

/// A server that answers the login with a token no header can carry, or with no token at all:
/// nothing is stored, and the password is not in what is said.
#[test]
fn a_bad_answer_to_the_login_stores_nothing() {
    let world = World::new();
    for body in [
        r#"{"token":"eyJhbGciOiJIUzI1NiJ9.e30.\u0007bell","user_id":"u","tenant_id":"t"}"#,
        r#"{"user_id":"u","tenant_id":"t"}"#,
        "not json",
    ] {
        let profile = unique("email-rogue");
        world.sandbox.add_fault(crate::harness::fault(&format!(
            "POST /v1/auth/login status=200 content-type=application/json times=1 body={body}"
        )));
        let run = log_in(&world, &profile);
        assert!(
            run.code == 1 || run.code == 2,
            "{body}: exit {}\n{}",
            run.code,
            run.stderr
        );
        assert!(
            !run.stderr.contains(world.sandbox.admin_password()),
            "{}",
            run.stderr
        );
        assert_eq!(
            secret_tool_lookup("flexprice-admin-login", &profile),
            None,
            "{body}"
        );
    }
}
