//! The one path every bridged call takes: from an async caller, through an [`Executor`], to a
//! blocking thread and back.

use std::any::Any;
use std::fmt;
use std::future::{self, Future};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};

use tokio::sync::{Semaphore, SemaphorePermit, oneshot};
use tracing::Span;
use tracing::dispatcher::{self, Dispatch};
use tracing::subscriber::NoSubscriber;

use crate::chain::{Blocked, Chain};
use crate::executor::{DefaultExecutor, Executor, Job, Lane};
use crate::metrics::{Admitted, Dispatched, Ended, Recorder};
use crate::serial::{Drain, Serial};
use crate::{linger, sensitive};

/// A named place that dispatches blocking calls: its name, its optional concurrency limit and
/// its [metrics](crate::metrics).
///
/// Every `#[sync_to_async]` twin and handle method has one, in a `static`, named after the fn
/// (`module_path!()` and the fn's name). Declare your own to give a closure the same treatment:
/// its own row in [`metrics::report`](crate::metrics::report), and optionally a limit.
///
/// ```
/// use bridge_runtime::{CallSite, metrics};
///
/// static RESIZE: CallSite = CallSite::with_limit(concat!(module_path!(), "::resize_avatar"), 2);
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let bytes = vec![0u8; 64];
/// let len = RESIZE.to_thread(move || bytes.len() / 2).await;
/// assert_eq!(len, 32);
/// let snapshot = metrics::snapshot();
/// assert_eq!(snapshot.get(RESIZE.name()).unwrap().calls, 1);
/// # }
/// ```
///
/// A call site is a `static` rather than a name passed with each call, because finding a
/// record by name on every call would need a shared map, and a lock or hashing on the hot
/// path; a `static` holds its own counters and registers them once, on its first call.
pub struct CallSite {
    name: &'static str,
    limit: Option<Limit>,
    recorder: OnceLock<&'static Recorder>,
}

impl CallSite {
    /// A call site named `name`, without a limit.
    ///
    /// Name it by its full path, as twins are: `concat!(module_path!(), "::what_it_does")`.
    pub const fn new(name: &'static str) -> Self {
        CallSite {
            name,
            limit: None,
            recorder: OnceLock::new(),
        }
    }

    /// A call site that lets at most `limit` of its calls be in flight at once; further
    /// callers wait asynchronously, in FIFO order, without holding a thread.
    ///
    /// # Panics
    ///
    /// If `limit` is zero or larger than tokio's semaphore allows (`usize::MAX >> 3`); in a
    /// `static`, that is a compile error.
    pub const fn with_limit(name: &'static str, limit: usize) -> Self {
        CallSite {
            name,
            limit: Some(Limit::new(limit)),
            recorder: OnceLock::new(),
        }
    }

    /// The call site's name: for a twin, the full path of its fn, such as
    /// `legacy_demo::store::fetch_user`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Runs `f` on the [default executor](DefaultExecutor), as [`to_thread`] does, recorded
    /// under this site's name and within its limit.
    pub async fn to_thread<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        dispatch_default(self, f).await
    }

    /// Runs `f` on `executor`, as [`run_in`] does, recorded under this site's name and within
    /// its limit.
    pub async fn run_in<E, F, R>(&'static self, executor: &E, f: F) -> R
    where
        E: Executor + ?Sized,
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        dispatch(self, executor, f).await
    }

    /// The site's identity in a [`Chain`].
    fn address(&'static self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// The site's counters, registered on its first call.
    #[inline]
    pub(crate) fn recorder(&'static self) -> &'static Recorder {
        match self.recorder.get() {
            Some(recorder) => recorder,
            None => self.register(),
        }
    }

    #[cold]
    fn register(&'static self) -> &'static Recorder {
        self.recorder.get_or_init(|| Recorder::register(self.name))
    }

    /// Waits for a slot of the site's limit, then for `wait` (a handle's limit and its
    /// object). The call counts as dispatched, and its queue wait runs, from before either.
    ///
    /// A call made inside a call of this site that holds a slot and waits for it in `block_on`
    /// uses that slot instead of waiting for another, which it would do forever.
    async fn admit<G>(
        &'static self,
        chain: &Chain,
        wait: impl Future<Output = G>,
    ) -> (Admitted, G) {
        let dispatched = Dispatched::new(self.recorder());
        let limit = self.limit.as_ref().filter(|_| !chain.holds(self.address()));
        let permit = Limit::acquire(limit).await;
        let held = wait.await;
        (dispatched.admitted(permit), held)
    }
}

impl fmt::Debug for CallSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallSite")
            .field("name", &self.name)
            .field(
                "limit",
                &self.limit.as_ref().map(|limit| limit.0.available_permits()),
            )
            .finish()
    }
}

