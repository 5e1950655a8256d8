//! Phase 3, native async: the hot paths go native, and the threads phase 2 parked go away.
//!
//! Phase 2 ran the legacy fns concurrently on blocking threads: one thread per profile request
//! in flight, parked for the whole request, plus one thread per user's transaction (its
//! `thread_sensitive_scope`). Phase 3 removes both, with four changes:
//!
//! - **HTTP goes native.** [`fetch_profile`] is rewritten with an async client (`reqwest`): a
//!   request in flight is a future, not a parked thread.
//! - **CPU work gets a pool sized to the cores.** Hashing is CPU work; it stays the legacy sync
//!   fn, called by [`avatar_digest`], whose twin runs on [`CPU`], a [`Pool`] with one thread per
//!   core, instead of one blocking thread per caller: more threads than cores would not hash
//!   any faster. The avatar read (a small local file) goes into the same call. Rewriting it
//!   with `tokio::fs` would not free a thread: tokio runs every `tokio::fs` call on its
//!   blocking pool, so 16 users reading at once would start up to 16 threads again.
//! - **The database gets one writer.** SQLite lets one transaction write at a time, so phase 2's
//!   threads mostly waited for each other's locks. Here each user's whole transaction (the
//!   legacy [`legacy_demo::report::store_row`]: `begin`, `save_user`, `commit`) is one call,
//!   [`store_row`], on [`DB_WRITER`], a pool of one thread: the transaction runs from start to
//!   end on that thread and its connection, and the next user's waits in the queue, holding no
//!   thread. Nothing in the legacy database code changed.
//! - **The limit moves to the service.** Phase 2 capped whole users, since every stage of a
//!   user held a thread. Now a waiting user holds none, so [`run_report`] caps only what the
//!   service sees, profile requests in flight (`concurrency`, 16 by default, as in phase 2), and
//!   a user whose profile has arrived hashes and stores while the next request is on its way.
//!
//! The report, the order of the rows and the digest are the same as in every other phase.
//!
//! One caller is still sync: the [`nightly_export`] job. It uses `fetch_profile_blocking`, the
//! twin `#[async_to_sync]` gives the new native [`fetch_profile`], so that code can be
//! migrated later, or never.

use std::path::Path;
use std::sync::{Arc, LazyLock};

use bridge_runtime::{Pool, async_to_sync, sync_to_async};
use tokio::sync::Semaphore;

use legacy_demo::db::UserRow;
use legacy_demo::profiles::parse_profile;
use legacy_demo::{Error, FetchError, Job, Profile, Report};

use crate::phase1::finish;
use crate::phase2::for_each_user;

/// The CPU-heavy step's pool: one thread per core.
pub static CPU: LazyLock<Pool> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Pool::new("cpu", cores)
});

/// The database's single writer: SQLite runs one write transaction at a time anyway.
pub static DB_WRITER: LazyLock<Pool> = LazyLock::new(|| Pool::new("db-writer", 1));

/// Reads user `id`'s avatar from `dir` and hashes it `rounds` times: the two legacy fns in one
/// call. Its twin `avatar_digest_async` runs it on [`CPU`].
///
/// # Errors
///
/// Any I/O error from reading the file.
#[sync_to_async(executor = CPU)]
pub fn avatar_digest(dir: &Path, id: u64, rounds: u32) -> std::io::Result<String> {
    let avatar = legacy_demo::avatars::read_avatar(dir, id)?;
    Ok(legacy_demo::avatars::hash_avatar(avatar, rounds))
}

/// One user's whole transaction, as the legacy code writes it (`begin`, `save_user`, `commit`
/// on the calling thread's connection), run as one call on [`DB_WRITER`]'s thread.
#[sync_to_async(wraps = legacy_demo::report::store_row, executor = DB_WRITER)]
pub fn store_row(job: &Job, row: &UserRow) -> Result<(), Error>;

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

/// The report, with up to `concurrency` profile requests in flight at once.
///
/// Phase 2 had to cap whole users, since each stage of a user held a thread. Here a user
/// waiting holds none: its request is a future, its hash waits in [`CPU`]'s queue, its
/// transaction in [`DB_WRITER`]'s. So the cap moves to what is scarce, the service: at most
/// `concurrency` requests at once (as in phase 2), and a user whose profile has arrived goes on
/// hashing and storing while the next user's request is already on its way.
///
/// # Errors
///
/// The first error of any user; the other users' tasks are cancelled (a call already handed
/// to a thread still completes, so no transaction is left half-done).
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
    assert!(concurrency > 0, "concurrency must be at least 1");
    let requests = Arc::new(Semaphore::new(concurrency));
    let (client, job) = (Arc::new(client.clone()), Arc::new(job.clone()));
    // Every user's task at once: a task costs memory, not a thread.
    for_each_user(ids, ids.len().max(1), |id| {
        let (client, job, requests) =
            (Arc::clone(&client), Arc::clone(&job), Arc::clone(&requests));
        async move {
            let profile = {
                let _request = requests
                    .acquire()
                    .await
                    .expect("the semaphore is never closed");
                fetch_profile(&client, id).await?
            };
            let avatar_sha256 = avatar_digest_async(&job.avatars, id, job.hash_rounds).await?;
            store_row(&job, &UserRow::new(profile, avatar_sha256)).await
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
