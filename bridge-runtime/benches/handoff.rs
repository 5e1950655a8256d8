//! Handoff costs of bridge's own executors next to raw `spawn_blocking` and the `ANCHORS.md`
//! floors, all measured in one run, in the same rotating rounds.
//!
//! Round trips of a noop awaited from one long-lived task on a tokio multi-thread runtime worker:
//! - `direct call`: the fn called inline through `std::hint::black_box` (the floor);
//! - `spawn_blocking`: raw `tokio::task::spawn_blocking(noop).await`, the reference;
//! - `default twin`: `#[sync_to_async]`, on the default executor (tokio's blocking pool, fed
//!   through bridge's queue of lingering workers);
//! - `sensitive twin`: `#[sync_to_async(thread_sensitive)]`, on the global `ThreadSensitive`;
//! - `run_in(ThreadSensitive)`: `run_in(&ThreadSensitive::new(..), noop)`;
//! - `run_in(Pool)`: `run_in(&pool, noop)` with `Pool::new("bench", 4)`;
//! - `pool twin`: `#[sync_to_async(executor = POOL)]`, `POOL` another `Pool` of 4 threads, so
//!   that the two pool variants do not share threads;
//! - `dedicated thread`: the `ANCHORS.md` row of that name: one thread fed by a
//!   `Mutex<VecDeque<Box<dyn FnOnce()>>>` + `Condvar` queue, each call answering on a tokio oneshot.
//!
//! Measured on plain threads (no runtime context), in the same rounds:
//! - `futex ping-pong`: the `ANCHORS.md` futex floor: two threads passing a turn back and forth
//!   through a `Mutex` + `Condvar`; ns per round trip;
//! - `bridge_runtime::block_on(async {})`, `Handle::block_on(async {})` on the bench runtime's
//!   handle, and a new `current_thread` runtime per call.
//!
//! Why a second bench binary beside `roundtrip`: `roundtrip` checks one contract (a twin costs
//! ≤ 0.5 × `spawn_blocking`) with every variant awaited inside a single task. Here half the
//! variants must run on a plain thread, so the rounds are driven from the main thread, which
//! hands each async batch to the long-lived bench task and waits for its timing (one handoff per
//! batch of K calls, not per call); and its targets are different. Keeping them apart keeps
//! `roundtrip` short and its figures comparable with earlier runs.
//!
//! Method: a warm-up batch of every variant, then R rounds. Each round runs one batch of K
//! sequential calls of every variant, in an order that rotates from round to round, so that all
//! variants share the same noise. `ns/call` is the median over rounds of each batch's mean, with
//! the [min..max] of the rounds. Ratios are computed per round against the reference of the same
//! round; the tables show their median over rounds and [min..max]. Read the ratios, not the
//! absolute figures: waking a thread on the other vCPU costs tens of µs, on the same vCPU a few
//! µs, so unpinned figures swing with where the OS puts threads. Pinned runs (`taskset -c 0`)
//! are the stable ones; note the load average printed with each run.
//!
//! Targets (a run with one allowed CPU is judged as pinned):
//! - `ThreadSensitive` and `Pool` (twin and `run_in`): unpinned ≤ 0.5 × `spawn_blocking`;
//!   pinned ≤ 0.9 × `spawn_blocking` and ≤ 1.5 × the futex ping-pong;
//! - `bridge_runtime::block_on` ≤ 2 × `Handle::block_on`.
//!
//! ```text
//! cargo bench -p bridge-runtime --bench handoff
//! cargo bench -p bridge-runtime --bench handoff -- --rounds 41 --calls 5000
//! BRIDGE_BENCH_ROUNDS=41 BRIDGE_BENCH_CALLS=5000 cargo bench -p bridge-runtime --bench handoff
//! taskset -c 0 cargo bench -p bridge-runtime --bench handoff     # every thread on one CPU
//! ```

use std::collections::VecDeque;
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::{Arc, Condvar, LazyLock, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use bridge_runtime::{Pool, ThreadSensitive};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};

// Each bench uses part of the shared support.
#[allow(dead_code)]
mod support;
use support::{Config, fmt_ratio, median, min_max, proc_field, process_threads};

const DEFAULT_ROUNDS: usize = 21;
const DEFAULT_CALLS: usize = 2_000;
const PIN_HINT: &str = "taskset -c 0 cargo bench -p bridge-runtime --bench handoff";

