//! Phase 3: the hot paths go native async; the database stays bridged.
//!
//! Phase 2 ran the legacy fns concurrently on blocking threads: one thread per request in
//! flight, each parked for the whole profile request. Now the two I/O-bound fns are rewritten
//! on tokio: [`fetch_profile`] with an async HTTP client (`reqwest`), [`read_avatar`] with
//! `tokio::fs`. A request in flight is a future now, not a parked thread.
//!
//! What stays bridged, as it often does in a real migration:
//!
//! - the database: its legacy code (thread-local connection, separate `begin`/`commit` calls)
//!   keeps working through its thread-sensitive twins, one scope per user as in phase 2;
//! - the CPU-heavy hash: CPU work belongs on a thread, not on the runtime, so
//!   `hash_avatar_async` still runs it on a blocking thread.
//!
//! And one caller is still sync: the [`nightly_export`] job. It uses
//! `fetch_profile_blocking`, the twin `#[async_to_sync]` gives the new native
//! [`fetch_profile`], so that code can be migrated later, or never.

use std::path::Path;
use std::sync::Arc;

use bridge_runtime::{async_to_sync, thread_sensitive_scope};

use legacy_demo::avatars::{avatar_path, hash_avatar_async};
use legacy_demo::db::UserRow;
use legacy_demo::profiles::parse_profile;
use legacy_demo::{Error, FetchError, Job, Profile, Report};

use crate::phase1::{finish, store_row};
use crate::phase2::for_each_user;

/// The profile service, reached with an async HTTP client.
#[derive(Debug, Clone)]
pub struct ProfileClient {
    base_url: String,
    http: reqwest::Client,
}

impl ProfileClient {
    /// A client for the service at `base_url`, such as `http://127.0.0.1:40123`.
    pub fn new(base_url: impl Into<String>) -> Self {
        ProfileClient {
            base_url: base_url.into(),
            http: reqwest::Client::new(),
        }
    }
}

/// Fetches user `id`'s profile, natively async: no thread waits for the answer.
///
/// `#[async_to_sync]` adds `fetch_profile_blocking` for the callers that are still sync.
///
/// # Errors
///
/// [`FetchError`] if the request fails or the answer is not a profile.
#[async_to_sync]
pub async fn fetch_profile(client: &ProfileClient, id: u64) -> Result<Profile, FetchError> {
    let url = format!("{}/profiles/{id}", client.base_url);
    let http = |error: reqwest::Error| FetchError::Http(error.to_string());
    let response = client
        .http
        .get(url)
        .send()
        .await
        .map_err(http)?
        .error_for_status()
        .map_err(http)?;
    parse_profile(&response.text().await.map_err(http)?)
}

/// Reads user `id`'s avatar with `tokio::fs`.
///
/// # Errors
///
/// Any I/O error from reading the file.
pub async fn read_avatar(dir: &Path, id: u64) -> std::io::Result<Vec<u8>> {
    tokio::fs::read(avatar_path(dir, id)).await
}

/// One user's row: native HTTP and file I/O, the hash still on a blocking thread.
///
/// # Errors
///
/// From the profile service or the file system.
pub async fn build_row(client: &ProfileClient, job: &Job, id: u64) -> Result<UserRow, Error> {
    let profile = fetch_profile(client, id).await?;
    let avatar = read_avatar(&job.avatars, id).await?;
    let avatar_sha256 = hash_avatar_async(avatar, job.hash_rounds).await;
    Ok(UserRow::new(profile, avatar_sha256))
}

/// The report, with up to `concurrency` users in flight, as in phase 2 (and with its
/// [`for_each_user`]).
///
/// # Errors
///
/// The first error of any user.
///
/// # Panics
///
/// If `concurrency` is zero, or a user's task panics (the panic is propagated).
pub async fn run_report(
    client: &ProfileClient,
    job: &Job,
    ids: &[u64],
    concurrency: usize,
) -> Result<Report, Error> {
    let (client, job) = (Arc::new(client.clone()), Arc::new(job.clone()));
    for_each_user(ids, concurrency, |id| {
        let (client, job) = (Arc::clone(&client), Arc::clone(&job));
        async move {
            let row = build_row(&client, &job, id).await?;
            thread_sensitive_scope(store_row(&job, &row)).await
        }
    })
    .await?;
    finish(&job).await
}

/// The nightly export: a sync job nobody has migrated. It writes one line per profile to
/// `out`, fetching each with the blocking twin of the native [`fetch_profile`].
///
/// It works from a plain thread (on bridge's embedded runtime) and from inside a bridged call
/// (on the caller's runtime). On a runtime worker thread it panics, saying to `.await`
/// [`fetch_profile`] instead.
///
/// # Errors
///
/// From the profile service or the file system.
pub fn nightly_export(client: &ProfileClient, ids: &[u64], out: &Path) -> Result<usize, Error> {
    let mut lines = String::new();
    for &id in ids {
        let profile = fetch_profile_blocking(client, id)?;
        lines.push_str(&format!(
            "{}\t{}\t{}\n",
            profile.id, profile.name, profile.country
        ));
    }
    std::fs::write(out, lines)?;
    Ok(ids.len())
}
