//! Shell completion in the real shells: the committed scripts under completions/ (the files the
//! Debian package installs), found the way each shell finds an installed script, asked for the
//! candidates at one, two and three levels below the command. The scripts call back into the
//! binary under test, found on PATH as a user's would be.
//!
//! Never skipped: a missing shell fails with the Debian package to install.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::harness::bin;

/// Files in the working directory that a broken script would offer instead of candidates (the
/// symptom of clap-rs/clap#6421: `keys <TAB>` listed files).
const DECOYS: [&str; 2] = ["keys-decoy.txt", "generate-decoy.txt"];
/// The visible top-level commands, in `--help` order, from the command tree itself (hidden
/// ones, like `generate`, excluded), so a new command cannot be forgotten here.
fn visible_commands() -> Vec<String> {
    flexprice_admin::cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .collect()
}

/// The values `--output` accepts, from the command tree.
fn output_formats() -> Vec<String> {
    let command = flexprice_admin::cli::command();
    let output = command
        .get_arguments()
        .find(|a| a.get_long() == Some("output"))
        .expect("a global --output");
    output
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect()
}
const SERVICE_ACCOUNT_ROLES: [&str; 4] = [
    "all_reader",
    "event_ingestor",
    "event_reader",
    "super_admin",
];

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(name)
}

/// The absolute path of `program`, or a failure naming the package that provides it.
fn require(program: &str, package: &str) -> PathBuf {
    which::which(program).unwrap_or_else(|_| {
        panic!(
            "`{program}` is not installed; the completion tests need it: \
             apt-get install {package} (or run .ci/run, which installs what the tests need)"
        )
    })
}

/// A private HOME and working directory (holding the decoys), and a PATH on which
/// `flexprice-admin` is the binary under test.
struct Scene {
    dir: tempfile::TempDir,
}

impl Scene {
    fn new() -> Scene {
        let dir = tempfile::tempdir().expect("temp dir");
        for decoy in DECOYS {
            std::fs::write(dir.path().join(decoy), "").expect("decoy");
        }
        Scene { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A shell process with a cleared environment.
    fn command(&self, program: &Path) -> Command {
        let bin_dir = bin().parent().expect("binary dir").to_path_buf();
        let path =
            std::env::join_paths([bin_dir.as_path(), Path::new("/usr/bin"), Path::new("/bin")])
                .expect("PATH");
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", path)
            .env("HOME", self.path())
            .env("LANG", "C.UTF-8")
            .env("TERM", "xterm")
            .current_dir(self.path());
        cmd
    }
}

fn lines(output: Output, what: &str) -> Vec<String> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    // Keep the first of each (zsh's _describe adds some candidates twice).
    let mut seen = BTreeSet::new();
    stdout
        .lines()
        .map(str::to_string)
        .filter(|line| !line.is_empty() && seen.insert(line.clone()))
        .collect()
}

/// bash with bash-completion, as an interactive shell has it: the script is found by
/// bash-completion's loader in a `completions/` directory under the name the package gives it,
/// then the function `complete -p` names is called as readline would call it.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let bash = require("bash", "bash");
    let loader = Path::new("/usr/share/bash-completion/bash_completion");
    assert!(
        loader.exists(),
        "{} is missing; the completion tests need it: apt-get install bash-completion",
        loader.display()
    );
    let scene = Scene::new();
    let user_dir = scene.path().join("bash-completion");
    std::fs::create_dir_all(user_dir.join("completions")).unwrap();
    std::fs::copy(
        repo_file("flexprice-admin.bash"),
        user_dir.join("completions/flexprice-admin"),
    )
    .unwrap();
    let script = r#"
        source /usr/share/bash-completion/bash_completion || exit 3
        __load_completion flexprice-admin || { echo "not loaded" >&2; exit 4; }
        spec=$(complete -p flexprice-admin) || exit 5
        [[ $spec =~ -F\ ([^ ]+) ]] || { echo "no function in: $spec" >&2; exit 6; }
        COMP_WORDS=("$@")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        "${BASH_REMATCH[1]}" flexprice-admin "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let output = scene
        .command(&bash)
        .env("BASH_COMPLETION_USER_DIR", &user_dir)
        .args(["--norc", "--noprofile", "-c", script, "bash"])
        .args(words)
        .output()
        .expect("bash runs");
    lines(output, &format!("bash completing {words:?}"))
}

