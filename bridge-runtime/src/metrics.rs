//! Per-fn call metrics: how often each bridged fn is called, how many calls are in flight, and
//! where their time goes: waiting for a thread (queue wait) or running (run time).
//!
//! Every `#[sync_to_async]` twin, every handle method and every named
//! [`CallSite`](crate::CallSite) records its calls, with no setup: the first call of a site
//! registers it, and [`snapshot`] reads them all. Anonymous [`to_thread`](crate::to_thread) and
//! [`run_in`](crate::run_in) calls share one record each, `bridge_runtime::to_thread` and
//! `bridge_runtime::run_in`; give a closure its own record with a named `CallSite`.
//!
//! ```
//! use bridge_runtime::{metrics, sync_to_async};
//!
//! #[sync_to_async]
//! fn load_invoice(id: u64) -> String {
//!     format!("invoice {id}")
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! for id in 0..3 {
//!     load_invoice_async(id).await;
//! }
//! let snapshot = metrics::snapshot();
//! let invoice = snapshot.get(concat!(module_path!(), "::load_invoice")).unwrap();
//! assert_eq!(invoice.calls, 3);
//! assert_eq!(invoice.in_flight, 0);
//! assert_eq!(invoice.run_time.count, 3);
//! println!("{}", metrics::report());
//! # }
//! ```
//!
//! # What is measured
//!
//! - `calls`: calls handed to an executor. A caller still waiting for a `limit` slot, or whose
//!   future was dropped before that, is not counted.
//! - `in_flight` and `peak_in_flight`: calls handed over and not finished. With `limit = N`
//!   the peak never exceeds `N`.
//! - `panics`: calls whose fn panicked.
//! - `queue_wait`: from the moment the twin's future is first polled (the dispatch) until a
//!   thread starts running the fn. It includes the wait for a `limit` slot and for a free
//!   thread of the executor: it grows when the pool is saturated.
//! - `run_time`: from the moment the fn starts until it returns (or panics) on its thread: it
//!   grows when the fn, or what it waits on, is slow.
//!
//! Each time is kept as a count, a total, a maximum and a log-bucketed histogram (8 buckets per
//! power of two), from which p50 and p99 are read; a percentile is accurate to about 6%.
//!
//! # Export through the `metrics` facade
//!
//! With the `metrics` feature, each call site's figures also go to the recorder of the
//! [`metrics`](https://docs.rs/metrics) crate, so whatever exporter the app installs
//! (Prometheus, StatsD, OpenTelemetry, ...) publishes them. The series, each labelled `fn` with
//! the site's name: [`CALLS`] (counter), [`IN_FLIGHT`] (gauge), [`PANICS`] (counter),
//! [`QUEUE_WAIT`] and [`RUN_TIME`] (histograms, in seconds); the watchdogs add [`STALLS`] and
//! [`STALL_TIME`]. A call site takes its handles from the recorder installed when it is first
//! called, so install the recorder first. Each call then updates a counter and a gauge and
//! records two histogram samples on the site's own handles: no lookup and no lock in bridge;
//! what a sample costs is the exporter's. With `metrics-exporter-prometheus` installed, the
//! `overhead` bench's recording of one call went from about 50 ns to about 150 ns (2 CPUs;
//! about 280 ns with two threads recording on one site at once, since the exporter's atomics
//! for that site are shared), against 10 to 20 µs for the call's round trip on that machine
//! (the `roundtrip` bench). Without the feature none of this is compiled. [`snapshot`] and [`report`] work as before.
//!
//! # Cost
//!
//! Recording takes three clock reads and six relaxed atomic additions on counters that belong to
//! the call site: no lock, and nothing shared between different fns. The clock is the CPU's
//! time-stamp counter where it is invariant (x86_64), `Instant` elsewhere. Two of the additions
//! (into and out of the in-flight count) are on a counter that every thread calling the site
//! shares, since the peak must be the true count in flight at each admission. The four others
//! (a bucket and the total of each histogram) go to the recording thread's own shard of the
//! site's sums, so that threads calling one site at once do not pass its cache lines back and
//! forth: on 2 CPUs, two threads recording on one site at once went from 190 to 540 ns per call
//! (depending on where the two CPUs sit) to 80 to 115 ns, against about 46 ns for one thread.
//!
//! A site has up to 8 shards of about 8 KiB each, each allocated when a thread first records in
//! it. A thread takes the shard the fewest live threads use, so that no two threads share one
//! as long as at most 8 live threads have recorded, and a site called from one thread holds one
//! shard: a site takes 8 to 63 KiB. Its other counters are allocated and registered (under a
//! lock) once, on its first call. The cost per call is measured by `cargo bench -p
//! bridge-runtime --bench overhead`. A snapshot is a set of relaxed reads, so a snapshot taken
//! while calls run may be off by the calls in progress.

use std::cell::Cell;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use tokio::sync::SemaphorePermit;

/// Every call site that has been called at least once, in the order of their first call.
static REGISTRY: Mutex<Vec<&'static Recorder>> = Mutex::new(Vec::new());

/// The live counters of one call site. Allocated and registered on the site's first call, and
/// never freed: call sites are `static`s.
///
/// The number of calls is not counted apart: it is the calls that ended (the run-time
/// histogram's count), plus those an executor dropped unrun, plus those in flight. That saves
/// an atomic addition per call.
pub(crate) struct Recorder {
    name: &'static str,
    flight: Flight,
    /// What is only ever added up (the histograms, the panics), striped over shards: each
    /// thread records in its own shard (see [`shard_index`]), so that threads recording on one
    /// site at once do not fight over its cache lines. A shard is allocated when a thread
    /// first records in it.
    shards: [OnceLock<Box<Shard>>; SHARDS],
    /// The site's handles in the `metrics` facade's recorder.
    #[cfg(feature = "metrics")]
    export: export::Export,
}

/// The counters every call changes on its way in and out, on a cache line of their own: the
/// only counters of a site that every thread shares, since the peak must be the true count in
/// flight at an admission.
#[repr(align(64))]
struct Flight {
    in_flight: AtomicU64,
    peak_in_flight: AtomicU64,
    /// Calls handed over that never ran (see [`FnMetrics::dropped`]).
    dropped: AtomicU64,
}

/// The shards of a site's counters: at most this many threads record on one site without
/// sharing a shard's cache lines.
const SHARDS: usize = 8;

/// One stripe of a site's sums: what the threads that share it recorded.
#[repr(align(64))]
struct Shard {
    queue_wait: Histogram,
    run_time: Histogram,
    panics: AtomicU64,
}

impl Recorder {
    /// Allocates the counters of the site `name` and registers them (once per site; the
    /// caller holds the site's `OnceLock`).
    ///
    /// Two sites with one name (two fns named alike in one module, nested in different fns)
    /// would be one row of the report: the second one registered is named `name#2`, and so on.
    pub(crate) fn register(name: &'static str) -> &'static Recorder {
        let mut registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
        let taken = |name: &str| registry.iter().any(|recorder| recorder.name == name);
        let name: &'static str = if taken(name) {
            let unique = (2..)
                .map(|n| format!("{name}#{n}"))
                .find(|unique| !taken(unique))
                .expect("some number is free");
            Box::leak(unique.into_boxed_str())
        } else {
            name
        };
        let recorder: &'static Recorder = Box::leak(Box::new(Recorder {
            name,
            flight: Flight {
                in_flight: AtomicU64::new(0),
                peak_in_flight: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
            },
            shards: [const { OnceLock::new() }; SHARDS],
            #[cfg(feature = "metrics")]
            export: export::Export::register(name),
        }));
        registry.push(recorder);
        recorder
    }

    /// The shard of the current thread.
    #[inline]
    fn shard(&self) -> &Shard {
        self.shards[shard_index()].get_or_init(|| Box::new(Shard::new()))
    }

    fn snapshot(&self) -> FnMetrics {
        let flight = &self.flight;
        let shards: Vec<&Shard> = self
            .shards
            .iter()
            .filter_map(|s| s.get().map(|s| &**s))
            .collect();
        let run_time = timing(shards.iter().map(|s| &s.run_time));
        let in_flight = flight.in_flight.load(Relaxed);
        let dropped = flight.dropped.load(Relaxed);
        FnMetrics {
            name: self.name,
            calls: run_time.count + dropped + in_flight,
            dropped,
            in_flight,
            peak_in_flight: flight.peak_in_flight.load(Relaxed),
            panics: shards.iter().map(|s| s.panics.load(Relaxed)).sum(),
            queue_wait: timing(shards.iter().map(|s| &s.queue_wait)),
            run_time,
        }
    }
}

