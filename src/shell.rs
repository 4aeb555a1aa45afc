//! The shell ecosystem: `help` with its topics (exit codes, environment), the hidden `generate`
//! that writes completion scripts and man pages, and the completion requests those scripts send
//! back to the binary. None reads config or touches the network, so all work before a profile
//! or a key exists.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap_complete::env::EnvCompleter;
use clap_complete::{CompleteEnv, Generator as _, Shell};
use clap_mangen::Man;

use crate::cli::{self, Command, GenerateArgs, GenerateWhat, HELP_TOPICS, HelpArgs};
use crate::env;
use crate::error::{CommandError, CommandResult, ErrorContext, Exit};
use crate::output::Output;

pub(crate) const BIN: &str = "flexprice-admin";
/// Set by the completion scripts when they ask the binary for completions (the shell's name as
/// the value, the words after `--`). Underscored: an interface between the script and the binary,
/// not a setting; specific to us so an unrelated `COMPLETE` in a cron job's environment cannot
/// turn a run into a completion request.
pub(crate) const COMPLETE_VAR: &str = "_FLEXPRICE_ADMIN_COMPLETE";
/// The shells we ship completion scripts for.
pub(crate) const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

/// Answers a completion request from one of our scripts and exits, or returns at once when this
/// run is not one. Called first in `main`: a request needs no config, key or network.
pub(crate) fn answer_completion_request() {
    let Some(shell) = std::env::var_os(COMPLETE_VAR).filter(|s| !s.is_empty() && s != "0") else {
        return;
    };
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let escape = args
        .iter()
        .position(|a| a == "--")
        .map_or(args.len(), |i| i + 1);
    let words = args.split_off(escape);
    let index = std::env::var(BASH_INDEX_VAR)
        .ok()
        .and_then(|i| i.parse().ok());
    let (words, moved) = crate::completion::prepare(&shell, words, index);
    if let Some(at) = moved {
        // SAFETY: the first thing the process does, before any other thread exists; clap's
        // bash completer reads the index from this variable.
        unsafe { std::env::set_var(BASH_INDEX_VAR, at.to_string()) };
    }
    args.extend(words);
    let current_dir = std::env::current_dir().ok();
    let answered = CompleteEnv::with_factory(cli::completion_command)
        .var(COMPLETE_VAR)
        .bin(BIN)
        .completer(BIN)
        .try_complete(args, current_dir.as_deref());
    match answered {
        Ok(true) => std::process::exit(0),
        Ok(false) => {}
        Err(err) => err.exit(),
    }
}

/// Where the bash script tells clap which word is under the cursor.
const BASH_INDEX_VAR: &str = "_CLAP_COMPLETE_INDEX";

/// Runs `help` or `generate`; other commands are not handled here.
pub(crate) fn run(out: &Output, command: &Command) -> CommandResult<Exit> {
    match command {
        Command::Help(args) => help(out, args),
        Command::Generate(args) => generate(out, args),
        _ => Err(CommandError::failure(
            "internal error: only help and generate run without a context",
        )),
    }
}

fn help(out: &Output, args: &HelpArgs) -> CommandResult<Exit> {
    let words: Vec<&str> = args.topic.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["exit-codes"] => {
            out.text(&format!("Exit codes:\n{}", Exit::table_text()))?;
            return Ok(Exit::Ok);
        }
        ["environment"] => {
            out.text(&format!("Environment:\n{}", env::table_text()))?;
            return Ok(Exit::Ok);
        }
        _ => {}
    }
    // Any other words name a command: let clap render its `--help` (or its usage error, with a
    // suggestion for a typo), exactly as `flexprice-admin WORDS --help` would.
    let mut argv = vec![BIN];
    argv.extend(words.iter().copied());
    argv.push("--help");
    let err = match cli::command().try_get_matches_from(argv) {
        Ok(_) => return Ok(Exit::Ok),
        Err(err) => err,
    };
    match err.kind() {
        clap::error::ErrorKind::DisplayHelp => {
            out.text(&err.render().to_string())?;
            if words.is_empty() {
                let topics: Vec<&str> = HELP_TOPICS.iter().map(|(name, _)| *name).collect();
                out.hint(format!(
                    "more help: `{BIN} help {}`",
                    topics.join(&format!("` or `{BIN} help "))
                ));
            }
            Ok(Exit::Ok)
        }
        _ => {
            let topics: Vec<&str> = HELP_TOPICS.iter().map(|(name, _)| *name).collect();
            Err(
                CommandError::usage(format!("no command or help topic '{}'", words.join(" ")))
                    .hint(format!(
                        "topics: {}; commands: `{BIN} --help` lists them",
                        topics.join(", ")
                    )),
            )
        }
    }
}

