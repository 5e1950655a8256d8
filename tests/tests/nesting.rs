//! The nesting rules under attack (issue 10): a thread blocked in `block_on` runs only the calls
//! of its own chain, a `thread_sensitive_scope` follows its calls through every hop, an
//! exhausted pool never deadlocks a chain, and no job unwinds out of a worker.
//!
//! Every wait has a deadline, so a deadlock fails a test instead of hanging it.

use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

use bridge_runtime::{
    Pool, ThreadSensitive, async_to_sync, block_on, run_in, sync_to_async, thread_sensitive_scope,
};
use bridge_tests::{InFlight, deadline, within};

fn me() -> ThreadId {
    thread::current().id()
}

fn thread_name() -> String {
    thread::current().name().unwrap_or("<unnamed>").to_owned()
}

/// The way back, as legacy code calls it: a `_blocking` twin.
#[async_to_sync]
async fn pause(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

// ---- 1. A blocked thread runs only the calls of its own chain ----------------------------------

static ASYNC_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[sync_to_async(thread_sensitive)]
fn hold_async_lock(ms: u64) {
    block_on(async {
        let _guard = ASYNC_LOCK.lock().await;
        tokio::time::sleep(Duration::from_millis(ms)).await;
    });
}

#[sync_to_async(thread_sensitive)]
fn take_async_lock() {
    block_on(async { drop(ASYNC_LOCK.lock().await) });
}

/// Request A holds an async mutex inside its thread-sensitive call's `block_on`; request B, 5 ms
/// later, wants it in its own. B used to run nested above A's frame, so A could never finish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_lock_held_across_block_on_does_not_deadlock_an_unrelated_request() {
    let a = tokio::spawn(hold_async_lock_async(20));
    tokio::time::sleep(Duration::from_millis(5)).await;
    let b = tokio::spawn(take_async_lock_async());
    deadline(a).await.unwrap();
    deadline(b).await.unwrap();
}

/// Steps of the requests below, in the order they happened.
static STEPS: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
static STD_LOCK: Mutex<u32> = Mutex::new(0);

/// Legacy code holding a `std` mutex across a `_blocking` call, and an unrelated request that
/// takes the same mutex: it must run after the first, never nested inside it on the same thread
/// (where `lock` would deadlock; `try_lock` tells).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unrelated_call_waits_for_a_blocked_call_instead_of_running_above_it() {
    let db = ThreadSensitive::new("std-lock");
    STEPS.lock().unwrap().clear();
    let a = run_in(&db, || {
        let mut guard = STD_LOCK.lock().unwrap();
        STEPS.lock().unwrap().push("a locked");
        pause_blocking(30);
        *guard += 1;
        STEPS.lock().unwrap().push("a unlocked");
    });
    let b = async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        run_in(&db, || {
            let mut guard = STD_LOCK
                .try_lock()
                .expect("an unrelated call ran while the lock was held on its thread");
            *guard += 1;
            STEPS.lock().unwrap().push("b locked");
        })
        .await;
    };
    deadline(async { tokio::join!(a, b) }).await;
    assert_eq!(
        *STEPS.lock().unwrap(),
        ["a locked", "a unlocked", "b locked"]
    );
    assert_eq!(*STD_LOCK.lock().unwrap(), 2);
}

thread_local! {
    /// The legacy-demo pattern: a thread-local connection, borrowed across a `_blocking` call.
    static CONNECTION: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

/// A thread-local `RefCell` borrowed across a `_blocking` call: an unrelated request used to
/// panic "already borrowed" because it ran nested inside the borrow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_local_borrowed_across_block_on_is_not_borrowed_again_by_another_request() {
    let db = ThreadSensitive::new("refcell");
    let a = run_in(&db, || {
        CONNECTION.with(|connection| {
            let mut connection = connection.borrow_mut();
            pause_blocking(20);
            connection.push(1);
        });
    });
    let b = async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        run_in(&db, || {
            CONNECTION.with(|connection| connection.borrow_mut().push(2))
        })
        .await;
    };
    deadline(async { tokio::join!(a, b) }).await;
    let rows = run_in(&db, || {
        CONNECTION.with(|connection| connection.borrow().clone())
    });
    assert_eq!(deadline(rows).await, [1, 2]);
}

