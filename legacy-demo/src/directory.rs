//! Reading the user directory back: a legacy object that owns its own SQLite connection.
//!
//! Unlike the thread-local connections in [`crate::db`], a `Directory` is a plain stateful
//! object, built once and then queried through `&self`. `#[sync_to_async(handle = ...)]` on its
//! `impl` block gives async callers [`AsyncDirectory`]: a cheap, cloneable handle that owns the
//! `Directory` and runs each method on a blocking thread, one call at a time (a
//! `rusqlite::Connection` is `Send` but not `Sync`).

use std::path::Path;

use bridge_runtime::sync_to_async;
use rusqlite::Connection;

use crate::db::{DbError, UserRow};

/// Read access to the user directory in the database file at a path.
#[derive(Debug)]
pub struct Directory {
    connection: Connection,
}

#[sync_to_async(handle = AsyncDirectory)]
impl Directory {
    /// Opens the directory in the database at `path`.
    ///
    /// # Errors
    ///
    /// Any SQLite error from opening the file.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        Ok(Directory {
            connection: Connection::open(path)?,
        })
    }

    /// Every user row, by id.
    ///
    /// # Errors
    ///
    /// Any SQLite error.
    pub fn users(&self) -> Result<Vec<UserRow>, DbError> {
        let mut statement = self
            .connection
            .prepare("SELECT id, name, country, orders, avatar_sha256 FROM users ORDER BY id")?;
        let rows = statement.query_map([], |row| {
            Ok(UserRow {
                id: u64::try_from(row.get::<_, i64>(0)?).map_err(|error| {
                    rusqlite::Error::FromSqlConversionFailure(
                        0,
                        rusqlite::types::Type::Integer,
                        error.into(),
                    )
                })?,
                name: row.get(1)?,
                country: row.get(2)?,
                orders: row.get(3)?,
                avatar_sha256: row.get(4)?,
            })
        })?;
        rows.collect()
    }

    /// How many users the directory holds.
    ///
    /// # Errors
    ///
    /// Any SQLite error.
    pub fn count(&self) -> Result<u64, DbError> {
        let count: i64 = self
            .connection
            .query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}