fn generate(out: &Output, args: &GenerateArgs) -> CommandResult<Exit> {
    let Some(dir) = &args.out else {
        return generate_to_stdout(out, args);
    };
    let files = match args.what {
        GenerateWhat::Completions => completions()?
            .into_iter()
            .map(|(name, text)| (dir.join(name), text))
            .collect(),
        GenerateWhat::Man => man_pages()?
            .into_iter()
            .map(|(name, text)| (dir.join(name), text))
            .collect(),
        GenerateWhat::All => {
            let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
            for (name, text) in completions()? {
                files.push((dir.join("completions").join(name), text));
            }
            for (name, text) in man_pages()? {
                files.push((dir.join("man").join(name), text));
            }
            files
        }
    };
    for (path, text) in &files {
        write_file(path, text)?;
    }
    out.lines(files.iter().map(|(path, _)| path.display().to_string()))?;
    out.note(format!(
        "Wrote {} files under {}.",
        files.len(),
        dir.display()
    ));
    Ok(Exit::Ok)
}

fn generate_to_stdout(out: &Output, args: &GenerateArgs) -> CommandResult<Exit> {
    let text = match args.what {
        GenerateWhat::Completions => {
            let Some(shell) = args.shell else {
                return Err(CommandError::usage("--shell is required without --out")
                    .hint(format!(
                        "e.g. `{BIN} generate completions --shell zsh`, or `--out DIR` for every shell"
                    )));
            };
            completion(shell)?
        }
        GenerateWhat::Man => {
            let (_, page) = man_pages()?
                .into_iter()
                .next()
                .context("no man page was rendered")?;
            page
        }
        GenerateWhat::All => {
            return Err(CommandError::usage("`generate all` needs --out DIR")
                .hint(format!("e.g. `{BIN} generate all --out .`")));
        }
    };
    out.bytes(&text)?;
    Ok(Exit::Ok)
}

fn write_file(path: &Path, text: &[u8]) -> CommandResult<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// A shell's completion script: a few lines that ask `flexprice-admin` (found on PATH) for the
/// candidates at each TAB, so completions follow the binary they run, and role names and
/// `--store` kinds are offered. clap_complete's static scripts mangle hyphenated binary names in
/// bash (clap-rs/clap#6421) and cannot offer values that are hints rather than a closed list.
fn completion(shell: Shell) -> CommandResult<Vec<u8>> {
    let completer: &dyn EnvCompleter = match shell {
        Shell::Bash => &clap_complete::env::Bash,
        Shell::Zsh => &clap_complete::env::Zsh,
        Shell::Fish => &clap_complete::env::Fish,
        Shell::PowerShell => &clap_complete::env::Powershell,
        Shell::Elvish => &clap_complete::env::Elvish,
        other => {
            return Err(CommandError::failure(format!(
                "no completion script for {other}"
            )));
        }
    };
    let mut text = Vec::new();
    completer.write_registration(COMPLETE_VAR, BIN, BIN, BIN, &mut text)?;
    if shell == Shell::Zsh {
        // Installed on $fpath (as the Debian package does), this file is the body of the
        // autoloaded `_flexprice-admin`: its first run only defines and registers the real
        // completer, so without this line the first TAB in every new shell offers nothing.
        // Sourced instead, `funcstack[1]` is not `_flexprice-admin` and the line does nothing.
        let function = format!("_clap_dynamic_completer_{}", BIN.replace('-', "_"));
        let text_str = String::from_utf8_lossy(&text);
        if !text_str.contains(&format!("function {function}()")) {
            return Err(CommandError::failure(format!(
                "clap_complete's zsh script no longer defines {function}"
            )));
        }
        writeln!(
            text,
            "\nif [[ ${{funcstack[1]}} == _{BIN} ]]; then\n    {function} \"$@\"\nfi"
        )?;
    }
    Ok(text)
}

/// Every completion script, as (file name, contents).
pub(crate) fn completions() -> CommandResult<Vec<(String, Vec<u8>)>> {
    SHELLS
        .iter()
        .map(|shell| Ok((shell.file_name(BIN), completion(*shell)?)))
        .collect()
}

/// Every man page, root first, as (file name, contents).
pub(crate) fn man_pages() -> CommandResult<Vec<(String, Vec<u8>)>> {
    // The package version alone: the pages are committed, and the commit is `--version`'s job.
    let mut root = cli::command().version(env!("CARGO_PKG_VERSION"));
    root.build();
    let mut pages = Vec::new();
    collect_pages(&root, true, &mut pages)?;
    pages.push(manifest_page());
    Ok(pages)
}

