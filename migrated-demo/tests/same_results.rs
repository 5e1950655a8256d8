//! Every phase gives the same report as the legacy sync code.

use std::time::Duration;

use legacy_demo::{ProfileApi, fetch_profile, fetch_profile_async};
use migrated_demo::{naive, phase1};
use tokio::time::timeout;

/// Generous: a call of a few ms that has not finished by then is stuck.
const DEADLINE: Duration = Duration::from_secs(10);

fn api() -> ProfileApi {
    ProfileApi::new(Duration::from_millis(1))
}

#[tokio::test]
async fn twin_returns_what_the_sync_fn_returns() {
    let api = api();
    for id in [0, 1, 7, 8, 12_345, u64::MAX] {
        let twin = timeout(DEADLINE, fetch_profile_async(&api, id))
            .await
            .expect("the twin finished");
        assert_eq!(twin, fetch_profile(&api, id));
    }
}

#[tokio::test]
async fn phase1_report_equals_the_legacy_report() {
    let api = api();
    let ids: Vec<u64> = vec![5, 1, 9, 1, 42, 3, 8];
    let legacy = legacy_demo::run_report(&api, &ids);
    let migrated = timeout(DEADLINE, phase1::run_report(&api, &ids))
        .await
        .expect("phase 1 finished");
    assert_eq!(migrated, legacy);
    let ids_back: Vec<u64> = migrated.profiles.iter().map(|p| p.id).collect();
    assert_eq!(ids_back, ids, "requests keep their order");
}

#[tokio::test]
async fn naive_report_equals_the_legacy_report() {
    // The anti-pattern is slow for the runtime, not wrong.
    let api = api();
    let ids: Vec<u64> = (1..=5).collect();
    let naive = timeout(DEADLINE, naive::run_report(&api, &ids))
        .await
        .expect("naive finished");
    assert_eq!(naive, legacy_demo::run_report(&api, &ids));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn phase1_in_a_task_on_a_one_worker_runtime_gives_the_same_report() {
    let api = api();
    let ids: Vec<u64> = (1..=5).collect();
    let legacy = legacy_demo::run_report(&api, &ids);
    let migrated = timeout(
        DEADLINE,
        tokio::spawn(async move { phase1::run_report(&api, &ids).await }),
    )
    .await
    .expect("phase 1 finished")
    .expect("phase 1 did not panic");
    assert_eq!(migrated, legacy);
}

#[tokio::test]
async fn an_empty_report_needs_no_calls() {
    let migrated = timeout(DEADLINE, phase1::run_report(&api(), &[]))
        .await
        .expect("phase 1 finished");
    assert_eq!(migrated, legacy_demo::run_report(&api(), &[]));
}
