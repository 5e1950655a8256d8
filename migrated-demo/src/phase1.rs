//! Phase 1, wrapper: the callers become `async fn`s that await the twins, one call after the other.
//!
//! Compare with `legacy-demo/src/report.rs`. Only the callers changed:
//!
//! 1. `fn build_row`, `fn store_row`, `fn finish` and `fn run_report` became `async fn`s;
//! 2. each legacy call `f(args)` became `f_async(args).await`.
//!
//! The legacy fns are unchanged: `#[sync_to_async]` on them added the twins, which run the
//! same blocking code on tokio's blocking pool and let the runtime thread run other tasks
//! meanwhile. The database twins are `thread_sensitive`: `begin_async`, `save_user_async` and
//! `commit_async` all run on one dedicated thread, so the transaction stays on that thread's
//! connection, exactly as in the sync code.
//!
//! The calls are still sequential, so the report takes as long as before and the service sees
//! the same requests in the same order. What phase 1 buys is a runtime that stays responsive.
//! Running users concurrently is [`crate::phase2`].
//!
//! If a legacy fn were in a crate you cannot edit, you would declare its twin yourself
//! instead of annotating it:
//!
//! ```
//! use legacy_demo::{FetchError, Profile, ProfileApi};
//!
//! #[bridge_runtime::sync_to_async(wraps = legacy_demo::fetch_profile)]
//! pub fn fetch_profile(api: &ProfileApi, id: u64) -> Result<Profile, FetchError>;
//! // This declares `async fn fetch_profile(api: &ProfileApi, id: u64) -> Result<..>`.
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let service = legacy_demo::ProfileService::start(std::time::Duration::from_millis(1))?;
//! let api = ProfileApi::new(service.base_url());
//! assert_eq!(fetch_profile(&api, 7).await?, legacy_demo::fetch_profile_async(&api, 7).await?);
//! # Ok(())
//! # }
//! ```

use legacy_demo::avatars::{hash_avatar_async, read_avatar_async, write_report_async};
use legacy_demo::db::{UserRow, begin_async, commit_async, save_user_async};
use legacy_demo::{AsyncDirectory, Error, Job, Report, fetch_profile_async};

/// [`legacy_demo::report::build_row`], awaiting the twins.
///
/// # Errors
///
/// From the profile service or the file system.
pub async fn build_row(job: &Job, id: u64) -> Result<UserRow, Error> {
    let profile = fetch_profile_async(&job.api, id).await?;
    let avatar = read_avatar_async(&job.avatars, id).await?;
    let avatar_sha256 = hash_avatar_async(avatar, job.hash_rounds).await;
    Ok(UserRow::new(profile, avatar_sha256))
}

/// [`legacy_demo::report::store_row`], awaiting the thread-sensitive twins: `begin`,
/// `save_user` and `commit` run on one thread, on one connection.
///
/// # Errors
///
/// From the database.
pub async fn store_row(job: &Job, row: &UserRow) -> Result<(), Error> {
    begin_async(&job.db).await?;
    save_user_async(&job.db, row).await?;
    commit_async(&job.db).await?;
    Ok(())
}

/// [`legacy_demo::report::finish`], through the async handle of the legacy `Directory`
/// object (`#[sync_to_async(handle = AsyncDirectory)]` on its `impl` block): the same methods,
/// awaited, on the same object, which the handle owns and serves from a blocking thread.
///
/// # Errors
///
/// From the database or the file system.
pub async fn finish(job: &Job) -> Result<Report, Error> {
    let directory = AsyncDirectory::open(&job.db).await?;
    let report = Report::from_rows(directory.users().await?);
    write_report_async(&job.report, &report.text).await?;
    Ok(report)
}

/// [`legacy_demo::run_report`], one user after the other, awaiting the twins.
///
/// # Errors
///
/// The first error of any step.
pub async fn run_report(job: &Job, ids: &[u64]) -> Result<Report, Error> {
    for &id in ids {
        let row = build_row(job, id).await?;
        store_row(job, &row).await?;
    }
    finish(job).await
}
