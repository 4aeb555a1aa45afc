//! The operations on the tenant that mint, move or end secrets, as a layer the commands (and
//! `apply`) call: each takes plain values (a client, a plan, a journal; never the command line
//! or the whole context) and returns a typed report of what happened to every key and where
//! every secret went. The commands parse, confirm, call and render.

pub(crate) mod account;
pub(crate) mod mint;
pub(crate) mod revoke;
pub(crate) mod rotate;
