use bridge_runtime::async_to_sync;

#[async_to_sync(rename = fetch_now)]
pub async fn fetch(id: u64) -> u64 {
    id
}

// An option of `#[sync_to_async]` only.
#[async_to_sync(limit = 4)]
pub async fn store(id: u64) -> u64 {
    id
}

#[async_to_sync(thread_sensitive)]
pub async fn commit(id: u64) -> u64 {
    id
}

#[async_to_sync(timeout = 5)]
pub async fn load(id: u64) -> u64 {
    id
}

// No follow-on errors at the callers.
fn callers() -> u64 {
    fetch_blocking(1) + store_blocking(2) + commit_blocking(3) + load_blocking(4)
}

fn main() {}
