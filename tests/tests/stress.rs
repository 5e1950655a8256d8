//! The stress scenarios of issue 10, at a size CI can afford: concurrent calls with panics on
//! every executor, random cancellation with exactly-once accounting, `Pool::shutdown` under load,
//! runtime shutdown mid-flight, many calls without thread or memory leaks, and exact metrics
//! under eight tasks.
//!
//! The scenarios measure process-wide figures (threads, RSS, metrics), so they run one at a time.
//! `cargo test -p bridge-tests --test stress -- --nocapture` prints the figures.
//!
//! Every wait has a deadline, so a deadlock fails a test instead of hanging it.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, Once, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use bridge_runtime::{
    Pool, ThreadSensitive, metrics, run_in, sync_to_async, thread_sensitive_scope, to_thread,
};
use bridge_tests::{deadline, panic_message, wait_until, within};

// ---- Helpers ------------------------------------------------------------------------------------

static SERIAL: Mutex<()> = Mutex::new(());

/// One scenario at a time: threads, RSS and metrics are process-wide.
fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The message of every panic these tests cause on purpose (and the pool refusals they cause
/// are silenced as well).
const BOOM: &str = "stress: boom";

/// Silences the panics these tests cause on purpose, so that thousands of them do not flood the
/// output; every other panic is reported as usual.
fn quiet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let expected = info.payload_as_str().is_some_and(|m| {
                m.starts_with(BOOM) || m.starts_with("bridge: pool `stress-shutdown` is shut down")
            });
            if !expected {
                previous(info);
            }
        }));
    });
}

/// A deterministic xorshift64 generator: the same run every time, no crate needed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The threads of this process, from `/proc/self/task`.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// The resident set size of this process in KiB, from `/proc/self/status`.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// The calls and panics recorded so far under `name`.
fn recorded(name: &str) -> (u64, u64) {
    metrics::snapshot()
        .get(name)
        .map_or((0, 0), |m| (m.calls, m.panics))
}

/// Polls `future` once and drops it: a call polled once has been handed over.
fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
    let mut future = pin!(future);
    future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
}

// ---- 1. Concurrent calls with 10% panics on every executor --------------------------------------

/// Calls per executor.
const CALLS: u64 = 4_000;

/// Every tenth call panics; the others return `2 * i`.
fn outcome(i: u64) -> u64 {
    if i % 10 == 3 {
        panic!("{BOOM} {i}");
    }
    i * 2
}

#[sync_to_async]
fn on_default(i: u64) -> u64 {
    outcome(i)
}

static STRESS_POOL: LazyLock<Pool> = LazyLock::new(|| Pool::new("stress-pool", 4));

#[sync_to_async(executor = STRESS_POOL)]
fn on_pool(i: u64) -> u64 {
    outcome(i)
}

#[sync_to_async(thread_sensitive)]
fn on_sensitive(i: u64) -> u64 {
    outcome(i)
}

/// Starts `CALLS` calls at once, each in its own task, and counts the values and the panics;
/// each value and each panic payload must be the one of its own call.
async fn hammer<F, Fut>(make: F) -> (u64, u64)
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = u64> + Send + 'static,
{
    let tasks: Vec<_> = (0..CALLS).map(|i| (i, tokio::spawn(make(i)))).collect();
    let (mut ok, mut panicked) = (0, 0);
    for (i, task) in tasks {
        match deadline(task).await {
            Ok(value) => {
                assert_eq!(value, i * 2);
                ok += 1;
            }
            Err(error) => {
                let payload = error.into_panic();
                assert_eq!(panic_message(&*payload), Some(&*format!("{BOOM} {i}")));
                panicked += 1;
            }
        }
    }
    (ok, panicked)
}

