//! [`ThreadSensitive`]: calls that must all run on one dedicated thread, and
//! [`thread_sensitive_scope`], which gives a unit of work its own such thread.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering, fence};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use crate::executor::{Executor, Job};
use crate::spin;

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
/// the blocked thread runs that call itself while it waits.
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
    /// Jobs queued and not yet taken; read without the lock while the thread spins.
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
    pub fn global() -> &'static ThreadSensitive {
        &GLOBAL
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

    fn __starts_at_once(&self) -> bool {
        self.owner.0.starts_at_once()
    }
}

impl Executor for Shared {
    fn execute(&self, job: Job) {
        self.submit(job);
    }

    fn __starts_at_once(&self) -> bool {
        self.starts_at_once()
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

    fn submit(&self, job: Job) {
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

    fn pop(&self) -> Option<Job> {
        let job = self.lock().jobs.pop_front();
        if job.is_some() {
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
        job
    }

    /// Runs every queued job; returns whether it ran any.
    fn run_queued(&self) -> bool {
        let mut ran = false;
        while let Some(job) = self.pop() {
            job.run();
            ran = true;
        }
        ran
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
    fn spin(&self) -> bool {
        spin::yield_until(spin::IDLE_SPIN, || self.pending.load(Ordering::SeqCst) > 0)
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
        loop {
            if self.run_queued() || self.spin() {
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

    /// [`crate::block_on`] on this executor's own thread: drives `future` and, while it waits,
    /// runs the calls queued for this thread, which may be the very calls `future` awaits.
    pub(crate) fn block_on<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        // Thread-sensitive calls awaited inside `future` come back to this thread.
        let scope = Arc::new(Scope {
            home: OnceLock::from(Arc::clone(self)),
            owner: OnceLock::new(),
        });
        let mut future = pin!(SCOPE.scope(scope, future));
        let waker = Waker::from(Arc::new(Unpark(thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            if !self.run_queued() {
                self.park();
            }
        }
    }
}

/// Wakes a thread blocked in [`Shared::block_on`].
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// The thread-sensitive executor this thread belongs to, if it is one's own thread.
pub(crate) fn home() -> Option<Arc<Shared>> {
    HOME.with(|home| home.get().cloned())
}

tokio::task_local! {
    static SCOPE: Arc<Scope>;
}

/// A [`thread_sensitive_scope`]: its thread is started by the first call that needs it.
struct Scope {
    home: OnceLock<Arc<Shared>>,
    /// Keeps the scope's own thread alive; absent where the scope lends an existing thread.
    owner: OnceLock<ThreadSensitive>,
}

impl Scope {
    fn target(&self) -> Arc<Shared> {
        Arc::clone(self.home.get_or_init(|| {
            let owner = self
                .owner
                .get_or_init(|| ThreadSensitive::new("bridge-scope"));
            Arc::clone(owner.shared())
        }))
    }
}

/// Where a `#[sync_to_async(thread_sensitive)]` call made here runs: the current scope's
/// thread, or the global one.
pub(crate) fn target() -> Arc<Shared> {
    SCOPE
        .try_with(|scope| scope.target())
        .unwrap_or_else(|_| Arc::clone(GLOBAL.shared()))
}

/// Runs `future` so that every thread-sensitive call it makes runs on one dedicated thread of
/// its own, which ends with the scope (asgiref's `ThreadSensitiveContext`).
///
/// Typical use is one scope per request in a server: each request's legacy calls share a
/// thread (and so a thread-local connection or transaction), while different requests run in
/// parallel. Scopes nest: an inner scope reuses the outer one's thread.
///
/// The scope follows the future through `.await`s, but, like any task-local value, not into
/// tasks started with `tokio::spawn`: thread-sensitive calls made there use the global thread.
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
    if SCOPE.try_with(|_| ()).is_ok() {
        return future.await;
    }
    let scope = Arc::new(Scope {
        home: OnceLock::new(),
        owner: OnceLock::new(),
    });
    SCOPE.scope(scope, future).await
}
