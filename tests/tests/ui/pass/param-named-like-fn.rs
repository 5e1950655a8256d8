//! A parameter with the fn's own name, or the twin's, does not shadow the fn the twin calls.
use bridge_runtime::sync_to_async;

#[sync_to_async]
fn f(f: u32) -> u32 {
    f + 1
}

#[sync_to_async]
fn g(g_async: u32, __a0: u32, __f: u32) -> u32 {
    g_async + __a0 + __f
}

fn main() {
    futures_executor::block_on(async {
        assert_eq!(f_async(1).await, 2);
        assert_eq!(g_async(1, 2, 3).await, 6);
    });
}
