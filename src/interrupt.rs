//! The one interrupt watcher: SIGINT (Ctrl-C), SIGTERM (`timeout`, systemd stop, a cancelled CI
//! job) and SIGHUP (a closed terminal). Work that must not be cut half-way (a minted secret on
//! its way to its destinations, a batch of revocations) runs inside a [`Scope`]: while the scope
//! lives, a signal is recorded and its holder decides when to stop (start nothing new, finish
//! what is in flight, report, exit with [`Signal::exit`]). Outside any scope a signal does what
//! it always does: the process ends at once, with the same exit code.
//!
//! The OS-level handler, once installed, stays for the life of the process (tokio never removes
//! it), so "outside a scope" is implemented here: the watcher exits the process itself when no
//! scope is open. No handler outlives its scope in behaviour.

use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::watch;

use crate::error::Exit;

/// A signal that asks the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
    Hangup,
}

impl Signal {
    /// 128 + the signal number, as shells report a process the signal ended: 130, 143, 129.
    pub fn exit(self) -> Exit {
        match self {
            Signal::Interrupt => Exit::Interrupted,
            Signal::Terminate => Exit::Terminated,
            Signal::Hangup => Exit::HungUp,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
            Signal::Hangup => "SIGHUP",
        }
    }

    /// What happened, as messages begin: "interrupted", "terminated", "hung up".
    pub fn verb(self) -> &'static str {
        match self {
            Signal::Interrupt => "interrupted",
            Signal::Terminate => "terminated",
            Signal::Hangup => "hung up",
        }
    }

    /// "interrupted (SIGINT)".
    pub fn describe(self) -> String {
        format!("{} ({})", self.verb(), self.name())
    }
}

/// What a scope has received: the first signal, and how many arrived.
#[derive(Debug, Clone, Copy, Default)]
pub struct Received {
    pub first: Option<Signal>,
    pub count: u32,
}

/// The process-wide watcher: the scope open now, if any.
struct Watcher {
    open: Mutex<Option<OpenScope>>,
}

/// What a scope says when its first signal arrives, and how: a line on the command's stderr.
pub struct Notice {
    pub text: String,
    /// Writes a warning line (the command's printer, which the watcher cannot hold).
    pub say: Arc<dyn Fn(&str) + Send + Sync>,
}

/// The scope open now: where signals go, and what to say when the first one arrives.
struct OpenScope {
    sender: Arc<watch::Sender<Received>>,
    notice: Option<Notice>,
}

static WATCHER: OnceLock<Watcher> = OnceLock::new();

/// Signals are held while this lives; dropped, they end the process again.
pub struct Scope {
    sender: Arc<watch::Sender<Received>>,
    receiver: watch::Receiver<Received>,
}

impl Scope {
    /// Opens a scope (installing the watcher on first use). Must run inside the tokio runtime.
    /// One scope at a time: a command opens it once, before its first change to the world.
    /// `notice`, if given, is said on stderr as soon as the first signal arrives (e.g.
    /// "finishing the key's hand-over before stopping"), so the user knows it was heard.
    pub fn open(notice: Option<Notice>) -> Scope {
        let watcher = WATCHER.get_or_init(|| {
            listen();
            Watcher {
                open: Mutex::new(None),
            }
        });
        let (sender, receiver) = watch::channel(Received::default());
        let sender = Arc::new(sender);
        *watcher.open.lock().unwrap_or_else(|e| e.into_inner()) = Some(OpenScope {
            sender: sender.clone(),
            notice,
        });
        Scope { sender, receiver }
    }

    /// Says nothing more when a signal arrives (the work the notice spoke of is done).
    pub fn silence(&self) {
        if let Some(watcher) = WATCHER.get() {
            let mut open = watcher.open.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(scope) = open.as_mut()
                && Arc::ptr_eq(&scope.sender, &self.sender)
            {
                scope.notice = None;
            }
        }
    }

    /// The first signal received in this scope, if any.
    pub fn signal(&self) -> Option<Signal> {
        self.receiver.borrow().first
    }

    pub fn received(&self) -> Received {
        *self.receiver.borrow()
    }

    /// Waits until more than `seen` signals have arrived; returns what was received.
    pub async fn after(&self, seen: u32) -> Received {
        let mut receiver = self.receiver.clone();
        match receiver.wait_for(|r| r.count > seen).await {
            Ok(received) => *received,
            // The sender lives as long as the scope: unreachable, but never wake spuriously.
            Err(_) => std::future::pending().await,
        }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        if let Some(watcher) = WATCHER.get() {
            let mut open = watcher.open.lock().unwrap_or_else(|e| e.into_inner());
            if open
                .as_ref()
                .is_some_and(|s| Arc::ptr_eq(&s.sender, &self.sender))
            {
                *open = None;
            }
        }
    }
}

/// A signal arrived: recorded in the open scope, or the process ends as it would have without
/// a handler (with the conventional code, so `$?` says which signal).
fn deliver(signal: Signal) {
    let Some(watcher) = WATCHER.get() else {
        return;
    };
    let open = watcher.open.lock().unwrap_or_else(|e| e.into_inner());
    match open.as_ref() {
        Some(scope) => {
            let mut first = false;
            scope.sender.send_modify(|r| {
                first = r.first.is_none();
                r.first.get_or_insert(signal);
                r.count += 1;
            });
            if first && let Some(notice) = &scope.notice {
                // Said after the signal is recorded: whoever reads it knows the command will
                // stop with the signal's code once its work is done.
                (notice.say)(&format!("{}: {}", signal.describe(), notice.text));
            }
        }
        None => std::process::exit(i32::from(signal.exit().code())),
    }
}

#[cfg(unix)]
fn listen() {
    use tokio::signal::unix::{SignalKind, signal};
    for (kind, which) in [
        (SignalKind::interrupt(), Signal::Interrupt),
        (SignalKind::terminate(), Signal::Terminate),
        (SignalKind::hangup(), Signal::Hangup),
    ] {
        let Ok(mut stream) = signal(kind) else {
            continue;
        };
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                deliver(which);
            }
        });
    }
}

/// Windows has no signals: Ctrl-C and Ctrl-Break are [`Signal::Interrupt`], and the console
/// closing, a log-off or a shutdown are [`Signal::Hangup`] (see [`crate::platform`]).
#[cfg(windows)]
fn listen() {
    use tokio::signal::windows;
    macro_rules! watch {
        ($make:path, $which:expr) => {
            if let Ok(mut stream) = $make() {
                tokio::spawn(async move {
                    while stream.recv().await.is_some() {
                        deliver($which);
                    }
                });
            }
        };
    }
    watch!(windows::ctrl_c, Signal::Interrupt);
    watch!(windows::ctrl_break, Signal::Interrupt);
    watch!(windows::ctrl_close, Signal::Hangup);
    watch!(windows::ctrl_logoff, Signal::Hangup);
    watch!(windows::ctrl_shutdown, Signal::Hangup);
}

#[cfg(not(any(unix, windows)))]
fn listen() {
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            deliver(Signal::Interrupt);
        }
    });
}
