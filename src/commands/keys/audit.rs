//! `keys audit`: the keys that need attention (see `findings`: too old, expiring soon, expired,
//! never expiring, a service account's all-powerful key, orphaned), each with its reasons, for
//! people and for cron. Exit 10 when a finding counts, so a cron job can alert on the exit code
//! alone; `-q` gives one line per such key saying which and why.

use std::collections::HashMap;

use jiff::Timestamp;

use super::everywhere;
use super::findings::{Audit, Finding, Reason, Rules, sort};
use super::list::environment_cell;
use super::listing::{ListedKey, each_key};
use super::owner_label;
use super::policy::Policy;
use super::scope::KeyScope;
use crate::api::Client;
use crate::api::models::{ApiKey, Environment};
use crate::cli::{KeyScopeArgs, KeysAuditArgs};
use crate::commands::members::Members;
use crate::config::AuditRule;
use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};
use crate::handover::journal::RecoveryFile;
use crate::output::{Cell, Mood, terminal_safe};
use crate::time;

/// What `keys rotate --due` rotates: the rotation policy's findings.
pub(super) use super::findings::policy_findings;

/// [`policy_findings`] of keys given by value, for tests.
#[cfg(test)]
pub(super) fn findings(
    keys: &[ApiKey],
    max_age: crate::time::TimeSpan,
    expiring_within: crate::time::TimeSpan,
    now: Timestamp,
) -> Vec<Finding> {
    policy_findings(&Policy::new(max_age, expiring_within), keys.iter(), now)
}

pub async fn run(ctx: &Context, args: &KeysAuditArgs) -> CommandResult<Exit> {
    KeyScope::check(&args.scope)?;
    let policy = Policy::resolve(ctx, &args.policy);
    let rules = Rules::resolve(ctx, &args.rules);
    let client = ctx.client()?;
    let scope = KeyScope::resolve(ctx, &client, &args.scope).await?;
    // Read before the listing: a live key whose secret waits in one is kept for the warning.
    let recovery_files = crate::handover::journal::recovery_files(&ctx.paths.state_dir);
    let now = time::now();
    let Gathered {
        keys,
        environments,
        in_scope,
        members,
    } = if args.everywhere.all_environments {
        gather_everywhere(ctx, &client, &scope).await?
    } else {
        let judged = Audit {
            policy: &policy,
            rules,
            members: None,
            now,
        };
        gather_listed(ctx, &client, &scope, judged, &recovery_files).await?
    };
    let audit = Audit {
        policy: &policy,
        rules,
        members: members.as_ref(),
        now,
    };
    let in_scope_keys = || keys.iter().filter(|k| scope.matches(k));
    warn_churning(ctx, &policy, in_scope_keys(), now);
    warn_recovered(ctx, &keys, &recovery_files);
    let environment_of: HashMap<&str, &Environment> = match &environments {
        Some(envs) => keys
            .iter()
            .zip(envs)
            .map(|(k, e)| (k.id.as_str(), e))
            .collect(),
        None => HashMap::new(),
    };
    // Owners read as in `keys list`: a user key's owner is the user's name, in the table and
    // as `owner_name` in JSON.
    let users = members.as_ref().map(Members::labels).unwrap_or_default();
    let mut found: Vec<(Timestamp, Option<Timestamp>, Finding)> = in_scope_keys()
        .filter_map(|key| {
            let mut finding = audit.finding(key, environment_of.get(key.id.as_str()).copied())?;
            if !key.is_service_account_key() {
                finding.key.owner_name = key.user_id.as_ref().and_then(|u| users.get(u)).cloned();
            }
            Some((key.created_at, key.expires_at, finding))
        })
        .collect();
    sort(&mut found);
    let findings: Vec<Finding> = found.into_iter().map(|(_, _, f)| f).collect();
    let exit = if findings.iter().any(|f| f.fails) {
        Exit::AuditFound
    } else {
        Exit::Ok
    };
    // A reader that stops early (`keys audit | head -1`) closes the pipe under us. Elsewhere that
    // ends the command quietly with 0; here the exit code is the finding, so a closed pipe must
    // not turn 10 into 0.
    let audited = Audited {
        keys: &keys,
        users: &users,
        findings: &findings,
        in_scope,
        scope: &scope,
        policy: &policy,
        rules: &rules,
        members_known: members.is_some(),
        environment_of: environments.is_some().then_some(&environment_of),
    };
    match report(ctx, args, &audited) {
        Err(e) if e.silent => Ok(exit),
        Err(e) => Err(e),
        Ok(()) => Ok(exit),
    }
}

