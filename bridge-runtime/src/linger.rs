//! Lingering: waiting a moment for work, yielding the CPU, before going to sleep. It is cheaper
//! than a park and a wake when the work comes within microseconds, as the next call of a caller
//! making calls back to back does.

use std::num::NonZeroUsize;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long an executor thread that has run out of work keeps looking for more before it parks.
pub(crate) const IDLE: Duration = Duration::from_micros(50);

/// How often a caller whose call will start at once checks for the result before it parks.
pub(crate) const REPLY_YIELDS: usize = 3;

/// A yield that keeps the thread off the CPU longer than this means that other work had it: the
/// machine is busy.
const CONTENDED_YIELD: Duration = Duration::from_micros(500);

/// After a contended yield, no thread lingers or looks for a reply for this long.
const BACK_OFF: Duration = Duration::from_millis(20);

/// Until when lingering is off, in nanoseconds since [`epoch`].
static BACKING_OFF_UNTIL: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);
    *EPOCH
}

fn nanos_since_epoch() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Whether a recent yield found the machine busy: lingering would then cost more than it
/// saves, since each yield may hand the CPU to other work for a whole time slice while callers
/// count on the lingering thread to take their calls.
pub(crate) fn backing_off() -> bool {
    nanos_since_epoch() < BACKING_OFF_UNTIL.load(Ordering::Relaxed)
}

/// Yields the CPU once, and turns lingering off for a while if the yield took long.
pub(crate) fn yield_now() {
    let before = Instant::now();
    std::thread::yield_now();
    if before.elapsed() > CONTENDED_YIELD {
        let until = nanos_since_epoch().saturating_add(BACK_OFF.as_nanos() as u64);
        BACKING_OFF_UNTIL.fetch_max(until, Ordering::Relaxed);
    }
}

/// Yields the CPU until `ready` holds or `budget` has passed; returns whether it held.
///
/// It yields rather than spins, so that on a busy or single CPU the thread that will make
/// `ready` true can run. While the machine is busy ([`backing_off`]), it only checks once.
pub(crate) fn yield_until(budget: Duration, ready: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if ready() {
            return true;
        }
        if backing_off() || start.elapsed() >= budget {
            return false;
        }
        yield_now();
    }
}

/// Lingers as [`yield_until`] does, unless as many threads of the same executor (counted in
/// `lingering`) linger already as there are CPUs to run them: another could take a call no
/// sooner, and would only burn a CPU while it looked. Returns whether `ready` held.
///
/// `lingering` counts this thread while it looks, so that a caller that sees it there may count
/// on it to take its call; a thread that gives up must check for work once more afterwards.
pub(crate) fn linger(lingering: &AtomicUsize, ready: impl Fn() -> bool) -> bool {
    let others = lingering.fetch_add(1, Ordering::SeqCst);
    let found = others < cpus() && yield_until(IDLE, ready);
    lingering.fetch_sub(1, Ordering::SeqCst);
    found
}

/// The CPUs this process may run on.
fn cpus() -> usize {
    static CPUS: LazyLock<usize> =
        LazyLock::new(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get));
    *CPUS
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    /// While the machine is busy, a thread looks once and gives up instead of yielding: each
    /// yield could hand the CPU to other work for a whole time slice.
    #[test]
    fn a_busy_machine_turns_lingering_off_for_a_while() {
        let looks = AtomicUsize::new(0);
        let saved = super::BACKING_OFF_UNTIL.load(Ordering::SeqCst);
        let far = super::nanos_since_epoch() + Duration::from_secs(60).as_nanos() as u64;
        super::BACKING_OFF_UNTIL.store(far, Ordering::SeqCst);
        let started = Instant::now();
        let found = super::yield_until(Duration::from_secs(5), || {
            looks.fetch_add(1, Ordering::SeqCst);
            false
        });
        super::BACKING_OFF_UNTIL.store(saved, Ordering::SeqCst);
        assert!(!found);
        assert_eq!(looks.load(Ordering::SeqCst), 1);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    /// No more threads linger at once than there are CPUs; the others give up at once.
    #[test]
    fn at_most_one_thread_per_cpu_lingers() {
        let extra = 3;
        let threads = super::cpus() + extra;
        let lingering = Arc::new(AtomicUsize::new(0));
        let (looking, gave_up) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let release = Arc::new(AtomicBool::new(false));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (lingering, looking, gave_up, release) = (
                    Arc::clone(&lingering),
                    Arc::clone(&looking),
                    Arc::clone(&gave_up),
                    Arc::clone(&release),
                );
                std::thread::spawn(move || {
                    let found = super::linger(&lingering, || {
                        // A thread that lingers stays here, still counted, until released.
                        looking.fetch_add(1, Ordering::SeqCst);
                        while !release.load(Ordering::SeqCst) {
                            std::thread::yield_now();
                        }
                        true
                    });
                    if !found {
                        gave_up.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(20);
        while looking.load(Ordering::SeqCst) + gave_up.load(Ordering::SeqCst) < threads {
            assert!(Instant::now() < deadline, "the threads never settled");
            std::thread::yield_now();
        }
        assert_eq!(looking.load(Ordering::SeqCst), super::cpus());
        assert_eq!(gave_up.load(Ordering::SeqCst), extra);
        release.store(true, Ordering::SeqCst);
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(lingering.load(Ordering::SeqCst), 0);
    }
}
