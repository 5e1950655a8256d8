//! The chain a call belongs to: the [`thread_sensitive_scope`](crate::thread_sensitive_scope)
//! it runs in, and the threads above it that are blocked in [`block_on`](crate::block_on)
//! waiting for it.
//!
//! The chain travels with every call: in a task-local while async code runs, inside the job
//! while it crosses to its thread, and in a thread-local while the sync fn runs there. A
//! `block_on` made by that sync fn adds its own thread to the chain, so a call made further
//! down knows which blocked threads it may run on:
//!
//! - a thread-sensitive call whose thread is blocked in the chain runs on it, inside its
//!   `block_on` (the only way it can run at all);
//! - a call for the default executor made where a default-executor thread is blocked in the
//!   chain is offered to that thread as well as to tokio's blocking pool, and runs on whichever
//!   takes it first: a chain never waits for a blocking pool its own blocked threads exhaust
//!   (bridge cannot give a slot of tokio's pool back);
//! - a [`Pool`](crate::Pool) thread blocked in `block_on` gives its slot back while it waits,
//!   so the pool can start a thread for the calls it waits for (see `pool.rs`).
//!
//! A blocked thread runs only the calls of its own chain. Unrelated calls queue for it as
//! usual and run after its `block_on` returns, never nested on its stack.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use crate::executor::{Executor, Job, Lane};
use crate::sensitive::{self, Scope};

/// Where a piece of code runs, as far as bridge's nesting rules care.
#[derive(Clone, Default)]
pub(crate) struct Chain {
    /// The current [`thread_sensitive_scope`](crate::thread_sensitive_scope), if any.
    pub(crate) scope: Option<Arc<Scope>>,
    /// The innermost thread blocked in `block_on` above this code; the rest via `parent`.
    blocked: Option<Arc<Blocked>>,
}

tokio::task_local! {
    /// The chain of the async code being polled.
    static CHAIN: Chain;
}

thread_local! {
    /// The chain and lane of the call running on this thread, if it is a bridged call.
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
}

/// What a thread running a bridged call knows about it.
#[derive(Clone)]
struct Current {
    chain: Chain,
    /// The executor the call was dispatched to.
    lane: Lane,
    /// The call site whose limit slot the call holds, by address.
    holds: Option<usize>,
}

impl Chain {
    /// The chain of the code running here: the async code's, else the bridged call's on this
    /// thread, else none.
    pub(crate) fn current() -> Chain {
        CHAIN.try_with(Chain::clone).unwrap_or_else(|_| {
            CURRENT.with(|current| {
                current
                    .borrow()
                    .as_ref()
                    .map(|current| current.chain.clone())
                    .unwrap_or_default()
            })
        })
    }

    /// Runs `future` with this chain as its task-local chain.
    pub(crate) async fn scope<F: Future>(self, future: F) -> F::Output {
        CHAIN.scope(self, future).await
    }

    /// This chain inside a new scope.
    pub(crate) fn with_scope(mut self, scope: Arc<Scope>) -> Chain {
        self.scope = Some(scope);
        self
    }

    /// The threads of this chain still blocked in their `block_on`, innermost first. (A task
    /// started with [`spawn`] may outlive the `block_on` it was started in.)
    fn blocked(&self) -> impl Iterator<Item = &Arc<Blocked>> {
        std::iter::successors(self.blocked.as_ref(), |blocked| blocked.parent.as_ref())
            .filter(|blocked| !blocked.lock().closed)
    }

    /// The executor of the innermost thread-sensitive thread blocked in this chain:
    /// thread-sensitive calls made here outside a scope go back to it, as a direct call from
    /// its sync code would run there. A task started with [`spawn`] keeps going there after
    /// that `block_on` has returned (its calls then queue as usual), so that all its calls
    /// stay on one thread, unless that thread has ended.
    pub(crate) fn blocked_sensitive(&self) -> Option<Arc<sensitive::Shared>> {
        std::iter::successors(self.blocked.as_ref(), |blocked| blocked.parent.as_ref())
            .filter_map(|blocked| blocked.home.clone())
            .find(|home| !home.has_ended())
    }

