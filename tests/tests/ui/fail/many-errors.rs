//! Several bad invocations in one file: each still expands (the fn as written, a stub of its
//! twin, or a stub of a declaration), so each gets its own errors and nothing cascades into
//! the callers below, or into the valid twin next to them.
use bridge_runtime::sync_to_async;
use std::path::Path;
use std::rc::Rc;

#[sync_to_async(limit = 0)]
pub fn zero_limit(id: u64) -> u64 {
    id
}

#[sync_to_async(max_concurrency = 4)]
pub fn renamed_option(id: u64) -> u64 {
    id
}

#[sync_to_async]
pub fn mutable(buffer: &mut Vec<u8>) {
    buffer.push(1);
}

#[sync_to_async]
pub fn borrowed(text: &str) -> &str {
    text
}

#[sync_to_async]
pub async fn already_async(id: u64) -> u64 {
    id
}

#[sync_to_async]
pub fn not_send(counter: Rc<u64>) -> u64 {
    *counter
}

#[sync_to_async(wraps = std::fs::read)]
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}

#[sync_to_async(name = "later")]
pub fn quoted_name(id: u64) -> u64 {
    id
}

#[sync_to_async]
pub struct NotAFn;

#[sync_to_async]
pub fn valid(id: u64) -> u64 {
    id
}

async fn callers(buffer: &mut Vec<u8>) -> u64 {
    let _ = NotAFn;
    let _ = read(Path::new("Cargo.toml")).await;
    let _ = borrowed("sync").len() + borrowed_async("async").await.len();
    mutable(buffer);
    mutable_async(buffer).await;
    zero_limit(1)
        + zero_limit_async(2).await
        + renamed_option(3)
        + renamed_option_async(4).await
        + already_async(5).await
        + already_async_async(6).await
        + quoted_name(7)
        + quoted_name_async(8).await
        + not_send(Rc::new(9))
        + valid(10)
        + valid_async(11).await
}

fn main() {}
