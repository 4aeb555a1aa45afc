//! The long documentation the man pages carry beyond `--help`: the destinations and their
//! checks, the rotation steps and the cron recipe (text kept in `doc/`, which README.md points
//! to), and which exit codes each command can give.

use crate::error::Exit;

const DESTINATIONS: &str = include_str!("../doc/destinations.txt");
const ROTATION: &str = include_str!("../doc/rotation.txt");
const CRON: &str = include_str!("../doc/cron.txt");
const FINDINGS: &str = include_str!("../doc/audit.txt");
const OFFBOARDING: &str = include_str!("../doc/offboarding.txt");
/// The manifest's reference: its own page, `flexprice-admin-manifest(5)`.
pub(crate) const MANIFEST: &str = include_str!("../doc/manifest.txt");

/// The extra sections of the man page of the command `path` (e.g. `keys-rotate`, the page's
/// file name without `flexprice-admin-` and `.1`), as (title, text).
pub(crate) fn sections(path: &str) -> Vec<(&'static str, &'static str)> {
    match path {
        "keys-create" => vec![("DESTINATIONS", DESTINATIONS)],
        "keys-rotate" => vec![
            ("ROTATION", ROTATION),
            ("DESTINATIONS", DESTINATIONS),
            ("CRON", CRON),
        ],
        "keys-audit" => vec![("FINDINGS", FINDINGS), ("CRON", CRON)],
        "profile-set" => vec![("CRON", CRON), ("FINDINGS", FINDINGS)],
        "users-remove" => vec![("OFFBOARDING", OFFBOARDING)],
        "plan" => vec![("MANIFEST", MANIFEST)],
        "apply" => vec![("MANIFEST", MANIFEST), ("CRON", CRON)],
        "" => vec![("CRON", CRON)],
        _ => Vec::new(),
    }
}

/// What 129, 130 and 143 are, said under EXIT STATUS on every page that lists them: how a
/// command stops depends on whether it was changing something (src/interrupt.rs).
pub(crate) const SIGNAL_CODES: &str = "129, 130 and 143 are what a shell reports ($?) for a command \
stopped by SIGHUP, SIGINT or SIGTERM. keys create, keys rotate, keys delete, service-accounts delete, \
users remove and apply finish the work in flight, report, then exit with that code (0, or the work's \
own code, when nothing was left undone). Any other command, and these before their first change, \
end at once: a shell reports the same code, but a parent that is not a shell (Python's subprocess, a \
supervisor) may see the signal itself instead of an exit code.";

/// The exit codes the command `path` can give (the root page lists them all).
pub(crate) fn exit_codes(path: &str) -> Vec<Exit> {
    use Exit::*;
    // Every command that talks to the API can fail in these ways, and can be stopped by a
    // signal while it waits: SIGINT (130), SIGTERM (143, `timeout`, a systemd stop) or SIGHUP
    // (129). The commands that change things (`keys create`, `rotate` and `delete`,
    // `service-accounts delete`, `users remove`, `apply`) finish the work in flight first and
    // then exit with that code, unless nothing was left undone (src/interrupt.rs); the others
    // end at once, and a shell reports the same code (128 + the signal's number).
    let api = [
        Ok,
        Failure,
        Usage,
        Unauthenticated,
        Unavailable,
        PermissionDenied,
        HungUp,
        Interrupted,
        Terminated,
    ];
    let extra: &[Exit] = match path {
        "" => return Exit::TABLE.iter().map(|(e, _)| *e).collect(),
        "help" | "profile" | "profile-set" | "profile-show" | "profile-list" => {
            return vec![Ok, Failure, Usage];
        }
        "keychain-get" | "keychain-list" | "keychain-remove" | "keychain-recovered"
        | "auth-logout" => {
            return vec![Ok, Failure, Usage, NotFound];
        }
        "keychain" | "keychain-prune" => &[NotFound],
        "keys-create" => &[NotFound, NotDelivered],
        "keys-delete" => &[NotFound, PartialFailure],
        "keys-rotate" => &[NotFound, Conflict, PartialFailure, NotDelivered],
        "keys-audit" => &[NotFound, AuditFound],
        "keys" => &[NotFound, Conflict, PartialFailure, NotDelivered, AuditFound],
        "service-accounts-create" => &[Conflict],
        "users-remove" | "users" => &[NotFound, Conflict, PartialFailure],
        "plan" => &[NotFound, Conflict, ChangesPending],
        "apply" => &[NotFound, Conflict, PartialFailure, NotDelivered],
        "service-accounts-delete" | "service-accounts" | "sa" => {
            &[NotFound, Conflict, PartialFailure]
        }
        _ => &[NotFound],
    };
    let mut codes: Vec<Exit> = api.iter().chain(extra).copied().collect();
    codes.sort_by_key(|e| e.code());
    codes.dedup();
    codes
}

