//! A legacy fn that never returns (`-> !`) gets a twin whose output is
//! `std::convert::Infallible`: `!` cannot be the output of an `async fn` on stable Rust, and an
//! `Infallible` can never be made either, so `match twin.await {}` ends the caller just as the
//! fn does. The same holds for a handle's methods and for a `wraps =` declaration.
use std::convert::Infallible;
use std::panic::{AssertUnwindSafe, catch_unwind};

use bridge_runtime::sync_to_async;

#[sync_to_async]
pub fn fail(code: i32) -> ! {
    panic!("failed with {code}")
}

/// `std::process::exit` as an async fn (declared, never called here).
#[sync_to_async(wraps = std::process::exit)]
pub fn exit(code: i32) -> !;

pub struct Worker;

#[sync_to_async(handle = AsyncWorker)]
impl Worker {
    pub fn new() -> Self {
        Worker
    }

    pub fn abort(&self, reason: &str) -> ! {
        panic!("aborted: {reason}")
    }
}

/// The caller's side: awaiting the twin ends this fn, as calling `fail` would.
async fn run(code: i32) -> u32 {
    match fail_async(code).await {}
}

fn main() {
    let _: fn(i32) -> _ = exit;
    let ended = catch_unwind(|| futures_executor::block_on(run(3)));
    let payload = ended.unwrap_err();
    assert_eq!(payload.downcast_ref::<String>().unwrap(), "failed with 3");

    let worker = futures_executor::block_on(AsyncWorker::new());
    let ended = catch_unwind(AssertUnwindSafe(|| {
        fn absurd(never: Infallible) -> ! {
            match never {}
        }
        absurd(futures_executor::block_on(worker.abort("done")))
    }));
    let payload = ended.unwrap_err();
    assert_eq!(payload.downcast_ref::<String>().unwrap(), "aborted: done");
}
