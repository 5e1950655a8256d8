//! Boxed trait objects that are not `Send` get bridge's message, naming the type, the twin and
//! the fix, as `Rc` does.
use bridge_runtime::sync_to_async;

pub trait Repository {
    fn get(&self, id: u64) -> String;
}

#[sync_to_async]
pub fn run(callback: Box<dyn FnMut(u64)>, repo: Box<dyn Repository>) -> u64 {
    let _ = (callback, repo);
    1
}

#[sync_to_async]
pub fn make() -> Option<Box<dyn Repository>> {
    None
}

fn main() {}
