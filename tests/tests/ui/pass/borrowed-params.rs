//! `&T` parameters stay `&T` in the twin and are copied with `ToOwned` before the call crosses
//! threads; `&'static T` moves as is.
use bridge_runtime::sync_to_async;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: u64,
    pub name: String,
}

#[sync_to_async]
fn describe(name: &str, bytes: &[u8], path: &Path, user: &User) -> String {
    format!("{name}:{}:{}:{}", bytes.len(), path.display(), user.name)
}

#[sync_to_async]
fn label(prefix: &'static str, id: u64) -> String {
    format!("{prefix}{id}")
}

#[sync_to_async]
fn longest<'a>(left: &'a str, right: &'a str) -> usize {
    left.len().max(right.len())
}

#[sync_to_async]
fn join(parts: &[String], dir: &PathBuf) -> PathBuf {
    parts.iter().fold(dir.clone(), |path, part| path.join(part))
}

fn main() {
    let user = User {
        id: 1,
        name: "ada".into(),
    };
    futures_executor::block_on(async {
        let owned_name = String::from("report");
        let described = describe_async(&owned_name, &[1, 2, 3], Path::new("/tmp/x"), &user).await;
        assert_eq!(
            described,
            describe(&owned_name, &[1, 2, 3], Path::new("/tmp/x"), &user)
        );
        assert_eq!(described, "report:3:/tmp/x:ada");
        assert_eq!(label_async("user-", 9).await, "user-9");
        assert_eq!(longest_async("ab", "abc").await, 3);
        assert_eq!(
            join_async(&["a".into(), "b".into()], &PathBuf::from("/r")).await,
            Path::new("/r/a/b")
        );
    });
    // The borrowed values are still usable: the twin copied them.
    assert_eq!(user.id, 1);
}
