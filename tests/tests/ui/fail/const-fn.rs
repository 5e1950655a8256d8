use bridge_runtime::sync_to_async;

#[sync_to_async]
pub const fn square(x: u32) -> u32 {
    x * x
}

const NINE: u32 = square(3);

fn main() {}
