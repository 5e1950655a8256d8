//! Noop round trip, awaited from a task on a tokio multi-thread runtime worker: what a
//! `#[sync_to_async]` twin costs next to a hand-written `tokio::task::spawn_blocking(..).await`.
//!
//! Variants, all calling the same noop fn:
//! - `direct call`: the fn called inline through `std::hint::black_box` (the floor);
//! - `spawn_blocking`: raw `tokio::task::spawn_blocking(noop).await`, the reference;
//! - `#[sync_to_async] twin`: `noop_async().await`;
//! - `to_thread`: `bridge_runtime::to_thread(noop).await`;
//! - `handle method`: a `&self` noop method of an async handle (`#[sync_to_async(handle = ..)]`),
//!   which also takes the object's lock;
//! - `blocking::unblock`: the `blocking` crate's pool, an outside anchor.
//!
//! Method: a warm-up batch of every variant, then R rounds. Each round runs one batch of K
//! sequential calls of every variant, in an order that rotates from round to round, so that all
//! variants share the same noise. `ns/call` is the median over rounds of each batch's mean, with
//! the [min..max] of the rounds. `ratio` is computed per round (variant / `spawn_blocking` of the
//! same round); the table shows its median over rounds and its [min..max]. Read the ratios, not
//! the absolute figures: these swing with where the OS puts threads (waking a thread on another
//! vCPU costs tens of µs, on the same vCPU a few µs), ratios within one run much less. Pinned
//! runs (`taskset -c 0`) are the stable ones; note the load average printed with each run.
//!
//! Target: twin ≤ 0.5 × `spawn_blocking` (median ratio), per `DESIGN.md`: the default executor's
//! workers linger for the next call, so a caller making calls back to back pays a queue push
//! instead of a thread wake.
//!
//! ```text
//! cargo bench -p bridge-runtime --bench roundtrip
//! cargo bench -p bridge-runtime --bench roundtrip -- --rounds 41 --calls 5000
//! BRIDGE_BENCH_ROUNDS=41 BRIDGE_BENCH_CALLS=5000 cargo bench -p bridge-runtime --bench roundtrip
//! taskset -c 0 cargo bench -p bridge-runtime --bench roundtrip     # every thread on one CPU
//! ```

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

// Each bench uses part of the shared support.
#[allow(dead_code)]
mod support;
use support::{Config, fmt_ratio, median, min_max, proc_field, process_threads};

const DEFAULT_ROUNDS: usize = 21;
const DEFAULT_CALLS: usize = 2_000;
const PIN_HINT: &str = "taskset -c 0 cargo bench -p bridge-runtime --bench roundtrip";

/// The blocking fn every variant calls.
#[bridge_runtime::sync_to_async]
fn noop() {}

/// A legacy object whose method does nothing, behind an async handle.
#[derive(Debug)]
pub struct Object;

#[bridge_runtime::sync_to_async(handle = AsyncObject)]
impl Object {
    pub fn noop(&self) {
        noop();
    }
}

static OBJECT: std::sync::LazyLock<AsyncObject> =
    std::sync::LazyLock::new(|| AsyncObject::from(Object));

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Direct,
    SpawnBlocking,
    Twin,
    ToThread,
    Handle,
    Unblock,
}

impl Variant {
    const ALL: [Variant; 6] = [
        Variant::Direct,
        Variant::SpawnBlocking,
        Variant::Twin,
        Variant::ToThread,
        Variant::Handle,
        Variant::Unblock,
    ];
    /// The variant every ratio is relative to.
    const REFERENCE: Variant = Variant::SpawnBlocking;

    fn label(self) -> &'static str {
        match self {
            Variant::Direct => "direct call (black_box)",
            Variant::SpawnBlocking => "tokio spawn_blocking",
            Variant::Twin => "#[sync_to_async] twin",
            Variant::ToThread => "bridge_runtime::to_thread",
            Variant::Handle => "handle &self method",
            Variant::Unblock => "blocking::unblock",
        }
    }

    /// Runs `calls` sequential round trips and returns how long they took.
    async fn batch(self, calls: usize) -> Duration {
        let start = Instant::now();
        match self {
            Variant::Direct => {
                for _ in 0..calls {
                    black_box(noop as fn())();
                }
            }
            Variant::SpawnBlocking => {
                for _ in 0..calls {
                    tokio::task::spawn_blocking(noop)
                        .await
                        .expect("noop does not panic");
                }
            }
            Variant::Twin => {
                for _ in 0..calls {
                    noop_async().await;
                }
            }
            Variant::ToThread => {
                for _ in 0..calls {
                    bridge_runtime::to_thread(noop).await;
                }
            }
            Variant::Handle => {
                for _ in 0..calls {
                    OBJECT.noop().await;
                }
            }
            Variant::Unblock => {
                for _ in 0..calls {
                    blocking::unblock(noop).await;
                }
            }
        }
        start.elapsed()
    }
}

