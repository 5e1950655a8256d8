use bridge_runtime::sync_to_async;

pub struct Store;

pub trait Lookup {
    fn get(&self, id: u64) -> Option<String>;
}

#[sync_to_async(handle = AsyncStore)]
impl Lookup for Store {
    fn get(&self, id: u64) -> Option<String> {
        Some(id.to_string())
    }
}

fn main() {
    // The impl itself is still there.
    let _ = Store.get(1);
}
