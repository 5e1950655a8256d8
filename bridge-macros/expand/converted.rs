/// Reads a file's length: the path is converted to a `PathBuf` when the twin is called, the
/// name with `Into<String>`, and the twin's future owns both.
#[sync_to_async]
pub fn read_len(path: impl AsRef<Path>, name: impl Into<String> + Send, tag: &str) -> usize {
    std::fs::metadata(path).map_or(0, |meta| meta.len() as usize) + name.into().len() + tag.len()
}
