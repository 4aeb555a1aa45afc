//! flexprice-admin: manage Flexprice API keys, service accounts and roles.
fn main() {}
