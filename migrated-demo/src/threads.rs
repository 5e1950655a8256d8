//! What a variant costs the process: how many threads it runs (sampled every millisecond by a
//! thread of its own) and how much CPU time it uses.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Samples the process's thread count until stopped.
#[derive(Debug)]
pub struct ThreadSampler {
    stop: Arc<AtomicBool>,
    sampler: JoinHandle<Option<usize>>,
}

impl ThreadSampler {
    /// Starts sampling.
    pub fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let sampler = std::thread::spawn(move || {
            let mut peak = None;
            while !flag.load(Ordering::SeqCst) {
                peak = peak.max(threads_now());
                std::thread::sleep(Duration::from_millis(1));
            }
            peak
        });
        ThreadSampler { stop, sampler }
    }

    /// Stops sampling and returns the most threads seen, the sampler's own included; `None`
    /// where the operating system does not report a thread count.
    pub fn stop(self) -> Option<usize> {
        self.stop.store(true, Ordering::SeqCst);
        self.sampler.join().unwrap_or(None)
    }
}

/// The process's thread count, from `/proc/self/status` (Linux).
fn threads_now() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|count| count.trim().parse().ok())
}

/// The CPU time (user and system) the whole process has used so far, every thread included;
/// `None` where the operating system does not say.
pub fn cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        // SAFETY: `rusage` is plain data, for which all zeroes is a valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `usage` is a valid, writable `rusage` for the call to fill.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
            return None;
        }
        let time = |t: libc::timeval| {
            Duration::from_secs(u64::try_from(t.tv_sec).ok()?)
                .checked_add(Duration::from_micros(u64::try_from(t.tv_usec).ok()?))
        };
        time(usage.ru_utime)?.checked_add(time(usage.ru_stime)?)
    }
    #[cfg(not(unix))]
    {
        None
    }
}
