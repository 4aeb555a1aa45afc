//! The test world: a sandbox, a private home directory, and a way to run the binary in it; and
//! the one way each command file makes what it needs: keys of a chosen age, accounts, faults
//! (in the sandbox's `--fault` grammar), signals at a gate, terminals, files, and the snapshot
//! of a run's whole output with what changes from run to run named.

use std::path::{Path, PathBuf};

use std::process::Command as StdCommand;

use assert_cmd::Command;

use flexprice_sandbox::{LoggedRequest, Sandbox, SandboxOptions, SeedKey, SeededKey};

use jiff::{SignedDuration, Timestamp};

use serde_json::Value;

pub(crate) struct World {
    pub sandbox: Sandbox,
    pub home: tempfile::TempDir,
}

/// What a finished run left behind.
pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub(crate) fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub(crate) fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub(crate) fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }
}

impl World {
    pub(crate) fn new() -> World {
        Self::with(SandboxOptions::default())
    }

    /// A sandbox without Flexprice's revocation cache: a revoked key is refused at once. Only
    /// for tests about revocation itself; everything else runs with the real server's 120 s.
    pub(crate) fn with_immediate_revocation() -> World {
        Self::with(SandboxOptions {
            revocation_delay: std::time::Duration::ZERO,
            ..SandboxOptions::default()
        })
    }

    pub(crate) fn with(options: SandboxOptions) -> World {
        let sandbox = Sandbox::start(options).expect("sandbox starts");
        World {
            sandbox,
            home: tempfile::tempdir().expect("temp home"),
        }
    }

    pub(crate) fn config_dir(&self) -> PathBuf {
        self.home.path().join("config/flexprice-admin")
    }

    /// The binary with a cleared environment, pointed at the sandbox with the admin key.
    pub(crate) fn cmd(&self) -> Command {
        let mut cmd = Command::new(bin());
        cmd.env_clear().envs(base_env(self.home.path()));
        cmd.env("FLEXPRICE_API_URL", self.sandbox.api_url())
            .env("FLEXPRICE_API_KEY", self.sandbox.admin_key());
        cmd
    }

    /// The same, as a std Command (for pseudo-terminal tests).
    pub(crate) fn std_cmd(&self) -> StdCommand {
        self.std_cmd_of(StdCommand::new(bin()))
    }

    /// The binary on a terminal that echoes what is typed, as a real one does: `rexpect` turns
    /// the echo of its pseudo-terminal off before starting a program, which would hide an echo
    /// the program failed to turn off. Arguments go after this, as with [`Self::std_cmd`].
    pub(crate) fn echoing_terminal_cmd(&self) -> StdCommand {
        let mut sh = StdCommand::new("sh");
        sh.args(["-c", "stty echo && exec \"$0\" \"$@\""])
            .arg(bin());
        self.std_cmd_of(sh)
    }

    /// The binary started by `sh` once `setup` (shell words, e.g. `ulimit -Sn 256`) has run in
    /// it; arguments go after this, as with [`Self::std_cmd`].
    pub(crate) fn cmd_after_shell(&self, setup: &str) -> StdCommand {
        let mut sh = StdCommand::new("sh");
        sh.args(["-c", &format!("{setup} && exec \"$0\" \"$@\"")])
            .arg(bin());
        self.std_cmd_of(sh)
    }

    /// `sh -c script` with the binary as `$0` (arguments go after this, as `$@`), in the
    /// binary's environment: what a script that runs it sees (`$?`).
    pub(crate) fn in_shell(&self, script: &str) -> StdCommand {
        let mut sh = StdCommand::new("sh");
        sh.args(["-c", script]).arg(bin());
        self.std_cmd_of(sh)
    }

    fn std_cmd_of(&self, mut cmd: StdCommand) -> StdCommand {
        cmd.env_clear().envs(base_env(self.home.path()));
        cmd.env("FLEXPRICE_API_URL", self.sandbox.api_url())
            .env("FLEXPRICE_API_KEY", self.sandbox.admin_key());
        cmd
    }

