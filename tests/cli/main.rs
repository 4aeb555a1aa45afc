//! End-to-end tests: the real `flexprice-admin` binary against the real sandbox, started
//! in-process on a free port. Each test gets its own sandbox and its own HOME/XDG directories,
//! and a cleared environment. No test sleeps to let something happen: a test that must act at an
//! exact step holds the request at a sandbox gate (`hold=NAME`, `wait_held`, `release`) or waits on
//! a pipe or a process. The only waiting is the product's own (Retry-After, `--timeout`, the
//! rotation's verification backoff) and the keychain start-up's short poll for its daemons.

// A test reads as one story, however long: tables of cases and step-by-step scenarios.
#![allow(clippy::too_many_lines)]

mod harness;
mod rogue_server;
mod secret_service;

mod apply;
mod apply_attack;
mod attack;
mod audit;
mod check;
mod checks_first;
mod completion;
mod credential_input;
mod cron;
mod delivery;
mod errors;
mod findings;
mod handover;
mod handover_defects;
mod hostile;
mod incident;
mod install;
mod keychain;
mod keys;
mod limits;
mod links;
mod locks;
mod login;
mod names;
mod output_formats;
mod paging;
mod policy;
mod pty;
mod read_commands;
mod revocation;
mod rotate;
mod round_trips;
mod scope;
mod secrets;
mod server_text;
mod service_accounts;
mod shell;
mod split_listing;
mod tables;
mod tenant;
mod upstream;
mod users;
