//! [`Watchdog`]: reports each time a tokio runtime could not run a ready task for longer than a
//! threshold, the way asyncio's debug mode reports slow callbacks.
//!
//! A stall is almost always a blocking call made on a runtime worker thread: a legacy fn called
//! directly from async code instead of through its twin, a `std::thread::sleep`, a lock held
//! across a slow operation. Mark such fns [`#[sync_only]`](crate::sync_only) to find them by a
//! panic in tests; run a watchdog to find the rest by their effect in production.
//!
//! ```
//! use std::time::Duration;
//! use bridge_runtime::watchdog::Watchdog;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let watchdog = Watchdog::start(Duration::from_millis(50));
//! // A blocking call on the runtime's only thread: nothing else can run meanwhile.
//! std::thread::sleep(Duration::from_millis(150));
//! tokio::time::sleep(Duration::from_millis(60)).await;
//! # let deadline = std::time::Instant::now() + Duration::from_secs(10);
//! # while watchdog.stalls().count == 0 && std::time::Instant::now() < deadline {
//! #     tokio::time::sleep(Duration::from_millis(10)).await;
//! # }
//! // A `tracing` warning named the stall and its duration; the count says how many there were.
//! assert_eq!(watchdog.stalls().count, 1);
//! # }
//! ```
//!
//! # How it works
//!
//! tokio's stable runtime metrics (1.54: `num_workers`, `global_queue_depth`,
//! `worker_park_count`, `worker_park_unpark_count`, `worker_total_busy_duration`) are published
//! by each worker only when it parks and at its periodic maintenance (every 61 task polls), so
//! they cannot tell by themselves how long a task waited. The watchdog therefore combines two
//! probes, both driven by one monitor thread that sleeps between checks, every quarter of the
//! threshold:
//!
//! - **Ping**: the monitor wakes a probe task on the runtime and notes the time; the task notes
//!   when it ran. The difference is exactly how long a ready task waited for the runtime. More
//!   than the threshold is a stall, reported when the probe finally runs. On a `current_thread`
//!   runtime, which has one thread for every task, this sees every stall.
//! - **Workers** (multi-thread runtimes only): a ping is woken from outside the runtime, so any
//!   idle worker takes it, and one blocked worker among several goes unseen by it; yet the tasks
//!   queued behind that worker's LIFO slot, which other workers cannot steal, wait for it. So
//!   the monitor also reads each worker's published counters: a worker that is not parked
//!   (`worker_park_unpark_count` even) and has published nothing (no park, no maintenance) for
//!   longer than the threshold has been stuck in one task poll, or ran fewer than 61 polls in
//!   that time, each far too long. It is reported when it publishes again.
//!
//! A ping stall that overlaps a worker stall is the same event seen twice and is not counted
//! again.
//!
//! # Cost and limits
//!
//! While the runtime is healthy the watchdog costs one task wake-up and a few atomic reads every
//! quarter of the threshold (and, on Linux, one read of `/proc/self/task/TID/schedstat` per
//! runtime thread, on the monitor's thread), nothing on the runtime's own paths: no hook, no
//! instrumented poll.
//!
//! - A stall is measured from the checks that see it, to within a quarter of the threshold
//!   (ping) or half of it (workers), and reported as at least that long: a stall shorter than
//!   1.5 × the threshold may go unreported.
//! - The worker check cannot tell one poll that blocked from fewer than 61 polls that together
//!   took longer than the threshold; both are reported, and both mean tasks that should have
//!   yielded did not.
//! - On a `current_thread` runtime, start the watchdog where the runtime is driven all the time
//!   (`#[tokio::main]`, a server's `block_on`): between two `block_on` calls nobody runs its
//!   tasks, and the watchdog would report that wait as a stall.
//! - A ping also waits when the runtime is overloaded with short, healthy tasks; that is
//!   reported too, since ready tasks did wait.
//! - A runtime thread can also wait because the OS gave its CPU to other threads (CPU-bound
//!   calls on the blocking pool, other processes): the thread is ready, not blocked. On Linux
//!   the monitor reads each runtime thread's run-queue time (`/proc/self/task/TID/schedstat`;
//!   the probe tells it which thread is which, and the threads named like it are its siblings)
//!   and, when a stall would not have been one
//!   without the time its thread spent waiting for a CPU, reports an overloaded machine
//!   instead of a blocking call, and
//!   counts it apart (`Stalls::starved`). A blocked thread (sleeping, or in a syscall) is not
//!   waiting for a CPU, and a busy one is running, so a real blocking call is still a stall.
//! - A stall is reported when it ends. One that lasts ten times the threshold (a deadlock) also
//!   gets an early warning, once, while it goes on.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::Notify;

