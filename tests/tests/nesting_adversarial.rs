//! The nesting rules under adversarial use: chains three levels deep that mix `Pool`, default and
//! thread-sensitive hops with panics at every level, futures dropped while their call is blocked
//! mid-nest, `bridge_runtime::spawn` tasks that outlive their `block_on`, unrelated requests
//! interleaved with nested ones, `Pool::shutdown` while a chain is nested on the pool, nested
//! default chains on a blocking pool of one thread, chains that cross each other, a pool's bound
//! while its blocked threads lend their slots, deep chains, and nested default calls on the
//! fallback pool.
//!
//! Every wait has a deadline, so a deadlock fails a test instead of hanging it;
//! scenarios whose failure would abort the process or leave shared threads stuck run in a child
//! process.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, LazyLock, Mutex, Once};
use std::task::{Context, Poll, Waker};
use std::thread::{self, ThreadId};
use std::time::Duration;

use bridge_runtime::{
    Pool, ThreadSensitive, block_on, run_in, sync_to_async, thread_sensitive_scope, to_thread,
};
use bridge_tests::{InFlight, deadline, panic_message, wait_until, within};

// ---- Helpers ------------------------------------------------------------------------------------

/// The message of every panic these tests cause on purpose.
const BOOM: &str = "adversarial: boom";

/// Silences the panics these tests cause on purpose; every other panic is reported as usual.
fn quiet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let expected = info
                .payload_as_str()
                .is_some_and(|m| m.starts_with(BOOM) || m.starts_with("bridge: pool `adv-shut"));
            if !expected {
                previous(info);
            }
        }));
    });
}

fn me() -> ThreadId {
    thread::current().id()
}

fn thread_name() -> String {
    thread::current().name().unwrap_or("<unnamed>").to_owned()
}

/// A runtime whose threads (workers and blocking threads) are named `adv-rt`.
fn runtime(max_blocking_threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(max_blocking_threads)
        .thread_name("adv-rt")
        .enable_all()
        .build()
        .unwrap()
}

/// Polls `future` once and drops it: a call polled once has been handed over.
fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
    let mut future = pin!(future);
    future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
}

// ---- Chains: each level is a twin whose body blocks on the next level's twin --------------------

const POOL: u8 = 0;
const DEFAULT: u8 = 1;
const SENSITIVE: u8 = 2;

/// Its idle threads stay for a minute, so that a queued call left to wait for an idle thread's
/// keep-alive shows as a stall.
static ADV_POOL: LazyLock<Pool> =
    LazyLock::new(|| Pool::new("adv-pool", 2).keep_alive(Duration::from_secs(60)));

/// What one level saw: its kind, its thread's name and id.
type Trace = Vec<(u8, String, ThreadId)>;

/// How often the bodies of each chain ran, by chain number.
static ENTERED: [AtomicUsize; 300] = [const { AtomicUsize::new(0) }; 300];

/// A chain: which executor each level runs on, the level that panics (after its inner levels
/// returned), and how long the innermost level sleeps.
#[derive(Debug, Clone)]
pub struct Plan {
    id: usize,
    levels: Vec<u8>,
    panic_at: Option<usize>,
    leaf_ms: u64,
}

fn level(plan: Plan, depth: usize) -> Trace {
    ENTERED[plan.id].fetch_add(1, SeqCst);
    let mut trace = vec![(plan.levels[depth], thread_name(), me())];
    if depth + 1 < plan.levels.len() {
        trace.extend(block_on(next(plan.clone(), depth + 1)));
    } else {
        thread::sleep(Duration::from_millis(plan.leaf_ms));
    }
    if plan.panic_at == Some(depth) {
        panic!("{BOOM} chain {} level {depth}", plan.id);
    }
    trace
}

async fn next(plan: Plan, depth: usize) -> Trace {
    match plan.levels[depth] {
        POOL => level_pool_async(plan, depth).await,
        DEFAULT => level_default_async(plan, depth).await,
        _ => level_sensitive_async(plan, depth).await,
    }
}

#[sync_to_async(executor = ADV_POOL)]
fn level_pool(plan: Plan, depth: usize) -> Trace {
    level(plan, depth)
}

#[sync_to_async]
fn level_default(plan: Plan, depth: usize) -> Trace {
    level(plan, depth)
}

#[sync_to_async(thread_sensitive)]
fn level_sensitive(plan: Plan, depth: usize) -> Trace {
    level(plan, depth)
}

/// Every plan of three levels over `kinds`, each with no panic and with a panic at each level.
fn plans(first_id: usize, kinds: &[u8]) -> Vec<Plan> {
    let mut plans = Vec::new();
    for &a in kinds {
        for &b in kinds {
            for &c in kinds {
                for panic_at in [None, Some(0), Some(1), Some(2)] {
                    plans.push(Plan {
                        id: first_id + plans.len(),
                        levels: vec![a, b, c],
                        panic_at,
                        leaf_ms: 1,
                    });
                }
            }
        }
    }
    plans
}

