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

// A collection of borrows other than `Vec` (or an array, a slice): the same message.
#[sync_to_async]
pub fn count(counts: std::collections::HashMap<&str, u32>) -> usize {
    counts.len()
}

#[sync_to_async]
pub fn maybe(name: &Option<&str>) -> usize {
    name.map_or(0, str::len)
}

fn main() {}
