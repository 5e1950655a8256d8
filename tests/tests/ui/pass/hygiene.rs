//! Generated code is hygienic: it names `::core`/`::std` and the runtime by absolute paths,
//! so decoys in the user's crate change nothing, and it passes the strictest lints.
#![deny(warnings, unused_qualifications, clippy::all)]

use ::bridge_runtime::sync_to_async;

// Decoys at the crate root, where a generated `core::...` or `std::...` would find them.
mod core {}
mod std {}
// The generated code reaches the runtime as `::bridge_runtime`, past this module.
mod bridge_runtime {}

/// A decoy `Send`, `Sync`, `Sized`, `Box`, `Future`, `Option` and `Result`.
struct Send;
struct Sync;
struct Sized;
struct Box;
struct Future;
struct Option;
struct Result;

/// A decoy of the runtime's marker trait.
trait Sendable {
    fn decoy(&self) {}
}
impl<T> Sendable for T {}

/// Decoys of the names generated code uses inside the twin.
fn __bridge_job() {}
static __BRIDGE_SITE: u8 = 0;
fn dispatch() {}
fn unreachable() {}

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: u64,
}

#[sync_to_async]
pub fn by_value(id: u64, name: String) -> ::std::string::String {
    format!("{id}:{name}")
}

#[sync_to_async(limit = 3)]
pub fn borrowed(user: &User, tag: &str, bytes: &[u8]) -> usize {
    user.id as usize + tag.len() + bytes.len()
}

#[sync_to_async]
pub fn generic<T: ::std::str::FromStr>(text: &str) -> ::core::option::Option<T> {
    text.parse().ok()
}

#[sync_to_async]
pub fn with_impl(value: impl ::std::fmt::Display) -> ::std::string::String {
    value.to_string()
}

/// # Safety
///
/// None needed; it is `unsafe` to prove the twin keeps `unsafe`.
#[sync_to_async]
pub unsafe fn unchecked(x: u8) -> u8 {
    x
}

#[sync_to_async]
fn private(x: u32, __a0: u32, __f: u32, __r: u32) -> u32 {
    x + __a0 + __f + __r
}

#[sync_to_async]
fn only_sync(x: u32) -> u32 {
    x
}

#[sync_to_async(wraps = ::std::fs::read_to_string)]
fn read_to_string(path: &::std::path::Path) -> ::std::io::Result<::std::string::String>;

fn main() {
    __bridge_job();
    dispatch();
    unreachable();
    let decoys = (
        __BRIDGE_SITE,
        Send,
        Sync,
        Sized,
        Box,
        Future,
        Option,
        Result,
    );
    decoys.decoy();
    // A twin nobody awaits yet (the usual state in phase 1 of a migration) is not dead code.
    assert_eq!(only_sync(1), 1);
    let user = User { id: 1 };
    ::futures_executor::block_on(async {
        assert_eq!(by_value_async(1, "a".into()).await, "1:a");
        assert_eq!(borrowed_async(&user, "ab", &[1, 2, 3]).await, 6);
        assert_eq!(
            generic_async::<u32>("7").await,
            ::core::option::Option::Some(7)
        );
        assert_eq!(with_impl_async(5).await, "5");
        // SAFETY: `unchecked` has no precondition.
        assert_eq!(unsafe { unchecked_async(4) }.await, 4);
        assert_eq!(private_async(1, 2, 3, 4).await, 10);
        let manifest = ::std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        assert!(read_to_string(&manifest).await.is_ok());
    });
}
