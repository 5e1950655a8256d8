//! Shared helpers for the bridge test suites.
//!
//! Every wait in these tests has a deadline, so a deadlock fails the test instead of hanging CI.
#![deny(missing_docs)]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How long any single test scenario may take before it counts as a deadlock.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Awaits `future`, panicking if it does not finish within [`DEADLINE`].
pub async fn deadline<F: Future>(future: F) -> F::Output {
    match tokio::time::timeout(DEADLINE, future).await {
        Ok(output) => output,
        Err(_) => panic!("did not finish within {DEADLINE:?}: deadlock?"),
    }
}

/// Runs `f` on a new thread and returns its result, panicking if it takes longer than
/// [`DEADLINE`]. A panic inside `f` is re-raised here with its payload.
pub fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(()) => unreachable!("the worker sends before it returns"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("did not finish within {DEADLINE:?}: deadlock?")
        }
    }
}

/// Polls `condition` every millisecond until it holds, panicking after [`DEADLINE`].
pub fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !condition() {
        assert!(start.elapsed() < DEADLINE, "waited {DEADLINE:?} for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Counts calls in flight and remembers the highest count seen.
#[derive(Debug, Default)]
pub struct InFlight {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl InFlight {
    /// A new gauge at zero.
    pub const fn new() -> Self {
        InFlight {
            now: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// Marks one call as running until the returned guard is dropped.
    pub fn enter(&self) -> impl Drop + '_ {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Leave(self)
    }

    /// Calls running now.
    pub fn now(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }

    /// The most calls seen running at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

struct Leave<'a>(&'a InFlight);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The message of a panic payload: `panic!("literal")` carries a `&'static str`, a formatted
/// `panic!` a `String`.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// One `tracing` event recorded by [`Events`].
#[derive(Debug, Clone)]
pub struct Event {
    /// The event's target, such as `bridge::watchdog`.
    pub target: String,
    /// Its level.
    pub level: tracing::Level,
    /// Its message and fields, as `message; field=value; ...`.
    pub message: String,
}

/// A `tracing` subscriber that records every event, to check what was logged.
#[derive(Debug, Clone, Default)]
pub struct Events(std::sync::Arc<std::sync::Mutex<Vec<Event>>>);

impl Events {
    /// The events recorded so far whose target is `target`.
    pub fn with_target(&self, target: &str) -> Vec<Event> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|event| event.target == target)
            .cloned()
            .collect()
    }
}

impl tracing::Subscriber for Events {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        struct Fields(String);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                use std::fmt::Write;
                if !self.0.is_empty() {
                    self.0.push_str("; ");
                }
                if field.name() != "message" {
                    let _ = write!(self.0, "{}=", field.name());
                }
                let _ = write!(self.0, "{value:?}");
            }
        }
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.0.lock().unwrap().push(Event {
            target: event.metadata().target().to_owned(),
            level: *event.metadata().level(),
            message: fields.0,
        });
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

/// A runtime stall, made on purpose: a current_thread runtime watched by a `Watchdog` (20 ms
/// threshold) whose only thread blocks for 150 ms. Returns the watchdog's stalls once it has
/// reported one, or after 10 s.
pub fn stall_a_watched_runtime() -> bridge_runtime::metrics::Stalls {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("the runtime starts");
    runtime.block_on(async {
        let watchdog = bridge_runtime::watchdog::Watchdog::start(Duration::from_millis(20));
        // Let the watchdog's probe run once, then block the runtime's only thread.
        tokio::time::sleep(Duration::from_millis(30)).await;
        std::thread::sleep(Duration::from_millis(150));
        // Keep driving the runtime until the stall has been reported (bounded).
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while watchdog.stalls().count == 0 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        watchdog.stalls()
    })
}

/// A gate that blocking code waits at until the test opens it.
#[derive(Clone, Debug, Default)]
pub struct Gate(std::sync::Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>);

impl Gate {
    /// Lets every waiter (and every later one) through.
    pub fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }

    /// Waits until the gate is open, panicking after [`DEADLINE`].
    pub fn wait(&self) {
        let open = self.0.0.lock().unwrap();
        let (_open, timeout) = self
            .0
            .1
            .wait_timeout_while(open, DEADLINE, |open| !*open)
            .unwrap();
        assert!(!timeout.timed_out(), "the gate never opened");
    }
}
