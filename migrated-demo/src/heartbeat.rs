//! A heartbeat: a task that ticks on a fixed period and records how late each tick was.
//!
//! This is `other_task` from the classic asyncio example, made measurable. Run it beside some
//! async code: if that code lets the runtime breathe, the heartbeat keeps ticking on time; if
//! it blocks the runtime thread, the ticks stop and the lag grows to the length of the block.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The default heartbeat period.
pub const PERIOD: Duration = Duration::from_millis(10);

/// A running heartbeat task. Stops when [stopped](Heartbeat::stop) or dropped.
#[derive(Debug)]
pub struct Heartbeat {
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct State {
    ticks: u64,
    max_lag: Duration,
    /// When the next tick is due.
    next_due: Instant,
}

/// What a heartbeat saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pulse {
    /// Ticks that ran.
    pub ticks: u64,
    /// The latest any tick was, including a tick that is overdue but has not run yet.
    pub max_lag: Duration,
}

impl Heartbeat {
    /// Spawns a heartbeat ticking every `period` on the current tokio runtime.
    ///
    /// The first tick is due one `period` from now, whether or not the task has started.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, as [`tokio::spawn`] does.
    pub fn start(period: Duration) -> Self {
        let state = Arc::new(Mutex::new(State {
            ticks: 0,
            max_lag: Duration::ZERO,
            next_due: Instant::now() + period,
        }));
        let task = tokio::spawn(beat(Arc::clone(&state), period));
        Heartbeat { state, task }
    }

    /// What the heartbeat has seen so far.
    pub fn pulse(&self) -> Pulse {
        let state = lock(&self.state);
        // A tick that is due but has not run is late too: count its lag so far.
        let pending = Instant::now().saturating_duration_since(state.next_due);
        Pulse {
            ticks: state.ticks,
            max_lag: state.max_lag.max(pending),
        }
    }

    /// Stops the heartbeat and returns what it saw.
    pub fn stop(self) -> Pulse {
        let pulse = self.pulse();
        self.task.abort();
        pulse
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn beat(state: Arc<Mutex<State>>, period: Duration) {
    loop {
        let due = lock(&state).next_due;
        tokio::time::sleep_until(due).await;
        let now = Instant::now();
        let mut state = lock(&state);
        state.ticks += 1;
        state.max_lag = state.max_lag.max(now - due);
        // Like `sleep(period)` in a loop: a late tick does not make the next ones hurry.
        state.next_due = now + period;
    }
}

/// The state is plain counters, valid even if a holder panicked.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The outcome of [`measure`]: the future's output and what a heartbeat saw while it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured<T> {
    /// What the future returned.
    pub output: T,
    /// How long the future took, from its first poll to its completion.
    pub wall: Duration,
    /// Heartbeat ticks that ran while the future was running.
    pub ticks: u64,
    /// The latest any heartbeat tick was while the future was running.
    pub max_lag: Duration,
}

/// Runs `fut` to completion beside a heartbeat ticking every `period`, on the current tokio
/// runtime.
pub async fn measure<F: Future>(period: Duration, fut: F) -> Measured<F::Output> {
    let heartbeat = Heartbeat::start(period);
    let started = Instant::now();
    let output = fut.await;
    let wall = started.elapsed();
    let Pulse { ticks, max_lag } = heartbeat.stop();
    Measured {
        output,
        wall,
        ticks,
        max_lag,
    }
}
