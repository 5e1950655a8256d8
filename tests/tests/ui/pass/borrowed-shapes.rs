//! Borrowed shapes beyond `&T`: `Option<&str>`, `Option<&T>`, `&[&str]`, `Vec<&str>`,
//! `[&str; N]`, tuples holding references, `&Option<T>` and `Cow<'_, T>` become owned before the call crosses threads and are
//! lent back to the sync fn in their borrowed shape; the twins' futures own their arguments.
use std::borrow::Cow;
use std::path::Path;

use bridge_runtime::sync_to_async;

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub name: String,
}

#[sync_to_async]
fn greet(name: Option<&str>, user: Option<&User>) -> String {
    format!(
        "{}/{}",
        name.unwrap_or("nobody"),
        user.map_or("-", |user| user.name.as_str())
    )
}

#[sync_to_async]
fn join(words: &[&str], paths: &[&Path]) -> String {
    format!("{} {}", words.join(" "), paths.len())
}

#[sync_to_async]
fn pair((key, value): (&str, u32), nested: Option<(&str, Option<&str>)>) -> String {
    let (left, right) = nested.unwrap_or(("", None));
    format!("{key}={value} {left}{}", right.unwrap_or("?"))
}

/// Collections of borrows taken by value: a `Vec` or an array of owned forms crosses, and a
/// new one of loans is passed.
#[sync_to_async]
fn collect(names: Vec<&str>, pair: [&str; 2], tags: Option<Vec<Option<&str>>>) -> String {
    let tags: Vec<&str> = tags.unwrap_or_default().into_iter().flatten().collect();
    format!("{} {} {}", names.join(","), pair.join("-"), tags.join("+"))
}

#[sync_to_async]
fn maybe(limit: &Option<u32>, label: Cow<'_, str>) -> String {
    format!("{label}:{limit:?}")
}

#[sync_to_async]
fn lifetimes<'a>(first: Option<&'a str>, rest: &'a [&'a str]) -> usize {
    first.map_or(0, str::len) + rest.len()
}

/// A handle's methods take the same shapes.
#[derive(Debug, Default)]
pub struct Names {
    names: Vec<String>,
}

#[sync_to_async(handle = AsyncNames)]
impl Names {
    pub fn add(&mut self, name: Option<&str>, more: &[&str]) -> usize {
        self.names.extend(name.map(str::to_owned));
        self.names.extend(more.iter().map(|name| (*name).to_owned()));
        self.names.len()
    }
}

fn main() {
    let user = User { name: "ada".into() };
    let owned = String::from("grace");
    futures_executor::block_on(async {
        assert_eq!(greet_async(Some(&owned), Some(&user)).await, "grace/ada");
        assert_eq!(greet_async(None, None).await, "nobody/-");
        let local = String::from("z");
        let collected = collect_async(
            vec!["x", &local],
            [&local, "y"],
            Some(vec![Some("t"), None, Some(&local)]),
        );
        drop(local);
        assert_eq!(collected.await, "x,z z-y t+z");
        let words = vec!["a", "b"];
        assert_eq!(
            join_async(&words, &[Path::new("/x")]).await,
            join(&words, &[Path::new("/x")])
        );
        assert_eq!(pair_async(("k", 1), Some(("l", Some("r")))).await, "k=1 lr");
        assert_eq!(pair_async(("k", 2), None).await, "k=2 ?");
        assert_eq!(maybe_async(&Some(3), Cow::Borrowed("n")).await, "n:Some(3)");
        assert_eq!(
            maybe_async(&None, Cow::Owned("o".to_owned())).await,
            "o:None"
        );
        assert_eq!(lifetimes_async(Some("abc"), &["x", "y"]).await, 5);
        let names = AsyncNames::from(Names::default());
        assert_eq!(names.add(Some("a"), &["b", "c"]).await, 3);
        assert_eq!(names.add(None, &[]).await, 3);
    });
}
