//! What bridge's diagnostics cost: the `#[sync_only]` check, metrics recording per call, and a
//! running `Watchdog` on a healthy runtime.
//!
//! Variants, in ns per call:
//! - `plain fn`: a noop fn (`#[inline(never)]`, called through `black_box`), the floor;
//! - `#[sync_only] fn, plain thread`: the same fn guarded, called on the main thread (the
//!   check passes); `… blocking thread`: called on a tokio blocking-pool thread, which has a
//!   runtime context but is no worker;
//! - `metrics: record one call`: what a dispatch records for one call (three clock reads, the
//!   counters and two histograms), on one thread, without the thread hop;
//! - `metrics: 2 threads, same site`: the same on two threads at once, on one call site: the
//!   worst case for contention (per call, per thread);
//! - `Instant::now()`: one clock read, for reference.
//!
//! And, in ms per batch, a healthy async workload (10,000 tasks that each yield 10 times and
//! sleep 1 ms, on a 2-worker runtime) without and with a `Watchdog` (threshold 20 ms, so it
//! checks every 5 ms: a tighter setting than a real one).
//!
//! Method: a warm-up batch of every variant, then R rounds, each running every variant once,
//! in an order that rotates from round to round. Figures are medians over rounds, with the
//! [min..max]; ratios are computed per round. The per-call figures are the thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID` on 64-bit Linux, wall time elsewhere), so that other processes
//! on the machine do not inflate them; with two threads, it is the CPU time of both divided by
//! the calls of both.
//!
//! Targets: the check costs well under 100 ns; recording under 200 ns per call; the watchdog
//! changes the workload's time by less than the rounds' own spread.
//!
//! ```text
//! cargo bench -p bridge-runtime --bench overhead
//! taskset -c 0 cargo bench -p bridge-runtime --bench overhead     # every thread on one CPU
//! ```

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use bridge_runtime::CallSite;
use bridge_runtime::watchdog::Watchdog;

// Each bench uses part of the shared support.
#[allow(dead_code)]
mod support;
use support::{Config, median, min_max, proc_field};

const DEFAULT_ROUNDS: usize = 15;
const CALLS: usize = 1_000_000;
const RECORDS: usize = 200_000;

#[inline(never)]
fn plain(x: u64) -> u64 {
    x
}

#[inline(never)]
#[bridge_runtime::sync_only]
fn guarded(x: u64) -> u64 {
    x
}

static SITE: CallSite = CallSite::new("overhead::site");
static SHARED_SITE: CallSite = CallSite::new("overhead::shared_site");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Plain,
    GuardedPlainThread,
    GuardedBlockingThread,
    Record,
    RecordContended,
    Now,
}

impl Variant {
    const ALL: [Variant; 6] = [
        Variant::Plain,
        Variant::GuardedPlainThread,
        Variant::GuardedBlockingThread,
        Variant::Record,
        Variant::RecordContended,
        Variant::Now,
    ];

    fn label(self) -> &'static str {
        match self {
            Variant::Plain => "plain fn",
            Variant::GuardedPlainThread => "#[sync_only] fn, plain thread",
            Variant::GuardedBlockingThread => "#[sync_only] fn, blocking thread",
            Variant::Record => "metrics: record one call",
            Variant::RecordContended => "metrics: 2 threads, same site",
            Variant::Now => "Instant::now()",
        }
    }

    /// Runs one batch and returns ns per call.
    fn batch(self, runtime: &tokio::runtime::Runtime) -> f64 {
        match self {
            Variant::Plain => per_call(CALLS, || calls(plain)),
            Variant::GuardedPlainThread => per_call(CALLS, || calls(guarded)),
            Variant::GuardedBlockingThread => runtime
                .block_on(runtime.spawn_blocking(|| per_call(CALLS, || calls(guarded))))
                .expect("the batch does not panic"),
            Variant::Record => per_call(RECORDS, || {
                for _ in 0..RECORDS {
                    bridge_runtime::__private::record_one_call(black_box(&SITE));
                }
            }),
            Variant::RecordContended => {
                let barrier = Barrier::new(2);
                let run = || {
                    barrier.wait();
                    cpu_ns(|| {
                        for _ in 0..RECORDS {
                            bridge_runtime::__private::record_one_call(black_box(&SHARED_SITE));
                        }
                    })
                };
                std::thread::scope(|scope| {
                    let other = scope.spawn(run);
                    let mine = run();
                    (mine + other.join().expect("the batch does not panic")) / (2 * RECORDS) as f64
                })
            }
            Variant::Now => per_call(CALLS, || {
                for _ in 0..CALLS {
                    black_box(Instant::now());
                }
            }),
        }
    }
}

fn calls(f: fn(u64) -> u64) {
    let f = black_box(f);
    let mut acc = 0u64;
    for i in 0..CALLS as u64 {
        acc = acc.wrapping_add(f(i));
    }
    black_box(acc);
}

fn per_call(n: usize, f: impl FnOnce()) -> f64 {
    cpu_ns(f) / n as f64
}

/// The CPU time `f` takes on this thread, in ns: from the scheduler's own count where Linux
/// exposes it, else wall time.
fn cpu_ns(f: impl FnOnce()) -> f64 {
    let start = (thread_cpu_ns(), Instant::now());
    f();
    match (start.0, thread_cpu_ns()) {
        (Some(before), Some(after)) => after.saturating_sub(before) as f64,
        _ => start.1.elapsed().as_nanos() as f64,
    }
}

