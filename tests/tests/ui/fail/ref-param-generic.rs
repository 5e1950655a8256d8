use bridge_runtime::sync_to_async;

// A `&T` of a type parameter is copied with `ToOwned`, which needs `T: Clone`: rustc's error,
// which says to add that bound.
#[sync_to_async]
pub fn save<T: std::fmt::Debug>(path: &str, value: &T) -> String {
    format!("{path}: {value:?}")
}

// A slice of one: bridge's error (rustc's would suggest `where [S]: ToOwned`).
#[sync_to_async]
pub fn join<S: AsRef<str>>(parts: &[S]) -> String {
    parts.iter().map(AsRef::as_ref).collect()
}

// With the bound, both compile.
#[sync_to_async]
pub fn save_cloned<T: std::fmt::Debug + Clone + Send + 'static>(value: &T) -> String {
    format!("{value:?}")
}

fn main() {}
