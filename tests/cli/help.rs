//! Help for every command (snapshots, each with examples), the help topics, and typo
//! suggestions.

use crate::harness::offline;

/// The subcommands listed under `Commands:` in a help text.
fn listed_subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| line.trim() != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        // A command starts its line after two spaces; deeper lines continue a description.
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .map(|name| name.trim_end_matches(',').to_string())
        .collect()
}

/// Every command path reachable from the root's help, depth first, plus the hidden `generate`.
fn every_command() -> Vec<Vec<String>> {
    let mut found = vec![vec![], vec!["generate".to_string()]];
    let mut queue = vec![Vec::<String>::new()];
    while let Some(path) = queue.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = offline(&args);
        run.code(0);
        for name in listed_subcommands(&run.stdout) {
            // clap's `help` under a group repeats `--help`; the root `help` is ours.
            if name == "help" && !path.is_empty() {
                continue;
            }
            let mut child = path.clone();
            child.push(name);
            found.push(child.clone());
            queue.push(child);
        }
    }
    found.sort();
    found
}

#[test]
fn every_command_has_help_with_examples_matching_its_snapshot() {
    let commands = every_command();
    assert!(
        commands.len() >= 15,
        "the command tree was not discovered: {commands:?}"
    );
    for path in commands {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = offline(&args);
        run.code(0);
        assert!(
            run.stdout.contains("Examples:\n"),
            "`{}` has no examples section:\n{}",
            args.join(" "),
            run.stdout
        );
        let name = if path.is_empty() {
            "help-root".to_string()
        } else {
            format!("help-{}", path.join("-"))
        };
        insta::assert_snapshot!(name, run.stdout);
    }
}

#[test]
fn help_topics_print_the_tables() {
    let run = offline(&["help", "exit-codes"]);
    run.code(0).stdout_has("130  interrupted (Ctrl-C)");
    run.stdout_has("  8  partial failure in a batch");
    let run = offline(&["help", "environment"]);
    run.code(0).stdout_has("FLEXPRICE_API_KEY_FILE");
    run.stdout_has("NO_COLOR");
}

#[test]
fn help_for_a_command_is_its_long_help() {
    let via_help = offline(&["help", "keys", "create"]);
    via_help.code(0);
    let via_flag = offline(&["keys", "create", "--help"]);
    assert_eq!(via_help.stdout, via_flag.stdout);
    let root = offline(&["help"]);
    root.code(0).stdout_has("Exit codes:");
    root.stderr_has("help exit-codes");
    offline(&["help", "nonsense"])
        .code(2)
        .stderr_has("no command or help topic 'nonsense'");
}

#[test]
fn typos_get_suggestions() {
    let run = offline(&["kyes", "list"]);
    run.code(2).stderr_has("'keys'");
    let run = offline(&["keys", "lsit"]);
    run.code(2).stderr_has("'list'");
    let run = offline(&["keys", "list", "--limt", "3"]);
    run.code(2).stderr_has("--limit");
}
