//! `bridge_runtime::watchdog::Watchdog`: a blocking call on a runtime worker is reported as a
//! stall, with a `tracing` warning naming its duration and a counter; healthy async work is
//! not; the watchdog stops when dropped.
//!
//! The warnings come from the watchdog's own thread, so they are captured by a process-wide
//! subscriber, and the tests run one at a time so that each sees only its own.

use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use bridge_runtime::metrics;
use bridge_runtime::watchdog::Watchdog;
use bridge_tests::{Event, Events, deadline, within};

const THRESHOLD: Duration = Duration::from_millis(100);
const BLOCK: Duration = Duration::from_millis(200);

static EVENTS: LazyLock<Events> = LazyLock::new(|| {
    let events = Events::default();
    tracing::subscriber::set_global_default(events.clone()).expect("the only global subscriber");
    events
});

/// One test at a time, each with its own slice of the captured warnings.
static SERIAL: Mutex<()> = Mutex::new(());

/// Where one test's warnings start in the captured ones; it holds the test's turn.
struct Scenario {
    _serial: MutexGuard<'static, ()>,
    since: Since,
}

impl Scenario {
    fn start() -> Self {
        let serial = SERIAL.lock().unwrap_or_else(|poison| poison.into_inner());
        Scenario {
            _serial: serial,
            since: Since(EVENTS.with_target("bridge::watchdog").len()),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Since(usize);

impl Since {
    /// The watchdog warnings logged since the scenario started.
    fn warnings(self) -> Vec<Event> {
        EVENTS.with_target("bridge::watchdog")[self.0..].to_vec()
    }
}

/// Awaits, without blocking the runtime, until `watchdog` has counted `n` stalls.
async fn stalls_reach(watchdog: &Watchdog, n: u64) {
    deadline(async {
        while watchdog.stalls().count < n {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// What every stall report must say: a warning that names the duration.
fn assert_reports_one_stall(watchdog: &Watchdog, scenario: Since) {
    let stalls = watchdog.stalls();
    assert_eq!(stalls.count, 1, "{stalls:?}; {:?}", scenario.warnings());
    // Measured to within a fraction of the threshold, and never longer than it lasted plus
    // that fraction; generous bounds.
    assert!(stalls.longest > THRESHOLD, "{stalls:?}");
    assert!(stalls.longest < BLOCK * 10, "{stalls:?}");
    let warnings = scenario.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = &warnings[0];
    assert_eq!(warning.level, tracing::Level::WARN);
    assert!(
        warning.message.contains(&format!("{:?}", stalls.longest)),
        "names the duration: {warning:?}"
    );
    assert!(warning.message.contains("stall_ms="), "{warning:?}");
    let totals = metrics::snapshot().stalls;
    assert!(totals.count >= 1 && totals.watchdogs >= 1, "{totals:?}");
}

#[test]
fn reports_a_blocking_call_on_a_current_thread_runtime() {
    let scenario = Scenario::start();
    let since = scenario.since;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    within(move || {
        runtime.block_on(async {
            let watchdog = Watchdog::start(THRESHOLD);
            tokio::time::sleep(THRESHOLD).await;
            // The runtime's only thread blocks: no task can run meanwhile.
            std::thread::sleep(BLOCK);
            stalls_reach(&watchdog, 1).await;
            // Time for a second report, which must not come.
            tokio::time::sleep(THRESHOLD * 2).await;
            assert_reports_one_stall(&watchdog, since);
            assert!(since.warnings()[0].message.contains("runtime stalled"));
        });
    });
}

#[test]
fn reports_a_blocking_call_on_one_worker_of_a_multi_thread_runtime() {
    let scenario = Scenario::start();
    let since = scenario.since;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    within(move || {
        runtime.block_on(async {
            let watchdog = Watchdog::start(THRESHOLD);
            tokio::time::sleep(THRESHOLD).await;
            // One worker blocks; the other stays free, and runs the watchdog's own probe.
            tokio::spawn(async { std::thread::sleep(BLOCK) })
                .await
                .unwrap();
            stalls_reach(&watchdog, 1).await;
            tokio::time::sleep(THRESHOLD * 2).await;
            assert_reports_one_stall(&watchdog, since);
            assert!(since.warnings()[0].message.contains("worker"));
        });
    });
}

/// Timers, task wake-ups, channels and short bursts of work, for a second: the runtime always
/// runs its ready tasks promptly, so nothing is reported.
async fn healthy_work() {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(16);
    let consumer = tokio::spawn(async move {
        let mut sum = 0;
        while let Some(n) = rx.recv().await {
            sum += n;
        }
        sum
    });
    let mut producers = Vec::new();
    for p in 0..4u64 {
        let tx = tx.clone();
        producers.push(tokio::spawn(async move {
            for i in 0..100 {
                tx.send(p * 1000 + i).await.unwrap();
                if i % 10 == 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                tokio::task::yield_now().await;
            }
        }));
    }
    drop(tx);
    for producer in producers {
        producer.await.unwrap();
    }
    assert!(consumer.await.unwrap() > 0);
    // Blocking work the right way: on the blocking pool.
    bridge_runtime::to_thread(|| std::thread::sleep(BLOCK)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
}

#[test]
fn reports_nothing_for_healthy_async_work() {
    let scenario = Scenario::start();
    for multi_thread in [false, true] {
        let runtime = if multi_thread {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
        } else {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        };
        let stalls = within(move || {
            runtime.block_on(async {
                let watchdog = Watchdog::start(THRESHOLD);
                let work = tokio::spawn(healthy_work());
                healthy_work().await;
                work.await.unwrap();
                watchdog.stalls()
            })
        });
        assert_eq!(stalls.count, 0, "multi_thread: {multi_thread}: {stalls:?}");
    }
    let warnings = scenario.since.warnings();
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn stops_when_dropped() {
    let _scenario = Scenario::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let threads = || {
        std::fs::read_dir("/proc/self/task").map_or(0, |tasks| {
            tasks
                .filter_map(|task| {
                    let comm = task.ok()?.path().join("comm");
                    std::fs::read_to_string(comm).ok()
                })
                .filter(|name| name.trim() == "bridge-watchdog")
                .count()
        })
    };
    let before = runtime.metrics().num_alive_tasks();
    let watchdog = Watchdog::start_on(runtime.handle(), THRESHOLD);
    assert_eq!(
        runtime.metrics().num_alive_tasks(),
        before + 1,
        "its probe task"
    );
    if cfg!(target_os = "linux") {
        // A thread names itself once it runs.
        bridge_tests::wait_until("the monitor thread to start", || threads() == 1);
    }
    within(move || drop(watchdog));
    // The probe task is gone, and so is the monitor thread (joined by the drop).
    bridge_tests::wait_until("the probe task to end", || {
        runtime.metrics().num_alive_tasks() == before
    });
    assert_eq!(threads(), 0, "the monitor thread was joined");
}

/// Issue 10, item 9: on a machine with more runnable threads than CPUs (here four times as many
/// CPU-bound threads as cores, beside 32 tasks that wake every 500 µs), a runtime thread waits
/// for a CPU now and then, longer than an 8 ms threshold. Its thread was ready, not blocked: the
/// watchdog reports an overloaded machine (`starved`), never a blocking call. A real blocking
/// call right after is still a stall.
#[test]
fn preemption_by_other_threads_is_not_blamed_on_a_blocking_call() {
    let scenario = Scenario::start();
    let since = scenario.since;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let threshold = Duration::from_millis(8);
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    within(move || {
        runtime.block_on(async move {
            let watchdog = Watchdog::start(threshold);
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let hogs: Vec<_> = (0..cores * 4)
                .map(|_| {
                    let stop = std::sync::Arc::clone(&stop);
                    std::thread::spawn(move || {
                        let mut n = 0u64;
                        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                            n = std::hint::black_box(n.wrapping_mul(31).wrapping_add(7));
                        }
                        n
                    })
                })
                .collect();
            let tickers: Vec<_> = (0..32)
                .map(|_| {
                    tokio::spawn(async {
                        for _ in 0..2_000 {
                            tokio::time::sleep(Duration::from_micros(500)).await;
                        }
                    })
                })
                .collect();
            tokio::time::sleep(Duration::from_millis(1_500)).await;
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            for hog in hogs {
                hog.join().unwrap();
            }
            for ticker in tickers {
                ticker.abort();
            }
            let overloaded = watchdog.stalls();
            let warnings = since.warnings();
            assert_eq!(overloaded.count, 0, "{overloaded:?}; {warnings:#?}");
            eprintln!(
                "overloaded for 1.5 s: {} waits for a CPU reported as such, {} stalls",
                overloaded.starved, overloaded.count
            );
            // A real blocking call on a worker is still reported, as one.
            tokio::time::sleep(threshold * 4).await;
            tokio::spawn(async { std::thread::sleep(BLOCK) })
                .await
                .unwrap();
            stalls_reach(&watchdog, 1).await;
            tokio::time::sleep(threshold * 4).await;
            assert_eq!(watchdog.stalls().count, 1, "{:#?}", since.warnings());
        });
    });
}
