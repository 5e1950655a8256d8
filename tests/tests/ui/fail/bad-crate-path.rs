use bridge_runtime::sync_to_async;

#[sync_to_async(crate = "not a path!")]
pub fn fetch(id: u64) -> u64 {
    id
}

fn main() {}
