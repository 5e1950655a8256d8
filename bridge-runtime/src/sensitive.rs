//! [`ThreadSensitive`]: calls that must all run on one dedicated thread, and
//! [`thread_sensitive_scope`], which gives a unit of work its own such thread.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering, fence};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::{self, Thread};

use crate::chain::Chain;
use crate::executor::{Executor, Job, Lane};
use crate::linger;

/// Runs every call on one dedicated thread, in the order the calls arrive
/// (asgiref's `thread_sensitive=True`).
///
/// Legacy code is often bound to a thread: a thread-local database connection, an open
/// transaction, a library that is not `Sync`. Calls through a `ThreadSensitive` executor all
/// run on its one thread, so `begin`, `update` and `commit` see the same connection.
///
/// - [`ThreadSensitive::global`] is the process-wide one that
///   `#[sync_to_async(thread_sensitive)]` uses outside a [`thread_sensitive_scope`].
/// - [`ThreadSensitive::new`] makes another. Its thread ends when the last clone is dropped,
///   after it has run the calls already queued.
///
/// Nesting does not deadlock: if a call running on the thread uses
/// [`block_on`](crate::block_on) on async code that awaits another call for the same thread,
/// the blocked thread runs that call itself while it waits. It runs only the calls made from
/// inside that `block_on`: calls from anywhere else wait their turn, as they would if the
/// thread were busy, and never run nested on its stack.
///
/// ```
/// use bridge_runtime::ThreadSensitive;
///
/// let db = ThreadSensitive::new("db-conn");
/// # futures_executor::block_on(async {
/// let first = bridge_runtime::run_in(&db, || std::thread::current().id()).await;
/// let second = bridge_runtime::run_in(&db, || std::thread::current().id()).await;
/// assert_eq!(first, second);
/// # });
/// ```
#[derive(Clone)]
pub struct ThreadSensitive {
    owner: Arc<Owner>,
}

/// Dropped with the last [`ThreadSensitive`] clone: tells the thread to finish and exit.
struct Owner(Arc<Shared>);

/// What the dedicated thread and its callers share.
pub(crate) struct Shared {
    name: String,
    queue: Mutex<Queue>,
    /// Jobs queued and not yet taken; read without the lock while the thread lingers.
    pending: AtomicUsize,
    state: AtomicU8,
    thread: OnceLock<Thread>,
}

struct Queue {
    jobs: VecDeque<Job>,
    /// No handle is left: run what is queued, then exit.
    closing: bool,
    /// The thread has exited; nothing can be queued any more.
    exited: bool,
}

const RUNNING: u8 = 0;
const PARKED: u8 = 1;

static GLOBAL: LazyLock<ThreadSensitive> =
    LazyLock::new(|| ThreadSensitive::new("bridge-sensitive"));

thread_local! {
    /// Set on a thread-sensitive executor's own thread.
    static HOME: OnceLock<Arc<Shared>> = const { OnceLock::new() };
}

impl ThreadSensitive {
    /// Starts a dedicated thread named `name`.
    ///
    /// # Panics
    ///
    /// If the operating system cannot start a thread.
    pub fn new(name: impl Into<String>) -> Self {
        let shared = Arc::new(Shared {
            name: name.into(),
            queue: Mutex::new(Queue {
                jobs: VecDeque::new(),
                closing: false,
                exited: false,
            }),
            pending: AtomicUsize::new(0),
            state: AtomicU8::new(RUNNING),
            thread: OnceLock::new(),
        });
        let home = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name(shared.name.clone())
            .spawn(move || home.main())
            .unwrap_or_else(|error| {
                panic!("bridge: cannot start thread `{}`: {error}", shared.name)
            });
        let _ = shared.thread.set(thread.thread().clone());
        ThreadSensitive {
            owner: Arc::new(Owner(shared)),
        }
    }

