//! What `keys audit` finds in a key, and whether it counts toward exit 10: the rotation
//! policy's reasons (too old, expiring, expired), keys that never expire, service-account keys
//! whose roles grant every permission, and orphaned keys (their owner is no longer a member of
//! the tenant). `keys rotate --due` uses the rotation policy's reasons alone.

use std::sync::LazyLock;

use jiff::Timestamp;
use serde::Serialize;

use super::listing::ListedKey;
use super::policy::{Expiry, Origin, Policy};
use crate::api::models::{ApiKey, Environment};
use crate::api::permissions::{builtin_roles, role_grants};
use crate::cli::AuditRuleArgs;
use crate::commands::members::Members;
use crate::config::AuditRule;
use crate::context::Context;
use crate::time;
use crate::views::KeyJson;

/// Why a key is reported, in order of urgency. The JSON names are a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Reason {
    /// Still authenticates, and its owner is no longer a member of the tenant (a removed person,
    /// an archived account): nobody is accountable for it. Always counts.
    Orphaned,
    /// `expires_at` has passed: the key no longer authenticates.
    Expired,
    /// `expires_at` falls within `--expiring-within`.
    Expiring,
    /// Created longer ago than `--max-age`.
    TooOld,
    /// Never expires (`--no-expiry-keys`).
    NoExpiry,
    /// A service account's key whose roles grant every permission (`--privileged-keys`).
    Privileged,
}

impl Reason {
    /// The word plain output and tables show, the same as in JSON.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Reason::Orphaned => "orphaned",
            Reason::Expired => "expired",
            Reason::Expiring => "expiring",
            Reason::TooOld => "too_old",
            Reason::NoExpiry => "no_expiry",
            Reason::Privileged => "privileged",
        }
    }

    /// The rotation policy's reasons: what `keys rotate --due` replaces.
    pub(crate) fn is_rotation(self) -> bool {
        matches!(self, Reason::Expired | Reason::Expiring | Reason::TooOld)
    }
}

/// One reported key.
#[derive(Debug, Serialize)]
pub(crate) struct Finding {
    pub key: KeyJson,
    pub reasons: Vec<Reason>,
    /// The reasons as a sentence, e.g. "created 120 days ago (max age 90d); expires in 3 days".
    pub detail: String,
    /// Whether this finding makes the audit exit 10 (a reason whose rule is `report` does not).
    pub fails: bool,
    /// The command that deals with it: `keys delete` for an orphaned key, `keys rotate` for one
    /// that is old, expiring, expired or never expires; null when no one command does (a
    /// privileged key wants a narrower account first).
    pub command: Option<String>,
}

/// The rules for the findings no rotation policy catches: flags, else the profile, else the
/// built-in defaults (a team rotating every 90 days wants every key to expire, so a key that
/// never does fails the audit; an all-powerful service-account key is shown, not failed, since
/// some teams run one on purpose).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rules {
    pub no_expiry: AuditRule,
    pub privileged: AuditRule,
    pub no_expiry_from: Origin,
    pub privileged_from: Origin,
}

/// `no_expiry_keys` when neither a flag nor the profile says.
pub(crate) const NO_EXPIRY_DEFAULT: AuditRule = AuditRule::Fail;
/// `privileged_keys` when neither a flag nor the profile says.
pub(crate) const PRIVILEGED_DEFAULT: AuditRule = AuditRule::Report;

impl Rules {
    pub(crate) fn resolve(ctx: &Context, args: &AuditRuleArgs) -> Rules {
        Self::from_parts(
            args,
            ctx.profile.no_expiry_keys,
            ctx.profile.privileged_keys,
        )
    }

    /// The profile's rules with no flags: what `profile show` shows.
    pub(crate) fn from_profile(ctx: &Context) -> Rules {
        Self::resolve(ctx, &AuditRuleArgs::default())
    }