/// 1,000 concurrent requests, each a thread-sensitive call that blocks on a timer: they used to
/// nest on the thread's stack until it overflowed and the process aborted. They run one after
/// the other, each alone on the thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_blocked_requests_run_one_at_a_time_without_nesting() {
    static BODIES: InFlight = InFlight::new();
    static DONE: AtomicUsize = AtomicUsize::new(0);
    let db = std::sync::Arc::new(ThreadSensitive::new("thousand"));
    let requests: Vec<_> = (0..1_000)
        .map(|_| {
            let db = std::sync::Arc::clone(&db);
            tokio::spawn(async move {
                run_in(&*db, || {
                    let _body = BODIES.enter();
                    pause_blocking(1);
                    DONE.fetch_add(1, Ordering::SeqCst);
                })
                .await;
            })
        })
        .collect();
    deadline(async {
        for request in requests {
            request.await.unwrap();
        }
    })
    .await;
    assert_eq!(DONE.load(Ordering::SeqCst), 1_000);
    assert_eq!(BODIES.peak(), 1, "requests ran nested on the thread");
}

/// A thread-sensitive object whose `&mut self` method waits in a `_blocking` twin.
#[derive(Debug, Default)]
pub struct Tally {
    count: u64,
}

#[sync_to_async(handle = AsyncTally, thread_sensitive)]
impl Tally {
    pub fn new() -> Self {
        Tally::default()
    }

    pub fn slow_bump(&mut self, ms: u64) -> u64 {
        pause_blocking(ms);
        self.count += 1;
        self.count
    }

    pub fn count(&self) -> u64 {
        self.count
    }
}

/// An independent call on a thread-sensitive handle whose `&mut self` method is blocked in a
/// `_blocking` twin used to run nested and panic claiming a nested call on the object. It waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handle_call_waits_for_a_method_blocked_in_a_blocking_twin() {
    let tally = deadline(AsyncTally::new()).await;
    let slow = {
        let tally = tally.clone();
        tokio::spawn(async move { tally.slow_bump(30).await })
    };
    tokio::time::sleep(Duration::from_millis(5)).await;
    let seen = deadline(tally.count()).await;
    assert_eq!(deadline(slow).await.unwrap(), 1);
    assert_eq!(seen, 1, "the read ran before the blocked method finished");
}

// ---- 2. A scope follows its calls through every hop -----------------------------------------

#[sync_to_async(thread_sensitive)]
fn where_sensitive() -> ThreadId {
    me()
}

#[sync_to_async]
fn default_then_sensitive() -> (ThreadId, ThreadId) {
    (me(), block_on(where_sensitive_async()))
}

#[sync_to_async(thread_sensitive)]
fn sensitive_then_default_then_sensitive() -> (ThreadId, ThreadId, ThreadId) {
    let (hop, inner) = block_on(default_then_sensitive_async());
    (me(), hop, inner)
}

/// Inside a scope: sensitive → `block_on` → default twin → `block_on` → sensitive. The innermost
/// call used to run on the global thread, splitting one request over two connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_follows_its_calls_through_a_default_twin() {
    let (scope_thread, outer, hop, inner) = deadline(thread_sensitive_scope(async {
        let scope_thread = where_sensitive_async().await;
        let (outer, hop, inner) = sensitive_then_default_then_sensitive_async().await;
        (scope_thread, outer, hop, inner)
    }))
    .await;
    assert_ne!(scope_thread, ThreadSensitive::global().thread_id());
    assert_eq!(outer, scope_thread);
    assert_ne!(hop, scope_thread, "the default twin runs on a pool thread");
    assert_eq!(inner, scope_thread);
}

/// The same without a blocked thread-sensitive thread in between: scope → default twin →
/// `block_on` → sensitive runs on the scope's thread, not the global one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_follows_a_call_into_a_default_twin() {
    let (scope_thread, (_, inner)) = deadline(thread_sensitive_scope(async {
        (
            where_sensitive_async().await,
            default_then_sensitive_async().await,
        )
    }))
    .await;
    assert_eq!(inner, scope_thread);
    assert_ne!(inner, ThreadSensitive::global().thread_id());
}

/// Scope threads are numbered, so two requests' threads can be told apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_threads_are_numbered() {
    #[sync_to_async(thread_sensitive)]
    fn name() -> String {
        thread_name()
    }
    let one = deadline(thread_sensitive_scope(name_async())).await;
    let two = deadline(thread_sensitive_scope(name_async())).await;
    assert!(one.starts_with("bridge-scope-"), "{one}");
    assert!(two.starts_with("bridge-scope-"), "{two}");
    assert_ne!(one, two);
}

// ---- 3. An exhausted pool never deadlocks a chain ----------------------------------------------

static TINY: LazyLock<Pool> = LazyLock::new(|| Pool::new("tiny", 2));

/// Calls of the `tiny` pool running, not waiting in `block_on`.
static TINY_RUNNING: InFlight = InFlight::new();

