//! The `flexprice-sandbox` binary (placeholder until the server lands).
fn main() {}
