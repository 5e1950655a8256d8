//! `limit = N` caps the calls of one twin in flight at once.
use bridge_runtime::sync_to_async;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

#[sync_to_async(limit = 2)]
fn slow(id: u64) -> u64 {
    let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
    PEAK.fetch_max(now, Ordering::SeqCst);
    // Stay in flight until a second call joins (or a while passes, for the last one): if the
    // limit let a third call in, it would be seen here.
    let start = Instant::now();
    while IN_FLIGHT.load(Ordering::SeqCst) < 2 && start.elapsed() < Duration::from_millis(500) {
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(10));
    PEAK.fetch_max(IN_FLIGHT.load(Ordering::SeqCst), Ordering::SeqCst);
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    id
}

#[sync_to_async(limit = 1, name = one_at_a_time)]
fn exclusive(id: u64) -> u64 {
    id
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let calls: Vec<_> = (0..8).map(|i| tokio::spawn(slow_async(i))).collect();
    let mut results = Vec::new();
    for call in calls {
        results.push(call.await.unwrap());
    }
    assert_eq!(results, (0..8).collect::<Vec<_>>());
    assert_eq!(PEAK.load(Ordering::SeqCst), 2);
    assert_eq!(one_at_a_time(3).await, 3);
}
