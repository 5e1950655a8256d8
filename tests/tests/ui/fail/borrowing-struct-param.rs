//! A struct that holds a reference has no owned form bridge knows: the message says what to take
//! instead. A `&T` whose `T` borrows again is refused too, with the shape that works.
use bridge_runtime::sync_to_async;

pub struct ConfigRef<'a> {
    pub name: &'a str,
}

#[sync_to_async]
pub fn load(config: ConfigRef<'_>) -> usize {
    config.name.len()
}

#[sync_to_async]
pub fn maybe(name: &Option<&str>) -> usize {
    name.map_or(0, str::len)
}

fn main() {}
