//! How a plan reads: one line per change, with the symbols operators know from Terraform (`+`
//! create, `~` rotate, `-/+` migrate, `-` revoke or archive, `!` a destination that holds a
//! stale or foreign key), a summary line; or, with `-o json`, the same as data with a
//! `format_version`.

use jiff::Timestamp;
use serde::Serialize;

use crate::context::Context;
use crate::error::CommandResult;
use crate::manifest::diff::{Change, Diff, RevokeWhy, Why};
use crate::manifest::{Account, Key, Manifest};

/// The plan's JSON form's version: bumped only when a field changes meaning or goes.
pub(super) const FORMAT_VERSION: u32 = 1;

/// `plan`'s output: the lines on stdout (or the JSON), the notes on stderr.
pub(super) fn plan(
    ctx: &Context,
    manifest: &Manifest,
    diff: &Diff,
    now: Timestamp,
) -> CommandResult<()> {
    if ctx.out.is_json() {
        ctx.out.json(&view(manifest, diff, now))?;
    } else {
        // Key and account names are anyone's text: a line is one line, and escapes do nothing.
        ctx.out.lines(
            lines(manifest, diff, now)
                .iter()
                .map(|line| crate::output::terminal_safe(line)),
        )?;
    }
    notes(ctx, manifest, diff);
    Ok(())
}

/// `apply`'s preview of what it is about to do, on stderr (silenced by `-q`).
pub(super) fn preview(ctx: &Context, manifest: &Manifest, diff: &Diff, now: Timestamp) {
    for line in lines(manifest, diff, now) {
        ctx.out.note(line);
    }
    notes(ctx, manifest, diff);
}

fn notes(ctx: &Context, manifest: &Manifest, diff: &Diff) {
    for note in &diff.notes {
        ctx.out.note(&note.0);
    }
    let minting = diff.changes.iter().any(|c| {
        matches!(
            c,
            Change::CreateKey { .. } | Change::Rotate { .. } | Change::Migrate { .. }
        )
    });
    if minting {
        ctx.out.note(format!(
            "New keys expire {} days after their rotation and grace are over, so the server ends a key whose \
             cron stopped running.",
            crate::manifest::EXPIRY_MARGIN_DAYS
        ));
    }
    let opaque = manifest.accounts.iter().flat_map(|a| &a.keys).any(|k| {
        k.stores
            .iter()
            .any(|s| matches!(s, crate::handover::Store::Exec(_)))
    });
    if opaque {
        ctx.out.note(
            "exec: destinations cannot be read: whether they still hold their key's secret is not checked.",
        );
    }
}

/// "ingest-bot/worker \[production\]".
fn key_name(account: &Account, key: &Key) -> String {
    match &key.environment {
        Some(environment) => format!("{}/{} [{environment}]", account.name, key.name),
        None => format!("{}/{}", account.name, key.name),
    }
}

