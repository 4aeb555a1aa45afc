//! flexprice-sandbox: a local stand-in for the Flexprice API (placeholder until the server lands).
