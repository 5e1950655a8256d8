//! Workload 1: SQLite point lookups (`SELECT name FROM users WHERE id = ?`, `prepare_cached`)
//! on one connection, awaited from tokio tasks by 1 and by 16 concurrent callers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use bridge_runtime::{Pool, sync_to_async};
use rusqlite::{Connection, OptionalExtension};

use crate::Settings;
use crate::measure::{self, Probe, Sample, Table, Unit, Workload};

const ROWS: i64 = 10_000;
const QUERY: &str = "SELECT name FROM users WHERE id = ?1";

/// Runs the workload with 1 and with 16 callers on a fresh database, deleted at the end.
pub fn run(settings: &Settings) -> Vec<Table> {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let path = dir.path().join("users.db");
    create_database(&path);
    DB_PATH
        .set(path.clone())
        .expect("the lookups workload runs once per process");
    let calls = settings.size(20_000, 2_000);
    [1, 16]
        .into_iter()
        .map(|callers| {
            let s = if callers == 1 { "" } else { "s" };
            Workload {
                title: format!("SQLite point lookups, {callers} caller{s}"),
                unit: Unit::OpsPerSec,
                calls,
                rounds: settings.rounds(21),
                variants: &Variant::ALL,
                baseline: Variant::TokioRusqlite,
            }
            .run(|variant| batch(variant, &path, callers, calls))
        })
        .collect()
}

/// The table, with 10,000 rows, in WAL mode (which the file keeps for every connection).
fn create_database(path: &Path) {
    let mut conn = Connection::open(path).expect("create the database");
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .expect("set WAL mode");
    assert_eq!(mode, "wal");
    let tx = conn.transaction().expect("begin");
    tx.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
        [],
    )
    .expect("create the table");
    {
        let mut insert = tx
            .prepare("INSERT INTO users (id, name) VALUES (?1, ?2)")
            .expect("prepare the insert");
        for id in 1..=ROWS {
            insert
                .execute((id, format!("user-{id}")))
                .expect("insert a row");
        }
    }
    tx.commit().expect("commit");
}

/// The lookup every variant makes, on whatever connection it holds.
fn try_lookup(conn: &Connection, id: i64) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(QUERY)?
        .query_row([id], |row| row.get(0))
        .optional()
}

fn lookup(conn: &Connection, id: i64) -> Option<String> {
    try_lookup(conn, id).expect("lookup")
}

fn open(path: &Path) -> Connection {
    Connection::open(path).expect("open the database")
}

/// A legacy object that owns a connection, behind bridge's default handle.
pub struct Db(Connection);

#[sync_to_async(handle = AsyncDb)]
impl Db {
    pub fn name(&self, id: i64) -> Option<String> {
        lookup(&self.0, id)
    }
}

/// The same object behind a thread-sensitive handle: it lives on its own thread.
pub struct DbTs(Connection);

#[sync_to_async(handle = AsyncDbTs, thread_sensitive)]
impl DbTs {
    pub fn name(&self, id: i64) -> Option<String> {
        lookup(&self.0, id)
    }
}

/// A one-thread pool whose thread keeps its own connection, opened on its first call.
static DB_POOL: LazyLock<Pool> = LazyLock::new(|| Pool::new("lookups", 1));
static DB_PATH: OnceLock<PathBuf> = OnceLock::new();

thread_local! {
    static POOL_CONN: Connection = open(DB_PATH.get().expect("the database exists"));
}

#[sync_to_async(executor = DB_POOL)]
fn pooled_name(id: i64) -> Option<String> {
    POOL_CONN.with(|conn| lookup(conn, id))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Variant {
    Direct,
    SpawnBlocking,
    Handle,
    SensitiveHandle,
    PoolTwin,
    TokioRusqlite,
    AsyncSqlite,
    Deadpool,
    Sqlx,
}

impl Variant {
    const ALL: [Variant; 9] = [
        Variant::Direct,
        Variant::SpawnBlocking,
        Variant::Handle,
        Variant::SensitiveHandle,
        Variant::PoolTwin,
        Variant::TokioRusqlite,
        Variant::AsyncSqlite,
        Variant::Deadpool,
        Variant::Sqlx,
    ];
}

impl measure::Variant for Variant {
    fn label(self) -> &'static str {
        match self {
            Variant::Direct => "direct sync call (floor, not legal in async code)",
            Variant::SpawnBlocking => "`Arc<Mutex<Connection>>` + `spawn_blocking`",
            Variant::Handle => "bridge default handle",
            Variant::SensitiveHandle => "bridge thread-sensitive handle",
            Variant::PoolTwin => "bridge `Pool(1)` twin, thread-local connection",
            Variant::TokioRusqlite => "tokio-rusqlite `call`",
            Variant::AsyncSqlite => "async-sqlite `Client::conn`",
            Variant::Deadpool => "deadpool-sqlite `interact`, pool of 1",
            Variant::Sqlx => "sqlx sqlite, pool of 1",
        }
    }
}

/// One connection, reached the way a variant reaches it.
#[derive(Clone)]
enum Conn {
    Direct(Arc<Mutex<Connection>>),
    SpawnBlocking(Arc<Mutex<Connection>>),
    Handle(AsyncDb),
    SensitiveHandle(AsyncDbTs),
    PoolTwin,
    TokioRusqlite(tokio_rusqlite::Connection),
    AsyncSqlite(async_sqlite::Client),
    Deadpool(deadpool_sqlite::Pool),
    Sqlx(sqlx::SqlitePool),
}

