//! The rotation policy: when a key is due (too old, or expiring soon). One value, resolved once
//! from the flags, the profile and the built-in defaults, read by `keys audit`, `keys rotate
//! --due` and the "expiring" status of `keys list`, so they never disagree.

use jiff::Timestamp;

use crate::api::models::ApiKey;
use crate::cli::PolicyArgs;
use crate::context::Context;
use crate::time::TimeSpan;

/// The built-in `max_age`: Flexprice's rotation guidance.
pub(crate) const MAX_AGE_DAYS: i64 = 90;
/// The built-in `expiring_within`.
pub(crate) const EXPIRING_WITHIN_DAYS: i64 = 14;

/// Where a policy value came from, for messages that suggest a command to run next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Profile,
    BuiltIn,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub max_age: TimeSpan,
    pub expiring_within: TimeSpan,
    pub max_age_from: Origin,
    pub expiring_within_from: Origin,
}

/// A key's state under a policy, as `keys list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    Active,
    Expiring,
    Expired,
}

impl Policy {
    /// Flags win over the profile (`max_age`, `expiring_within` in config.toml), which wins
    /// over the built-in 90 and 14 days.
    pub fn resolve(ctx: &Context, args: &PolicyArgs) -> Policy {
        Self::from_parts(args, ctx.profile.max_age, ctx.profile.expiring_within)
    }

    /// The profile's policy with no flags: what `keys list` marks "expiring".
    pub fn from_profile(ctx: &Context) -> Policy {
        Self::resolve(ctx, &PolicyArgs::default())
    }

    /// A policy of these two values, as if both were given as flags.
    #[cfg(test)]
    pub fn new(max_age: TimeSpan, expiring_within: TimeSpan) -> Policy {
        let both = PolicyArgs {
            max_age: Some(max_age),
            expiring_within: Some(expiring_within),
        };
        Self::from_parts(&both, None, None)
    }

    /// 90 days and 14 days: the policy with no flags and no profile settings.
    #[cfg(test)]
    pub fn built_in() -> Policy {
        Self::from_parts(&PolicyArgs::default(), None, None)
    }

    fn from_parts(
        args: &PolicyArgs,
        profile_max_age: Option<TimeSpan>,
        profile_expiring_within: Option<TimeSpan>,
    ) -> Policy {
        let pick =
            |flag: Option<TimeSpan>, profile: Option<TimeSpan>, days: i64| match (flag, profile) {
                (Some(v), _) => (v, Origin::Flag),
                (None, Some(v)) => (v, Origin::Profile),
                (None, None) => (TimeSpan::days(days), Origin::BuiltIn),
            };
        let (max_age, max_age_from) = pick(args.max_age, profile_max_age, MAX_AGE_DAYS);
        let (expiring_within, expiring_within_from) = pick(
            args.expiring_within,
            profile_expiring_within,
            EXPIRING_WITHIN_DAYS,
        );
        Policy {
            max_age,
            expiring_within,
            max_age_from,
            expiring_within_from,
        }
    }

    /// Whether `key` has expired, expires within the window, or neither, at `now`. An expiry
    /// at exactly `now` is expired: the server refuses the key from that instant.
    pub fn expiry(&self, key: &ApiKey, now: Timestamp) -> Expiry {
        self.expiry_at(key.expires_at, now)
    }

    /// [`Policy::expiry`] of a key expiring at `expires_at`.
    pub fn expiry_at(&self, expires_at: Option<Timestamp>, now: Timestamp) -> Expiry {
        match expires_at {
            Some(at) if at <= now => Expiry::Expired,
            Some(at) if at <= self.expiring_within.after(now) => Expiry::Expiring,
            _ => Expiry::Active,
        }
    }

    /// Created longer ago than `max_age` (exactly `max_age` old is not too old).
    pub fn too_old(&self, key: &ApiKey, now: Timestamp) -> bool {
        self.too_old_at(key.created_at, now)
    }

    /// [`Policy::too_old`] of a key created at `created_at`.
    pub fn too_old_at(&self, created_at: Timestamp, now: Timestamp) -> bool {
        created_at < self.max_age.before(now)
    }

    /// A key created at `created` that expires at `expires` is inside the expiring window from
    /// the start: `keys audit` reports it at once and every `keys rotate --due` replaces it
    /// (with the same short lifetime, so the next run does it again).
    pub fn churns(&self, created: Timestamp, expires: Option<Timestamp>) -> bool {
        expires.is_some_and(|at| at <= self.expiring_within.after(created))
    }

    /// The warning for keys that [`churn`](Self::churns), naming what to do; `keys` describes
    /// them ("a key that lives 7d", "2 keys (secret_…, secret_…)"). The one wording `keys
    /// create`, `keys audit` and `keys rotate` share.
    pub fn churn_warning(&self, keys: &str) -> String {
        let window = self.expiring_within;
        let source = match self.expiring_within_from {
            Origin::Flag => "--expiring-within",
            Origin::Profile => "the profile's expiring_within",
            Origin::BuiltIn => "the default expiring_within",
        };
        format!(
            "{keys} no longer than the expiring window ({window}, {source}): such a key is due for rotation as soon as \
             it exists, so every `keys rotate --due` replaces it; give keys a lifetime longer than {window} \
             (--expires-in, or `flexprice-admin profile set --default-expiry`), or shorten the window \
             (`flexprice-admin profile set --expiring-within`)"
        )
    }

