#[sync_to_async(trait = AsyncRepository)]
pub trait Repository {
    /// One user by id.
    fn get(&self, id: u64) -> Option<User>;

    fn put(&mut self, user: User) -> Result<(), Error>;

    fn find(&self, name: &str) -> Vec<User> {
        Vec::new()
    }

    #[sync_to_async(skip)]
    fn each<F: FnMut(&User)>(&self, f: F)
    where
        Self: Sized;
}
