//! Prints `bridge_runtime::metrics::report()` after a workload that shows the two ways a bridged
//! call gets slow: a saturated executor (queue wait grows) and a slow dependency (run time
//! grows), plus one stall caught by the watchdog.
//!
//! ```text
//! cargo run -p bridge-runtime --example metrics_report
//! ```

use std::sync::LazyLock;
use std::time::Duration;

use bridge_runtime::watchdog::Watchdog;
use bridge_runtime::{CallSite, Pool, metrics, sync_to_async};

/// The database has two connections, so its pool has two threads.
static DB: LazyLock<Pool> = LazyLock::new(|| Pool::new("db", 2));

/// A quick query (5 ms), but 40 requests want it at once: the pool is saturated.
#[sync_to_async(executor = DB)]
fn query_orders(user: u64) -> Vec<u64> {
    std::thread::sleep(Duration::from_millis(5));
    vec![user]
}

/// A slow dependency (40 ms per call), with threads to spare.
#[sync_to_async]
fn fetch_avatar(user: u64) -> Vec<u8> {
    std::thread::sleep(Duration::from_millis(40));
    vec![user as u8]
}

/// A closure given its own row.
static RESIZE: CallSite = CallSite::new("metrics_report::resize_avatar");

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let watchdog = Watchdog::start(Duration::from_millis(50));

    let mut requests = Vec::new();
    for user in 0..40 {
        requests.push(tokio::spawn(async move {
            let orders = query_orders_async(user).await;
            let avatar = fetch_avatar_async(user).await;
            let small = RESIZE.to_thread(move || avatar.len()).await;
            (orders.len(), small)
        }));
    }
    for request in requests {
        request.await.expect("no request panics");
    }

    // A legacy call left on the runtime thread: the watchdog reports it.
    std::thread::sleep(Duration::from_millis(120));
    tokio::time::sleep(Duration::from_millis(100)).await;

    print!("{}", metrics::report());
    drop(watchdog);
}
