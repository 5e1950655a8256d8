//! Generated code is hygienic: it names `::core`/`::std` and the runtime by absolute paths,
//! so decoys in the user's crate change nothing, and it passes the strictest lints.
#![deny(warnings, unused_qualifications, clippy::all)]

use ::bridge_runtime::{async_to_sync, sync_only, sync_to_async};

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
fn block_on_twin() {}
fn block_on() {}
fn unreachable() {}
fn sync_only_method() {}

/// Decoys of the macros the `#[sync_only]` guard names its fn with.
#[allow(unused_macros)]
macro_rules! concat {
    ($($t:tt)*) => {
        0
    };
}
#[allow(unused_macros)]
macro_rules! module_path {
    () => {
        0
    };
}

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

#[async_to_sync]
pub async fn fetch(id: u64, name: &str) -> ::std::string::String {
    format!("{id}:{name}")
}

#[async_to_sync]
pub async fn parse<T: ::std::str::FromStr>(text: &str) -> ::core::option::Option<T> {
    text.parse().ok()
}

/// # Safety
///
/// None needed; it is `unsafe` to prove the twin keeps `unsafe`.
#[async_to_sync]
pub async unsafe fn unchecked_async_fn(x: u8) -> u8 {
    x
}

#[async_to_sync]
async fn patterns((a, _): (u32, u32), mut b: u32, __arg0: u32, patterns: u32) -> u32 {
    b += 1;
    a + b + __arg0 + patterns
}

/// Deprecated, as is its twin; the twin's own call to it is not a warning.
#[deprecated(note = "decoy")]
#[async_to_sync]
pub async fn old_async(x: u8) -> u8 {
    x
}

/// Deprecated, as is its twin; the twin's own call to it is not a warning.
#[deprecated(note = "decoy")]
#[sync_to_async]
pub fn old_sync(x: u8) -> u8 {
    x
}

/// Raw identifiers as parameter names stay raw in the twins.
#[sync_to_async]
pub fn raw_sync(r#type: u32, r#match: u32) -> u32 {
    r#type + r#match
}

/// Raw identifiers as parameter names stay raw in the twins.
#[async_to_sync]
pub async fn raw_async(r#type: u32, r#match: u32) -> u32 {
    r#type + r#match
}

pub struct Holder(u32);

impl Holder {
    #[async_to_sync]
    pub async fn get(&self, add: u32) -> u32 {
        self.0 + add
    }

    #[async_to_sync]
    pub async fn set(&mut self, value: u32) {
        self.0 = value;
    }

    #[async_to_sync]
    async fn take(mut self) -> u32 {
        self.0 += 1;
        self.0
    }
}

#[sync_only]
pub fn guarded(id: u64) -> u64 {
    #![allow(clippy::identity_op)]
    id + 0
}

#[sync_only]
#[sync_to_async(limit = 2)]
pub fn guarded_outer(id: u64, tag: &str) -> ::std::string::String {
    format!("{id}:{tag}")
}

#[sync_to_async]
#[sync_only(twin = guarded_inner_async)]
fn guarded_inner(id: u64) -> u64 {
    id
}

impl Holder {
    #[sync_only]
    pub fn peek(&self) -> u32 {
        self.0
    }
}

#[sync_to_async(wraps = ::std::fs::read_to_string)]
fn read_to_string(path: &::std::path::Path) -> ::std::io::Result<::std::string::String>;

/// Decoys of the names a handle uses inside.
fn __bridge_call() {}
fn __bridge_run() {}
fn __bridge_checked() {}
fn install() {}
static __BRIDGE_LIMIT: u8 = 0;

/// A store behind an async handle, in each of its three forms.
pub struct Store {
    rows: ::std::vec::Vec<u32>,
}

#[sync_to_async(handle = AsyncStore, limit = 2)]
impl Store {
    /// Builds a store.
    pub fn new() -> Self {
        Store { rows: ::std::vec::Vec::new() }
    }

    /// A constructor that can fail.
    pub fn parse(text: &str) -> ::core::result::Result<Self, ::std::string::String> {
        let rows = text
            .split(',')
            .map(|row| row.parse().map_err(|_| text.to_owned()))
            .collect::<::core::result::Result<_, _>>()?;
        ::core::result::Result::Ok(Store { rows })
    }

    /// Reads.
    pub fn get(&self, index: usize) -> ::core::option::Option<u32> {
        self.rows.get(index).copied()
    }

    /// Writes.
    #[sync_to_async(name = append, limit = 1)]
    pub fn push(&mut self, row: u32, __a0: u32, __this: u32) -> usize {
        self.rows.push(row + __a0 + __this);
        self.rows.len()
    }

    /// Takes another store by reference, which is copied.
    pub fn merged(&self, other: &Self) -> Self {
        let mut rows = self.rows.clone();
        rows.extend(&other.rows);
        Store { rows }
    }

