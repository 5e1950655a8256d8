/// Reads a file's length: the path is converted to a `PathBuf` when the twin is called, the
/// name with `Into<String>`, and the twin's future owns both.
#[sync_to_async]
pub fn read_len(path: impl AsRef<Path>, name: impl Into<String> + Send, tag: &str) -> usize {
    std::fs::metadata(path).map_or(0, |meta| meta.len() as usize) + name.into().len() + tag.len()
}

/// The same with named type parameters, converted at the call and passed to the fn as the
/// converted types: `P` takes no `Send + 'static`, and `S`'s `Send` stays.
#[sync_to_async]
pub fn open_as<P: AsRef<Path>, S>(path: P, user: S) -> bool
where
    S: Into<String> + Send,
{
    path.as_ref().exists() && !user.into().is_empty()
}

/// A borrow of a type parameter bounded so, as std writes it: lent back as `&Path`.
#[sync_to_async]
pub fn depth<P: AsRef<Path> + ?Sized>(path: &P) -> usize {
    path.as_ref().components().count()
}
