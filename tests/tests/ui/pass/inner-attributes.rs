//! An inner attribute at the top of a fn's or a method's body (or of an `impl` block) belongs
//! to that body: it stays there, and is not copied onto the twin or the handle, where it would
//! be invalid.
#![deny(unused_variables)]

use bridge_runtime::sync_to_async;

#[sync_to_async]
pub fn free(id: u32) -> u32 {
    #![allow(unused_variables)]
    let unused = 1;
    id
}

pub struct Store(u32);

#[sync_to_async(handle = AsyncStore)]
impl Store {
    #![allow(clippy::new_without_default)]

    pub fn new() -> Self {
        #![allow(unused_variables)]
        let unused = 1;
        Store(0)
    }

    pub fn get(&self) -> u32 {
        #![allow(unused_variables)]
        let unused = 1;
        self.0
    }
}

fn main() {
    futures_executor::block_on(async {
        assert_eq!(free_async(1).await, 1);
        assert_eq!(AsyncStore::new().await.get().await, 0);
    });
}
