//! The `keys` commands: one file per verb. What several verbs share is re-exported here.

mod audit;
mod check;
mod create;
mod delete;
pub(crate) mod everywhere;
pub(crate) mod findings;
mod list;
pub mod listing;
pub(crate) mod policy;
mod rotate;
pub mod scope;

pub use audit::run as audit;
pub use check::run as check;
pub use create::create;
pub use delete::{delete, revoke_all, revoke_all_in};
pub use list::{KEY_HEADERS, key_rows, list, owner_label, render_keys, user_labels};
pub use rotate::run as rotate;

pub use crate::api::endpoints::REVOCATION_DELAY_NOTE;

/// Before minting: each keychain entry of the plan that holds the secret of another live key of
/// the same owner is replaced only once the user says so (asked on a terminal, `--yes` off
/// one); else nothing is created (exit 2).
pub fn confirm_overwrites(
    ctx: &crate::context::Context,
    overwrites: &[crate::handover::plan::Overwrite],
) -> crate::error::CommandResult<()> {
    for overwrite in overwrites {
        let holder = &overwrite.holder;
        let question = format!(
            "The keychain entry {} holds the secret of key {} ({}), which is still active. Replace it with the \
             new key's secret (key {} keeps working, but its secret is then nowhere in the keychain)?",
            overwrite.account, holder.id, holder.name, holder.id
        );
        if !ctx.confirm(&question, "--yes")? {
            return Err(crate::error::CommandError::usage(
                "nothing was created: the keychain entry was left as it is",
            )
            .hint("revoke the old key first (`keys delete`), rotate it (`keys rotate`), or choose another name"));
        }
    }
    Ok(())
}
