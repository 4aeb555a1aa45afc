//! A small hand-written HTTP server for misbehaviour the sandbox cannot express: answers that
//! depend on the request in ways no fault rule can (a page of `limit` items whatever the
//! `offset`). One thread, one connection at a time, every answer `Connection: close`. It records
//! every request it answered; dropping it stops the thread.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A request as the handler sees it.
#[derive(Debug, Clone)]
pub(crate) struct RogueRequest {
    pub method: String,
    /// The path without the query, e.g. `/v1/secrets/api/keys`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: String,
}

impl RogueRequest {
    /// A query parameter parsed as a number (0 when absent or not a number).
    pub(crate) fn number(&self, name: &str) -> u64 {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0)
    }

    /// A field of the JSON body parsed as a number (0 when absent).
    pub(crate) fn body_number(&self, name: &str) -> u64 {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v[name].as_u64())
            .unwrap_or(0)
    }
}

/// What the handler answers.
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Bytes, so that an answer may be anything a server can send (not UTF-8, say).
    pub body: Vec<u8>,
    /// Sends only this many bytes of the body (after a `Content-Length` promising all of it),
    /// then closes: an answer cut off part-way.
    pub cut_at: Option<usize>,
}

impl Reply {
    pub(crate) fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            cut_at: None,
        }
    }

    /// The same answer, cut off after half its body.
    pub(crate) fn cut_in_half(mut self) -> Reply {
        self.cut_at = Some(self.body.len() / 2);
        self
    }
}

pub(crate) struct RogueServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<RogueRequest>>>,
    thread: Option<JoinHandle<()>>,
}

impl RogueServer {
    pub(crate) fn start(handler: impl Fn(&RogueRequest) -> Reply + Send + 'static) -> RogueServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let stop = stop.clone();
            let requests = requests.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    serve(stream, &handler, &requests);
                }
            })
        };
        RogueServer {
            addr,
            stop,
            requests,
            thread: Some(thread),
        }
    }

    pub(crate) fn api_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub(crate) fn requests(&self) -> Vec<RogueRequest> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for RogueServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request, logs it, answers it and closes the connection. Logged before the answer
/// is sent, so a test that reads the log once the client is done sees every request. Nothing
/// is logged when the peer sent nothing readable (the wake-up connection, a client that gave up).
fn serve(
    stream: TcpStream,
    handler: &impl Fn(&RogueRequest) -> Reply,
    log: &Mutex<Vec<RogueRequest>>,
) -> Option<()> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let request = RogueRequest {
        method,
        path: path.to_string(),
        query: query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), v.to_string())
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let reply = handler(&request);
    log.lock().unwrap().push(request);
    let mut head = format!(
        "HTTP/1.1 {} Rogue\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = stream;
    let _ = stream.write_all(head.as_bytes());
    let body = &reply.body;
    let _ = stream.write_all(&body[..reply.cut_at.unwrap_or(body.len()).min(body.len())]);
    let _ = stream.flush();
    Some(())
}