/// The keys an audit judges, with what it needs to report them.
struct Gathered {
    /// With `--all-environments`, every key listed; else only the keys the audit may report or
    /// warn about (the rest are counted in `in_scope` and dropped as they are read).
    keys: Vec<ApiKey>,
    /// With `--all-environments`, each key's environment, in the order of `keys`.
    environments: Option<Vec<Environment>>,
    /// How many listed keys the scope matched.
    in_scope: usize,
    /// The tenant's members, when they could be read (else orphaned keys are not looked for).
    members: Option<Members>,
}

/// Every key of every environment the credential reaches. The tenant's members (whose keys are
/// orphaned, and the owners' names) are asked for side by side with the keys: no extra round
/// trip.
async fn gather_everywhere(
    ctx: &Context,
    client: &Client,
    scope: &KeyScope,
) -> CommandResult<Gathered> {
    let (found, members) = futures_util::future::join(
        everywhere::list_keys(ctx, client, &scope.filter()),
        Members::fetch_or_why(client),
    )
    .await;
    let (keys, environments): (Vec<ApiKey>, Vec<Environment>) = found?
        .into_iter()
        .flat_map(|e| {
            let environment = e.environment;
            e.keys.into_iter().map(move |k| (k, environment.clone()))
        })
        .unzip();
    Ok(Gathered {
        in_scope: keys.iter().filter(|k| scope.matches(k)).count(),
        keys,
        environments: Some(environments),
        members: members_or_warn(ctx, members),
    })
}

/// The keys of the current environment, thousands decoded without copying (as `keys list -o
/// json` does), of which only those `audit` may report or warn about are kept as owned keys
/// (and those a recovery file waits for): everything after sees the same findings and warnings
/// as if it had every key. The members are asked for side by side with the first page.
async fn gather_listed(
    ctx: &Context,
    client: &Client,
    scope: &KeyScope,
    audit: Audit<'_>,
    recovery_files: &[RecoveryFile],
) -> CommandResult<Gathered> {
    let filter = scope.filter();
    let mut pager = client.key_pager(&filter, None);
    let (first, members) = ctx
        .out
        .waiting(
            "Fetching keys",
            futures_util::future::join(pager.next(), Members::fetch_or_why(client)),
        )
        .await;
    let mut answer = first?;
    let members = members_or_warn(ctx, members);
    let audit = Audit {
        members: members.as_ref(),
        ..audit
    };
    let mut in_scope = 0;
    let mut kept = Vec::new();
    let mut check = |key: &ListedKey<'_>| {
        let matches = scope.matches_listed(key);
        let recovered = recovery_files.iter().any(|f| f.key_id == key.id.as_str());
        in_scope += usize::from(matches);
        if (matches && audit.may_report(key)) || recovered {
            kept.push(key.to_api_key());
        }
        Ok::<_, CommandError>(())
    };
    let listing = async {
        while let Some(current) = answer {
            each_key(client, &mut pager, &current, &mut check)?;
            answer = pager.next().await?;
        }
        Ok::<_, CommandError>(())
    };
    ctx.out.waiting("Fetching keys", listing).await?;
    Ok(Gathered {
        keys: kept,
        environments: None,
        in_scope,
        members,
    })
}

/// The members when they were read; else a warning saying why orphaned keys were not looked for.
fn members_or_warn(ctx: &Context, members: Result<Members, String>) -> Option<Members> {
    members
        .map_err(|why| {
            ctx.out
                .warn(format!("orphaned keys were not looked for: {why}"))
        })
        .ok()
}

/// Names each recovery file whose key still exists: a live key whose secret reached none of
/// its destinations and waits in a 0600 file (`keychain recovered` lists them all).
fn warn_recovered(ctx: &Context, keys: &[ApiKey], files: &[RecoveryFile]) {
    for file in files {
        if let Some(key) = keys.iter().find(|k| k.id == file.key_id) {
            ctx.out.warn(format!(
                "key {} ({}) is active and its secret waits in the recovery file {}: it was minted but not delivered",
                key.id,
                key.name,
                file.path.display()
            ));
            ctx.out.hint(
                "copy it into its destination and delete the file, or, if a rotation stopped there, re-run `flexprice-admin keys rotate --due` to finish it",
            );
        }
    }
}

