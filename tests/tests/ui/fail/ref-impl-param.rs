use bridge_runtime::sync_to_async;
use std::fmt::Display;

#[sync_to_async]
pub fn show(value: &impl Display) -> String {
    value.to_string()
}

#[sync_to_async]
pub fn show_all(values: &[impl Display]) -> usize {
    values.len()
}

fn main() {}