#[sync_to_async(executor = TINY)]
fn inner_on_tiny() -> String {
    let _running = TINY_RUNNING.enter();
    thread::sleep(Duration::from_millis(2));
    thread_name()
}

#[sync_to_async(executor = TINY)]
fn outer_on_tiny() -> (String, String) {
    let outer = {
        let _running = TINY_RUNNING.enter();
        thread_name()
    };
    (outer, block_on(inner_on_tiny_async()))
}

/// Eight chains on a pool of two threads, each outer call blocking its thread on an inner call
/// for the same pool (the shape of tokio issue 5889): a thread waiting in `block_on` gives its
/// slot back, so the inner calls run, and never more than two calls run at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_calls_on_an_exhausted_pool_do_not_deadlock() {
    let chains: Vec<_> = (0..8)
        .map(|_| tokio::spawn(outer_on_tiny_async()))
        .collect();
    for chain in chains {
        let (outer, inner) = deadline(chain).await.unwrap();
        assert!(outer.starts_with("tiny-"), "{outer}");
        assert!(inner.starts_with("tiny-"), "{inner}");
    }
    assert!(
        TINY_RUNNING.peak() <= 2,
        "{} calls ran at once",
        TINY_RUNNING.peak()
    );
    assert_eq!(TINY_RUNNING.now(), 0);
}

#[sync_to_async]
fn inner_default() -> u32 {
    thread::sleep(Duration::from_millis(2));
    1
}

#[sync_to_async]
fn outer_default() -> u32 {
    block_on(inner_default_async()) + 1
}

/// The same on the default executor of a runtime whose blocking pool has two threads.
#[test]
fn nested_default_calls_on_an_exhausted_blocking_pool_do_not_deadlock() {
    let total = within(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let chains: Vec<_> = (0..8)
                .map(|_| tokio::spawn(outer_default_async()))
                .collect();
            let mut total = 0;
            for chain in chains {
                total += chain.await.unwrap();
            }
            total
        })
    });
    assert_eq!(total, 16);
}

// ---- 4. No job unwinds out of a worker ---------------------------------------------------------

/// A result whose `Drop` panics.
#[derive(Debug)]
pub struct Grenade;

impl Drop for Grenade {
    fn drop(&mut self) {
        panic!("a result that panics when dropped");
    }
}

static ONE: LazyLock<Pool> = LazyLock::new(|| Pool::new("one", 1));

#[sync_to_async(executor = ONE)]
fn slow_grenade() -> Grenade {
    thread::sleep(Duration::from_millis(30));
    Grenade
}

#[sync_to_async(executor = ONE)]
fn on_one() -> String {
    thread_name()
}

/// The caller times out after the hand-over, so the result is dropped on the worker, and its
/// `Drop` panics there: the pool's only thread must live on and run the next calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_result_drop_does_not_kill_a_pool_thread() {
    for _ in 0..3 {
        let timed_out = tokio::time::timeout(Duration::from_millis(5), slow_grenade_async()).await;
        assert!(timed_out.is_err());
        assert!(deadline(on_one_async()).await.starts_with("one-"));
    }
}

/// The same on a thread-sensitive thread, whose death would hang every later call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_result_drop_does_not_kill_a_thread_sensitive_thread() {
    let db = ThreadSensitive::new("grenade");
    for round in 0..3 {
        let slow = run_in(&db, || {
            thread::sleep(Duration::from_millis(30));
            Grenade
        });
        assert!(
            tokio::time::timeout(Duration::from_millis(5), slow)
                .await
                .is_err()
        );
        assert_eq!(deadline(run_in(&db, move || round)).await, round);
    }
}

// ---- A blocked thread that others wait for is reported -----------------------------------------

/// A task started with plain `tokio::spawn` inside `block_on` does not belong to the blocked call
/// (task-locals do not follow it), so its thread-sensitive call waits for the blocked thread,
/// which waits for the task. bridge cannot tell it from an unrelated request, but it reports a
/// thread blocked for long while calls wait for it, and says what to do.
#[test]
fn a_blocked_thread_that_others_wait_for_is_reported() {
    let events = bridge_tests::Events::default();
    let _subscriber = tracing::subscriber::set_default(events.clone());
    let db = std::sync::Arc::new(ThreadSensitive::new("forgotten-task"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let inner = std::sync::Arc::clone(&db);
    let outer = std::sync::Arc::clone(&db);
    let stuck = runtime.block_on(async move {
        let call = run_in(&*outer, move || {
            block_on(async move {
                let task = tokio::spawn(async move { run_in(&*inner, || 1).await });
                task.await.ok()
            })
        });
        tokio::time::timeout(Duration::from_secs(3), call).await
    });
    assert!(
        stuck.is_err(),
        "the plain task's call cannot run while the thread is blocked"
    );
    let reports = events.with_target("bridge_runtime::chain");
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].level, tracing::Level::WARN);
    assert!(
        reports[0].message.contains("`forgotten-task`")
            && reports[0].message.contains("bridge_runtime::spawn"),
        "{}",
        reports[0].message
    );
    // Shutting the runtime down cancels the task; the blocked call then ends, and the thread
    // runs the call that waited for it.
    runtime.shutdown_timeout(Duration::from_secs(1));
    let after = within(move || futures_executor::block_on(run_in(&*db, || 2)));
    assert_eq!(after, 2);
}

