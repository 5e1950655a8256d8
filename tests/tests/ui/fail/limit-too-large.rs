use bridge_runtime::sync_to_async;

#[sync_to_async(limit = 100000000000000000000)]
pub fn fetch(id: u64) -> u64 {
    id
}

fn main() {}