#[test]
fn concurrent_calls_with_panics_are_counted_exactly_on_every_executor() {
    let _serial = serial();
    quiet_panics();
    let started = Instant::now();
    let db = Arc::new(ThreadSensitive::new("stress-db"));
    let sites = [
        "stress::on_default",
        "stress::on_pool",
        "stress::on_sensitive",
        "bridge_runtime::to_thread",
        "bridge_runtime::run_in",
    ];
    let before = sites.map(recorded);
    let results = within(move || {
        runtime().block_on(async move {
            [
                hammer(on_default_async).await,
                hammer(on_pool_async).await,
                hammer(on_sensitive_async).await,
                hammer(|i| to_thread(move || outcome(i))).await,
                hammer(|i| {
                    let db = Arc::clone(&db);
                    async move { run_in(&*db, move || outcome(i)).await }
                })
                .await,
            ]
        })
    });
    let expected_panics = (0..CALLS).filter(|i| i % 10 == 3).count() as u64;
    for (k, site) in sites.iter().enumerate() {
        let (ok, panicked) = results[k];
        let (calls, panics) = recorded(site);
        eprintln!(
            "panics: {site}: {} calls, {ok} ok, {panicked} panicked; metrics {} calls, {} panics",
            ok + panicked,
            calls - before[k].0,
            panics - before[k].1,
        );
        assert_eq!((ok, panicked), (CALLS - expected_panics, expected_panics));
        assert_eq!(calls - before[k].0, CALLS, "{site}");
        assert_eq!(panics - before[k].1, expected_panics, "{site}");
    }
    eprintln!(
        "panics: {} calls, {} panicked, in {:.1?}",
        5 * CALLS,
        5 * expected_panics,
        started.elapsed()
    );
}

// ---- 2. Random cancellation, exactly-once accounting --------------------------------------------

const CANCEL_CALLS: usize = 5_000;

/// How often each call's body ran.
static RUNS: [AtomicU8; CANCEL_CALLS] = [const { AtomicU8::new(0) }; CANCEL_CALLS];
/// Whether each call's future was polled (so handed over).
static POLLED: [AtomicBool; CANCEL_CALLS] = [const { AtomicBool::new(false) }; CANCEL_CALLS];

/// A body that takes a little while (0 to 500 µs), so that timeouts fall before, during and
/// after it.
fn cancellable(i: usize, micros: u64) -> usize {
    thread::sleep(Duration::from_micros(micros));
    RUNS[i].fetch_add(1, SeqCst);
    i * 3
}

#[sync_to_async]
fn cancel_default(i: usize, micros: u64) -> usize {
    cancellable(i, micros)
}

#[sync_to_async(executor = STRESS_POOL)]
fn cancel_pool(i: usize, micros: u64) -> usize {
    cancellable(i, micros)
}

#[sync_to_async(thread_sensitive)]
fn cancel_sensitive(i: usize, micros: u64) -> usize {
    cancellable(i, micros)
}

/// Marks call `i` as polled when it is first polled, then runs it.
async fn tracked(i: usize, call: impl Future<Output = usize>) -> usize {
    POLLED[i].store(true, SeqCst);
    call.await
}