    /// Runs with the admin key.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        finish(self.cmd().args(args))
    }

    /// Runs with the admin key the words of `line`, split at white space (so no argument may
    /// be empty or hold a space): a long command reads as it is typed.
    pub(crate) fn run_line(&self, line: &str) -> Run {
        self.run(&line.split_whitespace().collect::<Vec<_>>())
    }

    /// Runs with another API key.
    pub(crate) fn run_as(&self, key: &str, args: &[&str]) -> Run {
        finish(self.cmd().env("FLEXPRICE_API_KEY", key).args(args))
    }

    /// Runs with the admin key after `adjust` changed the command (env, stdin).
    pub(crate) fn run_with(&self, args: &[&str], adjust: impl FnOnce(&mut Command)) -> Run {
        let mut cmd = self.cmd();
        adjust(&mut cmd);
        finish(cmd.args(args))
    }

    /// Runs with the admin key and the test Secret Service reachable.
    pub(crate) fn run_keychain(&self, args: &[&str]) -> Run {
        self.run_with(args, |cmd| {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", crate::secret_service::address());
        })
    }

    /// Where recovery files go: `$XDG_STATE_HOME/flexprice-admin`.
    pub(crate) fn state_dir(&self) -> PathBuf {
        self.home.path().join("state/flexprice-admin")
    }

    /// The recovery files left in the state directory (which also holds the rotation locks).
    pub(crate) fn recovery_files(&self) -> Vec<PathBuf> {
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

    pub(crate) fn requests(&self) -> Vec<LoggedRequest> {
        self.sandbox.requests()
    }

    /// Requests other than reads: what "nothing was sent" is about.
    pub(crate) fn mutating_requests(&self) -> Vec<LoggedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method != "GET" && !r.path.ends_with("/search"))
            .collect()
    }

    /// How many keys were asked to be created (`POST /v1/secrets/api/keys`): "nothing was
    /// minted" and "a re-run minted nothing new" are about this.
    pub(crate) fn creates(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v1/secrets/api/keys")
            .count()
    }

    /// Adds a fault in the sandbox's grammar (see [`fault`]).
    pub(crate) fn add_fault(&self, spec: &str) {
        self.sandbox.add_fault(fault(spec));
    }

    /// A key's status in the sandbox: `published` (active) or `deleted` (revoked).
    pub(crate) fn status(&self, id: &str) -> String {
        self.sandbox
            .key(id)
            .unwrap_or_else(|| panic!("the sandbox has no key {id}"))
            .status
    }

    /// Asserts that `secret` (its trailing line break aside) authenticates: `whoami -q` with it
    /// exits 0.
    #[track_caller]
    pub(crate) fn assert_works(&self, secret: &str) {
        self.run_as(secret.trim_end(), &["whoami", "-q"]).code(0);
    }

    /// How many revocations were asked for (`DELETE` of a key or an account): "nothing was
    /// revoked" is about this.
    pub(crate) fn deletes(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .count()
    }

    /// Asserts that `dest` holds a working secret (the new key's) and that `old` is revoked:
    /// what a finished rotation into a file leaves.
    #[track_caller]
    pub(crate) fn assert_rotated_into(&self, old: &str, dest: &Path) {
        let secret =
            std::fs::read_to_string(dest).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
        self.assert_works(&secret);
        assert_eq!(self.status(old), "deleted", "the old key {old}");
    }

    /// Makes `keys audit` leave keys that never expire alone (`profile set --no-expiry-keys
    /// ignore`), for tests about something else: the sandbox's admin key never expires, and by
    /// default the audit fails on it (keys_audit.rs: by_default_a_key_that_never_expires_…).
    pub(crate) fn ignore_keys_without_expiry(&self) {
        self.run(&["profile", "set", "--no-expiry-keys", "ignore"])
            .code(0);
    }

    /// A key seeded straight into the sandbox (no request of ours): created `age_days` ago,
    /// expiring `expires_in_days` from now (never when `None`; already expired when negative),
    /// owned by `owner` (the admin when `None`). The one way these tests make a key of a chosen
    /// age; a key with its own ID or environment is seeded with `sandbox.seed_key` itself.
    pub(crate) fn seed_key(
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
    pub(crate) fn aged_key(&self, name: &str, owner: Option<&str>) -> String {
        self.seed_key(name, owner, 100, None).id
    }

    /// `count` keys created 100 days ago (due for rotation), named `prefix` and their number,
    /// owned by the admin.
    pub(crate) fn aged_keys(&self, prefix: &str, count: usize) -> Vec<String> {
        (0..count)
            .map(|i| self.aged_key(&format!("{prefix}{i}"), None))
            .collect()
    }

    /// Runs with the admin key, stdin closed and stdout `/dev/full`, where every write fails
    /// as on a full disk.
    pub(crate) fn run_into_a_full_disk(&self, args: &[&str]) -> Run {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        finish_std(
            self.std_cmd()
                .args(args)
                .stdin(std::process::Stdio::null())
                .stdout(full),
        )
    }

    /// Writes `config.toml` (its directory made first) with `text`, private (0600) as the tool
    /// writes it, so that no run warns about it whatever the umask.
    pub(crate) fn write_config(&self, text: &str) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(self.config_dir()).unwrap();
        let path = self.config_dir().join("config.toml");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    /// Another user of the tenant, Dana (`all_writer`): the admin sees her keys but cannot mint
    /// for her. Returns her user ID.
    pub(crate) fn another_user(&self) -> String {
        self.sandbox
            .seed_user("Dana", "dana@example.com", &["all_writer"])
    }

    /// The service account `bot` (role `event_ingestor`, as [`bot_manifest`] declares it),
    /// seeded straight into the sandbox. Returns its ID.
    pub(crate) fn seed_bot(&self) -> String {
        self.sandbox
            .seed_service_account("bot", &["event_ingestor"])
    }

    /// Creates a service account through the binary and returns its ID.
    pub(crate) fn service_account(&self, name: &str, role: &str) -> String {
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
    pub(crate) fn create_key(&self, args: &[&str]) -> (Value, String) {
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

pub(crate) fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_flexprice-admin"))
}

pub(crate) fn finish(cmd: &mut Command) -> Run {
    let output = cmd.output().expect("binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs a std Command (one whose stdout the test chose, e.g. `/dev/full`), capturing stderr
/// and, when piped, stdout.
pub(crate) fn finish_std(cmd: &mut StdCommand) -> Run {
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

/// The binary with a cleared environment and no sandbox: help and generate need neither.
pub(crate) fn offline(args: &[&str]) -> Run {
    let home = tempfile::tempdir().expect("temp home");
    let mut cmd = assert_cmd::Command::new(bin());
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("LANG", "C.UTF-8")
        .args(args);
    finish(&mut cmd)
}

// ---- keys, accounts and profiles made for a test ------------------------------------------------

/// A service account with one key (30-day lifetime); returns (account id, key id, secret).
pub(crate) fn service_key(world: &World, name: &str) -> (String, String, String) {
    let account = world.service_account(&format!("{name}-bot"), "event_ingestor");
    let (key, secret) = world.create_key(&[
        "--name",
        name,
        "--service-account",
        &account,
        "--expires-in",
        "30d",
    ]);
    (account, key["id"].as_str().unwrap().to_string(), secret)
}

/// A due key (100 days old) named `name` of `owner` (the admin when `None`), and the file its
/// successor is to go to: (the old key's ID, the file's directory, kept as long as the value
/// is, the file `<name>.key`, and `file:<the file>` for `--store`).
pub(crate) fn due_key_in_a_file(
    world: &World,
    name: &str,
    owner: Option<&str>,
) -> (String, tempfile::TempDir, PathBuf, String) {
    let old = world.aged_key(name, owner);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join(format!("{name}.key"));
    let store = format!("file:{}", dest.display());
    (old, dir, dest, store)
}

/// [`due_key_in_a_file`] for a key of a service account of its own, `<name>-bot`.
pub(crate) fn due_key_to_file(
    world: &World,
    name: &str,
) -> (String, tempfile::TempDir, PathBuf, String) {
    let account = world
        .sandbox
        .seed_service_account(&format!("{name}-bot"), &["event_ingestor"]);
    due_key_in_a_file(world, name, Some(&account))
}

/// Creates `name` (a 7-day key, so `keys rotate --due` finds it at once) through the binary,
/// delivered to `store`; returns its ID.
pub(crate) fn due_key(world: &World, name: &str, store: &str) -> String {
    let run = world.run_keychain(&[
        "keys",
        "create",
        "--name",
        name,
        "--expires-in",
        "7d",
        "--store",
        store,
        "-o",
        "json",
    ]);
    run.code(0);
    run.json()["key"]["id"].as_str().unwrap().to_string()
}

/// Three accounts with a key each, two of them aged (due for rotation): returns the key IDs
/// of `a`, `b` and `c`, in that order.
pub(crate) fn three_accounts(world: &World) -> [String; 3] {
    ["a", "b", "c"].map(|name| {
        let account = world.service_account(&format!("bot-{name}"), "event_ingestor");
        world.aged_key(&format!("key-{name}"), Some(&account))
    })
}

/// A key in the Sandbox environment and an old one in Production; their IDs.
pub(crate) fn two_environments(world: &World) -> (String, String) {
    let sandbox_key = world
        .sandbox
        .seed_key(SeedKey {
            name: "sandbox-key".into(),
            ..SeedKey::default()
        })
        .id;
    let production_key = world
        .sandbox
        .seed_key(SeedKey {
            name: "production-key".into(),
            environment_id: Some(world.sandbox.production_environment_id().to_owned()),
            created_at: Some(Timestamp::now() - SignedDuration::from_hours(24 * 120)),
            ..SeedKey::default()
        })
        .id;
    (sandbox_key, production_key)
}

/// Keys named `name` that the sandbox holds, other than `except`.
pub(crate) fn new_keys(
    world: &World,
    name: &str,
    except: &[&str],
) -> Vec<flexprice_sandbox::KeyRecord> {
    world
        .sandbox
        .keys()
        .into_iter()
        .filter(|k| k.name == name && !except.contains(&k.id.as_str()))
        .collect()
}

// ---- faults and the requests a command sends ----------------------------------------------------

/// A fault in the sandbox's `--fault` grammar (sandbox/src/fault-grammar.md): the one way these
/// tests build a fault, so each reads as the rule a sandbox started with `--fault` would take.
pub(crate) fn fault(spec: &str) -> flexprice_sandbox::Fault {
    flexprice_sandbox::Fault::parse(spec).expect("fault spec")
}

/// Holds every request to `paths` at one gate, runs the command, and returns once the command
/// had all of them waiting at the gate together (then opens it).
pub(crate) fn held_together(world: &World, paths: &[(&str, &str)], args: &[&str]) -> Run {
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

/// `METHOD PATH` of every request the sandbox answered, in the order it answered them.
pub(crate) fn paths_requested(world: &World) -> Vec<String> {
    world
        .sandbox
        .requests()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// More than `src/api/mod.rs`'s MAX_BODY_BYTES (32 MiB).
pub(crate) const PAST_THE_CAP: usize = 32 * 1024 * 1024 + 1;

/// Whether a key listing was asked for after the create: the lookup of what it may have made.
pub(crate) fn looked_up_after_the_create(world: &World) -> bool {
    let requests = world.requests();
    let create = requests
        .iter()
        .position(|r| r.method == "POST" && r.path == "/v1/secrets/api/keys")
        .expect("a create was sent");
    requests[create + 1..]
        .iter()
        .any(|r| r.method == "GET" && r.path == "/v1/secrets/api/keys")
}

// ---- processes and signals ----------------------------------------------------------------------

/// Starts the binary with the admin key, stdin closed and stdout and stderr piped, for a test
/// that acts while it runs (a signal at a gate, a kill).
pub(crate) fn spawn(world: &World, args: &[&str]) -> std::process::Child {
    spawn_with(world, args, |_| {})
}

/// [`spawn`] after `adjust` changed the command (another credential, state directory or stdin).
pub(crate) fn spawn_with(
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

pub(crate) fn signal(child: &std::process::Child, sig: libc::c_int) {
    // SAFETY: kill(2) on our own child's PID, which has not been waited for yet.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, sig) }, 0);
}

/// Reads stderr until a line contains `needle`; returns everything read so far.
pub(crate) fn read_until(
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

/// Sends `sig` to `child` once `held` of its requests wait at the sandbox's gate `gate`, reads
/// its stderr until a line holds `heard` (the binary acknowledging the signal), then opens the
/// gate and waits for the child: (exit code, stdout, all of stderr), as [`finish_child`].
pub(crate) fn signal_at_gate(
    world: &World,
    mut child: std::process::Child,
    (gate, held): (&str, usize),
    sig: libc::c_int,
    heard: &str,
) -> (i32, String, String) {
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    world.sandbox.wait_held(gate, held);
    signal(&child, sig);
    let log = read_until(&mut stderr, heard);
    world.sandbox.release(gate);
    finish_child(child, stderr, log)
}

/// Waits for a spawned child; returns (exit code, stdout, all of stderr: `log`, what was read
/// of it already, and the rest).
pub(crate) fn finish_child(
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

/// Whether process `pid` is gone (or a zombie waiting to be reaped, which runs nothing).
pub(crate) fn gone(pid: &str) -> bool {
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
pub(crate) fn wait_until_gone(pid: &str) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !gone(pid) {
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::yield_now();
    }
    true
}

// ---- terminals ----------------------------------------------------------------------------------

/// `cmd` on a pseudo-terminal, as an operator runs it; every expectation waits at most 20 s.
pub(crate) fn pty(cmd: StdCommand) -> rexpect::session::PtySession {
    rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawns in a pty")
}

/// Waits for a pseudo-terminal session's process and returns its exit code.
pub(crate) fn exit_code(session: &mut rexpect::session::PtySession) -> i32 {
    match session.process().wait().expect("exits") {
        rexpect::process::WaitStatus::Exited(_, code) => code,
        other => panic!("did not exit normally: {other:?}"),
    }
}

/// Waits until the program on `session`'s terminal has turned the echo off: a hidden prompt
/// (dialoguer's `Password`) is then reading. It turns the echo off with `TCSAFLUSH`, which
/// discards whatever was typed before, so a key typed as soon as the prompt's text shows (before
/// the echo is off) is lost and the program waits for input forever. Linux reports the
/// terminal's settings through the pseudo-terminal's master side; polled, bounded by 60 s.
pub(crate) fn wait_until_input_is_hidden(session: &rexpect::session::PtySession) {
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

/// Everything a terminal of `columns` × `rows` shows while `flexprice-admin ARGS` runs on it
/// (a pseudo-terminal sized with `stty`), with the world's environment after `adjust` changed
/// it, and without colour.
pub(crate) fn terminal(
    world: &World,
    columns: u16,
    rows: u16,
    args: &str,
    adjust: impl FnOnce(&mut StdCommand),
) -> String {
    let mut cmd = StdCommand::new("/bin/sh");
    cmd.env_clear()
        .envs(
            world
                .std_cmd()
                .get_envs()
                .filter_map(|(k, v)| Some((k, v?))),
        )
        .env("NO_COLOR", "1");
    adjust(&mut cmd);
    cmd.arg("-c").arg(format!(
        "stty cols {columns} rows {rows}; exec '{}' {args}",
        bin().display()
    ));
    let mut session = pty(cmd);
    let raw = session.exp_eof().expect("exits");
    // rexpect hands back one char per byte: put the UTF-8 (`…`) back together.
    String::from_utf8(raw.chars().map(|c| c as u32 as u8).collect()).unwrap()
}

pub(crate) const FIXED_NOW: &str = "2026-06-01T12:00:00Z";

/// A sandbox holding keys with fixed IDs, names, owners and times, and the fixed_tenant-level key
/// (not bound to an environment, so `--all-environments` works) as the credential. The
/// admin's own key, whose ID is new on every run, is revoked.
pub(crate) fn fixed_world() -> World {
    let world = World::new();
    let now: Timestamp = FIXED_NOW.parse().unwrap();
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
    fixed_tenant(&world, &["keys", "delete", &admin_key, "--yes", "-q"]).code(0);
    world
}

/// Runs as the fixed_tenant-level key in the Sandbox environment, at [`FIXED_NOW`], off a terminal.
pub(crate) fn fixed_tenant(world: &World, args: &[&str]) -> Run {
    world.run_with(args, |cmd| {
        cmd.env("FLEXPRICE_API_KEY", world.sandbox.tenant_key())
            .env(
                "FLEXPRICE_ENVIRONMENT_ID",
                world.sandbox.sandbox_environment_id(),
            )
            .env("FLEXPRICE_ADMIN_TEST_NOW", FIXED_NOW);
    })
}

/// What a terminal of `columns` columns shows for `args`, run as [`fixed_tenant`] does, with the
/// sandbox's port made fixed.
pub(crate) fn screen(world: &World, columns: u16, args: &str) -> String {
    let text = terminal(world, columns, 60, args, |cmd| {
        cmd.env("FLEXPRICE_API_KEY", world.sandbox.tenant_key())
            .env(
                "FLEXPRICE_ENVIRONMENT_ID",
                world.sandbox.sandbox_environment_id(),
            )
            .env("FLEXPRICE_ADMIN_TEST_NOW", FIXED_NOW);
    });
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
/// for its seeded environments) replaced by [`FIXED_NOW`]: the same width, the same on every run.
pub(crate) fn fixed_times(line: &str) -> String {
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
        .position(|w| shape(w) && w != FIXED_NOW.as_bytes())
    {
        out.replace_range(at..at + 20, FIXED_NOW);
    }
    out
}

/// The escape character that starts a colour (or any terminal control sequence).
pub(crate) const ESC: char = '\u{1b}';

// ---- files --------------------------------------------------------------------------------------

/// A file's permission bits (`0o600`; the sticky and set-ID bits too: `0o1777`).
pub(crate) fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// Every file under `root`, in its subdirectories too.
pub(crate) fn walk(root: &Path) -> Vec<PathBuf> {
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
pub(crate) fn recovery_files_in(state: &Path) -> Vec<PathBuf> {
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

/// The only recovery file, and what it holds as written (the secret and a line break); `log`
/// is shown when there is not exactly one.
#[track_caller]
pub(crate) fn the_recovery_file(world: &World, log: &str) -> (PathBuf, String) {
    let files = world.recovery_files();
    assert_eq!(files.len(), 1, "one recovery file: {files:?}\n{log}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    (files[0].clone(), text)
}

pub(crate) fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Makes a FIFO at `path` (private), for a command under test to tell the test where it is.
pub(crate) fn make_fifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) on a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
}

/// A file's text without its trailing line break (a secret as delivered).
pub(crate) fn read_trimmed(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .trim_end()
        .to_string()
}

/// A manifest `flexprice.toml` in `dir`; `{dir}` in `text` stands for `dir`.
pub(crate) fn manifest(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("flexprice.toml");
    std::fs::write(&path, text.replace("{dir}", &dir.display().to_string())).unwrap();
    path
}

/// A manifest's text: `version = 1`, then the service account `bot` (role `event_ingestor`)
/// with `keys`, its `[[service_account.key]]` tables as [`key_table`] writes them.
pub(crate) fn bot_manifest(keys: &[String]) -> String {
    bot_manifest_as("event_ingestor", keys)
}

/// [`bot_manifest`] with `role` for the account's one role.
pub(crate) fn bot_manifest_as(role: &str, keys: &[String]) -> String {
    format!(
        "version = 1\n[[service_account]]\nname = \"bot\"\nroles = [\"{role}\"]\n{}",
        keys.concat()
    )
}

/// A manifest's `[[service_account.key]]` table: the key `name`, delivered to each of `stores`
/// (as TOML strings: their quotes and backslashes escaped).
pub(crate) fn key_table(name: &str, stores: &[&str]) -> String {
    key_table_in(name, None, stores)
}

/// [`key_table`] with the key's `environment` when `Some`.
pub(crate) fn key_table_in(name: &str, environment: Option<&str>, stores: &[&str]) -> String {
    let environment = environment.map_or(String::new(), |e| format!("  environment = \"{e}\"\n"));
    let stores: Vec<String> = stores.iter().map(|s| format!("\"{s}\"")).collect();
    format!(
        "  [[service_account.key]]\n  name = \"{name}\"\n{environment}  store = [{}]\n",
        stores.join(", ")
    )
}

/// `text` (a manifest beginning `version = 1`) with a `[defaults]` table of `lines` after its
/// first line.
pub(crate) fn with_defaults(lines: &str, text: &str) -> String {
    let body = text.strip_prefix("version = 1\n").expect("a manifest");
    format!("version = 1\n[defaults]\n{lines}{body}")
}

// ---- what tests assert --------------------------------------------------------------------------

/// `sk_` + a 26-character ULID: the shape of a Flexprice secret.
pub(crate) fn is_secret_key(s: &str) -> bool {
    s.len() == 29
        && s.starts_with("sk_")
        && s[3..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// `sk_01***7Q`: a key's display form (Flexprice's `display_id`), which scrubbed text shows
/// instead of the key.
pub(crate) fn display_form(key: &str) -> String {
    format!("{}***{}", &key[..5], &key[key.len() - 2..])
}

/// Whether `text` holds any 16 characters in a row of `key`: the whole key, or enough of its
/// random part to matter (a ULID's first 10 characters are only a timestamp).
pub(crate) fn leaks(text: &str, key: &str) -> bool {
    (0..=key.len() - 16).any(|i| text.contains(&key[i..i + 16]))
}

/// A line of `stderr` names the destination (`exec:` and the program's first word) and says
/// the program did not read the secret ("did not read", "without reading", "left … unread").
#[track_caller]
pub(crate) fn says_unread(stderr: &str, program: &str) {
    let label = format!("exec:{}", program.split_whitespace().next().unwrap());
    assert!(
        stderr
            .lines()
            .any(|l| l.contains(&label) && l.to_lowercase().contains("read")),
        "no line says that {label} did not read the secret:\n{stderr}"
    );
}

/// Asserts that `key` (a key object of `-o json`) lives `days` days from its creation, to within
/// five seconds.
#[track_caller]
pub(crate) fn assert_lifetime(key: &Value, days: i64) {
    let at = |field: &str| -> Timestamp {
        key[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} in {key}"))
            .parse()
            .unwrap()
    };
    let lifetime = at("expires_at").duration_since(at("created_at"));
    assert!(
        (lifetime - SignedDuration::from_hours(days * 24)).abs() < SignedDuration::from_secs(5),
        "{lifetime:?}, not {days} days"
    );
}

/// The re-run that a rotation's recovery hint names (`keys rotate OLD --yes`, no `--store`)
/// finishes it from the recovery file: exit 0, nothing minted, `waiting` (the recovery file's
/// secret) delivered to `dest` where the first run was told to deliver it, not to stdout, and
/// the old key revoked.
#[track_caller]
pub(crate) fn assert_rerun_finishes_into(world: &World, old: &str, dest: &Path, waiting: &str) {
    let creates = world.creates();
    let again = world.run(&["keys", "rotate", old, "--yes"]);
    again.code(0).stderr_has("Finishing the rotation");
    assert_eq!(
        again.stdout,
        "",
        "the secret went to stdout, not {}",
        dest.display()
    );
    assert_eq!(std::fs::read_to_string(dest).unwrap(), waiting);
    assert_eq!(world.creates(), creates, "nothing minted");
    assert!(world.recovery_files().is_empty());
    assert_eq!(world.status(old), "deleted");
}

// ---- snapshots ----------------------------------------------------------------------------------

impl World {
    /// What a run showed, for an inline snapshot (`insta::assert_snapshot!(world.shown(&run, &[]),
    /// @"…")`): its exit code, then stdout and stderr whole, with what changes from run to run
    /// replaced by a stable name (see [`World::redact`]).
    pub(crate) fn shown(&self, run: &Run, named: &[(&str, &str)]) -> String {
        let text = format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            run.code, run.stdout, run.stderr
        );
        self.redact(&text, named)
    }

    /// [`World::shown`] for a batch, whose keys are rotated or revoked eight at a time (or an
    /// apply, whose changes are made side by side) and so finish in no fixed order: the receipts
    /// of its keys (each with its `hint:` lines), the plain lines on stdout and the objects of a
    /// JSON array are put in order of their text with the IDs left out, before the IDs are
    /// numbered. Everything else keeps its place.
    pub(crate) fn shown_batch(&self, run: &Run, named: &[(&str, &str)]) -> String {
        let order = |text: &str| self.redact_unnumbered(text, named);
        let stdout = if run.stdout.starts_with('[') {
            sort_json_items(&run.stdout, &order)
        } else {
            let mut lines: Vec<&str> = run.stdout.lines().collect();
            lines.sort_by_cached_key(|l| order(l));
            lines.iter().map(|l| format!("{l}\n")).collect()
        };
        let stderr = sort_receipts(&run.stderr, &order);
        let text = format!(
            "exit {}\n--- stdout\n{stdout}--- stderr\n{stderr}",
            run.code
        );
        self.redact(&text, named)
    }

    /// `text` redacted as [`World::redact`] does, but every ID as the same name: the order of
    /// lines that differ only by their IDs.
    fn redact_unnumbered(&self, text: &str, named: &[(&str, &str)]) -> String {
        let text = self.redact(text, named);
        regex::Regex::new(r"\[(KEY|USER|ULID)_\d+\]")
            .unwrap()
            .replace_all(&text, "[$1]")
            .into_owned()
    }

    /// `$ ARGS` (quoted as a shell takes them), then what the run showed ([`World::shown`]): one
    /// entry of a transcript of several runs, for one snapshot of a command's common errors.
    pub(crate) fn transcript(&self, args: &[&str], run: &Run, named: &[(&str, &str)]) -> String {
        let line = shlex::try_join(args.iter().copied()).expect("no NUL in the arguments");
        format!(
            "$ {}\n{}\n",
            self.redact(&line, named),
            self.shown(run, named)
        )
    }

    /// `text` with what changes from run to run replaced by a stable name: first each of `named`
    /// (a value the test knows, such as the old key's ID or a directory, by the name it gives
    /// it), then every temporary directory (`[TMP]`), secret (`[SECRET]`: a snapshot never holds
    /// one) and its display form (`[DISPLAY_ID]`), key, account and request ID, numbered by first
    /// appearance (`[KEY_1]`, `[USER_1]`, `[ULID_1]`), time (`[TIME]`, RFC 3339 or the compact
    /// form in a recovery file's name) and seconds left (`in [N] s`), and the sandbox's port
    /// (`[PORT]`).
    pub(crate) fn redact(&self, text: &str, named: &[(&str, &str)]) -> String {
        let mut named = named.to_vec();
        // The longest first, so that a value holding another is replaced whole.
        named.sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
        let mut text = text.to_string();
        for (value, name) in named {
            assert!(!value.is_empty(), "an empty value named {name}");
            text = text.replace(value, name);
        }
        let temp = regex::escape(&std::env::temp_dir().display().to_string());
        let fixed = [
            (format!(r"{temp}/\.tmp[0-9A-Za-z]{{6}}"), "[TMP]"),
            // An API key (a tenant-level key is `sk_local_` and 26 lower-case characters) or
            // a login token.
            (
                r"\b([sp]k_[0-9A-Z]{26}|sk_local_[0-9a-z]{26})\b".to_string(),
                "[SECRET]",
            ),
            (r"\beyJ[\w-]+\.[\w-]+\.[\w-]*".to_string(), "[SECRET]"),
            (
                r"\b[sp]k_[0-9A-Za-z]{2}\*\*\*[0-9A-Za-z]{2}\b".to_string(),
                "[DISPLAY_ID]",
            ),
            (
                r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})".to_string(),
                "[TIME]",
            ),
            // The compact form in a recovery file's name.
            (r"\b\d{8}T\d{6}Z\b".to_string(), "[TIME]"),
            // A wait counted down in seconds (`certain at T (in 119 s)`).
            (r"\bin \d+ s\b".to_string(), "in [N] s"),
            // What the shell an `exec:` command runs in calls itself (dash: `/usr/bin/sh: 1: `).
            (r"(/usr)?/bin/sh: \d+: ".to_string(), "sh: "),
            // A lock named by a hash of a temporary path (`apply-2bda5268ad02bcc4.lock`).
            (r"-[0-9a-f]{16}\.lock\b".to_string(), "-[HASH].lock"),
        ];
        for (pattern, name) in fixed {
            text = regex::Regex::new(&pattern)
                .unwrap()
                .replace_all(&text, name)
                .into_owned();
        }
        for (pattern, name) in [
            (r"\bsecret_[0-9A-Z]{26}\b", "KEY"),
            (r"\buser_[0-9A-Z]{26}\b", "USER"),
            (r"\b[0-9A-Z]{26}\b", "ULID"),
        ] {
            let mut seen: Vec<String> = Vec::new();
            text = regex::Regex::new(pattern)
                .unwrap()
                .replace_all(&text, |found: &regex::Captures| {
                    let token = found[0].to_string();
                    let n = seen.iter().position(|s| *s == token).unwrap_or_else(|| {
                        seen.push(token);
                        seen.len() - 1
                    });
                    format!("[{name}_{}]", n + 1)
                })
                .into_owned();
        }
        text.replace(&format!(":{}", self.sandbox.addr().port()), ":[PORT]")
    }
}

/// The items of a JSON array pretty-printed two spaces deep (`[`, `  {`, …, `  }`, `]`), in the
/// order of `key` of their text.
fn sort_json_items(json: &str, key: &impl Fn(&str) -> String) -> String {
    let lines: Vec<&str> = json.lines().collect();
    if lines.first() != Some(&"[") || lines.last() != Some(&"]") {
        return json.to_string();
    }
    let mut items: Vec<String> = Vec::new();
    for line in &lines[1..lines.len() - 1] {
        if *line == "  {" {
            items.push(String::new());
        }
        let item = items.last_mut().expect("an item starts with `  {`");
        item.push_str(
            line.strip_suffix(',')
                .filter(|_| line.starts_with("  }"))
                .unwrap_or(line),
        );
        item.push('\n');
    }
    items.sort_by_cached_key(|item| key(item));
    let last = items.len().saturating_sub(1);
    let mut out = String::from("[\n");
    for (i, item) in items.iter().enumerate() {
        let item = item.trim_end_matches('\n');
        out.push_str(item);
        out.push_str(if i < last { ",\n" } else { "\n" });
    }
    out.push_str("]\n");
    out
}

/// `stderr` with each run of receipts of a batch's keys (a line saying a key was rotated,
/// revoked or could not be, with the `hint:` and `caused by:` lines under it) in the order of
/// `key` of their text. An apply's accounts are created side by side too, but all before its
/// first key: their receipts are a run of their own.
fn sort_receipts(stderr: &str, key: &impl Fn(&str) -> String) -> String {
    const ACCOUNTS: [&str; 1] = ["+ created service account "];
    const KEYS: [&str; 13] = [
        "Rotated ",
        "Revoked key ",
        "warning: could not rotate key ",
        "warning: could not revoke key ",
        "warning: not revoked: ",
        // apply's changes, also made side by side
        "+ created key ",
        "~ rotated key ",
        "~ delivered key ",
        "- revoked key ",
        "warning: creating key ",
        "warning: rotating key ",
        "warning: delivering key ",
        "warning: revoking key ",
    ];
    // Per entry: which kind of receipt it is (none: a line that keeps its place).
    let kind = |line: &str| {
        if ACCOUNTS.iter().any(|r| line.starts_with(r)) {
            Some(0)
        } else if KEYS.iter().any(|r| line.starts_with(r)) {
            Some(1)
        } else {
            None
        }
    };
    let mut entries: Vec<(Option<u8>, String)> = Vec::new();
    for line in stderr.lines() {
        let continues = line.starts_with("hint: ") || line.starts_with("caused by: ");
        match entries.last_mut() {
            Some((_, entry)) if continues => {
                entry.push_str(line);
                entry.push('\n');
            }
            _ => entries.push((kind(line), format!("{line}\n"))),
        }
    }
    let mut out = String::new();
    let mut run: Vec<String> = Vec::new();
    let mut run_kind = None;
    for (receipt, entry) in entries {
        if receipt.is_some() && (run.is_empty() || receipt == run_kind) {
            run_kind = receipt;
            run.push(entry);
            continue;
        }
        run.sort_by_cached_key(|e| key(e));
        out.extend(run.drain(..));
        if receipt.is_some() {
            run_kind = receipt;
            run.push(entry);
        } else {
            out.push_str(&entry);
        }
    }
    run.sort_by_cached_key(|e| key(e));
    out.extend(run.drain(..));
    out
}