    /// The process-wide thread-sensitive executor, started on first use.
    ///
    /// Every thread-sensitive call made outside a [`thread_sensitive_scope`] runs here, so
    /// unrelated requests share its thread and whatever is bound to it. If request A opens a
    /// transaction on its thread-local connection (`begin_async().await`) and request B's
    /// autocommit insert runs there before A commits, B's row joins A's transaction: B sees
    /// `Ok`, and A's rollback removes it. Give each request its own scope, and make a missing
    /// scope an error with [`ThreadSensitive::require_scope`].
    pub fn global() -> &'static ThreadSensitive {
        &GLOBAL
    }

    /// With `true`, a thread-sensitive call made outside any [`thread_sensitive_scope`] (and
    /// outside a thread-sensitive call blocked in [`block_on`](crate::block_on)) panics in its
    /// caller, naming the fn, instead of running on the [global](ThreadSensitive::global)
    /// thread. Calls through a `ThreadSensitive` given explicitly are not affected.
    ///
    /// A server whose requests are each meant to run in their own scope turns it on at start-up,
    /// so a request that forgot its scope fails in tests instead of sharing a connection with
    /// other requests in production.
    ///
    /// ```
    /// use bridge_runtime::{ThreadSensitive, sync_to_async, thread_sensitive_scope};
    ///
    /// #[sync_to_async(thread_sensitive)]
    /// fn begin() {}
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// ThreadSensitive::require_scope(true);
    /// thread_sensitive_scope(begin_async()).await; // fine: the request has its own thread
    /// let unscoped = tokio::spawn(begin_async()).await; // panics: no scope
    /// assert!(unscoped.unwrap_err().is_panic());
    /// # }
    /// ```
    pub fn require_scope(required: bool) {
        REQUIRE_SCOPE.store(required, Ordering::Relaxed);
    }

    /// The name of the dedicated thread.
    pub fn name(&self) -> &str {
        &self.owner.0.name
    }

    /// The id of the dedicated thread.
    pub fn thread_id(&self) -> thread::ThreadId {
        self.owner.0.thread().id()
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.owner.0
    }
}

impl Executor for ThreadSensitive {
    fn execute(&self, job: Job) {
        self.owner.0.submit(job);
    }

    fn __execute(&self, job: Job) -> bool {
        self.owner.0.__execute(job)
    }

    fn __lane(&self) -> Lane {
        self.owner.0.lane()
    }
}

impl Executor for Shared {
    fn execute(&self, job: Job) {
        self.submit(job);
    }

    fn __execute(&self, job: Job) -> bool {
        let at_once = self.starts_at_once();
        self.submit(job);
        at_once
    }

    fn __lane(&self) -> Lane {
        self.lane()
    }
}

impl fmt::Debug for ThreadSensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadSensitive")
            .field("name", &self.owner.0.name)
            .field("queued", &self.owner.0.pending.load(Ordering::Relaxed))
            .finish()
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.lock().closing = true;
        self.0.wake();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Jobs never run under the lock, so a poisoned lock still holds a consistent queue.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn thread(&self) -> &Thread {
        self.thread
            .get()
            .expect("the thread is recorded when it is started")
    }

    /// The thread's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// No handle is left: the thread runs what is queued and ends, and takes no more calls.
    pub(crate) fn has_ended(&self) -> bool {
        let queue = self.lock();
        queue.closing || queue.exited
    }

    /// Calls queued and not started yet.
    pub(crate) fn queued(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }

    /// This executor's identity for the nesting rules.
    pub(crate) fn lane(&self) -> Lane {
        Lane::Sensitive(std::ptr::from_ref(self).addr())
    }

    pub(crate) fn submit(&self, job: Job) {
        let mut queue = self.lock();
        assert!(
            !queue.exited,
            "bridge: thread-sensitive executor `{}` has ended and takes no more calls",
            self.name
        );
        queue.jobs.push_back(job);
        self.pending.fetch_add(1, Ordering::SeqCst);
        drop(queue);
        // Pairs with the fence in `park`: either the thread sees the job, or we see it parked.
        fence(Ordering::SeqCst);
        if self.state.load(Ordering::SeqCst) == PARKED {
            self.wake();
        }
    }

    fn wake(&self) {
        if let Some(thread) = self.thread.get() {
            thread.unpark();
        }
    }

    /// Runs every queued job; returns whether it ran any. The jobs are taken from the queue in
    /// batches, into `batch`: one lock for all the calls that queued while the last ones ran,
    /// rather than one per call fought over with the callers queueing more. A job counts as
    /// queued until it starts.
    fn run_queued(&self, batch: &mut VecDeque<Job>) -> bool {
        let mut ran = false;
        loop {
            std::mem::swap(&mut self.lock().jobs, batch);
            if batch.is_empty() {
                return ran;
            }
            while let Some(job) = batch.pop_front() {
                self.pending.fetch_sub(1, Ordering::SeqCst);
                job.run();
                ran = true;
            }
        }
    }

    /// Parks the thread until a job is submitted or it is unparked for another reason.
    fn park(&self) {
        self.state.store(PARKED, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if self.pending.load(Ordering::SeqCst) == 0 {
            thread::park();
        }
        self.state.store(RUNNING, Ordering::SeqCst);
    }

    /// Waits briefly for the next job without parking; returns whether one arrived. A caller
    /// that makes calls back to back finds the thread awake, which saves a wake-up per call.
    fn linger(&self) -> bool {
        linger::yield_until(linger::IDLE, || self.pending.load(Ordering::SeqCst) > 0)
    }

    /// Awake and with nothing queued: a job submitted now starts at once.
    fn starts_at_once(&self) -> bool {
        self.pending.load(Ordering::SeqCst) == 0 && self.state.load(Ordering::SeqCst) != PARKED
    }

    /// The dedicated thread's life: run jobs until the last handle is gone and the queue is
    /// empty.
    fn main(self: Arc<Self>) {
        HOME.with(|home| {
            let _ = home.set(Arc::clone(&self));
        });
        let mut batch = VecDeque::new();
        loop {
            if self.run_queued(&mut batch) || self.linger() {
                continue;
            }
            {
                let mut queue = self.lock();
                if queue.closing && queue.jobs.is_empty() {
                    queue.exited = true;
                    return;
                }
            }
            self.park();
        }
    }
}

