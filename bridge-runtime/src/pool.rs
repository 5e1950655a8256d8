//! [`Pool`]: a named, bounded pool of threads for blocking calls.

use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::executor::{Executor, Job};
use crate::linger;

/// A named, bounded pool of threads for blocking calls (`ThreadPoolExecutor(max_workers=N)`).
///
/// Threads are started on demand up to the bound and are named `{name}-{n}`, so they are easy
/// to spot in a debugger or in `top -H`. A thread that stays idle for the keep-alive (10 s
/// unless set with [`Pool::keep_alive`]) retires; calls beyond the bound wait in a FIFO queue.
///
/// Use it to keep one kind of blocking work from starving another, for example a database
/// whose connection pool has four connections:
///
/// ```
/// use std::sync::LazyLock;
/// use bridge_runtime::{Pool, sync_to_async};
///
/// static DB: LazyLock<Pool> = LazyLock::new(|| Pool::new("db", 4));
///
/// #[sync_to_async(executor = DB)]
/// fn count_rows(table: &str) -> usize {
///     table.len()
/// }
///
/// # futures_executor::block_on(async {
/// assert_eq!(count_rows_async("users").await, 5);
/// # });
/// ```
///
/// The bound counts calls that are running. A call whose sync code waits in
/// [`block_on`](crate::block_on) gives its slot back while it waits, so that the calls it waits
/// for can run (on a thread the pool starts beside it) even when every thread of the pool is
/// waiting like it: nesting never deadlocks on an exhausted pool, whatever its size. To bound
/// how many calls of a kind are in flight in all, blocked or not, use a `limit = N`.
///
/// Dropping a pool lets its threads finish what is queued and exit; [`Pool::shutdown`] does the
/// same and waits for them.
pub struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    name: String,
    max_threads: usize,
    state: Mutex<State>,
    /// The queue's length, readable without the lock by threads that linger for work.
    queued: AtomicUsize,
    /// Threads that have just finished a job and look for the next one before they sleep.
    lingering: AtomicUsize,
    /// Signalled when a job is queued or the pool shuts down.
    work: Condvar,
    /// Signalled when a thread exits.
    exited: Condvar,
}

struct State {
    queue: VecDeque<Job>,
    keep_alive: Duration,
    threads: usize,
    /// Threads whose call waits in `block_on`: they do not count against the bound.
    blocked: usize,
    idle: usize,
    started: usize,
    shut_down: bool,
}

impl Pool {
    /// Creates a pool named `name` that runs at most `max_threads` calls at once.
    ///
    /// No thread is started until the first call.
    ///
    /// # Panics
    ///
    /// If `max_threads` is zero.
    pub fn new(name: impl Into<String>, max_threads: usize) -> Self {
        let name = name.into();
        assert!(
            max_threads > 0,
            "bridge: pool `{name}` needs at least one thread"
        );
        Pool {
            shared: Arc::new(Shared {
                name,
                max_threads,
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    keep_alive: Duration::from_secs(10),
                    threads: 0,
                    blocked: 0,
                    idle: 0,
                    started: 0,
                    shut_down: false,
                }),
                work: Condvar::new(),
                exited: Condvar::new(),
                queued: AtomicUsize::new(0),
                lingering: AtomicUsize::new(0),
            }),
        }
    }

    /// Sets how long an idle thread waits for work before it retires (default 10 s).
    #[must_use]
    pub fn keep_alive(self, keep_alive: Duration) -> Self {
        self.shared.lock().keep_alive = keep_alive;
        self
    }

    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The most threads the pool runs at once.
    pub fn max_threads(&self) -> usize {
        self.shared.max_threads
    }

    /// The number of threads alive now, busy or idle.
    pub fn threads(&self) -> usize {
        self.shared.lock().threads
    }

    /// Stops intake, runs every call already queued, and waits up to `timeout` for the pool's
    /// threads to finish.
    ///
    /// It blocks, and takes `&self` so that a pool in a `static` can be shut down. Calls
    /// dispatched to the pool afterwards panic with a message naming it.
    ///
    /// # Errors
    ///
    /// [`ShutdownTimeout`] if threads were still busy when `timeout` ran out; it says how many
    /// calls were still running or queued. They are not abandoned: they go on running, and the
    /// threads exit when they are done.
    pub fn shutdown(&self, timeout: Duration) -> Result<(), ShutdownTimeout> {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        state.shut_down = true;
        self.shared.work.notify_all();
        while state.threads > 0 {
            let now = Instant::now();
            if now >= deadline {
                return Err(ShutdownTimeout {
                    pool: self.shared.name.clone(),
                    running: state.threads - state.idle,
                    queued: state.queue.len(),
                });
            }
            state = self
                .shared
                .exited
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        Ok(())
    }
}

impl Executor for Pool {
    fn execute(&self, job: Job) {
        let shared = &self.shared;
        let mut state = shared.lock();
        assert!(
            !state.shut_down,
            "bridge: pool `{}` is shut down and takes no more calls",
            shared.name
        );
        state.queue.push_back(job);
        shared.queued.store(state.queue.len(), Ordering::SeqCst);
        let wake = shared.wake_or_start(&mut state);
        drop(state);
        shared.wake(wake);
    }

    fn __execute(&self, job: Job) -> bool {
        let at_once = self.shared.queued.load(Ordering::SeqCst) == 0
            && self.shared.lingering.load(Ordering::SeqCst) > 0;
        self.execute(job);
        at_once
    }
}

