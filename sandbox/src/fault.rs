//! Fault injection: which requests a fault matches, what it does to them, and the `--fault`
//! grammar that builds one from text. The server applies faults in `server.rs`.

use std::fmt;
use std::time::Duration;

use anyhow::{Context, bail};

/// A fault rule. The first rule (in insertion order) that matches a request answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// HTTP method to match (case-insensitive); `None` matches any method.
    pub method: Option<String>,
    /// Exact request path (`/v1/secrets/api/keys`), or a prefix ending in `*` (`/v1/secrets/*`);
    /// a lone `*` matches every path.
    pub path: String,
    /// What to do with a matching request.
    pub action: FaultAction,
    /// `Some(n)`: only the next `n` matching requests; `None`: every matching request.
    pub times: Option<u32>,
}

/// What a fault does to a matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer without handling (no state change).
    Respond {
        status: u16,
        content_type: Option<String>,
        body: String,
        headers: Vec<(String, String)>,
    },
    /// Wait, then handle normally.
    Delay(Duration),
    /// Wait at the named gate until the test opens it (`Sandbox::release`), then handle
    /// normally. `Sandbox::wait_held` tells the test when a request has arrived there.
    Hold(String),
    /// Handle normally (state changes commit), then send only the first half of the body, with a
    /// `Content-Length` that matches what is sent.
    Truncate,
    /// Drop the connection with a TCP reset before handling (no state change).
    Reset,
    /// Handle and commit, then drop the connection with a TCP reset without answering.
    CommitThenReset,
    /// Handle and commit, then wait at the named gate before answering: the change is made and
    /// the client still waits for its answer (`Sandbox::wait_held` / `Sandbox::release`).
    CommitThenHold(String),
    /// Handle and commit, then answer with the handler's status and a streamed body exactly
    /// `bytes` long instead of the handler's: an answer that ran away after the change was made.
    CommitThenHuge { bytes: usize },
    /// Answer with a redirect to `location` without handling.
    Redirect { location: String, status: u16 },
    /// Answer 200 `application/json` with a streamed body exactly `bytes` long, without handling.
    HugeBody { bytes: usize },
}

fn code_for_status(status: u16) -> &'static str {
    match status {
        400 => "validation_error",
        403 => "permission_denied",
        404 => "not_found",
        409 => "already_exists",
        429 => "too_many_requests",
        501 => "not_implemented",
        503 => "service_unavailable",
        _ => "internal_error",
    }
}

impl FaultAction {
    /// 429 in the standard error shape with `Retry-After: <secs>`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let FaultAction::Respond {
            status,
            content_type,
            body,
            ..
        } = Self::status(429)
        else {
            unreachable!("status() always builds Respond")
        };
        FaultAction::Respond {
            status,
            content_type,
            body,
            headers: vec![("Retry-After".to_owned(), retry_after_secs.to_string())],
        }
    }

    /// A 502 HTML page, as a reverse proxy in front of the API would send.
    pub fn html_502() -> Self {
        FaultAction::Respond {
            status: 502,
            content_type: Some("text/html".to_owned()),
            body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n".to_owned(),
            headers: Vec::new(),
        }
    }

    /// 500 with an empty body and no content type (what a Go panic gives).
    pub fn empty_500() -> Self {
        FaultAction::Respond {
            status: 500,
            content_type: None,
            body: String::new(),
            headers: Vec::new(),
        }
    }

    /// `code` with a body in the standard error shape (§2.1) and the code the status maps to.
    pub fn status(code: u16) -> Self {
        let body = serde_json::json!({
            "code": code_for_status(code),
            "message": "Injected fault",
            "http_status_code": code,
        });
        FaultAction::Respond {
            status: code,
            content_type: Some("application/json; charset=utf-8".to_owned()),
            body: body.to_string(),
            headers: Vec::new(),
        }
    }
}

impl fmt::Display for FaultAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultAction::Respond { status, .. } => write!(f, "status={status}"),
            FaultAction::Delay(d) => write!(f, "delay={}ms", d.as_millis()),
            FaultAction::Hold(gate) => write!(f, "hold={gate}"),
            FaultAction::Truncate => f.write_str("truncate"),
            FaultAction::Reset => f.write_str("reset"),
            FaultAction::CommitThenReset => f.write_str("commit-then-reset"),
            FaultAction::CommitThenHold(gate) => write!(f, "commit-then-hold={gate}"),
            FaultAction::CommitThenHuge { bytes } => write!(f, "commit-then-huge={bytes}"),
            FaultAction::Redirect { location, status } => {
                write!(f, "redirect={location} redirect-status={status}")
            }
            FaultAction::HugeBody { bytes } => write!(f, "huge={bytes}"),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.method.as_deref().unwrap_or("*"),
            self.path,
            self.action
        )?;
        if let Some(n) = self.times {
            write!(f, " times={n}")?;
        }
        Ok(())
    }
}

fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let (num, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "ms"),
    };
    let n: u64 = num
        .parse()
        .with_context(|| format!("bad duration {text:?}: expected e.g. 250ms or 3s"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        _ => bail!("bad duration unit in {text:?}: use ms or s"),
    }
}

impl Fault {
    /// A fault on `method` (`None` = any) and `path` that applies to every matching request.
    pub fn new(method: Option<&str>, path: &str, action: FaultAction) -> Fault {
        Fault {
            method: method.map(|m| m.to_ascii_uppercase()),
            path: path.to_owned(),
            action,
            times: None,
        }
    }

    /// Limits the fault to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Fault {
        self.times = Some(n);
        self
    }

    /// Whether this fault applies to a request with `method` and `path`.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if let Some(m) = &self.method
            && !m.eq_ignore_ascii_case(method)
        {
            return false;
        }
        match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => self.path == path,
        }
    }

    /// Parses the `--fault` grammar (see the crate documentation):
    ///
    /// `[METHOD] PATH ACTION [OPTION]... [times=N] [body=TEXT...]`
    #[expect(
        clippy::too_many_lines,
        reason = "one flat match over the grammar's words reads best whole"
    )]
    pub fn parse(spec: &str) -> anyhow::Result<Fault> {
        // `body=` swallows the rest of the spec so bodies may contain spaces.
        let (head, body) = match spec.find("body=") {
            Some(i) => (&spec[..i], Some(spec[i + "body=".len()..].to_owned())),
            None => (spec, None),
        };
        let mut tokens = head.split_whitespace().peekable();
        let first = tokens.next().context("empty fault spec")?;
        let (method, path) = if first.starts_with('/') {
            (None, first.to_owned())
        } else {
            let path = tokens
                .next()
                .with_context(|| format!("fault spec {spec:?}: expected a path after {first:?}"))?;
            let method = if first == "*" {
                None
            } else if first.chars().all(|c| c.is_ascii_alphabetic()) {
                Some(first.to_ascii_uppercase())
            } else {
                bail!("fault spec {spec:?}: {first:?} is not an HTTP method or '*'");
            };
            (method, path.to_owned())
        };
        if !(path.starts_with('/') || path == "*") {
            bail!("fault spec {spec:?}: the path must start with '/' (or be '*')");
        }

        let mut action: Option<FaultAction> = None;
        let mut status: Option<u16> = None;
        let mut times = None;
        let mut retry_after: Option<u64> = None;
        let mut content_type: Option<String> = None;
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut redirect_status: Option<u16> = None;
        let set = |a: FaultAction, action: &mut Option<FaultAction>| -> anyhow::Result<()> {
            if action.replace(a).is_some() {
                bail!("fault spec {spec:?}: more than one action");
            }
            Ok(())
        };
        for tok in tokens {
            let (key, value) = match tok.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (tok, None),
            };
            let need = || value.with_context(|| format!("fault spec {spec:?}: {key} needs =VALUE"));
            match key {
                "status" => {
                    status = Some(need()?.parse().context("status must be a number")?);
                }
                "retry-after" => {
                    retry_after = Some(need()?.parse().context("retry-after must be seconds")?)
                }
                "content-type" => content_type = Some(need()?.to_owned()),
                "header" => {
                    let (n, v) = need()?
                        .split_once(':')
                        .context("header must be NAME:VALUE")?;
                    headers.push((n.to_owned(), v.to_owned()));
                }
                "times" => times = Some(need()?.parse().context("times must be a number")?),
                "html502" => set(FaultAction::html_502(), &mut action)?,
                "empty500" => set(FaultAction::empty_500(), &mut action)?,
                "truncate" => set(FaultAction::Truncate, &mut action)?,
                "reset" => set(FaultAction::Reset, &mut action)?,
                "commit-then-reset" => set(FaultAction::CommitThenReset, &mut action)?,
                "delay" => set(FaultAction::Delay(parse_duration(need()?)?), &mut action)?,
                "hold" => set(FaultAction::Hold(need()?.to_owned()), &mut action)?,
                "commit-then-hold" => {
                    set(FaultAction::CommitThenHold(need()?.to_owned()), &mut action)?
                }
                "commit-then-huge" => set(
                    FaultAction::CommitThenHuge {
                        bytes: need()?
                            .parse()
                            .context("commit-then-huge must be a byte count")?,
                    },
                    &mut action,
                )?,
                "huge" => set(
                    FaultAction::HugeBody {
                        bytes: need()?.parse().context("huge must be a byte count")?,
                    },
                    &mut action,
                )?,
                "redirect" => set(
                    FaultAction::Redirect {
                        location: need()?.to_owned(),
                        status: 307,
                    },
                    &mut action,
                )?,
                "redirect-status" => {
                    redirect_status = Some(
                        need()?
                            .parse()
                            .context("redirect-status must be a number")?,
                    )
                }
                other => bail!("fault spec {spec:?}: unknown word {other:?}"),
            }
        }

        let action = match (action, status) {
            (Some(_), Some(_)) => bail!("fault spec {spec:?}: more than one action"),
            (Some(FaultAction::Redirect { location, status }), None) => FaultAction::Redirect {
                location,
                status: redirect_status.unwrap_or(status),
            },
            (Some(a), None) => a,
            (None, Some(code)) => {
                let mut a = match (code, retry_after) {
                    (429, Some(secs)) => FaultAction::rate_limited(secs),
                    _ => FaultAction::status(code),
                };
                if let FaultAction::Respond {
                    body: b,
                    content_type: ct,
                    headers: h,
                    ..
                } = &mut a
                {
                    if let (Some(secs), true) = (retry_after, code != 429) {
                        h.push(("Retry-After".to_owned(), secs.to_string()));
                    }
                    if let Some(text) = &body {
                        *b = text.clone();
                    }
                    if content_type.is_some() {
                        *ct = content_type.clone();
                    }
                    h.extend(headers.iter().cloned());
                }
                a
            }
            (None, None) => bail!(
                "fault spec {spec:?}: no action (status=N, html502, empty500, delay=D, truncate, reset, commit-then-reset, commit-then-hold=NAME, commit-then-huge=N, redirect=URL, huge=N)"
            ),
        };
        Ok(Fault {
            method,
            path,
            action,
            times,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_examples() -> anyhow::Result<()> {
        let f = Fault::parse("POST /v1/secrets/api/keys status=500 times=1")?;
        assert_eq!(f.method.as_deref(), Some("POST"));
        assert_eq!(f.times, Some(1));
        assert!(matches!(f.action, FaultAction::Respond { status: 500, .. }));

        let f = Fault::parse("DELETE /v1/secrets/api/keys/* reset")?;
        assert!(f.matches("DELETE", "/v1/secrets/api/keys/secret_1"));
        assert!(!f.matches("GET", "/v1/secrets/api/keys/secret_1"));

        let f = Fault::parse("GET /v1/users/me delay=3000ms")?;
        assert_eq!(f.action, FaultAction::Delay(Duration::from_secs(3)));

        let f = Fault::parse("* /v1/* status=429 retry-after=1")?;
        assert_eq!(f.method, None);
        assert_eq!(f.action, FaultAction::rate_limited(1));

        let f = Fault::parse("/v1/health status=503 body=down for maintenance")?;
        let FaultAction::Respond { body, .. } = f.action else {
            panic!("expected Respond")
        };
        assert_eq!(body, "down for maintenance");

        assert_eq!(Fault::parse("* * html502")?.action, FaultAction::html_502());
        assert_eq!(
            Fault::parse("GET /x redirect=http://localhost:1/x redirect-status=302")?.action,
            FaultAction::Redirect {
                location: "http://localhost:1/x".into(),
                status: 302
            }
        );
        assert_eq!(
            Fault::parse("POST /x hold=create")?.action,
            FaultAction::Hold("create".into())
        );
        assert!(Fault::parse("POST /x hold").is_err());
        assert_eq!(
            Fault::parse("DELETE /x/* commit-then-hold=last")?.action,
            FaultAction::CommitThenHold("last".into())
        );
        assert_eq!(
            Fault::parse("POST /x commit-then-huge=33554433")?.action,
            FaultAction::CommitThenHuge { bytes: 33_554_433 }
        );
        assert!(Fault::parse("POST /x commit-then-huge=lots").is_err());
        assert!(Fault::parse("GET /x").is_err());
        assert!(Fault::parse("GET /x reset truncate").is_err());
        assert!(Fault::parse("GET x reset").is_err());
        assert!(Fault::parse("GET /x bogus").is_err());
        Ok(())
    }
}
