use bridge_runtime::sync_to_async;

pub struct Store {
    name: String,
    rows: Vec<String>,
}

#[sync_to_async(handle = AsyncStore)]
impl Store {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn first(&self) -> Option<&String> {
        self.rows.first()
    }

    pub fn rows(&self) -> std::slice::Iter<'_, String> {
        self.rows.iter()
    }

    /// Fine: an owned copy.
    pub fn owned_name(&self) -> String {
        self.name.clone()
    }
}

fn main() {}
