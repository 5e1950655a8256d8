use bridge_runtime::async_to_sync;

#[async_to_sync]
pub const async fn square(x: u32) -> u32 {
    x * x
}

// Only this error: not rustc's own "functions cannot be both `const` and `async`", and no
// follow-on errors at the callers.
async fn callers() -> u32 {
    square(2).await + square_blocking(3)
}

fn main() {}
