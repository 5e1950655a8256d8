use bridge_runtime::sync_to_async;

#[sync_to_async(limit = 4, name = fetch_later, limit = 8)]
pub fn fetch(id: u64) -> u64 {
    id
}

fn main() {}
