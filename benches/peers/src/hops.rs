//! Workloads 2 to 4, on calls that do (almost) nothing but hop: sequential noop round trips,
//! 100,000 concurrent noops, and 1,000 concurrent 10 ms sleeps.

use std::sync::LazyLock;
use std::time::Duration;

use bridge_runtime::{Pool, sync_to_async};

use crate::Settings;
use crate::measure::{self, Probe, Sample, Table, Unit, Workload};

#[sync_to_async]
fn noop() {}

static POOL: LazyLock<Pool> = LazyLock::new(|| Pool::new("noops", 4));

#[sync_to_async(executor = POOL)]
fn pooled_noop() {}

#[sync_to_async(thread_sensitive)]
fn sensitive_noop() {}

#[sync_to_async]
fn sleep_10ms() {
    std::thread::sleep(Duration::from_millis(10));
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Hop {
    SpawnBlocking,
    Twin,
    PoolTwin,
    SensitiveTwin,
    Unblock,
    TokioRusqlite,
    ToThread,
}

impl measure::Variant for Hop {
    fn label(self) -> &'static str {
        match self {
            Hop::SpawnBlocking => "tokio `spawn_blocking`",
            Hop::Twin => "bridge default `#[sync_to_async]` twin",
            Hop::PoolTwin => "bridge `Pool(4)` twin",
            Hop::SensitiveTwin => "bridge thread-sensitive twin",
            Hop::Unblock => "`blocking::unblock`",
            Hop::TokioRusqlite => "tokio-rusqlite `call` (its channel)",
            Hop::ToThread => "`bridge_runtime::to_thread`",
        }
    }
}

/// A way to run a noop elsewhere; tokio-rusqlite's holds an in-memory connection.
#[derive(Clone)]
enum Caller {
    SpawnBlocking,
    Twin,
    PoolTwin,
    SensitiveTwin,
    Unblock,
    TokioRusqlite(tokio_rusqlite::Connection),
    ToThread,
}

impl Caller {
    async fn open(hop: Hop) -> Caller {
        match hop {
            Hop::SpawnBlocking => Caller::SpawnBlocking,
            Hop::Twin => Caller::Twin,
            Hop::PoolTwin => Caller::PoolTwin,
            Hop::SensitiveTwin => Caller::SensitiveTwin,
            Hop::Unblock => Caller::Unblock,
            Hop::TokioRusqlite => Caller::TokioRusqlite(
                tokio_rusqlite::Connection::open_in_memory()
                    .await
                    .expect("open tokio-rusqlite"),
            ),
            Hop::ToThread => Caller::ToThread,
        }
    }

    async fn noop(&self) {
        match self {
            Caller::SpawnBlocking => tokio::task::spawn_blocking(noop).await.expect("noop"),
            Caller::Twin => noop_async().await,
            Caller::PoolTwin => pooled_noop_async().await,
            Caller::SensitiveTwin => sensitive_noop_async().await,
            Caller::Unblock => blocking::unblock(noop).await,
            Caller::TokioRusqlite(conn) => conn
                .call(|_| Ok::<_, rusqlite::Error>(()))
                .await
                .expect("noop"),
            Caller::ToThread => bridge_runtime::to_thread(noop).await,
        }
    }

    async fn close(self) {
        if let Caller::TokioRusqlite(conn) = self {
            conn.close().await.expect("close tokio-rusqlite");
        }
    }
}

/// Workload 2: noop round trips awaited in turn by one tokio worker task.
pub fn sequential(settings: &Settings) -> Table {
    const VARIANTS: [Hop; 7] = [
        Hop::SpawnBlocking,
        Hop::Twin,
        Hop::PoolTwin,
        Hop::SensitiveTwin,
        Hop::Unblock,
        Hop::TokioRusqlite,
        Hop::ToThread,
    ];
    let calls = settings.size(5_000, 500);
    Workload {
        title: "Noop hop from a tokio worker task, sequential".to_owned(),
        unit: Unit::MicrosPerCall,
        calls,
        rounds: settings.rounds(21),
        variants: &VARIANTS,
        baseline: Hop::SpawnBlocking,
    }
    .run(|hop| {
        batch(hop, calls / 10, calls, |caller, calls| async move {
            tokio::spawn(async move {
                for _ in 0..calls {
                    caller.noop().await;
                }
            })
            .await
            .expect("the caller panicked");
        })
    })
}

