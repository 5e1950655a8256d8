//! [`Pool`]: a named, bounded pool of threads for blocking calls.

use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::executor::{Executor, Job, Lane};
use crate::spin;

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
/// Dropping a pool lets its threads finish what is queued and exit; [`Pool::shutdown`] does the
/// same and waits for them.
pub struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    name: String,
    max_threads: usize,
    state: Mutex<State>,
    /// The queue's length, readable without the lock by threads that spin for work.
    queued: AtomicUsize,
    /// Threads that have just finished a job and look for the next one before they sleep.
    spinning: AtomicUsize,
    /// Signalled when a job is queued or the pool shuts down.
    work: Condvar,
    /// Signalled when a thread exits.
    exited: Condvar,
}

struct State {
    queue: VecDeque<Job>,
    keep_alive: Duration,
    threads: usize,
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
                    idle: 0,
                    started: 0,
                    shut_down: false,
                }),
                work: Condvar::new(),
                exited: Condvar::new(),
                queued: AtomicUsize::new(0),
                spinning: AtomicUsize::new(0),
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
        let queued = state.queue.len();
        shared.queued.store(queued, Ordering::SeqCst);
        // A spinning thread takes a job without being woken; wake sleepers for the rest, and
        // start a thread when there are more jobs than threads to take them.
        let spinning = shared.spinning.load(Ordering::SeqCst);
        let notify = state.idle > 0 && queued > spinning;
        let start = queued > state.idle + spinning && state.threads < shared.max_threads;
        let id = start.then(|| {
            state.threads += 1;
            state.started += 1;
            state.started
        });
        drop(state);
        // Notified after unlocking, so that the woken thread does not run into the held lock.
        if notify {
            shared.work.notify_one();
        }
        if let Some(id) = id {
            self.spawn_thread(id);
        }
    }

    fn __starts_at_once(&self) -> bool {
        self.shared.queued.load(Ordering::SeqCst) == 0
            && self.shared.spinning.load(Ordering::SeqCst) > 0
    }

    fn __lane(&self) -> Lane {
        Lane::Pool(Arc::as_ptr(&self.shared).addr())
    }
}

impl Pool {
    fn spawn_thread(&self, id: usize) {
        let shared = Arc::clone(&self.shared);
        let spawned = std::thread::Builder::new()
            .name(format!("{}-{id}", self.shared.name))
            .spawn(move || shared.work_loop());
        if let Err(error) = spawned {
            let mut state = self.shared.lock();
            state.threads -= 1;
            // Queued calls still run on the threads that exist; with none, nothing would.
            assert!(
                state.threads > 0,
                "bridge: pool `{}` could not start a thread: {error}",
                self.shared.name
            );
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Jobs never run under the lock, so a poisoned lock still holds consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Looks for the next job for a moment before going back to the lock and the condvar. The
    /// thread always checks the queue under the lock afterwards, so no job waits on a spinner.
    fn spin(&self) {
        self.spinning.fetch_add(1, Ordering::SeqCst);
        spin::yield_until(spin::IDLE_SPIN, || self.queued.load(Ordering::SeqCst) > 0);
        self.spinning.fetch_sub(1, Ordering::SeqCst);
    }

    fn work_loop(&self) {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                self.queued.store(state.queue.len(), Ordering::SeqCst);
                drop(state);
                job.run();
                self.spin();
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
