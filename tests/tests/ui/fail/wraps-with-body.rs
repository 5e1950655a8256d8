use bridge_runtime::sync_to_async;
use std::path::Path;

#[sync_to_async(wraps = std::fs::read_to_string)]
pub fn read_to_string(path: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

// `wraps` says the declared name is the async fn: its callers get no follow-on errors.
async fn callers() -> std::io::Result<String> {
    read_to_string(Path::new("Cargo.toml")).await
}

fn main() {}
