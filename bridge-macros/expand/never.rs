/// Exits after flushing the logs.
#[sync_to_async]
pub fn shutdown(code: i32, #[cfg(feature = "reason")] reason: &str) -> ! {
    flush_logs();
    std::process::exit(code)
}
