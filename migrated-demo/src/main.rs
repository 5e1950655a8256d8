//! The smallest honest demo of phase 1.
//!
//! Builds the same user report twice on a `current_thread` tokio runtime, each time beside a
//! heartbeat task that ticks every 10 ms:
//!
//! 1. naive: the legacy sync pipeline called inside an `async fn` (the anti-pattern);
//! 2. phase 1: an `async fn` awaiting the `#[sync_to_async]` twin once per user.
//!
//! and prints, for each, the wall time, how many heartbeat ticks ran, how late the latest tick
//! was, and the results.
//!
//! ```text
//! cargo run --release -p migrated-demo
//! cargo run --release -p migrated-demo -- --users 20 --latency-ms 25
//! ```

use std::process::ExitCode;
use std::time::Duration;

use legacy_demo::{ProfileApi, Report};
use migrated_demo::heartbeat::{self, Measured, PERIOD};
use migrated_demo::{naive, phase1};

const USAGE: &str = "\
usage: migrated-demo [--users N] [--latency-ms L]

Builds a report of N users twice on a current_thread tokio runtime, beside a heartbeat
task ticking every 10 ms: once calling the legacy sync code inside an async fn, once
awaiting its #[sync_to_async] twin. Prints what the heartbeat saw and the results.

options:
  --users N        users in the report, 1 to 1000 (default 8)
  --latency-ms L   how long each profile request blocks, 0 to 1000 ms (default 50)
  -h, --help       print this help";

const MAX_USERS: u64 = 1_000;
const MAX_LATENCY_MS: u64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Options {
    users: u64,
    latency_ms: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            users: 8,
            latency_ms: 50,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Run(Options),
    Help,
}

/// Parses `--users N`, `--latency-ms L` (also `--flag=value`) and `-h`/`--help`.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let (slot, range) = match flag.as_str() {
            "-h" | "--help" if inline.is_none() => return Ok(Command::Help),
            "--users" => (&mut options.users, 1..=MAX_USERS),
            "--latency-ms" => (&mut options.latency_ms, 0..=MAX_LATENCY_MS),
            _ => return Err(format!("unknown argument `{flag}`")),
        };
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("`{flag}` needs a value"))?;
        *slot = match value.parse::<u64>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                return Err(format!(
                    "`{flag}` must be a whole number from {} to {}, got `{value}`",
                    range.start(),
                    range.end()
                ));
            }
        };
    }
    Ok(Command::Run(options))
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("migrated-demo: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("migrated-demo: cannot start a tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(demo(options))
}

async fn demo(options: Options) -> ExitCode {
    let api = ProfileApi::new(Duration::from_millis(options.latency_ms));
    let ids: Vec<u64> = (1..=options.users).collect();

    println!(
        "user report of {}, each profile request blocking for {} ms\n\
         on a current_thread tokio runtime, beside a heartbeat task ticking every {} ms",
        users(options.users),
        options.latency_ms,
        PERIOD.as_millis(),
    );

    println!();
    println!("naive: legacy_demo::run_report called inside an async fn (the anti-pattern)");
    let naive = heartbeat::measure(PERIOD, naive::run_report(&api, &ids)).await;
    print_measured(&naive);

    println!();
    println!("phase 1: phase1::run_report awaiting fetch_profile_async once per user");
    let phase1 = heartbeat::measure(PERIOD, phase1::run_report(&api, &ids)).await;
    print_measured(&phase1);

    println!();
    if naive.output == phase1.output {
        println!("results identical: yes");
        ExitCode::SUCCESS
    } else {
        println!("results identical: NO (this is a bug in bridge)");
        ExitCode::FAILURE
    }
}

fn print_measured(measured: &Measured<Report>) {
    // Heartbeat ticks cannot come more often than once per period.
    let possible = measured.wall.as_nanos() / PERIOD.as_nanos();
    println!("  wall time          {}", millis(measured.wall));
    println!(
        "  heartbeat ticks    {} (at most {possible} fit in the wall time)",
        measured.ticks
    );
    println!("  heartbeat max lag  {}", millis(measured.max_lag));
    println!("  results            {}", summary(&measured.output));
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

/// `1 user` or `8 users`.
fn users(n: u64) -> String {
    format!("{n} user{}", if n == 1 { "" } else { "s" })
}

/// `8 users, 44 orders: #1 Grace (7), #2 Edsger (1), #3 Barbara (8), #4 Ken (2), and 4 more`
fn summary(report: &Report) -> String {
    const SHOWN: usize = 4;
    let mut line = format!(
        "{}, {} orders:",
        users(report.profiles.len() as u64),
        report.total_orders
    );
    for p in report.profiles.iter().take(SHOWN) {
        line.push_str(&format!(" #{} {} ({}),", p.id, p.name, p.orders));
    }
    match report.profiles.len().checked_sub(SHOWN) {
        Some(0) | None => {
            line.pop();
        }
        Some(more) => line.push_str(&format!(" and {more} more")),
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn defaults_and_flags() {
        assert_eq!(parse(&[]), Ok(Command::Run(Options::default())));
        assert_eq!(
            parse(&["--users", "3", "--latency-ms=0"]),
            Ok(Command::Run(Options {
                users: 3,
                latency_ms: 0
            }))
        );
        assert_eq!(parse(&["--users", "2", "-h"]), Ok(Command::Help));
    }

    #[test]
    fn bad_flags_are_errors_not_panics() {
        for bad in [
            &["--users"][..],
            &["--users", "0"],
            &["--users", "-1"],
            &["--users", "1001"],
            &["--latency-ms", "fast"],
            &["--latency-ms", "1001"],
            &["--verbose"],
            &["--help=yes"],
            &["8"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn summary_is_short() {
        let api = ProfileApi::new(Duration::ZERO);
        let one = legacy_demo::run_report(&api, &[1]);
        assert_eq!(
            summary(&one),
            format!("1 user, {} orders: #1 Grace (7)", one.total_orders)
        );
        let many = legacy_demo::run_report(&api, &[1, 2, 3, 4, 5, 6]);
        assert!(
            summary(&many).ends_with(", and 2 more"),
            "{}",
            summary(&many)
        );
    }
}
