//! Options `#[sync_only]` does not take, each with a hint.
use bridge_runtime::sync_only;

#[sync_only(limit = 3)]
pub fn limited(id: u64) -> u64 {
    id
}

#[sync_only(name = fetch_later)]
pub fn renamed(id: u64) -> u64 {
    id
}

#[sync_only(strict)]
pub fn strict(id: u64) -> u64 {
    id
}

fn main() {
    let _ = limited(1) + renamed(2) + strict(3);
}
