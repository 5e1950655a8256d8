//! The other misuses of `#[sync_only]`, in one file: each still expands (the fn as written), so
//! each gets its own error and nothing cascades into the callers below.
use bridge_runtime::{sync_only, sync_to_async};

#[sync_only]
pub const fn constant(id: u64) -> u64 {
    id
}

pub trait Store {
    #[sync_only]
    fn get(&self) -> u64;
}

/// A `wraps` declaration has no body: the guard goes on the wrapped fn.
#[sync_only]
#[sync_to_async(wraps = std::fs::read)]
pub fn read(path: &std::path::Path) -> std::io::Result<Vec<u8>>;

#[sync_only(twin = fetch_now, twin = fetch_later)]
pub fn twice(id: u64) -> u64 {
    id
}

#[sync_only(twin = "fetch_later", crate = bridge_runtime)]
pub fn quoted(id: u64) -> u64 {
    id
}

#[sync_only(twin)]
pub fn bare(id: u64) -> u64 {
    id
}

fn main() {
    let _ = constant(1) + twice(2) + quoted(3) + bare(4);
}
