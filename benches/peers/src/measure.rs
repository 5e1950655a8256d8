//! How one batch is measured, how rounds are run, and how they become a markdown table.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::machine;

/// How often the thread sampler reads the process's thread count during a batch.
const SAMPLE_PERIOD: Duration = Duration::from_millis(1);

/// The runtime every workload awaits its calls on: a multi-thread runtime with 2 workers (the
/// machine's cores), built afresh for each variant of each round.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build the tokio runtime")
}

/// A workload's variant: a way to make the same call.
pub trait Variant: Copy + PartialEq {
    /// Its row label.
    fn label(self) -> &'static str;
}

/// One measured batch.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    elapsed: Duration,
    /// User plus system CPU time of the whole process during the batch.
    cpu: Duration,
    /// The most threads the process had during the batch.
    peak_threads: usize,
}

/// Measures one batch: wall time, process CPU time, and the peak thread count, which a
/// sampler thread reads every millisecond (it is one of the threads it counts).
#[derive(Debug)]
pub struct Probe {
    started: Instant,
    cpu: Duration,
    stop: Arc<AtomicBool>,
    sampler: JoinHandle<usize>,
}

impl Probe {
    pub fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = thread::Builder::new()
            .name("thread-sampler".to_owned())
            .spawn({
                let stop = Arc::clone(&stop);
                move || {
                    let mut peak = machine::threads();
                    while !stop.load(Ordering::Acquire) {
                        thread::park_timeout(SAMPLE_PERIOD);
                        peak = peak.max(machine::threads());
                    }
                    peak
                }
            })
            .expect("start the thread sampler");
        Probe {
            cpu: machine::cpu_time(),
            started: Instant::now(),
            stop,
            sampler,
        }
    }

    pub fn stop(self) -> Sample {
        let elapsed = self.started.elapsed();
        let cpu = machine::cpu_time() - self.cpu;
        self.stop.store(true, Ordering::Release);
        self.sampler.thread().unpark();
        let peak_threads = self.sampler.join().expect("the thread sampler panicked");
        Sample {
            elapsed,
            cpu,
            peak_threads,
        }
    }
}

/// What a table's figures are.
#[derive(Debug, Clone, Copy)]
pub enum Unit {
    /// Calls per second of the batch; a ratio above 1 is faster than the baseline.
    OpsPerSec,
    /// Mean time per call; a ratio below 1 is faster than the baseline.
    MicrosPerCall,
    /// Wall time of the whole batch; a ratio below 1 is faster than the baseline.
    WallMillis,
}

impl Unit {
    fn value(self, sample: &Sample, calls: usize) -> f64 {
        let secs = sample.elapsed.as_secs_f64();
        match self {
            Unit::OpsPerSec => calls as f64 / secs,
            Unit::MicrosPerCall => secs * 1e6 / calls as f64,
            Unit::WallMillis => secs * 1e3,
        }
    }

    fn header(self) -> &'static str {
        match self {
            Unit::OpsPerSec => "ops/s",
            Unit::MicrosPerCall => "µs/call",
            Unit::WallMillis => "wall ms",
        }
    }

    fn ratio_meaning(self) -> &'static str {
        match self {
            Unit::OpsPerSec => "variant's ops/s / baseline's, above 1 is faster",
            Unit::MicrosPerCall => "variant's µs/call / baseline's, below 1 is faster",
            Unit::WallMillis => "variant's wall time / baseline's, below 1 is faster",
        }
    }
}

/// A workload: what its table is called, which variants it runs, and how much.
#[derive(Debug)]
pub struct Workload<'a, V> {
    pub title: String,
    pub unit: Unit,
    /// Calls per batch.
    pub calls: usize,
    pub rounds: usize,
    pub variants: &'a [V],
    /// The variant every ratio is relative to; one of `variants`.
    pub baseline: V,
}

impl<V: Variant> Workload<'_, V> {
    /// Runs `rounds` rounds; each runs one batch of every variant, in an order that rotates from
    /// round to round so that all variants share the same noise.
    pub fn run(self, mut batch: impl FnMut(V) -> Sample) -> Table {
        let n = self.variants.len();
        let mut samples = vec![Vec::with_capacity(self.rounds); n];
        for round in 0..self.rounds {
            eprint!("\r{}: round {}/{} ", self.title, round + 1, self.rounds);
            for k in 0..n {
                let i = (round + k) % n;
                samples[i].push(batch(self.variants[i]));
            }
        }
        eprintln!();
        Table {
            title: self.title,
            unit: self.unit,
            calls: self.calls,
            rounds: self.rounds,
            labels: self.variants.iter().map(|v| v.label()).collect(),
            baseline: self
                .variants
                .iter()
                .position(|&v| v == self.baseline)
                .expect("the baseline is one of the variants"),
            samples,
        }
    }
}

/// The rounds of one workload, printed as a markdown table.
#[derive(Debug)]
pub struct Table {
    title: String,
    unit: Unit,
    calls: usize,
    rounds: usize,
    labels: Vec<&'static str>,
    baseline: usize,
    /// Per variant, one sample per round.
    samples: Vec<Vec<Sample>>,
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = self.unit;
        let values: Vec<Vec<f64>> = self
            .samples
            .iter()
            .map(|row| row.iter().map(|s| unit.value(s, self.calls)).collect())
            .collect();
        writeln!(f, "### {}", self.title)?;
        writeln!(f)?;
        writeln!(
            f,
            "{} calls per batch, {} rounds; ratio per round: {}; baseline: {}.",
            count(self.calls),
            self.rounds,
            unit.ratio_meaning(),
            self.labels[self.baseline],
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "| variant | {} median [min..max] | ratio median [min..max] | CPU µs/call | peak threads |",
            unit.header()
        )?;
        writeln!(f, "|---|---|---|---|---|")?;
        for (i, label) in self.labels.iter().enumerate() {
            let ratios: Vec<f64> = values[i]
                .iter()
                .zip(&values[self.baseline])
                .map(|(v, b)| v / b)
                .collect();
            let cpu: Vec<f64> = self.samples[i]
                .iter()
                .map(|s| s.cpu.as_secs_f64() * 1e6 / self.calls as f64)
                .collect();
            let peak = self.samples[i].iter().map(|s| s.peak_threads).max();
            writeln!(
                f,
                "| {label} | {} | {} | {} | {} |",
                spread(&values[i], sig3),
                if i == self.baseline {
                    "1 (baseline)".to_owned()
                } else {
                    spread(&ratios, ratio)
                },
                sig3(median(&cpu)),
                peak.unwrap_or(0),
            )?;
        }
        Ok(())
    }
}

/// A count with thousands separators: `100,000`.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `median [min..max]`.
fn spread(values: &[f64], format: fn(f64) -> String) -> String {
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    format!(
        "{} [{}..{}]",
        format(median(values)),
        format(lo),
        format(hi)
    )
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        f64::midpoint(sorted[mid - 1], sorted[mid])
    }
}

/// Three significant digits, with a k or M suffix: `44.8k`, `419k`, `1.23M`, `7.62`.
fn sig3(value: f64) -> String {
    let (scaled, suffix) = match value.abs() {
        v if v >= 1e6 => (value / 1e6, "M"),
        v if v >= 1e3 => (value / 1e3, "k"),
        _ => (value, ""),
    };
    let decimals = match scaled.abs() {
        v if v >= 100.0 => 0,
        v if v >= 10.0 => 1,
        _ => 2,
    };
    format!("{scaled:.decimals$}{suffix}")
}

/// Two decimals.
fn ratio(value: f64) -> String {
    format!("{value:.2}")
}
