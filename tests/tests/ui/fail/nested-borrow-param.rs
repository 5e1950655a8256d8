use bridge_runtime::sync_to_async;

#[sync_to_async]
pub fn join(words: &[&str]) -> String {
    words.join(" ")
}

fn main() {}