impl Shard {
    fn new() -> Self {
        Shard {
            queue_wait: Histogram::new(),
            run_time: Histogram::new(),
            panics: AtomicU64::new(0),
        }
    }
}

/// Threads that have a shard and are alive, per shard.
static THREADS_PER_SHARD: [AtomicUsize; SHARDS] = [const { AtomicUsize::new(0) }; SHARDS];

thread_local! {
    static THREAD_SHARD: ThreadShard = const { ThreadShard(Cell::new(None)) };
}

/// The shard the current thread records in, chosen at its first record.
struct ThreadShard(Cell<Option<usize>>);

impl Drop for ThreadShard {
    fn drop(&mut self) {
        if let Some(index) = self.0.get() {
            THREADS_PER_SHARD[index].fetch_sub(1, Relaxed);
        }
    }
}

/// The index of the shard the current thread records in: on its first record, the shard
/// with the fewest live threads (the first of them), so that up to [`SHARDS`] threads never
/// share one, and the shards of a site used by few threads are never allocated. A thread
/// whose thread-locals are gone (a record in a thread-local's destructor) uses the first.
#[inline]
fn shard_index() -> usize {
    THREAD_SHARD
        .try_with(|shard| match shard.0.get() {
            Some(index) => index,
            None => {
                let index = join_least_used_shard();
                shard.0.set(Some(index));
                index
            }
        })
        .unwrap_or(0)
}

