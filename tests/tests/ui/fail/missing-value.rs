use bridge_runtime::sync_to_async;

#[sync_to_async(limit)]
pub fn fetch(id: u64) -> u64 {
    id
}

// Each bare option gets its own error, and the options after it are still read.
#[sync_to_async(name, executor, limit = 0)]
pub fn store(id: u64) -> u64 {
    id
}

// A bare `wraps` still marks a declaration: no "this fn has no body" on top.
#[sync_to_async(wraps)]
pub fn read(path: &std::path::Path) -> std::io::Result<Vec<u8>>;

fn main() {}
