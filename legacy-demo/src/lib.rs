//! A small legacy application, written the blocking way: the starting point of the bridge
//! migration guide.
//!
//! It builds a *user report*: for each user id it fetches the user's profile from a (slow)
//! profile service, one request after the other, and sums the results up. Everything here is
//! ordinary sync Rust; nothing knows about async.
//!
//! - [`profiles`]: [`fetch_profile`], a blocking call to the profile service.
//! - [`report`]: [`run_report`], the sequential pipeline the `legacy-demo` binary runs.
//!
//! # Phase 1 of the migration: one attribute, nothing else changes
//!
//! The only trace of bridge in this crate is `#[sync_to_async]` on [`fetch_profile`]. It keeps
//! `fetch_profile` exactly as written and adds [`fetch_profile_async`] beside it: an async twin
//! that runs the same blocking code on a blocking thread. Sync callers, [`run_report`] and the
//! `legacy-demo` binary included, are untouched; async callers (see `migrated-demo`) await the
//! twin instead of blocking their runtime.
//!
//! ```
//! use std::time::Duration;
//! use legacy_demo::{ProfileApi, fetch_profile, run_report};
//!
//! let api = ProfileApi::new(Duration::from_millis(1));
//! let report = run_report(&api, &[1, 2, 3]);
//! assert_eq!(report.profiles[1], fetch_profile(&api, 2));
//! assert_eq!(report.profiles.len(), 3);
//! ```
//!
//! # What is simulated
//!
//! For now the crate uses only `std`: the profile service is simulated by
//! [`std::thread::sleep`] for a configurable latency, standing in for a slow HTTP call, and
//! profiles are derived from the id. A later version of this demo replaces the simulation with
//! real SQLite, HTTP and file I/O; the shape of the code, and of its migration, stays the same.

pub mod profiles;
pub mod report;
pub mod service;

pub use profiles::{Profile, ProfileApi, fetch_profile, fetch_profile_async};
pub use report::{Report, run_report};
