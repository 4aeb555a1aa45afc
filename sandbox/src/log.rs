//! The request log: what each request carried (with credentials redacted) and how it was answered,
//! so tests can count requests and check headers.

use hyper::HeaderMap;

/// One request as the sandbox saw it, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The status answered; for `reset` faults (nothing answered) 0. For `commit-then-reset` it is
    /// the status the handler produced before the connection was dropped.
    pub status: u16,
    /// Lower-case names. `x-api-key` is redacted to its display form (`sk_01***7Q`),
    /// `authorization` to `<scheme> ***`.
    pub headers: Vec<(String, String)>,
    /// The request body as text (lossy UTF-8).
    pub body: String,
    /// The fault that answered or altered this request, in `--fault` notation.
    pub fault: Option<String>,
}

impl LoggedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) fn redacted_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            let value = match name.as_str() {
                "x-api-key" => display_id(&value),
                "authorization" => match value.split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} ***"),
                    None => "***".to_owned(),
                },
                _ => value.into_owned(),
            };
            (name.as_str().to_owned(), value)
        })
        .collect()
}

/// First 5 characters, `***`, last 2 (`sk_01***7Q`).
pub(crate) fn display_id(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    if chars.len() < 7 {
        return "***".to_owned();
    }
    let head: String = chars[..5].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}***{tail}")
}
