//! Where bridged calls run: the [`Executor`] trait, the [`Job`] it receives, and the
//! [`DefaultExecutor`].

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use crate::default_pool;
use crate::pool::Pool;

/// One bridged call, ready to run on a thread that may block.
///
/// A job is created by bridge's dispatch (a twin, [`to_thread`](crate::to_thread) or
/// [`run_in`](crate::run_in)) and handed to an [`Executor`]. It already carries everything the
/// call needs: the arguments, the caller's `tracing` span, the limit permit and the channel that
/// takes the result (or the panic) back to the awaiting caller. An executor's only duty is to
/// call [`Job::run`] once, on a thread where blocking is acceptable.
///
/// A job that is dropped without being run makes the awaiting caller panic with a message
/// naming the call, so an executor that loses work is noticed instead of hanging its callers.
#[must_use = "a job does nothing until it is run"]
pub struct Job(Box<dyn FnOnce() + Send + 'static>);

impl Job {
    pub(crate) fn new(f: impl FnOnce() + Send + 'static) -> Self {
        Job(Box::new(f))
    }

    /// Runs the call on the current thread and delivers its result (or its panic) to the caller.
    ///
    /// It never unwinds: a panic of the wrapped fn is caught and re-raised in the caller, and
    /// anything else that panics on the way (a result whose caller has gone and whose `Drop`
    /// panics) is caught here, so the thread that runs it lives on.
    pub fn run(self) {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(self.0)) {
            // The payload's own `Drop` might panic as well: it is leaked rather than risked.
            std::mem::forget(payload);
            tracing::warn!(
                "bridge: a bridged call panicked after it ended (its caller had gone, and \
                 dropping its result panicked); the thread that ran it lives on"
            );
        }
    }

    /// Two jobs that run this one once between them: whichever is run first runs it, the other
    /// does nothing. Dropping both unrun drops the call, as dropping this job would.
    pub(crate) fn split(self) -> (Job, Job) {
        let first = Arc::new(Mutex::new(Some(self)));
        let second = Arc::clone(&first);
        let take =
            |cell: &Mutex<Option<Job>>| cell.lock().unwrap_or_else(PoisonError::into_inner).take();
        (
            Job::new(move || take(&first).map_or((), Job::run)),
            Job::new(move || take(&second).map_or((), Job::run)),
        )
    }
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job").finish_non_exhaustive()
    }
}

/// Something that runs [`Job`]s on threads where blocking is acceptable.
///
/// The trait is object-safe, so `&dyn Executor` and `Box<dyn Executor>` work, and it is
/// implemented for references, `Box`, `Arc` and `LazyLock` of any executor, so a
/// `static POOL: LazyLock<Pool>` can be named directly in `#[sync_to_async(executor = POOL)]`.
///
/// # Example
///
/// An executor that runs every job on a new thread:
///
/// ```
/// use bridge_runtime::{Executor, Job};
///
/// struct ThreadPerCall;
///
/// impl Executor for ThreadPerCall {
///     fn execute(&self, job: Job) {
///         std::thread::spawn(move || job.run());
///     }
/// }
///
/// # futures_executor::block_on(async {
/// let n = bridge_runtime::run_in(&ThreadPerCall, || 6 * 7).await;
/// assert_eq!(n, 42);
/// # });
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an executor",
    label = "not an `Executor`",
    note = "`executor = ...` and `run_in` take a value that implements `bridge_runtime::Executor`: \
            a `Pool` (for example a `static POOL: LazyLock<Pool>`), `DefaultExecutor`, or your own type"
)]
pub trait Executor: Send + Sync {
    /// Arranges for `job` to be run exactly once, on a thread that may block.
    ///
    /// It must not run the job inline on an async runtime's worker thread.
    fn execute(&self, job: Job);

    /// [`execute`](Executor::execute), and whether the job starts at once, on a thread that
    /// was awake and idle.
    ///
    /// Its caller then checks for the result a few times before it parks, which for a short
    /// call saves a park and a wake. Only bridge's own executors answer `true`.
    #[doc(hidden)]
    fn __execute(&self, job: Job) -> bool {
        self.execute(job);
        false
    }

    /// Which of bridge's executors this is, so that a thread of it that is blocked in
    /// [`block_on`](crate::block_on) can run the calls of its own chain (see `chain.rs`).
    #[doc(hidden)]
    fn __lane(&self) -> Lane {
        Lane::Other
    }
}

/// The identity of one of bridge's executors, for the nesting rules.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Not one of bridge's executors.
    Other,
    /// The [`DefaultExecutor`].
    Default,
    /// A [`ThreadSensitive`](crate::ThreadSensitive) thread, by the address of its state.
    Sensitive(usize),
}

impl<E: Executor + ?Sized> Executor for &E {
    fn execute(&self, job: Job) {
        (**self).execute(job);
    }

    fn __execute(&self, job: Job) -> bool {
        (**self).__execute(job)
    }

    fn __lane(&self) -> Lane {
        (**self).__lane()
    }
}

impl<E: Executor + ?Sized> Executor for Box<E> {
    fn execute(&self, job: Job) {
        (**self).execute(job);
    }

    fn __execute(&self, job: Job) -> bool {
        (**self).__execute(job)
    }

    fn __lane(&self) -> Lane {
        (**self).__lane()
    }
}

impl<E: Executor + ?Sized> Executor for Arc<E> {
    fn execute(&self, job: Job) {
        (**self).execute(job);
    }

    fn __execute(&self, job: Job) -> bool {
        (**self).__execute(job)
    }

    fn __lane(&self) -> Lane {
        (**self).__lane()
    }
}

impl<E: Executor, F: FnOnce() -> E + Send> Executor for LazyLock<E, F> {
    fn execute(&self, job: Job) {
        (**self).execute(job);
    }

    fn __execute(&self, job: Job) -> bool {
        (**self).__execute(job)
    }

    fn __lane(&self) -> Lane {
        (**self).__lane()
    }
}

/// The executor twins use unless told otherwise.
///
/// - Inside a tokio runtime it runs the job on that runtime's blocking pool, as
///   [`tokio::task::spawn_blocking`] does: on its blocking threads, within its
///   `max_blocking_threads`, and a runtime that shuts down waits for the calls that are running.
///   Calls go through a queue that the pool's tasks drain and linger on for a moment before they
///   give their thread back, so a caller making calls back to back pays a queue push rather
///   than a thread wake per call.
/// - Anywhere else (a plain thread, `futures::executor::block_on`, another async runtime) it
///   uses a process-wide fallback [`Pool`] named `bridge-fallback`, started lazily, whose
///   threads retire when idle.
///
/// A runtime that shuts down drops the blocking tasks it has not started. A bridged call
/// handed over is not lost that way: it runs on the fallback pool instead, without the runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultExecutor;

/// The pool that runs calls when no tokio runtime is there to run them.
pub(crate) fn fallback() -> &'static Pool {
    &FALLBACK
}

/// Threads of the fallback pool, used when no tokio runtime is current.
const FALLBACK_THREADS: usize = 64;

static FALLBACK: LazyLock<Pool> = LazyLock::new(|| Pool::new("bridge-fallback", FALLBACK_THREADS));

impl Executor for DefaultExecutor {
    fn execute(&self, job: Job) {
        self.__execute(job);
    }

    fn __execute(&self, job: Job) -> bool {
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => default_pool::execute(&runtime, job),
            Err(_) => FALLBACK.__execute(job),
        }
    }

    fn __lane(&self) -> Lane {
        Lane::Default
    }
}
