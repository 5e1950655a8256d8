//! An async handle for a type defined elsewhere (`rusqlite::Connection`), made by declaring the
//! methods it needs, as `wraps =` does for fns: the declarations are not emitted, and the
//! handle's methods call the type's own.

use rusqlite::{Connection, Row};

use bridge_runtime::sync_to_async;
use bridge_tests::{deadline, within};

#[sync_to_async(handle = AsyncConnection)]
impl Connection {
    pub fn open_in_memory() -> rusqlite::Result<Self>;
    pub fn execute_batch(&self, sql: &str) -> rusqlite::Result<()>;
    pub fn execute<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>;
    pub fn last_insert_rowid(&self) -> i64;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_type_gets_a_handle_from_declared_methods() {
    let db = deadline(AsyncConnection::open_in_memory()).await.unwrap();
    deadline(db.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"))
        .await
        .unwrap();
    let inserts: Vec<_> = (0..16)
        .map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                db.execute(
                    "INSERT INTO users (name) VALUES (?1)",
                    (format!("user {n}"),),
                )
                .await
            })
        })
        .collect();
    for insert in inserts {
        assert_eq!(deadline(insert).await.unwrap().unwrap(), 1);
    }
    let count: i64 = deadline(db.query_row("SELECT count(*) FROM users", (), |row| row.get(0)))
        .await
        .unwrap();
    assert_eq!(count, 16);
    let worker = std::thread::current().id();
    let ran_on = deadline(db.query_row("SELECT 1", (), |_| Ok(std::thread::current().id())))
        .await
        .unwrap();
    assert_ne!(ran_on, worker, "the call ran on the async worker");
    assert_eq!(deadline(db.last_insert_rowid()).await, 16);
    // Sync code reaches the same connection through the handle.
    let legacy = db.clone();
    let name: String = within(move || {
        legacy
            .blocking_read()
            .query_row("SELECT name FROM users WHERE id = 3", (), |row| row.get(0))
            .unwrap()
    });
    assert!(name.starts_with("user "), "{name}");
}