/// Whether a key still works and [churns](Policy::churns): [`warn_churning`] names it.
fn churning(
    policy: &Policy,
    created: Timestamp,
    expires: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    expires.is_some_and(|at| at > now) && policy.churns(created, expires)
}

/// Warns about the live keys that [churn](Policy::churns) under `policy`, naming up to three.
fn warn_churning<'k>(
    ctx: &Context,
    policy: &Policy,
    keys: impl Iterator<Item = &'k ApiKey>,
    now: Timestamp,
) {
    let churning: Vec<&ApiKey> = keys
        .filter(|k| churning(policy, k.created_at, k.expires_at, now))
        .collect();
    let named: Vec<String> = churning
        .iter()
        .take(3)
        .map(|k| format!("{} ({})", k.id, k.name))
        .collect();
    let more = churning.len().saturating_sub(named.len());
    let keys = match churning.as_slice() {
        [] => return,
        [one] => format!(
            "key {} lives {},",
            named[0],
            super::policy::lifetime_text(one.created_at, one.expires_at.unwrap_or(now))
        ),
        _ if more > 0 => format!(
            "{} keys ({} and {more} more) live",
            churning.len(),
            named.join(", ")
        ),
        _ => format!("{} keys ({}) live", churning.len(), named.join(", ")),
    };
    ctx.out.warn(policy.churn_warning(&keys));
}

/// What one audit found, for [`report`].
struct Audited<'a> {
    /// The keys fetched that matter here (every one under `--all-environments`), for owners.
    keys: &'a [ApiKey],
    /// User ID → label, for the owners of user keys.
    users: &'a HashMap<String, String>,
    findings: &'a [Finding],
    /// How many keys the scope covered.
    in_scope: usize,
    scope: &'a KeyScope,
    policy: &'a Policy,
    rules: &'a Rules,
    /// Whether the tenant's members were read (orphaned keys looked for).
    members_known: bool,
    /// Each key's environment, under `--all-environments`.
    environment_of: Option<&'a HashMap<&'a str, &'a Environment>>,
}

/// Writes the findings in the output format asked for.
fn report(ctx: &Context, args: &KeysAuditArgs, audited: &Audited<'_>) -> CommandResult<()> {
    let Audited {
        keys,
        users,
        findings,
        in_scope,
        scope,
        policy,
        rules,
        members_known,
        environment_of,
    } = *audited;
    if ctx.out.is_json() {
        return ctx.out.json(&findings);
    }
    if ctx.out.quiet {
        // For cron mail: only what counts, one line each, saying which key and why.
        return Ok(ctx.out.lines(
            findings
                .iter()
                .filter(|f| f.fails)
                .map(|f| quiet_line(f, environment_of)),
        )?);
    }
    let mut covered = String::new();
    if !scope.is_everything() {
        covered = format!(" {}", scope.describe());
    }
    if environment_of.is_some() {
        covered.push_str(" in every environment");
    }
    if findings.is_empty() {
        ctx.out.note(format!(
            "All {in_scope} key(s){covered} pass: {}.",
            passed(policy, rules, members_known)
        ));
        return Ok(());
    }
    let by_id: HashMap<&str, &ApiKey> = keys.iter().map(|k| (k.id.as_str(), k)).collect();
    let rows = findings
        .iter()
        .map(|f| {
            let mood =
                if f.reasons.contains(&Reason::Expired) || f.reasons.contains(&Reason::Orphaned) {
                    Mood::Bad
                } else {
                    Mood::Warn
                };
            let owner = by_id
                .get(f.key.id.as_str())
                .map(|k| owner_label(k, users))
                .unwrap_or_default();
            let reasons: Vec<&str> = f.reasons.iter().map(|r| r.word()).collect();
            let mut row = vec![
                Cell::new(&f.key.id),
                Cell::new(&f.key.name),
                Cell::new(owner),
                Cell::new(reasons.join(",")).mood(mood),
                Cell::new(&f.detail),
            ];
            if let Some(environment_of) = environment_of {
                row.push(environment_cell(
                    environment_of.get(f.key.id.as_str()).copied(),
                ));
            }
            row
        })
        .collect();
    let mut headers = vec!["ID", "NAME", "OWNER", "REASONS", "DETAIL"];
    if environment_of.is_some() {
        headers.push("ENV");
    }
    ctx.out.rows(&headers, rows)?;
    let failing = findings.iter().filter(|f| f.fails).count();
    let reported = findings.len() - failing;
    let mut summary = format!("{failing} of {in_scope} key(s){covered} need attention.");
    if reported > 0 {
        summary.push_str(&format!(
            " {reported} more reported without failing the audit ({}).",
            report_only(findings, rules)
        ));
    }
    ctx.out.note(summary);
    for hint in next_steps(findings, policy, rules, &args.scope) {
        ctx.out.hint(hint);
    }
    Ok(())
}