/// Checks one chain's outcome: the panic of the level that panicked, with its payload, or the
/// trace of a chain that did not panic, each level on a thread of its kind, and its
/// thread-sensitive levels all on one thread (`sensitive`, if given).
fn check(plan: &Plan, outcome: Result<Trace, tokio::task::JoinError>, sensitive: Option<&str>) {
    assert_eq!(ENTERED[plan.id].load(SeqCst), 3, "{plan:?}");
    let trace = match (plan.panic_at, outcome) {
        (Some(depth), Err(error)) => {
            let payload = error.into_panic();
            let expected = format!("{BOOM} chain {} level {depth}", plan.id);
            assert_eq!(panic_message(&*payload), Some(&*expected), "{plan:?}");
            return;
        }
        (None, Ok(trace)) => trace,
        (_, outcome) => panic!("{plan:?}: {outcome:?}"),
    };
    assert_eq!(trace.len(), 3);
    let mut sensitive_threads = Vec::new();
    for (kind, name, id) in &trace {
        match *kind {
            POOL => assert!(name.starts_with("adv-pool-"), "{plan:?}: {trace:?}"),
            DEFAULT => assert_eq!(name, "adv-rt", "{plan:?}: {trace:?}"),
            _ => {
                if let Some(sensitive) = sensitive {
                    assert!(name.starts_with(sensitive), "{plan:?}: {trace:?}");
                }
                sensitive_threads.push(*id);
            }
        }
    }
    sensitive_threads.dedup();
    assert!(sensitive_threads.len() <= 1, "{plan:?}: {trace:?}");
}

/// 108 chains at once, each in its own scope: every order of pool, default and thread-sensitive
/// hops three levels deep, with no panic or a panic at each level, on a pool of two threads.
#[test]
fn scoped_chains_mixing_pool_default_and_sensitive_hops_with_panics_at_each_level() {
    quiet_panics();
    let plans = plans(0, &[POOL, DEFAULT, SENSITIVE]);
    assert_eq!(plans.len(), 108);
    let outcomes = within({
        let plans = plans.clone();
        move || {
            runtime(512).block_on(async move {
                let tasks: Vec<_> = plans
                    .into_iter()
                    .map(|plan| tokio::spawn(thread_sensitive_scope(next(plan, 0))))
                    .collect();
                let mut outcomes = Vec::new();
                for task in tasks {
                    outcomes.push(deadline(task).await);
                }
                outcomes
            })
        }
    });
    for (plan, outcome) in plans.iter().zip(outcomes) {
        check(plan, outcome, Some("bridge-scope-"));
    }
}

/// The same without scopes, one chain at a time: thread-sensitive levels run on the global
/// thread, or on the one blocked above them.
#[test]
fn unscoped_chains_one_at_a_time_with_panics_at_each_level() {
    quiet_panics();
    let plans = plans(108, &[POOL, DEFAULT, SENSITIVE]);
    let outcomes = within({
        let plans = plans.clone();
        move || {
            runtime(512).block_on(async move {
                let mut outcomes = Vec::new();
                for plan in plans {
                    outcomes.push(deadline(tokio::spawn(next(plan, 0))).await);
                }
                outcomes
            })
        }
    });
    for (plan, outcome) in plans.iter().zip(outcomes) {
        check(plan, outcome, Some("bridge-sensitive"));
    }
}

/// Unscoped default and thread-sensitive chains at once share the global thread: a chain blocked
/// on it runs its own inner calls, the others wait their turn.
#[test]
fn unscoped_default_and_sensitive_chains_at_once_share_the_global_thread() {
    quiet_panics();
    let plans = plans(216, &[DEFAULT, SENSITIVE]);
    assert_eq!(plans.len(), 32);
    let outcomes = within({
        let plans = plans.clone();
        move || {
            runtime(512).block_on(async move {
                let tasks: Vec<_> = plans
                    .into_iter()
                    .map(|plan| tokio::spawn(next(plan, 0)))
                    .collect();
                let mut outcomes = Vec::new();
                for task in tasks {
                    outcomes.push(deadline(task).await);
                }
                outcomes
            })
        }
    });
    for (plan, outcome) in plans.iter().zip(outcomes) {
        check(plan, outcome, Some("bridge-sensitive"));
    }
}

// ---- A runtime with one blocking thread ---------------------------------------------------------

/// 16 chains of three default hops on a runtime whose blocking pool has one thread: each chain's
/// inner calls run on its own blocked thread. Then 16 chains default → sensitive → default, each
/// in its scope, with panics at each level.
#[test]
fn sixteen_nested_default_chains_on_a_blocking_pool_of_one_thread() {
    quiet_panics();
    let default_plans: Vec<Plan> = (0..16)
        .map(|k| Plan {
            id: 248 + k,
            levels: vec![DEFAULT; 3],
            panic_at: None,
            leaf_ms: 1,
        })
        .collect();
    let outcomes = within({
        let plans = default_plans.clone();
        move || {
            runtime(1).block_on(async move {
                let tasks: Vec<_> = plans
                    .into_iter()
                    .map(|plan| tokio::spawn(next(plan, 0)))
                    .collect();
                let mut outcomes = Vec::new();
                for task in tasks {
                    outcomes.push(deadline(task).await);
                }
                outcomes
            })
        }
    });
    let mut threads = Vec::new();
    for (plan, outcome) in default_plans.iter().zip(outcomes) {
        let trace = outcome.as_ref().unwrap().clone();
        threads.extend(trace.iter().map(|(_, _, id)| *id));
        check(plan, outcome, None);
    }
    threads.sort_by_key(|id| format!("{id:?}"));
    threads.dedup();
    assert_eq!(threads.len(), 1, "one blocking thread ran every level");
}

static MIXED_ON_ONE: [AtomicUsize; 4] = [const { AtomicUsize::new(0) }; 4];

#[sync_to_async]
fn one_outer(panic_at: u8) -> u32 {
    MIXED_ON_ONE[0].fetch_add(1, SeqCst);
    let inner = block_on(one_middle_async(panic_at));
    assert!(panic_at != 0, "{BOOM} outer");
    inner + 1
}