fn stores(key: &Key) -> String {
    key.stores
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The plan as lines of text, a summary last.
pub(super) fn lines(manifest: &Manifest, diff: &Diff, now: Timestamp) -> Vec<String> {
    let mut lines = Vec::new();
    let accounts = &manifest.accounts;
    for change in &diff.changes {
        match change {
            Change::CreateAccount { account } => lines.push(format!(
                "+ service_account {} (roles: {})",
                accounts[*account].name,
                accounts[*account].roles.join(", ")
            )),
            Change::Migrate {
                account, from, to, ..
            } => {
                let declared = &accounts[*account];
                let old: Vec<String> = from
                    .iter()
                    .map(|u| format!("{} (roles: {})", u.id, u.roles.join(", ")))
                    .collect();
                let new = match to {
                    Some(to) => format!("the new account {} exists", to.id),
                    None => format!("a new account with roles {}", declared.roles.join(", ")),
                };
                let when = if declared.keys.iter().any(|k| k.grace.is_some()) {
                    "once their grace is over, "
                } else {
                    ""
                };
                lines.push(format!(
                    "-/+ service_account {}: roles changed: {new}; its keys minted into the same destinations, \
                     then {when}{} revoked and archived",
                    declared.name,
                    old.join(", ")
                ));
            }
            Change::CreateKey { account, key } => {
                let (a, k) = (&accounts[*account], &accounts[*account].keys[*key]);
                lines.push(format!("+ key {} -> {}", key_name(a, k), stores(k)));
            }
            Change::Rotate {
                account,
                key,
                old,
                why,
            } => {
                let (a, k) = (&accounts[*account], &accounts[*account].keys[*key]);
                let reasons: Vec<String> = why.iter().map(|w| w.text(k, now)).collect();
                lines.push(format!(
                    "~ key {} ({}): rotate ({}) -> {}",
                    key_name(a, k),
                    old.id,
                    reasons.join("; "),
                    stores(k)
                ));
                for w in why {
                    if let Why::Drift { destination, holds } = w {
                        lines.push(format!("! {destination} holds {holds}"));
                    }
                }
            }
            Change::Finish { account, key, live } => {
                let (a, k) = (&accounts[*account], &accounts[*account].keys[*key]);
                lines.push(format!(
                    "~ key {} ({}): deliver its secret from the recovery file an earlier apply left -> {}",
                    key_name(a, k),
                    live.id,
                    stores(k)
                ));
            }
            Change::Revoke { key, why } => lines.push(match why {
                RevokeWhy::Predecessor { successor } => format!(
                    "- key {} ({}): revoke (replaced by {successor}; its grace is over)",
                    key.id, key.name
                ),
                RevokeWhy::Undeclared => format!(
                    "- key {} ({}) of {}: revoke (not in the manifest)",
                    key.id,
                    key.name,
                    key.service_account_name.as_deref().unwrap_or("its account")
                ),
            }),
            Change::Archive { account, keys } => lines.push(format!(
                "- service_account {} ({}): revoke {} key(s) and archive (declared absent)",
                account.label(),
                account.id,
                keys.len()
            )),
        }
    }
    let count = Count::of(diff);
    lines.push(if count.total() == 0 {
        "No changes: the tenant matches the manifest.".to_string()
    } else {
        format!(
            "Plan: {} to create, {} to rotate, {} to migrate, {} to revoke, {} to archive.",
            count.create, count.rotate, count.migrate, count.revoke, count.archive
        )
    });
    lines
}

/// How many changes of each kind.
#[derive(Debug, Default, Serialize, Clone, Copy, PartialEq, Eq)]
pub(super) struct Count {
    pub create: usize,
    pub rotate: usize,
    pub migrate: usize,
    pub revoke: usize,
    pub archive: usize,
}

impl Count {
    pub(super) fn of(diff: &Diff) -> Count {
        let mut count = Count::default();
        for change in &diff.changes {
            match change {
                Change::CreateAccount { .. } | Change::CreateKey { .. } => count.create += 1,
                Change::Rotate { .. } | Change::Finish { .. } => count.rotate += 1,
                Change::Migrate { .. } => count.migrate += 1,
                Change::Revoke { .. } => count.revoke += 1,
                Change::Archive { .. } => count.archive += 1,
            }
        }
        count
    }

    pub(super) fn total(&self) -> usize {
        self.create + self.rotate + self.migrate + self.revoke + self.archive
    }
}

/// `plan -o json`.
#[derive(Serialize)]
pub(super) struct PlanJson {
    pub format_version: u32,
    pub manifest: String,
    pub changes: Vec<ChangeJson>,
    pub notes: Vec<String>,
    pub summary: Count,
}

/// One change as data. `action`: create, rotate, finish, migrate, revoke, archive; `type`:
/// service_account or key.
#[derive(Serialize, Clone)]
pub(super) struct ChangeJson {
    pub action: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The declared account's name (or the live account's, for an archive).
    pub account: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The live key or account the change acts on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub store: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Why>,
    /// Why a key is revoked: `predecessor` or `undeclared`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke_reason: Option<&'static str>,
    /// The keys a migration or an archive revokes, and the accounts a migration archives.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revokes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub archives: Vec<String>,
}