use crate::metrics::Stalls;

/// All watchdogs of the process together, for [`metrics::snapshot`](crate::metrics::snapshot).
static TOTALS: Counters = Counters::new();
static WATCHDOGS: AtomicU64 = AtomicU64::new(0);

pub(crate) fn totals() -> Stalls {
    Stalls {
        watchdogs: WATCHDOGS.load(Relaxed),
        ..TOTALS.read()
    }
}

/// The smallest threshold: below it, the timer resolution of the OS makes every check a stall.
const MIN_THRESHOLD: Duration = Duration::from_millis(4);

/// A stall detector for one tokio runtime; it stops when dropped.
///
/// Each stall longer than the threshold is reported as a `tracing` warning (target
/// `bridge::watchdog`) that names its duration, and counted: see [`Watchdog::stalls`], and the
/// totals of all watchdogs in [`metrics::snapshot`](crate::metrics::snapshot). With the default
/// `log` feature, an app without a `tracing` subscriber gets the warning as a `log` record (same
/// target, level `Warn`); with the `metrics` feature, the stall is also exported as
/// `bridge_runtime_stalls_total` and `bridge_runtime_stall_seconds`. The
/// [module docs](self) say how stalls are detected, what it costs and what it cannot see.
pub struct Watchdog {
    shared: Arc<Shared>,
    probe: tokio::task::AbortHandle,
    monitor: Option<JoinHandle<()>>,
}

struct Shared {
    threshold: Duration,
    epoch: Instant,
    /// Wakes the probe task.
    ping: Notify,
    /// When the probe last ran: nanoseconds since `epoch`, plus one; zero for "not yet".
    answered: AtomicU64,
    /// The OS thread that last ran the probe (its Linux thread id), and which worker it is
    /// (`usize::MAX` for a `current_thread` runtime's thread); 0 where that is not known.
    answered_by: AtomicU64,
    answered_worker: AtomicUsize,
    /// The probe task is gone: aborted, or its runtime shut down.
    probe_gone: AtomicBool,
    stop: Mutex<bool>,
    wake: Condvar,
    counters: Counters,
}

struct Counters {
    count: AtomicU64,
    total: AtomicU64,
    longest: AtomicU64,
    starved: AtomicU64,
}

impl Counters {
    const fn new() -> Self {
        Counters {
            count: AtomicU64::new(0),
            total: AtomicU64::new(0),
            longest: AtomicU64::new(0),
            starved: AtomicU64::new(0),
        }
    }

    fn add(&self, stall: Duration) {
        let nanos = u64::try_from(stall.as_nanos()).unwrap_or(u64::MAX);
        self.total.fetch_add(nanos, Relaxed);
        self.longest.fetch_max(nanos, Relaxed);
        // Counted last, so that a reader who sees the count also sees its duration.
        self.count.fetch_add(1, Relaxed);
    }

    fn read(&self) -> Stalls {
        Stalls {
            watchdogs: 1,
            count: self.count.load(Relaxed),
            total: Duration::from_nanos(self.total.load(Relaxed)),
            longest: Duration::from_nanos(self.longest.load(Relaxed)),
            starved: self.starved.load(Relaxed),
        }
    }
}

