//! A parameter under `#[cfg(..)]` keeps it in the twin: configured out, it is gone from the
//! twin's signature, its statements and its call (even if its type does not exist); configured
//! in, it is passed like any other. The same holds for a handle's methods and for
//! `#[async_to_sync]` twins.
use bridge_runtime::{async_to_sync, sync_to_async};

#[sync_to_async]
fn sum(a: u32, #[cfg(any())] gone: NoSuchType, #[cfg(all())] kept: &str) -> u32 {
    a + kept.len() as u32
}

pub struct Counter(u32);

#[sync_to_async(handle = AsyncCounter)]
impl Counter {
    pub fn new(#[cfg(any())] gone: NoSuchType, start: u32) -> Self {
        Counter(start)
    }

    pub fn add(&mut self, #[cfg(all())] step: u32, #[cfg(any())] gone: NoSuchType) -> u32 {
        self.0 += step;
        self.0
    }
}

#[async_to_sync]
async fn twice(#[cfg(any())] gone: NoSuchType, #[cfg(all())] x: u32) -> u32 {
    x * 2
}

fn main() {
    assert_eq!(sum(1, "ab"), 3);
    assert_eq!(twice_blocking(4), 8);
    futures_executor::block_on(async {
        assert_eq!(sum_async(1, "ab").await, 3);
        let counter = AsyncCounter::new(1).await;
        assert_eq!(counter.add(2).await, 3);
    });
}