impl ChangeJson {
    fn new(action: &'static str, kind: &'static str, account: String) -> ChangeJson {
        ChangeJson {
            action,
            kind,
            account,
            key: None,
            environment: None,
            id: None,
            roles: Vec::new(),
            store: Vec::new(),
            reasons: Vec::new(),
            revoke_reason: None,
            revokes: Vec::new(),
            archives: Vec::new(),
        }
    }

    fn for_key(action: &'static str, account: &Account, key: &Key) -> ChangeJson {
        ChangeJson {
            key: Some(key.name.clone()),
            environment: key.environment.clone(),
            store: key.stores.iter().map(ToString::to_string).collect(),
            ..ChangeJson::new(action, "key", account.name.clone())
        }
    }

    /// The change as data.
    pub(super) fn of(manifest: &Manifest, change: &Change) -> ChangeJson {
        let accounts = &manifest.accounts;
        match change {
            Change::CreateAccount { account } => ChangeJson {
                roles: accounts[*account].roles.clone(),
                ..ChangeJson::new("create", "service_account", accounts[*account].name.clone())
            },
            Change::Migrate {
                account,
                from,
                from_keys,
                to,
            } => ChangeJson {
                id: to.as_ref().map(|u| u.id.clone()),
                roles: accounts[*account].roles.clone(),
                revokes: from_keys.iter().map(|k| k.id.clone()).collect(),
                archives: from.iter().map(|u| u.id.clone()).collect(),
                ..ChangeJson::new(
                    "migrate",
                    "service_account",
                    accounts[*account].name.clone(),
                )
            },
            Change::CreateKey { account, key } => ChangeJson::for_key(
                "create",
                &accounts[*account],
                &accounts[*account].keys[*key],
            ),
            Change::Rotate {
                account,
                key,
                old,
                why,
            } => ChangeJson {
                id: Some(old.id.clone()),
                reasons: why.clone(),
                ..ChangeJson::for_key(
                    "rotate",
                    &accounts[*account],
                    &accounts[*account].keys[*key],
                )
            },
            Change::Finish { account, key, live } => ChangeJson {
                id: Some(live.id.clone()),
                ..ChangeJson::for_key(
                    "finish",
                    &accounts[*account],
                    &accounts[*account].keys[*key],
                )
            },
            Change::Revoke { key, why } => ChangeJson {
                key: Some(key.name.clone()),
                id: Some(key.id.clone()),
                revoke_reason: Some(match why {
                    RevokeWhy::Predecessor { .. } => "predecessor",
                    RevokeWhy::Undeclared => "undeclared",
                }),
                ..ChangeJson::new(
                    "revoke",
                    "key",
                    key.service_account_name
                        .clone()
                        .or_else(|| key.user_id.clone())
                        .unwrap_or_default(),
                )
            },
            Change::Archive { account, keys } => ChangeJson {
                id: Some(account.id.clone()),
                revokes: keys.iter().map(|k| k.id.clone()).collect(),
                ..ChangeJson::new("archive", "service_account", account.label().to_string())
            },
        }
    }
}

/// The plan as data.
pub(super) fn view(manifest: &Manifest, diff: &Diff, _now: Timestamp) -> PlanJson {
    PlanJson {
        format_version: FORMAT_VERSION,
        manifest: manifest.path.display().to_string(),
        changes: diff
            .changes
            .iter()
            .map(|c| ChangeJson::of(manifest, c))
            .collect(),
        notes: diff.notes.iter().map(|n| n.0.clone()).collect(),
        summary: Count::of(diff),
    }
}
