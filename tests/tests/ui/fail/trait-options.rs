//! The options of `#[sync_to_async]` on a trait: `trait = Name` is required, takes an
//! identifier, and must differ from the trait's own name; options of fns and handles that a
//! trait does not take say so. One error each; the trait is still emitted as written.
use bridge_runtime::sync_to_async;

#[sync_to_async]
pub trait Missing {
    fn get(&self) -> u64;
}

#[sync_to_async(trait)]
pub trait NoValue {
    fn get(&self) -> u64;
}

#[sync_to_async(trait = "AsyncQuoted")]
pub trait Quoted {
    fn get(&self) -> u64;
}

#[sync_to_async(trait = Self)]
pub trait Keyword {
    fn get(&self) -> u64;
}

#[sync_to_async(trait = SameName)]
pub trait SameName {
    fn get(&self) -> u64;
}

#[sync_to_async(trait = AsyncOptions, thread_sensitive, name = other)]
pub trait Options {
    fn get(&self) -> u64;
}

#[sync_to_async(trait = AsyncGeneric)]
pub trait Generic<T> {
    fn get(&self) -> T;
}

fn callers(a: &dyn Missing, b: &dyn NoValue, c: &dyn Quoted, d: &dyn SameName) -> u64 {
    a.get() + b.get() + c.get() + d.get()
}

fn main() {}