/// Per variant (in `Variant::ALL` order), one ns/call figure per round.
type Samples = Vec<Vec<f64>>;

/// Runs on a runtime worker: warm-up, then the measured rounds.
async fn measure(config: Config) -> Samples {
    let n = Variant::ALL.len();
    // Warm up: start the pools' threads, fault in code and allocator caches.
    for variant in Variant::ALL {
        variant.batch(config.calls.min(500)).await;
    }
    let mut samples = vec![Vec::with_capacity(config.rounds); n];
    for round in 0..config.rounds {
        for k in 0..n {
            let i = (round + k) % n;
            let elapsed = Variant::ALL[i].batch(config.calls).await;
            samples[i].push(elapsed.as_nanos() as f64 / config.calls as f64);
        }
    }
    samples
}

fn main() -> ExitCode {
    let config = match Config::from_env(DEFAULT_ROUNDS, DEFAULT_CALLS) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("roundtrip: {error}");
            eprintln!(
                "usage: cargo bench -p bridge-runtime --bench roundtrip -- [--rounds N] [--calls K]"
            );
            return ExitCode::from(2);
        }
    };
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("build the tokio runtime");

    println!("bridge-runtime roundtrip: a noop round trip awaited from a tokio worker task");
    println!(
        "machine: {cores} cores (available_parallelism), CPUs allowed: {}, load average at start: {}",
        proc_field("/proc/self/status", Some("Cpus_allowed_list")),
        proc_field("/proc/loadavg", None),
    );
    println!(
        "runtime: tokio multi_thread, enable_all, {} workers, blocking pool: tokio defaults \
         (max 512 threads, keep-alive 10 s)",
        runtime.metrics().num_workers(),
    );
    println!(
        "method: 1 warm-up batch per variant, then {} rounds x {} calls per variant, order rotating \
         each round; median over rounds",
        config.rounds, config.calls,
    );
    println!("pinned run (all threads on one CPU): {PIN_HINT}");
    println!();

    let started = Instant::now();
    let samples = runtime
        .block_on(runtime.spawn(measure(config)))
        .expect("the benchmark task panicked");
    let wall = started.elapsed();

    let reference = Variant::ALL
        .iter()
        .position(|&v| v == Variant::REFERENCE)
        .expect("the reference is a variant");
    println!(
        "{:<27} {:>11} {:>23}   {:>6} {:>17}",
        "variant", "ns/call", "[min..max] ns/call", "ratio", "[min..max] ratio"
    );
    let mut twin_ratio = f64::NAN;
    for (i, variant) in Variant::ALL.into_iter().enumerate() {
        let (lo, hi) = min_max(&samples[i]);
        let ratios: Vec<f64> = samples[i]
            .iter()
            .zip(&samples[reference])
            .map(|(v, r)| v / r)
            .collect();
        let (rlo, rhi) = min_max(&ratios);
        let ratio = median(&ratios);
        if variant == Variant::Twin {
            twin_ratio = ratio;
        }
        println!(
            "{:<27} {:>11.1} {:>23}   {:>6} {:>17}",
            variant.label(),
            median(&samples[i]),
            format!("[{lo:.1}..{hi:.1}]"),
            fmt_ratio(ratio),
            format!("[{}..{}]", fmt_ratio(rlo), fmt_ratio(rhi)),
        );
    }
    println!();
    println!(
        "twin / spawn_blocking = {twin_ratio:.3} (median of {} per-round ratios); target <= 0.5: {}",
        config.rounds,
        if twin_ratio <= 0.5 { "met" } else { "NOT met" },
    );
    println!(
        "wall time {:.1} s, process threads at end: {}, load average at end: {}",
        wall.as_secs_f64(),
        process_threads(),
        proc_field("/proc/loadavg", None),
    );
    ExitCode::SUCCESS
}
