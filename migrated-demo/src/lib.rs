//! `legacy-demo` migrated to tokio with bridge, one phase at a time.
//!
//! Read it side by side with `legacy-demo`: each module below is one phase of the same table
//! the README and `docs/migration-guide.md` use.
//!
//! | phase | what you change | what bridge gives | in the demo |
//! |---|---|---|---|
//! | 0. legacy | nothing yet: blocking fns, sync callers | | `legacy-demo` |
//! | 1. wrapper | `#[sync_to_async]` on the blocking fns (`thread_sensitive` on thread-affine ones, `handle = ..` on stateful objects); async callers await the twins, in the legacy order | an async twin per fn that runs the unchanged fn on a blocking executor; legacy callers untouched | the attributes in `legacy-demo`; [`phase1`] |
//! | 2. caller migration | callers rewritten as concurrent `async fn`s, with limits; `#[sync_only]` on the legacy fns | the same results, concurrently; limits, `thread_sensitive_scope`, guards, metrics | [`phase2`] |
//! | 3. native async | the hot I/O rewritten on tokio; CPU work and database writes on pools sized for them; a sync face for callers still sync | `#[async_to_sync]` twins, `Pool`, `run_in` | [`phase3`] |
//!
//! - [`naive`]: the anti-pattern, not a phase. The legacy sync pipeline called straight from an
//!   `async fn`. It compiles and gives the right results, but every call blocks the runtime
//!   thread, so nothing else on that thread (timers, other tasks, other requests) runs
//!   meanwhile.
//! - [`phase1`], wrapper: async callers that await the twins `#[sync_to_async]` added to the
//!   legacy fns. Same calls, in the same order, same results; the runtime thread stays free.
//!   The database twins are thread-sensitive, so a transaction stays on one connection.
//! - [`phase2`], caller migration: users run concurrently, with a limit, each user's
//!   transaction in its own thread-sensitive scope.
//! - [`phase3`], native async: HTTP rewritten natively (`reqwest`), the avatar read and hash on
//!   a pool sized to the cores, each user's transaction one call on a single database writer
//!   thread, and a sync nightly export that keeps working through the `#[async_to_sync]` twin
//!   of the new fetch. It runs the report with fewer threads and less CPU than phase 2.
//!
//! Tools: [`heartbeat`] (a task ticking every 10 ms shows whether code lets the runtime run
//! other tasks), [`threads`] (the process's thread count and CPU time) and [`variants`] (runs
//! each variant on the same data and measures it). The `migrated-demo` binary runs them all and
//! prints a table: `cargo run --release -p migrated-demo`.

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