    /// # Safety
    ///
    /// None needed; it is `unsafe` to prove the handle keeps `unsafe`.
    pub unsafe fn unchecked(&self) -> usize {
        self.rows.len()
    }

    /// Deprecated, as is its async version.
    #[deprecated(note = "decoy")]
    pub fn old(&self) -> usize {
        0
    }

    /// An associated fn.
    pub fn version() -> u32 {
        1
    }

    #[sync_to_async(skip)]
    pub fn sync_only(&self) -> usize {
        self.rows.len()
    }

    fn private(&self) -> usize {
        self.rows.len()
    }
}

impl ::core::clone::Clone for Store {
    fn clone(&self) -> Self {
        Store { rows: self.rows.clone() }
    }
}

/// A `Sync` cache whose readers run at the same time.
pub struct Cache {
    hits: ::std::sync::atomic::AtomicUsize,
}

#[sync_to_async(handle = AsyncCache, concurrent_reads, executor = &::bridge_runtime::DefaultExecutor)]
impl Cache {
    pub fn new() -> Self {
        Cache { hits: ::std::sync::atomic::AtomicUsize::new(0) }
    }

    pub fn hit(&self) -> usize {
        self.hits.fetch_add(1, ::std::sync::atomic::Ordering::SeqCst) + 1
    }

    pub fn reset(&mut self) {
        *self.hits.get_mut() = 0;
    }
}

/// A thread-bound object.
pub struct Local {
    count: ::std::rc::Rc<::core::cell::Cell<u32>>,
}

#[sync_to_async(handle = AsyncLocal, thread_sensitive, limit = 4)]
impl Local {
    pub fn new() -> Self {
        Local { count: ::std::rc::Rc::default() }
    }

    pub fn bump(&mut self) -> u32 {
        self.count.set(self.count.get() + 1);
        self.count.get()
    }

    pub fn count(&self) -> u32 {
        self.count.get()
    }

    pub fn kind() -> &'static str {
        "local"
    }
}

fn main() {
    __bridge_call();
    __bridge_run();
    __bridge_checked();
    install();
    let _ = __BRIDGE_LIMIT;
    __bridge_job();
    dispatch();
    block_on_twin();
    block_on();
    unreachable();
    sync_only_method();
    assert_eq!(guarded(1), 1);
    assert_eq!(guarded_inner(2), 2);
    assert_eq!(Holder(4).peek(), 4);
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
    assert_eq!(fetch_blocking(1, "a"), "1:a");
    assert_eq!(parse_blocking::<u8>("7"), ::core::option::Option::Some(7));
    // SAFETY: `unchecked_async_fn` has no precondition.
    assert_eq!(unsafe { unchecked_async_fn_blocking(3) }, 3);
    assert_eq!(patterns_blocking((1, 2), 3, 4, 5), 14);
    #[allow(deprecated)]
    let old = old_async_blocking(1) + old_sync(1);
    assert_eq!(old, 2);
    assert_eq!(raw_async_blocking(1, 2), 3);
    let mut holder = Holder(1);
    holder.set_blocking(2);
    assert_eq!(holder.get_blocking(1), 3);
    assert_eq!(holder.take_blocking(), 3);
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
        assert_eq!(raw_sync_async(1, 2).await, 3);
        assert_eq!(guarded_outer_async(1, "a").await, "1:a");
        assert_eq!(guarded_inner_async(3).await, 3);
        #[allow(deprecated)]
        let old = old_sync_async(1).await + old_async(1).await;
        assert_eq!(old, 2);
        let manifest = ::std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        assert!(read_to_string(&manifest).await.is_ok());

        let store = AsyncStore::new().await;
        assert_eq!(store.append(1, 2, 3).await, 1);
        assert_eq!(store.get(0).await, ::core::option::Option::Some(6));
        let other = AsyncStore::parse("1,2").await.unwrap();
        assert!(AsyncStore::parse("x").await.is_err());
        let merged = store.merged(&other.blocking_read()).await;
        assert_eq!(merged.rows.len(), 3);
        // SAFETY: `unchecked` has no precondition.
        assert_eq!(unsafe { store.unchecked() }.await, 1);
        #[allow(deprecated)]
        let old = store.old().await;
        assert_eq!(old, 0);
        assert_eq!(AsyncStore::version().await, 1);
        assert_eq!(store.blocking_read().sync_only(), 1);
        assert_eq!(store.blocking_read().private(), 1);
        let _ = ::std::format!("{store:?}");

        let cache = AsyncCache::new().await;
        assert_eq!(cache.hit().await, 1);
        cache.reset().await;
        assert_eq!(AsyncCache::from(Cache::new()).hit().await, 1);

        let local = AsyncLocal::new().await;
        assert_eq!(local.bump().await, 1);
        assert_eq!(local.count().await, 1);
        assert_eq!(local.blocking_with(|local| local.count()), 1);
        assert_eq!(AsyncLocal::kind().await, "local");
    });
}
