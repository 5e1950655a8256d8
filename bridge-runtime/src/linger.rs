//! Lingering: waiting a moment for work, yielding the CPU, before going to sleep. It is cheaper
//! than a park and a wake when the work comes within microseconds, as the next call of a caller
//! making calls back to back does.

use std::time::{Duration, Instant};

/// How long an executor thread that has run out of work keeps looking for more before it parks.
pub(crate) const IDLE: Duration = Duration::from_micros(50);

/// How often a caller whose call will start at once checks for the result before it parks.
pub(crate) const REPLY_YIELDS: usize = 3;

/// Yields the CPU until `ready` holds or `budget` has passed; returns whether it held.
///
/// It yields rather than spins, so that on a busy or single CPU the thread that will make
/// `ready` true can run.
pub(crate) fn yield_until(budget: Duration, ready: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if ready() {
            return true;
        }
        if start.elapsed() >= budget {
            return false;
        }
        std::thread::yield_now();
    }
}
