//! Where the admin credential is read from (issue 16, items 5 and 7): input with an end (at most
//! 4 KiB, regular files only, no hang on a FIFO), one check for every source (control characters
//! and non-ASCII exit 2, not "no answer from the server"), a UTF-8 BOM stripped, and a key file
//! open to other users made private or refused like `config.toml`, never through a link.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::harness::{Run, World, display_form, finish, finish_std, mode};

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
