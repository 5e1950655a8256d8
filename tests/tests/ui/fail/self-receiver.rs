use bridge_runtime::sync_to_async;

pub struct Store {
    rows: Vec<String>,
}

impl Store {
    #[sync_to_async]
    pub fn get(&self, id: usize) -> Option<String> {
        self.rows.get(id).cloned()
    }

    #[sync_to_async]
    pub fn push(&mut self, row: String) -> usize {
        self.rows.push(row);
        self.rows.len()
    }

    #[sync_to_async]
    pub fn first(self: &Self) -> Option<String> {
        self.rows.first().cloned()
    }
}

// No follow-on "no method named `get_async`" at the callers.
async fn callers(store: &mut Store) -> Option<String> {
    store.push_async("a".to_owned()).await;
    store.first_async().await;
    store.get(0).or(store.get_async(1).await)
}

fn main() {}
