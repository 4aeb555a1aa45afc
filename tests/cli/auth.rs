//! The admin credential: `auth login` (an API key, or a dashboard user's email and password for
//! a login token), `auth status` and `auth logout` with the real keychain; and every other way a
//! credential is given (`FLEXPRICE_API_KEY`, `FLEXPRICE_API_KEY_FILE`): read with an end,
//! checked once for every source, a key file open to others made private or refused.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::cron_host::Server;
use crate::harness::{
    Run, World, display_form, finish, finish_std, fixed_world, mode, screen,
    wait_until_input_is_hidden,
};
use crate::secret_service::{address, secret_tool_lookup, unique};

#[test]
fn login_stores_the_checked_key_and_later_commands_use_it() {
    let world = World::new();
    let profile = unique("login");
    let admin = world.sandbox.admin_key().to_string();
    let login = world.run_with(
        &[
            "auth",
            "login",
            "--profile",
            &profile,
            "--api-key-stdin",
            "--api-url",
            &world.sandbox.api_url(),
        ],
        |cmd| {
            cmd.env_remove("FLEXPRICE_API_KEY")
                .env_remove("FLEXPRICE_API_URL")
                .env("DBUS_SESSION_BUS_ADDRESS", address())
                .write_stdin(format!("{admin}\n"));
        },
    );
    login
        .code(0)
        .stderr_has("Logged in as")
        .stderr_has("super_admin");
    assert!(!login.stderr.contains(&admin));
    assert_eq!(
        secret_tool_lookup("flexprice-admin-login", &profile).as_deref(),
        Some(admin.as_str())
    );

    // The profile is in config.toml (0600, in a 0700 directory), with no secret in it.
    let config = world.config_dir().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains(&format!("[profiles.{profile}]")), "{text}");
    assert!(text.contains(&world.sandbox.api_url()), "{text}");
    assert!(!text.contains(&admin));
    assert_eq!(mode(&config), 0o600);
    assert_eq!(mode(&world.config_dir()), 0o700);

    // No FLEXPRICE_API_KEY, no URL variable: the profile and the keychain suffice.
    let bare = |args: &[&str]| {
        world.run_with(args, |cmd| {
            cmd.env_remove("FLEXPRICE_API_KEY")
                .env_remove("FLEXPRICE_API_URL")
                .env("DBUS_SESSION_BUS_ADDRESS", address());
        })
    };
    bare(&["--profile", &profile, "keys", "list"]).code(0);
    let status = bare(&["--profile", &profile, "auth", "status", "-o", "json"]);
    insta::assert_snapshot!(world.shown(&status, &[(&profile, "[PROFILE]")]), @r#"
    exit 0
    --- stdout
    {
      "profile": "[PROFILE]",
      "api_url": "http://127.0.0.1:[PORT]/v1",
      "source": "keychain",
      "source_detail": "OS keychain",
      "stored_login": true,
      "id": "00000000-0000-0000-0000-000000000000",
      "name": "Admin",
      "email": "admin@flexprice.dev",
      "type": "user",
      "roles": [
        "super_admin"
      ]
    }
    --- stderr
    "#);

    // The environment variable wins, and status says it shadows the stored login.
    let shadowed = world.run_with(
        &["--profile", &profile, "auth", "status", "-o", "json"],
        |cmd| {
            cmd.env_remove("FLEXPRICE_API_URL")
                .env("DBUS_SESSION_BUS_ADDRESS", address());
        },
    );
    insta::assert_snapshot!(world.shown(&shadowed, &[(&profile, "[PROFILE]")]), @r#"
    exit 0
    --- stdout
    {
      "profile": "[PROFILE]",
      "api_url": "http://127.0.0.1:[PORT]/v1",
      "source": "env",
      "source_detail": "environment variable FLEXPRICE_API_KEY",
      "stored_login": true,
      "id": "00000000-0000-0000-0000-000000000000",
      "name": "Admin",
      "email": "admin@flexprice.dev",
      "type": "user",
      "roles": [
        "super_admin"
      ]
    }
    --- stderr
    warning: the environment variable FLEXPRICE_API_KEY shadows the login stored in the keychain for profile '[PROFILE]'; unset it to use the stored login
    "#);

    bare(&["--profile", &profile, "auth", "logout"])
        .code(0)
        .stderr_has("Removed");
    assert_eq!(secret_tool_lookup("flexprice-admin-login", &profile), None);
    bare(&["--profile", &profile, "whoami"])
        .code(3)
        .stderr_has("auth login --profile");
}

#[test]
fn login_refuses_a_wrong_key_and_stores_nothing() {
    let world = World::new();
    let profile = unique("wrong");
    let run = world.run_with(
        &["auth", "login", "--profile", &profile, "--api-key-stdin"],
        |cmd| {
            cmd.env_remove("FLEXPRICE_API_KEY")
                .env("DBUS_SESSION_BUS_ADDRESS", address())
                .write_stdin("sk_01NOTAREALKEYATALL00000000\n");
        },
    );
    run.code(3).stderr_has("nothing was stored");
    assert!(!run.stderr.contains("sk_01NOTAREALKEYATALL00000000"));
    assert_eq!(secret_tool_lookup("flexprice-admin-login", &profile), None);
    assert!(!world.config_dir().join("config.toml").exists());
}

#[test]
fn login_off_a_terminal_without_stdin_flag_is_a_usage_error() {
    let world = World::new();
    world
        .run_keychain(&["auth", "login"])
        .code(2)
        .stderr_has("--api-key-stdin");
}

/// On a terminal that echoes (rexpect's does not), the key is typed once the prompt reads with
/// the echo off. Flaked under load when the key was typed as soon as the prompt's text showed:
/// the prompt then turned the echo off with TCSAFLUSH, discarding it, and waited 20 s for a key.
#[test]
fn login_on_a_terminal_prompts_without_echo() {
    let world = World::new();
    let profile = unique("tty");
    let admin = world.sandbox.admin_key().to_string();
    let mut cmd = world.echoing_terminal_cmd();
    cmd.env_remove("FLEXPRICE_API_KEY")
        .env("DBUS_SESSION_BUS_ADDRESS", address())
        .args(["auth", "login", "--profile", &profile]);
    let mut session = crate::harness::pty(cmd);
    session
        .exp_string(&format!("Admin API key for profile '{profile}'"))
        .expect("hidden prompt");
    wait_until_input_is_hidden(&session);
    session.send_line(&admin).expect("type the key");
    let before = session.exp_string("Logged in as").expect("logged in");
    assert!(!before.contains(&admin), "the key was echoed: {before:?}");
    session.exp_eof().expect("exits");
    assert_eq!(
        secret_tool_lookup("flexprice-admin-login", &profile).as_deref(),
        Some(admin.as_str())
    );
}

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

/// Runs `args` with the credential taken from the key file at `path` (no FLEXPRICE_API_KEY).
fn with_key_file(world: &World, path: &Path, args: &[&str]) -> Run {
    let mut cmd = world.cmd();
    cmd.env_remove("FLEXPRICE_API_KEY")
        .env("FLEXPRICE_API_KEY_FILE", path)
        // A regression here hangs (a FIFO) or eats memory (/dev/zero): bound it.
        .timeout(Duration::from_secs(30))
        .args(args);
    finish(&mut cmd)
}

fn key_file(dir: &Path, name: &str, contents: &[u8], mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[test]
fn a_key_file_that_is_not_a_regular_file_is_refused_at_once() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for (path, kind) in [
        (
            PathBuf::from("/dev/zero"),
            "is a character device, not a regular file",
        ),
        (
            PathBuf::from("/dev/urandom"),
            "is a character device, not a regular file",
        ),
        (fifo, "is a FIFO (named pipe), not a regular file"),
        (
            dir.path().to_path_buf(),
            "is a directory, not a regular file",
        ),
    ] {
        let run = with_key_file(&world, &path, &["whoami"]);
        run.code(2)
            .stderr_has(&format!(
                "FLEXPRICE_API_KEY_FILE: {} {kind}",
                path.display()
            ))
            .stderr_has("hint: put the key in a file");
    }
    assert!(world.requests().is_empty());
}

#[test]
fn a_huge_key_file_is_refused_without_being_read() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.key");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap();
    drop(file);
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    with_key_file(&world, &path, &["whoami"])
        .code(2)
        .stderr_has("huge.key: longer than 4 KiB, which no API key is");
    assert!(world.requests().is_empty());
}

