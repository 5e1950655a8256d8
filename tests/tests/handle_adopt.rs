//! A handle adopts legacy shared state in place: an `Arc<Mutex<Store>>` or `Arc<RwLock<Store>>`
//! that old threads keep locking as they always did, while new code awaits the handle's methods
//! on the same object.

use std::sync::{Arc, Mutex, RwLock};
use std::thread;

use bridge_runtime::sync_to_async;
use bridge_tests::{Gate, InFlight, deadline, within};

/// A legacy counter, shared by old threads behind a lock.
#[derive(Debug, Default)]
pub struct Tally {
    total: u64,
    running: InFlight,
}

#[sync_to_async(handle = AsyncTally)]
impl Tally {
    pub fn add(&mut self, n: u64) -> u64 {
        let _running = self.running.enter();
        self.total += n;
        self.total
    }

    pub fn total(&self) -> u64 {
        self.total
    }
}

/// Old threads and async callers add to one `Arc<Mutex<Tally>>`; neither loses an update.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_default_handle_adopts_an_arc_mutex_that_old_threads_keep_locking() {
    let legacy = Arc::new(Mutex::new(Tally::default()));
    let tally = AsyncTally::from(Arc::clone(&legacy));
    let old_threads: Vec<_> = (0..4)
        .map(|_| {
            let legacy = Arc::clone(&legacy);
            thread::spawn(move || {
                for _ in 0..500 {
                    legacy.lock().unwrap().add(1);
                }
            })
        })
        .collect();
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let tally = tally.clone();
            tokio::spawn(async move {
                for _ in 0..250 {
                    tally.add(10).await;
                }
            })
        })
        .collect();
    for caller in callers {
        deadline(caller).await.unwrap();
    }
    deadline(tokio::task::spawn_blocking(move || {
        for thread in old_threads {
            thread.join().unwrap();
        }
    }))
    .await
    .unwrap();
    let expected = 4 * 500 + 8 * 250 * 10;
    assert_eq!(deadline(tally.total()).await, expected);
    assert_eq!(legacy.lock().unwrap().total, expected);
    assert_eq!(legacy.lock().unwrap().running.peak(), 1);
    // Sync code can also go through the handle, on the same object.
    let handle = tally.clone();
    let through_handle = within(move || handle.blocking_write().add(1));
    assert_eq!(through_handle, expected + 1);
}

/// A default handle adopts an `Arc<RwLock<Tally>>` too: its calls take the write lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_default_handle_adopts_an_arc_rw_lock() {
    let legacy = Arc::new(RwLock::new(Tally::default()));
    let tally = AsyncTally::from(Arc::clone(&legacy));
    legacy.write().unwrap().add(5);
    assert_eq!(deadline(tally.add(2)).await, 7);
    assert_eq!(legacy.read().unwrap().total, 7);
    // While old code holds the lock, a call waits for it.
    let (held, release) = (Gate::default(), Gate::default());
    let old_code = thread::spawn({
        let (legacy, held, release) = (Arc::clone(&legacy), held.clone(), release.clone());
        move || {
            let _guard = legacy.write().unwrap();
            held.open();
            release.wait();
        }
    });
    deadline(tokio::task::spawn_blocking(move || held.wait()))
        .await
        .unwrap();
    let call = tokio::spawn({
        let tally = tally.clone();
        async move { tally.add(1).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert!(
        !call.is_finished(),
        "the call ran while old code held the lock"
    );
    release.open();
    assert_eq!(deadline(call).await.unwrap(), 8);
    deadline(tokio::task::spawn_blocking(move || {
        old_code.join().unwrap()
    }))
    .await
    .unwrap();
}

/// A legacy catalogue read by many threads at once.
#[derive(Debug, Default)]
pub struct Catalogue {
    items: Vec<String>,
    readers: InFlight,
}

#[sync_to_async(handle = AsyncCatalogue, concurrent_reads)]
impl Catalogue {
    /// Reads once `gate` opens, so that readers overlap.
    pub fn count_after(&self, gate: Gate) -> usize {
        let _reading = self.readers.enter();
        gate.wait();
        self.items.len()
    }

    pub fn insert(&mut self, item: &str) -> usize {
        self.items.push(item.to_owned());
        self.items.len()
    }
}

/// A `concurrent_reads` handle adopts an `Arc<RwLock<Catalogue>>`: its readers run together,
/// and a write made through the handle is seen by old code, and the other way round.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_reads_handle_adopts_an_arc_rw_lock() {
    let legacy = Arc::new(RwLock::new(Catalogue::default()));
    let catalogue = AsyncCatalogue::from(Arc::clone(&legacy));
    legacy.write().unwrap().insert("old");
    assert_eq!(deadline(catalogue.insert("new")).await, 2);
    let gate = Gate::default();
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (catalogue, gate) = (catalogue.clone(), gate.clone());
            tokio::spawn(async move { catalogue.count_after(gate).await })
        })
        .collect();
    let watched = Arc::clone(&legacy);
    deadline(tokio::task::spawn_blocking(move || {
        bridge_tests::wait_until("three readers at once", || {
            watched
                .try_read()
                .is_ok_and(|catalogue| catalogue.readers.now() == 3)
        });
    }))
    .await
    .unwrap();
    gate.open();
    for reader in readers {
        assert_eq!(deadline(reader).await.unwrap(), 2);
    }
    assert_eq!(legacy.read().unwrap().readers.peak(), 3);
    let handle = catalogue.clone();
    assert_eq!(
        within(move || handle.blocking_read().items.clone()),
        ["old", "new"]
    );
}
