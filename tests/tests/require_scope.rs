//! `ThreadSensitive::require_scope`: a thread-sensitive call outside a scope is an error instead
//! of a silent share of the global thread. A process-wide switch, so it has a test binary of its
//! own.

use bridge_runtime::{ThreadSensitive, block_on, sync_to_async, thread_sensitive_scope};
use bridge_tests::{deadline, panic_message};

#[sync_to_async(thread_sensitive)]
fn begin() -> String {
    std::thread::current().name().unwrap_or_default().to_owned()
}

#[sync_to_async(thread_sensitive)]
fn begin_and_nest() -> (String, String) {
    (begin(), block_on(begin_async()))
}

/// Unscoped calls fail, naming the fn and the fix; scoped calls, and calls nested inside a
/// scoped call through `block_on`, run on the scope's thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_scope_is_an_error() {
    ThreadSensitive::require_scope(true);
    let payload = deadline(tokio::spawn(begin_async()))
        .await
        .unwrap_err()
        .into_panic();
    let message = panic_message(&*payload).unwrap();
    assert!(
        message.starts_with("bridge: the thread-sensitive `require_scope::begin` was called outside a `thread_sensitive_scope`"),
        "{message}"
    );
    assert!(
        message.contains("bridge_runtime::thread_sensitive_scope(..)"),
        "{message}"
    );
    let (outer, nested) = deadline(thread_sensitive_scope(begin_and_nest_async())).await;
    assert!(outer.starts_with("bridge-scope-"), "{outer}");
    assert_eq!(outer, nested);
    // An explicit executor is not affected.
    let db = ThreadSensitive::new("explicit");
    assert_eq!(deadline(bridge_runtime::run_in(&db, || 7)).await, 7);
    ThreadSensitive::require_scope(false);
    assert_eq!(deadline(begin_async()).await, "bridge-sensitive");
}
