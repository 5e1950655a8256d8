//! Every variant of the report against the same real service and fresh databases: the same
//! results, and the differences the migration is for.
//!
//! Assertions are on counts and on generous ratios, never on absolute timings.

use std::time::Duration;

use legacy_demo::{ProfileApi, ProfileService, Workspace};
use migrated_demo::phase1::{build_row, store_row};
use migrated_demo::variants::{self, Outcome, Settings, Variant};

const LATENCY: Duration = Duration::from_millis(20);
const SETTINGS: Settings = Settings {
    users: 12,
    concurrency: 4,
    hash_rounds: 2,
};

/// Runs every variant once, on a plain thread with a deadline, so a deadlock fails the test.
fn run_all() -> Vec<Outcome> {
    let (done, outcomes) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let service = ProfileService::start(LATENCY).expect("the service starts");
        let all: Vec<Outcome> = Variant::ALL
            .into_iter()
            .map(|variant| {
                variants::run(variant, &service, SETTINGS, |_| {}).expect("the variant runs")
            })
            .collect();
        let _ = done.send(all);
    });
    outcomes
        .recv_timeout(Duration::from_secs(120))
        .expect("every variant finished in time")
}

#[test]
fn every_variant_builds_the_same_report_and_only_phases_2_and_3_overlap_requests() {
    let outcomes = run_all();
    let legacy = &outcomes[0];
    assert_eq!(legacy.variant, Variant::Legacy);
    assert_eq!(legacy.report.rows.len(), 12);
    for outcome in &outcomes {
        assert_eq!(
            outcome.report, legacy.report,
            "{} built another report",
            outcome.variant
        );
    }
    let peak = |variant| {
        outcomes
            .iter()
            .find(|outcome| outcome.variant == variant)
            .unwrap()
            .peak_requests
    };
    assert_eq!(peak(Variant::Legacy), 1);
    assert_eq!(peak(Variant::Naive), 1);
    assert_eq!(peak(Variant::Phase1), 1);
    assert!(peak(Variant::Phase2) > 1, "phase 2 overlapped no requests");
    assert!(
        peak(Variant::Phase2) <= 4,
        "phase 2 exceeded its concurrency of 4"
    );
    assert!(peak(Variant::Phase3) > 1, "phase 3 overlapped no requests");
    assert!(
        peak(Variant::Phase3) <= 4,
        "phase 3 exceeded its concurrency of 4"
    );

    // The anti-pattern blocks the heartbeat for at least one request (in fact, the whole run);
    // phase 1 keeps it ticking.
    let lag = |variant| {
        outcomes
            .iter()
            .find(|outcome| outcome.variant == variant)
            .unwrap()
            .heartbeat_lag
            .unwrap()
    };
    assert!(lag(Variant::Naive) >= LATENCY, "{:?}", lag(Variant::Naive));
    assert!(
        lag(Variant::Naive) > 3 * lag(Variant::Phase1),
        "anti-pattern lag {:?}, phase 1 lag {:?}",
        lag(Variant::Naive),
        lag(Variant::Phase1)
    );
}

/// Why phase 2 gives every user's transaction its own thread-sensitive scope: stored
/// concurrently on the one global thread-sensitive thread, two users' `begin`s land on the
/// same connection and the second fails; in their own scopes, every transaction commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transactions_need_their_own_scope() {
    let service = ProfileService::start(Duration::ZERO).unwrap();
    let ids: Vec<u64> = (1..=8).collect();
    let workspace = Workspace::create(ProfileApi::new(service.base_url()), &ids, 1).unwrap();
    let job = std::sync::Arc::new(workspace.job.clone());
    let mut rows = Vec::new();
    for &id in &ids {
        rows.push(
            tokio::time::timeout(Duration::from_secs(20), build_row(&job, id))
                .await
                .unwrap()
                .unwrap(),
        );
    }

    let scoped: Vec<_> = rows
        .iter()
        .cloned()
        .map(|row| {
            let job = std::sync::Arc::clone(&job);
            tokio::spawn(async move {
                bridge_runtime::thread_sensitive_scope(store_row(&job, &row)).await
            })
        })
        .collect();
    for store in scoped {
        let stored = tokio::time::timeout(Duration::from_secs(20), store)
            .await
            .unwrap()
            .unwrap();
        assert!(stored.is_ok(), "{stored:?}");
    }

    // The legacy `Directory` object, served through its async handle, sees every committed
    // row; a sync caller reads the same object through the handle too.
    let directory = legacy_demo::AsyncDirectory::open(&job.db).await.unwrap();
    assert_eq!(directory.count().await.unwrap(), 8);
    let sync_reader = directory.clone();
    let counted = tokio::task::spawn_blocking(move || sync_reader.blocking_read().count().unwrap());
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(20), counted)
            .await
            .unwrap()
            .unwrap(),
        8
    );

    // Without scopes, two users' transactions interleave on the global thread's one
    // connection: the second user's `begin` fails.
    legacy_demo::db::begin_async(&job.db).await.unwrap();
    let error = legacy_demo::db::begin_async(&job.db).await.unwrap_err();
    assert!(
        error.to_string().contains("within a transaction"),
        "{error}"
    );
    legacy_demo::db::commit_async(&job.db).await.unwrap();
}