/// `flexprice-admin-manifest(5)`: the manifest's reference, from `doc/manifest.txt`.
fn manifest_page() -> (String, Vec<u8>) {
    let mut page = format!(
        ".TH FLEXPRICE-ADMIN-MANIFEST 5 \"\" \"{BIN} {}\"\n.SH NAME\n{BIN}-manifest \\- keys as code: the \
         service accounts, keys and destinations plan and apply converge to\n.SH DESCRIPTION\n",
        env!("CARGO_PKG_VERSION")
    );
    page.push_str(&crate::manual::roff(crate::manual::MANIFEST, roff_line));
    page.push_str(&format!(
        ".SH \"SEE ALSO\"\n\\fB{BIN}-plan\\fR(1), \\fB{BIN}-apply\\fR(1)\n"
    ));
    (format!("{BIN}-manifest.5"), page.into_bytes())
}

fn collect_pages(
    cmd: &clap::Command,
    is_root: bool,
    pages: &mut Vec<(String, Vec<u8>)>,
) -> CommandResult<()> {
    pages.push(man_page(cmd, is_root)?);
    for sub in cmd.get_subcommands() {
        // Hidden commands are for packagers; clap's own `help` under a group duplicates `--help`.
        if sub.is_hide_set() || (!is_root && sub.get_name() == "help") {
            continue;
        }
        collect_pages(sub, false, pages)?;
    }
    Ok(())
}

/// One page: clap_mangen's sections, then examples, exit status and environment from the same
/// tables `--help` uses.
fn man_page(cmd: &clap::Command, is_root: bool) -> CommandResult<(String, Vec<u8>)> {
    let man = Man::new(cmd.clone());
    let name = man.get_filename();
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut page)?;
    }
    if let Some(examples) = cmd.get_after_help() {
        writeln!(page, ".SH EXAMPLES\n.nf")?;
        for line in examples
            .to_string()
            .lines()
            .skip_while(|l| l.ends_with(':'))
        {
            writeln!(page, "{}", roff_line(line.trim_start()))?;
        }
        writeln!(page, ".fi")?;
    }
    // The long documentation (doc/), and the exit codes this command can give.
    let path = name
        .trim_end_matches(".1")
        .trim_start_matches(BIN)
        .trim_start_matches('-');
    for (title, text) in crate::manual::sections(path) {
        writeln!(page, ".SH {title}")?;
        page.extend_from_slice(crate::manual::roff(text, roff_line).as_bytes());
    }
    writeln!(page, ".SH \"EXIT STATUS\"")?;
    let codes = crate::manual::exit_codes(path);
    for (exit, meaning) in Exit::TABLE.iter().filter(|(e, _)| codes.contains(e)) {
        writeln!(page, ".TP\n\\fB{}\\fR\n{}", exit.code(), roff_line(meaning))?;
    }
    if codes.contains(&Exit::Terminated) {
        writeln!(page, ".PP\n{}", roff_line(crate::manual::SIGNAL_CODES))?;
    }
    writeln!(page, ".SH ENVIRONMENT")?;
    for (var, meaning) in env::DOCUMENTED {
        writeln!(
            page,
            ".TP\n\\fB{}\\fR\n{}",
            roff_line(var),
            roff_line(meaning)
        )?;
    }
    if !is_root {
        writeln!(page, ".SH \"SEE ALSO\"\n\\fB{BIN}\\fR(1)")?;
    }
    man.render_version_section(&mut page)?;
    Ok((name, page))
}

/// Escapes a line of text for roff: backslashes, hyphens (so they are not hyphenation points),
/// and a leading dot or quote (which would make it a request).
fn roff_line(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_per_visible_command() {
        let names: Vec<String> = man_pages().unwrap().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names[0], "flexprice-admin.1");
        assert!(names.contains(&"flexprice-admin-keys-create.1".to_string()));
        assert!(names.contains(&"flexprice-admin-help.1".to_string()));
        assert!(names.contains(&"flexprice-admin-manifest.5".to_string()));
        assert!(!names.iter().any(|n| n.contains("generate")), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("keys-help")), "{names:?}");
    }

    #[test]
    fn pages_carry_exit_codes_and_environment() {
        for (name, page) in man_pages().unwrap() {
            let page = String::from_utf8(page).unwrap();
            // The manifest's page is a file format's (section 5): no command, no exit status.
            if name.ends_with(".5") {
                assert!(page.contains(".SH DESCRIPTION"), "{name}");
                continue;
            }
            assert!(page.contains(".SH \"EXIT STATUS\""), "{name}");
            assert!(page.contains("FLEXPRICE_API_KEY_FILE"), "{name}");
            assert!(page.contains("\\fB2\\fR"), "{name}");
        }
    }

    #[test]
    fn roff_requests_cannot_be_injected() {
        assert_eq!(roff_line(".SH x"), "\\&.SH x");
        assert_eq!(roff_line("a-b\\c"), "a\\-b\\ec");
    }
}
