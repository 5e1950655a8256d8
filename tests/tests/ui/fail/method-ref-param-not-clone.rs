use bridge_runtime::sync_to_async;

pub struct User {
    pub id: u64,
}

pub struct Store {
    greeted: Vec<u64>,
}

// A handle's method copies `&User` with `ToOwned` as a twin does: one error of bridge's own,
// naming the method.
#[sync_to_async(handle = AsyncStore)]
impl Store {
    pub fn greet(&mut self, user: &User) -> String {
        self.greeted.push(user.id);
        format!("hello {}", user.id)
    }
}

// A legacy trait's method too.
#[sync_to_async(trait = AsyncGreeter)]
pub trait Greeter {
    fn welcome(&self, user: &User) -> String;
}

fn main() {}
