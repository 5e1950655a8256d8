use std::error::Error;

use bridge_runtime::sync_to_async;

/// The most common legacy alias: the twin cannot see through it, and its error is not `Send`.
pub type BoxResult<T> = Result<T, Box<dyn Error>>;

// bridge's `Send` error, whose last note says to write the type out (which converts it).
#[sync_to_async]
pub fn parse_id(text: &str) -> BoxResult<u64> {
    Ok(text.parse()?)
}

// Written out, it compiles: the twin returns `Result<u64, SentError>`.
#[sync_to_async]
pub fn parse_port(text: &str) -> Result<u16, Box<dyn Error>> {
    Ok(text.parse()?)
}

fn main() {}
