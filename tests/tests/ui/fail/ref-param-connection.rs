//! A `&T` the twin cannot copy (no `ToOwned`, no `Clone`) is usually an object that must not be
//! copied at all, such as a database connection: the one error says to give the object an async
//! handle, or to keep a thread-bound one on its thread with `thread_sensitive`.
use bridge_runtime::sync_to_async;

#[sync_to_async]
pub fn count_rows(conn: &rusqlite::Connection, table: &str) -> rusqlite::Result<i64> {
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| row.get(0))
}

// The twin is still there for its callers.
async fn callers(conn: &rusqlite::Connection) -> rusqlite::Result<i64> {
    count_rows_async(conn, "users").await
}

fn main() {}
