//! Procedural macros for bridge. Depend on `bridge-runtime`, which re-exports them; this
//! crate is its implementation detail and its paths are not stable.
//!
//! `lib.rs` holds the entry points and their documentation; the work is in `expand` on
//! `proc_macro2`, so it can be unit-tested and snapshot-tested.

mod args;
mod context;
mod error;
mod expand;
mod item;
mod signature;

use proc_macro::TokenStream;

/// Adds an async twin to a sync fn: `fn fetch_user` gains `fn fetch_user_async`, an async fn
/// whose future owns its arguments, which runs the unchanged fn on a blocking executor. The
/// sync fn stays exactly as written, so its legacy callers do not change.
///
/// ```
/// use bridge_runtime::sync_to_async;
///
/// #[derive(Clone, Debug, PartialEq)]
/// pub struct User { pub id: u64, pub name: String }
///
/// /// Loads a user (blocking: a database query in real code).
/// #[sync_to_async]
/// pub fn fetch_user(id: u64, realm: &str) -> Result<User, String> {
///     Ok(User { id, name: format!("user-{id}@{realm}") })
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let user = fetch_user_async(7, "eu").await.unwrap();
/// assert_eq!(user, fetch_user(7, "eu").unwrap());
/// # }
/// ```
///
/// # The twin
///
/// - Named `{name}_async` (see `name = ...`), with the fn's visibility, generics,
///   where-clause, `unsafe`, doc comments (plus a line naming the sync fn), `#[cfg]`s,
///   `#[allow]`s and `#[deprecated]`.
/// - By-value parameters move into the call. `&T` parameters stay `&T` in the twin and are
///   copied with [`ToOwned`] when the twin is called (`&str` becomes a `String`, `&Path` a
///   `PathBuf`, `&User` a clone). `&'static T` is passed as is. Borrows inside `Option`,
///   slices, tuples and `Cow` are made owned the same way and lent back in their shape
///   (`Option<&str>`, `&[&str]`, `Vec<&str>`, `(&str, u32)`, `Cow<'_, str>`); a struct with a
///   lifetime is a
///   compile error that says what to take instead. `impl AsRef<Path>` / `impl AsRef<str>` (also
///   `OsStr`, `CStr`, `[T]`) parameters are converted with `as_ref().to_owned()` when the twin
///   is called, and `impl Into<T>` ones with `into()`, so they accept borrows; so are a type
///   parameter bounded the same way that no other parameter uses (`fn open<P:
///   AsRef<Path>>(path: P)`, whose twin calls `open::<PathBuf>`) and a borrow of one (`path:
///   &P`, `P: AsRef<Path> + ?Sized`). The value given is dropped when the twin is called: pass
///   a guard that must outlive the call (a temporary file) as a borrow. Other type parameters
///   and `impl Trait` parameters gain `Send + 'static`.
/// - In a plain `impl` block (one without a handle), the twin is an associated fn beside the fn:
///   `Db::open` gets `Db::open_async`, which calls `Self::open`. A method that takes `self` by
///   value (`self`, `self: Box<Self>`, `self: Arc<Self>`) moves it into the call; one that
///   borrows it cannot have a twin, and its object wants a handle (below).
/// - A parameter under `#[cfg(..)]` is under it in the twin too. A fn that never returns
///   (`-> !`) gets a twin whose output is `std::convert::Infallible` (`!` cannot be the output
///   of an `async fn` on stable Rust): `match twin().await {}`.
/// - It returns `impl Future<Output = R> + Send + 'static` (with `use<..>` naming only type and
///   const parameters, where it can be written): the future borrows nothing from the caller, so
///   `tokio::spawn(fetch_user_async(7, &realm))` works and `realm` may be dropped right after.
/// - The call is handed to the executor when the future is first polled. Once handed over it
///   runs to completion even if the future is dropped (a timeout never half-applies a call);
///   a future dropped before its first poll runs nothing.
/// - A panic in the sync fn is re-raised in the awaiting caller with its original payload.
/// - The caller's `tracing` span and subscriber are current while the sync fn runs.
///
/// Equivalent code without the macro (what the twin does, minus its compile-time checks):
///
/// ```
/// # fn fetch_user(id: u64, realm: &str) -> String { format!("{id}{realm}") }
/// pub fn fetch_user_async(
///     id: u64,
///     realm: &str,
/// ) -> impl Future<Output = String> + Send + 'static + use<> {
///     let realm = realm.to_owned();
///     async move { bridge_runtime::to_thread(move || fetch_user(id, &realm)).await }
/// }
/// # assert_eq!(futures_executor::block_on(fetch_user_async(1, "x")), "1x");
/// ```
///
/// # Options
///
/// Comma-separated, in any order, each at most once.
///
/// | option | meaning |
/// |---|---|
/// | `name = ident` | the twin's name instead of `{name}_async` |
/// | `thread_sensitive` | run every call on one dedicated thread (the current [`thread_sensitive_scope`](../bridge_runtime/fn.thread_sensitive_scope.html)'s, or the global [`ThreadSensitive`](../bridge_runtime/struct.ThreadSensitive.html) thread), for code bound to a thread; cannot be combined with `executor` |
/// | `limit = N` | at most `N` calls of this twin in flight at once; further callers wait asynchronously, in FIFO order, without holding a thread |
/// | `executor = EXPR` | run calls on this [`Executor`](../bridge_runtime/trait.Executor.html): a `static` `LazyLock<Pool>`, a `&'static` executor, or any executor value (evaluated on every call, so keep it cheap) |
/// | `wraps = path` | declaration mode, below |
/// | `handle = Ident` | impl-block mode, below; with `concurrent_reads` for a handle whose `&self` methods run together |
/// | `trait = Ident` | trait mode, below (there, `handle = Ident` names the handle type, `executor` and `limit` apply to its calls) |
/// | `crate = "path"` | where `bridge_runtime` is, for a renamed dependency or a re-export; default `::bridge_runtime` |
///
/// ```
/// use std::sync::LazyLock;
/// use bridge_runtime::{Pool, sync_to_async};
///
/// static DB: LazyLock<Pool> = LazyLock::new(|| Pool::new("db", 4));
///
/// #[sync_to_async(name = load_report, limit = 2, executor = DB)]
/// fn build_report(year: u16) -> String {
///     format!("report {year}")
/// }
///
/// # futures_executor::block_on(async {
/// assert_eq!(load_report(2026).await, "report 2026");
/// # });
/// ```
///
/// # Declaration mode: code you cannot edit
///
/// On a bodyless declaration, `wraps = path` makes the declared fn itself the async wrapper
/// of `path`, which is called with the declared parameters:
///
/// ```
/// use std::path::Path;
///
/// /// `std::fs::read_to_string`, without blocking the runtime.
/// #[bridge_runtime::sync_to_async(wraps = std::fs::read_to_string)]
/// pub fn read_to_string(path: &Path) -> std::io::Result<String>;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let manifest = read_to_string(Path::new("Cargo.toml")).await.unwrap();
/// assert!(manifest.contains("[package]"));
/// # }
/// ```
///
/// # Impl-block mode: an async handle for a stateful object
///
/// On an inherent `impl` block, `handle = AsyncStore` keeps the block as written and generates
/// `pub struct AsyncStore`: a cheap `Clone`, `Send + Sync` handle that owns one `Store`, with an
/// async method of the same name for every `pub fn` of the block.
///
/// ```
/// use bridge_runtime::sync_to_async;
///
/// pub struct Store {
///     users: Vec<String>,
/// }
///
/// #[sync_to_async(handle = AsyncStore)]
/// impl Store {
///     /// Opens the store (a database connection in real code).
///     pub fn open(users: &[String]) -> Result<Self, String> {
///         Ok(Store { users: users.to_vec() })
///     }
///
///     pub fn get(&self, id: usize) -> Option<String> {
///         self.users.get(id).cloned()
///     }
///
///     #[sync_to_async(name = add, limit = 4)]
///     pub fn push(&mut self, name: String) -> usize {
///         self.users.push(name);
///         self.users.len()
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = AsyncStore::open(&["ada".to_owned()]).await.unwrap();
/// assert_eq!(store.add("grace".to_owned()).await, 2);
/// assert_eq!(store.get(1).await.as_deref(), Some("grace"));
///
/// // A legacy sync caller shares the object (from a plain thread, not a runtime thread).
/// let legacy = store.clone();
/// let first = std::thread::spawn(move || legacy.blocking_read().get(0)).join().unwrap();
/// assert_eq!(first.as_deref(), Some("ada"));
/// # }
/// ```
///
/// - `&self` and `&mut self` methods become `async fn(&self, ...)` on the handle. Parameters and
///   results follow the rules of twins (`&T` copied with `ToOwned`, every value `Send`).
/// - Associated fns that return `Self`, `Result<Self, E>` or `Option<Self>` are constructors:
///   their async versions return the handle (with `thread_sensitive`, the object is built on its
///   own new thread), and `Result<Self, Box<dyn Error>>` becomes `Result<Self, SentError>`. So
///   are those that return an alias of `Result` or `Option` that the module defines (read from
///   the source), or, defined elsewhere, one named like a `Result` (`io::Result<Self>`,
///   `StoreResult<Self>`); a struct of the module named so (`SearchResult<Self>`) is a plain
///   value. Other associated fns have no object, so they run where a twin would: on a
///   blocking thread, or, with `thread_sensitive`, where a `#[sync_to_async(thread_sensitive)]`
///   twin runs (the current scope's thread, or the global one).
/// - `AsyncStore::from(store)` adopts an existing object. Sync code reaches the same object with
///   `handle.blocking_read()` and `handle.blocking_write()` (guards), or with
///   `handle.blocking_with(|store| ...)` on a `thread_sensitive` handle. They block, so they
///   panic on a runtime worker thread.
/// - Methods that are not `pub` are left alone, unless they carry `#[sync_to_async]`.
/// - The block's generics and where-clause carry over (type parameters gain `'static`), and so
///   do doc comments; `Self` in a signature means the object, except in a constructor's return
///   type, where it means the handle.
///
/// How calls share the object:
///
/// | handle | `&self` calls | `&mut self` calls | the object must be |
/// |---|---|---|---|
/// | default | one at a time | one at a time | `Send` |
/// | `concurrent_reads` | together | alone | `Send + Sync` |
/// | `thread_sensitive` | on the object's own thread, in order | the same | neither |
///
/// A call waits for the object asynchronously, holding no thread. The default fits most legacy
/// objects, which own something that is not `Sync` (a `rusqlite::Connection`, a `RefCell`);
/// `concurrent_reads` lets the readers of a `Sync` object run in parallel. With
/// `thread_sensitive`, the handle starts a thread for the object: it is built, used and dropped
/// there, so it may hold an `Rc` or thread-bound state, and the thread ends when the last clone
/// of the handle is dropped, after the calls already queued. See the
/// [`handle`](../bridge_runtime/handle/index.html) module for the details, and for adopting a
/// legacy `Arc<Store>`.
///
/// The handle takes `thread_sensitive`, `concurrent_reads`, `executor`, `limit` (at most N calls
/// through all of its methods at once, like a fn's limit counted for the type) and `crate`. A
/// method's own options go in `#[sync_to_async(...)]` on the method, which the block's
/// attribute reads and removes: `name = ident` (another name for its async version), `limit =
/// N` (for this method alone) and `skip` (no async version).
///
/// A type whose methods are split over several `impl` blocks gets one handle: the block with
/// `handle = AsyncStore` makes it (with the handle-wide options above and the constructors),
/// and every other block of the same type, in any module of the crate, adds the async versions
/// of its methods with `#[sync_to_async(extends = AsyncStore)]`. Its methods take the same
/// per-method options and share the one object, executor and `limit`. A block with `extends`
/// takes no handle-wide option (each is one error that says where it goes) and no constructor
/// (one error: constructors go in the block that makes the handle). Two async methods of the
/// same name in two blocks are rustc's duplicate-definition error.
///
/// ```
/// use bridge_runtime::sync_to_async;
///
/// pub struct Store {
///     users: Vec<String>,
/// }
///
/// #[sync_to_async(handle = AsyncStore, limit = 8)]
/// impl Store {
///     pub fn new() -> Self {
///         Store { users: Vec::new() }
///     }
///
///     pub fn push(&mut self, name: String) -> usize {
///         self.users.push(name);
///         self.users.len()
///     }
/// }
///
/// mod reports {
///     use super::AsyncStore; // the handle is named where it is extended
///
///     #[bridge_runtime::sync_to_async(extends = AsyncStore)]
///     impl super::Store {
///         pub fn names(&self) -> String {
///             self.users.join(", ")
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = AsyncStore::new().await;
/// store.push("ada".to_owned()).await;
/// assert_eq!(store.names().await, "ada");
/// # }
/// ```
///
/// Equivalent code without the macro, for one method (what the handle does, minus its checks):
///
/// ```
/// # pub struct Store { users: Vec<String> }
/// # impl Store { pub fn get(&self, id: usize) -> Option<String> { self.users.get(id).cloned() } }
/// use std::sync::Arc;
///
/// #[derive(Clone)]
/// pub struct AsyncStore(Arc<tokio::sync::Mutex<Store>>);
///
/// impl AsyncStore {
///     pub async fn get(&self, id: usize) -> Option<String> {
///         let store = Arc::clone(&self.0).lock_owned().await;
///         bridge_runtime::to_thread(move || store.get(id)).await
///     }
/// }
/// # let store = AsyncStore(Arc::new(tokio::sync::Mutex::new(Store { users: vec!["a".into()] })));
/// # assert_eq!(futures_executor::block_on(store.get(0)).as_deref(), Some("a"));
/// ```
///
/// # Trait mode: an async counterpart of a legacy trait
///
/// On a trait definition, `trait = AsyncRepository` keeps the trait as written and generates
/// `AsyncRepository`, whose methods take `&self` and return a boxed `Send` future, and
/// `AsyncRepositoryHandle<R>`, which implements it for any `R: Repository + Send` (a
/// `Box<dyn Repository + Send>` too) by running each call on a blocking thread. Callers of
/// the trait migrate one at a time; its impls do not change.
///
/// ```
/// use std::collections::HashMap;
/// use bridge_runtime::sync_to_async;
///
/// #[sync_to_async(trait = AsyncRepository)]
/// pub trait Repository {
///     fn get(&self, id: u64) -> Option<String>;
///     fn put(&mut self, id: u64, name: &str);
/// }
///
/// #[derive(Default)]
/// pub struct MemoryRepo(HashMap<u64, String>);
///
/// impl Repository for MemoryRepo {
///     fn get(&self, id: u64) -> Option<String> {
///         self.0.get(&id).cloned()
///     }
///     fn put(&mut self, id: u64, name: &str) {
///         self.0.insert(id, name.to_owned());
///     }
/// }
///
/// /// Migrated code, generic over the async trait (it takes `dyn AsyncRepository` too).
/// async fn name_of<R: AsyncRepository + ?Sized>(repo: &R, id: u64) -> String {
///     repo.get(id).await.unwrap_or_default()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let repo: Box<dyn AsyncRepository> = Box::new(AsyncRepositoryHandle::new(MemoryRepo::default()));
/// repo.put(1, "ada").await;
/// assert_eq!(name_of(&repo, 1).await, "ada");
///
/// // A legacy `Box<dyn Repository + Send>` is adopted as it is.
/// let legacy: Box<dyn Repository + Send> = Box::new(MemoryRepo::default());
/// let repo = AsyncRepositoryHandle::from_box(legacy);
/// assert_eq!(name_of(&repo, 1).await, "");
/// # }
/// ```
///
/// - Each method of the async trait is `fn get(&self, id: u64) -> Pin<Box<dyn Future<Output =
///   Option<String>> + Send + '_>>`: boxed, as `async-trait` does, so that the trait is
///   dyn-compatible and one trait serves `dyn` and generic callers alike (a trait whose methods
///   return `impl Future` cannot be used as `dyn`); the allocation is small beside the thread
///   hop of every call. The trait is `Send + Sync`, and `Box<T>` and `Arc<T>` implement it when
///   `T` does. A native async type implements it by returning `Box::pin(async move { .. })`.
/// - Parameters follow the rules of twins: `&T` parameters (`&str`, `&[u8]`, `Option<&str>`,
///   ...) are copied when the method is called, so the future borrows only `&self`; every value
///   that crosses threads must be `Send`. A `Result<T, Box<dyn Error>>` comes back as
///   `Result<T, SentError>`.
/// - The handle is a default handle: it owns the object, runs one call at a time in the order
///   they asked for it, each with a `CallSite` of its own (`module::Repository::get`), and
///   gives sync code the same object with `blocking_read()` / `blocking_write()`. Build it
///   with `new(object)`, `From`, or `from_box(boxed)`. `&self` and `&mut self` methods both
///   become `&self` methods of the async trait. Default methods of the trait are fine: the
///   call goes through the object.
/// - The trait takes `handle = Name` (instead of `{trait}Handle`), `executor`, `limit` (for all
///   calls through its handles) and `crate`; a method takes `name`, `limit` and `skip`.
/// - A method that cannot be in a dyn-compatible async trait (generic, `impl Trait`
///   parameters, `Self` in its arguments, return type or bounds, no `&self` / `&mut self`,
///   `async`, `unsafe`, a borrowed result) or whose parameters cannot cross threads (`&mut T`)
///   is an error that points at `#[sync_to_async(skip)]` on it, which leaves it out of the
///   async trait. A generic trait is an error.
///
/// # Compile errors
///
/// Each misuse is an error on the offending token that says what to do instead: an `async`,
/// `const`, `extern` or variadic fn; a fn in a trait, a trait impl or an `extern` block; a
/// method that borrows `self`, outside a handle; a `&mut` parameter; a parameter or return
/// type that borrows; a `&T` whose `T` cannot be copied (a connection: the message points at
/// handles and `thread_sensitive`); a type that is not `Send` (the message names the type and
/// the twin); an unknown, duplicate or ill-typed option (a keyword as a name, a closure as an
/// executor, `crate = "crate"`); `thread_sensitive` with `executor`; `wraps` on a fn with a
/// body, or a body missing without it. On an `impl` block: a trait impl; a method taking
/// `self` by value (or `self: Box<Self>`); a method returning a borrow; a non-`Send` parameter
/// or result (the message names the handle and the method); an object that is not `Send`
/// without `thread_sensitive` (or not `Sync` with `concurrent_reads`); a method option given
/// twice; a handle named like the type; two async methods, or one and an accessor, with one
/// name; `extends` with `handle` or a handle-wide option, or with a constructor. On a trait: `trait = Name` missing, not a name, or the trait's own name; a generic
/// trait; each method the async trait cannot carry (above); `trait = ..` on a fn or an `impl`
/// block. The fn, block or trait itself is still emitted, so one mistake does not cascade.
#[proc_macro_attribute]
pub fn sync_to_async(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::sync_to_async(attr.into(), item.into()).into()
}

