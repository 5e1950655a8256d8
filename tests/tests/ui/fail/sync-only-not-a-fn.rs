//! `#[sync_only]` goes on fns only.
use bridge_runtime::sync_only;

#[sync_only]
pub struct Store {
    pub id: u64,
}

pub struct Cache;

#[sync_only]
impl Cache {
    pub fn get(&self) -> u64 {
        1
    }
}

fn main() {
    // Both items are still emitted.
    let _ = Store { id: 1 }.id + Cache.get();
}