#[sync_to_async(thread_sensitive)]
fn one_middle(panic_at: u8) -> u32 {
    MIXED_ON_ONE[1].fetch_add(1, SeqCst);
    let inner = block_on(async move {
        let a = one_inner_async(panic_at).await;
        let b = to_thread(|| 1).await;
        a + b
    });
    assert!(panic_at != 1, "{BOOM} middle");
    inner + 1
}

#[sync_to_async]
fn one_inner(panic_at: u8) -> u32 {
    MIXED_ON_ONE[2].fetch_add(1, SeqCst);
    assert!(panic_at != 2, "{BOOM} inner");
    1
}

#[test]
fn sixteen_scoped_default_sensitive_default_chains_on_a_blocking_pool_of_one_thread() {
    quiet_panics();
    let results = within(|| {
        runtime(1).block_on(async {
            let tasks: Vec<_> = (0..16u8)
                .map(|k| tokio::spawn(thread_sensitive_scope(one_outer_async(k % 4))))
                .collect();
            let mut results = Vec::new();
            for task in tasks {
                results.push(deadline(task).await);
            }
            results
        })
    });
    for (k, result) in results.into_iter().enumerate() {
        match k % 4 {
            3 => assert_eq!(result.unwrap(), 4),
            level => {
                let payload = result.unwrap_err().into_panic();
                let expected = ["outer", "middle", "inner"][level];
                assert_eq!(
                    panic_message(&*payload),
                    Some(&*format!("{BOOM} {expected}"))
                );
            }
        }
    }
    for count in &MIXED_ON_ONE[..3] {
        assert_eq!(count.load(SeqCst), 16);
    }
}

// ---- Futures dropped while their call is blocked mid-nest ---------------------------------------

/// A chain pool → default → sensitive whose innermost level sleeps 60 ms, awaited with a 10 ms
/// timeout: the caller has gone while the call is blocked two levels down. Every level still
/// runs exactly once, and the pool and the thread-sensitive thread serve the next calls.
#[test]
fn a_chain_whose_caller_times_out_mid_nest_still_runs_every_level_once() {
    quiet_panics();
    let plans: Vec<Plan> = (0..6)
        .map(|k| Plan {
            id: 264 + k,
            levels: [
                vec![POOL, DEFAULT, SENSITIVE],
                vec![SENSITIVE, POOL, DEFAULT],
                vec![DEFAULT, SENSITIVE, POOL],
            ][k % 3]
                .clone(),
            panic_at: (k >= 3).then_some(2),
            leaf_ms: 60,
        })
        .collect();
    within({
        let plans = plans.clone();
        move || {
            let runtime = runtime(512);
            runtime.block_on(async {
                for plan in plans.clone() {
                    let timed_out = tokio::time::timeout(
                        Duration::from_millis(10),
                        thread_sensitive_scope(next(plan, 0)),
                    )
                    .await;
                    assert!(timed_out.is_err());
                }
            });
            // The runtime stays up while the abandoned chains finish: their inner levels are
            // new calls, which a shut-down runtime would refuse.
            for plan in &plans {
                wait_until("every level of a timed-out chain to run", || {
                    ENTERED[plan.id].load(SeqCst) == 3
                });
            }
        }
    });
    thread::sleep(Duration::from_millis(20));
    for plan in &plans {
        assert_eq!(ENTERED[plan.id].load(SeqCst), 3, "{plan:?}");
    }
    // The executors serve the next calls.
    let after = within(|| {
        runtime(512).block_on(async {
            let pool = deadline(level_pool_async(
                Plan {
                    id: 290,
                    levels: vec![POOL],
                    panic_at: None,
                    leaf_ms: 0,
                },
                0,
            ))
            .await;
            let sensitive = deadline(level_sensitive_async(
                Plan {
                    id: 290,
                    levels: vec![SENSITIVE],
                    panic_at: None,
                    leaf_ms: 0,
                },
                0,
            ))
            .await;
            (pool, sensitive)
        })
    });
    assert!(after.0[0].1.starts_with("adv-pool-"));
    assert_eq!(after.1[0].1, "bridge-sensitive");
}

