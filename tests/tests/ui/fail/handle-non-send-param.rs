use std::rc::Rc;

use bridge_runtime::sync_to_async;

pub struct Store {
    total: u32,
}

#[sync_to_async(handle = AsyncStore)]
impl Store {
    pub fn add(&mut self, step: Rc<u32>) -> u32 {
        self.total += *step;
        self.total
    }

    pub fn label(&self) -> Rc<str> {
        Rc::from(self.total.to_string())
    }

    pub fn with_seed(seed: Rc<u32>) -> Self {
        Store { total: *seed }
    }
}

fn main() {}