    /// Whether a call blocked in this chain holds a slot of the limit of the call site at
    /// `site`: a call of that site made here can only be its own nested call, which waiting
    /// for a slot would deadlock (plain recursion through `block_on`), so it uses that slot.
    pub(crate) fn holds(&self, site: usize) -> bool {
        self.blocked().any(|blocked| blocked.holds == Some(site))
    }

    /// The innermost thread blocked in this chain that serves `lane`.
    pub(crate) fn blocked_on(&self, lane: Lane) -> Option<&Arc<Blocked>> {
        if lane == Lane::Other {
            return None;
        }
        self.blocked().find(|blocked| blocked.lane == lane)
    }

    /// Runs `call`, a bridged call dispatched to `lane` that holds a slot of the limit of the
    /// call site `holds` (by address), on this thread with this chain as its chain.
    pub(crate) fn enter<T>(self, lane: Lane, holds: Option<usize>, call: impl FnOnce() -> T) -> T {
        let current = Current {
            chain: self,
            lane,
            holds,
        };
        let outer = CURRENT.with(|slot| slot.replace(Some(current)));
        let _restore = Restore(outer);
        call()
    }
}

/// Puts the thread's previous [`Current`] back, also when the call unwinds.
struct Restore(Option<Current>);

impl Drop for Restore {
    fn drop(&mut self) {
        let outer = self.0.take();
        CURRENT.with(|current| *current.borrow_mut() = outer);
    }
}

/// A thread blocked in `block_on` on behalf of a bridged call, and the calls of its chain
/// waiting to run on it.
pub(crate) struct Blocked {
    /// What the blocked thread serves: calls dispatched to this lane may run on it.
    lane: Lane,
    /// The call site whose limit slot the blocked call holds, by address.
    holds: Option<usize>,
    /// The thread-sensitive executor whose thread this is, if it is one.
    home: Option<Arc<sensitive::Shared>>,
    thread: Thread,
    inbox: Mutex<Inbox>,
    parent: Option<Arc<Blocked>>,
}

struct Inbox {
    jobs: VecDeque<Offered>,
    /// The `block_on` has returned: nothing more can be run here.
    closed: bool,
}

/// A job handed to a blocked thread.
enum Offered {
    /// It can run only there (a thread-sensitive call).
    Only(Job),
    /// Its twin is queued on the executor as well; whichever is run first runs the call.
    Either(Job),
}

impl Blocked {
    fn lock(&self) -> MutexGuard<'_, Inbox> {
        // Jobs never run under the lock, so a poisoned lock still holds a consistent inbox.
        self.inbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn offer(&self, job: Offered) -> Result<(), Offered> {
        let mut inbox = self.lock();
        if inbox.closed {
            return Err(job);
        }
        inbox.jobs.push_back(job);
        drop(inbox);
        self.thread.unpark();
        Ok(())
    }

    /// Whether the blocked thread is a thread-sensitive thread: calls for it can run nowhere
    /// else.
    pub(crate) fn is_sensitive(&self) -> bool {
        self.home.is_some()
    }

    /// The executor this blocked thread belongs to, owned: where the calls it must not run
    /// nested go instead (see `serial.rs`).
    pub(crate) fn relay(&self) -> crate::serial::Relay {
        match &self.home {
            Some(home) => Box::new(Arc::clone(home)),
            None => Box::new(crate::executor::DefaultExecutor),
        }
    }

    /// Hands a thread-sensitive call to this blocked thread-sensitive thread.
    pub(crate) fn run_here(&self, job: Job) {
        if let Err(Offered::Only(job) | Offered::Either(job)) = self.offer(Offered::Only(job)) {
            // Its `block_on` returned in the meantime: the call queues for the thread as usual.
            self.home
                .as_ref()
                .expect("only thread-sensitive threads take such calls")
                .submit(job);
        }
    }

