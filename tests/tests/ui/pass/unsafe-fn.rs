//! An `unsafe fn` has an `unsafe` twin: calling it needs `unsafe`, awaiting it does not.
use bridge_runtime::sync_to_async;

/// # Safety
///
/// `len` must not exceed `bytes.len()`.
#[sync_to_async]
unsafe fn prefix(bytes: Vec<u8>, len: usize) -> Vec<u8> {
    // SAFETY: the caller promises `len <= bytes.len()`.
    unsafe { bytes.get_unchecked(..len) }.to_vec()
}

fn main() {
    // SAFETY: 2 <= 3.
    let twin = unsafe { prefix_async(vec![1, 2, 3], 2) };
    assert_eq!(futures_executor::block_on(twin), vec![1, 2]);
}
