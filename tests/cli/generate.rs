//! `generate`: completion scripts and man pages, and the committed ones that cannot drift from
//! the command tree.

use std::path::{Path, PathBuf};

use crate::harness::offline;

const REGENERATE: &str = "cargo run -q -- generate all --out .";

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("dir entry").path())
        .collect();
    files.sort();
    files
}

#[test]
fn committed_completions_and_man_pages_match_the_code() {
    let out = tempfile::tempdir().expect("temp dir");
    let run = offline(&["generate", "all", "--out", out.path().to_str().unwrap()]);
    run.code(0).stderr_has("Wrote ");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for sub in ["completions", "man"] {
        let fresh = files_under(&out.path().join(sub));
        let committed = files_under(&repo.join(sub));
        let names = |files: &[PathBuf]| -> Vec<String> {
            files
                .iter()
                .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            names(&committed),
            names(&fresh),
            "{sub}/ is out of date with the command tree: regenerate with `{REGENERATE}` and commit"
        );
        for (committed, fresh) in committed.iter().zip(&fresh) {
            assert!(
                std::fs::read(committed).unwrap() == std::fs::read(fresh).unwrap(),
                "{} differs from what the code generates: regenerate with `{REGENERATE}` and commit",
                committed.display()
            );
        }
    }
    let expected = [
        "flexprice-admin.bash",
        "_flexprice-admin",
        "flexprice-admin.fish",
        "_flexprice-admin.ps1",
        "flexprice-admin.elv",
    ];
    for name in expected {
        assert!(repo.join("completions").join(name).exists(), "{name}");
    }
    let root = std::fs::read_to_string(repo.join("man/flexprice-admin.1")).unwrap();
    assert!(root.contains(".SH \"EXIT STATUS\""));
    assert!(root.contains(".SH ENVIRONMENT"));
    assert!(repo.join("man/flexprice-admin-keys-create.1").exists());
}

#[test]
fn generate_prints_one_script_or_page_on_stdout() {
    let run = offline(&["generate", "completions", "--shell", "zsh"]);
    run.code(0).stdout_has("#compdef flexprice-admin");
    offline(&["generate", "completions"])
        .code(2)
        .stderr_has("--shell");
    offline(&["generate", "man"]).code(0).stdout_has(".TH");
}
