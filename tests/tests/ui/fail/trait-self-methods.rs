//! Methods the async trait cannot carry: `Self` in an argument or the return type, a bound on
//! `Self`, no receiver, `self` by value, `async fn`, a borrowed return type. One error each,
//! each pointing at `skip`; with `skip`, a method is simply left out.
use bridge_runtime::sync_to_async;

#[sync_to_async(trait = AsyncShape)]
pub trait Shape {
    fn merge(&mut self, other: Self);

    fn duplicate(&self) -> Self;

    fn sized_only(&self) -> u32
    where
        Self: Sized;

    fn new_default() -> u32;

    fn into_area(self) -> f64;

    async fn refresh(&self);

    fn label(&self) -> &str;

    #[sync_to_async(skip)]
    fn skipped(self: Box<Self>) -> Self
    where
        Self: Sized;

    fn area(&self) -> f64;
}

/// The methods that can still be declared (`async`, a borrowed result) are stubs, so their
/// callers report nothing more; the others are absent.
async fn callers(shape: &dyn AsyncShape) -> f64 {
    shape.refresh().await;
    let _ = shape.label().await;
    shape.area().await
}

fn main() {
    let _ = callers;
}
