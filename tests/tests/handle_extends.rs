//! One handle for a type whose methods are split over several `impl` blocks: the block with
//! `handle = ...` makes the handle, and each block with `extends = ...` adds its methods to it.
//! Methods from every block share the one object, the handle's executor and its one `limit`.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::thread::ThreadId;
use std::time::Duration;

use bridge_runtime::{Pool, sync_to_async};
use bridge_tests::deadline;

static POOL: LazyLock<Pool> = LazyLock::new(|| Pool::new("ledger-pool", 4));

/// Calls running now, and the most seen at once.
#[derive(Debug, Default)]
struct InFlight {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl InFlight {
    fn run(&self, ms: u64) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(ms));
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A legacy ledger whose methods are written in three blocks, two of them in other modules.
#[derive(Debug, Default)]
pub struct Ledger {
    entries: Vec<u64>,
    threads: Vec<ThreadId>,
    reads: Arc<InFlight>,
}

/// The handle's limit is 2, over the methods of all three blocks; its calls run on `POOL`.
#[sync_to_async(handle = AsyncLedger, concurrent_reads, executor = POOL, limit = 2)]
impl Ledger {
    pub fn new() -> Self {
        Ledger::default()
    }

    pub fn add(&mut self, amount: u64) -> usize {
        self.threads.push(std::thread::current().id());
        self.entries.push(amount);
        self.entries.len()
    }
}

mod reads {
    use super::*;

    #[sync_to_async(extends = AsyncLedger)]
    impl Ledger {
        pub fn total(&self) -> u64 {
            self.entries.iter().sum()
        }

        /// A slow read, to see how many run at once.
        #[sync_to_async(name = slow_thread_name)]
        pub fn slow_read(&self, ms: u64) -> String {
            self.reads.run(ms);
            std::thread::current().name().unwrap_or("").to_owned()
        }

        /// An associated fn: no object, but the handle's executor.
        pub fn thread_name() -> String {
            std::thread::current().name().unwrap_or("").to_owned()
        }
    }
}

mod writes {
    use super::*;

    #[sync_to_async(extends = AsyncLedger)]
    impl Ledger {
        pub fn undo(&mut self) -> Option<u64> {
            self.threads.push(std::thread::current().id());
            self.entries.pop()
        }

        pub fn threads(&self) -> Vec<ThreadId> {
            self.threads.clone()
        }

        /// Sync code only.
        #[sync_to_async(skip)]
        pub fn clear(&mut self) {
            self.entries.clear();
        }

        pub fn peak_reads(&self) -> usize {
            self.reads.peak.load(Ordering::SeqCst)
        }

        /// Not `pub`: left alone.
        #[allow(dead_code)]
        fn helper(&self) -> usize {
            0
        }
    }
}

/// A default handle, at most one call at a time (`limit = 1`), over two blocks.
#[derive(Debug, Default)]
pub struct Tally {
    count: u64,
}

static PAUSES: InFlight = InFlight {
    now: AtomicUsize::new(0),
    peak: AtomicUsize::new(0),
};

#[sync_to_async(handle = AsyncTally, limit = 1)]
impl Tally {
    pub fn bump(&mut self) -> (u64, ThreadId) {
        self.count += 1;
        (self.count, std::thread::current().id())
    }

    pub fn pause(ms: u64) {
        PAUSES.run(ms);
    }
}

#[sync_to_async(extends = AsyncTally)]
impl Tally {
    pub fn count(&self) -> (u64, ThreadId) {
        (self.count, std::thread::current().id())
    }

