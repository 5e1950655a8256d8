//! A fn without parameters, with and without a return value.
use bridge_runtime::sync_to_async;
use std::sync::atomic::{AtomicU32, Ordering};

static CALLS: AtomicU32 = AtomicU32::new(0);

#[sync_to_async]
fn answer() -> u32 {
    42
}

#[sync_to_async]
fn tick() {
    CALLS.fetch_add(1, Ordering::SeqCst);
}

fn main() {
    assert_eq!(answer(), 42);
    futures_executor::block_on(async {
        assert_eq!(answer_async().await, 42);
        tick_async().await;
        let () = tick_async().await;
    });
    assert_eq!(CALLS.load(Ordering::SeqCst), 2);
}
