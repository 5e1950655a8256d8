//! A call starts when the twin's future is first polled. Once started it runs to completion
//! even if the future is dropped; a future dropped before its first poll runs nothing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bridge_runtime::sync_to_async;
use bridge_tests::{deadline, wait_until};

static APPLIED: AtomicUsize = AtomicUsize::new(0);
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// A two-step update that must never be half-applied.
#[sync_to_async]
fn update_user(id: usize) {
    STARTED.fetch_add(1, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(50));
    APPLIED.fetch_add(id, Ordering::SeqCst);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_futures_run_nothing_or_everything() {
    // Dropped before the first poll: nothing runs.
    drop(update_user_async(1000));

    // Started, then dropped by a timeout long before it ends: it still completes.
    let timed_out = tokio::time::timeout(Duration::from_millis(5), update_user_async(7)).await;
    assert!(
        timed_out.is_err(),
        "the call takes 50 ms, so the 5 ms timeout drops its future"
    );
    wait_until("the dropped call to complete", || {
        APPLIED.load(Ordering::SeqCst) == 7
    });

    // A later call proves the executor is not wedged, and the first future never ran.
    deadline(update_user_async(1)).await;
    assert_eq!(APPLIED.load(Ordering::SeqCst), 8);
    assert_eq!(STARTED.load(Ordering::SeqCst), 2);
}

static SURVIVED: AtomicUsize = AtomicUsize::new(0);

#[sync_to_async]
fn long_write(started: std::sync::mpsc::Sender<()>) {
    started.send(()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    SURVIVED.fetch_add(1, Ordering::SeqCst);
}

/// Shutting the runtime down while a call is in flight does not abandon the call.
#[test]
fn runtime_shutdown_mid_call_lets_the_call_finish() {
    bridge_tests::within(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let (started, on_start) = std::sync::mpsc::channel();
        let _caller = runtime.spawn(long_write_async(started));
        on_start
            .recv_timeout(bridge_tests::DEADLINE)
            .expect("the call started");
        runtime.shutdown_timeout(bridge_tests::DEADLINE);
        assert_eq!(SURVIVED.load(Ordering::SeqCst), 1);
    });
}
