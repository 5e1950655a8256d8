use bridge_runtime::sync_to_async;
use std::rc::Rc;

#[sync_to_async]
pub fn load_config(path: &str) -> Rc<String> {
    Rc::new(path.to_owned())
}

#[sync_to_async]
pub fn share<T: Clone>(value: &T) -> Rc<T> {
    Rc::new(value.clone())
}

fn main() {}
