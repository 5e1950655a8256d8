//! How the [`DefaultExecutor`](crate::DefaultExecutor) uses tokio's blocking pool: through a
//! queue per runtime, drained by blocking tasks that linger for more work before they return
//! their thread to tokio.
//!
//! A raw `spawn_blocking` per call pays a condvar wake of a parked thread (on another CPU, tens
//! of µs) and a task allocation per call. Here a call is pushed on its runtime's queue, and a
//! blocking task (a *worker*) is spawned only when no worker is there to take it: one that is
//! running a call takes it next, and one that has just run out of work looks for more for a
//! moment ([`linger::IDLE`]; no more of them at once than there are CPUs) before it ends. A caller making calls back to back finds a worker
//! awake and pays a queue push instead of a thread wake.
//!
//! Everything else stays tokio's: the workers are ordinary blocking tasks, so calls run on the
//! runtime's blocking threads (named as it names them, within its `max_blocking_threads`), idle
//! threads retire after tokio's keep-alive, and a runtime that shuts down waits for the workers
//! that are running. A worker that tokio drops unrun at shutdown hands the calls it was spawned
//! for to the fallback pool, so a call handed over is never lost.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use tokio::runtime::{Handle, Id};

use crate::executor::{Executor, Job, fallback};
use crate::linger;

/// The calls of one runtime waiting for a worker, and who is there to take them.
pub(crate) struct Queue {
    jobs: Mutex<VecDeque<Job>>,
    /// The queue's length, readable without the lock.
    queued: AtomicUsize,
    /// Workers spawned and not started yet: each will take a call.
    starting: AtomicUsize,
    /// Workers that have run out of calls and look for the next one.
    lingering: AtomicUsize,
}

/// Every runtime's queue, by runtime; a queue lives as long as a worker or a caller thread's
/// cache holds it.
static QUEUES: Mutex<Vec<(Id, Weak<Queue>)>> = Mutex::new(Vec::new());

thread_local! {
    /// The queue of the runtime this thread last called from: a tokio worker thread belongs to
    /// one runtime, so the registry is looked up once per thread.
    static CACHED: RefCell<Option<(Id, Arc<Queue>)>> = const { RefCell::new(None) };
}

/// Hands `job` to the blocking pool of `runtime`; returns whether it starts at once, on a
/// worker that was lingering.
pub(crate) fn execute(runtime: &Handle, job: Job) -> bool {
    let queue = queue(runtime);
    let at_once =
        queue.queued.load(Ordering::SeqCst) == 0 && queue.lingering.load(Ordering::SeqCst) > 0;
    if queue.push(job) {
        queue.starting.fetch_add(1, Ordering::SeqCst);
        let worker = Worker(Some(Arc::clone(&queue)));
        drop(runtime.spawn_blocking(move || worker.run()));
    }
    at_once
}

fn queue(runtime: &Handle) -> Arc<Queue> {
    let id = runtime.id();
    CACHED.with(|cached| {
        let mut cached = cached.borrow_mut();
        match &*cached {
            Some((cached_id, queue)) if *cached_id == id => Arc::clone(queue),
            _ => {
                let queue = registered(id);
                *cached = Some((id, Arc::clone(&queue)));
                queue
            }
        }
    })
}

#[cold]
fn registered(id: Id) -> Arc<Queue> {
    let mut queues = QUEUES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(queue) = queues
        .iter()
        .find(|(queue_id, _)| *queue_id == id)
        .and_then(|(_, queue)| queue.upgrade())
    {
        return queue;
    }
    queues.retain(|(_, queue)| queue.strong_count() > 0);
    let queue = Arc::new(Queue {
        jobs: Mutex::new(VecDeque::new()),
        queued: AtomicUsize::new(0),
        starting: AtomicUsize::new(0),
        lingering: AtomicUsize::new(0),
    });
    queues.push((id, Arc::downgrade(&queue)));
    queue
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, VecDeque<Job>> {
        // Jobs never run under the lock, so a poisoned lock still holds a consistent queue.
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `job`; returns whether a worker must be spawned for it: more calls are queued
    /// than workers are starting or lingering to take them.
    fn push(&self, job: Job) -> bool {
        let mut jobs = self.lock();
        jobs.push_back(job);
        let queued = jobs.len();
        self.queued.store(queued, Ordering::SeqCst);
        drop(jobs);
        // Pairs with `Worker::run`: a lingering worker that gives up checks the queue again
        // after it stops counting as lingering, so either it sees this call or this sees it gone.
        queued > self.starting.load(Ordering::SeqCst) + self.lingering.load(Ordering::SeqCst)
    }

    fn pop(&self) -> Option<Job> {
        let mut jobs = self.lock();
        let job = jobs.pop_front();
        self.queued.store(jobs.len(), Ordering::SeqCst);
        job
    }

    /// Everything queued, for the fallback pool.
    fn take_all(&self) -> VecDeque<Job> {
        let mut jobs = self.lock();
        self.queued.store(0, Ordering::SeqCst);
        std::mem::take(&mut *jobs)
    }
}

/// A blocking task that runs queued calls until there are none for a moment.
struct Worker(Option<Arc<Queue>>);

impl Worker {
    fn run(mut self) {
        let queue = self.0.take().expect("a worker runs once");
        queue.starting.fetch_sub(1, Ordering::SeqCst);
        loop {
            while let Some(job) = queue.pop() {
                job.run();
            }
            let found =
                linger::linger(&queue.lingering, || queue.queued.load(Ordering::SeqCst) > 0);
            if !found && queue.queued.load(Ordering::SeqCst) == 0 {
                return;
            }
        }
    }
}

impl Drop for Worker {
    /// Dropped unrun: tokio shut its runtime down before the worker started. The calls it was
    /// spawned for may be queued with no worker left to take them, so what is queued goes to the
    /// fallback pool (without the runtime, which is gone).
    fn drop(&mut self) {
        if let Some(queue) = self.0.take() {
            queue.starting.fetch_sub(1, Ordering::SeqCst);
            for job in queue.take_all() {
                fallback().execute(job);
            }
        }
    }
}
