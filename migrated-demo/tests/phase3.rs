//! Phase 3's native fns, and the sync caller that still uses them through `#[async_to_sync]`.

use std::time::Duration;

use legacy_demo::{ProfileApi, ProfileService};
use migrated_demo::phase3::{ProfileClient, fetch_profile, nightly_export};

const DEADLINE: Duration = Duration::from_secs(20);

#[tokio::test]
async fn the_native_client_returns_what_the_legacy_client_returns() {
    let service = ProfileService::start(Duration::ZERO).unwrap();
    let client = ProfileClient::new(service.base_url());
    let native = tokio::time::timeout(DEADLINE, fetch_profile(&client, 5))
        .await
        .unwrap()
        .unwrap();
    let legacy = legacy_demo::fetch_profile_async(&ProfileApi::new(service.base_url()), 5)
        .await
        .unwrap();
    assert_eq!(native, legacy);
}

/// Runs `f` on a new thread with a deadline.
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(f());
    });
    result.recv_timeout(DEADLINE).expect("finished in time")
}

#[test]
fn the_nightly_export_runs_from_a_plain_thread() {
    let service = ProfileService::start(Duration::ZERO).unwrap();
    let client = ProfileClient::new(service.base_url());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export.tsv");
    let exported = within({
        let out = out.clone();
        move || nightly_export(&client, &[1, 2, 3], &out).unwrap()
    });
    assert_eq!(exported, 3);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(text.starts_with("1\t"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nightly_export_runs_inside_a_bridged_call_on_the_callers_runtime() {
    let service = ProfileService::start(Duration::ZERO).unwrap();
    let client = ProfileClient::new(service.base_url());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export.tsv");
    let exported = tokio::time::timeout(
        DEADLINE,
        bridge_runtime::to_thread(move || nightly_export(&client, &[4, 5], &out).unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(exported, 2);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("export.tsv"))
            .unwrap()
            .lines()
            .count(),
        2
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_blocking_twin_refuses_a_runtime_worker_thread() {
    let service = ProfileService::start(Duration::ZERO).unwrap();
    let client = ProfileClient::new(service.base_url());
    let task =
        tokio::spawn(async move { migrated_demo::phase3::fetch_profile_blocking(&client, 1) });
    let payload = tokio::time::timeout(DEADLINE, task)
        .await
        .unwrap()
        .unwrap_err()
        .into_panic();
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap();
    assert!(
        message.contains("`fetch_profile_blocking`") && message.contains("`fetch_profile`"),
        "{message}"
    );
}
