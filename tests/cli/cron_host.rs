//! A machine as cron sees it, for the README's crontab (its setup is in doc/keys-as-code.md): the
//! crontab read from README.md, each job run through `/bin/sh -c` with only cron's variables and
//! the crontab's own, no terminal (a new session), no D-Bus, stdin closed, `flexprice-admin` and
//! a stand-in `vault` on PATH.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jiff::{SignedDuration, Timestamp};

use crate::harness::{World, bin};

/// The README's ```cron block: its variable assignments and its jobs' commands.
pub(crate) struct Crontab {
    pub vars: Vec<(String, String)>,
    pub jobs: Vec<String>,
}

pub(crate) fn readme_crontab() -> Crontab {
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
pub(crate) struct Server {
    pub home: PathBuf,
    path: String,
    pub key_file: PathBuf,
    pub vault: PathBuf,
}

impl Server {
    pub(crate) fn new(world: &World) -> Server {
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
        // The cron user's admin key expires, as doc/keys-as-code.md's setup says it should:
        // `keys audit` reports a key that never expires, this one included.
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
    pub(crate) fn cron(&self, vars: &[(String, String)], line: &str) -> (i32, String) {
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
