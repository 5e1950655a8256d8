//! [`Serial`]: the calls of one object, run one after the other by whichever thread has its
//! turn, so that a busy object is never idle while calls wait for it.
//!
//! A default handle's calls each need the whole object. Instead of each waiting for a lock and
//! then for a thread of its own (two cross-thread wake-ups per call, and a thread idling on the
//! lock for every waiting caller), the first call of an idle object takes the *turn* and is
//! handed to an executor as a *drain*; calls made while the turn is taken queue behind it, and
//! the drain runs them back to back on its thread until none is left. An idle object holds no
//! thread.
//!
//! A drain handed to a thread blocked in `block_on` (a call of that thread's own chain) runs
//! only that call there: the calls queued behind it belong to other callers, which must not run
//! nested on that thread's stack, so the turn goes on in a drain on the executor.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::executor::{Executor, Job};

/// The calls waiting for one object, and whether a drain has the turn.
#[derive(Default)]
pub(crate) struct Serial {
    state: Mutex<State>,
    /// Sync callers (`blocking_read`, `blocking_write`) that wait for or hold the object: a
    /// drain lets them have it before its next call, so they are not starved by a busy queue.
    sync: AtomicUsize,
    sync_lock: Mutex<()>,
    /// Signalled when the last of them is done.
    sync_done: Condvar,
}

#[derive(Default)]
struct State {
    queued: VecDeque<Job>,
    /// A drain has the turn: it will run what is queued.
    turn_taken: bool,
}

impl Serial {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Jobs never run under the lock, so a poisoned lock still holds a consistent queue.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `job` if a drain has the turn, which will run it. Otherwise the turn is the
    /// caller's: `job` comes back, to be handed over in a [`Drain`].
    pub(crate) fn enqueue(&self, job: Job) -> Option<Job> {
        let mut state = self.lock();
        if state.turn_taken {
            state.queued.push_back(job);
            None
        } else {
            state.turn_taken = true;
            Some(job)
        }
    }

    /// Runs `job` once no sync caller wants the object: sync callers waiting for it get it
    /// before the next call takes it again, and a call whose caller has gone while it waited
    /// runs nothing.
    fn run(&self, job: Job) {
        if self.sync.load(Ordering::SeqCst) > 0 {
            let mut lock = self
                .sync_lock
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            while self.sync.load(Ordering::SeqCst) > 0 {
                lock = self
                    .sync_done
                    .wait(lock)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
        job.run();
    }

    /// Takes the calls queued since the last batch into `batch` (one lock for all of them,
    /// rather than one per call fought over with the callers queueing more); with none, gives up
    /// the turn and returns `false`.
    fn next_batch(&self, batch: &mut VecDeque<Job>) -> bool {
        let mut state = self.lock();
        std::mem::swap(&mut state.queued, batch);
        if batch.is_empty() {
            state.turn_taken = false;
            false
        } else {
            true
        }
    }

    /// Counts a sync caller that waits for or holds the object, until the returned value is
    /// dropped: calls wait for it.
    pub(crate) fn sync_turn(&self) -> SyncTurn<'_> {
        self.sync.fetch_add(1, Ordering::SeqCst);
        SyncTurn(self)
    }
}

impl fmt::Debug for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Serial")
            .field("queued", &state.queued.len())
            .field("turn_taken", &state.turn_taken)
            .finish()
    }
}

/// A sync caller that waits for or holds the object; see [`Serial::sync_turn`].
pub(crate) struct SyncTurn<'a>(&'a Serial);

impl Drop for SyncTurn<'_> {
    fn drop(&mut self) {
        let serial = self.0;
        if serial.sync.fetch_sub(1, Ordering::SeqCst) == 1 {
            // Under the lock, so that a drain that saw the count above zero is waiting already.
            let _lock = serial
                .sync_lock
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            serial.sync_done.notify_all();
        }
    }
}

/// Where a drain that must stop after its first call hands the turn on: the executor it was
/// routed for, owned.
pub(crate) type Relay = Box<dyn Executor>;

/// The turn of a [`Serial`], with its first call: a job for an executor.
///
/// Dropped without running (an executor that refuses or loses it), it drops its call and every
/// call queued behind it, whose callers are told so, and gives the turn up.
pub(crate) struct Drain {
    serial: Arc<Serial>,
    first: Option<Job>,
    /// With a relay, the drain runs its first call only, then hands the turn to the relay.
    relay: Option<Relay>,
}

impl Drain {
    pub(crate) fn new(serial: Arc<Serial>, first: Job, relay: Option<Relay>) -> Self {
        Drain {
            serial,
            first: Some(first),
            relay,
        }
    }

    pub(crate) fn into_job(self) -> Job {
        Job::new(move || self.run())
    }

    fn run(mut self) {
        let first = self.first.take().expect("a drain runs once");
        self.serial.run(first);
        match self.relay.take() {
            None => {
                let mut batch = VecDeque::new();
                while self.serial.next_batch(&mut batch) {
                    for job in batch.drain(..) {
                        self.serial.run(job);
                    }
                }
            }
            Some(relay) => {
                let mut state = self.serial.lock();
                if let Some(next) = state.queued.pop_front() {
                    drop(state);
                    let serial = Arc::clone(&self.serial);
                    relay.execute(Drain::new(serial, next, None).into_job());
                } else {
                    state.turn_taken = false;
                }
            }
        }
    }
}

impl Drop for Drain {
    fn drop(&mut self) {
        if self.first.take().is_some() {
            let dropped = {
                let mut state = self.serial.lock();
                state.turn_taken = false;
                std::mem::take(&mut state.queued)
            };
            drop(dropped);
        }
    }
}
