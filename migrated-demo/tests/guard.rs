//! Phase 2's safety net: the legacy fns are `#[sync_only]`, so a migrated caller that still
//! calls one directly on a runtime thread fails loudly instead of quietly stalling every task
//! on that thread.

use std::time::Duration;

use legacy_demo::{ProfileApi, ProfileService, fetch_profile, fetch_profile_async};

/// A phase 2 caller broken on purpose: one of its tasks calls the legacy fn instead of
/// awaiting the twin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_fires_when_a_phase2_caller_calls_the_legacy_fn_directly() {
    let service = ProfileService::start(Duration::ZERO).unwrap();
    let api = ProfileApi::new(service.base_url());
    let mut users = tokio::task::JoinSet::new();
    for id in 1..=4 {
        let api = api.clone();
        users.spawn(async move {
            if id == 3 {
                fetch_profile(&api, id) // the bug: a blocking call on a runtime worker
            } else {
                fetch_profile_async(&api, id).await
            }
        });
    }
    let mut panics = Vec::new();
    let mut fetched = 0;
    while let Some(user) = tokio::time::timeout(Duration::from_secs(20), users.join_next())
        .await
        .unwrap()
    {
        match user {
            Ok(profile) => {
                profile.unwrap();
                fetched += 1;
            }
            Err(join) => panics.push(join.into_panic()),
        }
    }
    assert_eq!(fetched, 3, "the correct callers are unaffected");
    assert_eq!(panics.len(), 1);
    let message = panics[0]
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panics[0].downcast_ref::<&str>().copied())
        .unwrap();
    assert!(
        message.contains("`legacy_demo::profiles::fetch_profile` is `#[sync_only]`"),
        "{message}"
    );
    assert!(message.contains("`fetch_profile_async`"), "{message}");
}

/// The legacy binary and the sync pipeline are untouched by the guard: plain threads pass.
#[test]
fn plain_threads_pass_the_guard() {
    let service = ProfileService::start(Duration::ZERO).unwrap();
    let api = ProfileApi::new(service.base_url());
    assert_eq!(fetch_profile(&api, 2).unwrap().id, 2);
}
