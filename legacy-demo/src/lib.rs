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
//! # Phase 1 of the migration: one attribute per fn, nothing else changes
//!
//! The only trace of bridge in this crate is `#[sync_to_async]` on its blocking fns, and
//! `#[sync_to_async(thread_sensitive)]` on the database fns, whose thread-local connection
//! must not change threads in the middle of a transaction. The attribute keeps each fn exactly
//! as written and adds an async twin beside it (`fetch_profile_async`, `begin_async`, ...).
//! Sync callers, [`run_report`] and the `legacy-demo` binary included, are untouched; async
//! callers (see `migrated-demo`) await the twins.
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
