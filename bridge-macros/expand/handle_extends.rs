pub struct Store {
    rows: Vec<String>,
}

/// The block that makes the handle: its options apply to every block's methods.
#[sync_to_async(handle = AsyncStore, executor = POOL, limit = 4)]
impl Store {
    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

/// Another block of the same type adds its methods to the handle.
#[sync_to_async(extends = AsyncStore)]
impl Store {
    pub fn get(&self, id: usize) -> Option<String> {
        self.rows.get(id).cloned()
    }

    #[sync_to_async(name = insert, limit = 2)]
    pub fn push(&mut self, row: String) {
        self.rows.push(row)
    }

    pub fn version() -> u32 {
        3
    }
}
