use bridge_runtime::sync_to_async;

#[sync_to_async(thread_sensitive = true)]
pub fn begin(id: u64) -> u64 {
    id
}

#[sync_to_async(thread_sensitive(true), limit = 2)]
pub fn commit(id: u64) -> u64 {
    id
}

async fn callers() -> u64 {
    begin(1) + begin_async(2).await + commit(3) + commit_async(4).await
}

fn main() {}