/// Drives an interactive zsh on a pseudo-terminal (zsh's own zpty): the script on $fpath as
/// the package installs it, compinit, the line typed with a real TAB in a fresh shell (the first
/// TAB is the one an autoloaded script can miss), and every candidate the completion system adds
/// recorded through a `compadd` wrapper. TAB runs zsh's own `expand-or-complete` and then prints
/// a marker, and the driver sends nothing more until it has seen it: zsh abandons a completion
/// when more input is already waiting, so typing ahead would race the completion. Each step
/// waits for a marker the shell prints; `timeout` bounds a shell that never answers.
const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty || exit 3
zpty z zsh -f -i || exit 3
integer n=0
step() { (( n++ )); zpty -w z "$1"; zpty -r z out "*SYNC-$n*" || exit 4; }
step "print SYNC-\$(( $n + 1 ))"
step "unsetopt autolist; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D; print SYNC-\$(( $n + 1 ))"
step "compadd() { local -a m; builtin compadd -O m \"\$@\"; print -rl -- \$m >> ${(q)2}; builtin compadd \"\$@\"; }; print SYNC-\$(( $n + 1 ))"
step "tab-then-mark() { zle expand-or-complete; print -n COMP-DONE-\$(( 1 + 1 )); }; zle -N tab-then-mark; bindkey '^I' tab-then-mark; print SYNC-\$(( $n + 1 ))"
zpty -w -n z "$3"$'\t'
zpty -r z out "*COMP-DONE-2*" || exit 5
step $'\C-u'"print SYNC-\$(( $n + 1 ))"
zpty -d z
"#;

fn zsh_complete(words: &[&str]) -> Vec<String> {
    let zsh = require("zsh", "zsh");
    let scene = Scene::new();
    let fpath = scene.path().join("vendor-completions");
    std::fs::create_dir_all(&fpath).unwrap();
    std::fs::copy(
        repo_file("_flexprice-admin"),
        fpath.join("_flexprice-admin"),
    )
    .unwrap();
    let driver = scene.path().join("driver.zsh");
    std::fs::write(&driver, ZSH_DRIVER).unwrap();
    let recorded = scene.path().join("candidates.txt");
    let output = scene
        .command(&require("timeout", "coreutils"))
        .arg("60")
        .arg(&zsh)
        .arg("-f")
        .arg(&driver)
        .arg(&fpath)
        .arg(&recorded)
        .arg(words.join(" "))
        .output()
        .expect("zsh runs");
    let what = format!("zsh completing {words:?}");
    assert!(
        output.status.success(),
        "{what}: the driver failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read(&recorded).unwrap_or_default();
    lines(
        Output {
            status: output.status,
            stdout: text,
            stderr: Vec::new(),
        },
        &what,
    )
}

/// fish's own completion query, `complete -C`, with the script in a directory on
/// `fish_complete_path` (where fish autoloads it by the command's name, as from the package's
/// vendor_completions.d). Candidates only, without their descriptions.
fn fish_complete(words: &[&str]) -> Vec<String> {
    let fish = require("fish", "fish");
    let scene = Scene::new();
    let dir = scene.path().join("vendor_completions.d");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        repo_file("flexprice-admin.fish"),
        dir.join("flexprice-admin.fish"),
    )
    .unwrap();
    let output = scene
        .command(&fish)
        .args([
            "--no-config",
            "-c",
            "set fish_complete_path $argv[1] $fish_complete_path; complete -C $argv[2]",
        ])
        .arg(&dir)
        .arg(words.join(" "))
        .output()
        .expect("fish runs");
    lines(output, &format!("fish completing {words:?}"))
        .into_iter()
        .map(|line| line.split('\t').next().unwrap_or_default().to_string())
        .collect()
}

