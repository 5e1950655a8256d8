use bridge_runtime::sync_to_async;

#[sync_to_async(name = "fetch_later", limit = "4")]
pub fn fetch(id: u64) -> u64 {
    id
}

// A `wraps` with a bad value still marks a declaration: no "this fn has no body" on top.
#[sync_to_async(wraps = "std::fs::read", crate = bridge_runtime)]
pub fn read(path: &std::path::Path) -> std::io::Result<Vec<u8>>;

#[sync_to_async(executor = "POOL")]
pub fn store(id: u64) -> u64 {
    id
}

#[sync_to_async(name = fetch::later, limit = 2)]
pub fn load(id: u64) -> u64 {
    id
}

fn main() {}
