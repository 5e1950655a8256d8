use bridge_runtime::sync_to_async;

pub struct Store {
    rows: Vec<String>,
}

static POOL: std::sync::LazyLock<bridge_runtime::Pool> =
    std::sync::LazyLock::new(|| bridge_runtime::Pool::new("db", 2));

// Options of a fn's twin, or mixed wrongly, on an `impl` block.
#[sync_to_async(handle = AsyncStore, name = store_async, concurrent_reads, thread_sensitive)]
impl Store {
    // Options of the whole handle, on a method.
    #[sync_to_async(executor = POOL, thread_sensitive)]
    pub fn get(&self, id: usize) -> Option<String> {
        self.rows.get(id).cloned()
    }

    #[sync_to_async(limit = 0)]
    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

pub struct Cache;

// A handle needs a name.
#[sync_to_async(thread_sensitive)]
impl Cache {
    pub fn size(&self) -> usize {
        0
    }
}

pub struct View<'a> {
    rows: &'a [String],
}

// An object that borrows cannot be kept by a handle.
#[sync_to_async(handle = AsyncView)]
impl<'a> View<'a> {
    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

// Handle options on a fn.
#[sync_to_async(handle = AsyncHelper, concurrent_reads)]
pub fn helper() -> u32 {
    1
}

// A method's option on a fn.
#[sync_to_async(skip)]
pub fn other() -> u32 {
    2
}

fn main() {}
