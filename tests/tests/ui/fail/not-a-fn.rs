use bridge_runtime::sync_to_async;

#[sync_to_async]
pub struct User {
    pub id: u64,
}

// The struct is still emitted, so its uses see no further errors.
fn make() -> User {
    User { id: 1 }
}

fn main() {}
