//! Every form `#[sync_only]` takes builds, composes with `#[sync_to_async]` in either order,
//! and runs on a plain thread.
use bridge_runtime::{sync_only, sync_to_async};

#[sync_only]
pub fn plain(id: u64) -> u64 {
    id
}

#[sync_only]
fn generic<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.parse().ok()
}

/// Inner attributes stay first in the body.
#[sync_only]
fn with_inner_attributes() -> u32 {
    #![allow(clippy::let_and_return)]
    let x = 1;
    x
}

/// # Safety
///
/// None needed.
#[sync_only]
pub unsafe fn unchecked(x: u8) -> u8 {
    x
}

#[sync_only]
pub extern "C" fn exported(x: u8) -> u8 {
    x
}

#[sync_only]
fn r#type(r#match: u8) -> u8 {
    r#match
}

#[sync_only(twin = load_later, crate = "::bridge_runtime")]
fn load(id: u64) -> u64 {
    id
}

#[sync_only]
#[sync_to_async(name = fetch_later, limit = 2)]
fn outer(id: u64, realm: &str) -> String {
    format!("{id}@{realm}")
}

#[sync_to_async]
#[sync_only]
fn inner(id: u64) -> u64 {
    id
}

#[sync_to_async(thread_sensitive)]
#[sync_only]
fn sensitive() -> u8 {
    1
}

pub struct Store(u64);

impl Store {
    #[sync_only]
    pub fn get(&self) -> u64 {
        self.0
    }

    #[sync_only]
    pub fn set(&mut self, value: u64) {
        self.0 = value;
    }

    #[sync_only]
    pub fn open() -> Self {
        Store(0)
    }
}

pub trait Repository {
    #[sync_only]
    fn count(&self) -> usize {
        0
    }
}

impl Repository for Store {}

#[cfg(any())]
#[sync_only]
fn compiled_out() -> NotAType {}

fn main() {
    assert_eq!(plain(1), 1);
    assert_eq!(generic::<u8>("7"), Some(7));
    assert_eq!(with_inner_attributes(), 1);
    // SAFETY: `unchecked` has no precondition.
    assert_eq!(unsafe { unchecked(3) }, 3);
    assert_eq!(exported(4), 4);
    assert_eq!(r#type(5), 5);
    assert_eq!(load(6), 6);
    assert_eq!(outer(1, "eu"), "1@eu");
    assert_eq!(inner(2), 2);
    assert_eq!(sensitive(), 1);
    let mut store = Store::open();
    store.set(3);
    assert_eq!(store.get(), 3);
    assert_eq!(store.count(), 0);
    futures_executor::block_on(async {
        assert_eq!(fetch_later(1, "eu").await, "1@eu");
        assert_eq!(inner_async(2).await, 2);
        assert_eq!(sensitive_async().await, 1);
    });
}
