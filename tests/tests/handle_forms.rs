//! The forms and options of an async handle: generics and where-clauses, `Self` in signatures,
//! generic methods, `concurrent_reads`, the handle's `executor` and `limit`, a method's `limit`
//! and `skip`, calls that would wait for themselves, and when a call starts.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bridge_runtime::{Pool, sync_to_async};
use bridge_tests::{Gate, InFlight, deadline, panic_message, wait_until};

/// A generic cache; `Sync`, so its readers may run together.
#[derive(Clone, Debug, Default)]
pub struct Cache<K, V> {
    entries: HashMap<K, V>,
}

#[sync_to_async(handle = AsyncCache, concurrent_reads)]
impl<K, V> Cache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync,
    V: Clone + Send + Sync,
{
    /// An empty cache.
    pub fn new() -> Self {
        Cache {
            entries: HashMap::new(),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.entries.get(key).cloned()
    }

    /// A generic method: its type parameter gains `Send + 'static` in the async version.
    pub fn insert_all<I: IntoIterator<Item = (K, V)>>(&mut self, items: I) -> usize {
        self.entries.extend(items);
        self.entries.len()
    }

    /// `Self` in a parameter and the return type means `Cache<K, V>`: the other cache is
    /// copied for the worker thread, and the merged one comes back.
    pub fn merged(&self, other: &Self) -> Self {
        let mut entries = self.entries.clone();
        entries.extend(other.entries.clone());
        Cache { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generic_handle_with_self_in_signatures() {
    let cache: AsyncCache<String, u32> = deadline(AsyncCache::new()).await;
    let added = deadline(cache.insert_all(vec![("a".to_owned(), 1), ("b".to_owned(), 2)])).await;
    assert_eq!(added, 2);
    assert_eq!(deadline(cache.get(&"b".to_owned())).await, Some(2));
    let other = Cache {
        entries: HashMap::from([("c".to_owned(), 3)]),
    };
    let merged: Cache<String, u32> = deadline(cache.merged(&other)).await;
    assert_eq!(merged.len(), 3);
    assert_eq!(deadline(cache.len()).await, 2);
    assert!(!deadline(cache.is_empty()).await);
    assert_eq!(AsyncCache::from(merged).blocking_read_len(), 3);
}

trait BlockingLen {
    fn blocking_read_len(&self) -> usize;
}

impl BlockingLen for AsyncCache<String, u32> {
    fn blocking_read_len(&self) -> usize {
        let handle = self.clone();
        std::thread::spawn(move || handle.blocking_read().len())
            .join()
            .unwrap()
    }
}

static POOL: LazyLock<Pool> = LazyLock::new(|| Pool::new("gauge-pool", 4));

/// Counts the calls running on it.
#[derive(Debug, Default)]
pub struct Gauge {
    readers: InFlight,
    writers: InFlight,
    /// The most readers seen while a writer ran: must stay 0.
    readers_during_writes: AtomicUsize,
    writes: u64,
}

#[sync_to_async(handle = AsyncGauge, concurrent_reads, executor = POOL, limit = 3)]
impl Gauge {
    pub fn new() -> Self {
        Gauge::default()
    }

    /// A slow read, on the pool.
    pub fn read(&self, ms: u64) -> String {
        let _reading = self.readers.enter();
        std::thread::sleep(Duration::from_millis(ms));
        std::thread::current().name().unwrap_or("").to_owned()
    }

    /// A read that runs alone, whatever the handle allows.
    #[sync_to_async(limit = 1)]
    pub fn read_alone(&self, ms: u64) -> usize {
        let _reading = self.readers.enter();
        std::thread::sleep(Duration::from_millis(ms));
        self.readers.now()
    }

    pub fn write(&mut self, ms: u64) -> u64 {
        let _writing = self.writers.enter();
        self.readers_during_writes
            .fetch_max(self.readers.now(), Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(ms));
        self.writes += 1;
        self.writes
    }

    pub fn peaks(&self) -> (usize, usize, usize) {
        (
            self.readers.peak(),
            self.writers.peak(),
            self.readers_during_writes.load(Ordering::SeqCst),
        )
    }

    /// Sync code only.
    #[sync_to_async(skip)]
    pub fn reset(&mut self) {
        *self = Gauge::default();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reads_run_together_within_the_handle_limit_and_writes_alone() {
    let gauge = deadline(AsyncGauge::new()).await;
    let calls: Vec<_> = (0..12)
        .map(|i| {
            let gauge = gauge.clone();
            tokio::spawn(async move {
                if i % 4 == 3 {
                    gauge.write(5).await;
                    "write".to_owned()
                } else {
                    gauge.read(20).await
                }
            })
        })
        .collect();
    for call in calls {
        let thread = deadline(call).await.unwrap();
        assert!(
            thread == "write" || thread.starts_with("gauge-pool"),
            "ran on {thread}"
        );
    }
    let (readers, writers, readers_during_writes) = deadline(gauge.peaks()).await;
    assert!(readers >= 2, "reads ran one at a time");
    assert!(
        readers <= 3,
        "the handle's limit is 3, {readers} reads ran at once"
    );
    assert_eq!(writers, 1);
    assert_eq!(readers_during_writes, 0);
    assert_eq!(deadline(gauge.write(0)).await, 4);
    gauge.clone().blocking_write_on_a_thread();
}

trait ResetOnAThread {
    fn blocking_write_on_a_thread(self);
}

impl ResetOnAThread for AsyncGauge {
    fn blocking_write_on_a_thread(self) {
        std::thread::spawn(move || self.blocking_write().reset())
            .join()
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_limit_applies_to_that_method() {
    let gauge = deadline(AsyncGauge::new()).await;
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let gauge = gauge.clone();
            tokio::spawn(async move { gauge.read_alone(10).await })
        })
        .collect();
    for call in calls {
        assert_eq!(
            deadline(call).await.unwrap(),
            1,
            "another read ran beside it"
        );
    }
}

/// A legacy object whose methods reach the handle again, as sync code that calls migrated
/// async code might.
#[derive(Debug, Default)]
pub struct Ledger {
    entries: Vec<u64>,
    runs: usize,
}

#[sync_to_async(handle = AsyncLedger)]
impl Ledger {
    pub fn new() -> Self {
        Ledger::default()
    }

    pub fn add(&mut self, amount: u64) -> usize {
        self.runs += 1;
        self.entries.push(amount);
        self.entries.len()
    }

    /// Adds `amount` once `gate` opens.
    pub fn gated_add(&mut self, amount: u64, gate: Gate) -> usize {
        gate.wait();
        self.add(amount)
    }

    pub fn runs(&self) -> usize {
        self.runs
    }

    /// Awaits a method of its own handle from inside a call: it would wait for itself.
    pub fn reenter(&self, handle: AsyncLedger) -> usize {
        bridge_runtime::block_on(handle.runs())
    }

    /// Takes the handle's lock from inside a call: it would wait for itself.
    pub fn relock(&self, handle: AsyncLedger) -> usize {
        handle.blocking_read().runs
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_would_wait_for_itself_panics_instead() {
    let ledger = deadline(AsyncLedger::new()).await;
    for (which, call) in [
        (
            "reenter",
            tokio::spawn({
                let ledger = ledger.clone();
                async move { ledger.reenter(ledger.clone()).await }
            }),
        ),
        (
            "relock",
            tokio::spawn({
                let ledger = ledger.clone();
                async move { ledger.relock(ledger.clone()).await }
            }),
        ),
    ] {
        let panic = deadline(call).await.unwrap_err().into_panic();
        let message = panic_message(&*panic).unwrap_or_default().to_owned();
        assert!(
            message.contains("from inside a call on the same object"),
            "{which}: {message}"
        );
    }
    // The object is still usable.
    assert_eq!(deadline(ledger.add(1)).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_starts_when_first_polled_and_then_runs_to_completion() {
    let ledger = deadline(AsyncLedger::new()).await;
    // Dropped before it is polled: nothing runs.
    drop(ledger.add(1));

    // Dropped while it waits for the object, which sync code holds: nothing runs either.
    let (held, is_held) = tokio::sync::oneshot::channel();
    let release = Gate::default();
    let holder = std::thread::spawn({
        let (ledger, release) = (ledger.clone(), release.clone());
        move || {
            let _guard = ledger.blocking_write();
            held.send(()).unwrap();
            release.wait();
        }
    });
    deadline(is_held).await.unwrap();
    let waiting = tokio::time::timeout(Duration::from_millis(5), ledger.add(3)).await;
    assert!(waiting.is_err());
    release.open();
    deadline(tokio::task::spawn_blocking(move || holder.join().unwrap()))
        .await
        .unwrap();
    assert_eq!(deadline(ledger.runs()).await, 0);

    // Dropped once handed to its thread: it still runs to completion. The object is free, so
    // the first poll hands the call over; it then waits at the gate, so it cannot be done
    // before the timeout drops its future.
    let gate = Gate::default();
    let started =
        tokio::time::timeout(Duration::from_millis(5), ledger.gated_add(4, gate.clone())).await;
    assert!(started.is_err());
    gate.open();
    let check = ledger.clone();
    deadline(tokio::task::spawn_blocking(move || {
        wait_until("the dropped call to finish", || {
            check.blocking_read().runs == 1
        })
    }))
    .await
    .unwrap();
}

/// A legacy error that wraps its cause, as `thiserror`'s `#[source]` would.
#[derive(Debug)]
pub struct Missing {
    key: String,
    cause: std::io::Error,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no setting `{}`", self.key)
    }
}

impl std::error::Error for Missing {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

/// Legacy settings whose methods return `Box<dyn Error>`, the most common legacy error type.
#[derive(Debug, Default)]
pub struct Settings {
    values: HashMap<String, String>,
}

#[sync_to_async(handle = AsyncSettings)]
impl Settings {
    pub fn get(&self, key: &str) -> Result<String, Box<dyn std::error::Error>> {
        self.values.get(key).cloned().ok_or_else(|| {
            Box::new(Missing {
                key: key.to_owned(),
                cause: std::io::Error::new(std::io::ErrorKind::NotFound, "not in the file"),
            }) as _
        })
    }

    pub fn set_port(&mut self, text: &str) -> Result<u16, Box<dyn std::error::Error>> {
        let port: u16 = text.parse()?;
        self.values.insert("port".to_owned(), text.to_owned());
        Ok(port)
    }

    pub fn parse_port(text: &str) -> Result<u16, Box<dyn std::error::Error>> {
        Ok(text.parse()?)
    }

    /// A constructor with the same error: its async version returns `Result<AsyncSettings,
    /// SentError>`.
    pub fn load(text: &str) -> Result<Self, Box<dyn std::error::Error>> {
        let mut values = HashMap::new();
        for line in text.lines() {
            let (key, value) = line.split_once('=').ok_or("a line without `=`")?;
            values.insert(key.to_owned(), value.to_owned());
        }
        Ok(Settings { values })
    }
}

/// The same on its own thread: the constructor's object is built there, its error converted
/// there.
#[derive(Debug, Default)]
pub struct LocalSettings(HashMap<String, String>);

/// A legacy alias of `Result`, named like one, and one that is not: both read from the source.
pub type SettingsResult<T> = Result<T, String>;
pub type Fallible<T> = Result<T, String>;

/// A struct named like a `Result`, which is not one: a fn returning it is no constructor.
#[derive(Debug)]
pub struct SearchResult<T> {
    pub hits: Vec<T>,
}

#[sync_to_async(handle = AsyncLocalSettings, thread_sensitive)]
impl LocalSettings {
    pub fn load(text: &str) -> Result<Self, Box<dyn std::error::Error>> {
        Settings::load(text).map(|settings| LocalSettings(settings.values))
    }

    pub fn parse(text: &str) -> SettingsResult<Self> {
        Settings::load(text)
            .map(|settings| LocalSettings(settings.values))
            .map_err(|error| error.to_string())
    }

    pub fn strict(text: &str) -> Fallible<Self> {
        Self::parse(text)
    }

    pub fn search(text: &str) -> SearchResult<Self> {
        SearchResult {
            hits: Self::parse(text).into_iter().collect(),
        }
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
}

/// A handle's methods (and associated fns) that return `Result<T, Box<dyn Error>>` return
/// `Result<T, SentError>`: the message and the `source()` chain cross threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_returning_a_boxed_error_return_a_sent_error() {
    let settings = AsyncSettings::from(Settings::default());
    assert_eq!(deadline(settings.set_port("8080")).await.unwrap(), 8080);
    assert_eq!(deadline(settings.get("port")).await.unwrap(), "8080");
    let bad: bridge_runtime::SentError = deadline(settings.set_port("eighty")).await.unwrap_err();
    assert_eq!(bad.to_string(), "invalid digit found in string");
    let missing = deadline(settings.get("host")).await.unwrap_err();
    assert_eq!(missing.to_string(), "no setting `host`");
    let cause = std::error::Error::source(&missing).expect("the cause crossed too");
    assert_eq!(cause.to_string(), "not in the file");
    assert_eq!(
        deadline(AsyncSettings::parse_port("x"))
            .await
            .unwrap_err()
            .to_string(),
        "invalid digit found in string"
    );
    // `?` turns it into the usual boxed error of async code.
    let boxed: Box<dyn std::error::Error + Send + Sync> = missing.into();
    assert_eq!(boxed.to_string(), "no setting `host`");
}

/// A constructor returning `Result<Self, Box<dyn Error>>` builds the handle or returns a
/// `SentError`, for a default handle and a thread-sensitive one; one returning an alias named
/// `..Result` (`SettingsResult<Self>`) is a constructor too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn constructors_returning_a_boxed_error_or_an_alias_build_the_handle() {
    let settings: AsyncSettings = deadline(AsyncSettings::load("port=80\nhost=a"))
        .await
        .unwrap();
    assert_eq!(deadline(settings.get("host")).await.unwrap(), "a");
    let bad: bridge_runtime::SentError = deadline(AsyncSettings::load("port")).await.unwrap_err();
    assert_eq!(bad.to_string(), "a line without `=`");

    let local: AsyncLocalSettings = deadline(AsyncLocalSettings::load("port=81")).await.unwrap();
    assert_eq!(deadline(local.get("port")).await.as_deref(), Some("81"));
    let bad = deadline(AsyncLocalSettings::load("x")).await.unwrap_err();
    assert_eq!(bad.to_string(), "a line without `=`");

    let parsed: AsyncLocalSettings = deadline(AsyncLocalSettings::parse("k=v")).await.unwrap();
    assert_eq!(deadline(parsed.get("k")).await.as_deref(), Some("v"));
    let bad: String = deadline(AsyncLocalSettings::parse("k")).await.unwrap_err();
    assert_eq!(bad, "a line without `=`");
    // An alias of the module, whatever its name, is read from the source.
    let strict: AsyncLocalSettings = deadline(AsyncLocalSettings::strict("a=b")).await.unwrap();
    assert_eq!(deadline(strict.get("a")).await.as_deref(), Some("b"));
    // A struct named like a `Result` is a plain value: the objects, not handles.
    let found: SearchResult<LocalSettings> = deadline(AsyncLocalSettings::search("x=y")).await;
    assert_eq!(found.hits.len(), 1);
    assert_eq!(found.hits[0].get("x").as_deref(), Some("y"));
}
