use bridge_runtime::sync_to_async;

pub struct Store {
    rows: Vec<String>,
}

impl Store {
    #[sync_to_async]
    pub fn get(&self, id: usize) -> Option<String> {
        self.rows.get(id).cloned()
    }
}

// No follow-on "no method named `get_async`" at the callers.
async fn callers(store: &Store) -> Option<String> {
    store.get(0).or(store.get_async(1).await)
}

fn main() {}
