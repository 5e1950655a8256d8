//! An async handle over a real stateful object: a store on an in-memory SQLite connection.
//! `rusqlite::Connection` is `Send` but not `Sync`, so the handle's default (every call has the
//! object to itself) is the one that fits it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bridge_runtime::sync_to_async;
use bridge_tests::{InFlight, deadline, within};
use rusqlite::{Connection, OptionalExtension, params};

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: i64,
    pub name: String,
}

#[derive(Debug)]
pub struct StoreError(pub String);

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError(error.to_string())
    }
}

/// The legacy store: a connection and a write counter kept in Rust, so that a lost update
/// would show.
pub struct Store {
    conn: Connection,
    writes: i64,
    /// Calls running on this store now: each call has the connection to itself.
    inside: InFlight,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("writes", &self.writes)
            .finish_non_exhaustive()
    }
}

static OPENED: AtomicUsize = AtomicUsize::new(0);

#[sync_to_async(handle = AsyncStore)]
impl Store {
    /// An in-memory store with `users` rows.
    pub fn open_in_memory(users: i64) -> Result<Self, StoreError> {
        OPENED.fetch_add(1, Ordering::SeqCst);
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
             CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0);",
        )?;
        for id in 0..users {
            conn.execute(
                "INSERT INTO users (id, name) VALUES (?1, ?2)",
                params![id, format!("user-{id}")],
            )?;
        }
        Ok(Store {
            conn,
            writes: 0,
            inside: InFlight::new(),
        })
    }

    /// Wraps an open connection whose schema exists. `Store` is `Self` written out, so this is
    /// a constructor of the handle too.
    pub fn from_connection(conn: Connection) -> Store {
        Store {
            conn,
            writes: 0,
            inside: InFlight::new(),
        }
    }

    /// Looks a user up.
    pub fn get(&self, id: i64) -> Result<Option<User>, StoreError> {
        let _inside = self.inside.enter();
        let user = self
            .conn
            .query_row("SELECT id, name FROM users WHERE id = ?1", [id], |row| {
                Ok(User {
                    id: row.get(0)?,
                    name: row.get(1)?,
                })
            })
            .optional()?;
        Ok(user)
    }

    /// Finds users by name prefix; the `&str` is copied for the worker thread.
    pub fn find(&self, prefix: &str) -> Result<Vec<i64>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT id FROM users WHERE name LIKE ?1 || '%' ORDER BY id")?;
        let ids = statement
            .query_map([prefix], |row| row.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(ids)
    }

    /// Inserts or replaces a user.
    pub fn put(&mut self, user: User) -> Result<(), StoreError> {
        let _inside = self.inside.enter();
        self.writes += 1;
        self.conn.execute(
            "INSERT OR REPLACE INTO users (id, name) VALUES (?1, ?2)",
            params![user.id, user.name],
        )?;
        Ok(())
    }

    /// A read-modify-write that loses updates unless calls are serialised: it reads the
    /// counter, yields the CPU, then writes the value it read plus one.
    pub fn increment(&mut self) -> Result<i64, StoreError> {
        let _inside = self.inside.enter();
        let n: i64 = self
            .conn
            .query_row("SELECT n FROM counter", [], |row| row.get(0))?;
        std::thread::sleep(Duration::from_micros(200));
        self.conn.execute("UPDATE counter SET n = ?1", [n + 1])?;
        self.writes += 1;
        Ok(n + 1)
    }

    pub fn counter(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT n FROM counter", [], |row| row.get(0))?)
    }

    /// The most calls seen running on this store at once.
    pub fn peak_calls(&self) -> usize {
        self.inside.peak()
    }

    /// Writes made through this object.
    pub fn writes(&self) -> i64 {
        self.writes
    }

    /// The schema version: an associated fn that is not a constructor.
    pub fn schema_version() -> u32 {
        1
    }

    /// Not `pub`: the handle has no async version of it.
    #[allow(dead_code)]
    fn internal(&self) -> usize {
        0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reads_from_50_tasks_get_correct_results() {
    let store = deadline(AsyncStore::open_in_memory(100)).await.unwrap();
    let tasks: Vec<_> = (0..50i64)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { (i, store.get(i * 2).await) })
        })
        .collect();
    for task in tasks {
        let (i, user) = deadline(task).await.unwrap();
        let user = user.unwrap().expect("the user exists");
        assert_eq!(
            user,
            User {
                id: i * 2,
                name: format!("user-{}", i * 2)
            }
        );
    }
    assert_eq!(deadline(store.get(1000)).await.unwrap(), None);
    assert_eq!(
        deadline(store.find("user-9")).await.unwrap(),
        vec![9, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99]
    );
    // The connection is not `Sync`: calls never overlapped on it.
    assert_eq!(deadline(store.peak_calls()).await, 1);
    // Each method is recorded under its own name in the metrics.
    let metrics = bridge_runtime::metrics::snapshot();
    let get = metrics
        .get("handle_sqlite::Store::get")
        .expect("`Store::get` is recorded");
    assert!(get.calls >= 51, "{} calls", get.calls);
    assert!(metrics.get("handle_sqlite::Store::find").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mut_calls_are_serialised_with_no_lost_update() {
    const CALLS: i64 = 200;
    let store = deadline(AsyncStore::open_in_memory(0)).await.unwrap();
    let tasks: Vec<_> = (0..CALLS)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.increment().await.unwrap() })
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(deadline(task).await.unwrap());
    }
    seen.sort_unstable();
    // Each call saw the previous one's write: the values are exactly 1..=CALLS.
    assert_eq!(seen, (1..=CALLS).collect::<Vec<_>>());
    assert_eq!(deadline(store.counter()).await.unwrap(), CALLS);
    assert_eq!(deadline(store.writes()).await, CALLS);
    assert_eq!(deadline(store.peak_calls()).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_writes_interleave_consistently() {
    let store = deadline(AsyncStore::open_in_memory(0)).await.unwrap();
    let writers: Vec<_> = (0..25i64)
        .map(|id| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .put(User {
                        id,
                        name: format!("w{id}"),
                    })
                    .await
                    .unwrap();
                // A write is visible to the next call of the same task.
                store.get(id).await.unwrap().unwrap()
            })
        })
        .collect();
    for (id, writer) in (0..25i64).zip(writers) {
        assert_eq!(deadline(writer).await.unwrap().name, format!("w{id}"));
    }
    assert_eq!(deadline(store.writes()).await, 25);
}