#[test]
fn random_cancellation_runs_every_started_call_exactly_once() {
    let _serial = serial();
    let started = Instant::now();
    let sites = [
        "stress::cancel_default",
        "stress::cancel_pool",
        "stress::cancel_sensitive",
    ];
    let before = sites.map(|site| recorded(site).0);
    let (completed, cancelled, aborted, never_polled) = within(|| {
        runtime().block_on(async {
            let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
            let mut tasks = Vec::new();
            let mut never_polled = 0;
            for i in 0..CANCEL_CALLS {
                let micros = rng.below(500);
                let call: std::pin::Pin<Box<dyn Future<Output = usize> + Send>> = match i % 3 {
                    0 => Box::pin(tracked(i, cancel_default_async(i, micros))),
                    1 => Box::pin(tracked(i, cancel_pool_async(i, micros))),
                    _ => Box::pin(tracked(i, cancel_sensitive_async(i, micros))),
                };
                match rng.below(8) {
                    // Dropped before its first poll: it must never run.
                    0 => {
                        drop(call);
                        never_polled += 1;
                    }
                    // Awaited to the end.
                    1 => tasks.push(tokio::spawn(async move { Some(call.await) })),
                    // A task aborted at once, before or after its first poll.
                    2 => {
                        let task = tokio::spawn(async move { Some(call.await) });
                        task.abort();
                        tasks.push(task);
                    }
                    // A timeout of 0 to 3 ms, before, during or after the call.
                    _ => {
                        let limit = Duration::from_micros(rng.below(3_000));
                        tasks.push(tokio::spawn(async move {
                            tokio::time::timeout(limit, call).await.ok()
                        }));
                    }
                }
                if rng.below(16) == 0 {
                    tokio::task::yield_now().await;
                }
            }
            let (mut completed, mut cancelled, mut aborted) = (0, 0, 0);
            for task in tasks {
                match deadline(task).await {
                    Ok(Some(value)) => {
                        assert_eq!(RUNS[value / 3].load(SeqCst), 1);
                        completed += 1;
                    }
                    Ok(None) => cancelled += 1,
                    Err(error) if error.is_cancelled() => aborted += 1,
                    Err(error) => std::panic::resume_unwind(error.into_panic()),
                }
            }
            (completed, cancelled, aborted, never_polled)
        })
    });
    let handed_over = POLLED.iter().filter(|p| p.load(SeqCst)).count();
    wait_until("every handed-over call to run", || {
        RUNS.iter()
            .map(|r| usize::from(r.load(SeqCst)))
            .sum::<usize>()
            >= handed_over
    });
    // Time for a duplicate run to show up, if there were one.
    thread::sleep(Duration::from_millis(50));
    for i in 0..CANCEL_CALLS {
        let polled = POLLED[i].load(SeqCst);
        assert_eq!(
            RUNS[i].load(SeqCst),
            u8::from(polled),
            "call {i}, polled: {polled}"
        );
    }
    let calls: u64 = sites
        .iter()
        .zip(before)
        .map(|(site, before)| recorded(site).0 - before)
        .sum();
    eprintln!(
        "cancellation: {CANCEL_CALLS} calls: {completed} completed, {cancelled} cancelled by a \
         timeout, {aborted} aborted, {never_polled} dropped before their first poll; {handed_over} handed over, \
         each ran exactly once; metrics {calls} calls; in {:.1?}",
        started.elapsed()
    );
    assert_eq!(completed + cancelled + aborted + never_polled, CANCEL_CALLS);
    assert_eq!(calls, handed_over as u64);
    assert!(cancelled > 0 && never_polled > 0 && completed > 0);
}

// ---- 3. Pool::shutdown under load ---------------------------------------------------------------

#[test]
fn pool_shutdown_under_load_runs_every_accepted_call_and_refuses_the_rest() {
    let _serial = serial();
    quiet_panics();
    let started = Instant::now();
    static BODIES: AtomicUsize = AtomicUsize::new(0);
    const PRODUCERS: usize = 8;
    let pool = Arc::new(Pool::new("stress-shutdown", 4));
    let (ok, refused, shutdown) = within({
        let pool = Arc::clone(&pool);
        move || {
            runtime().block_on(async move {
                let producers: Vec<_> = (0..PRODUCERS)
                    .map(|_| {
                        let pool = Arc::clone(&pool);
                        tokio::spawn(async move {
                            let mut ok = 0;
                            loop {
                                let pool = Arc::clone(&pool);
                                let call = tokio::spawn(async move {
                                    run_in(&*pool, || {
                                        thread::sleep(Duration::from_micros(100));
                                        BODIES.fetch_add(1, SeqCst);
                                    })
                                    .await;
                                });
                                match call.await {
                                    Ok(()) => ok += 1,
                                    Err(error) => {
                                        let payload = error.into_panic();
                                        let message = panic_message(&*payload).unwrap();
                                        assert_eq!(
                                            message,
                                            "bridge: pool `stress-shutdown` is shut down and \
                                             takes no more calls"
                                        );
                                        return ok;
                                    }
                                }
                            }
                        })
                    })
                    .collect();
                while BODIES.load(SeqCst) < 1_000 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                let shutdown = tokio::task::spawn_blocking({
                    let pool = Arc::clone(&pool);
                    move || pool.shutdown(Duration::from_secs(10))
                });
                let shutdown = deadline(shutdown).await.unwrap();
                let mut ok = 0;
                for producer in producers {
                    ok += deadline(producer).await.unwrap();
                }
                (ok, PRODUCERS, shutdown)
            })
        }
    });
    eprintln!(
        "pool shutdown: {} calls accepted and run, {refused} refused after shutdown; {:?}; in \
         {:.1?}",
        ok,
        shutdown,
        started.elapsed()
    );
    assert_eq!(shutdown, Ok(()));
    assert_eq!(pool.threads(), 0);
    assert_eq!(BODIES.load(SeqCst), ok);
}

