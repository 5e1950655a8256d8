//! How a default handle runs its calls: one at a time, the calls that wait for the object run
//! back to back by the thread that has its turn, sync callers are not starved by a busy queue,
//! a caller that gives up while its call waits runs nothing, a panic or a refused hand-over
//! loses no other call, and a thread blocked in `block_on` runs only its own chain's call.

use std::sync::LazyLock;
use std::sync::atomic::Ordering;
use std::thread::ThreadId;
use std::time::Duration;

use bridge_runtime::{Pool, sync_to_async};
use bridge_tests::{Gate, InFlight, deadline, panic_message, wait_until, within};

/// A legacy object that records which thread ran each call.
#[derive(Debug, Default)]
pub struct Journal {
    entries: Vec<(u64, ThreadId)>,
    running: InFlight,
}

#[sync_to_async(handle = AsyncJournal)]
impl Journal {
    pub fn new() -> Self {
        Journal::default()
    }

    pub fn append(&mut self, entry: u64) -> ThreadId {
        let _running = self.running.enter();
        let thread = std::thread::current().id();
        self.entries.push((entry, thread));
        thread
    }

    /// Opens `started`, then appends once `gate` opens, holding the object until then.
    pub fn append_after(&mut self, entry: u64, started: Gate, gate: Gate) -> ThreadId {
        started.open();
        gate.wait();
        self.append(entry)
    }

    /// Appends, and tells whether this thread is blocked in `append_from_sync`'s `block_on`:
    /// the call then runs nested on its stack.
    pub fn append_nested(&mut self, entry: u64) -> bool {
        self.append(entry);
        IN_BLOCK_ON.get()
    }

    /// `append`, for the one test that reads this method's metrics.
    pub fn append_once(&mut self, entry: u64) -> ThreadId {
        self.append(entry)
    }

    pub fn fail(&mut self, entry: u64) {
        self.append(entry);
        panic!("entry {entry} failed");
    }

    pub fn entries(&self) -> Vec<u64> {
        self.entries.iter().map(|(entry, _)| *entry).collect()
    }

    pub fn threads(&self) -> Vec<ThreadId> {
        self.entries.iter().map(|(_, thread)| *thread).collect()
    }

    pub fn peak(&self) -> usize {
        self.running.peak()
    }
}

