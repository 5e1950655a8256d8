//! An option value that parses but cannot work gets one error, on the value, that says what to
//! write instead, and no cascade: a keyword as a name, a closure as an executor, a module of this
//! crate as the runtime's path. The twins' callers below compile against the stubs.
use bridge_runtime::sync_to_async;

#[sync_to_async(name = self)]
pub fn named_self(id: u64) -> u64 {
    id
}

#[sync_to_async(executor = |job| job.run())]
pub fn closure_executor(id: u64) -> u64 {
    id
}

#[sync_to_async(executor = &|job| job.run(), limit = 2)]
pub fn borrowed_closure_executor(id: u64) -> u64 {
    id
}

#[sync_to_async(crate = "crate")]
pub fn crate_root(text: &str) -> Result<u64, Box<dyn std::error::Error>> {
    Ok(text.len() as u64)
}

pub struct Store;

#[sync_to_async(handle = Self)]
impl Store {
    pub fn get(&self) -> u64 {
        0
    }
}

#[sync_to_async(handle = AsyncStore, crate = "super")]
impl Store {
    pub fn new() -> Self {
        Store
    }

    #[sync_to_async(name = crate)]
    pub fn size(&self) -> u64 {
        1
    }
}

async fn callers() -> u64 {
    let store = AsyncStore::new().await;
    named_self_async(1).await
        + closure_executor_async(2).await
        + borrowed_closure_executor_async(3).await
        + crate_root_async("4").await.unwrap()
        + Store.get()
        + store.blocking_read().get()
        + store.size().await
}

fn main() {}
