use bridge_runtime::sync_to_async;

#[sync_to_async]
pub fn first_word(text: &str) -> &str {
    text.split(' ').next().unwrap_or("")
}

fn main() {}
