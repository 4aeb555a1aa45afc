//! `keys audit`: the keys that need attention under the rotation policy (too old, expiring
//! soon, expired), each with its reasons, for people and for cron. Exit 10 when anything is found, so a cron job can alert on
//! the exit code alone.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Serialize;

use super::everywhere;
use super::list::environment_cell;
use super::listing::{TakesKeys, each_in_run, each_listed_key, whole_answer};
use super::policy::{Expiry, Policy};
use super::scope::KeyScope;
use super::{owner_label, user_labels};
use crate::api::models::{ApiKey, Environment, ListedKey};
use crate::api::wire::Text;
use crate::cli::{KeyScopeArgs, KeysAuditArgs};
use crate::context::Context;
use crate::error::{CommandError, CommandResult, Exit};
use crate::output::{Cell, Mood};
use crate::time;
#[cfg(test)]
use crate::time::TimeSpan;
use crate::views::KeyJson;

#[cfg(test)]
use super::policy::{EXPIRING_WITHIN_DAYS, MAX_AGE_DAYS};

/// Why a key is reported. The JSON names are a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// `expires_at` has passed: the key no longer authenticates.
    Expired,
    /// `expires_at` falls within `--expiring-within`.
    Expiring,
    /// Created longer ago than `--max-age`.
    TooOld,
}

/// One reported key.
#[derive(Debug, Serialize)]
pub struct Finding {
    pub key: KeyJson,
    pub reasons: Vec<Reason>,
    /// The reasons as a sentence, e.g. "created 120 days ago (max age 90d); expires in 3 days".
    pub detail: String,
}

/// The keys among `keys` that need attention at `now`, most urgent first (expired, then
/// expiring soonest, then oldest).
#[cfg(test)]
pub fn findings(
    keys: &[ApiKey],
    max_age: TimeSpan,
    expiring_within: TimeSpan,
    now: Timestamp,
) -> Vec<Finding> {
    policy_findings(&Policy::new(max_age, expiring_within), keys.iter(), now)
}

/// [`findings`] under a resolved policy, for keys given by reference.
pub fn policy_findings<'k>(
    policy: &Policy,
    keys: impl Iterator<Item = &'k ApiKey>,
    now: Timestamp,
) -> Vec<Finding> {
    let max_age = policy.max_age;
    let mut found: Vec<(&ApiKey, Finding)> = keys
        .filter_map(|key| {
            let mut reasons = Vec::new();
            let mut detail = Vec::new();
            match (policy.expiry(key, now), key.expires_at) {
                (Expiry::Expired, Some(at)) => {
                    reasons.push(Reason::Expired);
                    detail.push(format!("expired {}", time::relative(at, now)));
                }
                (Expiry::Expiring, Some(at)) => {
                    reasons.push(Reason::Expiring);
                    detail.push(format!("expires {}", time::relative(at, now)));
                }
                _ => {}
            }
            if policy.too_old(key, now) {
                reasons.push(Reason::TooOld);
                detail.push(format!(
                    "created {} (max age {max_age})",
                    time::relative(key.created_at, now)
                ));
            }
            (!reasons.is_empty()).then(|| {
                (
                    key,
                    Finding {
                        key: KeyJson::new(key, None, now),
                        reasons,
                        detail: detail.join("; "),
                    },
                )
            })
        })
        .collect();
    found.sort_by_key(|(key, finding)| {
        (
            urgency(finding),
            key.expires_at.unwrap_or(Timestamp::MAX),
            key.created_at,
        )
    });
    found.into_iter().map(|(_, finding)| finding).collect()
}

fn urgency(finding: &Finding) -> u8 {
    match finding.reasons.first() {
        Some(Reason::Expired) => 0,
        Some(Reason::Expiring) => 1,
        _ => 2,
    }
}

