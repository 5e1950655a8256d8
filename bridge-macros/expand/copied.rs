/// Saves a user: `&User` is copied through the twin's probe (`ToOwned`, or an error that points
/// at handles), `&str` with `ToOwned` itself.
#[sync_to_async]
pub fn save(user: &User, note: &str) -> u64 {
    legacy_save(user, note)
}