    fn from_parts(
        args: &AuditRuleArgs,
        profile_no_expiry: Option<AuditRule>,
        profile_privileged: Option<AuditRule>,
    ) -> Rules {
        let pick =
            |flag: Option<AuditRule>, profile: Option<AuditRule>, default| match (flag, profile) {
                (Some(v), _) => (v, Origin::Flag),
                (None, Some(v)) => (v, Origin::Profile),
                (None, None) => (default, Origin::BuiltIn),
            };
        let (no_expiry, no_expiry_from) =
            pick(args.no_expiry_keys, profile_no_expiry, NO_EXPIRY_DEFAULT);
        let (privileged, privileged_from) =
            pick(args.privileged_keys, profile_privileged, PRIVILEGED_DEFAULT);
        Rules {
            no_expiry,
            privileged,
            no_expiry_from,
            privileged_from,
        }
    }

    /// The built-in rules (no flags, no profile).
    #[cfg(test)]
    pub(crate) fn built_in() -> Rules {
        Self::from_parts(&AuditRuleArgs::default(), None, None)
    }

    fn rule(&self, reason: Reason) -> AuditRule {
        match reason {
            Reason::NoExpiry => self.no_expiry,
            Reason::Privileged => self.privileged,
            _ => AuditRule::Fail,
        }
    }

    /// Where the rule for `reason` came from, as a user would change it.
    pub(crate) fn source(&self, reason: Reason) -> &'static str {
        let (origin, flag, setting) = match reason {
            Reason::NoExpiry => (self.no_expiry_from, "--no-expiry-keys", "no_expiry_keys"),
            Reason::Privileged => (self.privileged_from, "--privileged-keys", "privileged_keys"),
            _ => return "always",
        };
        match origin {
            Origin::Flag => flag,
            Origin::Profile | Origin::BuiltIn => setting,
        }
    }
}

/// Whether roles (a key's snapshot) grant write on every entity: `super_admin`, or `all_writer`,
/// which Flexprice refuses to service accounts but an older key may hold.
pub(crate) fn grants_everything<'r>(mut roles: impl Iterator<Item = &'r str>) -> bool {
    // Built once: `keys audit` asks this of every service-account key of a listing, and
    // building the catalogue each time was most of the audit's CPU over 10,000 keys.
    static ALL_POWERFUL: LazyLock<Vec<String>> = LazyLock::new(|| {
        builtin_roles()
            .into_iter()
            .filter(|r| role_grants(r, "*", "write"))
            .map(|r| r.id)
            .collect()
    });
    roles.any(|id| ALL_POWERFUL.iter().any(|r| r == id))
}

/// Everything one audit applies to each key.
pub(crate) struct Audit<'a> {
    pub policy: &'a Policy,
    pub rules: Rules,
    /// The tenant's members; `None` when they could not be read (no orphan is then looked for).
    pub members: Option<&'a Members>,
    pub now: Timestamp,
}

