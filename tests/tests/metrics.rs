//! `bridge_runtime::metrics`: exact counts under concurrency, queue wait measured apart from
//! run time, and the report. Figures are compared with each other, never with wall-clock
//! constants.

use std::sync::LazyLock;
use std::time::Duration;

use bridge_runtime::metrics::{self, FnMetrics};
use bridge_runtime::{CallSite, Pool, sync_to_async};
use bridge_tests::deadline;

/// The record of the site `name` (a fn of this test crate, `metrics::name`).
fn record(name: &str) -> FnMetrics {
    let full = format!("metrics::{name}");
    metrics::snapshot()
        .get(&full)
        .cloned()
        .unwrap_or_else(|| panic!("no record for {full}"))
}

const TASKS: u64 = 8;
const CALLS: u64 = 10_000;

#[sync_to_async(limit = 3)]
fn limited(i: u64) -> u64 {
    i + 1
}

#[sync_to_async]
fn unlimited(i: u64) -> u64 {
    i + 1
}

/// 10,000 calls from 8 tasks, each keeping many calls in flight: every call is counted once,
/// none is left in flight, and the peak respects the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_are_exact_under_ten_thousand_concurrent_calls() {
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        tasks.push(tokio::spawn(async move {
            let mut calls = tokio::task::JoinSet::new();
            for i in 0..CALLS / TASKS {
                let n = task * 10_000 + i;
                calls.spawn(async move { (limited_async(n).await, unlimited_async(n).await) });
            }
            let mut sum = 0;
            while let Some(result) = calls.join_next().await {
                let (a, b) = result.unwrap();
                sum += a + b;
            }
            sum
        }));
    }
    let mut sum = 0;
    for task in tasks {
        sum += deadline(task).await.unwrap();
    }
    let expected: u64 = (0..TASKS)
        .flat_map(|task| (0..CALLS / TASKS).map(move |i| 2 * (task * 10_000 + i + 1)))
        .sum();
    assert_eq!(sum, expected, "every call returned its own result");

    for (name, limit) in [("limited", Some(3)), ("unlimited", None)] {
        let record = record(name);
        assert_eq!(record.calls, CALLS, "{name}: {record:?}");
        assert_eq!(record.in_flight, 0, "{name}: {record:?}");
        assert_eq!(record.panics, 0, "{name}: {record:?}");
        assert_eq!(record.queue_wait.count, CALLS, "{name}: {record:?}");
        assert_eq!(record.run_time.count, CALLS, "{name}: {record:?}");
        assert!(record.peak_in_flight >= 1, "{name}: {record:?}");
        if let Some(limit) = limit {
            assert!(record.peak_in_flight <= limit, "{name}: {record:?}");
        }
        for timing in [record.queue_wait, record.run_time] {
            assert!(
                timing.p50 <= timing.p99 && timing.p99 <= timing.max,
                "{timing:?}"
            );
            assert!(timing.max <= timing.total, "{timing:?}");
        }
    }
}

#[sync_to_async]
fn sometimes_panics(i: u64) -> u64 {
    assert!(!i.is_multiple_of(3), "multiple of three: {i}");
    i
}

#[tokio::test(flavor = "current_thread")]
async fn panics_are_counted_and_leave_no_call_in_flight() {
    for i in 0..30 {
        let outcome = tokio::spawn(sometimes_panics_async(i)).await;
        assert_eq!(outcome.is_err(), i.is_multiple_of(3));
    }
    let record = record("sometimes_panics");
    assert_eq!(record.calls, 30);
    assert_eq!(record.panics, 10);
    assert_eq!(record.in_flight, 0);
    assert_eq!(record.run_time.count, 30);
}

static ONE_THREAD: LazyLock<Pool> = LazyLock::new(|| Pool::new("metrics-one", 1));

