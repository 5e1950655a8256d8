//! `#[sync_only]` guards sync fns; an `async fn` already runs on the runtime, where the guard
//! would fire on every call.
use bridge_runtime::sync_only;

#[sync_only]
pub async fn fetch_user(id: u64) -> u64 {
    id
}

fn main() {
    // The fn is still emitted, so its callers get no second error.
    let _ = fetch_user(1);
}
