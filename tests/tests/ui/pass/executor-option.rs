//! `executor = EXPR`: a `static` `LazyLock<Pool>`, a `&'static` executor, or any executor value.
use bridge_runtime::{Executor, Job, Pool, sync_to_async};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

fn thread_name() -> String {
    std::thread::current().name().unwrap_or("").to_owned()
}

static POOL: LazyLock<Pool> = LazyLock::new(|| Pool::new("ui-pool", 2));

#[sync_to_async(executor = POOL)]
fn on_pool(id: u64) -> (u64, String) {
    (id, thread_name())
}

static SHARED: LazyLock<&'static Pool> =
    LazyLock::new(|| Box::leak(Box::new(Pool::new("ui-leaked", 1))));

#[sync_to_async(executor = *SHARED)]
fn on_leaked() -> String {
    thread_name()
}

/// Runs every job on a new thread, and counts them.
struct ThreadPerCall;

static SPAWNED: AtomicUsize = AtomicUsize::new(0);

impl Executor for ThreadPerCall {
    fn execute(&self, job: Job) {
        SPAWNED.fetch_add(1, Ordering::SeqCst);
        std::thread::Builder::new()
            .name("ui-thread-per-call".into())
            .spawn(move || job.run())
            .unwrap();
    }
}

static PER_CALL: ThreadPerCall = ThreadPerCall;

#[sync_to_async(executor = &PER_CALL)]
fn on_static_ref(x: u32) -> (u32, String) {
    (x, thread_name())
}

static AS_DYN: &dyn Executor = &ThreadPerCall;

#[sync_to_async(executor = AS_DYN)]
fn on_dyn(x: u32) -> (u32, String) {
    (x, thread_name())
}

#[sync_to_async(executor = ThreadPerCall)]
fn on_value(x: u32) -> (u32, String) {
    (x, thread_name())
}

#[sync_to_async(executor = bridge_runtime::DefaultExecutor)]
fn on_default() -> bool {
    true
}

fn main() {
    futures_executor::block_on(async {
        let (id, thread) = on_pool_async(1).await;
        assert_eq!(id, 1);
        assert!(thread.starts_with("ui-pool"), "ran on {thread}");
        assert!(on_leaked_async().await.starts_with("ui-leaked"));
        assert_eq!(
            on_static_ref_async(2).await,
            (2, "ui-thread-per-call".into())
        );
        assert_eq!(on_value_async(3).await, (3, "ui-thread-per-call".into()));
        assert_eq!(on_dyn_async(4).await, (4, "ui-thread-per-call".into()));
        assert!(on_default_async().await);
    });
    assert_eq!(SPAWNED.load(Ordering::SeqCst), 3);
}
