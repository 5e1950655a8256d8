//! The user directory database, in the legacy style: every thread keeps its own SQLite
//! connection in a thread-local, and a transaction is `begin`, some writes and `commit`, each a
//! separate call on that connection.
//!
//! This is the code that breaks when its calls wander between threads. `begin` on one thread
//! and `commit` on another means the commit runs on a connection with no transaction (an
//! error), and the writes in between were auto-committed one by one on whichever connection
//! they landed. That is why every fn here is `#[sync_to_async(thread_sensitive)]`: all of its
//! twins' calls run on one dedicated thread (or on the thread of the current
//! `thread_sensitive_scope`), and so on one connection.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bridge_runtime::{sync_only, sync_to_async};
use rusqlite::{Connection, params};

use crate::profiles::Profile;

/// One user's row in the directory: the profile, plus what the report job computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// The user id.
    pub id: u64,
    /// The user's display name.
    pub name: String,
    /// The user's country code.
    pub country: String,
    /// How many orders the user has placed.
    pub orders: u32,
    /// The hex digest of the user's avatar.
    pub avatar_sha256: String,
}

impl UserRow {
    /// The row of a user with this `profile` and this avatar digest.
    pub fn new(profile: Profile, avatar_sha256: String) -> Self {
        let Profile {
            id,
            name,
            country,
            orders,
        } = profile;
        UserRow {
            id,
            name,
            country,
            orders,
            avatar_sha256,
        }
    }
}

/// A database error.
pub type DbError = rusqlite::Error;

thread_local! {
    /// This thread's connection to each database it has used.
    static CONNECTIONS: RefCell<HashMap<PathBuf, Connection>> = RefCell::new(HashMap::new());
}

/// Runs `f` on this thread's connection to the database at `path`, opening it on first use.
fn with_connection<T>(
    path: &Path,
    f: impl FnOnce(&Connection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    CONNECTIONS.with(|connections| {
        let mut connections = connections.borrow_mut();
        let connection = match connections.get(path) {
            Some(connection) => connection,
            None => {
                let connection = Connection::open(path)?;
                // Several report threads may write at once: wait for the lock, don't fail.
                connection.busy_timeout(Duration::from_secs(30))?;
                connections.entry(path.to_owned()).or_insert(connection)
            }
        };
        f(connection)
    })
}

/// Creates the directory's schema in the database at `path` (a new file is created).
///
/// # Errors
///
/// Any SQLite error.
pub fn create_schema(path: &Path) -> Result<(), DbError> {
    with_connection(path, |connection| {
        connection.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS users (
                 id INTEGER PRIMARY KEY,
                 name TEXT NOT NULL,
                 country TEXT NOT NULL,
                 orders INTEGER NOT NULL,
                 avatar_sha256 TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS audit (
                 user_id INTEGER NOT NULL,
                 step TEXT NOT NULL
             );",
        )
    })
}

/// Starts a transaction on this thread's connection.
///
/// # Errors
///
/// Any SQLite error, such as a transaction already open on this connection.
#[sync_only]
#[sync_to_async(thread_sensitive)]
pub fn begin(db: &Path) -> Result<(), DbError> {
    with_connection(db, |connection| connection.execute_batch("BEGIN IMMEDIATE"))
}

/// Writes `row` (replacing an older row of the same user) and an audit entry, on this
/// thread's connection, inside the transaction [`begin`] opened.
///
/// # Errors
///
/// Any SQLite error.
#[sync_only]
#[sync_to_async(thread_sensitive)]
pub fn save_user(db: &Path, row: &UserRow) -> Result<(), DbError> {
    with_connection(db, |connection| {
        connection.execute(
            "INSERT OR REPLACE INTO users (id, name, country, orders, avatar_sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![to_sql(row.id)?, row.name, row.country, row.orders, row.avatar_sha256],
        )?;
        connection.execute(
            "INSERT INTO audit (user_id, step) VALUES (?1, 'saved')",
            params![to_sql(row.id)?],
        )?;
        Ok(())
    })
}

/// Commits the transaction [`begin`] opened on this thread's connection.
///
/// # Errors
///
/// Any SQLite error, such as no transaction open on this connection: the symptom of a
/// transaction whose calls ran on different threads.
#[sync_only]
#[sync_to_async(thread_sensitive)]
pub fn commit(db: &Path) -> Result<(), DbError> {
    with_connection(db, |connection| connection.execute_batch("COMMIT"))
}

/// SQLite integers are `i64`; user ids beyond that do not fit.
fn to_sql(id: u64) -> Result<i64, DbError> {
    i64::try_from(id).map_err(|error| rusqlite::Error::ToSqlConversionFailure(error.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u64) -> UserRow {
        UserRow {
            id,
            name: "Ada".into(),
            country: "GB".into(),
            orders: 3,
            avatar_sha256: "ab".into(),
        }
    }

    #[test]
    fn a_transaction_on_one_thread_commits() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("users.db");
        create_schema(&db).unwrap();
        begin(&db).unwrap();
        save_user(&db, &row(2)).unwrap();
        save_user(&db, &row(1)).unwrap();
        commit(&db).unwrap();
        let ids: Vec<u64> = crate::directory::Directory::open(&db)
            .unwrap()
            .users()
            .unwrap()
            .iter()
            .map(|row| row.id)
            .collect();
        assert_eq!(ids, [1, 2]);
    }

    /// The failure the thread-sensitive twins prevent: a commit on another thread than the
    /// `begin` finds no transaction on its connection.
    #[test]
    fn a_commit_on_another_thread_fails() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("users.db");
        create_schema(&db).unwrap();
        begin(&db).unwrap();
        let elsewhere = db.clone();
        let error = std::thread::spawn(move || commit(&elsewhere))
            .join()
            .unwrap()
            .unwrap_err();
        assert!(
            error.to_string().contains("no transaction is active"),
            "{error}"
        );
        commit(&db).unwrap();
    }
}