type Complete = fn(&[&str]) -> Vec<String>;
const SHELLS: [(&str, Complete); 3] = [
    ("bash", bash_complete),
    ("zsh", zsh_complete),
    ("fish", fish_complete),
];

/// The candidates that are not options.
fn words_only(candidates: &[String]) -> Vec<&str> {
    candidates
        .iter()
        .map(String::as_str)
        .filter(|c| !c.starts_with('-'))
        .collect()
}

fn no_decoys(shell: &str, line: &[&str], candidates: &[String]) {
    for decoy in DECOYS {
        assert!(
            !candidates.iter().any(|c| c == decoy),
            "{shell}: `{}` offered a file: {candidates:?}",
            line.join(" ")
        );
    }
}

#[test]
fn the_first_word_offers_every_visible_command_and_never_generate() {
    for (shell, complete) in SHELLS {
        let line = ["flexprice-admin", ""];
        let got = complete(&line);
        assert_eq!(words_only(&got), visible_commands(), "{shell}: {got:?}");
        assert!(got.iter().any(|c| c == "--profile"), "{shell}: {got:?}");
        no_decoys(shell, &line, &got);
        for prefix in ["g", "gen", "generate"] {
            let got = complete(&["flexprice-admin", prefix]);
            assert!(
                !got.iter().any(|c| c.contains("generate")),
                "{shell}: `{prefix}<TAB>` offered the hidden command: {got:?}"
            );
        }
        assert_eq!(
            complete(&["flexprice-admin", "ser"]),
            ["service-accounts"],
            "{shell}"
        );
    }
}

#[test]
fn the_second_word_offers_subcommands_not_files() {
    for (shell, complete) in SHELLS {
        for (line, expected) in [
            (
                &["flexprice-admin", "keys", ""][..],
                &["create", "list", "delete", "rotate", "audit", "check"][..],
            ),
            (
                &["flexprice-admin", "sa", ""],
                &["create", "list", "rename", "delete"],
            ),
            (
                &["flexprice-admin", "auth", ""],
                &["login", "status", "logout"],
            ),
            (&["flexprice-admin", "keys", "r"], &["rotate"]),
        ] {
            let got = complete(line);
            assert_eq!(words_only(&got), expected, "{shell}: {line:?} gave {got:?}");
            no_decoys(shell, line, &got);
        }
    }
}

#[test]
fn the_third_word_offers_options_and_values() {
    for (shell, complete) in SHELLS {
        let line = ["flexprice-admin", "keys", "create", "--"];
        let got = complete(&line);
        for option in [
            "--name",
            "--service-account",
            "--expires-in",
            "--store",
            "--profile",
        ] {
            assert!(
                got.iter().any(|c| c == option),
                "{shell}: {option} missing from {got:?}"
            );
        }
        assert!(
            !got.iter().any(|c| c == "--due" || c == "--revoke-keys"),
            "{shell}: another command's options: {got:?}"
        );
        assert!(got.iter().all(|c| c.starts_with("--")), "{shell}: {got:?}");

        let line = ["flexprice-admin", "sa", "create", "--role", ""];
        let got = complete(&line);
        assert_eq!(got, SERVICE_ACCOUNT_ROLES, "{shell}: {line:?}");
        assert_eq!(
            complete(&[
                "flexprice-admin",
                "service-accounts",
                "create",
                "--role",
                "event_"
            ]),
            ["event_ingestor", "event_reader"],
            "{shell}"
        );
        let got = complete(&["flexprice-admin", "roles", "show", ""]);
        assert_eq!(
            words_only(&got),
            [
                "all_reader",
                "all_writer",
                "event_ingestor",
                "event_reader",
                "super_admin"
            ],
            "{shell}: {got:?}"
        );
        assert_eq!(
            complete(&["flexprice-admin", "keys", "rotate", "--store", ""]),
            ["stdout", "keychain", "file:", "exec:"],
            "{shell}"
        );
        assert_eq!(
            complete(&["flexprice-admin", "keys", "list", "--output", ""]),
            output_formats(),
            "{shell}"
        );
    }
}
