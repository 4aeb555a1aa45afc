//! The README's cron recipe, run as cron runs it: the crontab's lines read from README.md, each
//! job through `/bin/sh -c` with only cron's variables and the crontab's own (`env -i`), no
//! terminal (a new session), no D-Bus, stdin closed. Cron mails whatever a job prints, so a
//! night with nothing to do must print nothing at all. Also: a profile made without a keychain.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jiff::{SignedDuration, Timestamp};

use crate::harness::{World, bin, is_secret_key, mode};

/// The README's ```cron block: its variable assignments and its jobs' commands.
struct Crontab {
    vars: Vec<(String, String)>,
    jobs: Vec<String>,
}

fn readme_crontab() -> Crontab {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let block = readme
        .split("```cron\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README.md has a ```cron block");
    let mut tab = Crontab {
        vars: Vec::new(),
        jobs: Vec::new(),
    };
    for line in block
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let fields: Vec<&str> = line.splitn(7, ' ').collect();
        if fields.len() == 7 && fields[0].chars().all(|c| c.is_ascii_digit() || c == '*') {
            // minute hour day month weekday user command
            tab.jobs.push(fields[6].to_string());
        } else {
            let (name, value) = line.split_once('=').expect("a NAME=value line");
            tab.vars.push((name.to_string(), value.to_string()));
        }
    }
    tab
}

/// A machine as cron sees it: a home with no XDG variables, `flexprice-admin` and a stand-in
/// `vault` (which keeps what it is given under `vault/`) on PATH, and the admin key in a file.
struct Server {
    home: PathBuf,
    path: String,
    key_file: PathBuf,
    vault: PathBuf,
}

