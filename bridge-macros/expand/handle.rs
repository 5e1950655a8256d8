pub struct Store {
    conn: Connection,
    writes: u64,
}

/// A legacy store, now with an async handle.
#[sync_to_async(handle = AsyncStore)]
impl Store {
    /// Opens the store at `path`.
    pub fn open(path: &str) -> Result<Self, StoreError> {
        Ok(Store { conn: Connection::open(path)?, writes: 0 })
    }

    /// Looks a user up.
    pub fn get(&self, id: u64) -> Option<User> {
        self.conn.query_user(id)
    }

    /// Saves a user; at most 4 at once, under another name.
    #[sync_to_async(name = insert, limit = 4)]
    pub fn put(&mut self, user: User) -> Result<(), StoreError> {
        self.writes += 1;
        self.conn.save(&user)
    }

    /// The schema version this code expects.
    pub fn version() -> u32 {
        3
    }

    /// Sync-only: compacts the file in place.
    #[sync_to_async(skip)]
    pub fn vacuum(&mut self) {
        self.conn.vacuum()
    }

    fn helper(&self) -> usize {
        0
    }
}
