use bridge_runtime::sync_to_async;

pub struct User {
    pub id: u64,
}

// The twin copies `&User` into a `User` with `ToOwned`, which needs `Clone`.
#[sync_to_async]
pub fn greet(user: &User) -> String {
    format!("hello {}", user.id)
}

fn main() {}