pub async fn run(ctx: &Context, args: &KeysAuditArgs) -> CommandResult<Exit> {
    KeyScope::check(&args.scope)?;
    let policy = Policy::resolve(ctx, &args.policy);
    let client = ctx.client()?;
    let scope = KeyScope::resolve(ctx, &client, &args.scope).await?;
    // Read before the listing: a live key whose secret waits in one is kept for the warning.
    let recovery_files = crate::handover::journal::recovery_files(&ctx.paths.state_dir);
    let now = time::now();
    let (keys, environments, in_scope) = if args.everywhere.all_environments {
        let found = everywhere::list_keys(ctx, &client, &scope.filter()).await?;
        let keys: Vec<(ApiKey, Environment)> = found
            .into_iter()
            .flat_map(|e| {
                let environment = e.environment;
                e.keys.into_iter().map(move |k| (k, environment.clone()))
            })
            .collect();
        let (keys, environments): (Vec<ApiKey>, Vec<Environment>) = keys.into_iter().unzip();
        let in_scope = keys.iter().filter(|k| scope.matches(k)).count();
        (keys, Some(environments), in_scope)
    } else {
        // Thousands of keys decoded without copying (as `keys list -o json` does, on two
        // threads when there are many), of which only those this audit can report or warn
        // about are kept, as owned keys: everything below sees the same findings and warnings
        // as if it had every key.
        let filter = scope.filter();
        let check = |key: &ListedKey<'_>| {
            let in_scope = scope.matches_listed(key);
            let expires_at = key.expires_at.map(|at| at.at);
            let created_at = key.created_at.at;
            let reportable = policy.expiry_at(expires_at, now) != Expiry::Active
                || policy.too_old_at(created_at, now)
                || churning(&policy, created_at, expires_at, now);
            let recovered = recovery_files.iter().any(|f| f.key_id == key.id.as_str());
            Checked {
                in_scope,
                kept: ((in_scope && reportable) || recovered).then(|| key.to_api_key()),
            }
        };
        let mut checking = Checking {
            check: &check,
            in_scope: 0,
            kept: Vec::new(),
        };
        let listing = async {
            let mut pager = client.key_pager(&filter, None);
            while let Some(answer) = pager.next().await? {
                let work = |run| checked_run(run, &check);
                if !whole_answer(&client, &mut pager, &answer, work, &mut checking)? {
                    each_listed_key(&client, &mut pager, &answer, |key| {
                        checking.add(check(key));
                        Ok::<_, CommandError>(())
                    })?;
                }
            }
            Ok::<_, CommandError>(())
        };
        ctx.out.waiting("Fetching keys", listing).await?;
        (checking.kept, None, checking.in_scope)
    };
    let in_scope_keys = || keys.iter().filter(|k| scope.matches(k));
    warn_churning(ctx, &policy, in_scope_keys(), now);
    warn_recovered(ctx, &keys, &recovery_files);
    let mut findings = policy_findings(&policy, in_scope_keys(), now);
    let environment_of: HashMap<&str, &Environment> = match &environments {
        Some(envs) => keys
            .iter()
            .zip(envs)
            .map(|(k, e)| (k.id.as_str(), e))
            .collect(),
        None => HashMap::new(),
    };
    // Owners read as in `keys list`: a user key's owner is the user's name (one lookup, only
    // when a user key was found), in the table and as `owner_name` in JSON.
    let by_id: HashMap<&str, &ApiKey> = keys.iter().map(|k| (k.id.as_str(), k)).collect();
    let found_keys: Vec<ApiKey> = findings
        .iter()
        .filter_map(|f| by_id.get(f.key.id.as_str()).map(|k| (*k).clone()))
        .collect();
    let users = user_labels(&client, &found_keys).await;
    for finding in &mut findings {
        let environment = environment_of.get(finding.key.id.as_str()).copied();
        finding.key.set_environment(environment);
        if let Some(key) = by_id.get(finding.key.id.as_str())
            && !key.is_service_account_key()
        {
            finding.key.owner_name = key.user_id.as_ref().and_then(|u| users.get(u)).cloned();
        }
    }
    let exit = if findings.is_empty() {
        Exit::Ok
    } else {
        Exit::AuditFound
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
        environment_of: environments.is_some().then_some(&environment_of),
    };
    match report(ctx, args, &audited) {
        Err(e) if e.silent => Ok(exit),
        Err(e) => Err(e),
        Ok(()) => Ok(exit),
    }
}

/// What the audit makes of one listed key, on either thread.
struct Checked {
    in_scope: bool,
    /// The key, owned, when the audit can report or warn about it.
    kept: Option<ApiKey>,
}