impl Audit<'_> {
    /// Whether a listed key could be a finding (or churns, which the audit warns about): the
    /// few the audit keeps out of a listing of thousands.
    pub(crate) fn may_report(&self, key: &ListedKey<'_>) -> bool {
        let expires_at = key.expires_at.map(|at| at.at);
        let created_at = key.created_at.at;
        let live = expires_at.is_none_or(|at| at > self.now);
        self.policy.expiry_at(expires_at, self.now) != Expiry::Active
            || self.policy.too_old_at(created_at, self.now)
            || (live && self.policy.churns(created_at, expires_at))
            || (expires_at.is_none() && self.rules.no_expiry != AuditRule::Ignore)
            || (self.rules.privileged != AuditRule::Ignore
                && live
                && key.user_type.as_ref().map(|t| t.as_str()) == Some("service_account")
                && grants_everything(key.roles.iter().map(|r| r.as_str())))
            || self.members.is_some_and(|m| {
                m.orphans(
                    key.user_id.as_ref().map(|u| u.as_str()),
                    expires_at,
                    self.now,
                )
            })
    }

    /// What the audit finds in `key` (in `environment`, when known), if anything.
    pub(crate) fn finding(
        &self,
        key: &ApiKey,
        environment: Option<&Environment>,
    ) -> Option<Finding> {
        let now = self.now;
        let live = key.expires_at.is_none_or(|at| at > now);
        let mut found: Vec<(Reason, String)> = Vec::new();
        if self.members.is_some_and(|m| m.orphaned(key, now)) {
            found.push((
                Reason::Orphaned,
                format!(
                    "its owner {} is no longer a member of the tenant (removed or archived), and it still works",
                    key.user_id.as_deref().unwrap_or_default()
                ),
            ));
        }
        found.extend(rotation_reasons(self.policy, key, now));
        if key.expires_at.is_none() {
            found.push((Reason::NoExpiry, "never expires".into()));
        }
        if live
            && key.is_service_account_key()
            && grants_everything(key.roles.iter().map(String::as_str))
        {
            found.push((
                Reason::Privileged,
                format!(
                    "a service account's key holding {} (every permission)",
                    key.roles.join(",")
                ),
            ));
        }
        found.retain(|(reason, _)| self.rules.rule(*reason) != AuditRule::Ignore);
        if found.is_empty() {
            return None;
        }
        let reasons: Vec<Reason> = found.iter().map(|(r, _)| *r).collect();
        let fails = reasons
            .iter()
            .any(|r| self.rules.rule(*r) == AuditRule::Fail);
        let command = fix_command(&reasons, key, environment);
        let mut detail: Vec<String> = found.into_iter().map(|(_, d)| d).collect();
        if let (Some(Reason::Orphaned), Some(command)) = (reasons.first(), &command) {
            detail[0].push_str(&format!("; revoke it with `{command}`"));
        }
        Some(Finding {
            key: KeyJson::new(key, None, now).in_environment(environment),
            reasons,
            detail: detail.join("; "),
            fails,
            command,
        })
    }
}

/// The rotation policy's reasons for `key`, each with its part of the detail.
fn rotation_reasons(policy: &Policy, key: &ApiKey, now: Timestamp) -> Vec<(Reason, String)> {
    let mut found = Vec::new();
    match (policy.expiry(key, now), key.expires_at) {
        (Expiry::Expired, Some(at)) => {
            found.push((
                Reason::Expired,
                format!("expired {}", time::relative(at, now)),
            ));
        }
        (Expiry::Expiring, Some(at)) => {
            found.push((
                Reason::Expiring,
                format!("expires {}", time::relative(at, now)),
            ));
        }
        _ => {}
    }
    if policy.too_old(key, now) {
        found.push((
            Reason::TooOld,
            format!(
                "created {} (max age {})",
                time::relative(key.created_at, now),
                policy.max_age
            ),
        ));
    }
    found
}

/// The one command that deals with a finding, if there is one.
fn fix_command(
    reasons: &[Reason],
    key: &ApiKey,
    environment: Option<&Environment>,
) -> Option<String> {
    let in_environment = environment
        .map(|e| format!(" --environment {}", e.id))
        .unwrap_or_default();
    let verb = if reasons.contains(&Reason::Orphaned) {
        "delete"
    } else if reasons
        .iter()
        .any(|r| r.is_rotation() || *r == Reason::NoExpiry)
    {
        "rotate"
    } else {
        return None;
    };
    Some(format!(
        "flexprice-admin keys {verb} {}{in_environment}",
        key.id
    ))
}

/// Sorts findings most urgent first: by their most urgent reason, then soonest expiry, then
/// oldest.
pub(crate) fn sort(found: &mut [(Timestamp, Option<Timestamp>, Finding)]) {
    found.sort_by_key(|(created, expires, finding)| {
        (
            finding.reasons.first().copied(),
            expires.unwrap_or(Timestamp::MAX),
            *created,
        )
    });
}

