use bridge_runtime::sync_to_async;

#[sync_to_async(wraps = std::fs::read_to_string, name = read_async)]
pub fn read_to_string(path: &std::path::Path) -> std::io::Result<String>;

fn main() {}