/// The blocking fn every variant calls.
fn noop() {}

#[bridge_runtime::sync_to_async]
fn noop_default() {}

#[bridge_runtime::sync_to_async(thread_sensitive)]
fn noop_sensitive() {}

static POOL: LazyLock<Pool> = LazyLock::new(|| Pool::new("bench-twin", 4));

#[bridge_runtime::sync_to_async(executor = POOL)]
fn noop_pool() {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Direct,
    SpawnBlocking,
    DefaultTwin,
    SensitiveTwin,
    SensitiveRunIn,
    PoolRunIn,
    PoolTwin,
    Dedicated,
    Futex,
    BlockOn,
    HandleBlockOn,
    RuntimePerCall,
}

/// Where a variant's batch runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// In the bench task, on a runtime worker.
    Worker,
    /// On the main thread, outside any runtime context.
    Plain,
}

impl Variant {
    const ALL: [Variant; 12] = [
        Variant::Direct,
        Variant::SpawnBlocking,
        Variant::DefaultTwin,
        Variant::SensitiveTwin,
        Variant::SensitiveRunIn,
        Variant::PoolRunIn,
        Variant::PoolTwin,
        Variant::Dedicated,
        Variant::Futex,
        Variant::BlockOn,
        Variant::HandleBlockOn,
        Variant::RuntimePerCall,
    ];

    fn label(self) -> &'static str {
        match self {
            Variant::Direct => "direct call (black_box)",
            Variant::SpawnBlocking => "tokio spawn_blocking",
            Variant::DefaultTwin => "#[sync_to_async] twin",
            Variant::SensitiveTwin => "sensitive twin (global)",
            Variant::SensitiveRunIn => "run_in(ThreadSensitive::new)",
            Variant::PoolRunIn => "run_in(Pool::new(_, 4))",
            Variant::PoolTwin => "pool twin (executor = POOL)",
            Variant::Dedicated => "dedicated thread (anchor)",
            Variant::Futex => "futex ping-pong (plain)",
            Variant::BlockOn => "bridge_runtime::block_on",
            Variant::HandleBlockOn => "Handle::block_on",
            Variant::RuntimePerCall => "current_thread rt per call",
        }
    }

    fn place(self) -> Place {
        match self {
            Variant::Futex
            | Variant::BlockOn
            | Variant::HandleBlockOn
            | Variant::RuntimePerCall => Place::Plain,
            _ => Place::Worker,
        }
    }

    fn is_block_on(self) -> bool {
        matches!(
            self,
            Variant::BlockOn | Variant::HandleBlockOn | Variant::RuntimePerCall
        )
    }

    fn index(self) -> usize {
        Variant::ALL
            .iter()
            .position(|&v| v == self)
            .expect("every variant is in ALL")
    }

    /// Runs `calls` sequential round trips in the bench task and returns how long they took.
    async fn worker_batch(self, fixtures: &Fixtures, calls: usize) -> Duration {
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
            Variant::DefaultTwin => {
                for _ in 0..calls {
                    noop_default_async().await;
                }
            }
            Variant::SensitiveTwin => {
                for _ in 0..calls {
                    noop_sensitive_async().await;
                }
            }
            Variant::SensitiveRunIn => {
                for _ in 0..calls {
                    bridge_runtime::run_in(&fixtures.sensitive, noop).await;
                }
            }
            Variant::PoolRunIn => {
                for _ in 0..calls {
                    bridge_runtime::run_in(&fixtures.pool, noop).await;
                }
            }
            Variant::PoolTwin => {
                for _ in 0..calls {
                    noop_pool_async().await;
                }
            }
            Variant::Dedicated => {
                for _ in 0..calls {
                    fixtures.dedicated.call(noop).await;
                }
            }
            Variant::Futex
            | Variant::BlockOn
            | Variant::HandleBlockOn
            | Variant::RuntimePerCall => {
                unreachable!("{self:?} runs on a plain thread")
            }
        }
        start.elapsed()
    }

    /// Runs `calls` sequential calls on the current (plain) thread.
    fn plain_batch(self, fixtures: &Fixtures, handle: &Handle, calls: usize) -> Duration {
        let start = Instant::now();
        match self {
            Variant::Futex => fixtures.ping_pong.rounds(calls),
            Variant::BlockOn => {
                for _ in 0..calls {
                    bridge_runtime::block_on(async {});
                }
            }
            Variant::HandleBlockOn => {
                for _ in 0..calls {
                    handle.block_on(async {});
                }
            }
            Variant::RuntimePerCall => {
                for _ in 0..calls {
                    tokio::runtime::Builder::new_current_thread()
                        .build()
                        .expect("build a current_thread runtime")
                        .block_on(async {});
                }
            }
            _ => unreachable!("{self:?} runs in the bench task"),
        }
        start.elapsed()
    }
}