/// The keys of a run (see `listing::take_runs`), each checked, and whether it decoded whole.
struct CheckedRun<'b> {
    keys: Vec<(Text<'b>, Checked)>,
    whole: bool,
}

fn checked_run<'b>(run: &'b str, check: &impl Fn(&ListedKey<'_>) -> Checked) -> CheckedRun<'b> {
    let mut keys = Vec::new();
    let whole = each_in_run(run, |key| {
        let checked = check(&key);
        keys.push((key.id, checked));
    });
    CheckedRun { keys, whole }
}

/// The listing's keys taken in by the audit: how many the scope covers, and those it keeps.
struct Checking<'c, C> {
    check: &'c C,
    in_scope: usize,
    kept: Vec<ApiKey>,
}

impl<C> Checking<'_, C> {
    fn add(&mut self, checked: Checked) {
        self.in_scope += usize::from(checked.in_scope);
        self.kept.extend(checked.kept);
    }
}

impl<'b, C: Fn(&ListedKey<'_>) -> Checked> TakesKeys<'b> for Checking<'_, C> {
    type Run = CheckedRun<'b>;

    fn take_run(
        &mut self,
        run: CheckedRun<'b>,
        keep: usize,
        ids: &mut Vec<Text<'b>>,
    ) -> CommandResult<bool> {
        for (id, checked) in run.keys {
            if ids.len() < keep {
                self.add(checked);
            }
            ids.push(id);
        }
        Ok(run.whole)
    }

    fn take_key(&mut self, key: &ListedKey<'b>) -> CommandResult<()> {
        let checked = (self.check)(key);
        self.add(checked);
        Ok(())
    }
}

/// Names each recovery file whose key still exists: a live key whose secret reached none of
/// its destinations and waits in a 0600 file (`keychain recovered` lists them all).
fn warn_recovered(
    ctx: &Context,
    keys: &[ApiKey],
    files: &[crate::handover::journal::RecoveryFile],
) {
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
        environment_of,
    } = *audited;
    if ctx.out.is_json() {
        return ctx.out.json(&findings);
    }
    if ctx.out.quiet {
        return Ok(ctx.out.lines(findings.iter().map(|f| &f.key.id))?);
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
            "All {} key(s){covered} are younger than {} and none expires within {}.",
            in_scope, policy.max_age, policy.expiring_within
        ));
        return Ok(());
    }
    let by_id: HashMap<&str, &ApiKey> = keys.iter().map(|k| (k.id.as_str(), k)).collect();
    let rows = findings
        .iter()
        .map(|f| {
            let mood = if f.reasons.contains(&Reason::Expired) {
                Mood::Bad
            } else {
                Mood::Warn
            };
            let owner = by_id
                .get(f.key.id.as_str())
                .map(|k| owner_label(k, users))
                .unwrap_or_default();
            let reasons: Vec<&str> = f.reasons.iter().map(|r| reason_word(*r)).collect();
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
    ctx.out.note(format!(
        "{} of {} key(s){covered} need attention.",
        findings.len(),
        in_scope
    ));
    ctx.out.hint(rotate_hint(policy, &args.scope));
    Ok(())
}

/// The next step after a report: `keys rotate --due` with the same policy flags and scope
/// rotates exactly what was listed (the profile's policy is read by both commands).
fn rotate_hint(policy: &Policy, scope: &KeyScopeArgs) -> String {
    let mut due = format!("flexprice-admin keys rotate --due{}", policy.flags());
    for account in &scope.service_accounts {
        due.push_str(&format!(" --service-account {}", shell_word(account)));
    }
    if let Some(name) = &scope.name {
        due.push_str(&format!(" --name {}", shell_word(name)));
    }
    format!(
        "rotate a key (new secret, same name and owner, old one revoked) with `flexprice-admin keys rotate ID`, or every key listed here with `{due}`"
    )
}

/// A word as a shell would need it quoted, for commands suggested in hints.
fn shell_word(word: &str) -> String {
    shlex::try_quote(word).map_or_else(|_| word.to_string(), |q| q.into_owned())
}

fn reason_word(reason: Reason) -> &'static str {
    match reason {
        Reason::Expired => "expired",
        Reason::Expiring => "expiring",
        Reason::TooOld => "too_old",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_default_to_these_thresholds() {
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