    /// Hands `job` to `executor` and offers it to this blocked thread as well: whichever runs
    /// it first runs it. The executor has it first, so a call it refuses (a pool shut down)
    /// runs nowhere.
    pub(crate) fn offer_either(&self, executor: &dyn Executor, job: Job) {
        let (here, there) = job.split();
        executor.execute(there);
        // If the `block_on` has returned, the executor's copy runs the call.
        let _ = self.offer(Offered::Either(here));
    }

    fn pop(&self) -> Option<Offered> {
        self.lock().jobs.pop_front()
    }

    /// Closes the inbox; calls that can run only on this thread go to its queue.
    fn close(&self) {
        let jobs = {
            let mut inbox = self.lock();
            inbox.closed = true;
            std::mem::take(&mut inbox.jobs)
        };
        for job in jobs {
            if let Offered::Only(job) = job {
                self.run_here(job);
            }
        }
    }
}

/// Closes a [`Blocked`] when its `block_on` ends, also when the future panics.
struct Close<'a>(&'a Blocked);

impl Drop for Close<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Whether this thread is running a bridged call (or is a thread-sensitive executor's thread).
pub(crate) fn in_call() -> bool {
    CURRENT.with(|current| current.borrow().is_some()) || sensitive::home().is_some()
}

/// `block_on` on a thread that runs a bridged call: drives `future` on this thread and, while
/// it waits, runs the calls of its own chain that were handed to this thread. The caller has
/// entered the runtime the future needs.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let home = sensitive::home();
    let current = CURRENT.with(|current| current.borrow().clone());
    let (chain, lane, holds) = match current {
        Some(current) => (current.chain, current.lane, current.holds),
        None => (
            Chain::default(),
            home.as_ref().map_or(Lane::Other, |home| home.lane()),
            None,
        ),
    };
    let blocked = Arc::new(Blocked {
        lane,
        holds,
        home,
        thread: thread::current(),
        inbox: Mutex::new(Inbox {
            jobs: VecDeque::new(),
            closed: false,
        }),
        parent: chain.blocked.clone(),
    });
    let _close = Close(&blocked);
    // On a pool thread, the pool may start another thread for the calls this one waits for.
    let _lent = crate::pool::lend();
    let chain = Chain {
        scope: chain.scope,
        blocked: Some(Arc::clone(&blocked)),
    };
    let mut waiting = Waiting {
        since: Instant::now(),
        reported: false,
    };
    let mut undriven = Undriven::watch();
    let mut future = pin!(CHAIN.scope(chain, future));
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        let mut ran = false;
        while let Some(job) = blocked.pop() {
            match job {
                Offered::Only(job) | Offered::Either(job) => job.run(),
            }
            ran = true;
        }
        if !ran {
            // An unpark that came since the last poll or offer makes this return at once.
            match (&blocked.home, &undriven) {
                (None, None) => thread::park(),
                _ => {
                    thread::park_timeout(CHECK_EVERY);
                    if let Some(home) = &blocked.home {
                        waiting.check(home);
                    }
                    if let Some(undriven) = &mut undriven {
                        undriven.check();
                    }
                }
            }
        }
    }
}

/// How long a thread-sensitive thread may stay blocked in `block_on` while other calls wait for
/// it before it is reported.
const WAITING_REPORT: Duration = Duration::from_secs(2);

/// How often a `block_on` that watches for something wakes to look.
const CHECK_EVERY: Duration = Duration::from_millis(100);

/// How long a current_thread runtime may go undriven before a `block_on` waiting on it gives up.
const UNDRIVEN_LIMIT: Duration = Duration::from_secs(2);

