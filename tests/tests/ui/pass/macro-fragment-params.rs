//! Types that arrive through a `macro_rules!` `$t:ty` fragment are invisible groups to the
//! attribute; they are classified as if written in place: a borrowed one (`&str`, `&[&str]`) is
//! copied and lent back like any `&T`, `Result<T, Box<dyn Error>>` comes back with a
//! `SentError`, `!` gets an `Infallible` twin, and a handle's methods do the same (a
//! `Result<Self, E>` constructor returns the handle).
use std::error::Error;

use bridge_runtime::{SentError, sync_to_async};

macro_rules! legacy_fn {
    ($name:ident, $text:ty, $count:ty) => {
        #[sync_to_async]
        fn $name(text: $text, count: $count, words: Option<$text>) -> String {
            format!("{}{}", text.repeat(count), words.unwrap_or(""))
        }
    };
}

legacy_fn!(repeat, &str, usize);

macro_rules! legacy_join {
    ($words:ty, $result:ty) => {
        #[sync_to_async]
        fn join(words: $words) -> $result {
            if words.is_empty() {
                return Err("no words".into());
            }
            Ok(words.join(" "))
        }
    };
}

legacy_join!(&[&str], Result<String, Box<dyn Error>>);

macro_rules! legacy_never {
    ($never:ty) => {
        #[sync_to_async]
        fn halt(code: i32) -> $never {
            panic!("halt {code}")
        }
    };
}

legacy_never!(!);

pub struct Store(String);

macro_rules! legacy_store {
    ($text:ty, $made:ty) => {
        #[sync_to_async(handle = AsyncStore)]
        impl Store {
            pub fn new(prefix: $text) -> Self {
                Store(prefix.to_owned())
            }

            pub fn try_new(prefix: $text) -> $made {
                Ok(Store(prefix.to_owned()))
            }

            pub fn prefixed(&self, text: $text) -> String {
                format!("{}{text}", self.0)
            }
        }
    };
}

legacy_store!(&str, Result<Self, String>);

fn main() {
    let owned = String::from("ab");
    futures_executor::block_on(async {
        let twin = repeat_async(&owned, 2, Some("!")).await;
        assert_eq!(twin, repeat(&owned, 2, Some("!")));
        assert_eq!(twin, "abab!");

        assert_eq!(join_async(&["a", "b"]).await.unwrap(), "a b");
        let error: SentError = join_async(&[]).await.unwrap_err();
        assert_eq!(error.to_string(), "no words");

        let store = AsyncStore::new(&owned).await;
        assert_eq!(store.prefixed("c").await, "abc");
        let store: AsyncStore = AsyncStore::try_new("x").await.unwrap();
        assert_eq!(store.prefixed("y").await, "xy");
    });
    let halted = std::panic::catch_unwind(|| {
        // An empty match compiles only on an uninhabited type: the twin's output is `!`.
        match futures_executor::block_on(halt_async(1)) {}
    });
    assert!(halted.is_err());
}
