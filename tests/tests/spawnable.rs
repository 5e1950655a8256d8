//! A twin copies its borrowed arguments (and converts its `impl AsRef<..>` / `impl Into<..>`
//! ones) when it is called, and hands the call over when its future is first polled: the
//! future owns everything, so the caller's values may change or go before it runs, and the
//! call sees them as they were at the call. Nothing runs before the first poll, and a future
//! dropped unpolled runs nothing. A handle's methods do the same with a clone of the handle.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bridge_runtime::sync_to_async;
use bridge_tests::deadline;

static ECHOED: AtomicUsize = AtomicUsize::new(0);

#[sync_to_async]
fn echo(realm: &str, ids: &[u64], path: impl AsRef<Path>) -> (String, Vec<u64>, PathBuf) {
    ECHOED.fetch_add(1, Ordering::SeqCst);
    (realm.to_owned(), ids.to_vec(), path.as_ref().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arguments_are_copied_at_the_call_and_run_at_the_first_poll() {
    let mut realm = String::from("eu");
    let mut ids = vec![1, 2];
    let mut path = PathBuf::from("/data/a.db");
    let future = echo_async(&realm, &ids, &path);

    // The caller's values change and go before the future is polled.
    realm.push_str("-west");
    ids.push(3);
    path.push("changed");
    drop((realm, ids, path));
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(
        ECHOED.load(Ordering::SeqCst),
        0,
        "nothing runs before the first poll"
    );

    let (realm, ids, path) = deadline(future).await;
    assert_eq!(realm, "eu");
    assert_eq!(ids, [1, 2]);
    assert_eq!(path, Path::new("/data/a.db"));
    assert_eq!(ECHOED.load(Ordering::SeqCst), 1);
}

static NAMED: AtomicUsize = AtomicUsize::new(0);
static CONVERTED: AtomicUsize = AtomicUsize::new(0);

/// A name whose conversion to a `String` is counted.
struct Counted(&'static str);

impl From<Counted> for String {
    fn from(name: Counted) -> String {
        CONVERTED.fetch_add(1, Ordering::SeqCst);
        name.0.to_owned()
    }
}

#[sync_to_async]
fn name_of(id: u64, name: impl Into<String>) -> String {
    NAMED.fetch_add(1, Ordering::SeqCst);
    format!("{id}: {}", name.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversions_happen_at_the_call_and_the_call_at_the_first_poll() {
    let future = name_of_async(1, Counted("ada"));
    assert_eq!(CONVERTED.load(Ordering::SeqCst), 1, "converted at the call");
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(
        NAMED.load(Ordering::SeqCst),
        0,
        "nothing runs before the first poll"
    );

    // Dropped before its first poll: converted, but never run.
    drop(name_of_async(2, Counted("grace")));
    assert_eq!(CONVERTED.load(Ordering::SeqCst), 2);

    assert_eq!(deadline(future).await, "1: ada");
    assert_eq!(NAMED.load(Ordering::SeqCst), 1);
    assert_eq!(CONVERTED.load(Ordering::SeqCst), 2);
}

#[sync_to_async]
fn lengths(names: &[&str]) -> Vec<usize> {
    names.iter().map(|name| name.len()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_twins_own_their_arguments() {
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let owned: Vec<String> = (0..=i).map(|j| "x".repeat(j + 1)).collect();
            let names: Vec<&str> = owned.iter().map(String::as_str).collect();
            // `owned` and `names` go at the end of this closure; the task outlives them.
            tokio::spawn(lengths_async(&names))
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.unwrap(), (1..=i + 1).collect::<Vec<_>>());
    }
}

static CALLS: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug)]
pub struct Registry {
    names: Vec<String>,
}

#[sync_to_async(handle = AsyncRegistry)]
impl Registry {
    pub fn open() -> Self {
        Registry { names: Vec::new() }
    }

    pub fn register(&mut self, name: &str) -> usize {
        CALLS.fetch_add(1, Ordering::SeqCst);
        self.names.push(name.to_owned());
        self.names.len()
    }

    pub fn names(&self) -> Vec<String> {
        self.names.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handle_methods_own_a_clone_of_the_handle() {
    let registry = AsyncRegistry::open().await;
    let mut name = String::from("ada");
    let future = registry.register(&name);
    name.push_str(" lovelace");
    drop(name);
    let names = registry.names();
    // The futures keep the object alive without the handle.
    drop(registry);
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(
        CALLS.load(Ordering::SeqCst),
        0,
        "nothing runs before the first poll"
    );

    assert_eq!(tokio::spawn(future).await.unwrap(), 1);
    assert_eq!(deadline(names).await, ["ada"]);
    assert_eq!(CALLS.load(Ordering::SeqCst), 1);
}
