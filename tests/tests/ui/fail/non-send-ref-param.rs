use bridge_runtime::sync_to_async;
use std::rc::Rc;

// `&Rc<u32>` is copied into an `Rc<u32>` before the call crosses threads.
#[sync_to_async]
pub fn peek(counter: &Rc<u32>) -> u32 {
    **counter
}

fn main() {}
