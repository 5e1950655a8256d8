//! Conformance with asgiref's `tests/test_sync.py`: the behaviours of `sync_to_async` and
//! `async_to_sync` that apply to bridge, one test per behaviour, named after it.
//!
//! Every wait has a deadline, so a deadlock fails a test instead of hanging it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, ThreadId};
use std::time::Duration;

use bridge_runtime::{ThreadSensitive, block_on, sync_to_async, thread_sensitive_scope};
use bridge_tests::{DEADLINE, InFlight, deadline, wait_until, within};

fn me() -> ThreadId {
    thread::current().id()
}

fn thread_name() -> String {
    thread::current().name().unwrap_or("<unnamed>").to_owned()
}

#[sync_to_async]
fn where_default() -> ThreadId {
    me()
}

#[sync_to_async(thread_sensitive)]
fn where_sensitive() -> ThreadId {
    me()
}

/// asgiref `test_sync_to_async`: the sync fn runs, returns its value, and does not run on the
/// event loop's thread.
#[tokio::test(flavor = "current_thread")]
async fn sync_fn_runs_off_the_runtime_thread() {
    assert_ne!(deadline(where_default_async()).await, me());
    assert_ne!(deadline(where_sensitive_async()).await, me());
}

/// asgiref `test_thread_sensitive_outside_sync`: outside any scope, thread-sensitive calls
/// from anywhere share one thread, the global one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_sensitive_calls_outside_a_scope_share_the_global_thread() {
    let tasks: Vec<_> = (0..8)
        .map(|_| tokio::spawn(where_sensitive_async()))
        .collect();
    for task in tasks {
        assert_eq!(
            deadline(task).await.unwrap(),
            ThreadSensitive::global().thread_id()
        );
    }
    let from_a_plain_thread = within(|| futures_executor::block_on(where_sensitive_async()));
    assert_eq!(from_a_plain_thread, ThreadSensitive::global().thread_id());
}

/// asgiref `test_thread_sensitive_with_context_matches`: every thread-sensitive call made in
/// one scope, sequential or concurrent, runs on the scope's thread, which is not the global one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_sensitive_calls_in_one_scope_share_a_thread() {
    let threads = deadline(thread_sensitive_scope(async {
        let first = where_sensitive_async().await;
        let (a, b, c) = tokio::join!(
            where_sensitive_async(),
            where_sensitive_async(),
            where_sensitive_async()
        );
        vec![first, a, b, c, where_sensitive_async().await]
    }))
    .await;
    assert!(
        threads.iter().all(|thread| *thread == threads[0]),
        "{threads:?}"
    );
    assert_ne!(threads[0], ThreadSensitive::global().thread_id());
}

/// asgiref `test_thread_sensitive_context_without_sync_work` and the per-request use of
/// `ThreadSensitiveContext`: separate scopes get separate threads, running side by side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separate_scopes_get_different_threads() {
    let one = tokio::spawn(thread_sensitive_scope(async {
        (where_sensitive_async().await, where_sensitive_async().await)
    }));
    let two = tokio::spawn(thread_sensitive_scope(async {
        (where_sensitive_async().await, where_sensitive_async().await)
    }));
    let (one, two) = (deadline(one).await.unwrap(), deadline(two).await.unwrap());
    assert_eq!(one.0, one.1);
    assert_eq!(two.0, two.1);
    assert_ne!(one.0, two.0);
    // A scope that makes no thread-sensitive call starts no thread and still runs its future.
    assert_eq!(deadline(thread_sensitive_scope(async { 7 })).await, 7);
}

/// asgiref `test_thread_sensitive_nested_context`: an inner scope reuses the outer's thread.
#[tokio::test(flavor = "current_thread")]
async fn nested_scopes_reuse_the_outer_thread() {
    let (outer, inner) = deadline(thread_sensitive_scope(async {
        let outer = where_sensitive_async().await;
        let inner = thread_sensitive_scope(where_sensitive_async()).await;
        (outer, inner)
    }))
    .await;
    assert_eq!(outer, inner);
}

