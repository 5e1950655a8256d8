//! The point of phase 1: while a twin blocks, the runtime keeps running other tasks.
//!
//! These tests count heartbeat ticks (one per 10 ms at most) during a call that blocks for
//! 200 ms. They assert behaviour with wide margins, not timings: ~18 ticks fit in 200 ms, the
//! twin must let at least [`MIN_TICKS`] run, and the anti-pattern lets at most one run.
//! `#[tokio::test]` uses a `current_thread` runtime, where a blocked thread means a blocked
//! runtime.

use std::time::Duration;

use legacy_demo::{ProfileApi, ProfileService, fetch_profile, fetch_profile_async};
use migrated_demo::heartbeat::{Heartbeat, PERIOD, measure};
use tokio::time::timeout;

const BLOCK: Duration = Duration::from_millis(200);
/// Well below the ~18 ticks that fit in [`BLOCK`], to tolerate a loaded machine.
const MIN_TICKS: u64 = 5;
/// Fails a deadlock instead of hanging the test run.
const DEADLINE: Duration = Duration::from_secs(20);

/// A profile service whose every request takes [`BLOCK`].
fn slow_service() -> (ProfileService, ProfileApi) {
    let service = ProfileService::start(BLOCK).expect("the service starts");
    let api = ProfileApi::new(service.base_url());
    (service, api)
}

#[tokio::test]
async fn heartbeat_ticks_while_the_twin_blocks() {
    let (_service, api) = slow_service();
    let measured = timeout(DEADLINE, measure(PERIOD, fetch_profile_async(&api, 1)))
        .await
        .expect("the twin finished");
    assert_eq!(measured.output.unwrap().id, 1);
    assert!(
        measured.ticks >= MIN_TICKS,
        "only {} heartbeat ticks ran during a {BLOCK:?} twin call",
        measured.ticks
    );
}

#[tokio::test]
async fn heartbeat_stops_while_the_sync_fn_blocks_the_runtime() {
    let (_service, api) = slow_service();
    // The anti-pattern: the sync fn called directly inside async code. (A timeout cannot
    // interrupt it, since the timer runs on the very thread it blocks; it only keeps the
    // harness honest about the rest of the test.)
    // `fetch_profile` is `#[sync_only]`: the anti-pattern is measured here on purpose.
    let direct = async { bridge_runtime::allow_async_unsafe(|| fetch_profile(&api, 1)) };
    let measured = timeout(DEADLINE, measure(PERIOD, direct))
        .await
        .expect("the direct call finished");
    assert_eq!(measured.output.unwrap().id, 1);
    assert!(
        measured.ticks <= 1,
        "{} heartbeat ticks ran while the runtime thread was blocked",
        measured.ticks
    );
    // The first tick was due 10 ms in, and could not run until the call returned 200 ms in.
    // `sleep` never returns early, so this lower bound is not timing-sensitive.
    assert!(
        measured.max_lag >= BLOCK - 5 * PERIOD,
        "max lag {:?} during a {BLOCK:?} block",
        measured.max_lag
    );
}

#[tokio::test]
async fn a_heartbeat_that_cannot_run_reports_its_pending_lag() {
    let heartbeat = Heartbeat::start(PERIOD);
    std::thread::sleep(4 * PERIOD); // blocks the runtime: the first tick cannot run
    let pulse = heartbeat.stop();
    assert_eq!(pulse.ticks, 0);
    assert!(pulse.max_lag >= 2 * PERIOD, "{pulse:?}");
}

#[tokio::test]
async fn an_idle_runtime_lets_the_heartbeat_tick() {
    let heartbeat = Heartbeat::start(PERIOD);
    timeout(DEADLINE, tokio::time::sleep(BLOCK))
        .await
        .expect("a sleep finishes");
    let pulse = heartbeat.stop();
    assert!(pulse.ticks >= MIN_TICKS, "{pulse:?}");
}
