//! Parameter types that arrive through a `macro_rules!` `$t:ty` fragment are invisible groups to
//! the attribute; a borrowed one (`&str`) is still copied and lent back like any `&T`.
use bridge_runtime::sync_to_async;

macro_rules! legacy_fn {
    ($name:ident, $text:ty, $count:ty) => {
        #[sync_to_async]
        fn $name(text: $text, count: $count, words: Option<$text>) -> String {
            format!("{}{}", text.repeat(count), words.unwrap_or(""))
        }
    };
}

legacy_fn!(repeat, &str, usize);

fn main() {
    let owned = String::from("ab");
    let twin = futures_executor::block_on(repeat_async(&owned, 2, Some("!")));
    assert_eq!(twin, repeat(&owned, 2, Some("!")));
    assert_eq!(twin, "abab!");
}
