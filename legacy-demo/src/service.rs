//! The profile service the report calls: a real HTTP server that the demo starts itself, on
//! `127.0.0.1:0`, with a configurable latency.
//!
//! It is infrastructure, not legacy code: it stands in for the remote service a real report job
//! would call, and it counts the requests it is serving at once. That count is the honest
//! measure of a migration: a sequential caller never has more than one request in flight,
//! however it is written; a concurrent one does.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use tokio::sync::oneshot;

/// A running profile service. It stops when dropped.
#[derive(Debug)]
pub struct ProfileService {
    addr: SocketAddr,
    stats: Arc<Stats>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Stats {
    latency_ms: AtomicU64,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    served: AtomicU64,
}

/// Counts a request as in flight until dropped.
struct InFlight<'a>(&'a Stats);

impl<'a> InFlight<'a> {
    fn enter(stats: &'a Stats) -> Self {
        let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        stats.peak.fetch_max(now, Ordering::SeqCst);
        InFlight(stats)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.0.served.fetch_add(1, Ordering::SeqCst);
    }
}

impl ProfileService {
    /// Starts the service on `127.0.0.1` at a free port, answering each request after
    /// `latency`. It runs on a thread of its own with its own runtime, so it keeps serving
    /// whatever the code under test does to its own threads.
    ///
    /// # Errors
    ///
    /// If no port can be bound or the service's thread cannot start.
    pub fn start(latency: Duration) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(Stats::default());
        stats.latency_ms.store(
            latency.as_millis().try_into().unwrap_or(u64::MAX),
            Ordering::SeqCst,
        );
        let (stop, stopped) = oneshot::channel();
        let app = Router::new()
            .route("/profiles/{id}", get(profile))
            .with_state(Arc::clone(&stats));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("profile-service".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("a bound std listener converts");
                    let shutdown = async {
                        let _ = stopped.await;
                    };
                    // The demo and its tests stop the service by dropping it; an I/O error here
                    // would only mean the process is going away.
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(shutdown)
                        .await;
                });
            })?;
        Ok(ProfileService {
            addr,
            stats,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The base URL of the service, such as `http://127.0.0.1:40123`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The most requests the service has served at once since it started, or since
    /// [`reset`](Self::reset).
    pub fn peak_concurrency(&self) -> usize {
        self.stats.peak.load(Ordering::SeqCst)
    }

    /// Requests answered since it started, or since [`reset`](Self::reset).
    pub fn served(&self) -> u64 {
        self.stats.served.load(Ordering::SeqCst)
    }

    /// Sets the latency of the requests that arrive from now on.
    pub fn set_latency(&self, latency: Duration) {
        self.stats.latency_ms.store(
            latency.as_millis().try_into().unwrap_or(u64::MAX),
            Ordering::SeqCst,
        );
    }

    /// Clears the peak and the count of requests served, between two runs.
    pub fn reset(&self) {
        self.stats.peak.store(
            self.stats.in_flight.load(Ordering::SeqCst),
            Ordering::SeqCst,
        );
        self.stats.served.store(0, Ordering::SeqCst);
    }
}

impl Drop for ProfileService {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `GET /profiles/{id}`: the profile of user `id`, one line of tab-separated fields, after the
/// configured latency.
async fn profile(State(stats): State<Arc<Stats>>, Path(id): Path<u64>) -> (StatusCode, String) {
    let _in_flight = InFlight::enter(&stats);
    let latency = Duration::from_millis(stats.latency_ms.load(Ordering::SeqCst));
    tokio::time::sleep(latency).await;
    (StatusCode::OK, profile_line(id))
}

/// The profile the service holds for `id`: deterministic, so every run sees the same data.
fn profile_line(id: u64) -> String {
    const NAMES: [&str; 8] = [
        "Ada", "Grace", "Edsger", "Barbara", "Ken", "Margaret", "Donald", "Frances",
    ];
    const COUNTRIES: [&str; 5] = ["GB", "US", "NL", "JP", "FR"];
    let name = NAMES[(id % NAMES.len() as u64) as usize];
    let country = COUNTRIES[(id.wrapping_mul(7) % COUNTRIES.len() as u64) as usize];
    let orders = id.wrapping_mul(2_654_435_761) % 17;
    format!("{id}\t{name}\t{country}\t{orders}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_profiles_and_counts_peak_concurrency() {
        let service = ProfileService::start(Duration::from_millis(50)).unwrap();
        let url = format!("{}/profiles/3", service.base_url());
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..3 {
            let (url, tx) = (url.clone(), tx.clone());
            std::thread::spawn(move || tx.send(get(&url)).unwrap());
        }
        for _ in 0..3 {
            let body = rx
                .recv_timeout(Duration::from_secs(20))
                .expect("the service answers");
            assert_eq!(body, profile_line(3));
        }
        assert_eq!(service.served(), 3);
        assert!(
            service.peak_concurrency() >= 2,
            "three requests sleeping 50 ms overlap"
        );
        service.reset();
        assert_eq!(service.served(), 0);
    }

    fn get(url: &str) -> String {
        ureq::get(url)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    }
}