/// Starts a call that holds the object until the returned gate opens, and waits until it runs.
async fn hold(journal: &AsyncJournal, entry: u64) -> (Gate, tokio::task::JoinHandle<ThreadId>) {
    let (started, gate) = (Gate::default(), Gate::default());
    let call = tokio::spawn({
        let (journal, started, gate) = (journal.clone(), started.clone(), gate.clone());
        async move { journal.append_after(entry, started, gate).await }
    });
    deadline(tokio::task::spawn_blocking(move || started.wait()))
        .await
        .unwrap();
    (gate, call)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_that_wait_for_the_object_run_back_to_back_on_the_thread_that_has_its_turn() {
    let journal = deadline(AsyncJournal::new()).await;
    let (gate, held) = hold(&journal, 0).await;
    // Ten callers queue behind the held call, in order.
    let mut queued = Vec::new();
    for entry in 1..=10 {
        let journal = journal.clone();
        queued.push(tokio::spawn(async move { journal.append(entry).await }));
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    gate.open();
    let turn = deadline(held).await.unwrap();
    for call in queued {
        assert_eq!(
            deadline(call).await.unwrap(),
            turn,
            "a queued call ran elsewhere"
        );
    }
    assert_eq!(
        deadline(journal.entries()).await,
        (0..=10).collect::<Vec<_>>()
    );
    assert_eq!(deadline(journal.peak()).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_callers_run_one_at_a_time_and_every_call_runs_once() {
    let journal = deadline(AsyncJournal::new()).await;
    let callers: Vec<_> = (0..16u64)
        .map(|caller| {
            let journal = journal.clone();
            tokio::spawn(async move {
                for n in 0..200 {
                    journal.append(caller * 1000 + n).await;
                }
            })
        })
        .collect();
    for caller in callers {
        deadline(caller).await.unwrap();
    }
    let mut entries = deadline(journal.entries()).await;
    assert_eq!(entries.len(), 3200);
    // Each caller's calls ran in the order it made them.
    for caller in 0..16 {
        let own: Vec<_> = entries.iter().filter(|e| **e / 1000 == caller).collect();
        assert!(
            own.windows(2).all(|w| w[0] < w[1]),
            "caller {caller} out of order"
        );
    }
    entries.sort_unstable();
    entries.dedup();
    assert_eq!(entries.len(), 3200, "a call ran twice");
    assert_eq!(deadline(journal.peak()).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_caller_gets_the_object_while_async_callers_keep_it_busy() {
    let journal = deadline(AsyncJournal::new()).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let callers: Vec<_> = (0..8u64)
        .map(|caller| {
            let (journal, stop) = (journal.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    journal.append(caller).await;
                    n += 1;
                }
                n
            })
        })
        .collect();
    // The queue is never empty while the callers run, yet every sync write gets its turn.
    let writer = journal.clone();
    let writes = deadline(tokio::task::spawn_blocking(move || {
        (0..20)
            .map(|_| {
                let mut guard = writer.blocking_write();
                guard.entries.push((u64::MAX, std::thread::current().id()));
                std::thread::sleep(Duration::from_millis(1));
            })
            .count()
    }))
    .await
    .unwrap();
    stop.store(true, Ordering::SeqCst);
    let mut calls = 0;
    for caller in callers {
        calls += deadline(caller).await.unwrap();
    }
    assert_eq!(writes, 20);
    let entries = deadline(journal.entries()).await;
    assert_eq!(entries.iter().filter(|e| **e == u64::MAX).count(), 20);
    assert_eq!(entries.len(), 20 + calls);
    assert_eq!(deadline(journal.peak()).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_gives_up_while_its_call_waits_runs_nothing() {
    let journal = deadline(AsyncJournal::new()).await;
    let (gate, held) = hold(&journal, 0).await;
    let kept: Vec<_> = [1, 3]
        .map(|entry| {
            let journal = journal.clone();
            tokio::spawn(async move { journal.append_once(entry).await })
        })
        .into();
    for entry in [2, 4, 5] {
        let gave_up =
            tokio::time::timeout(Duration::from_millis(5), journal.append_once(entry)).await;
        assert!(gave_up.is_err());
    }
    gate.open();
    deadline(held).await.unwrap();
    for call in kept {
        deadline(call).await.unwrap();
    }
    let mut entries = deadline(journal.entries()).await;
    entries.sort_unstable();
    assert_eq!(entries, [0, 1, 3]);
    // The calls given up on were admitted and never ran: counted as dropped, not as run.
    let record = bridge_runtime::metrics::snapshot()
        .get("handle_serial::Journal::append_once")
        .cloned()
        .expect("the method's row");
    assert_eq!(
        (record.calls, record.dropped, record.run_time.count),
        (5, 3, 2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_the_queue_reaches_its_caller_and_the_calls_behind_it_still_run() {
    let journal = deadline(AsyncJournal::new()).await;
    let (gate, held) = hold(&journal, 0).await;
    let calls: Vec<_> = (1..=6u64)
        .map(|entry| {
            let journal = journal.clone();
            tokio::spawn(async move {
                if entry % 2 == 0 {
                    journal.fail(entry).await;
                } else {
                    journal.append(entry).await;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(10)).await;
    gate.open();
    deadline(held).await.unwrap();
    for (entry, call) in (1..=6u64).zip(calls) {
        let outcome = deadline(call).await;
        if entry % 2 == 0 {
            let payload = outcome.unwrap_err().into_panic();
            assert_eq!(
                panic_message(&*payload),
                Some(format!("entry {entry} failed").as_str())
            );
        } else {
            outcome.unwrap();
        }
    }
    let mut entries = deadline(journal.entries()).await;
    entries.sort_unstable();
    assert_eq!(entries, [0, 1, 2, 3, 4, 5, 6]);
}

/// The same object on a pool that is shut down while calls wait for it.
#[derive(Debug, Default)]
pub struct Shelf {
    items: usize,
}

static SHELF_POOL: LazyLock<Pool> = LazyLock::new(|| Pool::new("shelf", 1));

#[sync_to_async(handle = AsyncShelf, executor = SHELF_POOL)]
impl Shelf {
    pub fn put_after(&mut self, gate: Gate) -> usize {
        gate.wait();
        self.items += 1;
        self.items
    }

    pub fn put(&mut self) -> usize {
        self.items += 1;
        self.items
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_hand_over_fails_its_caller_and_loses_no_turn() {
    let shelf = AsyncShelf::from(Shelf::default());
    let gate = Gate::default();
    let held = tokio::spawn({
        let (shelf, gate) = (shelf.clone(), gate.clone());
        async move { shelf.put_after(gate).await }
    });
    let started = shelf.clone();
    deadline(tokio::task::spawn_blocking(move || {
        wait_until("the held call to start", || SHELF_POOL.threads() == 1);
        drop(started);
    }))
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let queued = tokio::spawn({
        let shelf = shelf.clone();
        async move { shelf.put().await }
    });
    tokio::time::sleep(Duration::from_millis(5)).await;
    // Shut down while one call runs and one waits for the object: both finish.
    let shutdown = tokio::task::spawn_blocking(|| SHELF_POOL.shutdown(bridge_tests::DEADLINE));
    tokio::time::sleep(Duration::from_millis(5)).await;
    gate.open();
    assert_eq!(deadline(held).await.unwrap(), 1);
    assert_eq!(deadline(queued).await.unwrap(), 2);
    deadline(shutdown).await.unwrap().unwrap();
    // A call now finds the turn free, and the pool refuses it: its caller is told so.
    let refused = deadline(tokio::spawn({
        let shelf = shelf.clone();
        async move { shelf.put().await }
    }))
    .await
    .unwrap_err()
    .into_panic();
    let message = panic_message(&*refused).unwrap_or_default().to_owned();
    assert!(message.contains("pool `shelf` is shut down"), "{message}");
    // The refused call gave the turn back: sync code still gets the object.
    let items = within(move || shelf.blocking_read().items);
    assert_eq!(items, 2);
}

thread_local! {
    /// Set while `append_from_sync` waits in `block_on` on this thread.
    static IN_BLOCK_ON: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A default twin whose sync code calls the handle through `block_on`.
#[sync_to_async]
fn append_from_sync(journal: AsyncJournal, entry: u64) {
    IN_BLOCK_ON.set(true);
    bridge_runtime::block_on(journal.append(entry));
    IN_BLOCK_ON.set(false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_blocked_in_block_on_runs_only_its_own_call_of_the_queue() {
    let journal = deadline(AsyncJournal::new()).await;
    for round in 0..50u64 {
        // Unrelated callers keep the queue busy while a chain reaches the handle from sync code.
        let others: Vec<_> = (0..4u64)
            .map(|n| {
                let journal = journal.clone();
                tokio::spawn(async move { journal.append_nested(1000 + round * 10 + n).await })
            })
            .collect();
        deadline(append_from_sync_async(journal.clone(), round)).await;
        for other in others {
            assert!(
                !deadline(other).await.unwrap(),
                "an unrelated call ran nested on a thread blocked in block_on"
            );
        }
    }
    assert_eq!(deadline(journal.entries()).await.len(), 250);
    assert_eq!(deadline(journal.peak()).await, 1);
}

/// Sync code that holds the object through a guard and then awaits a call on it would wait for
/// itself forever: the call panics instead, and the object stays usable.
#[test]
fn a_call_made_while_this_thread_holds_a_guard_panics_instead_of_waiting_forever() {
    let journal = AsyncJournal::from(Journal::default());
    let holder = journal.clone();
    let outcome = within(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _guard = holder.blocking_write();
            bridge_runtime::block_on(holder.append(1))
        }))
    });
    let payload = outcome.unwrap_err();
    let message = panic_message(&*payload).unwrap_or_default().to_owned();
    assert!(
        message.contains("blocking_read`/`blocking_write"),
        "{message}"
    );
    let after = journal.clone();
    assert_eq!(
        within(move || bridge_runtime::block_on(after.entries())),
        Vec::<u64>::new()
    );
}