type BoxedJob = Box<dyn FnOnce() + Send + 'static>;

/// The `ANCHORS.md` "dedicated thread" row: one thread, a `Mutex<VecDeque>` + `Condvar` queue,
/// a tokio oneshot per call for the reply. No spinning, no parked-state tracking.
struct Dedicated {
    queue: Mutex<VecDeque<BoxedJob>>,
    ready: Condvar,
}

impl Dedicated {
    fn start() -> Arc<Self> {
        let shared = Arc::new(Dedicated {
            queue: Mutex::new(VecDeque::new()),
            ready: Condvar::new(),
        });
        let home = Arc::clone(&shared);
        thread::Builder::new()
            .name("bench-dedicated".to_owned())
            .spawn(move || {
                loop {
                    let job = {
                        let mut queue = home.queue.lock().expect("queue lock");
                        loop {
                            if let Some(job) = queue.pop_front() {
                                break job;
                            }
                            queue = home.ready.wait(queue).expect("queue lock");
                        }
                    };
                    job();
                }
            })
            .expect("start the dedicated thread");
        shared
    }

    async fn call<R: Send + 'static>(&self, f: impl FnOnce() -> R + Send + 'static) -> R {
        let (reply, outcome) = oneshot::channel();
        self.queue
            .lock()
            .expect("queue lock")
            .push_back(Box::new(move || {
                let _ = reply.send(f());
            }));
        self.ready.notify_one();
        outcome.await.expect("the dedicated thread runs every job")
    }
}

/// The `ANCHORS.md` futex floor: a turn passed between the calling thread and a partner thread
/// through a `Mutex` + `Condvar` (pinned, this measures about the anchor's 2.4 µs).
struct PingPong {
    /// `true` while it is the partner's turn.
    partner_turn: Mutex<bool>,
    changed: Condvar,
}

impl PingPong {
    fn start() -> Arc<Self> {
        let shared = Arc::new(PingPong {
            partner_turn: Mutex::new(false),
            changed: Condvar::new(),
        });
        let partner = Arc::clone(&shared);
        thread::Builder::new()
            .name("bench-pong".to_owned())
            .spawn(move || {
                loop {
                    let mut turn = partner.partner_turn.lock().expect("turn lock");
                    while !*turn {
                        turn = partner.changed.wait(turn).expect("turn lock");
                    }
                    *turn = false;
                    drop(turn);
                    partner.changed.notify_one();
                }
            })
            .expect("start the ping-pong partner");
        shared
    }

    /// `n` round trips: hand the turn to the partner and wait for it to come back.
    ///
    /// Both sides notify after unlocking. Notifying under the lock lets the woken thread run
    /// into the held lock and block again: on one CPU that makes the round trip about 2.7
    /// times slower, which would be no floor at all.
    fn rounds(&self, n: usize) {
        for _ in 0..n {
            *self.partner_turn.lock().expect("turn lock") = true;
            self.changed.notify_one();
            let mut turn = self.partner_turn.lock().expect("turn lock");
            while *turn {
                turn = self.changed.wait(turn).expect("turn lock");
            }
        }
    }
}

/// The executors and threads the variants share, started once.
struct Fixtures {
    sensitive: ThreadSensitive,
    pool: Pool,
    dedicated: Arc<Dedicated>,
    ping_pong: Arc<PingPong>,
}

/// A batch for the bench task to run, and where to send its timing.
type Command = (Variant, usize, oneshot::Sender<Duration>);

/// The long-lived task every async variant is awaited from.
async fn bench_task(fixtures: Arc<Fixtures>, mut commands: mpsc::UnboundedReceiver<Command>) {
    while let Some((variant, calls, timing)) = commands.recv().await {
        let _ = timing.send(variant.worker_batch(&fixtures, calls).await);
    }
}