/// Counts the current thread in the shard with the fewest live threads, the first of them, and
/// returns its index. Two threads choosing at once do not both take the same free shard.
#[cold]
fn join_least_used_shard() -> usize {
    loop {
        let counts = THREADS_PER_SHARD
            .each_ref()
            .map(|count| count.load(Relaxed));
        let (index, &threads) = counts
            .iter()
            .enumerate()
            .min_by_key(|&(_, &threads)| threads)
            .expect("there are shards");
        if THREADS_PER_SHARD[index]
            .compare_exchange(threads, threads + 1, Relaxed, Relaxed)
            .is_ok()
        {
            return index;
        }
    }
}

/// A call on its way: dispatched (its queue wait has started), not yet running.
///
/// Created when the twin's future is first polled; [`Dispatched::admitted`] marks it handed
/// over, once it holds its limit slot.
pub(crate) struct Dispatched {
    recorder: &'static Recorder,
    since: u64,
}

impl Dispatched {
    pub(crate) fn new(recorder: &'static Recorder) -> Self {
        Dispatched {
            recorder,
            since: clock::now(),
        }
    }

    /// The call holds its limit slot (if any) and is about to be handed to an executor: it
    /// counts as a call and as in flight from now on.
    pub(crate) fn admitted(self, permit: Option<SemaphorePermit<'static>>) -> Admitted {
        let recorder = self.recorder;
        let flight = &recorder.flight;
        let now = flight.in_flight.fetch_add(1, Relaxed) + 1;
        if now > flight.peak_in_flight.load(Relaxed) {
            flight.peak_in_flight.fetch_max(now, Relaxed);
        }
        #[cfg(feature = "metrics")]
        recorder.export.admitted();
        Admitted {
            since: self.since,
            flight: InFlight {
                recorder,
                permit,
                ended: false,
            },
        }
    }
}

/// A call handed over and waiting for its thread. Dropped without running (an executor that
/// lost it), it still leaves the in-flight count and releases its limit slot.
pub(crate) struct Admitted {
    since: u64,
    flight: InFlight,
}

impl Admitted {
    /// Whether the call holds a slot of its site's limit.
    pub(crate) fn holds_slot(&self) -> bool {
        self.flight.permit.is_some()
    }

    /// The call starts on its thread: its queue wait ends. Only the clock is read here.
    pub(crate) fn start(self) -> Running {
        Running {
            started: clock::now(),
            admitted: self,
        }
    }
}

/// A call running on its thread.
pub(crate) struct Running {
    started: u64,
    admitted: Admitted,
}

