//! End-to-end tests: the real `flexprice-admin` binary against the real sandbox, started
//! in-process on a free port. Each test gets its own sandbox and its own HOME/XDG directories,
//! and a cleared environment. No test sleeps to let something happen: a test that must act at an
//! exact step holds the request at a sandbox gate (`hold=NAME`, `wait_held`, `release`) or waits on
//! a pipe or a process. The only waiting is the product's own (Retry-After, `--timeout`, the
//! rotation's verification backoff) and the keychain start-up's short poll for its daemons.
//!
//! One file per command (`keys_rotate.rs` for `keys rotate`, as jj's `test_<command>_command.rs`),
//! a test about several commands where its main assertion is; `global_options.rs`, `http.rs` and
//! `usage_errors.rs` for what every command shares. What a test broke, or which issue it came
//! from, is in its doc comment. The support modules: `harness` (the world, the binary, faults,
//! keys, signals), the test servers (`rogue_server`, `secret_service`) and `cron_host`; beside
//! them, `architecture` and `docs` check the source's layers and the docs' links.

// A test reads as one story, however long: tables of cases and step-by-step scenarios.
#![allow(clippy::too_many_lines)]

mod architecture;
mod cron_host;
mod docs;
mod harness;
mod rogue_server;
mod secret_service;

mod auth;
mod completion;
mod environments;
mod generate;
mod global_options;
mod help;
mod http;
mod install;
mod keychain;
mod keys_audit;
mod keys_check;
mod keys_create;
mod keys_delete;
mod keys_list;
mod keys_list_large;
mod keys_list_paging;
mod keys_rotate;
mod keys_rotate_batch;
mod keys_rotate_interrupted;
mod plan_apply;
mod plan_apply_accounts;
mod plan_apply_edge_cases;
mod profile;
mod roles;
mod service_accounts;
mod usage_errors;
mod users;
mod whoami;
