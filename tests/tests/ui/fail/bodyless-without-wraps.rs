use bridge_runtime::sync_to_async;
use std::path::Path;

#[sync_to_async]
pub fn read_to_string(path: &Path) -> std::io::Result<String>;

// A stub with the declared signature is emitted: callers get no follow-on errors.
async fn callers() -> std::io::Result<String> {
    read_to_string(Path::new("Cargo.toml")).await
}

fn main() {}