/// A `-q` line: the key, its name (and environment), and why. Names come from the server: a
/// newline in one must not make two lines of one finding, nor an escape reach the terminal or
/// the mail it is read in.
fn quiet_line(finding: &Finding, environment_of: Option<&HashMap<&str, &Environment>>) -> String {
    let environment = environment_of
        .and_then(|e| e.get(finding.key.id.as_str()))
        .map(|e| format!(" in {}", e.name))
        .unwrap_or_default();
    let line = format!(
        "{} ({}){environment}: {}",
        finding.key.id, finding.key.name, finding.detail
    );
    // And a server quoting the credential in a name gets it back redacted, as on stderr.
    terminal_safe(&crate::redact::scrub(&line)).into_owned()
}

/// What every key passed, for the all-clear note.
fn passed(policy: &Policy, rules: &Rules, members_known: bool) -> String {
    let mut checks = vec![format!(
        "younger than {} and none expires within {}",
        policy.max_age, policy.expiring_within
    )];
    if rules.no_expiry != AuditRule::Ignore {
        checks.push("each expires".into());
    }
    if rules.privileged != AuditRule::Ignore {
        checks.push("no service-account key can do everything".into());
    }
    if members_known {
        checks.push("every owner is still a member".into());
    }
    checks.join(", ")
}

/// The rules that made findings report-only, e.g. "privileged_keys = report".
fn report_only(findings: &[Finding], rules: &Rules) -> String {
    let mut which: Vec<String> = Vec::new();
    for reason in [Reason::NoExpiry, Reason::Privileged] {
        let reported = findings
            .iter()
            .any(|f| !f.fails && f.reasons.contains(&reason));
        if reported {
            which.push(format!("{} report", rules.source(reason)));
        }
    }
    which.join(", ")
}

