use bridge_runtime::sync_to_async;

#[sync_to_async(thread_sensitive, limit = 2, thread_sensitive)]
pub fn begin(id: u64) -> u64 {
    id
}

async fn callers() -> u64 {
    begin(1) + begin_async(2).await
}

fn main() {}