#[test]
fn a_key_piped_in_without_end_is_refused_after_4_kib() {
    let world = World::new();
    let mut cmd = world.std_cmd();
    cmd.env_remove("FLEXPRICE_API_KEY")
        .args(["auth", "login", "--api-key-stdin"])
        .stdin(Stdio::from(std::fs::File::open("/dev/zero").unwrap()))
        .stdout(Stdio::piped());
    finish_std(&mut cmd)
        .code(2)
        .stderr_has("stdin (--api-key-stdin): longer than 4 KiB");
    assert!(world.requests().is_empty());
}

#[test]
fn a_credential_with_a_line_break_or_non_ascii_exits_2_naming_its_source() {
    let world = World::new();
    let key = world.sandbox.admin_key().to_string();
    let broken = format!("{key}\nsk_second_line");
    // The environment, for a read and for a create (which must not hint that a key may exist).
    for args in [&["whoami"][..], &["keys", "create", "--name", "k"][..]] {
        let run = world.run_as(&broken, args);
        run.code(2).stderr_has(
            "error: FLEXPRICE_API_KEY: the API key contains control characters (a line break or tab inside it?)",
        );
        assert!(
            !run.stderr.contains("no answer from the server"),
            "{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("may have been created"),
            "{}",
            run.stderr
        );
    }
    world
        .run_as(&format!("{key}é"), &["whoami"])
        .code(2)
        .stderr_has("FLEXPRICE_API_KEY: the API key contains characters that cannot be sent in an HTTP header");
    // A key file, and the same check `auth login` makes on stdin.
    let dir = tempfile::tempdir().unwrap();
    let path = key_file(dir.path(), "two-lines.key", broken.as_bytes(), 0o600);
    with_key_file(&world, &path, &["whoami"])
        .code(2)
        .stderr_has("two-lines.key: the API key contains control characters");
    let login = world.run_with(&["auth", "login", "--api-key-stdin"], |cmd| {
        cmd.env_remove("FLEXPRICE_API_KEY")
            .write_stdin(broken.clone());
    });
    login
        .code(2)
        .stderr_has("stdin (--api-key-stdin): the API key contains control characters");
    assert!(world.requests().is_empty());
}