// ---- 4. Runtime shutdown mid-flight -------------------------------------------------------------

static STARTED: AtomicUsize = AtomicUsize::new(0);
static FINISHED: AtomicUsize = AtomicUsize::new(0);

fn slow_body(ms: u64) {
    STARTED.fetch_add(1, SeqCst);
    thread::sleep(Duration::from_millis(ms));
    FINISHED.fetch_add(1, SeqCst);
}

#[sync_to_async]
fn slow_default(ms: u64) {
    slow_body(ms);
}

#[sync_to_async(executor = STRESS_POOL)]
fn slow_pool(ms: u64) {
    slow_body(ms);
}

#[sync_to_async(thread_sensitive)]
fn slow_sensitive(ms: u64) {
    slow_body(ms);
}

/// Hands `calls` over from tasks of `runtime`, waits until `started` of them run, shuts the
/// runtime down mid-flight and returns how many calls were handed over.
fn shut_down_mid_flight(
    runtime: tokio::runtime::Runtime,
    calls: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>>,
    started: usize,
) -> usize {
    let handed_over = Arc::new(AtomicUsize::new(0));
    for call in calls {
        let handed_over = Arc::clone(&handed_over);
        runtime.spawn(async move {
            let mut call = call;
            // Handed over by its first poll, which may find a short call done already.
            let first = poll_once(call.as_mut());
            handed_over.fetch_add(1, SeqCst);
            if first.is_pending() {
                call.await;
            }
        });
    }
    wait_until("the calls to start", || STARTED.load(SeqCst) >= started);
    runtime.shutdown_timeout(Duration::from_secs(10));
    handed_over.load(SeqCst)
}

#[test]
fn runtime_shutdown_mid_flight_loses_no_running_call() {
    let _serial = serial();
    STARTED.store(0, SeqCst);
    FINISHED.store(0, SeqCst);
    let mut calls: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>> = Vec::new();
    for _ in 0..48 {
        calls.push(Box::pin(slow_default_async(30)));
    }
    for _ in 0..16 {
        calls.push(Box::pin(slow_pool_async(5)));
    }
    for _ in 0..16 {
        calls.push(Box::pin(slow_sensitive_async(2)));
    }
    // The default calls all run at once on tokio's blocking pool, so every one has started.
    let handed_over = within(|| shut_down_mid_flight(runtime(), calls, 48));
    wait_until("every handed-over call to finish", || {
        FINISHED.load(SeqCst) >= handed_over
    });
    thread::sleep(Duration::from_millis(20));
    eprintln!(
        "runtime shutdown: {handed_over} calls handed over, {} ran to the end",
        FINISHED.load(SeqCst)
    );
    assert_eq!(handed_over, 80);
    assert_eq!(FINISHED.load(SeqCst), handed_over);
}

/// Calls queued in tokio's blocking pool behind its busy threads when the runtime shuts down:
/// the busy threads run them before they exit.
#[test]
fn runtime_shutdown_mid_flight_runs_the_calls_queued_behind_busy_threads() {
    let _serial = serial();
    STARTED.store(0, SeqCst);
    FINISHED.store(0, SeqCst);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let calls: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>> = (0..16)
        .map(|_| Box::pin(slow_default_async(10)) as _)
        .collect();
    let handed_over = within(|| shut_down_mid_flight(runtime, calls, 2));
    wait_until("every handed-over call to finish", || {
        FINISHED.load(SeqCst) >= handed_over
    });
    eprintln!(
        "runtime shutdown, calls queued behind busy threads: {handed_over} calls handed over, {} \
         ran to the end",
        FINISHED.load(SeqCst)
    );
    assert_eq!(handed_over, 16);
    assert_eq!(FINISHED.load(SeqCst), handed_over);
}

