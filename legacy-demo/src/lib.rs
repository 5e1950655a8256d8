//! A small legacy application, written the blocking way: the starting point of the bridge
//! migration guide.
//!
//! It builds a *user report*. For each user it fetches the profile from an HTTP service
//! ([`profiles`]), reads the avatar file and hashes it, a CPU-heavy step ([`avatars`]), and
//! saves the row in SQLite in a transaction ([`db`]); then it reads every row back and writes
//! the report file ([`report`]). One user after the other, all of it blocking.
//!
//! The profile service is a real HTTP server that the demo starts on `127.0.0.1:0`
//! ([`service`]); the database is a real SQLite file, compiled in.
//!
//! # What the migration added here: attributes only
//!
//! bridge's whole footprint in this crate is attributes on the legacy items; no fn body and no
//! caller changed:
//!
//! | attribute | on | phase | what it adds |
//! |---|---|---|---|
//! | `#[sync_to_async]` | [`fetch_profile`], [`avatars::read_avatar`], [`avatars::hash_avatar`], [`avatars::write_report`] | 1. wrapper | an async twin beside each fn (`fetch_profile_async`, ...) |
//! | `#[sync_to_async(thread_sensitive)]` | [`db::begin`], [`db::save_user`], [`db::commit`] | 1. wrapper | twins whose calls all run on one dedicated thread, so a transaction stays on that thread's connection |
//! | `#[sync_to_async(handle = AsyncDirectory)]` | the `impl` block of [`Directory`] | 1. wrapper | [`AsyncDirectory`], an async handle that owns a `Directory` |
//! | `#[sync_only]` | the seven bridged fns above (not the `Directory` methods) | 2. caller migration | a guard: called directly on a runtime worker thread, the fn panics and names its twin |
//!
//! Sync callers, [`run_report`] and the `legacy-demo` binary included, call the sync fns as
//! before, from plain threads, where the guards pass; async callers (see `migrated-demo`) await
//! the twins. Open this crate beside `migrated-demo/src/phase1.rs`, `phase2.rs` and `phase3.rs`
//! to see what each phase changed in the callers.
//!
//! ```
//! use legacy_demo::{ProfileApi, ProfileService, Workspace, run_report};
//!
//! let service = ProfileService::start(std::time::Duration::from_millis(1))?;
//! let ids = [3, 1, 2];
//! let workspace = Workspace::create(ProfileApi::new(service.base_url()), &ids, 2)?;
//! let report = run_report(&workspace.job, &ids, |_| {})?;
//! assert_eq!(report.rows.len(), 3);
//! assert_eq!(service.peak_concurrency(), 1, "one request at a time");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod avatars;
pub mod db;
pub mod directory;
pub mod profiles;
pub mod report;
pub mod service;

pub use db::UserRow;
pub use directory::{AsyncDirectory, Directory};
pub use profiles::{FetchError, Profile, ProfileApi, fetch_profile, fetch_profile_async};
pub use report::{Error, Job, Report, Workspace, run_report};
pub use service::ProfileService;