// ---- The way back refuses a `#[tokio::main]` body with bridge's message ------------------------

/// In the body of a multi-thread runtime's `block_on`, `block_on` and `_blocking` twins used to
/// panic with tokio's "Cannot start a runtime from within a runtime".
#[test]
fn block_on_in_a_multi_thread_main_body_names_the_fn() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let payload = runtime
        .block_on(async { std::panic::catch_unwind(|| pause_blocking(1)) })
        .unwrap_err();
    assert_eq!(
        bridge_tests::panic_message(&*payload),
        Some(
            "bridge: `pause_blocking` was called on an async runtime worker thread, where \
             blocking would stall every task on that thread; `.await` `pause` instead"
        )
    );
    let payload = runtime
        .block_on(async { std::panic::catch_unwind(|| block_on(async { 1 })) })
        .unwrap_err();
    assert!(
        bridge_tests::panic_message(&*payload)
            .is_some_and(|message| message.starts_with("bridge: `block_on` was called")),
    );
    // The handles' blocking accessors, too.
    let ledger = AsyncLedger::from(Ledger::default());
    let tally = AsyncTally::from(Tally::default());
    let refusals = runtime.block_on(async {
        [
            std::panic::catch_unwind(AssertUnwindSafe(|| drop(ledger.blocking_read())))
                .unwrap_err(),
            std::panic::catch_unwind(AssertUnwindSafe(|| drop(ledger.blocking_write())))
                .unwrap_err(),
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                tally.blocking_with(|tally| tally.count)
            }))
            .unwrap_err(),
        ]
    });
    for (payload, accessor) in refusals.iter().zip([
        "AsyncLedger::blocking_read",
        "AsyncLedger::blocking_write",
        "AsyncTally::blocking_with",
    ]) {
        assert_eq!(
            bridge_tests::panic_message(&**payload).unwrap(),
            format!(
                "bridge: `{accessor}` was called on an async runtime worker thread, where \
                 blocking would stall every task on that thread; `.await` the handle's async \
                 methods instead"
            )
        );
    }
}

/// A legacy object shared with sync code through `blocking_read` / `blocking_write`.
#[derive(Debug, Default)]
pub struct Ledger {
    entries: Vec<u64>,
}

#[sync_to_async(handle = AsyncLedger)]
impl Ledger {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

// ---- A call whose current_thread caller stopped waiting fails fast -----------------------------

static ABANDONED: Mutex<Option<String>> = Mutex::new(None);

#[sync_to_async]
fn waits_on_a_timer(ms: u64) {
    let outcome = std::panic::catch_unwind(|| pause_blocking(ms));
    let message = match outcome {
        Ok(()) => "completed".to_owned(),
        Err(payload) => bridge_tests::panic_message(&*payload)
            .unwrap_or("a panic without a message")
            .to_owned(),
    };
    *ABANDONED.lock().unwrap() = Some(message);
}

/// The caller's `rt.block_on(timeout(10 ms, twin()))` returns, and nothing drives its
/// current_thread runtime any more, so the handed-over call's timer (through `block_on`, on
/// that runtime) can never fire. It used to hang until the runtime was dropped; it fails fast
/// with a message that says why.
#[test]
fn a_call_whose_current_thread_caller_stopped_driving_fails_fast() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let timed_out = runtime.block_on(async {
        tokio::time::timeout(Duration::from_millis(10), waits_on_a_timer_async(100)).await
    });
    assert!(timed_out.is_err());
    bridge_tests::wait_until("the abandoned call to end", || {
        ABANDONED.lock().unwrap().is_some()
    });
    let message = ABANDONED.lock().unwrap().take().unwrap();
    assert!(
        message.starts_with(
            "bridge: `block_on` in a bridged call waits on the caller's current_thread runtime, \
             which nothing has driven"
        ),
        "{message}"
    );
    drop(runtime);
}
