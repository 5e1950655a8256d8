use bridge_runtime::sync_to_async;
use std::fmt::Display;

#[sync_to_async]
pub fn show(value: &dyn Display) -> String {
    value.to_string()
}

#[sync_to_async]
pub fn show_all(value: &(dyn Display + Sync)) -> String {
    value.to_string()
}

fn main() {}
