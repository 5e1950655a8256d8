/// Looks a user up in the legacy directory.
#[sync_to_async]
pub fn fetch_user(id: u64, realm: &str) -> Result<User, StoreError> {
    STORE.with(|store| store.get(id, realm))
}