/// This thread's CPU time so far (`CLOCK_THREAD_CPUTIME_ID`), on Linux.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn thread_cpu_ns() -> Option<u64> {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut time = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` writes one `timespec` (two `i64`s on 64-bit Linux) to `time`.
    let status = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) };
    (status == 0).then(|| time.tv_sec as u64 * 1_000_000_000 + time.tv_nsec as u64)
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn thread_cpu_ns() -> Option<u64> {
    None
}

/// A healthy async workload: many tasks that yield and sleep briefly.
async fn workload() {
    let tasks: Vec<_> = (0..10_000)
        .map(|_| {
            tokio::spawn(async {
                for _ in 0..10 {
                    tokio::task::yield_now().await;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("the task does not panic");
    }
}

fn workload_ms(runtime: &tokio::runtime::Runtime, watched: bool) -> f64 {
    let watchdog = watched.then(|| Watchdog::start_on(runtime.handle(), Duration::from_millis(20)));
    let start = Instant::now();
    runtime
        .block_on(runtime.spawn(workload()))
        .expect("no panic");
    let elapsed = start.elapsed().as_secs_f64() * 1e3;
    drop(watchdog);
    elapsed
}

fn main() -> ExitCode {
    let rounds = match Config::from_env(DEFAULT_ROUNDS, 1).map(|config| config.rounds) {
        Ok(rounds) => rounds,
        Err(error) => {
            eprintln!("overhead: {error}");
            eprintln!("usage: cargo bench -p bridge-runtime --bench overhead -- [--rounds N]");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build the tokio runtime");
    println!("bridge-runtime overhead: the #[sync_only] check, metrics recording, the watchdog");
    println!(
        "CPUs allowed: {}, load average at start: {}; {rounds} rounds, order rotating",
        proc_field("/proc/self/status", Some("Cpus_allowed_list")),
        proc_field("/proc/loadavg", None),
    );
    println!();

    // Warm up.
    for variant in Variant::ALL {
        variant.batch(&runtime);
    }
    workload_ms(&runtime, false);
    workload_ms(&runtime, true);

    let n = Variant::ALL.len();
    let mut samples = vec![Vec::with_capacity(rounds); n];
    let mut unwatched = Vec::with_capacity(rounds);
    let mut watched = Vec::with_capacity(rounds);
    for round in 0..rounds {
        for k in 0..n {
            let i = (round + k) % n;
            samples[i].push(Variant::ALL[i].batch(&runtime));
        }
        // Alternate which workload goes first.
        if round % 2 == 0 {
            unwatched.push(workload_ms(&runtime, false));
            watched.push(workload_ms(&runtime, true));
        } else {
            watched.push(workload_ms(&runtime, true));
            unwatched.push(workload_ms(&runtime, false));
        }
    }

    let clock = if thread_cpu_ns().is_some() {
        "thread CPU time"
    } else {
        "wall time"
    };
    println!(
        "{:<34} {:>9} {:>21}   ({clock})",
        "variant", "ns/call", "[min..max]"
    );
    for (i, variant) in Variant::ALL.into_iter().enumerate() {
        let (lo, hi) = min_max(&samples[i]);
        println!(
            "{:<34} {:>9.2} {:>21}",
            variant.label(),
            median(&samples[i]),
            format!("[{lo:.2}..{hi:.2}]")
        );
    }
    let index = |v: Variant| {
        Variant::ALL
            .iter()
            .position(|&x| x == v)
            .expect("a variant")
    };
    let diff = |a: Variant, b: Variant| {
        let d: Vec<f64> = samples[index(a)]
            .iter()
            .zip(&samples[index(b)])
            .map(|(a, b)| a - b)
            .collect();
        median(&d)
    };
    let check_plain = diff(Variant::GuardedPlainThread, Variant::Plain);
    let check_blocking = diff(Variant::GuardedBlockingThread, Variant::Plain);
    let record = median(&samples[index(Variant::Record)]);
    let contended = median(&samples[index(Variant::RecordContended)]);
    println!();
    println!(
        "#[sync_only] check = guarded - plain (median of per-round differences): {check_plain:.2} ns \
         on a plain thread, {check_blocking:.2} ns on a blocking thread; target < 100 ns: {}",
        if check_plain.max(check_blocking) < 100.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    println!(
        "metrics recording per call: {record:.1} ns alone, {contended:.1} ns with 2 threads on one \
         site; target < 200 ns: {}",
        if record.max(contended) < 200.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    let ratios: Vec<f64> = watched.iter().zip(&unwatched).map(|(w, u)| w / u).collect();
    let (rlo, rhi) = min_max(&ratios);
    let (ulo, uhi) = min_max(&unwatched);
    println!(
        "healthy workload: {:.1} ms [{ulo:.1}..{uhi:.1}] without a watchdog, {:.1} ms with one; \
         ratio {:.3} [{rlo:.3}..{rhi:.3}]",
        median(&unwatched),
        median(&watched),
        median(&ratios),
    );
    println!("load average at end: {}", proc_field("/proc/loadavg", None));
    ExitCode::SUCCESS
}
