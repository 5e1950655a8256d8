//! Move a blocking Rust codebase onto tokio one function at a time.
//!
//! Put `#[sync_to_async]` on a legacy sync fn and it gains an async twin that runs the
//! unchanged fn on a blocking executor. Legacy callers do not change; async callers `.await`
//! the twin.
//!
//! ```
//! use bridge_runtime::sync_to_async;
//!
//! /// Looks a user up in the legacy directory.
//! #[sync_to_async]
//! pub fn fetch_user(id: u64, realm: &str) -> String {
//!     std::thread::sleep(std::time::Duration::from_millis(1)); // a blocking query
//!     format!("user {id}@{realm}")
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // Legacy callers are untouched:
//! assert_eq!(fetch_user(7, "eu"), "user 7@eu");
//!
//! // Async callers await the twin, which runs `fetch_user` on tokio's blocking pool:
//! assert_eq!(fetch_user_async(7, "eu").await, "user 7@eu");
//! # }
//! ```
//!
//! # What a twin guarantees
//!
//! - It has the sync fn's visibility, generics, where-clause, `unsafe`, docs and `#[cfg]`s.
//!   `&T` parameters stay `&T` and are copied with `ToOwned` before the call crosses threads.
//! - Its future is `Send`, so it can be `tokio::spawn`ed.
//! - The call is handed to the executor when the future is first polled. From then on it runs
//!   to completion even if the future is dropped: a timeout never half-applies an update.
//! - A panic in the sync fn is re-raised in the awaiting caller with its original payload.
//! - The caller's `tracing` span (and subscriber) is entered on the worker thread.
//! - Misuse is a compile error that says what to do instead: `&mut` parameters, borrowed
//!   returns, non-`Send` types, `async`, `const` and `extern` fns, methods outside a handle.
//!
//! # Executors
//!
//! Twins run on the [`DefaultExecutor`]: tokio's blocking pool inside a tokio runtime, a
//! process-wide fallback pool anywhere else. `#[sync_to_async(thread_sensitive)]` runs calls
//! on one dedicated thread ([`ThreadSensitive`]): the global one, or the one of the current
//! [`thread_sensitive_scope`]. `executor = EXPR` picks any other [`Executor`], such as a
//! bounded [`Pool`]; `limit = N` caps the calls in flight per twin. [`to_thread`] and
//! [`run_in`] do the same for closures.
//!
//! # The way back
//!
//! [`block_on`] (and the `{name}_blocking` twin that `#[async_to_sync]` adds to an async fn)
//! lets code that is still sync call async code: on bridge's embedded runtime from a plain
//! thread, on the caller's runtime from inside a bridged call, and never on a runtime worker
//! thread, where it panics. Thread-sensitive calls nest through it without deadlocking.
//!
//! # Guards and diagnostics
//!
//! [`#[sync_only]`](sync_only) makes a legacy fn panic when it is called directly on a runtime
//! worker thread, so calls left in async code show up in tests. [`metrics`] counts every
//! bridged call and splits its time into queue wait and run time; [`metrics::report`] prints
//! them as a table. A [`watchdog::Watchdog`] reports each time a runtime could not run a ready
//! task for longer than a threshold.
//!
//! Warnings (a `#[sync_only]` fn allowed to run on a runtime thread, a runtime stall) are
//! `tracing` events. With the default `log` feature they also reach a `log` logger
//! (`env_logger`, ...) while no `tracing` subscriber is set, so an app that only uses `log`
//! sees them too.
//!
//! # Features
//!
//! - `log` (default): the warnings above reach `log` loggers (tracing's `log` feature).
//! - `metrics`: every call site's calls, calls in flight, panics, queue wait and run time, and
//!   the watchdogs' stalls, are also exported through the [`metrics`](https://docs.rs/metrics)
//!   crate's facade, for any of its exporters (Prometheus, StatsD, OpenTelemetry, ...); the
//!   series are named in [`metrics`]. Without it, none of that code is compiled.
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod block_on;
mod chain;
mod default_pool;
mod dispatch;
mod executor;
pub mod handle;
mod linger;
pub mod metrics;
mod pool;
mod probe;
mod proof;
mod sensitive;
mod sent_error;
mod serial;
mod sync_only;
pub mod watchdog;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use block_on::block_on;
pub use chain::spawn;
pub use dispatch::{CallSite, run_in, to_thread};
pub use executor::{DefaultExecutor, Executor, Job};
pub use pool::{Pool, ShutdownTimeout};
pub use sensitive::{ThreadSensitive, thread_sensitive_scope};
pub use sent_error::SentError;
pub use sync_only::allow_async_unsafe;

#[doc(inline)]
pub use bridge_macros::{async_to_sync, sync_only, sync_to_async};

/// The crate README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
