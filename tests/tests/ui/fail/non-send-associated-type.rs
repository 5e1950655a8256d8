use bridge_runtime::sync_to_async;

// The error of `T::from_str` is not known to be `Send`: bridge's error says to bound it in the
// where-clause (rustc's own help names a private bound, which is not the fix).
#[sync_to_async]
pub fn parse_all<T: std::str::FromStr + Send + 'static>(text: &str) -> Result<Vec<T>, T::Err> {
    text.split(',').map(str::parse).collect()
}

// Bounded, it compiles.
#[sync_to_async]
pub fn parse_some<T>(text: &str) -> Result<Vec<T>, T::Err>
where
    T: std::str::FromStr + Send + 'static,
    T::Err: Send + 'static,
{
    text.split(',').map(str::parse).collect()
}

fn main() {}