/// The hints after a report: one per kind of finding, each naming the command that deals with
/// it.
fn next_steps(
    findings: &[Finding],
    policy: &Policy,
    rules: &Rules,
    scope: &KeyScopeArgs,
) -> Vec<String> {
    let with = |reason: Reason| findings.iter().filter(move |f| f.reasons.contains(&reason));
    let mut hints = Vec::new();
    let orphans: Vec<&str> = with(Reason::Orphaned)
        .filter_map(|f| f.command.as_deref())
        .collect();
    if !orphans.is_empty() {
        hints.push(format!(
            "orphaned keys still work though their owner left the tenant; revoke each: {}",
            orphans
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if findings
        .iter()
        .any(|f| f.reasons.iter().any(|r| r.is_rotation()))
    {
        hints.push(rotate_hint(policy, scope));
    }
    if with(Reason::NoExpiry).any(|f| !f.reasons.contains(&Reason::Orphaned)) {
        hints.push(format!(
            "a key that never expires gets an expiry when rotated: `flexprice-admin keys rotate ID` (the new key lives \
             --expires-in, else the profile's default_expiry, else 90d); `keys rotate --due` leaves such keys alone. \
             To stop reporting them: --no-expiry-keys report|ignore, or `flexprice-admin profile set --no-expiry-keys` \
             (now {}: {})",
            rules.source(Reason::NoExpiry),
            rules.no_expiry.as_str()
        ));
    }
    if with(Reason::Privileged).next().is_some() {
        hints.push(format!(
            "a service account's key that can do everything: give the service an account with only the roles it \
             needs (`flexprice-admin service-accounts create --name NAME --role event_ingestor`, or all_reader to \
             read) and a key for it, then revoke this one. To make such keys fail the audit: --privileged-keys fail, \
             or `flexprice-admin profile set --privileged-keys fail` (now {}: {})",
            rules.source(Reason::Privileged),
            rules.privileged.as_str()
        ));
    }
    hints
}

/// The next step after a report: `keys rotate --due` with the same policy flags and scope
/// rotates exactly the keys listed as too old, expiring or expired (the profile's policy is
/// read by both commands).
fn rotate_hint(policy: &Policy, scope: &KeyScopeArgs) -> String {
    let mut due = format!("flexprice-admin keys rotate --due{}", policy.flags());
    for account in &scope.service_accounts {
        due.push_str(&format!(" --service-account {}", shell_word(account)));
    }
    if let Some(name) = &scope.name {
        due.push_str(&format!(" --name {}", shell_word(name)));
    }
    format!(
        "rotate a key (new secret, same name and owner, old one revoked) with `flexprice-admin keys rotate ID`, or every key listed here as too_old, expiring or expired with `{due}`"
    )
}

/// A word as a shell would need it quoted, for commands suggested in hints.
fn shell_word(word: &str) -> String {
    shlex::try_quote(word).map_or_else(|_| word.to_string(), |q| q.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_default_to_these_thresholds() {
        use super::super::policy::{EXPIRING_WITHIN_DAYS, MAX_AGE_DAYS};
        use crate::time::TimeSpan;
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from(["flexprice-admin", "keys", "audit"]).unwrap();
        let crate::cli::Command::Keys(crate::cli::KeysCommand::Audit(args)) = cli.command else {
            panic!("parsed as another command")
        };
        assert_eq!(
            args.policy.max_age, None,
            "the default comes from the profile"
        );
        let policy = Policy::built_in();
        assert_eq!(policy.max_age, TimeSpan::days(MAX_AGE_DAYS));
        assert_eq!(policy.expiring_within, TimeSpan::days(EXPIRING_WITHIN_DAYS));
    }

    fn key(name: &str, created: &str, expires: Option<&str>) -> ApiKey {
        serde_json::from_value(serde_json::json!({
            "id": format!("secret_{name}"), "name": name, "type": "private_key", "display_id": "sk_01***AA",
            "status": "published", "created_at": created, "expires_at": expires,
        }))
        .unwrap()
    }

    #[test]
    fn reports_each_reason_most_urgent_first() {
        use crate::time::TimeSpan;
        let now: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        let keys = vec![
            key(
                "fresh",
                "2026-05-20T00:00:00Z",
                Some("2026-08-01T00:00:00Z"),
            ),
            key("old", "2026-01-01T00:00:00Z", None),
            key("soon", "2026-05-01T00:00:00Z", Some("2026-06-05T00:00:00Z")),
            key("dead", "2026-05-01T00:00:00Z", Some("2026-05-30T00:00:00Z")),
            key(
                "old-and-soon",
                "2026-01-01T00:00:00Z",
                Some("2026-06-03T00:00:00Z"),
            ),
        ];
        let found = findings(&keys, TimeSpan::days(90), TimeSpan::days(14), now);
        let got: Vec<(&str, Vec<Reason>)> = found
            .iter()
            .map(|f| (f.key.name.as_str(), f.reasons.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("dead", vec![Reason::Expired]),
                ("old-and-soon", vec![Reason::Expiring, Reason::TooOld]),
                ("soon", vec![Reason::Expiring]),
                ("old", vec![Reason::TooOld]),
            ]
        );
        assert_eq!(found[0].detail, "expired 2 days ago");
        assert_eq!(found[3].detail, "created 151 days ago (max age 90d)");
    }

    #[test]
    fn boundaries_are_inclusive_of_now_and_exclusive_of_max_age() {
        use crate::time::TimeSpan;
        let now: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        let exactly_90_days = key("edge", "2026-03-03T00:00:00Z", Some("2026-06-01T00:00:00Z"));
        let found = findings(
            &[exactly_90_days],
            TimeSpan::days(90),
            TimeSpan::days(14),
            now,
        );
        assert_eq!(
            found[0].reasons,
            [Reason::Expired],
            "expiring at now is expired; 90 days old is not too old"
        );
    }
}