/// Workload 3: as many noops at once as there are calls, one tokio task each.
pub fn saturation(settings: &Settings) -> Table {
    const VARIANTS: [Hop; 5] = [
        Hop::TokioRusqlite,
        Hop::PoolTwin,
        Hop::SensitiveTwin,
        Hop::Twin,
        Hop::SpawnBlocking,
    ];
    let calls = settings.size(100_000, 10_000);
    Workload {
        title: format!("Saturation: {} concurrent noops", measure::count(calls)),
        unit: Unit::OpsPerSec,
        calls,
        rounds: settings.rounds(7),
        variants: &VARIANTS,
        baseline: Hop::TokioRusqlite,
    }
    .run(|hop| {
        batch(hop, calls / 10, calls, |caller, calls| async move {
            // Spawned from a worker task, as an async server would.
            tokio::spawn(async move {
                let tasks: Vec<_> = (0..calls)
                    .map(|_| {
                        let caller = caller.clone();
                        tokio::spawn(async move { caller.noop().await })
                    })
                    .collect();
                for task in tasks {
                    task.await.expect("a caller panicked");
                }
            })
            .await
            .expect("the spawner panicked");
        })
    })
}

/// One variant's batch on a fresh runtime: a warm-up of `warmup` calls, then `calls` measured.
fn batch<F, Fut>(hop: Hop, warmup: usize, calls: usize, drive: F) -> Sample
where
    F: Fn(Caller, usize) -> Fut,
    Fut: Future<Output = ()>,
{
    measure::runtime().block_on(async {
        let caller = Caller::open(hop).await;
        drive(caller.clone(), warmup).await;
        let probe = Probe::start();
        drive(caller.clone(), calls).await;
        let sample = probe.stop();
        caller.close().await;
        sample
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Sleep {
    SpawnBlocking,
    Twin,
    ToThread,
}

impl measure::Variant for Sleep {
    fn label(self) -> &'static str {
        match self {
            Sleep::SpawnBlocking => "tokio `spawn_blocking`",
            Sleep::Twin => "bridge default `#[sync_to_async]` twin",
            Sleep::ToThread => "`bridge_runtime::to_thread`",
        }
    }
}

impl Sleep {
    async fn sleep(self) {
        match self {
            Sleep::SpawnBlocking => tokio::task::spawn_blocking(sleep_10ms)
                .await
                .expect("sleep"),
            Sleep::Twin => sleep_10ms_async().await,
            Sleep::ToThread => bridge_runtime::to_thread(sleep_10ms).await,
        }
    }
}

/// Workload 4: 1,000 concurrent 10 ms sleeps, after one unmeasured batch of the same.
pub fn sleeps(settings: &Settings) -> Table {
    const VARIANTS: [Sleep; 3] = [Sleep::SpawnBlocking, Sleep::Twin, Sleep::ToThread];
    const CALLS: usize = 1_000;
    Workload {
        title: format!("{} concurrent 10 ms sleeps", measure::count(CALLS)),
        unit: Unit::WallMillis,
        calls: CALLS,
        rounds: settings.rounds(7),
        variants: &VARIANTS,
        baseline: Sleep::SpawnBlocking,
    }
    .run(|variant| {
        let all_at_once = || async {
            tokio::spawn(async move {
                let tasks: Vec<_> = (0..CALLS).map(|_| tokio::spawn(variant.sleep())).collect();
                for task in tasks {
                    task.await.expect("a sleeper panicked");
                }
            })
            .await
            .expect("the spawner panicked");
        };
        measure::runtime().block_on(async {
            all_at_once().await;
            let probe = Probe::start();
            all_at_once().await;
            probe.stop()
        })
    })
}
