//! The caller's `tracing` span, and its subscriber, are entered on the thread that runs the
//! sync fn.

use bridge_runtime::sync_to_async;
use bridge_tests::deadline;
use tracing::Instrument;

/// What the sync fn sees: its thread and the name of its current span.
#[sync_to_async]
fn current_span() -> (std::thread::ThreadId, Option<&'static str>) {
    let span = tracing::Span::current();
    (
        std::thread::current().id(),
        span.metadata().map(|meta| meta.name()),
    )
}

/// The subscriber is set for this thread only, as tests and per-request subscribers do; the
/// worker thread still sees the caller's span.
#[tokio::test(flavor = "current_thread")]
async fn the_callers_span_is_current_on_the_worker_thread() {
    let _subscriber = tracing::subscriber::set_default(tracing_subscriber::registry());
    let request = tracing::info_span!("request", user = 42);
    let (thread, span) = deadline(current_span_async().instrument(request)).await;
    assert_ne!(
        thread,
        std::thread::current().id(),
        "the sync fn ran on another thread"
    );
    assert_eq!(span, Some("request"));

    let (_, outside) = deadline(current_span_async()).await;
    assert_eq!(outside, None, "outside the span, no span is current");
}

#[tokio::test(flavor = "current_thread")]
async fn to_thread_carries_the_span_too() {
    let _subscriber = tracing::subscriber::set_default(tracing_subscriber::registry());
    let name =
        bridge_runtime::to_thread(|| tracing::Span::current().metadata().map(|meta| meta.name()))
            .instrument(tracing::info_span!("export"));
    assert_eq!(deadline(name).await, Some("export"));
}
