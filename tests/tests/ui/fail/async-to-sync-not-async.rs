use bridge_runtime::async_to_sync;

#[async_to_sync]
pub fn fetch_user(id: u64) -> String {
    format!("user {id}")
}

// The fn and a stub of its twin are still emitted: callers of either get no further errors.
fn callers() -> String {
    fetch_user(1) + &fetch_user_blocking(2)
}

fn main() {}
