//! The `metrics` feature: every call site's calls, calls in flight, panics, queue wait and run
//! time reach the recorder of the `metrics` facade, read back here with metrics-util's
//! `DebuggingRecorder`, and agree with bridge's own `metrics::snapshot()`; so do the stalls a
//! watchdog reports.
//!
//! This file is its own test binary, so its recorder is the process's global one. It holds a
//! single test: the recorder must be installed before the first bridged call, and the
//! histograms are drained by each snapshot.

use std::sync::LazyLock;
use std::time::Duration;

use bridge_runtime::{Pool, metrics as bridge_metrics, sync_to_async};
use futures_executor::block_on;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use metrics_util::{CompositeKey, MetricKind};

/// One thread, so that the second of two concurrent calls waits in the queue.
static ONE: LazyLock<Pool> = LazyLock::new(|| Pool::new("metrics-export", 1));

#[sync_to_async(executor = ONE)]
fn slow_square(n: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(20));
    n * n
}

#[sync_to_async]
fn fails(n: u64) -> u64 {
    if n > 0 {
        panic!("fails({n})");
    }
    n
}

/// The run-time samples of `site` in `values`.
fn seconds_in(values: &[(CompositeKey, DebugValue)], site: &str) -> Vec<f64> {
    match value(
        values,
        MetricKind::Histogram,
        bridge_metrics::RUN_TIME,
        site,
    ) {
        DebugValue::Histogram(samples) => samples.iter().map(|s| s.into_inner()).collect(),
        other => panic!("{other:?}"),
    }
}

fn site(name: &str) -> String {
    format!("{}::{name}", module_path!())
}

/// What changed in the recorder since its previous snapshot.
fn values_of(snapshotter: &Snapshotter) -> Vec<(CompositeKey, DebugValue)> {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| (key, value))
        .collect()
}

/// The value of the series `name` with `fn = site`.
fn value<'a>(
    values: &'a [(CompositeKey, DebugValue)],
    kind: MetricKind,
    name: &str,
    site: &str,
) -> &'a DebugValue {
    values
        .iter()
        .find(|(key, _)| {
            key.kind() == kind
                && key.key().name() == name
                && key
                    .key()
                    .labels()
                    .any(|label| label.key() == "fn" && label.value() == site)
        })
        .map(|(_, value)| value)
        .unwrap_or_else(|| panic!("no {kind:?} `{name}` for `{site}` in {values:?}"))
}

#[test]
fn every_call_site_is_exported_through_the_metrics_facade() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install().expect("no other recorder is installed");

    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("the runtime starts");
        runtime.block_on(async {
            // Two calls at once on a one-thread pool: one of them waits about 20 ms.
            let (a, b) = tokio::join!(slow_square_async(3), slow_square_async(4));
            assert_eq!((a, b), (9, 16));
            assert_eq!(slow_square_async(5).await, 25);
            assert_eq!(fails_async(0).await, 0);
            let panicked = tokio::spawn(fails_async(1)).await;
            assert!(panicked.is_err(), "the twin re-raised the panic");
        });
        // A stall the watchdog reports: the runtime's only thread blocked for 150 ms.
        let stalls = bridge_tests::stall_a_watched_runtime();
        let _ = done.send(stalls);
    });
    let stalls = finished
        .recv_timeout(Duration::from_secs(60))
        .expect("the calls finished in time");
    assert!(stalls.count >= 1, "the watchdog saw the stall: {stalls:?}");

    let values = values_of(&snapshotter);
    let square = site("slow_square");
    let fails = site("fails");

    assert_eq!(
        value(&values, MetricKind::Counter, bridge_metrics::CALLS, &square),
        &DebugValue::Counter(3)
    );
    assert_eq!(
        value(&values, MetricKind::Counter, bridge_metrics::CALLS, &fails),
        &DebugValue::Counter(2)
    );
    assert_eq!(
        value(&values, MetricKind::Counter, bridge_metrics::PANICS, &fails),
        &DebugValue::Counter(1)
    );
    assert_eq!(
        value(
            &values,
            MetricKind::Counter,
            bridge_metrics::PANICS,
            &square
        ),
        &DebugValue::Counter(0)
    );
    for site in [&square, &fails] {
        match value(&values, MetricKind::Gauge, bridge_metrics::IN_FLIGHT, site) {
            DebugValue::Gauge(in_flight) => assert_eq!(in_flight.into_inner(), 0.0, "{site}"),
            other => panic!("{other:?}"),
        }
    }

    let seconds = |name: &str, site: &str| match value(&values, MetricKind::Histogram, name, site) {
        DebugValue::Histogram(samples) => {
            let mut samples: Vec<f64> = samples.iter().map(|s| s.into_inner()).collect();
            samples.sort_by(f64::total_cmp);
            samples
        }
        other => panic!("{other:?}"),
    };
    let run = seconds(bridge_metrics::RUN_TIME, &square);
    assert_eq!(run.len(), 3, "one run time per call: {run:?}");
    assert!(
        run.iter().all(|&s| (0.019..5.0).contains(&s)),
        "each call slept 20 ms: {run:?}"
    );
    let queue = seconds(bridge_metrics::QUEUE_WAIT, &square);
    assert_eq!(queue.len(), 3, "one queue wait per call: {queue:?}");
    assert!(
        queue[2] >= 0.015,
        "one of the two concurrent calls waited for the pool's only thread: {queue:?}"
    );
    assert_eq!(seconds(bridge_metrics::RUN_TIME, &fails).len(), 2);

    // The watchdog's stalls, which have no `fn` label.
    let unlabelled = |kind: MetricKind, name: &str| {
        values
            .iter()
            .find(|(key, _)| key.kind() == kind && key.key().name() == name)
            .map(|(_, value)| value)
            .unwrap_or_else(|| panic!("no {kind:?} `{name}` in {values:?}"))
    };
    assert_eq!(
        unlabelled(MetricKind::Counter, bridge_metrics::STALLS),
        &DebugValue::Counter(stalls.count)
    );
    match unlabelled(MetricKind::Histogram, bridge_metrics::STALL_TIME) {
        DebugValue::Histogram(samples) => {
            assert_eq!(samples.len() as u64, stalls.count);
            assert!(
                samples.iter().all(|s| s.into_inner() >= 0.02),
                "each stall lasted at least the threshold: {samples:?}"
            );
        }
        other => panic!("{other:?}"),
    }

    // The in-process record says the same.
    let snapshot = bridge_metrics::snapshot();
    let record = snapshot.get(&square).expect("bridge's own record");
    assert_eq!(record.calls, 3);
    assert_eq!(record.run_time.count, 3);
    let exported_total: f64 = run.iter().sum();
    let own_total = record.run_time.total.as_secs_f64();
    assert!(
        (exported_total - own_total).abs() < 1e-6,
        "exported {exported_total} s, recorded {own_total} s"
    );
    assert_eq!(snapshot.get(&fails).expect("bridge's own record").panics, 1);

    // A call site called once more shows in the next snapshot: its handles are kept. (A
    // `DebuggingRecorder` snapshot reports what changed since the previous one.)
    let again = std::thread::spawn(|| block_on(slow_square_async(6)));
    assert_eq!(again.join().expect("the call ran"), 36);
    let values = values_of(&snapshotter);
    assert_eq!(
        value(&values, MetricKind::Counter, bridge_metrics::CALLS, &square),
        &DebugValue::Counter(1)
    );
    assert_eq!(seconds_in(&values, &square).len(), 1);
}