/// Inside a blocked call, an inner call for the same thread is handed over and its future
/// dropped at once, so the `block_on` returns before the call has run: the call still runs
/// exactly once, on the right thread. For a thread-sensitive thread the call can run only there,
/// so after the blocked call ends; for a pool of one thread, on a thread of the pool.
#[test]
fn an_inner_call_dropped_after_hand_over_runs_once_after_its_block_on_returns() {
    static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());
    fn log(what: String) {
        LOG.lock().unwrap().push(what);
    }
    let db = Arc::new(ThreadSensitive::new("adv-dropped-inner"));
    let pool = Arc::new(Pool::new("adv-one", 1));
    let db_thread = db.thread_id();
    within({
        let (db, pool) = (Arc::clone(&db), Arc::clone(&pool));
        move || {
            runtime(512).block_on(async move {
                let inner_db = Arc::clone(&db);
                run_in(&*db, move || {
                    log("db outer starts".into());
                    let polled = block_on(async move {
                        poll_once(run_in(&*inner_db, move || {
                            log(format!("db inner on its thread: {}", me() == db_thread));
                        }))
                        .is_pending()
                    });
                    assert!(polled);
                    thread::sleep(Duration::from_millis(10));
                    log("db outer ends".into());
                })
                .await;
                // The db's inner call runs after its outer call, on the db's thread.
                deadline(async {
                    while LOG.lock().unwrap().len() < 3 {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                })
                .await;
                let inner_pool = Arc::clone(&pool);
                run_in(&*pool, move || {
                    log("pool outer starts".into());
                    let polled = block_on(async move {
                        // Slow enough that the first poll, which looks for a short call's
                        // outcome before it parks, cannot find it done.
                        poll_once(run_in(&*inner_pool, || {
                            thread::sleep(Duration::from_millis(50));
                            log(format!("pool inner on {}", thread_name()));
                        }))
                        .is_pending()
                    });
                    assert!(polled);
                    thread::sleep(Duration::from_millis(10));
                    log("pool outer ends".into());
                })
                .await;
            });
        }
    });
    wait_until("the dropped inner calls to run", || {
        LOG.lock().unwrap().len() >= 6
    });
    thread::sleep(Duration::from_millis(20));
    let log = LOG.lock().unwrap().clone();
    // The db's inner call can run only on the db's thread, so after its outer call.
    assert_eq!(
        log[..3],
        [
            "db outer starts",
            "db outer ends",
            "db inner on its thread: true"
        ]
    );
    // The pool's inner call runs once, on a thread of the pool: after the outer call on its
    // only thread, or beside it while the outer call waits in `block_on`.
    assert_eq!(log.len(), 6, "{log:?}");
    assert_eq!(log[3], "pool outer starts");
    let rest = &log[4..];
    assert!(rest.iter().any(|step| step == "pool outer ends"), "{log:?}");
    assert!(
        rest.iter()
            .any(|step| step.starts_with("pool inner on adv-one-")),
        "{log:?}"
    );
}

// ---- bridge_runtime::spawn tasks that outlive their block_on ------------------------------------

/// A task started with `bridge_runtime::spawn` inside a `block_on` that returns at once,
/// without waiting for it: the task outlives the `block_on`.
fn spawn_in_block_on<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    /// The handle, wrapped so that the `block_on` does not yield something awaitable.
    struct Late<T>(T);
    block_on(async move { Late(bridge_runtime::spawn(future)) }).0
}

#[sync_to_async(thread_sensitive)]
fn where_sensitive() -> ThreadId {
    me()
}

/// A thread-sensitive call whose body starts a task with `bridge_runtime::spawn` inside
/// `block_on` and returns without waiting for it; the task makes its thread-sensitive calls
/// later, once the `block_on` has returned.
#[sync_to_async(thread_sensitive)]
fn start_late_task(delay_ms: u64) -> (ThreadId, tokio::task::JoinHandle<Vec<ThreadId>>) {
    let task = spawn_in_block_on(async move {
        let mut seen = Vec::new();
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            seen.push(where_sensitive_async().await);
            seen.push(to_thread(|| block_on(where_sensitive_async())).await);
        }
        seen
    });
    (me(), task)
}

/// In a scope: the late task's calls (direct, and through a default hop) run on the scope's
/// thread, after the call that started it has returned.
#[test]
fn a_spawned_task_that_outlives_its_block_on_still_runs_on_the_scope_thread() {
    let (outer, seen) = within(|| {
        runtime(512).block_on(async {
            thread_sensitive_scope(async {
                let (outer, task) = deadline(start_late_task_async(5)).await;
                let seen = deadline(task).await.unwrap();
                let after = deadline(where_sensitive_async()).await;
                assert_eq!(after, outer);
                (outer, seen)
            })
            .await
        })
    });
    assert_eq!(seen, vec![outer; 6]);
    assert_ne!(outer, ThreadSensitive::global().thread_id());
}

/// Unscoped, on an explicit thread-sensitive executor: the late task's calls for that executor
/// run on its thread, and wait for an unrelated call that is blocked on the thread meanwhile
/// instead of running nested in it.
#[test]
fn a_spawned_task_that_outlives_its_block_on_waits_for_an_unrelated_blocked_call() {
    static UNRELATED_RUNNING: AtomicBool = AtomicBool::new(false);
    static NESTED_IN_UNRELATED: AtomicUsize = AtomicUsize::new(0);
    let db = Arc::new(ThreadSensitive::new("adv-late"));
    let db_thread = db.thread_id();
    let seen = within({
        let db = Arc::clone(&db);
        move || {
            runtime(512).block_on(async move {
                let late = Arc::clone(&db);
                let task = deadline(run_in(&*db, move || {
                    spawn_in_block_on(async move {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        let mut seen = Vec::new();
                        for _ in 0..3 {
                            let id = run_in(&*late, || {
                                if UNRELATED_RUNNING.load(SeqCst) {
                                    NESTED_IN_UNRELATED.fetch_add(1, SeqCst);
                                }
                                me()
                            });
                            seen.push(id.await);
                        }
                        seen
                    })
                }))
                .await;
                // An unrelated call blocks the thread while the task makes its calls.
                let unrelated = run_in(&*db, || {
                    UNRELATED_RUNNING.store(true, SeqCst);
                    block_on(tokio::time::sleep(Duration::from_millis(40)));
                    UNRELATED_RUNNING.store(false, SeqCst);
                });
                let (seen, ()) = deadline(async { tokio::join!(task, unrelated) }).await;
                seen.unwrap()
            })
        }
    });
    assert_eq!(seen, vec![db_thread; 3]);
    assert_eq!(NESTED_IN_UNRELATED.load(SeqCst), 0);
}

