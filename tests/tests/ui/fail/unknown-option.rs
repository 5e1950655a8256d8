use bridge_runtime::sync_to_async;

#[sync_to_async(rename = fetch_later)]
pub fn fetch(id: u64) -> u64 {
    id
}

#[sync_to_async(timeout = 5)]
pub fn store(id: u64) -> u64 {
    id
}

fn main() {}