/// At most `N` calls in flight at once: the `limit = N` of a call site or of a whole handle.
/// Callers beyond it wait asynchronously, in FIFO order, without holding a thread.
#[doc(hidden)]
pub struct Limit(Semaphore);

impl Limit {
    /// A limit of `n` calls.
    ///
    /// # Panics
    ///
    /// If `n` is zero or larger than tokio's semaphore allows (`usize::MAX >> 3`); in a
    /// `static`, that is a compile error. The macros check both first.
    pub const fn new(n: usize) -> Self {
        assert!(
            n > 0 && n <= Semaphore::MAX_PERMITS,
            "bridge: invalid limit"
        );
        Limit(Semaphore::const_new(n))
    }

    /// Waits for a slot of `limit`, if there is one. The slot goes with the call to its
    /// thread and is released when the call ends.
    pub(crate) async fn acquire(limit: Option<&'static Limit>) -> Option<SemaphorePermit<'static>> {
        match limit {
            // Boxed: a semaphore's wait is large, and it would make every call's future larger
            // (a future is moved at least once per call) for the sake of the limited ones. The
            // semaphore is never closed, so `acquire` cannot fail.
            Some(limit) => Box::pin(limit.0.acquire()).await.ok(),
            None => None,
        }
    }
}

impl fmt::Debug for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limit")
            .field("available", &self.0.available_permits())
            .finish()
    }
}

/// Where anonymous [`to_thread`] and [`run_in`] calls are recorded.
static TO_THREAD: CallSite = CallSite::new("bridge_runtime::to_thread");
static RUN_IN: CallSite = CallSite::new("bridge_runtime::run_in");

type Outcome<R> = Result<R, Box<dyn Any + Send + 'static>>;

/// What comes back from the worker thread: the outcome, and the call's metrics left to record
/// where the outcome is received (see [`Running::end`](crate::metrics::Running::end)).
type Finished<R> = (Outcome<R>, Option<Ended>);

/// Where a call is to run.
pub(crate) enum Target<'a, E: ?Sized> {
    /// The [`DefaultExecutor`].
    Default,
    /// The thread-sensitive thread of the call's chain: a blocked one, its scope's, or the
    /// global one.
    Sensitive,
    /// A given executor.
    On(&'a E),
}

impl<E: ?Sized> Clone for Target<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E: ?Sized> Copy for Target<'_, E> {}

impl<'a, E: ?Sized> Target<'a, E> {
    /// `executor`, or the default one.
    pub(crate) fn or_default(executor: Option<&'a E>) -> Self {
        executor.map_or(Target::Default, Target::On)
    }
}

/// Runs `f` where `target` says, once `wait` has given it what it waits for, and returns its
/// result, re-raising its panic.
///
/// This is the one path every bridged call takes to a thread:
/// 1. pick the thread from the caller's [`Chain`] (its scope and its blocked threads): a thread
///    of the chain that is blocked in `block_on` and serves the target (see `chain.rs`), else
///    the target executor;
/// 2. start the call's queue wait, and wait (asynchronously, FIFO) for a slot if the call site
///    has a limit, then for `wait`: a handle's limit slot (and a `concurrent_reads` handle's
///    lock), which `f` receives;
/// 3. count the call and capture the caller's `tracing` subscriber and span;
/// 4. hand the call over: to its thread, or, for the calls of a default handle (`serial`), to
///    the queue of calls waiting for the object, which the call holding the object's turn runs
///    (see `serial.rs`). From here on it runs to completion even if this future is dropped
///    (unless it still waits for its object then), and the limit slot is held until it does.
///    On its thread its queue wait ends, its run time is measured and a panic is counted;
/// 5. await the outcome; a panic is re-raised with its original payload.
pub(crate) async fn call<E, W, F, R>(
    site: &'static CallSite,
    target: Target<'_, E>,
    wait: W,
    serial: Option<&Arc<Serial>>,
    f: F,
) -> R
where
    E: Executor + ?Sized,
    W: Future,
    W::Output: Send + 'static,
    F: FnOnce(W::Output) -> R + Send + 'static,
    R: Send + 'static,
{
    // Only what the awaits need is kept across them, so that the future stays small: a twin's
    // future is moved at least once per call.
    let chain = Chain::current();
    let route = Route::new(site, target, &chain);
    let (admitted, held) = site.admit(&chain, wait).await;
    let holds = admitted.holds_slot().then(|| site.address());
    let call = prepare(admitted, chain, route.lane(), holds, move || f(held));
    let outcome = route.hand_over(serial, call).outcome().await;
    finish(site, outcome)
}