/// Runs one batch wherever the variant belongs and returns its ns/call.
fn batch(
    variant: Variant,
    calls: usize,
    fixtures: &Fixtures,
    handle: &Handle,
    task: &mpsc::UnboundedSender<Command>,
) -> f64 {
    let elapsed = match variant.place() {
        Place::Plain => variant.plain_batch(fixtures, handle, calls),
        Place::Worker => {
            let (timing, elapsed) = oneshot::channel();
            task.send((variant, calls, timing))
                .expect("the bench task is running");
            elapsed
                .blocking_recv()
                .expect("the bench task answers every batch")
        }
    };
    elapsed.as_nanos() as f64 / calls as f64
}

/// Per variant (in `Variant::ALL` order), one ns/call figure per round.
type Samples = Vec<Vec<f64>>;

/// Warm-up, then the measured rounds, driven from the main thread.
fn measure(
    config: Config,
    fixtures: &Fixtures,
    handle: &Handle,
    task: &mpsc::UnboundedSender<Command>,
) -> Samples {
    let n = Variant::ALL.len();
    // Warm up: start every executor's threads, fault in code and allocator caches.
    for variant in Variant::ALL {
        batch(variant, config.calls.min(500), fixtures, handle, task);
    }
    let mut samples = vec![Vec::with_capacity(config.rounds); n];
    for round in 0..config.rounds {
        for k in 0..n {
            let i = (round + k) % n;
            samples[i].push(batch(Variant::ALL[i], config.calls, fixtures, handle, task));
        }
    }
    samples
}

/// A per-round ratio series: its median and [min..max].
#[derive(Debug, Clone, Copy)]
struct Ratio {
    median: f64,
    min: f64,
    max: f64,
}

impl Ratio {
    fn of(samples: &Samples, variant: Variant, reference: Variant) -> Ratio {
        let ratios: Vec<f64> = samples[variant.index()]
            .iter()
            .zip(&samples[reference.index()])
            .map(|(v, r)| v / r)
            .collect();
        let (min, max) = min_max(&ratios);
        Ratio {
            median: median(&ratios),
            min,
            max,
        }
    }

