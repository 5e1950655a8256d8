//! `legacy-demo` migrated to tokio with bridge, one phase at a time.
//!
//! Read it side by side with `legacy-demo`:
//!
//! - [`naive`]: what not to do. The legacy sync pipeline called straight from an `async fn`.
//!   It compiles and gives the right results, but every call blocks the runtime thread, so
//!   nothing else on that thread (timers, other tasks, other requests) runs meanwhile.
//! - [`phase1`]: the callers rewritten as `async fn`s that await the twins `#[sync_to_async]`
//!   added to the legacy fns. Same calls, in the same order, same results; the runtime thread
//!   stays free. The database twins are thread-sensitive, so a transaction stays on one
//!   connection.
//! - [`phase2`]: the callers run users concurrently, with a limit, each user's transaction in
//!   its own thread-sensitive scope.
//! - [`phase3`]: HTTP and files rewritten natively async; the database stays bridged, and a
//!   sync nightly export keeps working through the `#[async_to_sync]` twin of the new fn.
//!
//! Tools: [`heartbeat`] (a task ticking every 10 ms shows whether code lets the runtime run
//! other tasks), [`threads`] (the process's thread count) and [`variants`] (runs each variant
//! on the same data and measures it). The `migrated-demo` binary runs them all and prints a
//! table: `cargo run --release -p migrated-demo`.

pub mod heartbeat;
pub mod naive;
pub mod phase1;
pub mod phase2;
pub mod phase3;
pub mod threads;
pub mod variants;

/// The README's Rust examples, compiled and run by `cargo test` as doctests of this crate so
/// they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
