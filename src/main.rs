//! flexprice-admin: manage Flexprice API keys, service accounts and roles.
//!
//! Thin on purpose: everything lives in the library (`src/lib.rs`).

fn main() -> std::process::ExitCode {
    flexprice_admin::main()
}
