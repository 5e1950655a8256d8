//! The way back: running async code to completion from sync code ([`block_on`],
//! `#[async_to_sync]`).

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::pin;
use std::sync::LazyLock;

use tokio::runtime::{Builder, Handle, Runtime};

use crate::chain;

/// bridge's own runtime, for sync callers that have none: started once, on first use.
static EMBEDDED: LazyLock<Runtime> = LazyLock::new(|| {
    Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("bridge-embedded")
        .enable_all()
        .build()
        .unwrap_or_else(|error| panic!("bridge: cannot start the embedded runtime: {error}"))
});

/// Runs `future` to completion and returns its output, blocking the current thread
/// (asgiref's `async_to_sync`).
///
/// | called from | the future runs on |
/// |---|---|
/// | a plain thread, with no runtime | bridge's embedded runtime, started once on first use (never one runtime per call) |
/// | sync code inside a bridge call (a twin's worker thread) | the caller's tokio runtime: timers, I/O and `tokio::spawn` use it. Calls made from inside `future` that need this very thread (thread-sensitive calls for it, calls for its pool) run on it while it waits, so nesting never deadlocks; unrelated calls wait their turn |
/// | a tokio worker thread, or the body of a multi-thread runtime's `block_on` (`#[tokio::main]`) | nothing: it panics, because blocking there would stall every task on that thread; `.await` the future instead |
///
/// From a raw `spawn_blocking` closure or inside `block_in_place`, it runs on the current
/// runtime, as `Handle::block_on` would.
///
/// ```
/// // A plain thread: no runtime in sight.
/// let answer = bridge_runtime::block_on(async {
///     tokio::time::sleep(std::time::Duration::from_millis(1)).await;
///     42
/// });
/// assert_eq!(answer, 42);
/// ```
///
/// # Panics
///
/// On an async runtime worker thread, and when `future` panics.
pub fn block_on<F: Future>(future: F) -> F::Output {
    run(future, || {
        panic!(
            "bridge: `block_on` was called on an async runtime worker thread, where blocking \
             would stall every task on that thread; `.await` the future instead"
        )
    })
}

/// [`block_on`] for the twin of an `#[async_to_sync]` fn, whose panic names both fns.
#[doc(hidden)]
pub fn block_on_twin<F: Future>(
    twin: &'static str,
    async_fn: &'static str,
    future: F,
) -> F::Output {
    run(future, || {
        panic!(
            "bridge: `{twin}` was called on an async runtime worker thread, where blocking would \
             stall every task on that thread; `.await` `{async_fn}` instead"
        )
    })
}

/// [`block_on`], where `on_worker` panics with the caller's own message on a thread that drives
/// a runtime.
pub(crate) fn run<F: Future>(future: F, on_worker: impl FnOnce() -> F::Output) -> F::Output {
    if tokio::runtime::worker_index().is_some() {
        return on_worker();
    }
    let current = Handle::try_current();
    if chain::in_call() {
        // Inside a bridged call: the calls of its chain that need this thread run here while
        // it waits.
        let _entered = current.is_err().then(|| EMBEDDED.handle().enter());
        return chain::block_on(future);
    }
    match current {
        Ok(handle) => {
            // In the body of a multi-thread runtime's own `block_on` (a `#[tokio::main]` fn),
            // tokio refuses to block again, and nothing tells that thread apart from one that
            // merely entered the runtime until it does: its refusal becomes bridge's message.
            let mut future = pin!(future);
            unless_refused(|| handle.block_on(future.as_mut()), on_worker)
        }
        Err(_) => EMBEDDED.handle().block_on(future),
    }
}

/// Panics as tokio does where it refuses to block (this thread drives a runtime: the body of a
/// multi-thread runtime's `block_on`), for [`unless_refused`] to turn into the caller's
/// message; anywhere else it returns at once. For blocking waits that tokio does not check
/// itself.
pub(crate) fn refuse_if_driving() {
    if let Ok(runtime) = Handle::try_current() {
        runtime.block_on(async {});
    }
}

/// Runs `block`, which blocks this thread the way tokio does (`Handle::block_on`,
/// `Mutex::blocking_lock`); if tokio refuses because this thread drives a runtime (the body of
/// a multi-thread runtime's `block_on`, which nothing else tells apart from a thread that merely
/// entered the runtime), returns `refused()` instead, which panics with bridge's message naming
/// the fn. Any other panic goes on as it was.
pub(crate) fn unless_refused<T>(block: impl FnOnce() -> T, refused: impl FnOnce() -> T) -> T {
    const REFUSALS: [&str; 2] = [
        "Cannot start a runtime from within a runtime",
        "Cannot block the current thread from within a runtime",
    ];
    match panic::catch_unwind(AssertUnwindSafe(block)) {
        Ok(output) => output,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            if message.is_some_and(|message| REFUSALS.iter().any(|r| message.starts_with(r))) {
                refused()
            } else {
                panic::resume_unwind(payload)
            }
        }
    }
}
