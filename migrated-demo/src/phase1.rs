//! Phase 1: async callers await the twins, one call after the other.
//!
//! Compare with `legacy-demo/src/report.rs`. Two things changed, and only in the caller:
//!
//! 1. `fn run_report` became `async fn run_report`;
//! 2. `fetch_profile(api, id)` became `fetch_profile_async(api, id).await`.
//!
//! The legacy fn itself is unchanged: `#[sync_to_async]` on `legacy_demo::fetch_profile` added
//! the twin `fetch_profile_async`, which runs the same blocking code on tokio's blocking pool
//! and lets the runtime thread run other tasks while it waits.
//!
//! The calls are still sequential, exactly as in the legacy pipeline, so the report takes as
//! long as before and the service sees the same requests in the same order. What phase 1 buys
//! is a runtime that stays responsive. Running the calls concurrently is the next phase.
//!
//! If the legacy fn were in a crate you cannot edit, you would declare the twin yourself
//! instead of annotating the fn:
//!
//! ```
//! use legacy_demo::{Profile, ProfileApi};
//!
//! #[bridge_runtime::sync_to_async(wraps = legacy_demo::fetch_profile)]
//! pub fn fetch_profile(api: &ProfileApi, id: u64) -> Profile;
//! // This declares `async fn fetch_profile(api: &ProfileApi, id: u64) -> Profile`.
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let api = ProfileApi::new(std::time::Duration::from_millis(1));
//! assert_eq!(fetch_profile(&api, 7).await, legacy_demo::fetch_profile(&api, 7));
//! # }
//! ```

use legacy_demo::{ProfileApi, Report, fetch_profile_async};

/// Builds the report for `ids` by awaiting the twin of `fetch_profile` once per user, in
/// order.
///
/// Returns the same [`Report`] as [`legacy_demo::run_report`] for the same `api` and `ids`.
pub async fn run_report(api: &ProfileApi, ids: &[u64]) -> Report {
    let mut profiles = Vec::with_capacity(ids.len());
    for &id in ids {
        profiles.push(fetch_profile_async(api, id).await);
    }
    Report::new(profiles)
}
