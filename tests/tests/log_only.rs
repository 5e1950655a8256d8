//! An application that installs only a `log` logger (as `env_logger` does) and no `tracing`
//! subscriber still receives bridge's warnings: a `#[sync_only]` fn allowed to run on a
//! runtime thread, and a runtime stall found by the watchdog. They are `tracing` events, which
//! tracing's `log` feature (bridge-runtime's default `log` feature) hands to the `log` logger
//! while no `tracing` subscriber is set.
//!
//! This file is its own test binary, so no other test installs a subscriber in its process.
//! Every wait is bounded.

use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use bridge_runtime::{allow_async_unsafe, sync_only};

/// One log record, as the logger received it.
#[derive(Debug, Clone)]
struct Record {
    level: log::Level,
    target: String,
    message: String,
}

/// A `log` logger that keeps every record.
struct Capture {
    records: Mutex<Vec<Record>>,
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Record {
                level: record.level(),
                target: record.target().to_owned(),
                message: record.args().to_string(),
            });
    }

    fn flush(&self) {}
}

/// Installs the capturing logger once for this process and returns it.
fn logger() -> &'static Capture {
    static LOGGER: OnceLock<&'static Capture> = OnceLock::new();
    LOGGER.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture {
            records: Mutex::new(Vec::new()),
        }));
        log::set_logger(capture).expect("no other logger is installed");
        log::set_max_level(log::LevelFilter::Trace);
        capture
    })
}

impl Capture {
    /// Waits up to `timeout` for a record that `matches`, and returns it.
    fn wait_for(&self, timeout: Duration, matches: impl Fn(&Record) -> bool) -> Option<Record> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self
                .records
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .find(|record| matches(record))
                .cloned();
            if found.is_some() || Instant::now() >= deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// A legacy fn that must not run on a runtime thread.
#[sync_only]
fn legacy_lookup(id: u64) -> u64 {
    id * 2
}

fn no_tracing_subscriber() {
    assert!(
        !tracing::dispatcher::has_been_set(),
        "this test is about an app without a tracing subscriber"
    );
}

#[test]
fn allow_async_unsafe_warns_a_log_only_app() {
    let logger = logger();
    no_tracing_subscriber();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("the runtime starts");
    let doubled = allow_async_unsafe(|| runtime.block_on(async { legacy_lookup(21) }));
    assert_eq!(doubled, 42, "the guarded fn still ran");

    let warning = logger
        .wait_for(Duration::from_secs(10), |record| {
            record.target == "bridge::sync_only" && record.message.contains("legacy_lookup")
        })
        .expect("the guard's warning reached the log logger");
    assert_eq!(warning.level, log::Level::Warn);
    assert!(
        warning.message.contains("is `#[sync_only]`")
            && warning.message.contains("legacy_lookup_async"),
        "the warning names the fn and its twin: {}",
        warning.message
    );
}

/// `BRIDGE_ALLOW_ASYNC_UNSAFE=1` is read once per process, so this runs the test binary again
/// with it set, and runs the check there.
#[test]
fn the_environment_variable_warns_a_log_only_app() {
    const CHILD: &str = "BRIDGE_LOG_ONLY_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let logger = logger();
        no_tracing_subscriber();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("the runtime starts");
        // No `allow_async_unsafe` here: only the environment variable allows the call.
        assert_eq!(runtime.block_on(async { legacy_lookup(4) }), 8);
        let warning = logger
            .wait_for(Duration::from_secs(10), |record| {
                record.target == "bridge::sync_only" && record.message.contains("legacy_lookup")
            })
            .expect("the guard's warning reached the log logger");
        assert_eq!(warning.level, log::Level::Warn);
        return;
    }

    let mut child = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([
            "--exact",
            "the_environment_variable_warns_a_log_only_app",
            "--test-threads=1",
        ])
        .env("BRIDGE_ALLOW_ASYNC_UNSAFE", "1")
        .env(CHILD, "1")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the test binary starts again");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child test did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "the child test failed: {status}");
}

#[test]
fn a_watchdog_stall_reaches_a_log_only_app() {
    let logger = logger();
    no_tracing_subscriber();
    let stalls = bridge_tests::stall_a_watched_runtime();
    assert!(stalls.count >= 1, "the watchdog saw the stall: {stalls:?}");

    let report = logger
        .wait_for(Duration::from_secs(10), |record| {
            record.target == "bridge::watchdog" && record.message.contains("stalled")
        })
        .expect("the stall report reached the log logger");
    assert_eq!(report.level, log::Level::Warn);
    assert!(
        report.message.contains("threshold"),
        "the report names the threshold: {}",
        report.message
    );
}
