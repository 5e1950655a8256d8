//! A block that declares methods of a type defined elsewhere declares all of them: a fn with a
//! body there would be an inherent method of a foreign type.

use bridge_runtime::sync_to_async;

#[sync_to_async(handle = AsyncConnection)]
impl rusqlite::Connection {
    pub fn last_insert_rowid(&self) -> i64;

    pub fn row_count(&self) -> i64 {
        self.last_insert_rowid()
    }
}

fn main() {}
