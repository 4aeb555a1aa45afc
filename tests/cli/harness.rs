//! The test world: a sandbox, a private home directory, and a way to run the binary in it.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use flexprice_sandbox::{LoggedRequest, Sandbox, SandboxOptions, SeedKey, SeededKey};
use serde_json::Value;

pub struct World {
    pub sandbox: Sandbox,
    pub home: tempfile::TempDir,
}

/// What a finished run left behind.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }
}

impl World {
    pub fn new() -> World {
        Self::with(SandboxOptions::default())
    }

    /// A sandbox without Flexprice's revocation cache: a revoked key is refused at once. Only
    /// for tests about revocation itself; everything else runs with the real server's 120 s.
    pub fn with_immediate_revocation() -> World {
        Self::with(SandboxOptions {
            revocation_delay: std::time::Duration::ZERO,
            ..SandboxOptions::default()
        })
    }

    pub fn with(options: SandboxOptions) -> World {
        let sandbox = Sandbox::start(options).expect("sandbox starts");
        World {
            sandbox,
            home: tempfile::tempdir().expect("temp home"),
        }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join("config/flexprice-admin")
    }

    /// The binary with a cleared environment, pointed at the sandbox with the admin key.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(bin());
        cmd.env_clear().envs(base_env(self.home.path()));
        cmd.env("FLEXPRICE_API_URL", self.sandbox.api_url())
            .env("FLEXPRICE_API_KEY", self.sandbox.admin_key());
        cmd
    }

    /// The same, as a std Command (for pseudo-terminal tests).
    pub fn std_cmd(&self) -> StdCommand {
        self.std_cmd_of(StdCommand::new(bin()))
    }

    /// The binary on a terminal that echoes what is typed, as a real one does: `rexpect` turns
    /// the echo of its pseudo-terminal off before starting a program, which would hide an echo
    /// the program failed to turn off. Arguments go after this, as with [`Self::std_cmd`].
    pub fn echoing_terminal_cmd(&self) -> StdCommand {
        let mut sh = StdCommand::new("sh");
        sh.args(["-c", "stty echo && exec \"$0\" \"$@\""])
            .arg(bin());
        self.std_cmd_of(sh)
    }

    fn std_cmd_of(&self, mut cmd: StdCommand) -> StdCommand {
        cmd.env_clear().envs(base_env(self.home.path()));
        cmd.env("FLEXPRICE_API_URL", self.sandbox.api_url())
            .env("FLEXPRICE_API_KEY", self.sandbox.admin_key());
        cmd
    }

    /// Runs with the admin key.
    pub fn run(&self, args: &[&str]) -> Run {
        finish(self.cmd().args(args))
    }

    /// Runs with another API key.
    pub fn run_as(&self, key: &str, args: &[&str]) -> Run {
        finish(self.cmd().env("FLEXPRICE_API_KEY", key).args(args))
    }

    /// Runs with the admin key after `adjust` changed the command (env, stdin).
    pub fn run_with(&self, args: &[&str], adjust: impl FnOnce(&mut Command)) -> Run {
        let mut cmd = self.cmd();
        adjust(&mut cmd);
        finish(cmd.args(args))
    }

    /// Runs with the admin key and the test Secret Service reachable.
    pub fn run_keychain(&self, args: &[&str]) -> Run {
        self.run_with(args, |cmd| {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", crate::secret_service::address());
        })
    }

    /// Where recovery files go: `$XDG_STATE_HOME/flexprice-admin`.
    pub fn state_dir(&self) -> PathBuf {
        self.home.path().join("state/flexprice-admin")
    }

    /// The recovery files left in the state directory (which also holds the rotation locks).
    pub fn recovery_files(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.state_dir()) {
            Ok(entries) => entries
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("recovered-"))
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.sandbox.requests()
    }

    /// Requests other than reads: what "nothing was sent" is about.
    pub fn mutating_requests(&self) -> Vec<LoggedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method != "GET" && !r.path.ends_with("/search"))
            .collect()
    }

    /// How many keys were asked to be created (`POST /v1/secrets/api/keys`): "nothing was
    /// minted" and "a re-run minted nothing new" are about this.
    pub fn creates(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v1/secrets/api/keys")
            .count()
    }

    /// Makes `keys audit` leave keys that never expire alone (`profile set --no-expiry-keys
    /// ignore`), for tests about something else: the sandbox's admin key never expires, and by
    /// default the audit fails on it (tests/cli/findings.rs).
    pub fn ignore_keys_without_expiry(&self) {
        self.run(&["profile", "set", "--no-expiry-keys", "ignore"])
            .code(0);
    }

    /// A key seeded straight into the sandbox (no request of ours): created `age_days` ago,
    /// expiring `expires_in_days` from now (never when `None`; already expired when negative),
    /// owned by `owner` (the admin when `None`). The one way these tests make a key of a chosen
    /// age; a key with its own ID or environment is seeded with `sandbox.seed_key` itself.
    pub fn seed_key(
        &self,
        name: &str,
        owner: Option<&str>,
        age_days: i64,
        expires_in_days: Option<i64>,
    ) -> SeededKey {
        let now = jiff::Timestamp::now();
        let days = |n: i64| jiff::SignedDuration::from_hours(24 * n);
        self.sandbox.seed_key(SeedKey {
            name: name.into(),
            owner_user_id: owner.map(str::to_string),
            created_at: Some(now - days(age_days)),
            expires_at: expires_in_days.map(|d| now + days(d)),
            ..SeedKey::default()
        })
    }

    /// A key created 100 days ago (due for rotation), owned by `owner` (the admin when `None`).
    pub fn aged_key(&self, name: &str, owner: Option<&str>) -> String {
        self.seed_key(name, owner, 100, None).id
    }

    /// Writes `config.toml` (its directory made first) with `text`.
    pub fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config_dir()).unwrap();
        std::fs::write(self.config_dir().join("config.toml"), text).unwrap();
    }

    /// Creates a service account through the binary and returns its ID.
    pub fn service_account(&self, name: &str, role: &str) -> String {
        let run = self.run(&[
            "service-accounts",
            "create",
            "--name",
            name,
            "--role",
            role,
            "-q",
        ]);
        run.code(0);
        run.stdout.trim().to_string()
    }

    /// Mints a key through the binary (`-o json`) and returns (key object, secret).
    pub fn create_key(&self, args: &[&str]) -> (Value, String) {
        let mut all = vec!["keys", "create", "-o", "json"];
        all.extend_from_slice(args);
        let run = self.run(&all);
        run.code(0);
        let json = run.json();
        (
            json["key"].clone(),
            json["api_key"].as_str().expect("api_key").to_string(),
        )
    }
}

