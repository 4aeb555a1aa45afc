//! What an installed binary says about itself and how it answers its completion scripts:
//! `--version` names the version and the commit it was built from; a completion request is
//! answered before any config is read, and only for our own variable.

use std::path::Path;
use std::process::Command;

use crate::harness::{Run, bin, finish_std};

/// The binary with a cleared environment and a home holding a corrupt config.toml, which any
/// run that reads config fails on.
fn run_with_corrupt_config(vars: &[(&str, &str)], args: &[&str]) -> Run {
    let home = tempfile::tempdir().expect("temp home");
    let config = home.path().join("config/flexprice-admin");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "this is [not toml").unwrap();
    let mut cmd = Command::new(bin());
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .envs(vars.iter().copied())
        .args(args);
    finish_std(&mut cmd)
}

#[test]
fn version_names_the_package_version_and_the_commit() {
    let run = run_with_corrupt_config(&[], &["--version"]);
    run.code(0);
    let mut expected = env!("CARGO_PKG_VERSION").to_string();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let head = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    // Tests run from a checkout; the commit is left out only where git cannot tell.
    if let Some(head) = head {
        expected.push_str(&format!(" (commit {})", &head[..12]));
    }
    assert_eq!(run.stdout, format!("flexprice-admin {expected}\n"));
    assert_eq!(run.stderr, "");
    // Subcommands say the same.
    let run = run_with_corrupt_config(&[], &["keys", "--version"]);
    run.code(0);
    assert_eq!(run.stdout, format!("flexprice-admin-keys {expected}\n"));
}

#[test]
fn a_completion_request_is_answered_before_config_is_read() {
    let run = run_with_corrupt_config(
        &[("_FLEXPRICE_ADMIN_COMPLETE", "fish")],
        &["--", "flexprice-admin", "keys", ""],
    );
    run.code(0);
    let candidates: Vec<&str> = run
        .stdout
        .lines()
        .map(|line| line.split('\t').next().unwrap_or_default())
        .filter(|c| !c.starts_with('-'))
        .collect();
    assert_eq!(
        candidates,
        ["create", "list", "delete", "rotate", "audit", "check"]
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn only_our_variable_makes_a_completion_request() {
    // clap's default variable name, set for something else in a cron job's environment, must not
    // turn a real run into a completion answer.
    let run = run_with_corrupt_config(&[("COMPLETE", "bash")], &["--version"]);
    run.code(0).stdout_has("flexprice-admin ");
    // An empty value means no request.
    let run = run_with_corrupt_config(&[("_FLEXPRICE_ADMIN_COMPLETE", "")], &["keys", "list"]);
    run.code(2).stderr_has("config.toml is not valid");
}