impl Server {
    fn new(world: &World) -> Server {
        let home = world.home.path().join("cron-home");
        let tools = world.home.path().join("bin");
        let vault = world.home.path().join("vault");
        for dir in [&home, &tools, &vault] {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::os::unix::fs::symlink(bin(), tools.join("flexprice-admin")).unwrap();
        // `vault kv put secret/flexprice/NAME api_key=-`: the value on stdin, kept by NAME; with
        // a file `refuse` in the vault, it says why on stderr and fails, as a real one would.
        let script = format!(
            "#!/bin/sh\n[ \"$1 $2 $4\" = \"kv put api_key=-\" ] || exit 64\ncd '{}' || exit 1\n\
             if [ -e refuse ]; then cat >/dev/null; echo 'vault: permission denied' >&2; exit 2; fi\n\
             cat > \"${{3##*/}}\"\n",
            vault.display()
        );
        std::fs::write(tools.join("vault"), script).unwrap();
        std::fs::set_permissions(tools.join("vault"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        // The cron user's admin key expires, as the README's setup says it should: `keys audit`
        // reports a key that never expires, this one included.
        world.sandbox.set_key_expiry(
            &world.sandbox.admin_key_id(),
            Some(Timestamp::now() + SignedDuration::from_hours(24 * 365)),
        );
        let key_file = world.home.path().join("admin.key");
        std::fs::write(&key_file, format!("{}\n", world.sandbox.admin_key())).unwrap();
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
        Server {
            home,
            path: format!("{}:/usr/bin:/bin", tools.display()),
            key_file,
            vault,
        }
    }

    /// `/bin/sh -c line` as cron starts it: cron's variables, the crontab's (with the README's
    /// paths pointed into this test's directory), a new session with no terminal, stdin closed.
    /// Returns (exit code, everything printed: what cron would mail).
    fn cron(&self, vars: &[(String, String)], line: &str) -> (i32, String) {
        let mut cmd = Command::new("/bin/sh");
        cmd.env_clear()
            .env("HOME", &self.home)
            .env("LOGNAME", "ops")
            .env("SHELL", "/bin/sh")
            .env("PATH", &self.path);
        for (name, value) in vars {
            let value = value.replace(
                "/etc/flexprice/admin.key",
                &self.key_file.display().to_string(),
            );
            cmd.env(name, value);
        }
        cmd.arg("-c")
            .arg(line)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: setsid is async-signal-safe; it detaches the job from any controlling terminal.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        let mut child = cmd.spawn().expect("sh runs");
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        let mut mail = String::from_utf8_lossy(&out.stdout).into_owned();
        mail.push_str(&String::from_utf8_lossy(&out.stderr));
        (out.status.code().unwrap_or(-1), mail)
    }
}

/// The fleet the cron recipe applies: one account, one key delivered to the stand-in vault under
/// its owner and name, rotated every 30 days.
const KEYS_TOML: &str = r#"version = 1
[[service_account]]
name = "ingest-bot"
roles = ["event_ingestor"]
  [[service_account.key]]
  name = "ci-ingest"
  rotate_every = "30d"
  store = ["exec:sh -c 'vault kv put secret/flexprice/$FLEXPRICE_KEY_OWNER-$FLEXPRICE_KEY_NAME api_key=-'"]
"#;

#[test]
fn the_readme_cron_recipe_runs_as_cron_runs_it_and_mails_only_on_trouble() {
    let world = World::new();
    let server = Server::new(&world);
    let tab = readme_crontab();
    assert_eq!(tab.jobs.len(), 2, "a nightly apply and a weekly audit");
    assert!(tab.jobs.iter().all(|j| j.contains(" -q")), "{:?}", tab.jobs);
    let manifest = world.home.path().join("keys.toml");
    std::fs::write(&manifest, KEYS_TOML).unwrap();
    let nightly = tab.jobs[0].replace("/etc/flexprice/keys.toml", &manifest.display().to_string());
    assert_ne!(nightly, tab.jobs[0], "the nightly job applies the manifest");
    let audit = &tab.jobs[1];

    // The setup, as cron's user with no keychain: a profile without a credential.
    let setup = format!(
        "flexprice-admin profile set --profile prod --api-url {} --max-age 30d --expiring-within 7d",
        world.sandbox.api_url()
    );
    let (code, printed) = server.cron(&[], &setup);
    assert_eq!(code, 0, "{printed}");
    assert!(printed.contains("Created profile 'prod'"), "{printed}");

    // The first night makes the account and its key, silently; the vault has the secret.
    let (code, printed) = server.cron(&tab.vars, &nightly);
    assert_eq!((code, printed.as_str()), (0, ""));
    let account = world
        .run(&["service-accounts", "list", "-o", "json"])
        .json()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let kept = server.vault.join(format!("{account}-ci-ingest"));
    let first = std::fs::read_to_string(&kept).unwrap();
    assert!(is_secret_key(first.trim()), "{first}");
    // A night with nothing to do: nothing printed, so no mail.
    let (code, printed) = server.cron(&tab.vars, &nightly);
    assert_eq!((code, printed.as_str()), (0, ""));
    let (code, printed) = server.cron(&tab.vars, audit);
    assert_eq!((code, printed.as_str()), (0, ""));

    // 40 days on (the sandbox's clock and ours), the key is due: audit says so, the nightly
    // apply rotates it into the vault, silently.
    let later = Timestamp::now() + SignedDuration::from_hours(24 * 40);
    world.sandbox.set_now(later);
    let mut vars = tab.vars.clone();
    vars.push(("FLEXPRICE_ADMIN_TEST_NOW".into(), later.to_string()));
    let (code, printed) = server.cron(&vars, audit);
    assert_eq!(code, 0, "the echo runs");
    assert!(
        printed.contains("flexprice keys need attention (exit 10)"),
        "{printed}"
    );
    let (code, printed) = server.cron(&vars, &nightly);
    assert_eq!((code, printed.as_str()), (0, ""));
    let second = std::fs::read_to_string(&kept).unwrap();
    assert!(is_secret_key(second.trim()) && second != first, "{second}");
    world.run_as(second.trim(), &["whoami", "-q"]).code(0);

    // A bad night, 40 days later still: the vault refuses. The mail names the key once, with
    // the exit code; the secret waits in a recovery file and the next good night delivers it.
    let later = later + SignedDuration::from_hours(24 * 40);
    world.sandbox.set_now(later);
    let mut vars = tab.vars.clone();
    vars.push(("FLEXPRICE_ADMIN_TEST_NOW".into(), later.to_string()));
    std::fs::write(server.vault.join("refuse"), "").unwrap();
    let (code, printed) = server.cron(&vars, &nightly);
    assert_eq!(code, 0, "the echo runs");
    assert!(
        printed.contains("flexprice apply failed (exit 9)"),
        "{printed}"
    );
    assert_eq!(
        printed.matches("ingest-bot/ci-ingest").count(),
        1,
        "{printed}"
    );
    assert!(printed.contains("vault: permission denied"), "{printed}");
    std::fs::remove_file(server.vault.join("refuse")).unwrap();
    let (code, printed) = server.cron(&vars, &nightly);
    assert_eq!((code, printed.as_str()), (0, ""));
    let third = std::fs::read_to_string(&kept).unwrap();
    assert!(third != second, "{third}");
    world.run_as(third.trim(), &["whoami", "-q"]).code(0);
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

#[test]
fn profile_set_changes_only_what_it_is_given() {
    let world = World::new();
    let run = world.run_with(
        &["profile", "set", "--profile", "prod", "--max-age", "30d"],
        |cmd| {
            cmd.env_remove("FLEXPRICE_API_URL");
        },
    );
    run.code(0)
        .stderr_has("Created profile 'prod'")
        .stderr_has("(max_age)");
    let run = world.run(&[
        "profile",
        "set",
        "--profile",
        "prod",
        "--expiring-within",
        "7d",
    ]);
    run.code(0).stderr_has("Updated profile 'prod'");
    let config = std::fs::read_to_string(world.config_dir().join("config.toml")).unwrap();
    assert!(config.contains("max_age = \"30d\""), "{config}");
    assert!(config.contains("expiring_within = \"7d\""), "{config}");
    assert!(
        config.contains(&world.sandbox.api_url()),
        "FLEXPRICE_API_URL was given: {config}"
    );
    assert_eq!(mode(&world.config_dir().join("config.toml")), 0o600);
    assert!(world.requests().is_empty(), "no request is sent");
    let run = world.run(&["profile", "list", "-o", "json"]);
    run.code(0);
    assert_eq!(run.json()[0]["name"], "prod");
    let run = world.run(&["profile", "set", "--profile", "prod", "--max-age", "soon"]);
    run.code(2).stderr_has("--max-age");
}
