//! Inside a handle block, messages recommend what a handle can do: a `&mut` parameter is told
//! to become part of the object or to be skipped (not to make a handle, which it is already
//! in), and an `async fn` is told to be skipped.
use bridge_runtime::sync_to_async;

pub struct Store {
    rows: Vec<String>,
}

#[sync_to_async(handle = AsyncStore)]
impl Store {
    pub fn fill(&self, into: &mut Vec<String>) {
        into.extend(self.rows.iter().cloned());
    }

    pub async fn refresh(&self) -> usize {
        self.rows.len()
    }
}

fn main() {}
