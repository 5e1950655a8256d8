use bridge_runtime::sync_to_async;

pub struct Store {
    rows: Vec<String>,
}

// The handle cannot be named like the type.
#[sync_to_async(handle = Store)]
impl Store {
    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

pub struct Cache {
    rows: Vec<String>,
}

// Two methods cannot share a name, nor take the name of an accessor every handle has.
#[sync_to_async(handle = AsyncCache)]
impl Cache {
    pub fn get(&self, id: usize) -> Option<String> {
        self.rows.get(id).cloned()
    }

    #[sync_to_async(name = get)]
    pub fn get_or_empty(&self, id: usize) -> String {
        self.rows.get(id).cloned().unwrap_or_default()
    }

    #[allow(clippy::should_implement_trait)]
    pub fn clone(&self) -> Self {
        Cache { rows: self.rows.clone() }
    }

    pub fn blocking_read(&self) -> usize {
        self.rows.len()
    }
}

fn main() {}
