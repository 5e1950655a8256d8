//! `legacy-demo` migrated to tokio with bridge, one phase at a time.
//!
//! Read it side by side with `legacy-demo`:
//!
//! - [`naive`]: what not to do. The legacy sync pipeline called straight from an `async fn`.
//!   It compiles and gives the right results, but every request blocks the runtime thread, so
//!   nothing else on that thread (timers, other tasks, other requests) runs meanwhile.
//! - [`phase1`]: the caller rewritten as an `async fn` that awaits the twin
//!   `legacy_demo::fetch_profile_async`, which `#[sync_to_async]` added to the legacy fn.
//!   Same requests, in the same order, same results; the runtime thread stays free.
//! - [`heartbeat`]: the measuring tool. A task ticking every 10 ms beside the code under test
//!   shows whether that code lets the runtime run other tasks.
//!
//! The `migrated-demo` binary runs [`naive`] and [`phase1`] side by side and prints what the
//! heartbeat saw: `cargo run --release -p migrated-demo`.
//!
//! Later phases (running the calls concurrently, then rewriting the hot fns natively async)
//! will be added as `phase2` and `phase3` as bridge grows the features they need.

pub mod heartbeat;
pub mod naive;
pub mod phase1;

/// The README's Rust examples, compiled and run by `cargo test` as doctests of this crate so
/// they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