/// Unscoped, on an explicit thread-sensitive executor: a late task makes one thread-sensitive
/// twin call while the `block_on` it was started in is still blocked (it runs on the blocked
/// thread), and another once the `block_on` has returned. Both are one request's calls, made
/// from the same task: they must run on the same thread (the same thread-local connection),
/// whatever the timing.
#[test]
fn a_late_task_keeps_its_thread_sensitive_calls_on_one_thread() {
    let db = Arc::new(ThreadSensitive::new("adv-late-split"));
    let (first, second) = within(move || {
        runtime(512).block_on(async move {
            let task = deadline(run_in(&*db, || {
                let (first_done, first_seen) = tokio::sync::oneshot::channel();
                /// The handle, wrapped so that the `block_on` does not yield something awaitable.
                struct Late<T>(T);
                block_on(async move {
                    let task = bridge_runtime::spawn(async move {
                        let first = where_sensitive_async().await;
                        let _ = first_done.send(());
                        // By now the `block_on` has returned.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        (first, where_sensitive_async().await)
                    });
                    let _ = first_seen.await;
                    Late(task)
                })
                .0
            }))
            .await;
            deadline(task).await.unwrap()
        })
    });
    assert_eq!(
        first, second,
        "one task's thread-sensitive calls ran on two threads"
    );
}

// ---- Unrelated requests interleaved with nested ones --------------------------------------------

static NESTED_ACTIVE: AtomicUsize = AtomicUsize::new(0);
static VIOLATIONS: AtomicUsize = AtomicUsize::new(0);
static UNRELATED_DONE: AtomicUsize = AtomicUsize::new(0);
static INNER_DONE: AtomicUsize = AtomicUsize::new(0);

/// 24 nested requests (db → block_on → db, and db → default → db, 3 levels) and 400 unrelated
/// calls on one thread-sensitive thread, all at once: an unrelated call never starts while a
/// nested request is in progress on the thread.
#[test]
fn an_unrelated_call_never_starts_while_a_nested_request_is_in_progress() {
    let db = Arc::new(ThreadSensitive::new("adv-interleave"));
    within({
        let db = Arc::clone(&db);
        move || {
            runtime(512).block_on(async move {
                let mut tasks = Vec::new();
                for k in 0..424 {
                    let db = Arc::clone(&db);
                    let task = if k % 18 == 0 {
                        tokio::spawn(async move {
                            let inner = Arc::clone(&db);
                            run_in(&*db, move || {
                                NESTED_ACTIVE.fetch_add(1, SeqCst);
                                block_on(async move {
                                    tokio::time::sleep(Duration::from_millis(1)).await;
                                    let again = Arc::clone(&inner);
                                    run_in(&*inner, || INNER_DONE.fetch_add(1, SeqCst)).await;
                                    to_thread(move || {
                                        block_on(run_in(&*again, || {
                                            INNER_DONE.fetch_add(1, SeqCst)
                                        }))
                                    })
                                    .await;
                                });
                                NESTED_ACTIVE.fetch_sub(1, SeqCst);
                            })
                            .await;
                        })
                    } else {
                        tokio::spawn(async move {
                            if k % 3 == 0 {
                                tokio::task::yield_now().await;
                            }
                            run_in(&*db, || {
                                if NESTED_ACTIVE.load(SeqCst) > 0 {
                                    VIOLATIONS.fetch_add(1, SeqCst);
                                }
                                UNRELATED_DONE.fetch_add(1, SeqCst);
                            })
                            .await;
                        })
                    };
                    tasks.push(task);
                }
                for task in tasks {
                    deadline(task).await.unwrap();
                }
            });
        }
    });
    assert_eq!(UNRELATED_DONE.load(SeqCst), 424 - 24);
    assert_eq!(INNER_DONE.load(SeqCst), 2 * 24);
    assert_eq!(VIOLATIONS.load(SeqCst), 0, "unrelated calls ran nested");
}

// ---- Pool::shutdown while a chain is nested on it -----------------------------------------------

/// What the caller of an inner call saw: the call's value, or its panic's message.
type InnerOutcome = Result<usize, Option<String>>;