#[test]
fn a_bom_and_a_windows_line_ending_are_stripped() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let contents = format!("\u{feff}{}\r\n", world.sandbox.admin_key());
    let path = key_file(dir.path(), "notepad.key", contents.as_bytes(), 0o600);
    with_key_file(&world, &path, &["whoami", "-q"]).code(0);
    let sent = world.requests();
    let shown = display_form(world.sandbox.admin_key());
    assert!(!sent.is_empty());
    assert!(
        sent.iter()
            .all(|r| r.header("x-api-key") == Some(shown.as_str()) && r.status == 200),
        "{sent:?}"
    );
}

#[test]
fn a_key_file_open_to_others_is_made_private_with_a_warning() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let path = key_file(
        dir.path(),
        "admin.key",
        world.sandbox.admin_key().as_bytes(),
        0o644,
    );
    with_key_file(&world, &path, &["whoami", "-q"])
        .code(0)
        .stderr_has("admin.key (named by FLEXPRICE_API_KEY_FILE) was accessible to other users (mode 644); its mode is now 600");
    assert_eq!(mode(&path), 0o600);
    let again = with_key_file(&world, &path, &["whoami", "-q"]);
    again.code(0);
    assert!(again.stderr.is_empty(), "{}", again.stderr);
}

#[test]
fn a_key_file_open_to_others_behind_a_link_is_refused_and_left_alone() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let target = key_file(
        dir.path(),
        "shared.key",
        world.sandbox.admin_key().as_bytes(),
        0o640,
    );
    let link = dir.path().join("link.key");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    with_key_file(&world, &link, &["whoami"])
        .code(2)
        .stderr_has("link.key is accessible to other users (mode 640) and is a symbolic link, whose target is not changed")
        .stderr_has("hint: make the file it points to private");
    assert_eq!(mode(&target), 0o640, "the link's target was not changed");
    assert!(world.requests().is_empty());
    // A private target behind a link is fine (a Kubernetes secret mount, for one).
    std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o400)).unwrap();
    with_key_file(&world, &link, &["whoami", "-q"]).code(0);
}

