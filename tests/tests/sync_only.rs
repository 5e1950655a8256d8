//! `#[sync_only]`: a guarded fn panics when called directly on a tokio runtime worker thread of
//! either flavour, and runs everywhere a blocking call is fine. One test per context.

use std::sync::LazyLock;

use bridge_runtime::{Pool, ThreadSensitive, sync_only, sync_to_async};
use bridge_tests::{deadline, panic_message, within};

/// A legacy fn that must not run on a runtime worker thread.
#[sync_only]
fn legacy_lookup(id: u64) -> u64 {
    id * 2
}

/// `#[sync_only]` outermost: it sees `#[sync_to_async(name = ...)]` below it and names that
/// twin in its message.
#[sync_only]
#[sync_to_async(name = lookup_later)]
fn outer_guarded(id: u64) -> u64 {
    id + 1
}

/// `#[sync_only]` innermost: `#[sync_to_async]` expands first and leaves it on the fn.
#[sync_to_async]
#[sync_only]
fn inner_guarded(id: u64, realm: &str) -> String {
    format!("{id}@{realm}")
}

/// Innermost with a renamed twin: `twin = ...` names it.
#[sync_to_async(name = fetch_later)]
#[sync_only(twin = fetch_later)]
fn inner_renamed(id: u64) -> u64 {
    id + 3
}

#[sync_to_async(thread_sensitive)]
#[sync_only]
fn sensitive_guarded(id: u64) -> u64 {
    id + 4
}

static ONE: LazyLock<Pool> = LazyLock::new(|| Pool::new("sync-only-pool", 1));

#[sync_only]
#[sync_to_async(executor = ONE)]
fn pooled_guarded(id: u64) -> u64 {
    id + 5
}

struct Store(u64);

impl Store {
    #[sync_only]
    fn get(&self, add: u64) -> u64 {
        self.0 + add
    }
}

/// The message of the panic `f` raises, which it must raise.
fn panic_of(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let payload = std::panic::catch_unwind(f).expect_err("the guarded fn must panic here");
    panic_message(&*payload)
        .expect("a message panic")
        .to_owned()
}

fn assert_names(message: &str, function: &str, twin: &str) {
    assert!(
        message.contains(&format!("`sync_only::{function}` is `#[sync_only]`")),
        "names the fn: {message}"
    );
    assert!(
        message.contains(&format!("`{twin}`")),
        "points at the twin: {message}"
    );
    assert!(
        message.contains("bridge_runtime::to_thread"),
        "points at to_thread: {message}"
    );
    assert!(
        message.contains("BRIDGE_ALLOW_ASYNC_UNSAFE=1"),
        "says how to downgrade it: {message}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn panics_on_a_current_thread_runtime_worker() {
    let message = panic_of(|| {
        legacy_lookup(1);
    });
    assert_names(&message, "legacy_lookup", "legacy_lookup_async");
}

#[test]
fn panics_on_a_multi_thread_runtime_worker() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let message = runtime.block_on(async {
        // The future given to `block_on` runs on this thread, not on a worker: spawn a task.
        let error = deadline(tokio::spawn(async { legacy_lookup(1) }))
            .await
            .expect_err("the task panics");
        let payload = error.into_panic();
        panic_message(&*payload).unwrap().to_owned()
    });
    assert_names(&message, "legacy_lookup", "legacy_lookup_async");
}

#[tokio::test(flavor = "current_thread")]
async fn the_message_names_a_renamed_twin_in_either_order() {
    let outer = panic_of(|| {
        outer_guarded(1);
    });
    assert_names(&outer, "outer_guarded", "lookup_later");
    let inner = panic_of(|| {
        inner_renamed(1);
    });
    assert_names(&inner, "inner_renamed", "fetch_later");
    let default = panic_of(|| {
        inner_guarded(1, "eu");
    });
    assert_names(&default, "inner_guarded", "inner_guarded_async");
}

#[tokio::test(flavor = "current_thread")]
async fn a_method_points_at_the_async_handle() {
    let message = panic_of(|| {
        Store(1).get(2);
    });
    assert!(
        message.contains("`sync_only::get` is `#[sync_only]`"),
        "{message}"
    );
    assert!(message.contains("async handle"), "{message}");
    assert!(message.contains("bridge_runtime::to_thread"), "{message}");
}

#[test]
fn passes_on_a_plain_thread() {
    assert_eq!(within(|| legacy_lookup(2)), 4);
    assert_eq!(within(|| Store(1).get(1)), 2);
}

#[test]
fn passes_on_a_plain_thread_inside_a_runtime_context() {
    // `Handle::enter` makes a runtime current without making this thread a worker.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let _entered = runtime.enter();
    assert_eq!(legacy_lookup(5), 10);
}

