//! Build-time facts for `--version`: the commit the binary was built from, when it is known,
//! so a bug report names exactly what ran. Sources, first found wins:
//! 1. `FLEXPRICE_ADMIN_BUILD_COMMIT`, for packagers building from a tarball;
//! 2. the git checkout this crate is the root of (a clone, `cargo install --git`);
//! 3. `.cargo_vcs_info.json`, which `cargo package` writes into a published crate.
//!
//! Anything else (no git, a crate unpacked inside someone else's repository) gives no commit, and
//! `--version` says just the version. Never fails the build.

use std::path::{Path, PathBuf};
use std::process::Command;

const COMMIT_VAR: &str = "FLEXPRICE_ADMIN_BUILD_COMMIT";
/// Enough hex digits to be unique in any repository of this size, short enough to read out.
const SHORT: usize = 12;

fn main() {
    println!("cargo:rerun-if-env-changed={COMMIT_VAR}");
    println!("cargo:rerun-if-changed=build.rs");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = std::env::var(COMMIT_VAR)
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.trim().to_string())
        .or_else(|| git_commit(&dir))
        .or_else(|| packaged_commit(&dir));
    let version = env!("CARGO_PKG_VERSION");
    let long = match commit {
        Some(commit) => format!("{version} (commit {})", short(&commit)),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=FLEXPRICE_ADMIN_VERSION={long}");
}

fn short(commit: &str) -> &str {
    commit.get(..SHORT).unwrap_or(commit)
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// HEAD of the checkout whose top level is this crate, and the files that change when HEAD
/// moves (so a new commit rebuilds with the new hash, and nothing else does).
fn git_commit(dir: &Path) -> Option<String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    // A crate unpacked inside another project's repository must not report that project's HEAD.
    if std::fs::canonicalize(&top).ok()? != std::fs::canonicalize(dir).ok()? {
        return None;
    }
    let commit = git(dir, &["rev-parse", "HEAD"])?;
    let mut watched = vec![git(dir, &["rev-parse", "--git-path", "HEAD"])?];
    if let Some(reference) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.extend(git(dir, &["rev-parse", "--git-path", &reference]));
    }
    watched.extend(git(dir, &["rev-parse", "--git-path", "packed-refs"]));
    for path in watched {
        let path = dir.join(path);
        // cargo treats a missing file as always changed; watch only what exists.
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    Some(commit)
}

/// `git.sha1` in the `.cargo_vcs_info.json` that `cargo package` adds to a published crate.
fn packaged_commit(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let info: serde_json::Value = serde_json::from_str(&text).ok()?;
    let sha = info.get("git")?.get("sha1")?.as_str()?;
    Some(sha.to_string()).filter(|s| s.len() >= 7 && s.chars().all(|c| c.is_ascii_hexdigit()))
}