#[test]
fn without_any_credential_the_hint_names_auth_login() {
    let world = World::new();
    let run = world.run_with(&["whoami"], |cmd| {
        cmd.env_remove("FLEXPRICE_API_KEY");
    });
    run.code(3)
        .stderr_has("auth login")
        .stderr_has("keychain could not be read");
}

#[test]
fn auth_login_takes_an_environment_by_name_and_the_profile_keeps_it() {
    let world = World::new();
    let tenant = world.sandbox.tenant_key().to_string();
    let login = world.run_with(
        &[
            "auth",
            "login",
            "--profile",
            "named-env",
            "--environment",
            "Production",
            "--api-key-stdin",
        ],
        |cmd| {
            cmd.env_remove("FLEXPRICE_API_KEY")
                .env("DBUS_SESSION_BUS_ADDRESS", crate::secret_service::address())
                .write_stdin(format!("{tenant}\n"));
        },
    );
    login.code(0).stderr_has("Logged in");
    let config = std::fs::read_to_string(world.config_dir().join("config.toml")).unwrap();
    assert!(config.contains("environment = \"Production\""), "{config}");
    let production = world.sandbox.production_environment_id();
    let checks: Vec<_> = world
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/users/me"))
        .collect();
    assert!(!checks.is_empty());
    for check in checks {
        let sent = check
            .headers
            .iter()
            .find(|(k, _)| k == "x-environment-id")
            .map(|(_, v)| v.as_str());
        assert_eq!(
            sent,
            Some(production),
            "the key was checked in Production, by ID"
        );
    }
}

/// `auth logout` uses neither the credential nor the environment: a profile whose environment
/// is a name logs out while the server cannot list environments (it is down, or the key was
/// revoked, which is when one logs out), and a second logout says nothing is stored, as for
/// any profile. Found by attacking `--environment NAME`: the name was looked up first, so the
/// logout failed (exit 1, the credential left in the keychain) or, with nothing stored, exit 3.
#[test]
fn logout_does_not_look_up_the_profiles_environment() {
    let world = World::new();
    let profile = unique("logout-env");
    let tenant = world.sandbox.tenant_key().to_string();
    let login = [
        "auth",
        "login",
        "--environment",
        "Production",
        "--api-key-stdin",
    ];
    bare(&world, &profile, &login, |cmd| {
        cmd.write_stdin(format!("{tenant}\n"));
    })
    .code(0);
    world.add_fault("* /v1/* status=500");
    let before = world.requests().len();
    bare(&world, &profile, &["auth", "logout"], |_| {})
        .code(0)
        .stderr_has("Removed the stored credential");
    assert_eq!(secret_tool_lookup("flexprice-admin-login", &profile), None);
    bare(&world, &profile, &["auth", "logout"], |_| {})
        .code(0)
        .stderr_has("No credential is stored");
    assert_eq!(world.requests().len(), before, "a logout sent a request");
}

