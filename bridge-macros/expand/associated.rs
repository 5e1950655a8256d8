impl Db {
    /// Opens the database.
    #[sync_to_async]
    pub fn open(path: &str) -> Result<Self, DbError> {
        Db::connect(path)
    }

    /// Closes it, consuming it.
    #[sync_to_async]
    pub fn close(self, timeout: u64) -> Result<(), DbError> {
        self.shutdown(timeout)
    }
}