/// Adds a blocking twin to an async fn: `async fn fetch_page` gains `fn fetch_page_blocking`,
/// which runs the fn's future to completion and returns its output. The async fn stays exactly
/// as written. This is the last phase of a migration: a fn rewritten natively async keeps a
/// sync face for the callers that are still sync.
///
/// ```
/// use std::time::Duration;
/// use bridge_runtime::async_to_sync;
///
/// /// Fetches a page (natively async: tokio I/O in real code).
/// #[async_to_sync]
/// pub async fn fetch_page(id: u64, host: &str) -> String {
///     tokio::time::sleep(Duration::from_millis(1)).await;
///     format!("page {id} from {host}")
/// }
///
/// // A plain thread, with no runtime in sight: the twin runs the future on bridge's
/// // embedded runtime and blocks until it is done.
/// let page = std::thread::spawn(|| fetch_page_blocking(7, "example.org"))
///     .join()
///     .unwrap();
/// assert_eq!(page, "page 7 from example.org");
/// ```
///
/// # Where the twin may be called
///
/// | where the twin is called | what happens |
/// |---|---|
/// | a plain thread, no runtime | the future runs on bridge's embedded runtime (started once, lazily; never one runtime per call) |
/// | sync code running inside a bridge dispatch (a twin's worker thread) | the future runs on the caller's outer tokio runtime; thread-sensitive calls made inside it that target the blocked thread run on that thread, so nesting never deadlocks |
/// | an async runtime worker thread | it panics with a message naming the twin and saying to `.await` the async fn instead: blocking there would stall every task on that thread |
///
/// The second row is what lets legacy code and migrated code call each other in either
/// direction during a migration:
///
/// ```
/// use bridge_runtime::{async_to_sync, sync_to_async};
///
/// /// Migrated: natively async now.
/// #[async_to_sync]
/// async fn price(sku: &str) -> u32 {
///     tokio::task::yield_now().await;
///     sku.len() as u32
/// }
///
/// /// Still legacy sync code, which calls the migrated fn through its blocking twin.
/// #[sync_to_async]
/// fn invoice_total(skus: Vec<String>) -> u32 {
///     skus.iter().map(|sku| price_blocking(sku)).sum()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Async code awaits the legacy fn's twin; its call to `price_blocking` runs `price` on
/// // this runtime.
/// assert_eq!(invoice_total_async(vec!["ab".into(), "cde".into()]).await, 5);
/// # }
/// ```
///
/// The third row, the twin on a runtime worker thread, is a bug it reports at once, instead of
/// stalling the runtime or deadlocking:
///
/// ```should_panic
/// # use bridge_runtime::async_to_sync;
/// # #[async_to_sync]
/// # async fn price(sku: &str) -> u32 { sku.len() as u32 }
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     // panics: "bridge: `price_blocking` was called on an async runtime worker thread, [...];
///     // `.await` `price` instead"
///     price_blocking("ab");
/// }
/// ```
///
/// # The twin
///
/// - Named `{name}_blocking` (see `name = ...`), with the fn's visibility, generics,
///   where-clause, `unsafe`, doc comments (plus a line naming the async fn), `#[cfg]`s,
///   `#[allow]`s and `#[deprecated]`.
/// - Parameters pass through unchanged, borrows included: the twin returns only once the
///   future has completed, so neither the arguments nor the future need to be `Send` or
///   `'static`.
/// - On an async method inside an `impl` block, the twin is a method with the same receiver
///   (`&self`, `&mut self`, `self`, `self: Box<Self>`, ...). An associated fn without a
///   receiver gets an associated twin when its signature names `Self` (`-> Self`, `-> Result<Self,
///   E>`); write `Self` rather than the type's name there, because a signature that does not
///   name it cannot be told from a free fn's. In a trait, an async method with a default body
///   gets a provided twin; in a trait impl, the twin would be a method the trait does not
///   declare, so the attribute does not go there.
/// - A panic inside the future reaches the twin's caller with its original payload.
///
/// Equivalent code without the macro (the twin's panic message also names both fns):
///
/// ```
/// # async fn fetch_page(id: u64, host: &str) -> String { format!("{id}{host}") }
/// pub fn fetch_page_blocking(id: u64, host: &str) -> String {
///     bridge_runtime::block_on(fetch_page(id, host))
/// }
/// # assert_eq!(fetch_page_blocking(1, "x"), "1x");
/// ```
///
/// # Options
///
/// Comma-separated, in any order, each at most once.
///
/// | option | meaning |
/// |---|---|
/// | `name = ident` | the twin's name instead of `{name}_blocking` |
/// | `crate = "path"` | where `bridge_runtime` is, for a renamed dependency or a re-export; default `::bridge_runtime` |
///
/// ```
/// use bridge_runtime::async_to_sync;
///
/// pub struct Cache {
///     entries: Vec<String>,
/// }
///
/// impl Cache {
///     #[async_to_sync(name = get_sync)]
///     pub async fn get(&self, index: usize) -> Option<String> {
///         tokio::task::yield_now().await;
///         self.entries.get(index).cloned()
///     }
///
///     #[async_to_sync]
///     pub async fn insert(&mut self, entry: String) -> usize {
///         self.entries.push(entry);
///         self.entries.len()
///     }
/// }
///
/// let mut cache = Cache { entries: Vec::new() };
/// assert_eq!(cache.insert_blocking("a".to_owned()), 1);
/// assert_eq!(cache.get_sync(0).as_deref(), Some("a"));
/// ```
///
/// # Compile errors
///
/// Each misuse is an error on the offending token that says what to do instead: a fn that is
/// not `async` (a sync fn gets an async twin from `#[sync_to_async]` instead); a `const`,
/// `extern` or variadic fn; a fn without a body; an item that is not a fn; an unknown,
/// duplicate or ill-typed option. The fn itself and a stub of its twin are still emitted, so
/// one mistake does not cascade.
#[proc_macro_attribute]
pub fn async_to_sync(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::async_to_sync(attr.into(), item.into()).into()
}

