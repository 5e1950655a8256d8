use bridge_runtime::{Pool, sync_to_async};
use std::sync::LazyLock;

static DB: LazyLock<Pool> = LazyLock::new(|| Pool::new("db", 1));

// One error, on whichever of the two options is written second.
#[sync_to_async(thread_sensitive, executor = DB)]
pub fn begin(id: u64) -> u64 {
    id
}

#[sync_to_async(executor = DB, limit = 2, thread_sensitive)]
pub fn commit(id: u64) -> u64 {
    id
}

// No follow-on errors at the callers.
async fn callers() -> u64 {
    begin(1) + begin_async(2).await + commit(3) + commit_async(4).await
}

fn main() {}
