//! `trait = ..` makes an async counterpart of a trait, so it goes on the trait definition: on a
//! fn or an `impl` block it is one error that says where it goes. The items are still emitted.
use bridge_runtime::sync_to_async;

#[sync_to_async(trait = AsyncLoad)]
pub fn load(id: u64) -> u64 {
    id
}

pub struct Store;

#[sync_to_async(handle = AsyncStore, trait = AsyncStoreTrait)]
impl Store {
    pub fn get(&self) -> u64 {
        load(1)
    }
}

fn main() {}
