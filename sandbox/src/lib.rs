//! flexprice-sandbox: a faithful local stand-in for the Flexprice API-key, user, RBAC and
//! environment endpoints (see `flexprice-api.md`, the contract read from the server's code),
//! quirks included, with fault injection, a request log and a clock override for tests.
//!
//! Start one with [`Sandbox::start`]; it serves `http://127.0.0.1:PORT/v1` until dropped.
//! Seed data: tenant `00000000-0000-0000-0000-000000000000` ("Default Tenant"), environments
//! `…0000` (Sandbox, development) and `…0001` (Production), the super_admin user
//! `admin@flexprice.dev` with a DB key bound to Sandbox, and a tenant-level config key.
//!
//! It is as strict as the real server by default, the revocation cache included (a revoked key
//! keeps working for up to [`REVOCATION_DELAY`] after it was last verified; set
//! [`SandboxOptions::revocation_delay`] to zero for immediate revocation).
//!
#![doc = include_str!("fault-grammar.md")]

mod api;
mod fault;
mod gate;
mod jwt;
mod log;
mod sandbox;
mod server;
mod state;

pub use fault::{Fault, FaultAction};
pub use log::LoggedRequest;
pub use sandbox::{KeyRecord, REVOCATION_DELAY, Sandbox, SandboxOptions, SeedKey, SeededKey};

/// The `--fault` grammar as plain text, for the binary's `--help`.
pub const FAULT_GRAMMAR: &str = include_str!("fault-grammar.md");