/// Where a call goes, resolved before it waits for admission (so that a thread-sensitive call
/// that [`ThreadSensitive::require_scope`](crate::ThreadSensitive::require_scope) refuses is
/// refused before it counts).
enum Route<'a, E: ?Sized> {
    /// An executor, with no thread of the chain blocked on it.
    Executor(Resolved<'a, E>),
    /// A thread of the chain blocked in `block_on` that serves the executor.
    Blocked(Resolved<'a, E>, Arc<Blocked>),
}

/// An executor the call was routed to.
enum Resolved<'a, E: ?Sized> {
    Default,
    Sensitive(Arc<sensitive::Shared>),
    On(ByRef<'a, E>),
}

impl<E: Executor + ?Sized> Resolved<'_, E> {
    fn executor(&self) -> &dyn Executor {
        match self {
            Resolved::Default => &DefaultExecutor,
            Resolved::Sensitive(shared) => &**shared,
            Resolved::On(executor) => executor,
        }
    }
}

impl<'a, E: Executor + ?Sized> Route<'a, E> {
    fn new(site: &'static CallSite, target: Target<'a, E>, chain: &Chain) -> Self {
        let resolved = match target {
            Target::Default => Resolved::Default,
            Target::Sensitive => Resolved::Sensitive(sensitive::target(site.name, chain)),
            Target::On(executor) => Resolved::On(ByRef(executor)),
        };
        match chain.blocked_on(resolved.executor().__lane()) {
            Some(blocked) => Route::Blocked(resolved, Arc::clone(blocked)),
            None => Route::Executor(resolved),
        }
    }

    fn lane(&self) -> Lane {
        match self {
            Route::Executor(resolved) | Route::Blocked(resolved, _) => resolved.executor().__lane(),
        }
    }

    /// Hands the call over; from here on it runs to completion whatever happens to its caller.
    ///
    /// With `serial`, the call needs the object of that queue: it queues behind the call that
    /// has the object's turn, or takes the turn and is handed over as a [`Drain`] that runs the
    /// calls queued behind it too.
    fn hand_over<R: Send + 'static>(
        self,
        serial: Option<&Arc<Serial>>,
        call: impl FnOnce() -> Finished<R> + Send + 'static,
    ) -> Pending<R> {
        let (reply, outcome) = oneshot::channel();
        // A call that waits for its object is not under way until it has it: if its caller has
        // gone by then, it runs nothing.
        let job = job(serial.is_some(), reply, call);
        let job = match serial {
            None => job,
            Some(serial) => match serial.enqueue(job) {
                None => {
                    return Pending {
                        outcome,
                        at_once: false,
                    };
                }
                Some(first) => {
                    let relay = match &self {
                        Route::Executor(_) => None,
                        Route::Blocked(_, blocked) => Some(blocked.relay()),
                    };
                    Drain::new(Arc::clone(serial), first, relay).into_job()
                }
            },
        };
        let at_once = match self {
            Route::Executor(resolved) => resolved.executor().__execute(job),
            Route::Blocked(resolved, blocked) => {
                if blocked.is_sensitive() {
                    blocked.run_here(job);
                } else {
                    blocked.offer_either(resolved.executor(), job);
                }
                false
            }
        };
        Pending { outcome, at_once }
    }
}

/// A call handed over, its outcome to come.
struct Pending<R> {
    outcome: oneshot::Receiver<Finished<R>>,
    /// The call is expected to start at once on an awake thread: the caller then looks for its
    /// outcome a few times before it parks.
    at_once: bool,
}

impl<R> Pending<R> {
    /// The outcome; `None` if the call was dropped without running.
    async fn outcome(self) -> Option<Finished<R>> {
        let mut outcome = self.outcome;
        if self.at_once && !linger::backing_off() {
            // A short call on an awake thread is done within a yield or two: catching it here
            // saves parking this thread and waking it again, which costs more than the call.
            for _ in 0..linger::REPLY_YIELDS {
                match outcome.try_recv() {
                    Ok(outcome) => return Some(outcome),
                    Err(oneshot::error::TryRecvError::Closed) => return None,
                    Err(oneshot::error::TryRecvError::Empty) => linger::yield_now(),
                }
            }
        }
        outcome.await.ok()
    }
}

/// An executor given by reference, as a sized value that can be used as `&dyn Executor`.
struct ByRef<'a, E: ?Sized>(&'a E);

impl<E: Executor + ?Sized> Executor for ByRef<'_, E> {
    fn execute(&self, job: Job) {
        self.0.execute(job);
    }

    fn __execute(&self, job: Job) -> bool {
        self.0.__execute(job)
    }

    fn __lane(&self) -> Lane {
        self.0.__lane()
    }
}

/// [`call`] on `executor`: what `#[sync_to_async(executor = ..)]` twins and [`run_in`] use.
#[doc(hidden)]
pub async fn dispatch<E, F, R>(site: &'static CallSite, executor: &E, f: F) -> R
where
    E: Executor + ?Sized,
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    call(site, Target::On(executor), future::ready(()), None, |()| {
        f()
    })
    .await
}