/// An inner call for the pool, made from inside a call blocked on one of its threads.
type InnerCall = fn(Arc<Pool>, &'static AtomicUsize) -> Pin<Box<dyn Future<Output = InnerOutcome>>>;

/// A chain blocked on a thread of the pool `name` makes its inner call (`inner`) for the same
/// pool after `Pool::shutdown` has begun: shutdown must return, and the inner call either runs
/// (its caller gets its value) or is refused (its caller panics and it never runs), never both.
fn shutdown_while_nested(name: &'static str, ran: &'static AtomicUsize, inner: InnerCall) {
    quiet_panics();
    let started = Arc::new(AtomicBool::new(false));
    let pool = Arc::new(Pool::new(name, 2));
    let (outcome, shutdown) = within({
        let pool = Arc::clone(&pool);
        move || {
            runtime(512).block_on(async move {
                let outer = tokio::spawn({
                    let (pool, started) = (Arc::clone(&pool), Arc::clone(&started));
                    async move {
                        let on_pool = Arc::clone(&pool);
                        run_in(&*on_pool, move || {
                            started.store(true, SeqCst);
                            block_on(async move {
                                tokio::time::sleep(Duration::from_millis(100)).await;
                                inner(pool, ran).await
                            })
                        })
                        .await
                    }
                });
                while !started.load(SeqCst) {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                let shutdown =
                    tokio::task::spawn_blocking(move || pool.shutdown(Duration::from_secs(10)));
                let outcome = deadline(outer)
                    .await
                    .map_err(|error| panic_message(&*error.into_panic()).map(str::to_owned))
                    .and_then(|outcome| outcome);
                (outcome, deadline(shutdown).await.unwrap())
            })
        }
    });
    assert_eq!(shutdown, Ok(()));
    eprintln!(
        "pool shutdown ({name}): the inner call's caller saw {outcome:?}, its body ran {} times",
        ran.load(SeqCst)
    );
    match outcome {
        Ok(_) => assert_eq!(ran.load(SeqCst), 1),
        Err(message) => {
            assert_eq!(
                message,
                Some(format!(
                    "bridge: pool `{name}` is shut down and takes no more calls"
                ))
            );
            assert_eq!(ran.load(SeqCst), 0, "a refused call ran");
        }
    }
}

/// The inner call made directly by the blocked call's future.
#[test]
fn pool_shutdown_while_a_chain_is_nested_on_it() {
    static RAN: AtomicUsize = AtomicUsize::new(0);
    shutdown_while_nested("adv-shut-direct", &RAN, |pool, ran| {
        Box::pin(async move { Ok(run_in(&*pool, move || ran.fetch_add(1, SeqCst)).await) })
    });
}

/// The inner call made from a `bridge_runtime::spawn` task of the blocked call, while the
/// blocked thread keeps waiting: a call the pool refuses must not run on the blocked thread
/// either (it used to be offered there before the pool refused it, so its caller panicked with
/// "shut down" while the blocked thread ran it anyway).
#[test]
fn pool_shutdown_while_a_chain_is_nested_on_it_from_a_spawned_task() {
    static RAN: AtomicUsize = AtomicUsize::new(0);
    shutdown_while_nested("adv-shut-spawned", &RAN, |pool, ran| {
        Box::pin(async move {
            let task = bridge_runtime::spawn(async move {
                run_in(&*pool, move || ran.fetch_add(1, SeqCst)).await
            });
            // The blocked thread waits a little longer, running what the chain hands it.
            tokio::time::sleep(Duration::from_millis(50)).await;
            task.await
                .map_err(|error| panic_message(&*error.into_panic()).map(str::to_owned))
        })
    });
}

// ---- Chains that cross each other ---------------------------------------------------------------

/// Runs `f` on a new thread and returns its result, or `None` if it takes longer than `limit`
/// (the thread is then left behind, stuck).
fn within_for<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).ok()
}

/// Two chains cross a thread-sensitive thread and a pool of one thread in opposite orders: A is
/// blocked on the thread-sensitive thread and then needs the pool; B holds the pool's thread,
/// blocked, and needs the thread-sensitive thread. B's call is not part of A's chain, so it waits
/// for A; A's pool call is not part of B's chain, so it cannot run on B's thread. The legacy code
/// had no pool and no dedicated thread (everything ran inline on one thread), so it could not
/// deadlock; B's blocked thread must lend its slot so that A's call gets a thread.
#[test]
fn chains_crossing_a_sensitive_thread_and_an_exhausted_pool_do_not_deadlock() {
    let db = Arc::new(ThreadSensitive::new("adv-cross"));
    let pool = Arc::new(Pool::new("adv-cross-pool", 1));
    let done = within_for(Duration::from_secs(5), move || {
        runtime(512).block_on(async move {
            let a = {
                let (db, pool) = (Arc::clone(&db), Arc::clone(&pool));
                tokio::spawn(async move {
                    run_in(&*db, move || {
                        block_on(async move {
                            tokio::time::sleep(Duration::from_millis(30)).await;
                            run_in(&*pool, || 1).await
                        })
                    })
                    .await
                })
            };
            tokio::time::sleep(Duration::from_millis(5)).await;
            let b = tokio::spawn(async move {
                let inner = Arc::clone(&db);
                run_in(&*pool, move || block_on(run_in(&*inner, || 2))).await
            });
            (a.await.unwrap(), b.await.unwrap())
        })
    });
    assert_eq!(done, Some((1, 2)), "deadlock");
}

/// A twin with `limit = 1` that reaches itself through `block_on` (plain recursion in the legacy
/// code): the inner call waits for the slot its own outer call holds.
#[sync_to_async(limit = 1)]
fn limited_recursion(depth: u32) -> u32 {
    if depth == 0 {
        0
    } else {
        block_on(limited_recursion_async(depth - 1)) + 1
    }
}

#[test]
fn a_limited_twin_reached_again_in_its_own_chain_does_not_deadlock() {
    let done = within_for(Duration::from_secs(5), || {
        runtime(512).block_on(limited_recursion_async(2))
    });
    assert_eq!(done, Some(2), "deadlock");
}

// ---- A scope against an explicit thread-sensitive executor --------------------------------------

/// Inside a scope, `begin` runs on the scope's thread; then a call on an explicit
/// `ThreadSensitive` blocks on the same request's `commit`. The scope follows its calls "through
/// every hop, executors and back", so `commit` belongs on the scope's thread, with `begin`. (It
/// used to run on the explicit executor's thread, the innermost thread-sensitive thread blocked
/// in the chain, splitting the request over two connections as issue 10 item 2 did.)
#[test]
fn a_scope_follows_its_calls_through_an_explicit_thread_sensitive_hop() {
    let other = Arc::new(ThreadSensitive::new("adv-explicit"));
    let (begin, commit) = within(move || {
        runtime(512).block_on(thread_sensitive_scope(async move {
            let begin = deadline(where_sensitive_async()).await;
            let commit = deadline(run_in(&*other, || block_on(where_sensitive_async()))).await;
            (begin, commit)
        }))
    });
    assert_eq!(commit, begin, "begin and commit ran on different threads");
}

