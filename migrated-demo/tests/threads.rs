//! Phase 3 pays off in threads: at the same concurrency, it runs the report with fewer threads
//! than phase 2, because a profile request in flight is a future instead of a parked blocking
//! thread, the hash runs on a pool sized to the cores, and the transactions queue for one
//! writer thread instead of each holding a scope thread.
//!
//! Thread counts are per process, so this is a test binary of its own, with a single test:
//! nothing else runs while it counts.

use std::time::Duration;

use legacy_demo::ProfileService;
use migrated_demo::variants::{self, Outcome, Settings, Variant};

#[test]
fn phase3_needs_fewer_threads_than_phase2() {
    let settings = Settings {
        users: 16,
        concurrency: 8,
        hash_rounds: 2,
    };
    let (done, outcomes) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Latency long enough that phase 2's eight requests are in flight together.
        let service = ProfileService::start(Duration::from_millis(30)).expect("the service starts");
        let run =
            |variant| variants::run(variant, &service, settings, |_| {}).expect("the variant runs");
        let outcomes: Vec<Outcome> = vec![run(Variant::Phase2), run(Variant::Phase3)];
        let _ = done.send(outcomes);
    });
    let outcomes = outcomes
        .recv_timeout(Duration::from_secs(120))
        .expect("both variants finished in time");
    let (phase2, phase3) = (&outcomes[0], &outcomes[1]);
    assert_eq!(phase2.report, phase3.report, "the same report");
    assert!(
        (2..=8).contains(&phase3.peak_requests),
        "phase 3 overlapped requests, at most 8: {}",
        phase3.peak_requests
    );

    let (Some(threads2), Some(threads3)) = (phase2.peak_threads, phase3.peak_threads) else {
        eprintln!("this OS does not report thread counts; nothing to compare");
        return;
    };
    eprintln!("peak threads: phase 2 {threads2}, phase 3 {threads3}");
    // Phase 2 parks a blocking thread for each of its 8 requests in flight; phase 3 parks none.
    assert!(
        threads3 + 4 <= threads2,
        "phase 3 peaked at {threads3} threads, phase 2 at {threads2}"
    );
}
