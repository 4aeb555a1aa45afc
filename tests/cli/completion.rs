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
    bash_complete_with(words, &[])
}

/// [`bash_complete`] with these variables set for the shell and so for the binary it calls.
fn bash_complete_with(words: &[&str], vars: &[(&str, &str)]) -> Vec<String> {
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
        .envs(vars.iter().copied())
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
    zsh_complete_with(words, &[])
}

/// [`zsh_complete`] with these variables set for the shell and so for the binary it calls.
fn zsh_complete_with(words: &[&str], vars: &[(&str, &str)]) -> Vec<String> {
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
        .envs(vars.iter().copied())
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
    fish_complete_with(words, &[])
}

/// [`fish_complete`] with these variables set for the shell and so for the binary it calls.
fn fish_complete_with(words: &[&str], vars: &[(&str, &str)]) -> Vec<String> {
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
        .envs(vars.iter().copied())
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

type CompleteWith = fn(&[&str], &[(&str, &str)]) -> Vec<String>;
const SHELLS_WITH: [(&str, CompleteWith); 3] = [
    ("bash", bash_complete_with),
    ("zsh", zsh_complete_with),
    ("fish", fish_complete_with),
];

/// What the binary completes reads: the sandbox's URL and admin key, a private config.
fn sandbox_vars(world: &crate::harness::World) -> Vec<(&'static str, String)> {
    vec![
        ("FLEXPRICE_API_URL", world.sandbox.api_url()),
        ("FLEXPRICE_API_KEY", world.sandbox.admin_key().to_string()),
        (
            "XDG_CONFIG_HOME",
            world.home.path().join("config").display().to_string(),
        ),
    ]
}

fn borrowed<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn sorted(mut words: Vec<&str>) -> Vec<&str> {
    words.sort_unstable();
    words
}

#[test]
fn key_and_service_account_names_come_from_the_api_of_the_current_profile() {
    let world = crate::harness::World::new();
    world.service_account("ingest-bot", "event_ingestor");
    world.service_account("reporting", "event_reader");
    for name in ["ci-json", "ci-ingest", "backfill"] {
        world.create_key(&["--name", name, "--service-account", "ingest-bot"]);
    }
    // A name that would write to the terminal, or break the line, is never offered.
    for name in ["evil\u{1b}]0;owned\u{7}", "-rf", "two words"] {
        world.sandbox.seed_key(flexprice_sandbox::SeedKey {
            name: name.into(),
            ..flexprice_sandbox::SeedKey::default()
        });
    }
    let vars = sandbox_vars(&world);
    let vars = borrowed(&vars);
    for (shell, complete) in SHELLS_WITH {
        let got = complete(&["flexprice-admin", "keys", "delete", "ci"], &vars);
        assert_eq!(
            sorted(words_only(&got)),
            ["ci-ingest", "ci-json"],
            "{shell}: {got:?}"
        );
        let got = complete(&["flexprice-admin", "keys", "rotate", ""], &vars);
        assert_eq!(
            sorted(words_only(&got)),
            ["admin", "backfill", "ci-ingest", "ci-json"],
            "{shell}: {got:?}"
        );
        assert!(
            !got.iter()
                .any(|c| c.contains('\u{1b}') || c.contains("evil")),
            "{shell}: {got:?}"
        );
        assert!(
            !got.iter().any(|c| c.contains(world.sandbox.admin_key())),
            "{shell}: a secret offered: {got:?}"
        );
        let got = complete(
            &["flexprice-admin", "keys", "list", "--service-account", ""],
            &vars,
        );
        assert_eq!(
            sorted(words_only(&got)),
            ["ingest-bot", "reporting"],
            "{shell}: {got:?}"
        );
        let got = complete(
            &[
                "flexprice-admin",
                "keys",
                "create",
                "--service-account",
                "in",
            ],
            &vars,
        );
        assert_eq!(words_only(&got), ["ingest-bot"], "{shell}: {got:?}");
    }
}

#[test]
fn paths_are_offered_after_store_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ingest.key"), "").unwrap();
    std::fs::create_dir(dir.path().join("keys.d")).unwrap();
    let base = dir.path().display().to_string();
    for (shell, complete) in SHELLS {
        let value = format!("file:{base}/");
        // bash breaks words at `:` (COMP_WORDBREAKS): the line reaches the script as
        // `file`, `:`, PATH, and what it replaces is PATH.
        let (line, want): (Vec<&str>, Vec<String>) = if shell == "bash" {
            (
                vec![
                    "flexprice-admin",
                    "keys",
                    "rotate",
                    "--store",
                    "file",
                    ":",
                    value.strip_prefix("file:").unwrap(),
                ],
                vec![format!("{base}/ingest.key"), format!("{base}/keys.d/")],
            )
        } else {
            (
                vec![
                    "flexprice-admin",
                    "keys",
                    "rotate",
                    "--store",
                    value.as_str(),
                ],
                vec![
                    format!("file:{base}/ingest.key"),
                    format!("file:{base}/keys.d/"),
                ],
            )
        };
        let got = complete(&line);
        let mut got_sorted = got.clone();
        got_sorted.sort();
        assert_eq!(got_sorted, want, "{shell}: {line:?}");
        let partial = format!("file:{base}/in");
        let line: Vec<&str> = if shell == "bash" {
            vec![
                "flexprice-admin",
                "keys",
                "create",
                "--store",
                "file",
                ":",
                partial.strip_prefix("file:").unwrap(),
            ]
        } else {
            vec![
                "flexprice-admin",
                "keys",
                "create",
                "--store",
                partial.as_str(),
            ]
        };
        let got = complete(&line);
        assert_eq!(got.len(), 1, "{shell}: {got:?}");
        assert!(got[0].ends_with("/ingest.key"), "{shell}: {got:?}");
    }
}

