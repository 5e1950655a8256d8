use std::cell::RefCell;
use std::rc::Rc;

use bridge_runtime::sync_to_async;

/// Holds an `Rc`: not `Send`, so it needs `thread_sensitive`.
pub struct Session {
    log: Rc<RefCell<Vec<String>>>,
}

#[sync_to_async(handle = AsyncSession)]
impl Session {
    pub fn record(&mut self, line: String) {
        self.log.borrow_mut().push(line);
    }

    pub fn len(&self) -> usize {
        self.log.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.log.borrow().is_empty()
    }
}

/// `Send` but not `Sync`: fine for a handle, but its readers cannot run at the same time.
pub struct Counter {
    hits: std::cell::Cell<u64>,
}

#[sync_to_async(handle = AsyncCounter, concurrent_reads)]
impl Counter {
    pub fn hit(&self) -> u64 {
        self.hits.set(self.hits.get() + 1);
        self.hits.get()
    }

    pub fn reset(&mut self) {
        self.hits.set(0);
    }
}

fn main() {}
