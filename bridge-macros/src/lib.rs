//! Procedural macros for bridge. Depend on `bridge-runtime`, which re-exports them; this
//! crate is its implementation detail and its paths are not stable.
//!
//! `lib.rs` holds the entry points and their documentation; the work is in `expand` on
//! `proc_macro2`, so it can be unit-tested and snapshot-tested.

mod args;
mod error;
mod expand;
mod item;
mod signature;

use proc_macro::TokenStream;

/// Adds an async twin to a sync fn: `fn fetch_user` gains `async fn fetch_user_async`, which
/// runs the unchanged fn on a blocking executor. The sync fn stays exactly as written, so its
/// legacy callers do not change.
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
///   copied with [`ToOwned`] before the call crosses threads (`&str` becomes a `String`, `&Path`
///   a `PathBuf`, `&User` a clone). `&'static T` is passed as is. Type parameters and
///   `impl Trait` parameters gain `Send + 'static`.
/// - Its future is `Send`, so it can be `tokio::spawn`ed.
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
/// pub async fn fetch_user_async(id: u64, realm: &str) -> String {
///     let realm = realm.to_owned();
///     bridge_runtime::to_thread(move || fetch_user(id, &realm)).await
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
/// | `limit = N` | at most `N` calls of this twin in flight at once; further callers wait asynchronously, in FIFO order, without holding a thread |
/// | `executor = EXPR` | run calls on this [`Executor`](../bridge_runtime/trait.Executor.html): a `static` `LazyLock<Pool>`, a `&'static` executor, or any executor value (evaluated on every call, so keep it cheap) |
/// | `wraps = path` | declaration mode, below |
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
/// # Compile errors
///
/// Each misuse is an error on the offending token that says what to do instead: an `async`,
/// `const`, `extern` or variadic fn; a `self` method; a `&mut` parameter; a parameter or return
/// type that borrows; a type that is not `Send` (the message names the type and the twin); an
/// unknown, duplicate or ill-typed option; `wraps` on a fn with a body, or a body missing
/// without it. The fn itself is still emitted, so one mistake does not cascade.
#[proc_macro_attribute]
pub fn sync_to_async(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::sync_to_async(attr.into(), item.into()).into()
}
