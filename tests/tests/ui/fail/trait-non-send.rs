//! A value that is not `Send` cannot cross to the thread that runs a legacy trait's method: one
//! error per type, naming it, the handle and the method.
use std::rc::Rc;

use bridge_runtime::sync_to_async;

#[sync_to_async(trait = AsyncCache)]
pub trait Cache {
    fn put(&mut self, value: Rc<String>);

    fn get(&self, id: u64) -> Rc<String>;

    fn len(&self) -> usize;
}

fn main() {}
