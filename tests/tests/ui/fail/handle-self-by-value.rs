use bridge_runtime::sync_to_async;

pub struct Store {
    rows: Vec<String>,
}

#[sync_to_async(handle = AsyncStore)]
impl Store {
    pub fn get(&self, id: usize) -> Option<String> {
        self.rows.get(id).cloned()
    }

    pub fn into_rows(self) -> Vec<String> {
        self.rows
    }

    pub fn boxed(self: Box<Self>) -> usize {
        self.rows.len()
    }
}

// No follow-on errors at the callers: the bad methods still have async stand-ins.
async fn callers(store: AsyncStore) -> (Option<String>, Vec<String>, usize) {
    (store.get(0).await, store.into_rows().await, store.boxed().await)
}

fn main() {}