// ---- A late task whose explicit thread-sensitive executor has been dropped ----------------------

/// A task started with `bridge_runtime::spawn` inside a call on an explicit `ThreadSensitive`
/// outlives the call and the executor; its later `#[sync_to_async(thread_sensitive)]` call (which
/// names no executor) must still run. (It used to be routed to the ended executor's thread, and
/// panic.)
#[test]
fn a_late_task_whose_explicit_executor_was_dropped_still_runs_its_sensitive_call() {
    quiet_panics();
    let outcome = within(|| {
        runtime(512).block_on(async {
            let db = ThreadSensitive::new("adv-dropped-db");
            let task = deadline(run_in(&db, || {
                spawn_in_block_on(async {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    where_sensitive_async().await
                })
            }))
            .await;
            drop(db);
            deadline(task)
                .await
                .map_err(|error| panic_message(&*error.into_panic()).map(str::to_owned))
        })
    });
    eprintln!("late task after its executor was dropped: {outcome:?}");
    assert!(outcome.is_ok(), "{outcome:?}");
}

// ---- Deep chains on one thread ------------------------------------------------------------------

static DEEP_POOL: LazyLock<Pool> = LazyLock::new(|| Pool::new("adv-deep", 1));

/// One level of a deep chain on a pool of one thread: every level runs nested on that thread.
#[sync_to_async(executor = DEEP_POOL)]
fn deep(depth: u32) -> u32 {
    if depth == 0 {
        0
    } else {
        block_on(deep_async(depth - 1)) + 1
    }
}

/// The child process's side of [`a_deep_chain_on_a_pool_of_one_thread_does_not_overflow`].
#[test]
fn deep_chain_child() {
    let Ok(depth) = std::env::var("ADV_DEEP_CHAIN") else {
        return;
    };
    let depth: u32 = depth.parse().unwrap();
    let reached = within(move || runtime(512).block_on(deep_async(depth)));
    assert_eq!(reached, depth);
}

/// Runs the test `name` in a child process with `key=value` in its environment (a stack
/// overflow aborts a process, a deadlock leaves shared threads stuck), and returns whether it
/// passed, or `None` if it did not finish within `limit` (the child is then killed).
fn in_child(name: &str, key: &str, value: &str, limit: Duration) -> Option<bool> {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--test-threads=1"])
        .env(key, value)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status.success());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

fn deep_chain_in_child(depth: u32) -> bool {
    let passed = in_child(
        "deep_chain_child",
        "ADV_DEEP_CHAIN",
        &depth.to_string(),
        bridge_tests::DEADLINE,
    );
    passed.unwrap_or_else(|| panic!("a chain {depth} levels deep did not finish: deadlock?"))
}

/// 128 levels of `block_on` nested on one pool thread (each inner call runs on the blocked
/// thread above it) fit in its stack. In a debug build, about 280 levels overflow a 2 MiB stack
/// (some 7 KiB a level), and the process aborts.
#[test]
fn a_deep_chain_on_a_pool_of_one_thread_does_not_overflow() {
    assert!(deep_chain_in_child(128), "a chain 128 levels deep crashed");
}

/// The child process's side of [`unscoped_chains_mixing_all_hops_at_once_do_not_deadlock`]: every
/// plan of three levels at once, without scopes (thread-sensitive levels share the global thread,
/// pool levels a pool of two threads), ten times over.
#[test]
fn unscoped_all_hops_child() {
    if std::env::var("ADV_ALL_HOPS").is_err() {
        return;
    }
    quiet_panics();
    within(move || {
        runtime(512).block_on(async move {
            for _ in 0..10 {
                let tasks: Vec<_> = plans(0, &[POOL, DEFAULT, SENSITIVE])
                    .into_iter()
                    .map(|plan| tokio::spawn(next(plan, 0)))
                    .collect();
                for task in tasks {
                    let _ = task.await;
                }
            }
        });
    });
}

/// Chain A blocked on the global thread waits for the pool, whose two threads are held by
/// chains B and C, blocked and waiting for the global thread: the same crossing as
/// [`chains_crossing_a_sensitive_thread_and_an_exhausted_pool_do_not_deadlock`], with nothing but
/// twins. Each round takes about 0.1 s; a round that waits for the pool's keep-alive (a minute
/// here) fails the test. Run in a child process, since a deadlock would leave the global thread
/// stuck for good.
#[test]
fn unscoped_chains_mixing_all_hops_at_once_do_not_deadlock() {
    let passed = in_child(
        "unscoped_all_hops_child",
        "ADV_ALL_HOPS",
        "1",
        Duration::from_secs(10),
    );
    assert_eq!(passed, Some(true), "None: deadlock or stall");
}

// ---- A pool's bound while its threads lend their slots -------------------------------------------

