#[sync_only]
pub fn fetch_user(id: u64) -> String {
    #![allow(clippy::useless_format)]
    format!("user {id}")
}

#[sync_only(twin = load_later, crate = "my_deps::bridge")]
fn load(id: u64) -> u64 {
    id
}

#[sync_only]
#[sync_to_async(name = fetch_later)]
fn composed(id: u64) -> u64 {
    id
}

impl Store {
    #[sync_only]
    pub fn get(&self, id: u64) -> u64 {
        self.0 + id
    }
}
