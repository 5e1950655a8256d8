//! A default handle adopts an `Arc<RwLock<Store>>` only if `Store` is `Sync`: legacy threads
//! share the lock, and an `RwLock` of a type that is not `Sync` cannot be shared.

use std::cell::Cell;
use std::sync::{Arc, RwLock};

use bridge_runtime::sync_to_async;

pub struct Store {
    hits: Cell<u64>,
}

#[sync_to_async(handle = AsyncStore)]
impl Store {
    pub fn hit(&mut self) -> u64 {
        self.hits.set(self.hits.get() + 1);
        self.hits.get()
    }
}

fn main() {
    let shared = Arc::new(RwLock::new(Store { hits: Cell::new(0) }));
    let _store = AsyncStore::from(shared);
}
