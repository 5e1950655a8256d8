use bridge_runtime::sync_to_async;

#[sync_to_async]
pub async fn fetch_user(id: u64) -> String {
    format!("user {id}")
}

// The fn and a stub of its twin are still emitted: callers of either get no further errors.
async fn callers() -> String {
    fetch_user(1).await + &fetch_user_async(2).await
}

fn main() {}