impl Running {
    /// The call has returned (or panicked): its run time ends.
    ///
    /// What is left to record comes back as an [`Ended`], which records when dropped, on
    /// whichever thread drops it: the caller's, once it has the result, so that the thread
    /// that ran the call touches no shared counter before the caller is woken (on a
    /// multi-core machine, that is a cache-line transfer on the reply's critical path). A
    /// call that holds a limit slot records here and now instead, so that the slot is
    /// released as soon as the call ends.
    pub(crate) fn end(self, panicked: bool) -> Option<Ended> {
        let ended = Ended {
            queued: self.admitted.since,
            started: self.started,
            ended: clock::now(),
            panicked,
            flight: self.admitted.flight,
        };
        ended.flight.permit.is_none().then_some(ended)
    }
}

/// A call that has ended, not yet recorded: see [`Running::end`].
pub(crate) struct Ended {
    queued: u64,
    started: u64,
    ended: u64,
    panicked: bool,
    flight: InFlight,
}

impl Drop for Ended {
    fn drop(&mut self) {
        let recorder = self.flight.recorder;
        let queue_wait = clock::nanos_between(self.queued, self.started);
        let run_time = clock::nanos_between(self.started, self.ended);
        let shard = recorder.shard();
        shard.queue_wait.record(queue_wait);
        shard.run_time.record(run_time);
        if self.panicked {
            shard.panics.fetch_add(1, Relaxed);
        }
        #[cfg(feature = "metrics")]
        recorder.export.ended(queue_wait, run_time, self.panicked);
        self.flight.ended = true;
        // `self.flight` is dropped after this body: the call leaves the in-flight count.
    }
}

/// Counts a call in flight until dropped, then releases its limit slot. The count goes down
/// first, so the in-flight count never exceeds the limit.
struct InFlight {
    recorder: &'static Recorder,
    permit: Option<SemaphorePermit<'static>>,
    /// The call ran to its end; otherwise it is dropped unrun.
    ended: bool,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let flight = &self.recorder.flight;
        if !self.ended {
            flight.dropped.fetch_add(1, Relaxed);
        }
        flight.in_flight.fetch_sub(1, Relaxed);
        #[cfg(feature = "metrics")]
        self.recorder.export.left();
        // `self.permit` is dropped after this body: the slot is released now.
        drop(self.permit.take());
    }
}

/// Sub-buckets per power of two, as a shift: 8 buckets per octave.
const SUB_BITS: u32 = 3;
const SUB: u64 = 1 << SUB_BITS;
/// Enough buckets for every `u64` count of nanoseconds.
const BUCKETS: usize = ((64 - SUB_BITS) as usize + 1) * SUB as usize;

/// A lock-free log-linear histogram of durations, in nanoseconds: one shard's part of a
/// site's distribution.
struct Histogram {
    total: AtomicU64,
    max: AtomicU64,
    buckets: [AtomicU64; BUCKETS],
}

impl Histogram {
    fn new() -> Self {
        Histogram {
            total: AtomicU64::new(0),
            max: AtomicU64::new(0),
            buckets: [const { AtomicU64::new(0) }; BUCKETS],
        }
    }

    fn record(&self, nanos: u64) {
        self.buckets[bucket(nanos)].fetch_add(1, Relaxed);
        self.total.fetch_add(nanos, Relaxed);
        if nanos > self.max.load(Relaxed) {
            self.max.fetch_max(nanos, Relaxed);
        }
    }
}

/// The distribution recorded in `parts` (a site's shards) together.
fn timing<'a>(parts: impl Iterator<Item = &'a Histogram>) -> Timing {
    let nanos = Duration::from_nanos;
    let mut counts = vec![0u64; BUCKETS];
    let (mut total, mut max) = (0u64, 0u64);
    for part in parts {
        for (sum, bucket) in counts.iter_mut().zip(&part.buckets) {
            *sum += bucket.load(Relaxed);
        }
        total = total.wrapping_add(part.total.load(Relaxed));
        max = max.max(part.max.load(Relaxed));
    }
    let count: u64 = counts.iter().sum();
    let percentile = |q: f64| {
        if count == 0 {
            return Duration::ZERO;
        }
        // The rank of the q-quantile, 1-based: the smallest value with at least q of the
        // samples at or below it.
        let rank = ((q * count as f64).ceil() as u64).clamp(1, count);
        let mut seen = 0;
        for (index, &n) in counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return nanos(midpoint(index).min(max));
            }
        }
        nanos(max)
    };
    Timing {
        count,
        total: nanos(total),
        max: nanos(max),
        p50: percentile(0.50),
        p99: percentile(0.99),
    }
}