#[test]
fn a_wrong_key_is_401_with_the_troubleshooting_hint() {
    let world = World::new();
    let run = world.run_as("sk_01AAAAAAAAAAAAAAAAAAAAAAAA", &["keys", "list"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 3
    --- stdout
    --- stderr
    error: GET /v1/secrets/api/keys: the server answered 401 Unauthorized: Unauthorized (request ID [ULID_1])
    hint: the key is wrong, revoked or expired, or belongs to another region or environment
    hint: the API URL is http://127.0.0.1:[PORT]/v1 (FLEXPRICE_API_URL or --api-url); `flexprice-admin whoami` tests the key
    ");
}

/// With no keychain either: the session bus is named, and absent, so that the message is the
/// same on every machine (without the variable, the bus looked for is the user's own, which a
/// desktop has).
#[test]
fn no_credential_at_all_says_how_to_give_one() {
    let world = World::new();
    let bus = format!("unix:path={}", world.home.path().join("no-bus").display());
    let run = crate::harness::finish(
        world
            .cmd()
            .env_remove("FLEXPRICE_API_KEY")
            .env("DBUS_SESSION_BUS_ADDRESS", bus)
            .args(["keys", "list"]),
    );
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 3
    --- stdout
    --- stderr
    error: no API key: flexprice-admin needs an admin credential
    hint: run `flexprice-admin auth login` to store one in the OS keychain, set FLEXPRICE_API_KEY (e.g. `export FLEXPRICE_API_KEY=$(cat key.txt)`), or point FLEXPRICE_API_KEY_FILE at a file holding the key
    hint: the keychain could not be read: the OS keychain is not available: zbus error: Failed to connect to address `unix:path=[TMP]/no-bus`: No such file or directory (os error 2)
    ");
    assert!(world.requests().is_empty());
}

#[test]
fn the_key_file_is_read_when_the_variable_is_unset() {
    let world = World::new();
    let file = world.home.path().join("admin.key");
    std::fs::write(&file, format!("{}\n", world.sandbox.admin_key())).unwrap();
    let run = crate::harness::finish(
        world
            .cmd()
            .env_remove("FLEXPRICE_API_KEY")
            .env("FLEXPRICE_API_KEY_FILE", &file)
            .args(["whoami", "-q"]),
    );
    assert_eq!(run.code(0).stdout.trim(), world.sandbox.admin_user_id());
}

#[test]
fn key_file_padding_is_trimmed_and_a_jwt_is_sent_as_a_bearer_token() {
    let world = World::new();
    let jwt = world.sandbox.jwt_for(world.sandbox.admin_user_id());
    let file = world.home.path().join("admin.jwt");
    std::fs::write(&file, format!("  {jwt} \r\n\n")).unwrap();
    let run = crate::harness::finish(
        world
            .cmd()
            .env_remove("FLEXPRICE_API_KEY")
            .env("FLEXPRICE_API_KEY_FILE", &file)
            .env(
                "FLEXPRICE_ENVIRONMENT_ID",
                world.sandbox.sandbox_environment_id(),
            )
            .args(["whoami", "-q"]),
    );
    assert_eq!(run.code(0).stdout.trim(), world.sandbox.admin_user_id());
    let via_env = world.run_with(&["whoami", "-q"], |cmd| {
        cmd.env("FLEXPRICE_API_KEY", format!(" {jwt}\n")).env(
            "FLEXPRICE_ENVIRONMENT_ID",
            world.sandbox.sandbox_environment_id(),
        );
    });
    assert_eq!(via_env.code(0).stdout.trim(), world.sandbox.admin_user_id());
    let requests = world.requests();
    assert!(!requests.is_empty());
    for request in requests {
        assert!(
            request
                .headers
                .iter()
                .any(|(name, value)| name == "authorization" && value == "Bearer ***"),
            "{:?}",
            request.headers
        );
    }
}

/// `auth status` off a terminal (plain, tab-separated) and as JSON.
#[test]
fn auth_status_in_each_format() {
    let world = World::new();
    let plain = world.run(&["auth", "status"]);
    insta::assert_snapshot!(world.shown(&plain, &[]), @"
    exit 0
    --- stdout
    default	environment variable FLEXPRICE_API_KEY	00000000-0000-0000-0000-000000000000	Admin	user	super_admin	http://127.0.0.1:[PORT]/v1
    --- stderr
    ");
    let json = world.run(&["auth", "status", "-o", "json"]);
    insta::assert_snapshot!(world.shown(&json, &[]), @r#"
    exit 0
    --- stdout
    {
      "profile": "default",
      "api_url": "http://127.0.0.1:[PORT]/v1",
      "source": "env",
      "source_detail": "environment variable FLEXPRICE_API_KEY",
      "stored_login": false,
      "id": "00000000-0000-0000-0000-000000000000",
      "name": "Admin",
      "email": "admin@flexprice.dev",
      "type": "user",
      "roles": [
        "super_admin"
      ]
    }
    --- stderr
    "#);
}

/// On a terminal: a table, the same at 80 and 120 columns (it fits either).
#[test]
fn auth_status_at_80_and_120_columns() {
    let world = fixed_world();
    let at_80 = screen(&world, 80, "auth status");
    insta::assert_snapshot!(at_80, @"
    FIELD     VALUE
    profile   default
    source    environment variable FLEXPRICE_API_KEY
    principal 00000000-0000-0000-0000-000000000000
    name      Admin
    type      user
    roles     super_admin
    api       http://127.0.0.1:PORT0/v1
    ");
    assert_eq!(screen(&world, 120, "auth status"), at_80);
}

#[test]
fn auth_login_without_a_keychain_names_the_way_that_needs_none_and_that_way_works() {
    let world = World::new();
    let server = Server::new(&world);
    let url = world.sandbox.api_url();
    let login = format!(
        "cat '{}' | flexprice-admin auth login --profile prod --api-url {url} --api-key-stdin",
        server.key_file.display()
    );
    let (code, printed) = server.cron(&[], &login);
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains("the OS keychain is not available"),
        "{printed}"
    );
    assert!(printed.contains("no profile was saved"), "{printed}");
    assert!(printed.contains("FLEXPRICE_API_KEY_FILE=PATH"), "{printed}");
    assert!(
        !server
            .home
            .join(".config/flexprice-admin/config.toml")
            .exists(),
        "a failed login writes nothing"
    );
    // The hint's own command, run as printed, makes the profile; the key file does the rest.
    let hinted = printed
        .split('`')
        .find(|part| part.starts_with("flexprice-admin profile set"))
        .expect("the hint gives the command")
        .to_string();
    assert_eq!(
        hinted,
        format!("flexprice-admin profile set --profile prod --api-url {url}")
    );
    let (code, printed) = server.cron(&[], &hinted);
    assert_eq!(code, 0, "{printed}");
    let vars = [
        ("FLEXPRICE_PROFILE".to_string(), "prod".to_string()),
        (
            "FLEXPRICE_API_KEY_FILE".to_string(),
            server.key_file.display().to_string(),
        ),
    ];
    let (code, shown) = server.cron(&vars, "flexprice-admin profile show -o json");
    assert_eq!(code, 0, "{shown}");
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["name"], "prod");
    assert_eq!(shown["api_url"], url.as_str());
    assert_eq!(shown["saved"], true);
    assert_eq!(shown["credential_source"], "file");
    assert_eq!(shown["max_age"], "90d");
    let (code, printed) = server.cron(&vars, "flexprice-admin -q keys audit");
    assert_eq!((code, printed.as_str()), (0, ""));
    // An unknown profile's error points at `profile set`, not back at `auth login` alone.
    let (code, printed) = server.cron(&[], "flexprice-admin --profile staging keys audit");
    assert_eq!(code, 2, "{printed}");
    assert!(
        printed.contains("flexprice-admin profile set --profile staging --api-url URL"),
        "{printed}"
    );
}