    fn range(self) -> String {
        format!("[{}..{}]", fmt_ratio(self.min), fmt_ratio(self.max))
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

fn print_tables(samples: &Samples) {
    println!(
        "{:<32} {:>10} {:>21}  {:>7} {:>15}  {:>7} {:>15}",
        "handoff (noop round trip)",
        "ns/call",
        "[min..max] ns/call",
        "/ spawn",
        "[min..max]",
        "/ futex",
        "[min..max]",
    );
    for variant in Variant::ALL.into_iter().filter(|v| !v.is_block_on()) {
        let values = &samples[variant.index()];
        let (lo, hi) = min_max(values);
        let spawn = Ratio::of(samples, variant, Variant::SpawnBlocking);
        let futex = Ratio::of(samples, variant, Variant::Futex);
        println!(
            "{:<32} {:>10.1} {:>21}  {:>7} {:>15}  {:>7} {:>15}",
            variant.label(),
            median(values),
            format!("[{lo:.1}..{hi:.1}]"),
            fmt_ratio(spawn.median),
            spawn.range(),
            fmt_ratio(futex.median),
            futex.range(),
        );
    }
    println!();
    println!(
        "{:<32} {:>10} {:>21}  {:>9} {:>15}",
        "block_on(async {}), plain thread",
        "ns/call",
        "[min..max] ns/call",
        "/ Handle",
        "[min..max]",
    );
    for variant in Variant::ALL.into_iter().filter(|v| v.is_block_on()) {
        let values = &samples[variant.index()];
        let (lo, hi) = min_max(values);
        let handle = Ratio::of(samples, variant, Variant::HandleBlockOn);
        println!(
            "{:<32} {:>10.1} {:>21}  {:>9} {:>15}",
            variant.label(),
            median(values),
            format!("[{lo:.1}..{hi:.1}]"),
            fmt_ratio(handle.median),
            handle.range(),
        );
    }
}

/// Prints each target with its verdict; returns how many were missed.
fn print_targets(samples: &Samples, pinned: bool) -> usize {
    let mut missed = 0;
    println!();
    println!(
        "targets, judged as {} (medians of per-round ratios):",
        if pinned {
            "PINNED (1 CPU allowed): <= 0.9 x spawn_blocking and <= 1.5 x futex ping-pong"
        } else {
            "UNPINNED (>1 CPU allowed): <= 0.5 x spawn_blocking"
        }
    );
    for variant in [
        Variant::SensitiveTwin,
        Variant::SensitiveRunIn,
        Variant::PoolRunIn,
        Variant::PoolTwin,
    ] {
        let spawn = Ratio::of(samples, variant, Variant::SpawnBlocking).median;
        let futex = Ratio::of(samples, variant, Variant::Futex).median;
        if pinned {
            let (a, b) = (spawn <= 0.9, futex <= 1.5);
            missed += usize::from(!a) + usize::from(!b);
            println!(
                "  {:<32} / spawn_blocking {:>6} <= 0.9: {:<8} / futex {:>6} <= 1.5: {}",
                variant.label(),
                fmt_ratio(spawn),
                verdict(a),
                fmt_ratio(futex),
                verdict(b),
            );
        } else {
            let a = spawn <= 0.5;
            missed += usize::from(!a);
            println!(
                "  {:<32} / spawn_blocking {:>6} <= 0.5: {:<8} (/ futex {})",
                variant.label(),
                fmt_ratio(spawn),
                verdict(a),
                fmt_ratio(futex),
            );
        }
    }
    let block_on = Ratio::of(samples, Variant::BlockOn, Variant::HandleBlockOn).median;
    let met = block_on <= 2.0;
    missed += usize::from(!met);
    println!(
        "  {:<32} / Handle::block_on {:>6} <= 2.0: {}",
        Variant::BlockOn.label(),
        fmt_ratio(block_on),
        verdict(met),
    );
    let dedicated = Ratio::of(samples, Variant::Dedicated, Variant::SpawnBlocking).median;
    let floor = Ratio::of(samples, Variant::Dedicated, Variant::Futex).median;
    println!(
        "  (anchor) dedicated thread / spawn_blocking {} / futex {}; ANCHORS.md: 0.37 unpinned, \
         0.94 and 1.72 pinned",
        fmt_ratio(dedicated),
        fmt_ratio(floor),
    );
    missed
}

fn main() -> ExitCode {
    let config = match Config::from_env(DEFAULT_ROUNDS, DEFAULT_CALLS) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("handoff: {error}");
            eprintln!(
                "usage: cargo bench -p bridge-runtime --bench handoff -- [--rounds N] [--calls K]"
            );
            return ExitCode::from(2);
        }
    };
    let cores = thread::available_parallelism().map_or(0, usize::from);
    let pinned = cores == 1;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("build the tokio runtime");

    println!("bridge-runtime handoff: executors, floors and block_on, measured in the same rounds");
    println!(
        "machine: {cores} cores (available_parallelism), CPUs allowed: {}, load average at start: {}",
        proc_field("/proc/self/status", Some("Cpus_allowed_list")),
        proc_field("/proc/loadavg", None),
    );
    println!(
        "runtime: tokio multi_thread, enable_all, {} workers, blocking pool: tokio defaults; \
         async variants awaited from one long-lived task, plain ones on the main thread",
        runtime.metrics().num_workers(),
    );
    println!(
        "method: 1 warm-up batch per variant, then {} rounds x {} calls per variant, order rotating \
         each round; median over rounds",
        config.rounds, config.calls,
    );
    println!("pinned run (all threads on one CPU): {PIN_HINT}");
    println!();

    let fixtures = Arc::new(Fixtures {
        sensitive: ThreadSensitive::new("bench-sensitive"),
        pool: Pool::new("bench", 4),
        dedicated: Dedicated::start(),
        ping_pong: PingPong::start(),
    });
    let (task, commands) = mpsc::unbounded_channel();
    let bench = runtime.spawn(bench_task(Arc::clone(&fixtures), commands));

    let started = Instant::now();
    let samples = measure(config, &fixtures, runtime.handle(), &task);
    let wall = started.elapsed();
    drop(task);
    runtime
        .block_on(bench)
        .expect("the bench task does not panic");

    print_tables(&samples);
    let missed = print_targets(&samples, pinned);
    println!();
    println!(
        "{missed} target(s) missed; wall time {:.1} s, process threads at end: {}, load average at \
         end: {}",
        wall.as_secs_f64(),
        process_threads(),
        proc_field("/proc/loadavg", None),
    );
    ExitCode::SUCCESS
}
