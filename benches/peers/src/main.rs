//! bridge next to its real peers, in one run: what issue 11's "How it is measured" asks for,
//! and what the `DESIGN.md` performance targets are checked against.
//!
//! ```text
//! cargo run --release --manifest-path benches/peers/Cargo.toml
//! cargo run --release --manifest-path benches/peers/Cargo.toml -- --quick
//! cargo run --release --manifest-path benches/peers/Cargo.toml -- --rounds 41 --pinned-only
//! ```
//!
//! Workloads, each a markdown table with one row per variant:
//! 1. SQLite point lookups (`SELECT name FROM users WHERE id = ?`, `prepare_cached`, 10,000
//!    rows, WAL, a temporary file) on one connection, from 1 and from 16 tokio tasks; baseline
//!    tokio-rusqlite. Variants: a direct sync call (the floor, not legal in async code),
//!    `Arc<Mutex<Connection>>` + `spawn_blocking`, bridge's default and thread-sensitive
//!    handles, a bridge `Pool(1)` twin over a thread-local connection, tokio-rusqlite,
//!    async-sqlite, deadpool-sqlite (pool of 1) and sqlx (pool of 1).
//! 2. Noop hops awaited in turn from a tokio worker task; baseline `spawn_blocking`.
//! 3. Saturation: 100,000 noops at once, one task each; baseline tokio-rusqlite's channel.
//! 4. 1,000 concurrent 10 ms sleeps; baseline `spawn_blocking`.
//!
//! Method: every variant of every round gets a fresh tokio runtime (multi-thread, 2 workers),
//! opens what it needs, runs an unmeasured warm-up batch (a tenth of the calls; for the sleeps
//! a whole batch), then the measured batch. Each round runs every variant once, in an order that
//! rotates from round to round. Per variant the table gives the median over rounds with the
//! [min..max], the ratio to the baseline computed per round (median [min..max]), the process's
//! CPU time (user + system, `getrusage`) per call, median over rounds, and the most threads the
//! process had during a batch (a sampler thread reads `/proc/self/status` every millisecond;
//! it counts itself, the main thread and the threads of bridge's global executors and of
//! connections still open).
//!
//! Placement: the tables are printed twice, unpinned, then pinned (every thread on CPU 0):
//! the process runs the unpinned tables, then runs itself again with `--pinned-only`, which
//! pins it before it starts any thread, so that every thread inherits the affinity.
//! `--pin` (or `BRIDGE_BENCH_PIN=1`) is the same as `--pinned-only`; `--unpinned-only` skips
//! the pinned run. Compare ratios within one run only.

#[cfg(not(target_os = "linux"))]
compile_error!("bridge-peers-bench reads /proc and sets CPU affinity: it runs on Linux only");

mod hops;
mod lookups;
mod machine;
mod measure;

use std::io::Write;
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo run --release --manifest-path benches/peers/Cargo.toml -- \
                     [--rounds N] [--quick] [--unpinned-only | --pinned-only | --pin] \
                     [--only lookups|hops|saturation|sleeps]...";

/// The workloads, by the name `--only` takes.
const WORKLOADS: [&str; 4] = ["lookups", "hops", "saturation", "sleeps"];

/// How many rounds and calls each workload runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--rounds N`: the same count for every workload instead of its default.
    rounds: Option<usize>,
    /// `--quick`: 3 rounds and smaller batches, to check that the bench works.
    quick: bool,
    /// `--only NAME` (repeatable): the workloads to run; all of them when empty.
    only: Vec<String>,
}

impl Settings {
    pub fn rounds(&self, default: usize) -> usize {
        self.rounds.unwrap_or(if self.quick { 3 } else { default })
    }

    pub fn size(&self, full: usize, quick: usize) -> usize {
        if self.quick { quick } else { full }
    }

    fn runs(&self, workload: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|only| only == workload)
    }
}

/// Which placements this process runs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Placement {
    /// Unpinned here, then pinned in a child process.
    Both,
    Unpinned,
    Pinned,
}

fn parse_args() -> Result<(Settings, Placement), String> {
    let mut settings = Settings {
        rounds: None,
        quick: false,
        only: Vec::new(),
    };
    let pin_env = std::env::var("BRIDGE_BENCH_PIN").is_ok_and(|v| v == "1");
    let mut placement = if pin_env {
        Placement::Pinned
    } else {
        Placement::Both
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => {
                let value = args.next().ok_or("--rounds needs a value")?;
                match value.parse() {
                    Ok(n) if n > 0 => settings.rounds = Some(n),
                    _ => {
                        return Err(format!(
                            "--rounds: expected a positive integer, got `{value}`"
                        ));
                    }
                }
            }
            "--quick" => settings.quick = true,
            "--only" => {
                let value = args.next().ok_or("--only needs a workload")?;
                if !WORKLOADS.contains(&value.as_str()) {
                    return Err(format!(
                        "--only: expected one of {}, got `{value}`",
                        WORKLOADS.join(", ")
                    ));
                }
                settings.only.push(value);
            }
            "--pin" | "--pinned-only" => placement = Placement::Pinned,
            "--unpinned-only" => placement = Placement::Unpinned,
            _ => return Err(format!("unknown argument `{arg}`")),
        }
    }
    Ok((settings, placement))
}

fn main() -> ExitCode {
    let (settings, placement) = match parse_args() {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("bridge-peers-bench: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // First, before any thread exists, so that all of them inherit it.
    if placement == Placement::Pinned {
        machine::pin_to_cpu0();
    }
    run(&settings, placement == Placement::Pinned);
    if placement == Placement::Both {
        std::io::stdout().flush().expect("flush stdout");
        let exe = std::env::current_exe().expect("find this executable");
        let status = Command::new(exe)
            .args(std::env::args().skip(1))
            .arg("--pinned-only")
            .status()
            .expect("run the pinned tables");
        if !status.success() {
            eprintln!("bridge-peers-bench: the pinned run failed: {status}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Prints the machine facts, then every workload's table.
fn run(settings: &Settings, pinned_here: bool) {
    let cpus = machine::allowed_cpus();
    let placement = match (pinned_here, cpus.len()) {
        (true, _) => "pinned (by --pinned-only: every thread on CPU 0)",
        (false, 1) => "pinned (by whoever started it: one CPU allowed)",
        (false, _) => "unpinned",
    };
    println!("## bridge and its peers, {placement}");
    println!();
    println!(
        "- CPUs allowed: {} of {} online; load average at start: {}",
        machine::cpu_list(&cpus),
        machine::online_cpus(),
        machine::load_average(),
    );
    println!(
        "- SQLite {} (bundled); each variant of each round on a fresh tokio multi-thread \
         runtime with 2 workers{}",
        rusqlite::version(),
        if settings.quick { "; --quick" } else { "" },
    );
    println!();
    let mut tables = Vec::new();
    if settings.runs("lookups") {
        tables.extend(lookups::run(settings));
    }
    if settings.runs("hops") {
        tables.push(hops::sequential(settings));
    }
    if settings.runs("saturation") {
        tables.push(hops::saturation(settings));
    }
    if settings.runs("sleeps") {
        tables.push(hops::sleeps(settings));
    }
    for table in tables {
        println!("{table}");
    }
    println!("load average at end: {}", machine::load_average());
    println!();
}
