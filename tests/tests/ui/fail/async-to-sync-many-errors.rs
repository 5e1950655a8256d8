//! The other misuses of `#[async_to_sync]`, in one file: each still expands (the fn, and a stub
//! of its twin), so each gets its own error and nothing cascades into the callers below.
use bridge_runtime::async_to_sync;

#[async_to_sync]
pub async extern "C" fn checksum(data: u64) -> u64 {
    data
}

#[async_to_sync]
pub async unsafe extern "C" fn print(count: u64, _: ...) -> u64 {
    count
}

#[async_to_sync]
pub async fn declared(id: u64) -> u64;

#[async_to_sync(name = fetch_now, name = fetch_later)]
pub async fn fetch(id: u64) -> u64 {
    id
}

#[async_to_sync(name = "fetch_sync", crate = bridge_runtime)]
pub async fn quoted(id: u64) -> u64 {
    id
}

#[async_to_sync(name)]
pub async fn bare(id: u64) -> u64 {
    id
}

#[async_to_sync]
pub struct NotAFn;

pub struct Store;

#[async_to_sync]
impl Store {
    pub async fn get(&self) -> u64 {
        1
    }
}

#[async_to_sync]
pub async fn valid(id: u64) -> u64 {
    id
}

async fn callers() -> u64 {
    let _ = NotAFn;
    // SAFETY: nothing to uphold; this never runs.
    let printed = unsafe { print(1).await + print_blocking(2) };
    checksum(1).await
        + checksum_blocking(2)
        + printed
        + declared(3).await
        + declared_blocking(4)
        + fetch(5).await
        + fetch_now(6)
        + quoted(7).await
        + quoted_blocking(8)
        + bare(9).await
        + bare_blocking(10)
        + Store.get().await
        + valid(11).await
}

fn main() {}