/// Sends on its channel when the thread it lives on exits.
struct ExitSignal(std::sync::mpsc::Sender<ThreadId>);

impl Drop for ExitSignal {
    fn drop(&mut self) {
        let _ = self.0.send(me());
    }
}

thread_local! {
    static ON_EXIT: std::cell::RefCell<Option<ExitSignal>> = const { std::cell::RefCell::new(None) };
}

#[sync_to_async(thread_sensitive)]
fn signal_on_exit(signal: std::sync::mpsc::Sender<ThreadId>) -> ThreadId {
    ON_EXIT.with(|slot| *slot.borrow_mut() = Some(ExitSignal(signal)));
    me()
}

/// asgiref's `ThreadSensitiveContext` cleans up its executor on exit: the scope's thread ends
/// with the scope.
#[tokio::test(flavor = "current_thread")]
async fn a_scopes_thread_ends_with_the_scope() {
    let (signal, exited) = std::sync::mpsc::channel();
    let scope_thread = deadline(thread_sensitive_scope(signal_on_exit_async(signal))).await;
    let ended = within(move || exited.recv_timeout(DEADLINE));
    assert_eq!(ended, Ok(scope_thread));
}

/// asgiref `test_async_to_sync_to_async` / `test_sync_to_async_to_async_to_sync` run inside
/// the outer loop: `block_on` called from a twin's sync fn uses the caller's runtime, not a new
/// one, so a task it spawns lands on the caller's runtime threads.
#[sync_to_async]
fn spawn_from_sync() -> String {
    block_on(async { tokio::spawn(async { thread_name() }).await.unwrap() })
}

#[test]
fn async_to_sync_inside_sync_to_async_runs_on_the_outer_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("outer-rt")
        .enable_all()
        .build()
        .unwrap();
    let names: Vec<String> = runtime.block_on(async {
        let mut names = Vec::new();
        for _ in 0..5 {
            names.push(deadline(spawn_from_sync_async()).await);
        }
        names
    });
    assert!(names.iter().all(|name| name == "outer-rt"), "{names:?}");
}

/// asgiref `test_async_to_sync_in_async`: using `async_to_sync` on the event loop's own thread
/// is refused with a clear error.
#[test]
fn async_to_sync_on_a_worker_thread_panics() {
    const MESSAGE: &str = "bridge: `block_on` was called on an async runtime worker thread, where blocking would stall every task on that thread; `.await` the future instead";
    for runtime in [
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap(),
    ] {
        let payload = runtime
            .block_on(async { deadline(tokio::spawn(async { block_on(async { 1 }) })).await })
            .unwrap_err()
            .into_panic();
        assert_eq!(bridge_tests::panic_message(&*payload), Some(MESSAGE));
    }
}

/// asgiref's `async_to_sync` from plain sync code: one embedded loop, never one per call.
#[test]
fn async_to_sync_from_a_plain_thread_uses_one_embedded_runtime() {
    let names = within(|| {
        (0..20)
            .map(|_| block_on(async { tokio::spawn(async { thread_name() }).await.unwrap() }))
            .collect::<std::collections::BTreeSet<_>>()
    });
    assert_eq!(names.into_iter().collect::<Vec<_>>(), ["bridge-embedded"]);
}

/// The thread each level of a nested chain ran on, outermost first.
static CHAIN: Mutex<Vec<ThreadId>> = Mutex::new(Vec::new());

#[sync_to_async(thread_sensitive)]
fn innermost() -> ThreadId {
    CHAIN.lock().unwrap().push(me());
    me()
}

#[sync_to_async(thread_sensitive)]
fn middle() -> ThreadId {
    CHAIN.lock().unwrap().push(me());
    block_on(innermost_async())
}

