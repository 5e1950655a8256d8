//! The legacy binary: builds the user report the blocking way.
//!
//! It calls only sync fns, and `#[sync_to_async]` on `fetch_profile` changes nothing here:
//! the attribute adds a twin, it does not touch the fn or its callers.

use std::time::Instant;

use legacy_demo::{ProfileApi, run_report};

fn main() {
    let api = ProfileApi::default();
    let ids: Vec<u64> = (1..=8).collect();

    let started = Instant::now();
    let report = run_report(&api, &ids);
    let elapsed = started.elapsed();

    println!("{report}");
    println!(
        "fetched {} profiles one after the other in {:.0} ms ({} ms each)",
        ids.len(),
        elapsed.as_secs_f64() * 1e3,
        api.latency().as_millis(),
    );
}
