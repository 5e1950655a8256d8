use bridge_runtime::sync_to_async;
use std::borrow::Cow;

#[sync_to_async]
pub fn normalise<'a>(text: &'a str) -> Cow<'a, str> {
    Cow::Borrowed(text)
}

fn main() {}
