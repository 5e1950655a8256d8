use bridge_runtime::sync_to_async;
use std::rc::Rc;

#[sync_to_async]
pub fn count(counter: Rc<u32>, step: u32) -> u32 {
    *counter + step
}

// One error per non-`Send` type, each on its own type.
#[sync_to_async]
pub fn merge<T: Clone>(left: Rc<T>, label: Rc<str>) -> T {
    drop(label);
    (*left).clone()
}

fn main() {}
