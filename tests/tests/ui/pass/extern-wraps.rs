//! A foreign fn declared in an `extern` block gets its async version from a `wraps =`
//! declaration after the block (the block itself cannot hold one): `unsafe`, as the foreign fn
//! is to call, or safe for a fn the block declares `safe`.
use bridge_runtime::sync_to_async;

unsafe extern "C" {
    fn labs(x: i64) -> i64;
    safe fn abs(x: i32) -> i32;
}

/// # Safety
///
/// As `labs`.
#[sync_to_async(wraps = labs)]
pub unsafe fn labs_async(x: i64) -> i64;

#[sync_to_async(wraps = abs)]
pub fn abs_async(x: i32) -> i32;

fn main() {
    futures_executor::block_on(async {
        // SAFETY: `labs` has no precondition.
        assert_eq!(unsafe { labs_async(-3) }.await, 3);
        assert_eq!(abs_async(-4).await, 4);
    });
}