/// `text` as roff: each line a paragraph; lines starting with two spaces kept as they are
/// (commands), in a no-fill block.
pub(crate) fn roff(text: &str, escape: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut literal = false;
    for line in text.lines() {
        let is_literal = line.starts_with("  ");
        if is_literal && !literal {
            out.push_str(".PP\n.nf\n");
        } else if !is_literal && literal {
            out.push_str(".fi\n");
        }
        literal = is_literal;
        if is_literal {
            out.push_str(&escape(line.trim_start()));
        } else {
            out.push_str(".PP\n");
            out.push_str(&escape(line));
        }
        out.push('\n');
    }
    if literal {
        out.push_str(".fi\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_command_lists_only_its_own_exit_codes() {
        let audit = exit_codes("keys-audit");
        assert!(audit.contains(&Exit::AuditFound));
        assert!(!audit.contains(&Exit::NotDelivered));
        assert!(exit_codes("keys-rotate").contains(&Exit::NotDelivered));
        assert!(!exit_codes("profile-set").contains(&Exit::Unauthenticated));
        assert_eq!(exit_codes("").len(), Exit::TABLE.len());
    }

    /// The commands that hold a signal until the work in flight is done (an `interrupt::Scope`):
    /// they report what was and was not done, then exit 130, 143 or 129, unless nothing was left
    /// undone. Their pages must list all three.
    const SIGNAL_SCOPED: &[&str] = &[
        "keys-create",
        "keys-rotate",
        "keys-delete",
        "service-accounts-delete",
        "users-remove",
        "apply",
    ];

    #[test]
    fn commands_that_hold_signals_list_each_signals_code() {
        for path in SIGNAL_SCOPED
            .iter()
            .chain(&["keys", "users", "service-accounts", "sa"])
        {
            let codes = exit_codes(path);
            for signal in [Exit::HungUp, Exit::Interrupted, Exit::Terminated] {
                assert!(codes.contains(&signal), "{path} lacks {signal:?}");
            }
        }
    }

    #[test]
    fn the_rotate_page_says_one_thing_about_where_a_secret_goes_without_store() {
        // DESTINATIONS is on both pages: it must say what each command does, as ROTATION does.
        let rotate = sections("keys-rotate");
        let text = |title: &str| rotate.iter().find(|(t, _)| *t == title).unwrap().1;
        assert!(text("ROTATION").contains(
            "without --store, the destinations are where the old key's secret was delivered"
        ));
        let destinations = text("DESTINATIONS");
        assert!(destinations.contains("keys rotate delivers it where the old key's secret went"));
        assert!(!destinations.contains("Without --store the secret goes to stdout."));
    }

    #[test]
    fn literal_lines_are_kept_apart() {
        let text = roff("A paragraph.\n  cmd one\n  cmd two\nAfter.", str::to_string);
        assert_eq!(
            text,
            ".PP\nA paragraph.\n.PP\n.nf\ncmd one\ncmd two\n.fi\n.PP\nAfter.\n"
        );
    }
}