/// Calls handed over to the default executor just before the runtime shuts down, while tokio's
/// blocking pool has idle threads: an idle thread woken for a call that sees the shutdown first
/// cancels the queued calls instead of running them (tokio runs only "mandatory" blocking tasks
/// at shutdown), so a call whose future was polled never runs.
#[test]
fn runtime_shutdown_right_after_a_hand_over_loses_no_default_call() {
    let _serial = serial();
    let mut lost = 0;
    let mut handed_over = 0;
    for _ in 0..ROUNDS {
        STARTED.store(0, SeqCst);
        FINISHED.store(0, SeqCst);
        let runtime = runtime();
        // Four blocking threads, idle once these calls are done.
        runtime.block_on(async {
            let warm: Vec<_> = (0..4)
                .map(|_| tokio::spawn(slow_default_async(1)))
                .collect();
            for call in warm {
                deadline(call).await.unwrap();
            }
        });
        STARTED.store(0, SeqCst);
        FINISHED.store(0, SeqCst);
        // Every call polled once is handed over, whether its first poll found it done (the
        // caller looks for a short call's outcome before it parks) or not.
        let polled = 4;
        runtime.block_on(async {
            for _ in 0..polled {
                let _ = poll_once(slow_default_async(1));
            }
        });
        runtime.shutdown_timeout(Duration::from_secs(10));
        thread::sleep(Duration::from_millis(10));
        handed_over += polled;
        lost += polled - FINISHED.load(SeqCst);
    }
    eprintln!(
        "runtime shutdown right after a hand-over: {handed_over} calls handed over in {ROUNDS} \
         rounds, {lost} never ran"
    );
    assert_eq!(lost, 0, "handed-over calls were lost");
}

const ROUNDS: usize = 50;

// ---- 5. Many calls without thread or memory leaks -----------------------------------------------

#[sync_to_async]
fn leak_default(v: Vec<u8>) -> usize {
    v.len()
}

#[sync_to_async(executor = STRESS_POOL)]
fn leak_pool(v: Vec<u8>) -> usize {
    v.len()
}

#[sync_to_async(thread_sensitive)]
fn leak_sensitive(v: Vec<u8>) -> usize {
    v.len()
}

/// `per_task` rounds on each of 8 tasks; each round makes 4 calls, one per executor kind, plus a
/// scope of its own every 100 rounds; every 10th call panics.
async fn churn(per_task: usize, db: &Arc<ThreadSensitive>) -> usize {
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let db = Arc::clone(db);
            tokio::spawn(async move {
                let mut calls = 0;
                for round in 0..per_task {
                    let payload = vec![0u8; 64];
                    calls += leak_default_async(payload.clone()).await;
                    calls += leak_pool_async(payload.clone()).await;
                    calls += leak_sensitive_async(payload.clone()).await;
                    calls += run_in(&*db, move || payload.len()).await;
                    if round % 10 == 0 {
                        let boom = tokio::spawn(to_thread(|| -> usize { panic!("{BOOM}") }));
                        assert!(boom.await.unwrap_err().is_panic());
                    }
                    if round % 100 == 0 {
                        calls += thread_sensitive_scope(leak_sensitive_async(vec![0u8; 64])).await;
                    }
                }
                calls / 64
            })
        })
        .collect();
    let mut calls = 0;
    for task in tasks {
        calls += deadline(task).await.unwrap();
    }
    calls
}