    pub fn wait(ms: u64) {
        PAUSES.run(ms);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_default_handle_over_two_blocks() {
    let tally = AsyncTally::from(Tally::default());
    let here = std::thread::current().id();
    let (bumped, bumped_on) = deadline(tally.bump()).await;
    let (count, counted_on) = deadline(tally.clone().count()).await;
    assert_eq!((bumped, count), (1, 1));
    assert_ne!(bumped_on, here);
    assert_ne!(
        counted_on, here,
        "an extending block's method ran on the caller's thread"
    );
    // Associated fns of both blocks, under the handle's one `limit = 1`.
    let pauses: Vec<_> = (0..6)
        .map(|i| {
            tokio::spawn(async move {
                if i % 2 == 0 {
                    AsyncTally::pause(10).await
                } else {
                    AsyncTally::wait(10).await
                }
            })
        })
        .collect();
    for pause in pauses {
        deadline(pause).await.unwrap();
    }
    assert_eq!(PAUSES.peak.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn methods_of_every_block_share_the_object_and_the_executor() {
    let ledger = deadline(AsyncLedger::new()).await;
    assert_eq!(deadline(ledger.add(5)).await, 1);
    assert_eq!(deadline(ledger.clone().add(7)).await, 2);
    assert_eq!(deadline(ledger.total()).await, 12);
    assert_eq!(deadline(ledger.undo()).await, Some(7));
    assert_eq!(deadline(ledger.total()).await, 5);
    let here = std::thread::current().id();
    let threads = deadline(ledger.threads()).await;
    assert_eq!(threads.len(), 3);
    assert!(
        threads.iter().all(|thread| *thread != here),
        "ran on the caller's thread"
    );
    assert!(
        deadline(AsyncLedger::thread_name())
            .await
            .starts_with("ledger-pool")
    );
    // Sync code reaches the same object.
    let sync = ledger.clone();
    deadline(tokio::task::spawn_blocking(move || {
        sync.blocking_write().clear()
    }))
    .await
    .unwrap();
    assert_eq!(deadline(ledger.total()).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handle_limit_covers_the_methods_of_every_block() {
    let ledger = deadline(AsyncLedger::new()).await;
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let ledger = ledger.clone();
            tokio::spawn(async move { ledger.slow_thread_name(20).await })
        })
        .collect();
    for call in calls {
        let thread = deadline(call).await.unwrap();
        assert!(thread.starts_with("ledger-pool"), "ran on {thread}");
    }
    assert_eq!(
        deadline(ledger.peak_reads()).await,
        2,
        "`limit = 2` of the block that makes the handle caps the reads of another block"
    );
}

/// Thread-bound legacy state: `Rc` makes it neither `Send` nor `Sync`.
#[derive(Debug)]
pub struct Session {
    lines: Rc<RefCell<Vec<String>>>,
    home: ThreadId,
}

#[sync_to_async(handle = AsyncSession, thread_sensitive)]
impl Session {
    pub fn open() -> Self {
        Session {
            lines: Rc::default(),
            home: std::thread::current().id(),
        }
    }

    pub fn push(&mut self, line: &str) -> ThreadId {
        self.lines.borrow_mut().push(line.to_owned());
        std::thread::current().id()
    }
}

#[sync_to_async(extends = AsyncSession)]
impl Session {
    pub fn lines(&self) -> Vec<String> {
        self.lines.borrow().clone()
    }

    pub fn thread(&self) -> (ThreadId, ThreadId) {
        (self.home, std::thread::current().id())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_thread_sensitive_handle_runs_every_block_on_the_objects_thread() {
    let session = deadline(AsyncSession::open()).await;
    let pushed_on = deadline(session.push("a")).await;
    deadline(session.clone().push("b")).await;
    assert_eq!(deadline(session.lines()).await, ["a", "b"]);
    let (home, ran_on) = deadline(session.thread()).await;
    assert_eq!(
        home, ran_on,
        "an extending block's method left the object's thread"
    );
    assert_eq!(home, pushed_on);
    assert_ne!(home, std::thread::current().id());
    let sync = session.clone();
    let lines = deadline(tokio::task::spawn_blocking(move || {
        sync.blocking_with(|session| session.lines.borrow().len())
    }))
    .await
    .unwrap();
    assert_eq!(lines, 2);
}