/// Each call is short, but the pool has one thread for ten callers at once.
#[sync_to_async(executor = ONE_THREAD)]
fn saturated(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// A slow dependency: every call sleeps, and threads are plentiful.
#[sync_to_async]
fn slow_dependency(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saturated_pool_shows_as_queue_wait() {
    let calls: Vec<_> = (0..10).map(|_| tokio::spawn(saturated_async(20))).collect();
    for call in calls {
        deadline(call).await.unwrap();
    }
    let record = record("saturated");
    assert_eq!(record.calls, 10);
    assert_eq!(
        record.peak_in_flight, 10,
        "all ten were handed over at once"
    );
    // One thread runs the ten calls one after another: the n-th waits for n - 1 of them, so
    // the queue wait adds up to about 4.5 times the run time.
    assert!(
        record.queue_wait.total > record.run_time.total * 2,
        "queue wait dominates: {record:?}"
    );
    assert!(
        record.queue_wait.max > record.run_time.max * 4,
        "{record:?}"
    );
    assert!(record.queue_wait.p99 > record.run_time.p99, "{record:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_dependency_shows_as_run_time() {
    let calls: Vec<_> = (0..4)
        .map(|_| tokio::spawn(slow_dependency_async(30)))
        .collect();
    for call in calls {
        deadline(call).await.unwrap();
    }
    let record = record("slow_dependency");
    assert_eq!(record.calls, 4);
    assert!(
        record.run_time.total > record.queue_wait.total * 5,
        "run time dominates: {record:?}"
    );
    assert!(record.run_time.p50 > record.queue_wait.p99, "{record:?}");
}

/// A caller waiting for a `limit` slot is waiting in the queue: that wait is queue wait, not
/// run time, and it is not a call in flight yet.
#[sync_to_async(limit = 1)]
fn one_at_a_time(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_a_limit_slot_is_queue_wait() {
    let calls: Vec<_> = (0..6)
        .map(|_| tokio::spawn(one_at_a_time_async(15)))
        .collect();
    for call in calls {
        deadline(call).await.unwrap();
    }
    let record = record("one_at_a_time");
    assert_eq!(record.calls, 6);
    assert_eq!(record.peak_in_flight, 1);
    assert!(
        record.queue_wait.total > record.run_time.total,
        "five callers queued behind the limit: {record:?}"
    );
}

static RESIZE: CallSite = CallSite::with_limit("app::avatars::resize", 2);
static UNNAMED_CALLS: u64 = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_call_site_records_closures_under_its_name() {
    let calls: Vec<_> = (0..20u64)
        .map(|i| tokio::spawn(RESIZE.to_thread(move || i * 2)))
        .collect();
    let mut sum = 0;
    for call in calls {
        sum += deadline(call).await.unwrap();
    }
    assert_eq!(sum, 380);
    let pool = Pool::new("metrics-named", 2);
    assert_eq!(deadline(RESIZE.run_in(&pool, || 7)).await, 7);
    let snapshot = metrics::snapshot();
    let resize = snapshot.get("app::avatars::resize").unwrap();
    assert_eq!(resize.calls, 21);
    assert_eq!(resize.in_flight, 0);
    assert!(resize.peak_in_flight <= 2, "{resize:?}");

    // Anonymous calls share one record per function.
    let before = metrics::snapshot()
        .get("bridge_runtime::to_thread")
        .map_or(0, |r| r.calls);
    for _ in 0..UNNAMED_CALLS {
        deadline(bridge_runtime::to_thread(|| ())).await;
    }
    let after = metrics::snapshot()
        .get("bridge_runtime::to_thread")
        .unwrap()
        .calls;
    // Other tests in this binary may call `to_thread` at the same time.
    assert!(after >= before + UNNAMED_CALLS);
}

#[sync_to_async]
fn never_polled() {}

#[tokio::test(flavor = "current_thread")]
async fn a_future_dropped_before_its_first_poll_is_not_a_call() {
    drop(never_polled_async());
    assert!(metrics::snapshot().get("metrics::never_polled").is_none());
}

#[sync_to_async]
fn quick() {}

#[sync_to_async]
fn sluggish() {
    std::thread::sleep(Duration::from_millis(40));
}

#[tokio::test(flavor = "current_thread")]
async fn the_report_is_a_table_sorted_by_total_time() {
    for _ in 0..3 {
        deadline(quick_async()).await;
        deadline(sluggish_async()).await;
    }
    let report = metrics::report();
    let header = report.lines().next().unwrap();
    for column in [
        "fn", "calls", "now", "peak", "panics", "queue:", "run:", "p50", "p99", "max",
    ] {
        assert!(header.contains(column), "{header}");
    }
    let line = |name: &str| {
        report
            .lines()
            .position(|line| line.starts_with(&format!("metrics::{name} ")))
            .unwrap_or_else(|| panic!("no line for {name}:\n{report}"))
    };
    assert!(line("sluggish") < line("quick"), "slowest first:\n{report}");
    // Every row is as wide as the header: the columns line up.
    let width = header.chars().count();
    for row in report
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("metrics::"))
    {
        assert_eq!(row.chars().count(), width, "aligned:\n{report}");
    }
    let sluggish = report.lines().nth(line("sluggish")).unwrap();
    assert!(sluggish.contains(" 3 "), "three calls: {sluggish}");
}

/// A legacy object whose only method holds it for a while.
#[derive(Debug, Default)]
pub struct Slow;

#[sync_to_async(handle = AsyncSlow)]
impl Slow {
    pub fn new() -> Self {
        Slow
    }

    pub fn hold(&mut self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Readers that could share the object, kept to one at a time by the handle's limit.
#[derive(Debug, Default)]
pub struct Shared;

#[sync_to_async(handle = AsyncShared, concurrent_reads, limit = 1)]
impl Shared {
    pub fn new() -> Self {
        Shared
    }

    pub fn read(&self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Five callers at once of a 30 ms method that needs the object (or the handle's one slot):
/// they run one after the other, so their queue waits are 0, 30, 60, 90 and 120 ms, twice their
/// run time in all. The queue wait covers the wait for the object and for the handle's limit,
/// as the docs say; it used to start only once both were had, and showed almost nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handle_queue_wait_covers_the_wait_for_its_object_and_its_limit() {
    let slow = deadline(AsyncSlow::new()).await;
    let shared = deadline(AsyncShared::new()).await;
    let mut calls = Vec::new();
    for _ in 0..5 {
        let (slow, shared) = (slow.clone(), shared.clone());
        calls.push(tokio::spawn(async move { slow.hold(30).await }));
        calls.push(tokio::spawn(async move { shared.read(30).await }));
    }
    for call in calls {
        deadline(call).await.unwrap();
    }
    for name in ["Slow::hold", "Shared::read"] {
        let record = record(name);
        assert_eq!(record.calls, 5, "{name}");
        let (queued, ran) = (record.queue_wait.total, record.run_time.total);
        assert!(
            queued.as_secs_f64() >= 1.5 * ran.as_secs_f64(),
            "{name}: queue wait {queued:?} for a run time of {ran:?}"
        );
    }
}

/// Two fns named alike in one module (each nested in its own fn) are two call sites: the one
/// registered second is named `name#2`, so the report keeps them apart.
#[tokio::test(flavor = "current_thread")]
async fn call_sites_named_alike_get_rows_of_their_own() {
    async fn first() -> u32 {
        #[sync_to_async]
        fn twin_named_alike() -> u32 {
            1
        }
        twin_named_alike_async().await
    }
    async fn second() -> u32 {
        #[sync_to_async]
        fn twin_named_alike() -> u32 {
            2
        }
        twin_named_alike_async().await
    }
    assert_eq!(deadline(first()).await, 1);
    assert_eq!(deadline(second()).await, 2);
    assert_eq!(deadline(second()).await, 2);
    let (one, two) = (record("twin_named_alike"), record("twin_named_alike#2"));
    assert_eq!(one.calls + two.calls, 3);
    assert!(
        one.calls == 1 || two.calls == 1,
        "{} and {}",
        one.calls,
        two.calls
    );
}

#[sync_to_async]
fn r#type(n: u32) -> u32 {
    n
}

/// A raw identifier is recorded as a path would name it: `type`, not `r#type`.
#[tokio::test(flavor = "current_thread")]
async fn a_raw_identifier_is_recorded_without_its_prefix() {
    assert_eq!(deadline(type_async(4)).await, 4);
    assert_eq!(record("type").calls, 1);
    assert!(metrics::snapshot().get("metrics::r#type").is_none());
}

static CLOSED: LazyLock<Pool> = LazyLock::new(|| Pool::new("closed", 1));

#[sync_to_async(executor = CLOSED)]
fn on_a_closed_pool() -> u32 {
    1
}

/// A call refused by a shut-down pool has a field of its own: `dropped`, and no run time.
#[tokio::test(flavor = "current_thread")]
async fn a_call_refused_by_a_shut_down_pool_is_counted_as_dropped() {
    assert_eq!(deadline(on_a_closed_pool_async()).await, 1);
    CLOSED.shutdown(Duration::from_secs(5)).unwrap();
    let refused = tokio::spawn(on_a_closed_pool_async()).await.unwrap_err();
    assert!(refused.is_panic());
    let record = record("on_a_closed_pool");
    assert_eq!(record.calls, 2);
    assert_eq!(record.dropped, 1);
    assert_eq!(record.run_time.count, 1);
    assert_eq!(record.in_flight, 0);
    assert!(metrics::report().contains("dropped"));
}