/// The thread-sensitive executor this thread belongs to, if it is one's own thread.
pub(crate) fn home() -> Option<Arc<Shared>> {
    HOME.with(|home| home.get().cloned())
}

/// A [`thread_sensitive_scope`]: its thread is started by the first call that needs it, and
/// ends with the scope.
#[derive(Default)]
pub(crate) struct Scope {
    owner: OnceLock<ThreadSensitive>,
}

/// Scope threads are numbered, so that two requests' threads can be told apart.
static SCOPES: AtomicUsize = AtomicUsize::new(0);

impl Scope {
    fn target(&self) -> Arc<Shared> {
        let owner = self.owner.get_or_init(|| {
            let n = SCOPES.fetch_add(1, Ordering::Relaxed) + 1;
            ThreadSensitive::new(format!("bridge-scope-{n}"))
        });
        Arc::clone(owner.shared())
    }
}

/// Set by [`ThreadSensitive::require_scope`].
static REQUIRE_SCOPE: AtomicBool = AtomicBool::new(false);

/// Where the thread-sensitive call `name` made in `chain` runs: on the chain's scope's thread;
/// outside a scope, on the innermost thread-sensitive thread blocked in the chain (as a direct
/// call from its sync code would); else on the global thread.
///
/// # Panics
///
/// Outside a scope and a blocked thread-sensitive thread, if [`ThreadSensitive::require_scope`]
/// made that an error.
pub(crate) fn target(name: &str, chain: &Chain) -> Arc<Shared> {
    if let Some(scope) = &chain.scope {
        return scope.target();
    }
    if let Some(blocked) = chain.blocked_sensitive() {
        return blocked;
    }
    assert!(
        !REQUIRE_SCOPE.load(Ordering::Relaxed),
        "bridge: the thread-sensitive `{name}` was called outside a `thread_sensitive_scope`. On \
         the process-wide thread it would share one thread (one thread-local connection, one open \
         transaction) with every other unscoped call, and `ThreadSensitive::require_scope(true)` \
         makes that an error: run the request inside `bridge_runtime::thread_sensitive_scope(..)`"
    );
    Arc::clone(GLOBAL.shared())
}

/// Runs `future` so that every thread-sensitive call it makes runs on one dedicated thread of
/// its own, which ends with the scope (asgiref's `ThreadSensitiveContext`).
///
/// Typical use is one scope per request in a server: each request's legacy calls share a
/// thread (and so a thread-local connection or transaction), while different requests run in
/// parallel. Scope threads are named `bridge-scope-1`, `bridge-scope-2`, ... Scopes nest: an
/// inner scope reuses the outer one's thread.
///
/// The scope follows the future through `.await`s and through every bridged call: a
/// thread-sensitive call made by sync code, through [`block_on`](crate::block_on), from inside
/// a default twin called in the scope still runs on the scope's thread. Like any task-local
/// value, it does not follow a task started with `tokio::spawn`; start such a task with
/// [`bridge_runtime::spawn`](crate::spawn) instead, and it belongs to the scope.
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
/// let (a, b) = thread_sensitive_scope(async {
///     (connection_thread_async().await, connection_thread_async().await)
/// })
/// .await;
/// assert_eq!(a, b);
/// let other = thread_sensitive_scope(connection_thread_async()).await;
/// assert_ne!(a, other);
/// # }
/// ```
pub async fn thread_sensitive_scope<F: Future>(future: F) -> F::Output {
    let chain = Chain::current();
    if chain.scope.is_some() {
        return future.await;
    }
    chain
        .with_scope(Arc::new(Scope::default()))
        .scope(future)
        .await
}
