use bridge_runtime::sync_to_async;

#[sync_to_async(limit = 0)]
pub fn fetch(id: u64) -> u64 {
    id
}

// No follow-on errors at the callers of the fn or of its twin.
async fn callers() -> u64 {
    fetch(1) + fetch_async(2).await
}

fn main() {}