/// Watches the current_thread runtime a `block_on` waits on. Such a runtime runs its timers,
/// I/O and tasks only while its own `block_on` drives it: a caller that stopped waiting for the
/// bridged call (a timeout) no longer does, and the future here would wait forever. A driven
/// runtime is either parked waiting for events (an odd park/unpark count) or publishes new
/// counters as it runs; one that does neither for [`UNDRIVEN_LIMIT`] is not driven, and the
/// call fails with a message that says so instead of hanging.
struct Undriven {
    runtime: tokio::runtime::Handle,
    seen: (u64, Duration),
    since: Instant,
}

impl Undriven {
    fn watch() -> Option<Undriven> {
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        if runtime.runtime_flavor() != tokio::runtime::RuntimeFlavor::CurrentThread {
            return None;
        }
        Some(Undriven {
            seen: Undriven::counters(&runtime),
            runtime,
            since: Instant::now(),
        })
    }

    fn counters(runtime: &tokio::runtime::Handle) -> (u64, Duration) {
        let metrics = runtime.metrics();
        (
            metrics.worker_park_unpark_count(0),
            metrics.worker_total_busy_duration(0),
        )
    }

    fn check(&mut self) {
        let seen = Undriven::counters(&self.runtime);
        let parked = seen.0 % 2 == 1;
        if parked || seen != self.seen {
            self.seen = seen;
            self.since = Instant::now();
            return;
        }
        let undriven = self.since.elapsed();
        assert!(
            undriven < UNDRIVEN_LIMIT,
            "bridge: `block_on` in a bridged call waits on the caller's current_thread runtime, \
             which nothing has driven for {undriven:.1?}: its caller stopped waiting for the call \
             (a timeout, a dropped future) and no `Runtime::block_on` runs it any more, so the \
             future can never finish. Keep driving the runtime until the call ends, or use a \
             multi-thread runtime"
        );
    }
}

/// Reports, once, a thread-sensitive thread blocked in `block_on` for long while calls from
/// outside its chain wait for it: if the blocked call awaits one of them, it never ends.
struct Waiting {
    since: Instant,
    reported: bool,
}

impl Waiting {
    fn check(&mut self, home: &sensitive::Shared) {
        let blocked_for = self.since.elapsed();
        let waiting = home.queued();
        if self.reported || blocked_for < WAITING_REPORT || waiting == 0 {
            return;
        }
        self.reported = true;
        tracing::warn!(
            "bridge: thread-sensitive thread `{}` has been blocked in `block_on` for {:.1?} while \
             {waiting} calls from outside the blocked call wait for it. If the blocked call awaits \
             one of them (for example from a task started with `tokio::spawn` inside `block_on`), \
             it can never end: start such tasks with `bridge_runtime::spawn`, which keeps them \
             part of the blocked call",
            home.name(),
            blocked_for,
        );
    }
}

/// Wakes a thread blocked in [`block_on`].
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// [`tokio::spawn`] for a task that belongs to the caller's bridged work: the task keeps the
/// caller's [`thread_sensitive_scope`](crate::thread_sensitive_scope), and, inside
/// [`block_on`](crate::block_on), counts as part of the blocked call, so the thread-sensitive
/// calls it makes can run on the blocked thread.
///
/// Task-local values do not follow `tokio::spawn`, so a task started with it is on its own:
/// its thread-sensitive calls go to the global thread, which waits for a blocked call to end
/// before it runs them (asgiref's tasks inherit their context the way this function's do).
///
/// ```
/// use bridge_runtime::{sync_to_async, thread_sensitive_scope};
///
/// #[sync_to_async(thread_sensitive)]
/// fn connection_thread() -> std::thread::ThreadId {
///     std::thread::current().id()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (here, in_task) = thread_sensitive_scope(async {
///     let task = bridge_runtime::spawn(connection_thread_async());
///     (connection_thread_async().await, task.await.unwrap())
/// })
/// .await;
/// assert_eq!(here, in_task);
/// # }
/// ```
///
/// # Panics
///
/// Outside a tokio runtime, as `tokio::spawn` does.
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(Chain::current().scope(future))
}
