/// # Safety
/// `ptr` must point to a live buffer of `len` bytes.
#[sync_to_async]
pub unsafe fn checksum(addr: usize, len: usize) -> u32 {
    unsafe { legacy_checksum(addr as *const u8, len) }
}
