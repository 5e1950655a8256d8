//! The migration demo: builds the same user report with the legacy code, the anti-pattern and
//! each migrated phase, against a real HTTP service and a real SQLite database, and prints what
//! changed.
//!
//! ```text
//! cargo run --release -p migrated-demo -- --users 40 --latency-ms 50 --concurrency 16
//! ```

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use legacy_demo::ProfileService;
use migrated_demo::variants::{self, Outcome, Settings, Variant};

const USAGE: &str = "\
usage: migrated-demo [--users N] [--latency-ms L] [--concurrency C]

Builds a report of N users (profile over HTTP, avatar from a file, a CPU-heavy hash, a row
in SQLite) with the legacy sync code, with the anti-pattern (sync calls inside async code),
and with each migrated phase, all on the same data. Prints, per variant: wall time, speedup
over legacy, the worst lag of a heartbeat ticking every 10 ms, the most requests the
service saw at once, the most threads, the CPU time, and the report's digest, which must be
the same in every row. A progress bar shows on stderr when it is a terminal.

options:
  --users N         users in the report, 1 to 1000 (default 40)
  --latency-ms L    profile service latency, 0 to 1000 ms (default 50)
  --concurrency C   users phase 2 runs at once, and profile requests phase 3 has
                    in flight at once, 1 to 256 (default 16)
  -h, --help        print this help";

/// The demo's options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Options {
    users: u64,
    latency_ms: u64,
    concurrency: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            users: 40,
            latency_ms: 50,
            concurrency: 16,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Run(Options),
    Help,
}

/// Parses `--users N`, `--latency-ms L`, `--concurrency C` (also `--flag=value`) and
/// `-h`/`--help`.
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
            "--users" => (&mut options.users, 1..=1_000),
            "--latency-ms" => (&mut options.latency_ms, 0..=1_000),
            "--concurrency" => (&mut options.concurrency, 1..=256),
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
    match demo(options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("migrated-demo: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every variant and prints the table; returns whether every digest matched.
fn demo(options: Options) -> Result<bool, Box<dyn std::error::Error>> {
    let service = ProfileService::start(Duration::from_millis(options.latency_ms))?;
    let settings = Settings {
        users: options.users,
        concurrency: usize::try_from(options.concurrency)?,
        hash_rounds: 200,
    };
    println!(
        "user report of {} users: profile over HTTP ({} ms per request, served at {}), avatar file, \
         {} rounds of SHA-256, one SQLite transaction per user",
        options.users,
        options.latency_ms,
        service.base_url(),
        settings.hash_rounds,
    );
    let mut outcomes = Vec::new();
    for variant in Variant::ALL {
        let bar = progress_bar(variant, options.users);
        let outcome = variants::run(variant, &service, settings, |served| {
            bar.set_position(served);
        })?;
        bar.finish_and_clear();
        eprintln!("{variant}: {:.0} ms", outcome.wall.as_secs_f64() * 1e3);
        outcomes.push(outcome);
    }
    println!();
    print_table(&outcomes);
    println!(
        "\nwhere the migrated variants' bridged calls spent their time (bridge_runtime::metrics):\n{}",
        bridge_runtime::metrics::report()
    );
    let digest = &outcomes[0].report.digest;
    let same = outcomes
        .iter()
        .all(|outcome| &outcome.report.digest == digest);
    println!(
        "\n{}",
        if same {
            format!(
                "every variant built the same report ({})",
                outcomes[0].report
            )
        } else {
            "THE REPORTS DIFFER: the migration changed the results".to_owned()
        }
    );
    Ok(same)
}

/// The progress bar of one variant, on stderr, hidden when stderr is not a terminal (a log
/// file or a CI log gets the one line per variant and no frames). It counts the profiles the
/// service has served, and draws from the thread that runs the variant (no ticker thread, so it
/// adds nothing to the thread counts): the anti-pattern, which blocks its runtime, freezes it.
fn progress_bar(variant: Variant, users: u64) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(users), target);
    bar.set_style(
        ProgressStyle::with_template("{prefix:<31} [{bar:30}] {pos}/{len} users {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("#> "),
    );
    bar.set_prefix(variant.to_string());
    bar.tick();
    bar
}

fn print_table(outcomes: &[Outcome]) {
    let legacy = outcomes[0].wall.as_secs_f64();
    println!(
        "{:<28} {:>9} {:>8} {:>14} {:>14} {:>12} {:>9} {:>17}",
        "variant",
        "wall",
        "speedup",
        "heartbeat lag",
        "peak requests",
        "peak threads",
        "CPU time",
        "report digest"
    );
    for outcome in outcomes {
        let lag = outcome.heartbeat_lag.map_or("-".to_owned(), millis);
        let threads = outcome
            .peak_threads
            .map_or("?".to_owned(), |n| n.to_string());
        let cpu = outcome.cpu.map_or("?".to_owned(), millis);
        println!(
            "{:<28} {:>9} {:>7.1}x {:>14} {:>14} {:>12} {:>9} {:>17}",
            outcome.variant.to_string(),
            millis(outcome.wall),
            legacy / outcome.wall.as_secs_f64(),
            lag,
            outcome.peak_requests,
            threads,
            cpu,
            outcome.report.digest,
        );
    }
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn defaults_and_flags() {
        assert_eq!(parse(&[]), Ok(Command::Run(Options::default())));
        assert_eq!(
            parse(&["--users", "3", "--latency-ms=0", "--concurrency", "2"]),
            Ok(Command::Run(Options {
                users: 3,
                latency_ms: 0,
                concurrency: 2
            }))
        );
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
    }

    #[test]
    fn bad_flags_are_errors_not_panics() {
        for args in [
            &["--users", "0"][..],
            &["--users"],
            &["--latency-ms", "x"],
            &["--concurrency", "999"],
            &["--bogus"],
        ] {
            assert!(parse(args).is_err(), "{args:?}");
        }
    }
}