/// A call on a pool of one thread waits in `block_on` for an inner call for the same pool: the
/// pool lends the waiting thread's slot and starts a second thread for the inner call. Once the
/// outer call is back from its `block_on` and running again, the pool must not run an unrelated
/// call beside it on that second, now idle, thread: a pool of one runs one call at a time (a
/// database with one connection).
#[test]
fn a_pool_runs_no_more_calls_than_its_bound_once_a_lent_slot_is_back() {
    static RUNNING: InFlight = InFlight::new();
    static BACK: AtomicBool = AtomicBool::new(false);
    let pool = Arc::new(Pool::new("adv-bound", 1));
    let threads = within({
        let pool = Arc::clone(&pool);
        move || {
            runtime(512).block_on(async move {
                let inner = Arc::clone(&pool);
                let outer = tokio::spawn({
                    let pool = Arc::clone(&pool);
                    async move {
                        run_in(&*pool, move || {
                            drop(RUNNING.enter());
                            block_on(async move {
                                run_in(&*inner, || {
                                    let _running = RUNNING.enter();
                                    thread::sleep(Duration::from_millis(2));
                                })
                                .await;
                                // The second thread has gone idle by the time this is back.
                                tokio::time::sleep(Duration::from_millis(10)).await;
                            });
                            let _running = RUNNING.enter();
                            BACK.store(true, SeqCst);
                            thread::sleep(Duration::from_millis(50));
                        })
                        .await;
                    }
                });
                while !BACK.load(SeqCst) {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                let threads = pool.threads();
                let unrelated: Vec<_> = (0..4)
                    .map(|_| {
                        let pool = Arc::clone(&pool);
                        tokio::spawn(async move {
                            run_in(&*pool, || {
                                let _running = RUNNING.enter();
                                thread::sleep(Duration::from_millis(5));
                            })
                            .await;
                        })
                    })
                    .collect();
                deadline(outer).await.unwrap();
                for call in unrelated {
                    deadline(call).await.unwrap();
                }
                threads
            })
        }
    });
    eprintln!(
        "pool of one: {threads} threads when the lent slot came back, {} calls running at most",
        RUNNING.peak()
    );
    assert_eq!(
        RUNNING.peak(),
        1,
        "a pool of one thread ran calls side by side"
    );
}

/// Calls on a pool of two threads that each wait in `block_on` lend their slots: the pool starts
/// a thread for every waiting call. The bound counts running calls only; `limit = N` is what
/// bounds calls in flight. This prints how far the thread count goes.
#[test]
fn a_pool_whose_calls_all_wait_in_block_on_grows_beyond_its_bound() {
    static PEAK: InFlight = InFlight::new();
    let pool = Arc::new(Pool::new("adv-grow", 2));
    within({
        let pool = Arc::clone(&pool);
        move || {
            runtime(512).block_on(async move {
                let calls: Vec<_> = (0..32)
                    .map(|_| {
                        let pool = Arc::clone(&pool);
                        tokio::spawn(async move {
                            run_in(&*pool, || {
                                let _in_flight = PEAK.enter();
                                block_on(tokio::time::sleep(Duration::from_millis(20)));
                            })
                            .await;
                        })
                    })
                    .collect();
                for call in calls {
                    deadline(call).await.unwrap();
                }
            });
        }
    });
    eprintln!(
        "pool of two, 32 calls waiting in block_on: {} in flight at most",
        PEAK.peak()
    );
    assert!(PEAK.peak() >= 2);
}

// ---- Nested default calls outside a runtime -----------------------------------------------------

/// From a plain thread (no runtime), a chain of three default hops runs on bridge's fallback
/// pool: each inner call is offered to the blocked fallback thread above it, which runs it
/// nested, and that call waits in `block_on` in its turn on the same thread.
#[test]
fn a_default_chain_from_a_plain_thread_runs_nested_on_the_fallback_pool() {
    quiet_panics();
    let outcome = within(|| {
        std::panic::catch_unwind(|| {
            futures_executor::block_on(next(
                Plan {
                    id: 291,
                    levels: vec![DEFAULT; 3],
                    panic_at: None,
                    leaf_ms: 1,
                },
                0,
            ))
        })
        .map_err(|payload| panic_message(&*payload).map(str::to_owned))
    });
    let trace = outcome.unwrap_or_else(|message| panic!("the chain panicked: {message:?}"));
    eprintln!("default chain from a plain thread: {trace:?}");
    assert_eq!(trace.len(), 3);
    for (_, name, _) in &trace {
        assert!(
            name.starts_with("bridge-fallback-") || name.starts_with("bridge-embedded"),
            "{trace:?}"
        );
    }
}

/// The same chain, its innermost level sleeping 100 ms, while another plain thread makes
/// unrelated default calls (on the fallback pool too): they must run, whatever the chain does. The
/// fallback thread lent its slot once per nested `block_on`, so the pool counted one thread as
/// blocked three times.
#[test]
fn unrelated_fallback_calls_run_while_a_default_chain_is_nested_on_a_fallback_thread() {
    quiet_panics();
    static UNRELATED_RAN: AtomicUsize = AtomicUsize::new(0);
    let chain = thread::spawn(|| {
        futures_executor::block_on(next(
            Plan {
                id: 292,
                levels: vec![DEFAULT; 3],
                panic_at: None,
                leaf_ms: 100,
            },
            0,
        ))
    });
    wait_until("the chain to reach its innermost level", || {
        ENTERED[292].load(SeqCst) == 3
    });
    let unrelated = within(|| {
        (0..4)
            .map(|_| {
                std::panic::catch_unwind(|| {
                    futures_executor::block_on(to_thread(|| {
                        UNRELATED_RAN.fetch_add(1, SeqCst);
                    }));
                })
                .map_err(|payload| panic_message(&*payload).map(str::to_owned))
            })
            .collect::<Vec<_>>()
    });
    let trace = within(move || chain.join().unwrap());
    assert_eq!(trace.len(), 3);
    wait_until("the unrelated calls to run", || {
        UNRELATED_RAN.load(SeqCst) >= 4
    });
    eprintln!("unrelated fallback calls: {unrelated:?}");
    for outcome in unrelated {
        assert_eq!(outcome, Ok(()));
    }
}
