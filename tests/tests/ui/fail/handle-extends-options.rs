use bridge_runtime::sync_to_async;

static POOL: std::sync::LazyLock<bridge_runtime::Pool> =
    std::sync::LazyLock::new(|| bridge_runtime::Pool::new("db", 2));

pub struct Store {
    rows: Vec<String>,
}

#[sync_to_async(handle = AsyncStore)]
impl Store {
    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

// A block either makes the handle or extends it.
#[sync_to_async(handle = AsyncStore, extends = AsyncStore)]
impl Store {
    pub fn first(&self) -> Option<String> {
        self.rows.first().cloned()
    }
}

// How the handle holds its object and runs its calls is set where it is made.
#[sync_to_async(extends = AsyncStore, thread_sensitive)]
impl Store {
    pub fn last(&self) -> Option<String> {
        self.rows.last().cloned()
    }
}

#[sync_to_async(extends = AsyncStore, concurrent_reads, executor = POOL, limit = 2)]
impl Store {
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

// A constructor goes in the block that makes the handle.
#[sync_to_async(extends = AsyncStore)]
impl Store {
    pub fn new() -> Self {
        Store { rows: Vec::new() }
    }

    pub fn clear(&mut self) {
        self.rows.clear()
    }
}

// The handle's name, not a string.
#[sync_to_async(extends = "AsyncStore")]
impl Store {
    pub fn get(&self, id: usize) -> Option<String> {
        self.rows.get(id).cloned()
    }
}

// `extends` goes on an `impl` block.
#[sync_to_async(extends = AsyncStore)]
pub fn helper() -> u32 {
    1
}

fn main() {}