#[test]
fn many_calls_leak_no_threads_and_no_memory() {
    let _serial = serial();
    quiet_panics();
    let started = Instant::now();
    let db = Arc::new(ThreadSensitive::new("stress-leak-db"));
    // Warm up: the global thread, the pool's threads, the metrics' records and the allocator.
    let warm = Arc::clone(&db);
    within(move || runtime().block_on(async move { churn(250, &warm).await }));
    let threads_before = threads();
    let rss_before = rss_kib();
    let (calls, threads_during, rss_middle) = {
        let db = Arc::clone(&db);
        within(move || {
            let runtime = runtime();
            let calls = runtime.block_on(async { churn(4_000, &db).await });
            let threads_during = threads();
            let rss_middle = rss_kib();
            let more = runtime.block_on(async { churn(4_000, &db).await });
            (calls + more, threads_during, rss_middle)
        })
    };
    wait_until("the runtime's threads to exit", || {
        threads() <= threads_before
    });
    let threads_after = threads();
    let rss_after = rss_kib();
    eprintln!(
        "leaks: {calls} calls in {:.1?}; threads before {threads_before}, during \
         {threads_during}, after {threads_after}; RSS before {rss_before} KiB, after the first \
         half {rss_middle} KiB, after {rss_after} KiB",
        started.elapsed()
    );
    assert!(calls >= 256_000, "{calls}");
    assert!(threads_after <= threads_before);
    // A leak of 100 bytes a call would add more than 3 MiB over the second half alone.
    assert!(
        rss_after <= rss_middle + 3 * 1024,
        "RSS grew from {rss_middle} KiB to {rss_after} KiB over {} calls",
        calls / 2
    );
    assert!(
        rss_after <= rss_before + 16 * 1024,
        "RSS grew from {rss_before} KiB to {rss_after} KiB"
    );
}

// ---- 6. Metrics exact under 8 tasks -------------------------------------------------------------

static METRICS_POOL: LazyLock<Pool> = LazyLock::new(|| Pool::new("stress-metrics", 2));

fn metered(i: u64) -> u64 {
    if i.is_multiple_of(7) {
        panic!("{BOOM} metered {i}");
    }
    i
}

#[sync_to_async]
fn metered_default(i: u64) -> u64 {
    metered(i)
}

#[sync_to_async(executor = METRICS_POOL, limit = 3)]
fn metered_limited(i: u64) -> u64 {
    metered(i)
}

#[sync_to_async(thread_sensitive)]
fn metered_sensitive(i: u64) -> u64 {
    metered(i)
}

#[test]
fn metrics_are_exact_under_eight_tasks() {
    let _serial = serial();
    quiet_panics();
    const TASKS: u64 = 8;
    const PER_TASK: u64 = 300;
    within(|| {
        runtime().block_on(async {
            let tasks: Vec<_> = (0..TASKS)
                .map(|t| {
                    tokio::spawn(async move {
                        for k in 0..PER_TASK {
                            let i = t * PER_TASK + k;
                            for call in 0..3 {
                                let result = tokio::spawn(async move {
                                    match call {
                                        0 => metered_default_async(i).await,
                                        1 => metered_limited_async(i).await,
                                        _ => metered_sensitive_async(i).await,
                                    }
                                })
                                .await;
                                assert_eq!(result.is_err(), i.is_multiple_of(7));
                            }
                        }
                    })
                })
                .collect();
            for task in tasks {
                deadline(task).await.unwrap();
            }
        });
    });
    let calls = TASKS * PER_TASK;
    let panics = (0..calls).filter(|i| i.is_multiple_of(7)).count() as u64;
    let snapshot = metrics::snapshot();
    for (name, peak) in [
        ("stress::metered_default", TASKS),
        ("stress::metered_limited", 3),
        ("stress::metered_sensitive", TASKS),
    ] {
        let m = snapshot.get(name).unwrap();
        eprintln!(
            "metrics: {name}: {} calls, {} panics, {} in flight, peak {}, queue count {}, run \
             count {}",
            m.calls, m.panics, m.in_flight, m.peak_in_flight, m.queue_wait.count, m.run_time.count
        );
        assert_eq!(m.calls, calls, "{name}");
        assert_eq!(m.panics, panics, "{name}");
        assert_eq!(m.in_flight, 0, "{name}");
        assert!(
            (1..=peak).contains(&m.peak_in_flight),
            "{name}: {}",
            m.peak_in_flight
        );
        assert_eq!(m.queue_wait.count, calls, "{name}");
        assert_eq!(m.run_time.count, calls, "{name}");
        assert!(m.run_time.p50 <= m.run_time.p99 && m.run_time.p99 <= m.run_time.max);
        assert!(m.queue_wait.p50 <= m.queue_wait.p99 && m.queue_wait.p99 <= m.queue_wait.max);
    }
}