#[sync_to_async(thread_sensitive)]
fn outermost() -> ThreadId {
    CHAIN.lock().unwrap().push(me());
    block_on(async { middle_async().await })
}

/// Serialises the tests that use `CHAIN`.
static CHAIN_TESTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// asgiref `test_thread_sensitive_double_nested_sync`: sync -> async -> sync -> async -> sync,
/// every sync level thread-sensitive. The blocked thread runs the inner calls itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_sensitive_double_nested_sync() {
    let _chain = CHAIN_TESTS.lock().await;
    CHAIN.lock().unwrap().clear();
    let innermost = deadline(outermost_async()).await;
    let chain = CHAIN.lock().unwrap().clone();
    assert_eq!(chain, vec![ThreadSensitive::global().thread_id(); 3]);
    assert_eq!(innermost, ThreadSensitive::global().thread_id());
}

/// asgiref `test_thread_sensitive_double_nested_async`: the same chain entered from async code
/// inside a scope stays on the scope's thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_sensitive_double_nested_async_in_a_scope() {
    let _chain = CHAIN_TESTS.lock().await;
    CHAIN.lock().unwrap().clear();
    let scope_thread = deadline(thread_sensitive_scope(async {
        let scope_thread = where_sensitive_async().await;
        assert_eq!(outermost_async().await, scope_thread);
        scope_thread
    }))
    .await;
    assert_ne!(scope_thread, ThreadSensitive::global().thread_id());
    assert_eq!(CHAIN.lock().unwrap().clone(), vec![scope_thread; 3]);
}

#[sync_to_async(thread_sensitive)]
fn spawns_a_task_that_calls_back() -> (ThreadId, ThreadId) {
    let inner = block_on(async {
        bridge_runtime::spawn(where_sensitive_async())
            .await
            .unwrap()
    });
    (me(), inner)
}

/// asgiref `test_nested_task` (`test_async_to_sync_to_thread_sensitive` with a task): the
/// inner thread-sensitive call comes from a task spawned inside the async part, and still runs
/// on the blocked thread instead of deadlocking. asgiref's tasks inherit their context;
/// `bridge_runtime::spawn` is how a tokio task inherits the blocked call's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_task_calls_reach_the_blocked_thread() {
    let (outer, inner) = deadline(spawns_a_task_that_calls_back_async()).await;
    assert_eq!(outer, ThreadSensitive::global().thread_id());
    assert_eq!(inner, outer);
}

/// A payload that is not a string, to prove the payload itself crosses every boundary.
#[derive(Debug, PartialEq)]
struct Boom(u32);

#[sync_to_async(thread_sensitive)]
fn explode(code: u32) {
    std::panic::panic_any(Boom(code));
}

#[sync_to_async(thread_sensitive)]
fn explode_through_block_on(code: u32) {
    block_on(explode_async(code));
}

/// asgiref `test_sync_to_async_raises` / `test_async_to_sync_raises` and the nested variants:
/// a panic crossing each boundary keeps its payload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_crossing_each_boundary_keeps_its_payload() {
    // sync -> async
    let payload = deadline(tokio::spawn(explode_async(1)))
        .await
        .unwrap_err()
        .into_panic();
    assert_eq!(payload.downcast_ref::<Boom>(), Some(&Boom(1)));
    // async -> sync, from a plain thread
    let payload =
        within(|| std::panic::catch_unwind(|| block_on(async { std::panic::panic_any(Boom(2)) })))
            .unwrap_err();
    assert_eq!(payload.downcast_ref::<Boom>(), Some(&Boom(2)));
    // sync -> async -> sync -> async, on the thread-sensitive thread
    let payload = deadline(tokio::spawn(explode_through_block_on_async(3)))
        .await
        .unwrap_err()
        .into_panic();
    assert_eq!(payload.downcast_ref::<Boom>(), Some(&Boom(3)));
    // ... and the thread-sensitive thread still serves calls.
    assert_eq!(
        deadline(where_sensitive_async()).await,
        ThreadSensitive::global().thread_id()
    );
}

