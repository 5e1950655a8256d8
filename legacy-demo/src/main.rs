//! The legacy binary: builds the user report the blocking way, one user after the other.
//!
//! It calls only sync fns, from a plain thread: the attributes in this crate (`#[sync_to_async]`
//! and `#[sync_only]`) add twins and guards, they do not touch the fns or their callers.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use legacy_demo::{ProfileApi, ProfileService, Workspace, run_report};

fn main() -> ExitCode {
    let (users, latency) = (20, Duration::from_millis(50));
    match run(users, latency) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("legacy-demo: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(users: u64, latency: Duration) -> Result<(), Box<dyn std::error::Error>> {
    let service = ProfileService::start(latency)?;
    let ids: Vec<u64> = (1..=users).collect();
    let workspace = Workspace::create(ProfileApi::new(service.base_url()), &ids, 200)?;
    let started = Instant::now();
    // A counter redrawn in place on a terminal; nothing in a pipe or a log file.
    let terminal = std::io::stderr().is_terminal();
    let report = run_report(&workspace.job, &ids, |id| {
        if terminal {
            eprint!("\ruser {id}/{users}");
        }
    })?;
    if terminal {
        eprintln!();
    }
    println!("{report}");
    println!(
        "{users} users in {:.0} ms, one after the other ({} ms per profile request); \
         the service saw at most {} request at once",
        started.elapsed().as_secs_f64() * 1e3,
        latency.as_millis(),
        service.peak_concurrency(),
    );
    Ok(())
}
