//! `plan` and `apply`: their arguments.

use clap::Args;

use crate::handover::OnStoreFailure;

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The manifest (TOML; `man flexprice-admin-manifest` describes it)
    #[arg(short = 'f', long = "file", value_name = "PATH", default_value = crate::manifest::DEFAULT_FILE)]
    pub file: std::path::PathBuf,

    /// Also plan to revoke the keys of the manifest's accounts that it does not declare, and to
    /// archive the accounts it declares absent
    #[arg(long)]
    pub prune: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub plan: PlanArgs,

    /// Keys worked on at once (1 to 64)
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    /// When a destination fails after minting: keep the key and leave the secret in a 0600
    /// recovery file (exit 9; the next apply delivers it), or revoke the new key
    #[arg(long, value_enum, default_value_t = OnStoreFailure::Keep, value_name = "WHAT")]
    pub on_store_failure: OnStoreFailure,
}
