//! `#[sync_to_async(limit = N)]`: at most N calls in flight, extra callers wait without a thread.

use std::time::Duration;

use bridge_runtime::sync_to_async;
use bridge_tests::{InFlight, deadline};

const LIMIT: usize = 4;
static SLOW: InFlight = InFlight::new();

#[sync_to_async(limit = 4)]
fn slow_lookup(id: u32) -> u32 {
    let _running = SLOW.enter();
    std::thread::sleep(Duration::from_millis(5));
    id * 2
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_callers_never_exceed_the_limit_and_all_complete() {
    let callers: Vec<_> = (0..200)
        .map(|id| tokio::spawn(slow_lookup_async(id)))
        .collect();
    let mut results = Vec::new();
    for caller in callers {
        results.push(deadline(caller).await.unwrap());
    }
    assert_eq!(results, (0..200).map(|id| id * 2).collect::<Vec<_>>());
    assert_eq!(
        SLOW.peak(),
        LIMIT,
        "the limit is reached but never exceeded"
    );
    assert_eq!(SLOW.now(), 0);
}

static ONE: InFlight = InFlight::new();

#[sync_to_async(limit = 1)]
fn exclusive(ms: u64) {
    let _running = ONE.enter();
    std::thread::sleep(Duration::from_millis(ms));
}

/// Waiting callers are futures, not threads: a one-thread runtime keeps running other tasks
/// while 20 callers queue behind a limit of 1.
#[tokio::test(flavor = "current_thread")]
async fn waiting_callers_do_not_block_the_runtime() {
    let callers: Vec<_> = (0..20).map(|_| tokio::spawn(exclusive_async(10))).collect();
    let mut ticks = 0;
    while !callers.iter().all(|caller| caller.is_finished()) {
        tokio::time::sleep(Duration::from_millis(1)).await;
        ticks += 1;
        assert!(ticks < 20_000, "callers did not finish");
    }
    assert!(
        ticks >= 10,
        "the runtime kept ticking while callers waited (ticks: {ticks})"
    );
    assert_eq!(ONE.peak(), 1);
}

static DROPPED: InFlight = InFlight::new();

#[sync_to_async(limit = 2)]
fn held(ms: u64) {
    let _running = DROPPED.enter();
    std::thread::sleep(Duration::from_millis(ms));
}

/// A caller whose future is dropped after its call started does not free its slot early: the
/// slot is released when the call really ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_caller_keeps_its_slot_until_the_call_ends() {
    for _ in 0..10 {
        // Starts the call, then drops the future long before the call ends.
        let _ = tokio::time::timeout(Duration::from_millis(1), held_async(30)).await;
    }
    let finishing: Vec<_> = (0..10).map(|_| tokio::spawn(held_async(5))).collect();
    for caller in finishing {
        deadline(caller).await.unwrap();
    }
    bridge_tests::wait_until("every call to end", || DROPPED.now() == 0);
    assert_eq!(DROPPED.peak(), 2);
}

static QUEUED: InFlight = InFlight::new();
static QUEUED_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[sync_to_async(limit = 1)]
fn queued(ms: u64) {
    let _running = QUEUED.enter();
    QUEUED_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(ms));
}

/// A caller dropped while it still waits for a slot never runs its call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_dropped_while_waiting_for_a_slot_runs_nothing() {
    let first = tokio::spawn(queued_async(100));
    bridge_tests::wait_until("the first call to start", || QUEUED.now() == 1);
    // The slot is taken, so this caller is still waiting when the timeout drops it.
    let waited = tokio::time::timeout(Duration::from_millis(10), queued_async(0)).await;
    assert!(waited.is_err());
    deadline(first).await.unwrap();
    deadline(queued_async(0)).await;
    assert_eq!(
        QUEUED_RUNS.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "the dropped caller never ran"
    );
}
