//! A `&T` parameter is copied with `ToOwned`, whichever way the type has it: through `Clone`, as
//! a type parameter bounded by `Clone`, or with a `ToOwned` impl of its own for a type that is
//! not `Clone` (a borrowed key with an owned buffer, like `Path` and `PathBuf`).
use std::borrow::Borrow;

use bridge_runtime::sync_to_async;

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub name: String,
}

/// A key that is not `Clone`, with an owned form of its own.
#[derive(Debug, PartialEq)]
pub struct Key(u32);

#[derive(Debug)]
pub struct KeyBuf(Key);

impl Borrow<Key> for KeyBuf {
    fn borrow(&self) -> &Key {
        &self.0
    }
}

impl ToOwned for Key {
    type Owned = KeyBuf;

    fn to_owned(&self) -> KeyBuf {
        KeyBuf(Key(self.0))
    }
}

#[sync_to_async]
fn describe(user: &User, key: &Key, keys: Option<&Key>, pair: (&Key, &User)) -> String {
    let extra = keys.map_or(0, |key| key.0);
    format!("{}:{}:{}:{}:{}", user.name, key.0, extra, pair.0.0, pair.1.name)
}

#[sync_to_async]
fn first<T: Clone + Send + 'static>(items: &T) -> T {
    items.clone()
}

fn main() {
    let user = User { name: "ada".into() };
    futures_executor::block_on(async {
        let twin = describe_async(&user, &Key(1), Some(&Key(2)), (&Key(3), &user)).await;
        assert_eq!(twin, describe(&user, &Key(1), Some(&Key(2)), (&Key(3), &user)));
        assert_eq!(twin, "ada:1:2:3:ada");
        assert_eq!(first_async(&user).await, user);
    });
}
