//! The transport: our own accept loop over hyper's HTTP/1 connections (so a fault can drop a
//! connection with a TCP reset, which a handler cannot do), the fault layer, the request log and
//! the response body type (a buffered body or a streamed huge one).

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use socket2::SockRef;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};

use crate::api::{self, reply::Reply};
use crate::fault::{Fault, FaultAction};
use crate::log::{LoggedRequest, redacted_headers};
use crate::state::{Shared, new_ulid};

/// Accepts connections until `shutdown` fires (or its sender is dropped).
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(stream, shared.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    // Keep a second handle on the socket so a reset can set SO_LINGER=0 and be the last close,
    // which makes the kernel send RST instead of FIN.
    let Ok(std_stream) = stream.into_std() else {
        return;
    };
    let Ok(guard) = std_stream.try_clone() else {
        return;
    };
    let Ok(stream) = TcpStream::from_std(std_stream) else {
        return;
    };
    let reset = Arc::new(Notify::new());
    let service_reset = reset.clone();
    let service = service_fn(move |req| {
        let shared = shared.clone();
        let reset = service_reset.clone();
        async move { Ok::<_, Infallible>(respond(shared, reset, req).await) }
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        _ = reset.notified() => {
            let _ = SockRef::from(&guard).set_linger(Some(Duration::ZERO));
        }
    }
    drop(guard);
}

/// What a canned answer's `{credential}` stands for.
const CREDENTIAL_PLACEHOLDER: &str = "{credential}";

/// The credential a request carried: its `x-api-key`, else its bearer token.
fn request_credential(headers: &hyper::HeaderMap) -> String {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    text("x-api-key")
        .or_else(|| text("authorization").and_then(|v| v.strip_prefix("Bearer ")))
        .unwrap_or_default()
        .to_owned()
}

/// Removes one use from the first matching fault and returns a copy of it.
fn take_fault(shared: &Shared, method: &str, path: &str) -> Option<Fault> {
    let mut faults = shared.faults.lock();
    let i = faults.iter().position(|f| f.matches(method, path))?;
    let fault = faults[i].clone();
    if let Some(n) = &mut faults[i].times {
        *n = n.saturating_sub(1);
        if *n == 0 {
            faults.remove(i);
        }
    }
    Some(fault)
}

/// The request as the API reads it, and its entry in the request log (status to be filled in).
async fn read_request(req: hyper::Request<Incoming>) -> (api::Request, LoggedRequest) {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let request = api::Request {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    };
    let entry = LoggedRequest {
        method: request.method.clone(),
        path: request.path.clone(),
        query: request.query.clone(),
        status: 0,
        headers: redacted_headers(&request.headers),
        body: String::from_utf8_lossy(&request.body).into_owned(),
        fault: None,
    };
    (request, entry)
}

async fn respond(
    shared: Arc<Shared>,
    reset: Arc<Notify>,
    req: hyper::Request<Incoming>,
) -> Response<OutBody> {
    let (request, mut entry) = read_request(req).await;
    let fault = take_fault(&shared, &request.method, &request.path);
    entry.fault = fault.as_ref().map(|f| f.action.to_string());
    let request_id = request
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map_or_else(new_ulid, str::to_owned);
    let handled = |shared: &Shared| api::handle(shared, &request);

    let response = match fault.map(|f| f.action) {
        None => build(handled(&shared), OutBody::full),
        Some(FaultAction::Delay(d)) => {
            tokio::time::sleep(d).await;
            build(handled(&shared), OutBody::full)
        }
        Some(FaultAction::Hold(gate)) => {
            shared.gates.pass(&gate).await;
            build(handled(&shared), OutBody::full)
        }
        Some(FaultAction::Respond {
            status,
            content_type,
            body,
            headers,
        }) => {
            let mut all = Vec::new();
            if let Some(ct) = content_type {
                all.push(("Content-Type".to_owned(), ct));
            }
            // A server or proxy that quotes the caller's credential back: `{credential}` in
            // the body or a header value stands for the request's own key or token.
            let credential = request_credential(&request.headers);
            let quote = |text: String| text.replace(CREDENTIAL_PLACEHOLDER, &credential);
            all.extend(headers.into_iter().map(|(n, v)| (n, quote(v))));
            build(
                Reply {
                    status,
                    headers: all,
                    body: Bytes::from(quote(body)),
                },
                OutBody::full,
            )
        }
        Some(FaultAction::Truncate) => {
            let mut reply = handled(&shared);
            reply.body = reply.body.slice(..reply.body.len() / 2);
            build(reply, OutBody::full)
        }
        Some(FaultAction::Reset) => {
            shared.log.lock().push(entry);
            reset.notify_one();
            return std::future::pending().await;
        }
        Some(FaultAction::CommitThenReset) => {
            entry.status = handled(&shared).status;
            shared.log.lock().push(entry);
            reset.notify_one();
            return std::future::pending().await;
        }
        Some(FaultAction::CommitThenHold(gate)) => {
            let reply = handled(&shared);
            shared.gates.pass(&gate).await;
            build(reply, OutBody::full)
        }
        Some(FaultAction::CommitThenHuge { bytes }) => {
            let handled = handled(&shared);
            build(
                Reply {
                    status: handled.status,
                    headers: vec![(
                        "Content-Type".to_owned(),
                        crate::api::reply::JSON.to_owned(),
                    )],
                    body: Bytes::new(),
                },
                |_| OutBody::huge(bytes),
            )
        }
        Some(FaultAction::Redirect { location, status }) => build(
            Reply {
                status,
                headers: vec![("Location".to_owned(), location)],
                body: Bytes::new(),
            },
            OutBody::full,
        ),
        Some(FaultAction::HugeBody { bytes }) => build(
            Reply {
                status: 200,
                headers: vec![(
                    "Content-Type".to_owned(),
                    crate::api::reply::JSON.to_owned(),
                )],
                body: Bytes::new(),
            },
            |_| OutBody::huge(bytes),
        ),
    };
    let mut response = response;
    // Every answer carries the request ID, injected ones too, so a client can always report it;
    // a fault that sets its own (`header=X-Request-ID:…`, a server echoing something it should
    // not) keeps it.
    if !response.headers().contains_key("x-request-id")
        && let Ok(v) = hyper::header::HeaderValue::from_str(&request_id)
    {
        response.headers_mut().insert("x-request-id", v);
    }
    entry.status = response.status().as_u16();
    shared.log.lock().push(entry);
    response
}

fn build(reply: Reply, body: impl FnOnce(Bytes) -> OutBody) -> Response<OutBody> {
    let mut response = Response::new(body(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(&value),
        ) {
            headers.append(n, v);
        }
    }
    response
}

const CHUNK: usize = 64 * 1024;
static FILLER: [u8; CHUNK] = [b'a'; CHUNK];

/// A response body: buffered, or a generated JSON document of an exact length that is streamed
/// in 64 KiB chunks so a 32 MB answer costs no 32 MB buffer.
pub(crate) enum OutBody {
    Full(Option<Bytes>),
    Huge {
        /// Bytes still to send, counting the closing `"}`.
        remaining: usize,
        total: usize,
        started: bool,
    },
}

impl OutBody {
    fn full(bytes: Bytes) -> OutBody {
        OutBody::Full((!bytes.is_empty()).then_some(bytes))
    }

    fn huge(bytes: usize) -> OutBody {
        OutBody::Huge {
            remaining: bytes,
            total: bytes,
            started: false,
        }
    }
}

impl Body for OutBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            OutBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            OutBody::Huge {
                remaining,
                total,
                started,
            } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                // `{"data":"aaaa…"}`; sizes too small for that are padded with spaces.
                const HEAD: &[u8] = b"{\"data\":\"";
                const TAIL: &[u8] = b"\"}";
                let chunk = if *total < HEAD.len() + TAIL.len() {
                    let n = *remaining;
                    Bytes::from(vec![b' '; n])
                } else if !*started {
                    *started = true;
                    Bytes::from_static(HEAD)
                } else if *remaining <= TAIL.len() {
                    Bytes::from_static(&TAIL[TAIL.len() - *remaining..])
                } else {
                    let n = (*remaining - TAIL.len()).min(CHUNK);
                    Bytes::from_static(&FILLER[..n])
                };
                *remaining -= chunk.len();
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            OutBody::Full(b) => b.is_none(),
            OutBody::Huge { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            OutBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            OutBody::Huge { remaining, .. } => SizeHint::with_exact(*remaining as u64),
        }
    }
}