static SLOW_DONE: AtomicUsize = AtomicUsize::new(0);

#[sync_to_async(thread_sensitive)]
fn slow_sensitive(ms: u64) {
    thread::sleep(Duration::from_millis(ms));
    SLOW_DONE.fetch_add(1, Ordering::SeqCst);
}

#[sync_to_async(thread_sensitive)]
fn slow_nested(ms: u64) {
    block_on(slow_sensitive_async(ms));
}

/// asgiref `test_sync_to_async_with_blocker_thread_sensitive` after a cancelled task: a
/// cancelled (dropped) outer call, even one blocked in a nested chain, does not leave the
/// executor wedged, and the call it started still completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_outer_call_does_not_wedge_the_executor() {
    let before = SLOW_DONE.load(Ordering::SeqCst);
    assert!(
        tokio::time::timeout(Duration::from_millis(5), slow_sensitive_async(100))
            .await
            .is_err()
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(5), slow_nested_async(100))
            .await
            .is_err()
    );
    deadline(slow_sensitive_async(0)).await;
    wait_until("both cancelled calls to complete", || {
        SLOW_DONE.load(Ordering::SeqCst) - before == 3
    });
}

static PARALLEL: InFlight = InFlight::new();
static SERIAL: InFlight = InFlight::new();
static ARRIVED: AtomicUsize = AtomicUsize::new(0);

/// Waits until all four callers are inside at once, which only parallel calls can reach.
#[sync_to_async]
fn rendezvous() {
    let _inside = PARALLEL.enter();
    ARRIVED.fetch_add(1, Ordering::SeqCst);
    wait_until("four parallel calls", || {
        ARRIVED.load(Ordering::SeqCst) >= 4
    });
}

#[sync_to_async(thread_sensitive)]
fn exclusive() {
    let _inside = SERIAL.enter();
    thread::sleep(Duration::from_millis(5));
}

/// asgiref `test_sync_to_async_with_blocker_non_thread_sensitive` vs the thread-sensitive
/// blocker: default calls run in parallel, thread-sensitive calls one at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_calls_run_in_parallel_while_thread_sensitive_calls_are_serialised() {
    let parallel: Vec<_> = (0..4).map(|_| tokio::spawn(rendezvous_async())).collect();
    let serial: Vec<_> = (0..4).map(|_| tokio::spawn(exclusive_async())).collect();
    for task in parallel.into_iter().chain(serial) {
        deadline(task).await.unwrap();
    }
    assert_eq!(PARALLEL.peak(), 4);
    assert_eq!(SERIAL.peak(), 1);
}

static ORDER: Mutex<Vec<u32>> = Mutex::new(Vec::new());

#[sync_to_async(thread_sensitive)]
fn record(step: u32) {
    ORDER.lock().unwrap().push(step);
}

/// Thread-sensitive calls run in the order they were made (one queue, FIFO).
#[tokio::test(flavor = "current_thread")]
async fn thread_sensitive_calls_run_in_the_order_they_were_made() {
    deadline(thread_sensitive_scope(async {
        tokio::join!(
            record_async(0),
            record_async(1),
            record_async(2),
            record_async(3),
            record_async(4)
        );
    }))
    .await;
    assert_eq!(*ORDER.lock().unwrap(), [0, 1, 2, 3, 4]);
}

/// A raw `spawn_blocking` closure may use `block_on`: it runs on the current runtime, as
/// `Handle::block_on` does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_on_inside_raw_spawn_blocking_uses_the_current_runtime() {
    let value = deadline(tokio::task::spawn_blocking(|| {
        block_on(async { tokio::spawn(async { 5 }).await.unwrap() })
    }))
    .await
    .unwrap();
    assert_eq!(value, 5);
}
