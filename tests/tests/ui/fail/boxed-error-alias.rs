use bridge_runtime::sync_to_async;

mod errors {
    /// The most common legacy alias, in another module: the twin cannot see through it, and
    /// its error is not `Send`.
    pub type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;
}

// bridge's `Send` error, whose last note says to write the type out (which converts it).
#[sync_to_async]
pub fn parse_id(text: &str) -> errors::BoxResult<u64> {
    Ok(text.parse()?)
}

fn main() {}
