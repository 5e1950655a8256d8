use bridge_runtime::sync_to_async;

// The declaration says `String`, the wrapped fn returns `io::Result<String>`.
#[sync_to_async(wraps = std::fs::read_to_string)]
pub fn read_text(path: std::path::PathBuf) -> String;

// The declaration takes a `u64` where the wrapped fn takes a path.
#[sync_to_async(wraps = std::fs::read)]
pub fn read_bytes(path: u64) -> std::io::Result<Vec<u8>>;

fn main() {}