#[test]
fn nothing_is_offered_when_the_api_cannot_answer_and_a_hung_server_is_not_waited_for() {
    let world = crate::harness::World::new();
    world.create_key(&["--name", "kept"]);
    // Nothing listens on port 1: nothing offered, nothing printed, no error.
    let refused = [
        ("FLEXPRICE_API_URL", "http://127.0.0.1:1/v1"),
        ("FLEXPRICE_API_KEY", world.sandbox.admin_key()),
    ];
    // A server that never answers: the TAB gives up after its short timeout.
    world
        .sandbox
        .add_fault(crate::harness::fault("GET /v1/secrets/api/keys hold=never"));
    let hung_vars = sandbox_vars(&world);
    let hung = borrowed(&hung_vars);
    // No credential at all (and no keychain to ask): nothing, without a prompt.
    let bare = [("FLEXPRICE_API_URL", "http://127.0.0.1:1/v1")];
    for (shell, complete) in SHELLS_WITH {
        for (what, vars) in [("refused", &refused[..]), ("no credential", &bare[..])] {
            let got = complete(&["flexprice-admin", "keys", "delete", ""], vars);
            assert!(words_only(&got).is_empty(), "{shell} {what}: {got:?}");
        }
        let started = std::time::Instant::now();
        let got = complete(&["flexprice-admin", "keys", "delete", ""], &hung);
        assert!(words_only(&got).is_empty(), "{shell} hung: {got:?}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "{shell}: waited {:?} for a hung server",
            started.elapsed()
        );
    }
    world.sandbox.release("never");
}

/// The bash instructions of doc/shells.md, run as written with `XDG_DATA_HOME` set: the script
/// lands where bash-completion's loader looks for it (not in `~/.local/share`), and the loader
/// finds it.
#[test]
fn the_documented_bash_instructions_honour_xdg_data_home() {
    let page = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("doc/shells.md"))
        .unwrap();
    let block: Vec<&str> = page
        .lines()
        .skip_while(|l| !l.starts_with("# bash (per user"))
        .take_while(|l| !l.starts_with("# zsh"))
        .filter(|l| !l.starts_with('#'))
        .collect();
    assert!(!block.is_empty(), "doc/shells.md has no bash instructions");
    let scene = Scene::new();
    let data = scene.path().join("xdg-data");
    let bash = require("bash", "bash");
    let install = scene
        .command(&bash)
        .env("XDG_DATA_HOME", &data)
        .args(["--norc", "--noprofile", "-e", "-c", &block.join("\n")])
        .output()
        .expect("bash runs");
    assert!(
        install.status.success(),
        "{}",
        String::from_utf8_lossy(&install.stderr)
    );
    let installed = data.join("bash-completion/completions/flexprice-admin");
    assert!(
        installed.exists(),
        "not in $XDG_DATA_HOME: {}",
        installed.display()
    );
    assert!(!scene.path().join(".local/share/bash-completion").exists());
    let loaded = scene
        .command(&bash)
        .env("XDG_DATA_HOME", &data)
        .args([
            "--norc",
            "--noprofile",
            "-c",
            "source /usr/share/bash-completion/bash_completion && __load_completion flexprice-admin && complete -p flexprice-admin",
        ])
        .output()
        .expect("bash runs");
    let said = String::from_utf8_lossy(&loaded.stdout);
    assert!(
        loaded.status.success() && said.contains("_clap_complete_flexprice_admin"),
        "{said}"
    );
}

/// A TAB changes nothing: a key file open to other users (which a command would make private,
/// with a warning) is left as it is, and nothing is offered; a private one is used.
#[test]
fn a_tab_leaves_an_open_key_file_alone_and_uses_a_private_one() {
    use std::os::unix::fs::PermissionsExt;
    let world = crate::harness::World::new();
    world.create_key(&["--name", "from-file"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("admin.key");
    std::fs::write(&file, world.sandbox.admin_key()).unwrap();
    let url = world.sandbox.api_url();
    let path = file.display().to_string();
    let vars = [
        ("FLEXPRICE_API_URL", url.as_str()),
        ("FLEXPRICE_API_KEY_FILE", path.as_str()),
    ];
    for (shell, complete) in SHELLS_WITH {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let got = complete(&["flexprice-admin", "keys", "delete", "from"], &vars);
        assert!(words_only(&got).is_empty(), "{shell}: {got:?}");
        assert_eq!(
            crate::harness::mode(&file),
            0o644,
            "{shell}: a TAB changed the file's mode"
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let got = complete(&["flexprice-admin", "keys", "delete", "from"], &vars);
        assert_eq!(words_only(&got), ["from-file"], "{shell}: {got:?}");
    }
}