/// The twins of guarded fns run them on a blocking thread, where the guard passes: both
/// orders of the attributes, on both runtime flavours.
#[tokio::test(flavor = "current_thread")]
async fn passes_inside_its_twin_on_a_current_thread_runtime() {
    assert_eq!(deadline(lookup_later(1)).await, 2);
    assert_eq!(deadline(inner_guarded_async(1, "eu")).await, "1@eu");
    assert_eq!(deadline(fetch_later(1)).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_inside_its_twin_on_a_multi_thread_runtime() {
    let task = tokio::spawn(async {
        (
            lookup_later(1).await,
            inner_guarded_async(2, "us").await,
            fetch_later(2).await,
        )
    });
    assert_eq!(deadline(task).await.unwrap(), (2, "2@us".to_owned(), 5));
}

#[tokio::test(flavor = "current_thread")]
async fn passes_on_bridge_executors() {
    // The default executor, through `to_thread` and `run_in`.
    assert_eq!(
        deadline(bridge_runtime::to_thread(|| legacy_lookup(3))).await,
        6
    );
    let pool = Pool::new("sync-only-run-in", 2);
    assert_eq!(
        deadline(bridge_runtime::run_in(&pool, || legacy_lookup(4))).await,
        8
    );
    // A twin on a `Pool`, and one on the thread-sensitive thread.
    assert_eq!(deadline(pooled_guarded_async(1)).await, 6);
    assert_eq!(deadline(sensitive_guarded_async(1)).await, 5);
    let sensitive = ThreadSensitive::new("sync-only-sensitive");
    assert_eq!(
        deadline(bridge_runtime::run_in(&sensitive, || legacy_lookup(5))).await,
        10
    );
}

#[test]
fn passes_on_the_fallback_pool_outside_tokio() {
    let doubled =
        within(|| futures_executor::block_on(bridge_runtime::to_thread(|| legacy_lookup(6))));
    assert_eq!(doubled, 12);
}

#[tokio::test(flavor = "current_thread")]
async fn passes_inside_raw_spawn_blocking() {
    let doubled = deadline(tokio::task::spawn_blocking(|| legacy_lookup(7)))
        .await
        .unwrap();
    assert_eq!(doubled, 14);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_inside_block_in_place() {
    let task = tokio::spawn(async {
        // On a worker, where a direct call panics...
        assert!(std::panic::catch_unwind(|| legacy_lookup(0)).is_err());
        // ...but `block_in_place` hands the worker's tasks to another thread first.
        tokio::task::block_in_place(|| legacy_lookup(8))
    });
    assert_eq!(deadline(task).await.unwrap(), 16);
}

#[tokio::test(flavor = "current_thread")]
async fn passes_inside_block_on_from_a_blocking_thread() {
    // Sync code on a blocking thread that drives async code which calls the guarded fn from
    // the future itself: the future runs on the blocking thread, not on a worker.
    let doubled = deadline(bridge_runtime::to_thread(|| {
        bridge_runtime::block_on(async { legacy_lookup(9) })
    }))
    .await;
    assert_eq!(doubled, 18);
}

/// The child half of `the_env_var_turns_the_panic_into_a_warning`: it checks something only
/// when the variable is set, which only the parent does.
#[tokio::test(flavor = "current_thread")]
async fn env_child_warns_instead_of_panicking() {
    if std::env::var_os("BRIDGE_SYNC_ONLY_CHILD").is_none() {
        return;
    }
    let events = bridge_tests::Events::default();
    let _subscriber = tracing::subscriber::set_default(events.clone());
    assert_eq!(legacy_lookup(10), 20, "the fn runs");
    assert_eq!(legacy_lookup(11), 22, "and again");
    let warnings = events.with_target("bridge::sync_only");
    assert_eq!(warnings.len(), 2, "one warning per call: {warnings:?}");
    assert_eq!(warnings[0].level, tracing::Level::WARN);
    assert!(
        warnings[0]
            .message
            .contains("`sync_only::legacy_lookup` is `#[sync_only]`"),
        "{warnings:?}"
    );
    assert!(warnings[0].message.contains("`legacy_lookup_async`"));
    println!("child checked the warnings");
}

/// The variable is read once per process, so the downgraded behaviour runs in a child process:
/// this test binary, running only the child test with the variable set.
#[test]
fn the_env_var_turns_the_panic_into_a_warning() {
    let output = within(|| {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "env_child_warns_instead_of_panicking",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("BRIDGE_ALLOW_ASYNC_UNSAFE", "1")
            .env("BRIDGE_SYNC_ONLY_CHILD", "1")
            .output()
            .unwrap()
    });
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("child checked the warnings"), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
}

#[bridge_runtime::sync_only]
fn measured_on_purpose() -> u32 {
    11
}

/// `allow_async_unsafe` relaxes the guard for its closure, on its thread only.
#[test]
fn allow_async_unsafe_relaxes_the_guard_for_its_scope_only() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let relaxed =
        bridge_runtime::allow_async_unsafe(|| runtime.block_on(async { measured_on_purpose() }));
    assert_eq!(relaxed, 11);
    let guarded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async { measured_on_purpose() })
    }));
    let payload = guarded.expect_err("outside the scope the guard panics again");
    let message = bridge_tests::panic_message(&*payload).unwrap();
    assert!(
        message.contains("`sync_only::measured_on_purpose` is `#[sync_only]`"),
        "{message}"
    );
}

#[bridge_runtime::sync_only]
extern "C" fn exported_to_c(x: u32) -> u32 {
    x + 1
}

/// A panic cannot unwind out of an `extern "C"` fn (the process would abort), so there the guard
/// reports the call as a warning instead; the fn runs.
#[tokio::test(flavor = "current_thread")]
async fn an_extern_c_fn_warns_instead_of_aborting() {
    let events = bridge_tests::Events::default();
    let _subscriber = tracing::subscriber::set_default(events.clone());
    assert_eq!(exported_to_c(1), 2);
    let warnings = events.with_target("bridge::sync_only");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .message
            .contains("`sync_only::exported_to_c` is `#[sync_only]`"),
        "{warnings:?}"
    );
}
