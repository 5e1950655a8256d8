use bridge_runtime::sync_to_async;

pub struct Store {
    rows: Vec<String>,
}

#[sync_to_async(handle = AsyncStore)]
impl Store {
    pub fn new() -> Self {
        Store { rows: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

// The same handle again: one error, which points at `extends`; the block's methods still
// reach the handle, so its callers get no errors of their own.
#[sync_to_async(handle = AsyncStore)]
impl Store {
    pub fn first(&self) -> Option<String> {
        self.rows.first().cloned()
    }
}

pub struct Cache;

// Blocks under exclusive `#[cfg]`s may each make it: left to rustc, which sees one.
#[cfg(unix)]
#[sync_to_async(handle = AsyncCache)]
impl Cache {
    pub fn get(&self) -> u8 {
        1
    }
}

#[cfg(not(unix))]
#[sync_to_async(handle = AsyncCache)]
impl Cache {
    pub fn get(&self) -> u8 {
        2
    }
}

async fn callers(store: AsyncStore, cache: AsyncCache) {
    let _: usize = store.len().await;
    let _: Option<String> = store.first().await;
    let _: u8 = cache.get().await;
}

fn main() {
    let _ = callers;
}
