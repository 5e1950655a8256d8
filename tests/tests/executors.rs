//! Where twins run: tokio's blocking pool in a tokio runtime, the fallback pool elsewhere, or
//! the executor named with `executor = ...`.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bridge_runtime::{Executor, Job, Pool, sync_to_async};
use bridge_tests::{deadline, wait_until, within};

fn thread_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed>")
        .to_owned()
}

#[sync_to_async]
fn where_am_i() -> (std::thread::ThreadId, String) {
    (std::thread::current().id(), thread_name())
}

#[test]
fn inside_tokio_the_call_runs_on_tokios_blocking_pool() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_name("app-blocking")
        .build()
        .unwrap();
    let (thread, name) = runtime.block_on(deadline(where_am_i_async()));
    assert_ne!(thread, std::thread::current().id());
    assert_eq!(name, "app-blocking");
}

/// Each runtime's calls run on its own blocking threads, even while another runtime's workers
/// linger for work next to them.
#[test]
fn two_runtimes_each_run_their_calls_on_their_own_blocking_threads() {
    let runtimes: Vec<_> = ["rt-left", "rt-right"]
        .map(|name| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name(name)
                .enable_all()
                .build()
                .unwrap()
        })
        .into();
    let callers: Vec<_> = runtimes
        .iter()
        .map(|runtime| {
            runtime.spawn(async {
                let mut names = Vec::new();
                for _ in 0..200 {
                    names.push(where_am_i_async().await.1);
                }
                names
            })
        })
        .collect();
    for ((runtime, caller), name) in runtimes.iter().zip(callers).zip(["rt-left", "rt-right"]) {
        let names = runtime.block_on(deadline(caller)).unwrap();
        assert!(
            names.iter().all(|ran_on| ran_on == name),
            "{name}: {names:?}"
        );
    }
}

static BLOCKING_NOW: bridge_tests::InFlight = bridge_tests::InFlight::new();

#[sync_to_async]
fn sleep_counted(ms: u64) {
    let _now = BLOCKING_NOW.enter();
    std::thread::sleep(Duration::from_millis(ms));
}

/// The default executor stays within the runtime's `max_blocking_threads`, and runs every call
/// queued beyond it.
#[test]
fn the_default_executor_keeps_to_max_blocking_threads() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let calls: Vec<_> = (0..12)
            .map(|_| tokio::spawn(sleep_counted_async(10)))
            .collect();
        for call in calls {
            deadline(call).await.unwrap();
        }
    });
    assert_eq!(BLOCKING_NOW.now(), 0);
    assert_eq!(BLOCKING_NOW.peak(), 2);
}

#[test]
fn without_a_runtime_the_call_runs_on_the_fallback_pool() {
    let (thread, name) = within(|| futures_executor::block_on(where_am_i_async()));
    assert_ne!(thread, std::thread::current().id());
    assert!(name.starts_with("bridge-fallback-"), "ran on {name}");
}

static DB: LazyLock<Pool> = LazyLock::new(|| Pool::new("db", 2));

