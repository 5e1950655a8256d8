//! The one path every bridged call takes: from an async caller, through an [`Executor`], to a
//! blocking thread and back.

use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};

use tokio::sync::{Semaphore, SemaphorePermit, oneshot};
use tracing::Span;
use tracing::dispatcher::{self, Dispatch};

use crate::executor::{DefaultExecutor, Executor, Job};

/// What bridge knows about one bridged fn: its name and its concurrency limit.
///
/// Every twin has one in a `static`; calls made with [`to_thread`] and [`run_in`] share an
/// anonymous one.
#[doc(hidden)]
pub struct CallSite {
    name: &'static str,
    limit: Option<Semaphore>,
}

impl CallSite {
    /// A call site without a limit.
    pub const fn new(name: &'static str) -> Self {
        CallSite { name, limit: None }
    }

    /// A call site that lets at most `limit` calls be in flight at once.
    ///
    /// # Panics
    ///
    /// If `limit` is zero or larger than tokio's semaphore allows; the macro checks both first.
    pub const fn with_limit(name: &'static str, limit: usize) -> Self {
        assert!(
            limit > 0 && limit <= Semaphore::MAX_PERMITS,
            "bridge: invalid limit"
        );
        CallSite {
            name,
            limit: Some(Semaphore::const_new(limit)),
        }
    }

    /// The full path of the bridged fn, such as `legacy_demo::store::fetch_user`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    async fn admit(&'static self) -> Option<SemaphorePermit<'static>> {
        match &self.limit {
            // The semaphore is never closed, so `acquire` cannot fail.
            Some(limit) => limit.acquire().await.ok(),
            None => None,
        }
    }
}

impl fmt::Debug for CallSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallSite")
            .field("name", &self.name)
            .field(
                "limit",
                &self.limit.as_ref().map(Semaphore::available_permits),
            )
            .finish()
    }
}

static ANONYMOUS: CallSite = CallSite::new("bridge_runtime::to_thread");

type Outcome<R> = Result<R, Box<dyn Any + Send + 'static>>;

/// Runs `f` on `executor` and returns its result, re-raising its panic.
///
/// This is the only way a bridged call reaches a thread:
/// 1. wait (asynchronously, FIFO) for a slot if the call site has a limit;
/// 2. capture the caller's `tracing` dispatcher and span;
/// 3. hand the job to the executor. From here on the call runs to completion even if this
///    future is dropped, and the limit slot is held until it does;
/// 4. await the result; a panic is re-raised with its original payload.
#[doc(hidden)]
pub async fn dispatch<E, F, R>(site: &'static CallSite, executor: &E, f: F) -> R
where
    E: Executor + ?Sized,
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let permit = site.admit().await;
    let (reply, outcome) = oneshot::channel::<Outcome<R>>();
    let context = Context::capture();
    executor.execute(Job::new(move || {
        let result = context.enter(|| panic::catch_unwind(AssertUnwindSafe(f)));
        drop(permit);
        // The caller may have gone away; the call has still run to completion.
        let _ = reply.send(result);
    }));
    match outcome.await {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => panic::resume_unwind(payload),
        Err(_) => panic!(
            "bridge: the executor dropped the call to `{}` without running it \
             (was its runtime or pool shut down?)",
            site.name
        ),
    }
}

/// The caller's `tracing` context, carried to the thread that runs the call.
struct Context {
    dispatch: Dispatch,
    span: Span,
}

impl Context {
    fn capture() -> Self {
        Context {
            dispatch: dispatcher::get_default(Dispatch::clone),
            span: Span::current(),
        }
    }

    fn enter<T>(self, f: impl FnOnce() -> T) -> T {
        dispatcher::with_default(&self.dispatch, || self.span.in_scope(f))
    }
}

/// Runs a blocking closure on the [default executor](DefaultExecutor) and awaits its result:
/// `asyncio.to_thread` for Rust.
///
/// The same rules as a `#[sync_to_async]` twin apply: the call starts when the future is first
/// polled, runs to completion even if the future is dropped after that, runs inside the
/// caller's `tracing` span, and a panic in `f` is re-raised in the caller with its payload.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let len = bridge_runtime::to_thread(|| std::fs::read("Cargo.toml").map(|b| b.len())).await;
/// assert!(len.unwrap() > 0);
/// # }
/// ```
pub async fn to_thread<F, R>(f: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    dispatch(&ANONYMOUS, &DefaultExecutor, f).await
}

/// Runs a blocking closure on `executor` and awaits its result: `loop.run_in_executor`.
///
/// The same rules as [`to_thread`] apply.
///
/// ```
/// use bridge_runtime::Pool;
///
/// let pool = Pool::new("hashing", 2);
/// # futures_executor::block_on(async {
/// let digest = bridge_runtime::run_in(&pool, || (1..=10u64).product::<u64>()).await;
/// assert_eq!(digest, 3_628_800);
/// # });
/// ```
pub async fn run_in<E, F, R>(executor: &E, f: F) -> R
where
    E: Executor + ?Sized,
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    dispatch(&ANONYMOUS, executor, f).await
}