/// Guards a sync fn against being called on an async runtime worker thread (Django's
/// `async_unsafe`): called there directly, it panics with a message that names it and points
/// at its async twin and at `bridge_runtime::to_thread`. During a migration, this finds the
/// legacy calls left in async code, which would block every task on their thread, in the first
/// test that runs them.
///
/// ```should_panic
/// use bridge_runtime::{sync_only, sync_to_async};
///
/// #[sync_only]
/// #[sync_to_async]
/// fn load_config(path: &str) -> String {
///     std::fs::read_to_string(path).unwrap_or_default() // blocking I/O
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     // panics: "bridge: `rust_out::load_config` is `#[sync_only]` and was called on an async
///     // runtime worker thread, [...]; `.await` its async twin `load_config_async` instead [...]"
///     load_config("app.toml");
/// }
/// ```
///
/// The fn works as before everywhere else:
///
/// ```
/// # use bridge_runtime::{sync_only, sync_to_async};
/// # #[sync_only]
/// # #[sync_to_async]
/// # fn load_config(path: &str) -> String { path.to_owned() }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Its twin runs it on a blocking thread:
/// assert_eq!(load_config_async("app.toml").await, "app.toml");
/// // So does `to_thread`, and so would `spawn_blocking` and `block_in_place`:
/// assert_eq!(bridge_runtime::to_thread(|| load_config("a")).await, "a");
/// // And a plain thread, as legacy callers have:
/// assert_eq!(std::thread::spawn(|| load_config("b")).join().unwrap(), "b");
/// # }
/// ```
///
/// | where the fn is called | what happens |
/// |---|---|
/// | a tokio runtime worker thread, either flavour (an `async fn` or a task on it) | it panics, before running the fn's body |
/// | a plain thread; bridge's executors (twins, `to_thread`, `run_in`, `Pool`, `ThreadSensitive`); tokio's blocking pool (`spawn_blocking`); inside `block_in_place` | it runs |
///
/// On a multi-thread runtime, the future passed to `Runtime::block_on` (the body of a
/// `#[tokio::main]` fn) runs on the calling thread, not on a worker: a blocking call there
/// holds up only that future, and the guard lets it pass.
///
/// With the environment variable `BRIDGE_ALLOW_ASYNC_UNSAFE=1` the panic becomes a `tracing`
/// warning (target `bridge::sync_only`) and the fn runs: a way to ship a migration that is not
/// finished while still hearing about each such call. The variable is read once, at the first
/// violation.
///
/// The check costs one thread-local read and a branch (a few nanoseconds; `cargo bench -p
/// bridge-runtime --bench overhead` measures it).
///
/// # With `#[sync_to_async]`
///
/// Both attributes go on the same fn, in either order, and the twin works: it runs the fn on a
/// blocking thread, where the guard passes. Its message names the twin that
/// `#[sync_to_async(name = ...)]` gives, in either order; `twin = ...` names another async
/// version (a hand-written one).
///
/// Equivalent code without the macro:
///
/// ```
/// pub fn load_config(path: &str) -> String {
///     if tokio::runtime::worker_index().is_some() {
///         panic!("`load_config` called on a runtime worker thread; await `load_config_async`");
///     }
///     path.to_owned()
/// }
/// # assert_eq!(load_config("x"), "x");
/// ```
///
/// # Options
///
/// | option | meaning |
/// |---|---|
/// | `twin = ident` | the async twin the message points at, instead of `{name}_async` |
/// | `crate = "path"` | where `bridge_runtime` is, for a renamed dependency or a re-export; default `::bridge_runtime` |
///
/// On a method (a fn with `self`), the message points at the method of its async handle.
///
/// # Compile errors
///
/// An `async`, `const` or bodyless fn, an item that is not a fn, and an unknown, duplicate or
/// ill-typed option are errors on the offending token. The fn itself is still emitted, so one
/// mistake does not cascade.
#[proc_macro_attribute]
pub fn sync_only(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::sync_only(attr.into(), item.into()).into()
}
