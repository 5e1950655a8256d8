use bridge_runtime::sync_to_async;

pub struct Store {
    rows: Vec<String>,
}

#[sync_to_async(handle = AsyncStore)]
impl Store {
    #[sync_to_async(name = fetch, name = load)]
    pub fn get(&self, id: usize) -> Option<String> {
        self.rows.get(id).cloned()
    }

    // Two attributes read as one list of options.
    #[sync_to_async(limit = 1)]
    #[sync_to_async(limit = 2)]
    pub fn put(&mut self, row: String) {
        self.rows.push(row);
    }

    #[sync_to_async(skip, skip)]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    #[sync_to_async(skip, name = emptiness)]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

// The first value is kept, so the callers see one method each and no follow-on errors.
async fn callers(store: AsyncStore) -> Option<String> {
    store.put("a".into()).await;
    store.fetch(0).await
}

fn main() {}