fn base_env(home: &Path) -> Vec<(&'static str, String)> {
    let path = std::env::var("PATH").unwrap_or_default();
    vec![
        ("PATH", path),
        ("HOME", home.display().to_string()),
        ("XDG_CONFIG_HOME", home.join("config").display().to_string()),
        ("XDG_STATE_HOME", home.join("state").display().to_string()),
        ("XDG_DATA_HOME", home.join("data").display().to_string()),
        ("LANG", "C.UTF-8".into()),
    ]
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_flexprice-admin"))
}

pub fn finish(cmd: &mut Command) -> Run {
    let output = cmd.output().expect("binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `sk_` + a 26-character ULID: the shape of a Flexprice secret.
pub fn is_secret_key(s: &str) -> bool {
    s.len() == 29
        && s.starts_with("sk_")
        && s[3..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// Runs a std Command (one whose stdout the test chose, e.g. `/dev/full`), capturing stderr
/// and, when piped, stdout.
pub fn finish_std(cmd: &mut StdCommand) -> Run {
    let output = cmd
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A fault in the sandbox's `--fault` grammar (sandbox/src/fault-grammar.md): the one way these
/// tests build a fault, so each reads as the rule a sandbox started with `--fault` would take.
pub fn fault(spec: &str) -> flexprice_sandbox::Fault {
    flexprice_sandbox::Fault::parse(spec).expect("fault spec")
}

/// Keys named `name` that the sandbox holds, other than `except`.
pub fn new_keys(world: &World, name: &str, except: &[&str]) -> Vec<flexprice_sandbox::KeyRecord> {
    world
        .sandbox
        .keys()
        .into_iter()
        .filter(|k| k.name == name && !except.contains(&k.id.as_str()))
        .collect()
}

/// Starts the binary with the admin key, stdin closed and stdout and stderr piped, for a test
/// that acts while it runs (a signal at a gate, a kill).
pub fn spawn(world: &World, args: &[&str]) -> std::process::Child {
    spawn_with(world, args, |_| {})
}

/// [`spawn`] after `adjust` changed the command (another credential, state directory or stdin).
pub fn spawn_with(
    world: &World,
    args: &[&str],
    adjust: impl FnOnce(&mut StdCommand),
) -> std::process::Child {
    let mut cmd = world.std_cmd();
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    adjust(&mut cmd);
    cmd.spawn().expect("spawns")
}

pub fn signal(child: &std::process::Child, sig: libc::c_int) {
    // SAFETY: kill(2) on our own child's PID, which has not been waited for yet.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, sig) }, 0);
}

/// Reads stderr until a line contains `needle`; returns everything read so far.
pub fn read_until(
    stderr: &mut std::io::BufReader<std::process::ChildStderr>,
    needle: &str,
) -> String {
    use std::io::BufRead;
    let mut log = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "stderr ended before {needle:?}:\n{log}"
        );
        log.push_str(&line);
        if line.contains(needle) {
            return log;
        }
    }
}

/// Waits for a spawned child; returns (exit code, stdout, all of stderr: `log`, what was read
/// of it already, and the rest).
pub fn finish_child(
    mut child: std::process::Child,
    mut stderr: std::io::BufReader<std::process::ChildStderr>,
    mut log: String,
) -> (i32, String, String) {
    use std::io::Read;
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    stderr.read_to_string(&mut log).unwrap();
    let code = child.wait().unwrap().code().unwrap_or(-1);
    (code, out, log)
}

/// Every file under `root`, in its subdirectories too.
pub fn walk(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(root) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// The recovery files in a state directory (`XDG_STATE_HOME`) other than the world's.
pub fn recovery_files_in(state: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(state.join("flexprice-admin")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("recovered-")
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Waits until the program on `session`'s terminal has turned the echo off: a hidden prompt
/// (dialoguer's `Password`) is then reading. It turns the echo off with `TCSAFLUSH`, which
/// discards whatever was typed before, so a key typed as soon as the prompt's text shows (before
/// the echo is off) is lost and the program waits for input forever. Linux reports the
/// terminal's settings through the pseudo-terminal's master side; polled, bounded by 60 s.
pub fn wait_until_input_is_hidden(session: &rexpect::session::PtySession) {
    use std::os::fd::AsRawFd;
    let master = session
        .process()
        .get_file_handle()
        .expect("the pseudo-terminal");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let mut termios = std::mem::MaybeUninit::<libc::termios>::uninit();
        // SAFETY: tcgetattr(3) on an open descriptor into a buffer of the right type.
        assert_eq!(
            unsafe { libc::tcgetattr(master.as_raw_fd(), termios.as_mut_ptr()) },
            0,
            "tcgetattr on the pseudo-terminal"
        );
        // SAFETY: tcgetattr returned 0, so it filled the buffer.
        let termios = unsafe { termios.assume_init() };
        if termios.c_lflag & libc::ECHO == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the terminal still echoes after 60 s: no hidden prompt is reading"
        );
        std::thread::yield_now();
    }
}

/// A file's permission bits (`0o600`; the sticky and set-ID bits too: `0o1777`).
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// `sk_01***7Q`: a key's display form (Flexprice's `display_id`), which scrubbed text shows
/// instead of the key.
pub fn display_form(key: &str) -> String {
    format!("{}***{}", &key[..5], &key[key.len() - 2..])
}

/// Whether process `pid` is gone (or a zombie waiting to be reaped, which runs nothing).
pub fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

/// Waits until process `pid` is [`gone`], at most 20 s (SIGKILL takes effect when the process
/// is next scheduled); whether it went.
pub fn wait_until_gone(pid: &str) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !gone(pid) {
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::yield_now();
    }
    true
}

/// A manifest `flexprice.toml` in `dir`; `{dir}` in `text` stands for `dir`.
pub fn manifest(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("flexprice.toml");
    std::fs::write(&path, text.replace("{dir}", &dir.display().to_string())).unwrap();
    path
}

/// `cmd` on a pseudo-terminal, as an operator runs it; every expectation waits at most 20 s.
pub fn pty(cmd: StdCommand) -> rexpect::session::PtySession {
    rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawns in a pty")
}

/// Waits for a pseudo-terminal session's process and returns its exit code.
pub fn exit_code(session: &mut rexpect::session::PtySession) -> i32 {
    match session.process().wait().expect("exits") {
        rexpect::process::WaitStatus::Exited(_, code) => code,
        other => panic!("did not exit normally: {other:?}"),
    }
}