impl Watchdog {
    /// Starts watching the current tokio runtime.
    ///
    /// `threshold` is the shortest stall reported; below 4 ms it is raised to 4 ms.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or if the OS cannot start the monitor thread.
    pub fn start(threshold: Duration) -> Watchdog {
        let handle = Handle::try_current().unwrap_or_else(|_| {
            panic!(
                "bridge: `Watchdog::start` needs a tokio runtime; call it inside one, or use \
                 `Watchdog::start_on(&handle, threshold)`"
            )
        });
        Watchdog::start_on(&handle, threshold)
    }

    /// Starts watching the runtime of `handle`.
    ///
    /// # Panics
    ///
    /// If the OS cannot start the monitor thread.
    pub fn start_on(handle: &Handle, threshold: Duration) -> Watchdog {
        let threshold = threshold.max(MIN_THRESHOLD);
        let shared = Arc::new(Shared {
            threshold,
            epoch: Instant::now(),
            ping: Notify::new(),
            answered: AtomicU64::new(0),
            answered_by: AtomicU64::new(0),
            answered_worker: AtomicUsize::new(usize::MAX),
            probe_gone: AtomicBool::new(false),
            stop: Mutex::new(false),
            wake: Condvar::new(),
            counters: Counters::new(),
        });
        let probe = handle.spawn(probe(Arc::clone(&shared))).abort_handle();
        let monitor = Monitor::new(Arc::clone(&shared), handle.clone());
        let monitor = std::thread::Builder::new()
            .name("bridge-watchdog".to_owned())
            .spawn(move || monitor.run())
            .unwrap_or_else(|error| panic!("bridge: cannot start the watchdog thread: {error}"));
        WATCHDOGS.fetch_add(1, Relaxed);
        Watchdog {
            shared,
            probe,
            monitor: Some(monitor),
        }
    }

    /// The shortest stall this watchdog reports.
    pub fn threshold(&self) -> Duration {
        self.shared.threshold
    }

    /// The stalls this watchdog has reported so far: how many, their total and the longest.
    pub fn stalls(&self) -> Stalls {
        self.shared.counters.read()
    }
}

impl fmt::Debug for Watchdog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watchdog")
            .field("threshold", &self.shared.threshold)
            .field("stalls", &self.stalls())
            .finish_non_exhaustive()
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        *self
            .shared
            .stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.shared.wake.notify_all();
        self.probe.abort();
        if let Some(monitor) = self.monitor.take() {
            // It only ever sleeps on `wake` between checks, so it exits at once.
            let _ = monitor.join();
        }
    }
}

/// The task on the runtime: notes when it runs after each ping.
async fn probe(shared: Arc<Shared>) {
    /// Tells the monitor when the task is gone, so that it does not take a runtime that shut
    /// down for a stalled one.
    struct Gone(Arc<Shared>);
    impl Drop for Gone {
        fn drop(&mut self) {
            self.0.probe_gone.store(true, Relaxed);
        }
    }
    let gone = Gone(shared);
    let shared = &gone.0;
    // Which thread runs the runtime's tasks, before the first ping: the monitor needs a thread
    // to watch from its first check on.
    shared.answered_by.store(schedstat::this_thread(), Relaxed);
    let worker = tokio::runtime::worker_index().unwrap_or(usize::MAX);
    shared.answered_worker.store(worker, Relaxed);
    loop {
        shared.ping.notified().await;
        let nanos = u64::try_from(shared.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX - 1);
        shared.answered_by.store(schedstat::this_thread(), Relaxed);
        let worker = tokio::runtime::worker_index().unwrap_or(usize::MAX);
        shared.answered_worker.store(worker, Relaxed);
        shared.answered.store(nanos + 1, Relaxed);
    }
}