/// The bucket of `nanos`: exact below 8, then 8 buckets per power of two.
fn bucket(nanos: u64) -> usize {
    if nanos < SUB {
        return nanos as usize;
    }
    let exp = 63 - nanos.leading_zeros();
    let sub = (nanos >> (exp - SUB_BITS)) & (SUB - 1);
    ((exp - SUB_BITS + 1) as u64 * SUB + sub) as usize
}

/// The middle of bucket `index`, the value a percentile that falls in it reports.
fn midpoint(index: usize) -> u64 {
    let index = index as u64;
    if index < SUB {
        return index;
    }
    let exp = index / SUB + u64::from(SUB_BITS) - 1;
    let sub = index % SUB;
    let shift = exp - u64::from(SUB_BITS);
    let low = (SUB + sub) << shift;
    let width = 1u64 << shift;
    low.saturating_add(width / 2)
}

/// The metrics of every call site called so far, and of the runtime watchdogs.
///
/// Plain data: it does not change once taken. Its [`Display`](fmt::Display) is the table
/// [`report`] renders.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Snapshot {
    /// One record per call site, in the order of their first call.
    pub fns: Vec<FnMetrics>,
    /// What the [`Watchdog`](crate::watchdog::Watchdog)s have seen, all runtimes together.
    pub stalls: Stalls,
}

impl Snapshot {
    /// The record of the call site named `name`, such as `legacy_demo::store::fetch_user`.
    pub fn get(&self, name: &str) -> Option<&FnMetrics> {
        self.fns.iter().find(|record| record.name == name)
    }
}

/// The metrics of one call site: a twin, a handle method or a named [`CallSite`](crate::CallSite).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FnMetrics {
    /// The site's full path: `module_path!()` and the fn's name, such as
    /// `legacy_demo::store::fetch_user`, or the name given to a `CallSite`.
    pub name: &'static str,
    /// Calls handed to an executor, including the `dropped` ones.
    pub calls: u64,
    /// Calls handed over that never ran: an executor refused them (a shut-down `Pool`) or
    /// dropped them unrun (a runtime shut down with the call still queued), and their callers
    /// got a panic that names the call; or a default handle's call whose caller had gone (its
    /// future dropped) while the call waited for the object.
    pub dropped: u64,
    /// Calls handed over and not finished yet.
    pub in_flight: u64,
    /// The most calls in flight at once.
    pub peak_in_flight: u64,
    /// Calls whose fn panicked.
    pub panics: u64,
    /// From dispatch until a thread starts the call.
    pub queue_wait: Timing,
    /// From the start of the call until it returns on its thread.
    pub run_time: Timing,
}

impl FnMetrics {
    /// Queue wait and run time together: how long callers waited on this fn.
    pub fn total_time(&self) -> Duration {
        self.queue_wait.total + self.run_time.total
    }
}

/// A distribution of durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Timing {
    /// Durations recorded.
    pub count: u64,
    /// Their sum.
    pub total: Duration,
    /// The longest.
    pub max: Duration,
    /// The median, to within about 6%.
    pub p50: Duration,
    /// The 99th percentile, to within about 6%.
    pub p99: Duration,
}

impl Timing {
    /// The mean duration, or zero when none was recorded.
    pub fn mean(&self) -> Duration {
        match u32::try_from(self.count) {
            Ok(0) => Duration::ZERO,
            Ok(count) => self.total / count,
            Err(_) => Duration::from_nanos(
                u64::try_from(self.total.as_nanos() / u128::from(self.count)).unwrap_or(u64::MAX),
            ),
        }
    }
}

/// Runtime stalls reported by [`Watchdog`](crate::watchdog::Watchdog)s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stalls {
    /// Watchdogs started so far.
    pub watchdogs: u64,
    /// Stalls reported.
    pub count: u64,
    /// Their total duration.
    pub total: Duration,
    /// The longest.
    pub longest: Duration,
    /// Times the runtime could not run for longer than the threshold while its thread was
    /// ready and waited for a CPU (the OS ran other threads): an overloaded machine, not a
    /// blocking call. Not counted in `count`. Seen on Linux only.
    pub starved: u64,
}