/// What [`Shared::wake_or_start`] decided: wake a sleeping thread, start a new one, or both.
struct Wake {
    notify: bool,
    start: Option<usize>,
}

thread_local! {
    /// The pool whose thread this is.
    static HOME: std::cell::RefCell<Option<Arc<Shared>>> = const { std::cell::RefCell::new(None) };
}

thread_local! {
    /// This pool thread's slot is lent (by the outermost `block_on` on it).
    static LENT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Gives the slot of the current pool thread back while its call waits in
/// [`block_on`](crate::block_on), until it is dropped. `None` off a pool thread, and in a
/// `block_on` nested in another on the same thread, whose slot is lent already.
pub(crate) fn lend() -> Option<Lent> {
    if LENT.with(std::cell::Cell::get) {
        return None;
    }
    let shared = HOME.with(|home| home.borrow().clone())?;
    LENT.with(|lent| lent.set(true));
    let mut state = shared.lock();
    state.blocked += 1;
    let wake = shared.wake_or_start(&mut state);
    drop(state);
    shared.wake(wake);
    Some(Lent(shared))
}

/// A pool thread's slot, lent while its call waits; taken back when dropped.
pub(crate) struct Lent(Arc<Shared>);

impl Drop for Lent {
    fn drop(&mut self) {
        self.0.lock().blocked -= 1;
        LENT.with(|lent| lent.set(false));
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Jobs never run under the lock, so a poisoned lock still holds consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Threads running calls (or looking for one), against the bound: blocked ones do not count.
    fn running(state: &State) -> usize {
        state.threads - state.blocked
    }

    /// Decides, with jobs queued, whether to wake a sleeping thread and whether to start one. A
    /// lingering thread takes a job without being woken; sleepers are woken for the rest, and a
    /// thread is started when there are more jobs than threads to take them and the bound
    /// allows it.
    fn wake_or_start(&self, state: &mut State) -> Wake {
        let queued = state.queue.len();
        let lingering = self.lingering.load(Ordering::SeqCst);
        let notify = state.idle > 0 && queued > lingering;
        let start = queued > state.idle + lingering && Shared::running(state) < self.max_threads;
        Wake {
            notify,
            start: start.then(|| {
                state.threads += 1;
                state.started += 1;
                state.started
            }),
        }
    }

    /// Carries out a [`Wake`], after the lock is released, so that the woken thread does not
    /// run into it.
    fn wake(self: &Arc<Self>, wake: Wake) {
        if wake.notify {
            self.work.notify_one();
        }
        if let Some(id) = wake.start {
            self.spawn_thread(id);
        }
    }

    fn spawn_thread(self: &Arc<Self>, id: usize) {
        let shared = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name(format!("{}-{id}", self.name))
            .spawn(move || {
                HOME.with(|home| *home.borrow_mut() = Some(Arc::clone(&shared)));
                shared.work_loop();
            });
        if let Err(error) = spawned {
            let mut state = self.lock();
            state.threads -= 1;
            // Queued calls still run on the threads that exist; with none, nothing would.
            assert!(
                state.threads > 0,
                "bridge: pool `{}` could not start a thread: {error}",
                self.name
            );
        }
    }

    /// Looks for the next job for a moment (unless as many threads as there are CPUs look
    /// already) before going back to the lock and the condvar. The thread always checks the
    /// queue under the lock afterwards, so no job waits on a lingering thread.
    fn linger(&self) {
        linger::linger(&self.lingering, || self.queued.load(Ordering::SeqCst) > 0);
    }

    fn work_loop(&self) {
        let mut state = self.lock();
        loop {
            // A thread started while others were blocked retires once they are back, before it
            // takes another call: the bound holds again. Another thread takes what is queued; one
            // may be asleep, counted on to take it, so it is woken.
            if Shared::running(&state) > self.max_threads {
                if !state.queue.is_empty() {
                    self.work.notify_one();
                }
                break;
            }
            if let Some(job) = state.queue.pop_front() {
                self.queued.store(state.queue.len(), Ordering::SeqCst);
                drop(state);
                job.run();
                self.linger();
                state = self.lock();
                continue;
            }
            if state.shut_down {
                break;
            }
            state.idle += 1;
            let keep_alive = state.keep_alive;
            let (next, wait) = self
                .work
                .wait_timeout(state, keep_alive)
                .unwrap_or_else(PoisonError::into_inner);
            state = next;
            state.idle -= 1;
            if wait.timed_out() && state.queue.is_empty() {
                break;
            }
        }
        state.threads -= 1;
        self.exited.notify_all();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // The threads finish what is queued, then exit on their own.
        self.shared.lock().shut_down = true;
        self.shared.work.notify_all();
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("Pool")
            .field("name", &self.shared.name)
            .field("max_threads", &self.shared.max_threads)
            .field("threads", &state.threads)
            .field("idle", &state.idle)
            .field("queued", &state.queue.len())
            .finish()
    }
}

/// [`Pool::shutdown`] ran out of time while calls were still running or queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownTimeout {
    /// The pool's name.
    pub pool: String,
    /// Calls that were running when the timeout ran out.
    pub running: usize,
    /// Calls that were queued and not started yet.
    pub queued: usize,
}

impl fmt::Display for ShutdownTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pool `{}` did not finish in time: {} calls running, {} queued",
            self.pool, self.running, self.queued
        )
    }
}

impl Error for ShutdownTimeout {}
