//! An `extern` block cannot hold a twin: `#[sync_to_async]` on a fn declared there is one
//! error that says how to declare the async version after the block, and the declaration stays
//! as written, so its callers compile.
use bridge_runtime::sync_to_async;

unsafe extern "C" {
    #[sync_to_async]
    pub fn labs(x: i64) -> i64;

    #[sync_to_async]
    pub safe fn abs(x: i32) -> i32;

    #[sync_to_async(wraps = labs)]
    pub fn labs_later(x: i64) -> i64;
}

fn callers() -> i64 {
    // SAFETY: `labs` has no precondition.
    unsafe { labs(-1) + i64::from(abs(-2)) }
}

fn main() {}
