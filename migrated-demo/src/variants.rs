//! Running each variant of the report on the same data, and measuring what changed.

use std::fmt;
use std::time::{Duration, Instant};

use legacy_demo::{Error, ProfileApi, ProfileService, Report, Workspace};

use crate::heartbeat::{self, PERIOD};
use crate::threads::{ThreadSampler, cpu_time};
use crate::{naive, phase1, phase2, phase3};

/// One way of building the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The legacy sync pipeline on a plain thread, no runtime.
    Legacy,
    /// The legacy pipeline called inside an `async fn`: the anti-pattern.
    Naive,
    /// Phase 1, wrapper: the twins `#[sync_to_async]` added, awaited one by one.
    Phase1,
    /// Phase 2, caller migration: the callers run users concurrently, with a limit.
    Phase2,
    /// Phase 3, native async: HTTP and files native, the hash on a pool sized to the cores,
    /// the database writes on one writer thread.
    Phase3,
}

impl Variant {
    /// Every variant, in the order the demo runs them.
    pub const ALL: [Variant; 5] = [
        Variant::Legacy,
        Variant::Naive,
        Variant::Phase1,
        Variant::Phase2,
        Variant::Phase3,
    ];
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Variant::Legacy => "legacy (sync)",
            Variant::Naive => "anti-pattern (sync in async)",
            Variant::Phase1 => "phase 1: wrapper",
            Variant::Phase2 => "phase 2: caller migration",
            Variant::Phase3 => "phase 3: native async",
        })
    }
}

/// What one run of a variant did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The variant.
    pub variant: Variant,
    /// The report it built.
    pub report: Report,
    /// Its wall time.
    pub wall: Duration,
    /// The worst lag of a heartbeat ticking every 10 ms on the same runtime; `None` for the
    /// legacy run, which has no runtime.
    pub heartbeat_lag: Option<Duration>,
    /// The most requests the profile service served at once.
    pub peak_requests: usize,
    /// The most threads the process had at once (`None` where the OS does not say).
    pub peak_threads: Option<usize>,
    /// The CPU time the process used during the run, every thread included (the profile
    /// service's too); `None` where the OS does not say.
    pub cpu: Option<Duration>,
}

/// How a run is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Users in the report.
    pub users: u64,
    /// How many users phase 2 runs at once, and how many profile requests phase 3 has in
    /// flight at once.
    pub concurrency: usize,
    /// How many times each avatar is hashed.
    pub hash_rounds: u32,
}

/// Runs `variant` on fresh data (a new database and new avatars) against `service`.
///
/// `progress` is told how many users' profiles the service has served so far, for a progress
/// bar: after each user of the legacy run, and every 50 ms from a task on the runtime of an
/// async variant (where the anti-pattern freezes it, as it freezes every other task).
///
/// # Errors
///
/// Whatever the variant's pipeline returns.
pub fn run(
    variant: Variant,
    service: &ProfileService,
    settings: Settings,
    mut progress: impl FnMut(u64),
) -> Result<Outcome, Error> {
    let ids: Vec<u64> = (1..=settings.users).collect();
    let workspace = Workspace::create(
        ProfileApi::new(service.base_url()),
        &ids,
        settings.hash_rounds,
    )?;
    let job = &workspace.job;
    service.reset();
    let threads = ThreadSampler::start();
    let cpu_before = cpu_time();
    let started = Instant::now();
    let (report, heartbeat_lag) = match variant {
        Variant::Legacy => (
            legacy_demo::run_report(job, &ids, |_| progress(service.served()))?,
            None,
        ),
        async_variant => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let work = async {
                match async_variant {
                    Variant::Naive => naive::run_report(job, &ids).await,
                    Variant::Phase1 => phase1::run_report(job, &ids).await,
                    Variant::Phase2 => phase2::run_report(job, &ids, settings.concurrency).await,
                    _ => {
                        let client = phase3::ProfileClient::new(service.base_url());
                        phase3::run_report(&client, job, &ids, settings.concurrency).await
                    }
                }
            };
            let poll_progress = async {
                loop {
                    progress(service.served());
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            };
            let measured = runtime.block_on(heartbeat::measure(PERIOD, async {
                tokio::select! {
                    biased;
                    output = work => output,
                    () = poll_progress => unreachable!("the progress loop never ends"),
                }
            }));
            (measured.output?, Some(measured.max_lag))
        }
    };
    let wall = started.elapsed();
    let cpu = cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    Ok(Outcome {
        variant,
        report,
        wall,
        heartbeat_lag,
        peak_requests: service.peak_concurrency(),
        peak_threads: threads.stop(),
        cpu,
    })
}
