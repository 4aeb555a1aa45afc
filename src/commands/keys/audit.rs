//! `keys audit`: the keys that need attention (too old, expiring soon, expired), each with its
//! reasons, for people and for cron. Exit 10 when anything is found, so a cron job can alert on
//! the exit code alone.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Serialize;

use super::owner_label;
use crate::api::KeyFilter;
use crate::api::models::ApiKey;
use crate::cli::KeysAuditArgs;
use crate::context::Context;
use crate::error::Exit;
use crate::output::{Cell, Mood};
use crate::time::{self, TimeSpan};
use crate::views::KeyJson;

/// The default `--max-age`: Flexprice's rotation guidance.
pub const MAX_AGE_DAYS: i64 = 90;
/// The default `--expiring-within`; `keys list` marks keys in this window "expiring" too.
pub const EXPIRING_WITHIN_DAYS: i64 = 14;

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
pub fn findings(
    keys: &[ApiKey],
    max_age: TimeSpan,
    expiring_within: TimeSpan,
    now: Timestamp,
) -> Vec<Finding> {
    let oldest_allowed = max_age.before(now);
    let horizon = expiring_within.after(now);
    let mut found: Vec<(&ApiKey, Finding)> = keys
        .iter()
        .filter_map(|key| {
            let mut reasons = Vec::new();
            let mut detail = Vec::new();
            match key.expires_at {
                Some(at) if at <= now => {
                    reasons.push(Reason::Expired);
                    detail.push(format!("expired {}", time::relative(at, now)));
                }
                Some(at) if at <= horizon => {
                    reasons.push(Reason::Expiring);
                    detail.push(format!("expires {}", time::relative(at, now)));
                }
                _ => {}
            }
            if key.created_at < oldest_allowed {
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

pub async fn run(ctx: &Context, args: &KeysAuditArgs) -> anyhow::Result<Exit> {
    let client = ctx.client()?;
    let keys = client.list_keys(&KeyFilter::default(), None).await?;
    let now = time::now();
    let findings = findings(&keys, args.max_age, args.expiring_within, now);
    let exit = if findings.is_empty() {
        Exit::Ok
    } else {
        Exit::AuditFound
    };
    // A reader that stops early (`keys audit | head -1`) closes the pipe under us. Elsewhere that
    // ends the command quietly with 0; here the exit code is the finding, so a closed pipe must
    // not turn 10 into 0.
    match report(ctx, args, &keys, &findings) {
        Err(e) if crate::error::is_broken_pipe(&e) => Ok(exit),
        Err(e) => Err(e),
        Ok(()) => Ok(exit),
    }
}

/// Writes the findings in the output format asked for.
fn report(
    ctx: &Context,
    args: &KeysAuditArgs,
    keys: &[ApiKey],
    findings: &[Finding],
) -> anyhow::Result<()> {
    if ctx.out.is_json() {
        return ctx.out.json(&findings);
    }
    if ctx.out.quiet {
        return Ok(ctx.out.lines(findings.iter().map(|f| &f.key.id))?);
    }
    if findings.is_empty() {
        ctx.out.note(format!(
            "All {} key(s) are younger than {} and none expires within {}.",
            keys.len(),
            args.max_age,
            args.expiring_within
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
                .map(|k| owner_label(k, &HashMap::new()))
                .unwrap_or_default();
            let reasons: Vec<&str> = f.reasons.iter().map(|r| reason_word(*r)).collect();
            vec![
                Cell::new(&f.key.id),
                Cell::new(&f.key.name),
                Cell::new(owner),
                Cell::new(reasons.join(",")).mood(mood),
                Cell::new(&f.detail),
            ]
        })
        .collect();
    ctx.out
        .rows(&["ID", "NAME", "OWNER", "REASONS", "DETAIL"], rows)?;
    ctx.out.note(format!(
        "{} of {} key(s) need attention.",
        findings.len(),
        keys.len()
    ));
    ctx.out.hint(rotate_hint(args));
    Ok(())
}

/// The next step after a report. `keys rotate --due` rotates what `keys audit` reports with its
/// default thresholds, so it is offered as "this list" only when those were used.
fn rotate_hint(args: &KeysAuditArgs) -> &'static str {
    let defaults = args.max_age == TimeSpan::days(MAX_AGE_DAYS)
        && args.expiring_within == TimeSpan::days(EXPIRING_WITHIN_DAYS);
    if defaults {
        "rotate a key (new secret, same name and owner, old one revoked) with `flexprice-admin keys rotate ID`, or every key listed here with `flexprice-admin keys rotate --due`"
    } else {
        "rotate a key (new secret, same name and owner, old one revoked) with `flexprice-admin keys rotate ID`; `flexprice-admin keys rotate --due` rotates what `keys audit` reports with its default thresholds (90d, 14d)"
    }
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
        assert_eq!(args.max_age, TimeSpan::days(MAX_AGE_DAYS));
        assert_eq!(args.expiring_within, TimeSpan::days(EXPIRING_WITHIN_DAYS));
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