#[sync_to_async(executor = DB)]
fn query(sql: &str) -> (String, String) {
    (sql.to_uppercase(), thread_name())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executor_option_runs_calls_on_the_named_pool() {
    let calls: Vec<_> = (0..8)
        .map(|i| tokio::spawn(async move { query_async(&format!("select {i}")).await }))
        .collect();
    for (i, call) in calls.into_iter().enumerate() {
        let (result, thread) = deadline(call).await.unwrap();
        assert_eq!(result, format!("SELECT {i}"));
        assert!(thread == "db-1" || thread == "db-2", "ran on {thread}");
    }
    assert!(DB.threads() <= 2);
}

/// An executor that counts the jobs it runs, to prove `run_in` and `executor =` use it.
struct Counting(AtomicUsize);

impl Executor for Counting {
    fn execute(&self, job: Job) {
        self.0.fetch_add(1, Ordering::SeqCst);
        std::thread::spawn(move || job.run());
    }
}

static COUNTING: Counting = Counting(AtomicUsize::new(0));

#[sync_to_async(executor = &COUNTING)]
fn counted(x: u32) -> u32 {
    x + 1
}

#[test]
fn a_custom_executor_receives_every_call() {
    within(|| {
        let before = COUNTING.0.load(Ordering::SeqCst);
        assert_eq!(futures_executor::block_on(counted_async(1)), 2);
        assert_eq!(
            futures_executor::block_on(bridge_runtime::run_in(&COUNTING, || 5)),
            5
        );
        let boxed: Box<dyn Executor> = Box::new(Counting(AtomicUsize::new(0)));
        assert_eq!(
            futures_executor::block_on(bridge_runtime::run_in(&boxed, || 6)),
            6
        );
        assert_eq!(COUNTING.0.load(Ordering::SeqCst) - before, 2);
    });
}

#[test]
fn pool_shutdown_runs_everything_queued_then_refuses_calls() {
    within(|| {
        static DONE: AtomicUsize = AtomicUsize::new(0);
        let pool = Pool::new("shutdown-test", 2);
        let gate = std::sync::Arc::new(std::sync::Barrier::new(3));
        std::thread::scope(|scope| {
            // Hold both threads so that the next 1,000 calls are queued, not running.
            for _ in 0..2 {
                let gate = gate.clone();
                let call = bridge_runtime::run_in(&pool, move || {
                    gate.wait();
                });
                scope.spawn(|| futures_executor::block_on(call));
            }
            wait_until("both pool threads to be busy", || pool.threads() == 2);
            for _ in 0..1_000 {
                let call = bridge_runtime::run_in(&pool, || {
                    DONE.fetch_add(1, Ordering::SeqCst);
                });
                scope.spawn(|| futures_executor::block_on(call));
            }
            wait_until("1,000 calls to be queued", || {
                format!("{pool:?}").contains("queued: 1000")
            });
            assert_eq!(DONE.load(Ordering::SeqCst), 0);
            gate.wait();
            pool.shutdown(bridge_tests::DEADLINE)
                .expect("shutdown finishes in time");
            assert_eq!(
                DONE.load(Ordering::SeqCst),
                1_000,
                "every queued call ran before shutdown returned"
            );
            assert_eq!(pool.threads(), 0);
        });

        let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            futures_executor::block_on(bridge_runtime::run_in(&pool, || ()))
        }));
        let message = refused.unwrap_err().downcast::<String>().unwrap();
        assert_eq!(
            *message,
            "bridge: pool `shutdown-test` is shut down and takes no more calls"
        );
    });
}

#[test]
fn pool_shutdown_reports_what_did_not_finish() {
    within(|| {
        let pool = Pool::new("stuck", 1);
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let (started, on_start) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let busy = bridge_runtime::run_in(&pool, move || {
                started.send(()).unwrap();
                blocked.recv().unwrap();
            });
            scope.spawn(|| futures_executor::block_on(busy));
            on_start.recv_timeout(bridge_tests::DEADLINE).unwrap();
            let error = pool.shutdown(Duration::from_millis(20)).unwrap_err();
            assert_eq!(
                (error.pool.as_str(), error.running, error.queued),
                ("stuck", 1, 0)
            );
            assert_eq!(
                error.to_string(),
                "pool `stuck` did not finish in time: 1 calls running, 0 queued"
            );
            release.send(()).unwrap();
        });
        pool.shutdown(bridge_tests::DEADLINE)
            .expect("the released call lets shutdown finish");
    });
}

#[test]
fn idle_pool_threads_retire() {
    within(|| {
        let pool = Pool::new("retiring", 3).keep_alive(Duration::from_millis(20));
        let calls: Vec<_> = (0..3)
            .map(|i| bridge_runtime::run_in(&pool, move || i))
            .collect();
        assert_eq!(
            futures_executor::block_on(futures_join(calls)),
            vec![0, 1, 2]
        );
        assert!(pool.threads() >= 1);
        wait_until("idle threads to retire", || pool.threads() == 0);
        assert_eq!(
            futures_executor::block_on(bridge_runtime::run_in(&pool, || 9)),
            9,
            "a retired pool starts threads again"
        );
    });
}

async fn futures_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut outputs = Vec::new();
    for future in futures {
        outputs.push(future.await);
    }
    outputs
}
