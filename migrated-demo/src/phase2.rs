//! Phase 2, caller migration: the callers go concurrent, with a limit.
//!
//! Phase 1 awaited one user after the other. Now every user is a task, and at most
//! `concurrency` of them run at once. Nothing in the legacy crate changes; the twins are
//! the same as in phase 1.
//!
//! The one thing that needs care is the database. Its twins are thread-sensitive: outside a
//! scope, every call goes to one global thread, and so one connection. Two users'
//! transactions interleaved there (`begin` A, `begin` B, ...) would collide on that connection.
//! So each user's transaction runs in its own [`thread_sensitive_scope`]: its own thread, its
//! own thread-local connection, its own transaction, exactly asgiref's
//! `ThreadSensitiveContext` per request. SQLite serialises the writers; the rest runs in
//! parallel.
//!
//! What it costs is threads: a blocking thread parked for each profile request in flight, and a
//! scope thread for each transaction, most of them waiting for SQLite's write lock. Phase 3
//! ([`crate::phase3`]) gives both back.

use std::future::Future;
use std::sync::Arc;

use bridge_runtime::thread_sensitive_scope;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use legacy_demo::{Error, Job, Report};

use crate::phase1::{build_row, finish, store_row};

/// [`legacy_demo::run_report`], with up to `concurrency` users in flight at once.
///
/// # Errors
///
/// The first error of any user; the other users' tasks are cancelled (a call already handed
/// to a thread still completes, so no transaction is left half-done).
///
/// # Panics
///
/// If `concurrency` is zero, or a user's task panics (the panic is propagated).
pub async fn run_report(job: &Job, ids: &[u64], concurrency: usize) -> Result<Report, Error> {
    let job = Arc::new(job.clone());
    for_each_user(ids, concurrency, |id| {
        let job = Arc::clone(&job);
        async move {
            let row = build_row(&job, id).await?;
            thread_sensitive_scope(store_row(&job, &row)).await
        }
    })
    .await?;
    finish(&job).await
}

/// Runs `work` for every user in `ids`, each in its own task, at most `concurrency` at once.
///
/// # Errors
///
/// The first error of any user; the tasks still running are cancelled when it returns.
///
/// # Panics
///
/// If `concurrency` is zero, or a user's task panics (the panic is propagated).
pub async fn for_each_user<F, W>(ids: &[u64], concurrency: usize, work: F) -> Result<(), Error>
where
    F: Fn(u64) -> W,
    W: Future<Output = Result<(), Error>> + Send + 'static,
{
    assert!(concurrency > 0, "concurrency must be at least 1");
    let slots = Arc::new(Semaphore::new(concurrency));
    let mut users = JoinSet::new();
    for &id in ids {
        let (slots, user) = (Arc::clone(&slots), work(id));
        users.spawn(async move {
            let _slot = slots
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            user.await
        });
    }
    while let Some(user) = users.join_next().await {
        match user {
            Ok(result) => result?,
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        }
    }
    Ok(())
}
