//! A real Secret Service for the keychain tests: once per test process, a private D-Bus session
//! bus and a gnome-keyring-daemon whose login collection is created and unlocked headless (a
//! throwaway password on stdin, a throwaway HOME and XDG_DATA_HOME). No mocks: the binary talks
//! to gnome-keyring exactly as on a desktop.
//!
//! Clean-up without signals or prctl: a small supervisor shell starts both daemons and then
//! blocks reading its stdin, a pipe whose only writer is this test process (Rust opens pipes
//! close-on-exec, so no child inherits it). When the test process exits, for any reason, the
//! pipe closes, `read` returns, and the supervisor kills both daemons.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

const SUPERVISOR: &str = r#"
set -u
dir=$1
cat > "$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$dir/bus</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
# No service directories in that config: nothing is auto-activated, so the only Secret
# Service on this bus is the unlocked one started below.
dbus-daemon --config-file="$dir/bus.conf" --nofork --print-address=1 > "$dir/address" 2> "$dir/dbus.log" &
bus=$!
i=0
while [ ! -s "$dir/address" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$dir/address")
export DBUS_SESSION_BUS_ADDRESS
export HOME="$dir/home" XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir/run"
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
printf 'throwaway-test-password' | gnome-keyring-daemon --unlock --components=secrets --foreground > "$dir/gnome-keyring.log" 2>&1 &
keyring=$!
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; do
  i=$((i+1))
  if [ $i -gt 200 ]; then echo "FAILED: gnome-keyring-daemon did not register on the bus"; cat "$dir/gnome-keyring.log"; kill $keyring $bus; exit 1; fi
  sleep 0.05
done
echo "READY $DBUS_SESSION_BUS_ADDRESS"
read _ignored
kill $keyring $bus 2>/dev/null
wait
rm -rf "$dir"
"#;

struct Service {
    address: String,
    // Held for the life of the process: its stdin is the supervisor's lifeline.
    _supervisor: Child,
}

static SERVICE: OnceLock<Result<Service, String>> = OnceLock::new();

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

fn start() -> Result<Service, String> {
    for (program, package) in [
        ("gnome-keyring-daemon", "gnome-keyring"),
        ("dbus-daemon", "dbus-daemon"),
        ("dbus-send", "dbus-bin"),
        ("secret-tool", "libsecret-tools"),
    ] {
        if !on_path(program) {
            return Err(format!(
                "the keychain tests need a real Secret Service: {program} is missing; install {package} (e.g. `apt-get install gnome-keyring libsecret-tools dbus-daemon dbus-bin`, as .ci/run does)"
            ));
        }
    }
    let dir = tempfile::Builder::new()
        .prefix("flexprice-admin-keyring-")
        .tempdir()
        .map_err(|e| e.to_string())?
        .keep();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(SUPERVISOR)
        .arg("supervisor")
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the Secret Service supervisor: {e}"))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(address) = line.strip_prefix("READY ") {
            return Ok(Service {
                address: address.to_string(),
                _supervisor: child,
            });
        }
        seen.push(line);
    }
    Err(format!(
        "the Secret Service did not start:\n{}",
        seen.join("\n")
    ))
}

/// The D-Bus session address of the test Secret Service, started on first use. Panics (fails
/// the test, never skips it) when gnome-keyring is not installed.
pub(crate) fn address() -> &'static str {
    match SERVICE.get_or_init(start) {
        Ok(service) => &service.address,
        Err(why) => panic!("{why}"),
    }
}

/// `secret-tool lookup` against the test Secret Service, as another program would read it.
pub(crate) fn secret_tool_lookup(service: &str, account: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", account])
        .env("DBUS_SESSION_BUS_ADDRESS", address())
        .output()
        .expect("secret-tool runs");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `secret-tool store` into the test Secret Service, as an older flexprice-admin (or another
/// program) would have written the entry; the secret goes on stdin.
pub(crate) fn secret_tool_store(service: &str, account: &str, secret: &str) {
    use std::io::Write;
    let mut child = Command::new("secret-tool")
        .args([
            "store",
            "--label",
            "test entry",
            "service",
            service,
            "username",
            account,
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", address())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("secret-tool runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(secret.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "secret-tool store");
}

/// A name no other test uses, for profiles and keys in the shared keychain.
pub(crate) fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
