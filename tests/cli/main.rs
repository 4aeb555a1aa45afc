//! End-to-end tests: the real `flexprice-admin` binary against the real sandbox, started
//! in-process on a free port. Each test gets its own sandbox and its own HOME/XDG directories,
//! and a cleared environment. Nothing here sleeps.

mod harness;
mod secret_service;

mod audit;
mod completion;
mod errors;
mod hostile;
mod install;
mod keychain;
mod keys;
mod pty;
mod read_commands;
mod rotate;
mod secrets;
mod service_accounts;
mod shell;