/// The monitor thread's state.
struct Monitor {
    shared: Arc<Shared>,
    handle: Handle,
    interval: Duration,
    /// When the outstanding ping was sent.
    sent: Option<Instant>,
    /// The run-queue time of each runtime thread known so far (by thread id) when it was sent.
    waited_at_send: Vec<(u64, Duration)>,
    /// The outstanding ping has had its early warning.
    warned: bool,
    workers: Vec<Lane>,
    /// The OS threads that have run the probe: the runtime's threads.
    threads: Vec<u64>,
    /// When the last worker stall ended, to tell a ping stall that is the same event.
    worker_stall_ended: Option<Instant>,
}

/// What the monitor last saw of one worker.
struct Lane {
    seen: (u64, Duration),
    /// The worker's OS thread, once the probe has run there.
    thread: Option<u64>,
    /// The run-queue time of the runtime's known threads when `seen` last changed.
    waited_at_change: Vec<(u64, Duration)>,
    /// When `seen` last changed (as first observed).
    changed: Instant,
    /// The last check that found the worker still frozen past the threshold.
    frozen_until: Option<Instant>,
    warned: bool,
}

impl Monitor {
    fn new(shared: Arc<Shared>, handle: Handle) -> Self {
        let interval = shared.threshold / 4;
        let workers = match handle.runtime_flavor() {
            RuntimeFlavor::MultiThread => {
                let metrics = handle.metrics();
                let now = Instant::now();
                let waits = schedstat::sample(&schedstat::all());
                (0..metrics.num_workers())
                    .map(|worker| Lane {
                        seen: worker_counters(&handle, worker),
                        thread: None,
                        waited_at_change: waits.clone(),
                        changed: now,
                        frozen_until: None,
                        warned: false,
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        Monitor {
            shared,
            handle,
            interval,
            sent: None,
            waited_at_send: Vec::new(),
            warned: false,
            workers,
            threads: Vec::new(),
            worker_stall_ended: None,
        }
    }

    fn run(mut self) {
        let shared = Arc::clone(&self.shared);
        let mut stop = shared.stop.lock().unwrap_or_else(PoisonError::into_inner);
        while !*stop {
            stop = shared
                .wake
                .wait_timeout(stop, self.interval)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            if *stop || shared.probe_gone.load(Relaxed) {
                break;
            }
            // Checked without the lock, so that a drop does not wait for a check.
            drop(stop);
            // The runtime threads' run-queue times, read once per check for both probes, once
            // the thread that last ran the probe (and its siblings) are known.
            self.learn(self.shared.answered_by.load(Relaxed));
            let waits = self.sample();
            self.check_workers(&waits);
            self.check_ping(&waits);
            stop = shared.stop.lock().unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The run-queue time of the runtime's threads, or of every thread of the process until the
    /// probe has shown which threads those are: a ping sent (or a worker seen) before the probe
    /// first ran may stall on an overloaded machine too, and is told apart from the threads
    /// known by the time it is reported.
    fn sample(&self) -> Vec<(u64, Duration)> {
        if self.threads.is_empty() {
            schedstat::sample(&schedstat::all())
        } else {
            schedstat::sample(&self.threads)
        }
    }

    fn check_workers(&mut self, waits: &[(u64, Duration)]) {
        let threshold = self.shared.threshold;
        for (index, lane) in self.workers.iter_mut().enumerate() {
            let now = Instant::now();
            let seen = worker_counters(&self.handle, index);
            if seen != lane.seen {
                if let Some(until) = lane.frozen_until.take() {
                    let stall = until.saturating_duration_since(lane.changed);
                    self.worker_stall_ended = Some(now);
                    // The worker's own wait for a CPU; until the probe has shown which thread
                    // it is, the most any runtime thread waited meanwhile, which tells an
                    // overloaded machine just as well.
                    let waited = schedstat::most_waited(&lane.waited_at_change, waits, lane.thread);
                    report(
                        &self.shared,
                        stall,
                        waited,
                        format_args!("tokio worker {index}"),
                        format_args!(
                            "tokio worker {index} was stuck for at least {stall:?} (threshold \
                             {threshold:?}): one task ran without yielding, most likely a \
                             blocking call in async code; tasks queued on that worker waited"
                        ),
                    );
                }
                lane.seen = seen;
                lane.changed = now;
                lane.waited_at_change = waits.to_vec();
                lane.warned = false;
                continue;
            }
            // Parked (an odd count) is idle, not stalled.
            let active = seen.0.is_multiple_of(2);
            let frozen = now.saturating_duration_since(lane.changed);
            if active && frozen > threshold {
                lane.frozen_until = Some(now);
                if !lane.warned && frozen > threshold * 10 {
                    lane.warned = true;
                    tracing::warn!(
                        target: "bridge::watchdog",
                        "tokio worker {index} has been stuck for {frozen:?} and still is"
                    );
                }
            }
        }
    }

    fn check_ping(&mut self, waits: &[(u64, Duration)]) {
        let threshold = self.shared.threshold;
        let now = Instant::now();
        if let Some(sent) = self.sent {
            let answered = self.shared.answered.load(Relaxed);
            if answered == 0 {
                let waiting = now.saturating_duration_since(sent);
                if !self.warned && waiting > threshold * 10 {
                    self.warned = true;
                    tracing::warn!(
                        target: "bridge::watchdog",
                        "the tokio runtime has not run a ready task for {waiting:?} and still \
                         has not"
                    );
                }
                return;
            }
            let ran = self.shared.epoch + Duration::from_nanos(answered - 1);
            let waited = ran.saturating_duration_since(sent);
            let seen_by_workers = self.workers.iter().any(|lane| lane.frozen_until.is_some())
                || self.worker_stall_ended.is_some_and(|ended| ended >= sent);
            if waited > threshold && !seen_by_workers {
                // A ready task waits for any worker: the most any runtime thread waited for a
                // CPU meanwhile is what the OS took from the runtime.
                let for_cpu = schedstat::most_waited(&self.waited_at_send, waits, None);
                report(
                    &self.shared,
                    waited,
                    for_cpu,
                    format_args!("the tokio runtime"),
                    format_args!(
                        "the tokio runtime stalled for {waited:?} (threshold {threshold:?}): a \
                         ready task could not run; a blocking call on a runtime thread is the \
                         usual cause"
                    ),
                );
            }
            self.sent = None;
            self.warned = false;
        }
        self.shared.answered.store(0, Relaxed);
        // The run-queue time of every runtime thread known, to tell how much of a stall that
        // thread spent waiting for a CPU.
        self.waited_at_send = waits.to_vec();
        self.shared.ping.notify_one();
        // Timed once the ping is out: if this thread waits for a CPU before it gets the ping
        // out, that is no delay of the runtime's.
        self.sent = Some(Instant::now());
    }

    /// Notes which OS thread a worker is, from the thread that answered the last ping.
    fn learn(&mut self, thread: u64) {
        let worker = self.shared.answered_worker.load(Relaxed);
        if thread == 0 {
            return;
        }
        if !self.threads.contains(&thread) {
            // Its siblings too: the threads named like it are the runtime's other workers (and
            // its blocking threads), which a ready task may be waiting for as well.
            for sibling in schedstat::named_like(thread) {
                if !self.threads.contains(&sibling) {
                    self.threads.push(sibling);
                }
            }
        }
        if let Some(lane) = self.workers.get_mut(worker)
            && lane.thread != Some(thread)
        {
            lane.thread = Some(thread);
            lane.waited_at_change = schedstat::sample(&self.threads);
        }
    }
}

/// What a worker has published: its park/unpark count and busy time.
fn worker_counters(handle: &Handle, worker: usize) -> (u64, Duration) {
    let metrics = handle.metrics();
    (
        metrics.worker_park_unpark_count(worker),
        metrics.worker_total_busy_duration(worker),
    )
}

/// Reports a stall, or, when it would not have been one without the time its thread spent
/// waiting for a CPU (`waited_for_cpu`), an overloaded machine: `what` could not run because the
/// OS ran other threads, which no blocking call in async code explains.
fn report(
    shared: &Shared,
    stall: Duration,
    waited_for_cpu: Option<Duration>,
    what: fmt::Arguments<'_>,
    message: fmt::Arguments<'_>,
) {
    let threshold = shared.threshold;
    if let Some(waited) = waited_for_cpu.filter(|waited| stall.saturating_sub(*waited) <= threshold)
    {
        shared.counters.starved.fetch_add(1, Relaxed);
        TOTALS.starved.fetch_add(1, Relaxed);
        tracing::warn!(
            target: "bridge::watchdog",
            stall_ms = u64::try_from(stall.as_millis()).unwrap_or(u64::MAX),
            "{what} could not run for {stall:?}, but its thread was ready and waited {waited:?} \
             of that for a CPU: the machine is overloaded (more runnable threads than CPUs, for \
             example CPU-bound calls on the blocking pool), not a blocking call in async code"
        );
        return;
    }
    shared.counters.add(stall);
    TOTALS.add(stall);
    #[cfg(feature = "metrics")]
    crate::metrics::export_stall(stall);
    match waited_for_cpu {
        Some(waited) => tracing::warn!(
            target: "bridge::watchdog",
            stall_ms = u64::try_from(stall.as_millis()).unwrap_or(u64::MAX),
            "{message} (its threads waited {waited:?} of it for a CPU)"
        ),
        None => tracing::warn!(
            target: "bridge::watchdog",
            stall_ms = u64::try_from(stall.as_millis()).unwrap_or(u64::MAX),
            "{message}"
        ),
    }
}

/// Linux's per-thread scheduler statistics: how long a thread has waited for a CPU.
mod schedstat {
    use std::time::Duration;

    thread_local! {
        static THIS: u64 = std::fs::read_link("/proc/thread-self")
            .ok()
            .and_then(|link| link.file_name()?.to_str()?.parse().ok())
            .unwrap_or(0);
    }

    /// This thread's id, or 0 where `/proc` cannot tell.
    pub(super) fn this_thread() -> u64 {
        THIS.with(|id| *id)
    }

    /// Every thread of this process.
    pub(super) fn all() -> Vec<u64> {
        std::fs::read_dir("/proc/self/task")
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok()?.parse().ok())
            .collect()
    }

    /// The threads of this process named like `id` (itself included).
    pub(super) fn named_like(id: u64) -> Vec<u64> {
        let name = |id: u64| std::fs::read_to_string(format!("/proc/self/task/{id}/comm")).ok();
        let Some(own) = name(id) else {
            return vec![id];
        };
        let mut threads: Vec<u64> = all()
            .into_iter()
            .filter(|&task| name(task).as_ref() == Some(&own))
            .collect();
        if !threads.contains(&id) {
            threads.push(id);
        }
        threads
    }

    /// How long each of `threads` has waited on a run queue so far.
    pub(super) fn sample(threads: &[u64]) -> Vec<(u64, Duration)> {
        threads
            .iter()
            .filter_map(|&thread| Some((thread, waited(thread)?)))
            .collect()
    }

    /// The most any thread (or only `thread`, if given) waited for a CPU between two samples.
    pub(super) fn most_waited(
        then: &[(u64, Duration)],
        now: &[(u64, Duration)],
        thread: Option<u64>,
    ) -> Option<Duration> {
        then.iter()
            .filter(|(id, _)| thread.is_none_or(|only| only == *id))
            .filter_map(|(id, before)| {
                let (_, after) = now.iter().find(|(other, _)| other == id)?;
                Some(after.saturating_sub(*before))
            })
            .max()
    }

    /// How long the thread `id` of this process has waited on a run queue, in all.
    pub(super) fn waited(id: u64) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{id}/schedstat")).ok()?;
        let waited = stat.split_whitespace().nth(1)?.parse().ok()?;
        Some(Duration::from_nanos(waited))
    }
}
