use bridge_runtime::sync_to_async;

#[sync_to_async]
pub extern "C" fn checksum(data: u64) -> u64 {
    data.rotate_left(7)
}

fn main() {}
