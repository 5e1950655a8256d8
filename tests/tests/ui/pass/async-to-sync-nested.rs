//! The blocking twin called from sync code inside a `#[sync_to_async]` twin runs the future on
//! the outer runtime, which awaits the legacy fn: legacy and migrated code can call each other.
use bridge_runtime::{async_to_sync, sync_to_async};

fn thread_name() -> String {
    std::thread::current().name().unwrap_or("").to_owned()
}

/// Migrated: natively async. Reports the thread its spawned task ran on.
#[async_to_sync]
async fn price(sku: &str) -> (u32, String) {
    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    let spawned = tokio::spawn(async { thread_name() }).await.unwrap();
    (sku.len() as u32, spawned)
}

/// Legacy: still sync, and calls the migrated fn through its blocking twin.
#[sync_to_async]
fn invoice(skus: Vec<String>) -> (u32, Vec<String>) {
    let priced: Vec<(u32, String)> = skus.iter().map(|sku| price_blocking(sku)).collect();
    (
        priced.iter().map(|(price, _)| price).sum(),
        priced.into_iter().map(|(_, thread)| thread).collect(),
    )
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ui-outer")
        .enable_all()
        .build()
        .unwrap();
    let (total, threads) = runtime.block_on(invoice_async(vec!["ab".into(), "cde".into()]));
    assert_eq!(total, 5);
    assert_eq!(threads, ["ui-outer", "ui-outer"]);
}