/// The metrics of every call site called so far, as plain data.
pub fn snapshot() -> Snapshot {
    let recorders: Vec<&'static Recorder> = REGISTRY
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    Snapshot {
        fns: recorders.iter().map(|r| r.snapshot()).collect(),
        stalls: crate::watchdog::totals(),
    }
}

/// The metrics of every call site as an aligned text table, the slowest (by queue wait plus
/// run time) first, followed by a line about runtime stalls if a watchdog ran.
///
/// ```text
/// fn                           calls dropped   now  peak panics | queue:    total      p50      p99      max | run:    total      p50      p99      max
/// app::store::fetch_user        1000       0     0     4      0 |          40.2 s    41 ms    80 ms    82 ms |        10.1 s    10 ms    11 ms    12 ms
/// ```
///
/// How to read it is explained in the README's "Reading the metrics" section: a queue wait that
/// grows is a saturated executor; a run time that grows is a slow fn or dependency.
pub fn report() -> String {
    snapshot().to_string()
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rows: Vec<&FnMetrics> = self.fns.iter().collect();
        rows.sort_by(|a, b| b.total_time().cmp(&a.total_time()).then(a.name.cmp(b.name)));
        let width = rows
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(0)
            .max("fn".len());
        writeln!(
            f,
            "{:<width$}  {:>8} {:>7} {:>5} {:>5} {:>6} | queue: {:>8} {:>8} {:>8} {:>8} | run: {:>8} {:>8} {:>8} {:>8}",
            "fn",
            "calls",
            "dropped",
            "now",
            "peak",
            "panics",
            "total",
            "p50",
            "p99",
            "max",
            "total",
            "p50",
            "p99",
            "max",
        )?;
        for row in rows {
            let (q, r) = (&row.queue_wait, &row.run_time);
            writeln!(
                f,
                "{:<width$}  {:>8} {:>7} {:>5} {:>5} {:>6} |        {:>8} {:>8} {:>8} {:>8} |      {:>8} {:>8} {:>8} {:>8}",
                row.name,
                row.calls,
                row.dropped,
                row.in_flight,
                row.peak_in_flight,
                row.panics,
                human(q.total),
                human(q.p50),
                human(q.p99),
                human(q.max),
                human(r.total),
                human(r.p50),
                human(r.p99),
                human(r.max),
            )?;
        }
        let stalls = &self.stalls;
        if stalls.watchdogs > 0 {
            writeln!(
                f,
                "runtime stalls (watchdog): {}, total {}, longest {}",
                stalls.count,
                human(stalls.total),
                human(stalls.longest)
            )?;
            if stalls.starved > 0 {
                writeln!(
                    f,
                    "runtime threads kept waiting for a CPU (an overloaded machine, not a \
                     stall): {}",
                    stalls.starved
                )?;
            }
        }
        Ok(())
    }
}

/// A duration in three significant digits and the largest unit that keeps it at least 1.
fn human(duration: Duration) -> String {
    let nanos = duration.as_nanos() as f64;
    let (value, unit) = if nanos < 1e3 {
        (nanos, "ns")
    } else if nanos < 1e6 {
        (nanos / 1e3, "µs")
    } else if nanos < 1e9 {
        (nanos / 1e6, "ms")
    } else {
        (nanos / 1e9, "s")
    };
    let mut text = String::new();
    let _ = match value {
        v if v >= 100.0 || unit == "ns" => write!(text, "{v:.0} {unit}"),
        v if v >= 10.0 => write!(text, "{v:.1} {unit}"),
        v => write!(text, "{v:.2} {unit}"),
    };
    text
}

/// The export through the [`metrics`](https://docs.rs/metrics) facade (the `metrics` feature).
#[cfg(feature = "metrics")]
mod export {
    use std::sync::Once;

    use ::metrics::{Counter, Gauge, Histogram, Unit};

    /// The label that names the call site.
    const LABEL: &str = "fn";