impl Conn {
    /// Opens the variant's connection (setup, not measured: the rusqlite ones open inline).
    async fn open(variant: Variant, path: &Path) -> Conn {
        match variant {
            Variant::Direct => Conn::Direct(Arc::new(Mutex::new(open(path)))),
            Variant::SpawnBlocking => Conn::SpawnBlocking(Arc::new(Mutex::new(open(path)))),
            Variant::Handle => Conn::Handle(AsyncDb::from(Db(open(path)))),
            Variant::SensitiveHandle => Conn::SensitiveHandle(AsyncDbTs::from(DbTs(open(path)))),
            Variant::PoolTwin => Conn::PoolTwin,
            Variant::TokioRusqlite => Conn::TokioRusqlite(
                tokio_rusqlite::Connection::open(path)
                    .await
                    .expect("open tokio-rusqlite"),
            ),
            Variant::AsyncSqlite => Conn::AsyncSqlite(
                async_sqlite::ClientBuilder::new()
                    .path(path)
                    .open()
                    .await
                    .expect("open async-sqlite"),
            ),
            Variant::Deadpool => {
                let config = deadpool_sqlite::Config {
                    pool: Some(deadpool_sqlite::PoolConfig::new(1)),
                    ..deadpool_sqlite::Config::new(path)
                };
                Conn::Deadpool(
                    config
                        .create_pool(deadpool_sqlite::Runtime::Tokio1)
                        .expect("create the deadpool"),
                )
            }
            Variant::Sqlx => Conn::Sqlx(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(path))
                    .await
                    .expect("open the sqlx pool"),
            ),
        }
    }

    async fn name(&self, id: i64) -> Option<String> {
        match self {
            Conn::Direct(conn) => lookup(&conn.lock().expect("not poisoned"), id),
            Conn::SpawnBlocking(conn) => {
                let conn = Arc::clone(conn);
                tokio::task::spawn_blocking(move || lookup(&conn.lock().expect("not poisoned"), id))
                    .await
                    .expect("lookup")
            }
            Conn::Handle(db) => db.name(id).await,
            Conn::SensitiveHandle(db) => db.name(id).await,
            Conn::PoolTwin => pooled_name_async(id).await,
            Conn::TokioRusqlite(conn) => conn
                .call(move |conn| try_lookup(conn, id))
                .await
                .expect("lookup"),
            Conn::AsyncSqlite(client) => client
                .conn(move |conn| try_lookup(conn, id))
                .await
                .expect("lookup"),
            Conn::Deadpool(pool) => pool
                .get()
                .await
                .expect("get a connection")
                .interact(move |conn| try_lookup(conn, id))
                .await
                .expect("interact")
                .expect("lookup"),
            Conn::Sqlx(pool) => sqlx::query_scalar(QUERY)
                .bind(id)
                .fetch_optional(pool)
                .await
                .expect("lookup"),
        }
    }

    /// Closes the connection and ends the thread a peer keeps for it.
    async fn close(self) {
        match self {
            Conn::TokioRusqlite(conn) => conn.close().await.expect("close tokio-rusqlite"),
            Conn::AsyncSqlite(client) => client.close().await.expect("close async-sqlite"),
            Conn::Deadpool(pool) => pool.close(),
            Conn::Sqlx(pool) => pool.close().await,
            Conn::Direct(_)
            | Conn::SpawnBlocking(_)
            | Conn::Handle(_)
            | Conn::SensitiveHandle(_)
            | Conn::PoolTwin => {}
        }
    }
}

/// One variant's batch on a fresh runtime: open, a warm-up of a tenth of the calls, then
/// `calls` lookups split among `callers` tasks, measured.
fn batch(variant: Variant, path: &Path, callers: usize, calls: usize) -> Sample {
    measure::runtime().block_on(async {
        let conn = Conn::open(variant, path).await;
        drive(&conn, callers, calls / 10).await;
        let probe = Probe::start();
        drive(&conn, callers, calls).await;
        let sample = probe.stop();
        conn.close().await;
        sample
    })
}

/// `calls` lookups of pseudo-random ids from `callers` tasks, each awaiting its lookups in turn.
async fn drive(conn: &Conn, callers: usize, calls: usize) {
    let tasks: Vec<_> = (0..callers)
        .map(|caller| {
            let conn = conn.clone();
            let share = calls / callers + usize::from(caller < calls % callers);
            tokio::spawn(async move {
                let mut ids = Ids(caller as u64);
                let mut found = 0;
                for _ in 0..share {
                    found += usize::from(conn.name(ids.next()).await.is_some());
                }
                found
            })
        })
        .collect();
    let mut found = 0;
    for task in tasks {
        found += task.await.expect("a caller panicked");
    }
    assert_eq!(found, calls, "every id looked up exists");
}

/// Ids in `1..=ROWS` from a 64-bit linear congruential generator (Knuth's MMIX constants).
struct Ids(u64);

impl Ids {
    fn next(&mut self) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as i64 % ROWS + 1
    }
}
