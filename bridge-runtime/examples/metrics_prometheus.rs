//! Exports bridge's call metrics through the `metrics` facade and prints what a Prometheus
//! scrape of them would read.
//!
//! ```text
//! cargo run -p bridge-runtime --features metrics --example metrics_prometheus
//! ```
//!
//! The exporter is `metrics-exporter-prometheus` without its HTTP listener: the example renders
//! the scrape text itself. A service would serve the same text on `/metrics`, or enable the
//! exporter's `http-listener` feature and call `PrometheusBuilder::install()`. Any other
//! exporter of the `metrics` facade (StatsD, OpenTelemetry, ...) picks up the same series.

use std::sync::LazyLock;
use std::time::Duration;

use bridge_runtime::{Pool, sync_to_async};
use metrics_exporter_prometheus::PrometheusBuilder;

/// The database has two connections, so its pool has two threads.
static DB: LazyLock<Pool> = LazyLock::new(|| Pool::new("db", 2));

/// A quick query (5 ms), but 20 requests want it at once: queue wait grows.
#[sync_to_async(executor = DB)]
fn query_orders(user: u64) -> Vec<u64> {
    std::thread::sleep(Duration::from_millis(5));
    vec![user]
}

/// A slow dependency (20 ms per call), with threads to spare: run time grows.
#[sync_to_async]
fn fetch_avatar(user: u64) -> Vec<u8> {
    std::thread::sleep(Duration::from_millis(20));
    vec![user as u8]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // Install the recorder before the first bridged call: a call site takes its handles from
    // the recorder installed when it is first called.
    let prometheus = PrometheusBuilder::new()
        .set_quantiles(&[0.5, 0.99])
        .expect("the quantiles are valid")
        .install_recorder()
        .expect("no other recorder is installed");

    let mut requests = Vec::new();
    for user in 0..20 {
        requests.push(tokio::spawn(async move {
            let orders = query_orders_async(user).await;
            let avatar = fetch_avatar_async(user).await;
            orders.len() + avatar.len()
        }));
    }
    for request in requests {
        assert_eq!(request.await.expect("no request panics"), 2);
    }

    // What `GET /metrics` would answer (only bridge's series are printed).
    let scrape = prometheus.render();
    for line in scrape.lines().filter(|line| line.contains("bridge_")) {
        println!("{line}");
    }
}