    /// The policy flags given on the command line, to repeat them in a suggested command (values
    /// from the profile need no repeating: every command reads the same profile).
    pub fn flags(&self) -> String {
        let mut flags = String::new();
        if self.max_age_from == Origin::Flag {
            flags.push_str(&format!(" --max-age {}", self.max_age));
        }
        if self.expiring_within_from == Origin::Flag {
            flags.push_str(&format!(" --expiring-within {}", self.expiring_within));
        }
        flags
    }
}

/// A lifetime as a short duration for messages: whole days, else whole hours, else minutes.
pub(crate) fn lifetime_text(created: Timestamp, expires: Timestamp) -> String {
    // Rounded to the nearest unit: a 5-day key checked a second after it was minted lives 5d.
    let secs = expires.duration_since(created).as_secs().max(0);
    match secs {
        s if s >= 86_400 - 1_800 => format!("{}d", (s + 43_200) / 86_400),
        s if s >= 3_600 - 30 => format!("{}h", (s + 1_800) / 3_600),
        s => format!("{}m", (s + 30) / 60),
    }
}

/// `keys create` (and `keys rotate`): warns when the new key would churn under the profile's
/// policy (see [`Policy::churns`]).
pub(crate) fn warn_if_churns(ctx: &Context, created: Timestamp, expires: Option<Timestamp>) {
    let policy = Policy::from_profile(ctx);
    if let Some(at) = expires.filter(|_| policy.churns(created, expires)) {
        let lives = format!("a key that lives {} is", lifetime_text(created, at));
        ctx.out.warn(policy.churn_warning(&lives));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_churns_when_it_lives_no_longer_than_the_window() {
        let week = Policy::new(TimeSpan::days(90), TimeSpan::days(7));
        let now: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        let at = |s: &str| Some(s.parse::<Timestamp>().unwrap());
        assert!(
            week.churns(now, at("2026-06-08T00:00:00Z")),
            "exactly the window"
        );
        assert!(week.churns(now, at("2026-06-02T00:00:00Z")));
        assert!(!week.churns(now, at("2026-06-08T00:00:01Z")));
        assert!(
            !week.churns(now, None),
            "a key that never expires never churns"
        );
        assert_eq!(
            lifetime_text(now, "2026-06-08T05:00:00Z".parse().unwrap()),
            "7d"
        );
        assert_eq!(
            lifetime_text(now, "2026-06-01T05:00:00Z".parse().unwrap()),
            "5h"
        );
        let warning = week.churn_warning("a key that lives 7d is");
        assert!(warning.contains("(7d, --expiring-within)"), "{warning}");
    }

    #[test]
    fn flags_win_over_the_profile_which_wins_over_the_defaults() {
        let none = PolicyArgs::default();
        let built_in = Policy::from_parts(&none, None, None);
        assert_eq!(built_in.max_age, TimeSpan::days(90));
        assert_eq!(built_in.expiring_within, TimeSpan::days(14));
        assert_eq!(built_in.flags(), "");

        let profile = Policy::from_parts(&none, Some(TimeSpan::days(30)), Some(TimeSpan::days(7)));
        assert_eq!(profile.max_age, TimeSpan::days(30));
        assert_eq!(profile.expiring_within_from, Origin::Profile);
        assert_eq!(
            profile.flags(),
            "",
            "the profile is read again, not repeated"
        );

        let flag = PolicyArgs {
            max_age: Some(TimeSpan::days(10)),
            expiring_within: None,
        };
        let mixed = Policy::from_parts(&flag, Some(TimeSpan::days(30)), Some(TimeSpan::days(7)));
        assert_eq!(mixed.max_age, TimeSpan::days(10));
        assert_eq!(mixed.expiring_within, TimeSpan::days(7));
        assert_eq!(mixed.flags(), " --max-age 10d");
    }

    #[test]
    fn expiry_states_use_the_window() {
        let key = |expires: Option<&str>| -> ApiKey {
            serde_json::from_value(serde_json::json!({
                "id": "secret_x", "name": "k", "type": "private_key", "display_id": "sk_01***AA",
                "status": "published", "created_at": "2026-01-01T00:00:00Z", "expires_at": expires,
            }))
            .unwrap()
        };
        let now: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        let week = Policy::from_parts(&PolicyArgs::default(), None, Some(TimeSpan::days(7)));
        assert_eq!(week.expiry(&key(None), now), Expiry::Active);
        assert_eq!(
            week.expiry(&key(Some("2026-06-01T00:00:00Z")), now),
            Expiry::Expired
        );
        assert_eq!(
            week.expiry(&key(Some("2026-06-08T00:00:00Z")), now),
            Expiry::Expiring
        );
        assert_eq!(
            week.expiry(&key(Some("2026-06-09T00:00:00Z")), now),
            Expiry::Active
        );
        assert!(week.too_old(&key(None), now));
    }
}