    /// One call site's handles in the recorder that was installed when the site was first
    /// called (no-ops if none was).
    pub(super) struct Export {
        calls: Counter,
        in_flight: Gauge,
        panics: Counter,
        queue_wait: Histogram,
        run_time: Histogram,
    }

    impl Export {
        /// Registers the site `name` with the recorder, once per site.
        pub(super) fn register(name: &'static str) -> Self {
            static DESCRIBED: Once = Once::new();
            DESCRIBED.call_once(describe);
            Export {
                calls: ::metrics::counter!(super::CALLS, LABEL => name),
                in_flight: ::metrics::gauge!(super::IN_FLIGHT, LABEL => name),
                panics: ::metrics::counter!(super::PANICS, LABEL => name),
                queue_wait: ::metrics::histogram!(super::QUEUE_WAIT, LABEL => name),
                run_time: ::metrics::histogram!(super::RUN_TIME, LABEL => name),
            }
        }

        /// A call is handed over.
        #[inline]
        pub(super) fn admitted(&self) {
            self.calls.increment(1);
            self.in_flight.increment(1.0);
        }

        /// A call has ended: its two durations, in nanoseconds.
        #[inline]
        pub(super) fn ended(&self, queue_wait: u64, run_time: u64, panicked: bool) {
            self.queue_wait.record(seconds(queue_wait));
            self.run_time.record(seconds(run_time));
            if panicked {
                self.panics.increment(1);
            }
        }

        /// A call has left the in-flight count (ended, or dropped unrun).
        #[inline]
        pub(super) fn left(&self) {
            self.in_flight.decrement(1.0);
        }
    }

    fn seconds(nanos: u64) -> f64 {
        nanos as f64 * 1e-9
    }

    fn describe() {
        ::metrics::describe_counter!(super::CALLS, "Calls handed to an executor, per call site.");
        ::metrics::describe_gauge!(
            super::IN_FLIGHT,
            "Calls handed to an executor and not finished, per call site."
        );
        ::metrics::describe_counter!(super::PANICS, "Calls whose fn panicked, per call site.");
        ::metrics::describe_histogram!(
            super::QUEUE_WAIT,
            Unit::Seconds,
            "From the call until a thread starts it (limit slots included), per call site."
        );
        ::metrics::describe_histogram!(
            super::RUN_TIME,
            Unit::Seconds,
            "From the start of the call until it returns on its thread, per call site."
        );
        ::metrics::describe_counter!(
            super::STALLS,
            "Runtime stalls reported by bridge's watchdogs."
        );
        ::metrics::describe_histogram!(
            super::STALL_TIME,
            Unit::Seconds,
            "How long each runtime stall reported by bridge's watchdogs lasted."
        );
    }
}

/// Name of the counter of calls handed to an executor, per call site (label `fn`); exported
/// with the `metrics` feature.
pub const CALLS: &str = "bridge_calls_total";
/// Name of the gauge of calls in flight, per call site (label `fn`).
pub const IN_FLIGHT: &str = "bridge_calls_in_flight";
/// Name of the counter of calls that panicked, per call site (label `fn`).
pub const PANICS: &str = "bridge_panics_total";
/// Name of the histogram of queue waits in seconds, per call site (label `fn`).
pub const QUEUE_WAIT: &str = "bridge_queue_wait_seconds";
/// Name of the histogram of run times in seconds, per call site (label `fn`).
pub const RUN_TIME: &str = "bridge_run_time_seconds";
/// Name of the counter of runtime stalls reported by watchdogs (no label).
pub const STALLS: &str = "bridge_runtime_stalls_total";
/// Name of the histogram of runtime stall durations in seconds (no label).
pub const STALL_TIME: &str = "bridge_runtime_stall_seconds";

/// Exports one stall found by a watchdog through the `metrics` facade.
#[cfg(feature = "metrics")]
pub(crate) fn export_stall(stall: Duration) {
    ::metrics::counter!(STALLS).increment(1);
    ::metrics::histogram!(STALL_TIME).record(stall.as_secs_f64());
}

/// The clock calls are timed with. `quanta` reads the CPU's time-stamp counter where it is
/// reliable, in a fraction of the time of `Instant::now()`, and the OS clock elsewhere.
mod clock {
    use std::sync::LazyLock;