/// [`call`] on the [`DefaultExecutor`]: what plain twins and [`to_thread`] use.
#[doc(hidden)]
pub async fn dispatch_default<F, R>(site: &'static CallSite, f: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    call(
        site,
        Target::<DefaultExecutor>::Default,
        future::ready(()),
        None,
        |()| f(),
    )
    .await
}

/// [`call`] on the thread-sensitive executor of the current chain: a thread-sensitive thread
/// blocked in it, the current [`thread_sensitive_scope`](crate::thread_sensitive_scope)'s
/// thread, or the global one.
#[doc(hidden)]
pub async fn dispatch_sensitive<F, R>(site: &'static CallSite, f: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    call(
        site,
        Target::<DefaultExecutor>::Sensitive,
        future::ready(()),
        None,
        |()| f(),
    )
    .await
}

/// The call as it runs on the worker thread: its metrics recorded, in the caller's `tracing`
/// context and chain, its panic caught, its limit slot released when it ends (or when it is
/// dropped without running).
fn prepare<F, R>(
    admitted: Admitted,
    chain: Chain,
    lane: Lane,
    holds: Option<usize>,
    f: F,
) -> impl FnOnce() -> Finished<R> + Send + 'static
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let context = Context::capture();
    move || {
        let running = admitted.start();
        let outcome = chain.enter(lane, holds, || {
            context.enter(|| panic::catch_unwind(AssertUnwindSafe(f)))
        });
        let ended = running.end(outcome.is_err());
        (outcome, ended)
    }
}

/// `call` as a [`Job`] that sends its outcome to `reply`; the channel is closed unsent if the
/// job is dropped without running. With `abandoned_runs_nothing`, a call whose caller has gone
/// by the time it starts is dropped instead.
fn job<R>(
    abandoned_runs_nothing: bool,
    reply: oneshot::Sender<Finished<R>>,
    call: impl FnOnce() -> Finished<R> + Send + 'static,
) -> Job
where
    R: Send + 'static,
{
    // The worker runs the call inside the caller's runtime, as tokio's blocking pool does, so
    // that `block_on` there uses it and `tokio::spawn` works.
    let runtime = tokio::runtime::Handle::try_current().ok();
    Job::new(move || {
        if abandoned_runs_nothing && reply.is_closed() {
            return;
        }
        let _entered = runtime.as_ref().map(tokio::runtime::Handle::enter);
        // The caller may have gone away; the call has still run to completion. Dropping an
        // unsent outcome may panic: `Job::run` catches that.
        let _ = reply.send(call());
    })
}

/// The caller's side of the outcome: the call's metrics recorded, then the value, or the
/// call's panic re-raised.
fn finish<R>(site: &CallSite, finished: Option<Finished<R>>) -> R {
    let outcome = finished.map(|(outcome, ended)| {
        drop(ended);
        outcome
    });
    match outcome {
        Some(Ok(value)) => value,
        Some(Err(payload)) => panic::resume_unwind(payload),
        None => panic!(
            "bridge: the executor dropped the call to `{}` without running it \
             (was its runtime or pool shut down?)",
            site.name
        ),
    }
}

/// The caller's `tracing` context, carried to the thread that runs the call.
struct Context {
    /// The caller's subscriber; `None` when it has none, so there is nothing to carry.
    dispatch: Option<Dispatch>,
    span: Span,
}

impl Context {
    fn capture() -> Self {
        let dispatch = dispatcher::get_default(|current| {
            (!current.is::<NoSubscriber>()).then(|| current.clone())
        });
        Context {
            dispatch,
            span: Span::current(),
        }
    }

    fn enter<T>(self, f: impl FnOnce() -> T) -> T {
        match &self.dispatch {
            Some(dispatch) => dispatcher::with_default(dispatch, || self.span.in_scope(f)),
            None => f(),
        }
    }
}

/// Runs a blocking closure on the [default executor](DefaultExecutor) and awaits its result:
/// `asyncio.to_thread` for Rust.
///
/// The same rules as a `#[sync_to_async]` twin apply: the call starts when the future is first
/// polled, runs to completion even if the future is dropped after that, runs inside the
/// caller's `tracing` span, and a panic in `f` is re-raised in the caller with its payload.
///
/// Its calls are recorded in [`metrics`](crate::metrics) under `bridge_runtime::to_thread`,
/// together with every other anonymous call; [`CallSite::to_thread`] gives a closure a row of
/// its own, and a limit.
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
    dispatch_default(&TO_THREAD, f).await
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
    dispatch(&RUN_IN, executor, f).await
}

/// What [`prepare`] and `CallSite::admit` record for one call, in the same order, without
/// the thread hop (for the `overhead` bench).
pub(crate) fn record_one_call(site: &'static CallSite) {
    drop(
        Dispatched::new(site.recorder())
            .admitted(None)
            .start()
            .end(false),
    );
}
