//! A trait impl holds only what its trait declares, and a twin in a trait would be one more
//! method for every impl: `#[sync_to_async]` on a fn in either is one error that says where it
//! goes instead, and the fn stays as written.
use bridge_runtime::sync_to_async;

pub trait Repository {
    #[sync_to_async]
    fn count(&self) -> u64;

    #[sync_to_async]
    fn describe() -> String {
        "repository".to_owned()
    }
}

pub struct Users;

impl Repository for Users {
    #[sync_to_async]
    fn count(&self) -> u64 {
        0
    }
}

impl Default for Users {
    #[sync_to_async]
    fn default() -> Self {
        Users
    }
}

fn callers() -> u64 {
    let _ = <Users as Default>::default();
    let _ = Users::describe();
    Users.count()
}

fn main() {}