    static CLOCK: LazyLock<quanta::Clock> = LazyLock::new(quanta::Clock::new);

    /// The current time, in the clock's raw units.
    #[inline]
    pub(super) fn now() -> u64 {
        CLOCK.raw()
    }

    /// Nanoseconds from `start` to `end`, two readings of [`now`]; zero if `end` is earlier.
    #[inline]
    pub(super) fn nanos_between(start: u64, end: u64) -> u64 {
        CLOCK.delta_as_nanos(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_continuous_and_midpoints_fall_inside_them() {
        let mut last = 0;
        for nanos in (0..10_000u64).chain([u64::MAX / 3, u64::MAX - 1, u64::MAX]) {
            let index = bucket(nanos);
            assert!(index >= last || nanos > 10_000, "bucket order at {nanos}");
            assert!(index < BUCKETS);
            last = index;
        }
        for nanos in [
            1u64,
            7,
            8,
            9,
            15,
            16,
            100,
            1_000,
            123_456,
            1 << 40,
            u64::MAX,
        ] {
            let mid = midpoint(bucket(nanos));
            assert_eq!(bucket(mid), bucket(nanos), "midpoint of {nanos}");
            let error = (mid as f64 - nanos as f64).abs() / nanos as f64;
            assert!(error <= 0.0625, "{nanos}: {mid} is {error} off");
        }
    }

    #[test]
    fn percentiles_come_from_the_histogram() {
        let histogram = Histogram::new();
        for ms in 1..=100 {
            histogram.record(ms * 1_000_000);
        }
        let timing = timing([&histogram].into_iter());
        assert_eq!(timing.count, 100);
        assert_eq!(timing.total, Duration::from_millis(5050));
        assert_eq!(timing.max, Duration::from_millis(100));
        let near = |d: Duration, ms: f64| (d.as_secs_f64() * 1e3 - ms).abs() / ms <= 0.07;
        assert!(near(timing.p50, 50.0), "{:?}", timing.p50);
        assert!(near(timing.p99, 99.0), "{:?}", timing.p99);
        assert_eq!(timing.mean(), Duration::from_micros(50_500));
    }

    /// More threads than shards record on one site at once: every shard is used, and the
    /// snapshot adds them up exactly.
    #[test]
    fn threads_record_in_shards_that_add_up() {
        const THREADS: u64 = SHARDS as u64 + 4;
        const CALLS: u64 = 1_000;
        let recorder = Recorder::register("metrics::tests::sharded");
        let record = |panicked| {
            drop(
                Dispatched::new(recorder)
                    .admitted(None)
                    .start()
                    .end(panicked),
            )
        };
        let barrier = std::sync::Barrier::new(THREADS as usize);
        std::thread::scope(|scope| {
            for _ in 0..THREADS {
                scope.spawn(|| {
                    barrier.wait();
                    record(true);
                    // Every thread has its shard before any leaves it to another.
                    barrier.wait();
                    for call in 1..CALLS {
                        record(call % 10 == 0);
                    }
                });
            }
        });
        let allocated = recorder.shards.iter().filter(|s| s.get().is_some()).count();
        assert_eq!(allocated, SHARDS);
        let metrics = recorder.snapshot();
        assert_eq!(metrics.calls, THREADS * CALLS);
        assert_eq!(metrics.in_flight, 0);
        assert_eq!(metrics.dropped, 0);
        assert!(
            (1..=THREADS).contains(&metrics.peak_in_flight),
            "{metrics:?}"
        );
        assert_eq!(metrics.panics, THREADS * (1 + (CALLS - 1) / 10));
        assert_eq!(metrics.queue_wait.count, THREADS * CALLS);
        assert_eq!(metrics.run_time.count, THREADS * CALLS);
        let max = recorder
            .shards
            .iter()
            .filter_map(|s| s.get())
            .map(|s| s.run_time.max.load(Relaxed))
            .max();
        assert_eq!(metrics.run_time.max, Duration::from_nanos(max.unwrap()));
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::from_nanos(950)), "950 ns");
        assert_eq!(human(Duration::from_micros(12)), "12.0 µs");
        assert_eq!(human(Duration::from_millis(212)), "212 ms");
        assert_eq!(human(Duration::from_millis(1500)), "1.50 s");
    }
}
