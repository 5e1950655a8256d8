/// Reads a whole file, without blocking the runtime.
#[sync_to_async(wraps = std::fs::read_to_string)]
pub fn read_to_string(path: &Path) -> std::io::Result<String>;