/// The keys among `keys` that the rotation policy says are due at `now`, most urgent first:
/// what `keys rotate --due` rotates.
pub(crate) fn policy_findings<'k>(
    policy: &Policy,
    keys: impl Iterator<Item = &'k ApiKey>,
    now: Timestamp,
) -> Vec<Finding> {
    let mut found: Vec<_> = keys
        .filter_map(|key| {
            let found = rotation_reasons(policy, key, now);
            if found.is_empty() {
                return None;
            }
            let reasons: Vec<Reason> = found.iter().map(|(r, _)| *r).collect();
            let command = fix_command(&reasons, key, None);
            let detail: Vec<String> = found.into_iter().map(|(_, d)| d).collect();
            Some((
                key.created_at,
                key.expires_at,
                Finding {
                    key: KeyJson::new(key, None, now),
                    reasons,
                    detail: detail.join("; "),
                    fails: true,
                    command,
                },
            ))
        })
        .collect();
    sort(&mut found);
    found.into_iter().map(|(_, _, f)| f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::models::User;
    use crate::time::TimeSpan;

    fn key(
        name: &str,
        created: &str,
        expires: Option<&str>,
        owner: &str,
        roles: &[&str],
    ) -> ApiKey {
        let user_type = if owner.starts_with("user_bot") {
            "service_account"
        } else {
            "user"
        };
        serde_json::from_value(serde_json::json!({
            "id": format!("secret_{name}"), "name": name, "type": "private_key", "display_id": "sk_01***AA",
            "status": "published", "created_at": created, "expires_at": expires,
            "user_id": owner, "user_type": user_type, "roles": roles,
        }))
        .unwrap()
    }

    fn members() -> Members {
        let user = |id: &str, t: &str| -> User {
            serde_json::from_value(serde_json::json!({"id": id, "type": t})).unwrap()
        };
        Members::new(
            vec![user("user_person", "user")],
            vec![user("user_bot", "service_account")],
        )
    }

    fn audit_with<'a>(policy: &'a Policy, rules: Rules, members: Option<&'a Members>) -> Audit<'a> {
        Audit {
            policy,
            rules,
            members,
            now: "2026-06-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn the_defaults_fail_keys_that_never_expire_and_report_privileged_ones() {
        let rules = Rules::built_in();
        assert_eq!(rules.no_expiry, AuditRule::Fail);
        assert_eq!(rules.privileged, AuditRule::Report);
        let profile = Rules::from_parts(
            &AuditRuleArgs::default(),
            Some(AuditRule::Ignore),
            Some(AuditRule::Fail),
        );
        assert_eq!(
            (profile.no_expiry, profile.privileged),
            (AuditRule::Ignore, AuditRule::Fail)
        );
        assert_eq!(profile.source(Reason::Privileged), "privileged_keys");
        let flag = Rules::from_parts(
            &AuditRuleArgs {
                no_expiry_keys: Some(AuditRule::Report),
                privileged_keys: None,
            },
            Some(AuditRule::Ignore),
            None,
        );
        assert_eq!(flag.no_expiry, AuditRule::Report);
        assert_eq!(flag.source(Reason::NoExpiry), "--no-expiry-keys");
    }

    #[test]
    fn each_reason_with_whether_it_fails_and_its_command() {
        let policy = Policy::new(TimeSpan::days(90), TimeSpan::days(14));
        let members = members();
        let audit = audit_with(&policy, Rules::built_in(), Some(&members));
        let never = key(
            "never",
            "2026-05-01T00:00:00Z",
            None,
            "user_person",
            &["super_admin"],
        );
        let f = audit.finding(&never, None).unwrap();
        assert_eq!(f.reasons, [Reason::NoExpiry]);
        assert!(f.fails);
        assert_eq!(
            f.command.as_deref(),
            Some("flexprice-admin keys rotate secret_never")
        );

        let root = key(
            "root",
            "2026-05-01T00:00:00Z",
            Some("2026-08-01T00:00:00Z"),
            "user_bot",
            &["super_admin"],
        );
        let f = audit.finding(&root, None).unwrap();
        assert_eq!(f.reasons, [Reason::Privileged]);
        assert!(
            !f.fails,
            "privileged keys are reported, not failed, by default"
        );
        assert_eq!(f.command, None);
        assert_eq!(
            f.detail,
            "a service account's key holding super_admin (every permission)"
        );

        let ingest = key(
            "ingest",
            "2026-05-01T00:00:00Z",
            Some("2026-08-01T00:00:00Z"),
            "user_bot",
            &["event_ingestor"],
        );
        assert!(audit.finding(&ingest, None).is_none());
        let reader = key(
            "reader",
            "2026-05-01T00:00:00Z",
            Some("2026-08-01T00:00:00Z"),
            "user_bot",
            &["all_reader"],
        );
        assert!(
            audit.finding(&reader, None).is_none(),
            "all_reader is not every permission"
        );

        let production = Environment {
            id: "env_prod".into(),
            name: "Production".into(),
            env_type: "production".into(),
            created_at: None,
        };
        let orphan = key(
            "orphan",
            "2026-01-01T00:00:00Z",
            None,
            "user_gone",
            &["super_admin"],
        );
        let f = audit.finding(&orphan, Some(&production)).unwrap();
        assert_eq!(
            f.reasons,
            [Reason::Orphaned, Reason::TooOld, Reason::NoExpiry]
        );
        assert!(f.fails);
        let delete = "flexprice-admin keys delete secret_orphan --environment env_prod";
        assert_eq!(f.command.as_deref(), Some(delete));
        assert!(
            f.detail
                .starts_with("its owner user_gone is no longer a member"),
            "{}",
            f.detail
        );
        assert!(f.detail.contains(delete), "{}", f.detail);
        assert_eq!(f.key.environment_id.as_deref(), Some("env_prod"));

        // An expired key of someone gone no longer works: not orphaned.
        let dead = key(
            "dead",
            "2026-04-01T00:00:00Z",
            Some("2026-05-01T00:00:00Z"),
            "user_gone",
            &[],
        );
        assert_eq!(
            audit.finding(&dead, None).unwrap().reasons,
            [Reason::Expired]
        );

        // Members unknown: no orphan is looked for.
        let blind = audit_with(&policy, Rules::built_in(), None);
        assert_eq!(
            blind.finding(&orphan, None).unwrap().reasons,
            [Reason::TooOld, Reason::NoExpiry]
        );

        // Ignored rules drop the reason; report keeps it without failing.
        let quiet = Rules::from_parts(
            &AuditRuleArgs {
                no_expiry_keys: Some(AuditRule::Ignore),
                privileged_keys: Some(AuditRule::Fail),
            },
            None,
            None,
        );
        let strict = audit_with(&policy, quiet, Some(&members));
        assert!(strict.finding(&never, None).is_none());
        assert!(strict.finding(&root, None).unwrap().fails);
    }

    #[test]
    fn rotation_findings_are_what_rotate_due_takes() {
        let policy = Policy::new(TimeSpan::days(90), TimeSpan::days(14));
        let now: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        let never = key(
            "never",
            "2026-05-01T00:00:00Z",
            None,
            "user_gone",
            &["super_admin"],
        );
        let old = key("old", "2026-01-01T00:00:00Z", None, "user_person", &[]);
        let found = policy_findings(&policy, [&never, &old].into_iter(), now);
        assert_eq!(
            found.len(),
            1,
            "neither no_expiry nor orphaned is due for rotation"
        );
        assert_eq!(found[0].reasons, [Reason::TooOld]);
    }

    #[test]
    fn grants_everything_means_write_on_every_entity() {
        assert!(grants_everything(["super_admin"].into_iter()));
        assert!(grants_everything(
            ["event_reader", "all_writer"].into_iter()
        ));
        assert!(!grants_everything(
            ["all_reader", "event_ingestor"].into_iter()
        ));
        assert!(!grants_everything(["nope"].into_iter()));
    }
}
