//! A finished response before it meets hyper: status, headers and a fully built body. Keeping
//! handlers on this plain type lets the fault layer truncate or discard what they produced.

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

/// gin's JSON content type.
pub(crate) const JSON: &str = "application/json; charset=utf-8";

pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Reply {
    pub(crate) fn json<T: Serialize>(status: u16, body: &T) -> Reply {
        match serde_json::to_vec(body) {
            Ok(bytes) => Reply {
                status,
                headers: vec![("Content-Type".to_owned(), JSON.to_owned())],
                body: Bytes::from(bytes),
            },
            // Our own structs always serialize; answer like gin's Recovery if one ever does not.
            Err(_) => Reply::empty(500),
        }
    }

    /// A middleware body such as `{"error":"Unauthorized"}` (§2.2).
    pub(crate) fn value(status: u16, body: Value) -> Reply {
        Reply::json(status, &body)
    }

    pub(crate) fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// gin's default for an unmatched route.
    pub(crate) fn not_found_page() -> Reply {
        Reply {
            status: 404,
            headers: vec![("Content-Type".to_owned(), "text/plain".to_owned())],
            body: Bytes::from_static(b"404 page not found"),
        }
    }
}
