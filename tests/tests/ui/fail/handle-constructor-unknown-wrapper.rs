use bridge_runtime::sync_to_async;

/// An alias of `Result` not named like one.
pub type Fallible<T> = Result<T, String>;

pub struct Store {
    rows: Vec<String>,
}

// The async version cannot tell `Fallible<Self>` for a `Result`: one error, instead of a fn
// that hands async callers the object where they expect the handle. A standard container of
// the object is a plain return value.
#[sync_to_async(handle = AsyncStore)]
impl Store {
    pub fn open() -> Fallible<Self> {
        Ok(Store { rows: Vec::new() })
    }

    pub fn split(parts: usize) -> Vec<Self> {
        (0..parts).map(|_| Store { rows: Vec::new() }).collect()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

fn main() {}
