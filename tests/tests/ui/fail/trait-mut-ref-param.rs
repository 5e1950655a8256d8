//! A `&mut` parameter of a legacy trait's method cannot cross to the worker thread: one error,
//! which says what to do (including `skip`). The other methods still get their async version,
//! and the method itself a stub, so its async callers report nothing more.
use bridge_runtime::sync_to_async;

#[sync_to_async(trait = AsyncBuffer)]
pub trait Buffer {
    fn fill(&self, out: &mut Vec<u8>) -> usize;

    fn len(&self) -> usize;
}

async fn callers(buffer: &dyn AsyncBuffer) -> usize {
    let mut out = Vec::new();
    buffer.fill(&mut out).await + buffer.len().await
}

fn main() {
    let _ = callers;
}