#[tokio::test]
async fn constructors_build_handles_and_associated_fns_run() {
    let before = OPENED.load(Ordering::SeqCst);
    let store: AsyncStore = deadline(AsyncStore::open_in_memory(3)).await.unwrap();
    assert!(OPENED.load(Ordering::SeqCst) > before);
    assert_eq!(deadline(store.find("user")).await.unwrap(), vec![0, 1, 2]);

    // `-> Store`, with the type written out, is a constructor too.
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);")
        .unwrap();
    let other: AsyncStore = deadline(AsyncStore::from_connection(conn)).await;
    assert_eq!(deadline(other.get(0)).await.unwrap(), None);

    assert_eq!(deadline(AsyncStore::schema_version()).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_caller_shares_the_object() {
    // The legacy code built the object; the handle takes it over.
    let legacy = Store::open_in_memory(2).unwrap();
    let store = AsyncStore::from(legacy);

    // A legacy thread, still sync, writes through the handle while async tasks write too.
    let sync_side = store.clone();
    let legacy_thread = std::thread::spawn(move || {
        for _ in 0..50 {
            sync_side.blocking_write().increment().unwrap();
        }
        sync_side.blocking_read().counter().unwrap()
    });
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.increment().await.unwrap() })
        })
        .collect();
    for task in tasks {
        deadline(task).await.unwrap();
    }
    let seen_by_sync = deadline(tokio::task::spawn_blocking(move || {
        legacy_thread.join().unwrap()
    }))
    .await
    .unwrap();
    assert!(seen_by_sync >= 50);
    assert_eq!(deadline(store.counter()).await.unwrap(), 100);

    // Sync code sees what async code wrote, and the other way round.
    deadline(store.put(User {
        id: 7,
        name: "async".into(),
    }))
    .await
    .unwrap();
    let sync_side = store.clone();
    let name = deadline(tokio::task::spawn_blocking(move || {
        let name = sync_side.blocking_read().get(7).unwrap().unwrap().name;
        sync_side
            .blocking_write()
            .put(User {
                id: 8,
                name: "sync".into(),
            })
            .unwrap();
        name
    }))
    .await
    .unwrap();
    assert_eq!(name, "async");
    assert_eq!(deadline(store.get(8)).await.unwrap().unwrap().name, "sync");
}

#[test]
fn sync_access_waits_for_running_calls_without_holding_a_runtime_thread() {
    within(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let store = runtime.block_on(AsyncStore::open_in_memory(0)).unwrap();
        // While a sync caller holds the object, async calls wait for it, asynchronously: the
        // runtime's one worker thread still runs other tasks.
        let guard = store.blocking_write();
        let call = runtime.spawn({
            let store = store.clone();
            async move { store.increment().await.unwrap() }
        });
        let other = runtime.block_on(runtime.spawn(async { 6 * 7 })).unwrap();
        assert_eq!(other, 42);
        assert!(!call.is_finished());
        drop(guard);
        assert_eq!(runtime.block_on(call).unwrap(), 1);
    });
}

#[tokio::test]
#[should_panic(
    expected = "`AsyncStore::blocking_read` was called on an async runtime worker thread"
)]
async fn sync_access_on_a_runtime_thread_panics() {
    let store = AsyncStore::from(Store::open_in_memory(0).unwrap());
    let _ = store.blocking_read().counter();
}
