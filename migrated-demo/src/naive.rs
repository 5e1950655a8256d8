//! The anti-pattern phase 1 replaces: blocking calls inside an `async fn`.
//!
//! A first attempt at "going async" often just adds `async` to the caller and keeps calling
//! the legacy code. The compiler is happy and the results are right, but each blocking call
//! holds the runtime thread hostage until it returns:
//!
//! - on a `current_thread` runtime nothing else runs at all (no timers, no other tasks, not
//!   even a `tokio::time::timeout` around the call, which can only fire after it returns);
//! - on a multi-thread runtime the call blocks one worker, and every task queued on that
//!   worker waits behind it.
//!
//! It is kept here, deliberately, as the baseline the demo and the tests compare against.

use bridge_runtime::allow_async_unsafe;
use legacy_demo::{Error, Job, Report};

/// Builds the report by calling the legacy sync pipeline directly. **Do not do this.**
///
/// Same results as [`legacy_demo::run_report`], because it *is* that fn, but it blocks the
/// runtime thread for the whole report. Use [`crate::phase1::run_report`] instead.
///
/// The legacy fns are `#[sync_only]`, so this would panic on the first call; the demo runs it
/// under [`allow_async_unsafe`], which turns the guard into a warning, to measure the harm.
///
/// # Errors
///
/// As [`legacy_demo::run_report`].
pub async fn run_report(job: &Job, ids: &[u64]) -> Result<Report, Error> {
    allow_async_unsafe(|| legacy_demo::run_report(job, ids, |_| {}))
}
