//! A twin's future owns its arguments: borrowed ones are copied when the twin is called, and
//! `impl AsRef<Path>` / `impl AsRef<str>` / `impl AsRef<[u8]>` / `impl Into<String>` ones (and
//! `&P` of a `P: AsRef<Path> + ?Sized`) are converted then, so `tokio::spawn(twin(&local))` works like `spawn_blocking`, and the local
//! may be dropped right after. The future's type captures no lifetime of a parameter, so a
//! closure that borrows its own argument can return it. A handle's methods are spawnable too:
//! the future holds a clone of the handle.
use std::path::{Path, PathBuf};

use bridge_runtime::sync_to_async;

#[sync_to_async]
pub fn fetch_user(id: u64, realm: &str) -> String {
    format!("user {id}@{realm}")
}

#[sync_to_async]
pub fn read_len(path: impl AsRef<Path>) -> usize {
    path.as_ref().as_os_str().len()
}

#[sync_to_async]
pub fn shout(text: impl AsRef<str> + Send) -> String {
    text.as_ref().to_uppercase()
}

#[sync_to_async]
pub fn checksum(bytes: impl AsRef<[u8]>) -> u32 {
    bytes.as_ref().iter().map(|&byte| u32::from(byte)).sum()
}

#[sync_to_async]
pub fn rename(id: u64, name: impl Into<String>) -> String {
    format!("{id}: {}", name.into())
}

/// Named type parameters bounded like those (`P: AsRef<Path>`, `S: Into<String>`, inline or in
/// the where-clause) are converted the same way when they appear in one parameter only: a
/// borrow may be passed, and a guard that must outlive the call is passed as one.
#[sync_to_async]
pub fn read_config<P: AsRef<Path>>(path: P) -> String {
    assert!(path.as_ref().exists(), "the guard lives until the call is done");
    path.as_ref().display().to_string()
}

#[sync_to_async]
pub fn file_name<P>(path: P) -> String
where
    P: AsRef<Path>,
{
    path.as_ref()
        .file_name()
        .map_or_else(String::new, |name| name.to_string_lossy().into_owned())
}

/// A path that exists only as long as its guard does.
pub struct TempPath(PathBuf);

impl AsRef<Path> for TempPath {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[sync_to_async]
pub fn greet<S, T: std::fmt::Debug>(name: S, times: T) -> String
where
    S: Into<String> + Send,
{
    format!("{} x{times:?}", name.into())
}

/// A borrow of a type parameter bounded by `AsRef`, as std writes it (`P: AsRef<Path> +
/// ?Sized`): copied when the twin is called, and lent back as `&Path` (or, where `P` must be
/// sized, as `&PathBuf`).
#[sync_to_async]
pub fn depth<P: AsRef<Path> + ?Sized>(path: &P) -> usize {
    path.as_ref().components().count()
}

#[sync_to_async]
pub fn depth_sized<P>(path: &P) -> usize
where
    P: AsRef<Path>,
{
    path.as_ref().components().count()
}

/// A generic fn: its type parameter still needs `Send + 'static`.
#[sync_to_async]
pub fn describe<T: std::fmt::Debug>(value: T, label: &str) -> String {
    format!("{label}: {value:?}")
}

pub struct Db {
    name: String,
}

impl Db {
    #[sync_to_async]
    pub fn open(name: &str) -> Db {
        Db {
            name: name.to_owned(),
        }
    }
}

/// An associated twin of a generic block: its `use<..>` names the block's parameters too.
pub struct Buffer<T, const N: usize>(Vec<T>);

impl<T: Clone + Send + 'static, const N: usize> Buffer<T, N> {
    #[sync_to_async]
    pub fn filled(value: &T, label: &str) -> (Self, String) {
        (Buffer(vec![value.clone(); N]), label.to_owned())
    }
}

pub struct Store {
    entries: Vec<String>,
}

#[sync_to_async(handle = AsyncStore)]
impl Store {
    pub fn new() -> Self {
        Store {
            entries: Vec::new(),
        }
    }

    pub fn add(&mut self, entry: &str) -> usize {
        self.entries.push(entry.to_owned());
        self.entries.len()
    }

    pub fn import<P: AsRef<Path> + ?Sized>(&mut self, path: &P) -> usize {
        self.entries.push(path.as_ref().display().to_string());
        self.entries.len()
    }

    pub fn find(&self, prefix: &str) -> Option<String> {
        self.entries
            .iter()
            .find(|entry| entry.starts_with(prefix))
            .cloned()
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let realm = String::from("eu");
    let user = tokio::spawn(fetch_user_async(7, &realm));
    drop(realm);
    assert_eq!(user.await.unwrap(), "user 7@eu");

    let path_buf = PathBuf::from("/var/data.db");
    let len = tokio::spawn(read_len_async(&path_buf));
    drop(path_buf);
    assert_eq!(len.await.unwrap(), "/var/data.db".len());
    assert_eq!(read_len_async("a/b").await, 3);

    let text = String::from("quiet");
    let shouted = tokio::spawn(shout_async(&text));
    drop(text);
    assert_eq!(shouted.await.unwrap(), "QUIET");

    let bytes = vec![1u8, 2, 3];
    let sum = tokio::spawn(checksum_async(&bytes));
    drop(bytes);
    assert_eq!(sum.await.unwrap(), 6);

    let name = String::from("ada");
    let renamed = tokio::spawn(rename_async(1, name.as_str()));
    drop(name);
    assert_eq!(renamed.await.unwrap(), "1: ada");
    assert_eq!(rename_async(2, String::from("grace")).await, "2: grace");

    let file = std::env::temp_dir().join(format!("bridge-spawnable-{}", std::process::id()));
    std::fs::write(&file, "x").unwrap();
    let guard = TempPath(file.clone());
    let read = tokio::spawn(read_config_async(&guard));
    assert_eq!(read.await.unwrap(), file.display().to_string());
    drop(guard);
    assert!(!file.exists(), "the guard was dropped after the call");
    let config = PathBuf::from("/etc/app.toml");
    let named = tokio::spawn(file_name_async(&config));
    drop(config);
    assert_eq!(named.await.unwrap(), "app.toml");
    assert_eq!(file_name_async("a/b.toml").await, "b.toml");
    let name = String::from("ada");
    let greeted = tokio::spawn(greet_async(name.as_str(), 2));
    drop(name);
    assert_eq!(greeted.await.unwrap(), "ada x2");
    let nested = PathBuf::from("/a/b");
    let depths = tokio::spawn(depth_async(&nested));
    let sized = tokio::spawn(depth_sized_async(&nested));
    drop(nested);
    assert_eq!((depths.await.unwrap(), sized.await.unwrap()), (3, 3));
    assert_eq!(depth_async("a/b/c").await, 3);
    assert_eq!(depth_sized_async(&String::from("a")).await, 1);

    let label = String::from("answer");
    let described = tokio::spawn(describe_async(42, &label));
    drop(label);
    assert_eq!(described.await.unwrap(), "answer: 42");

    let db_name = String::from("app.db");
    let db = tokio::spawn(Db::open_async(&db_name));
    drop(db_name);
    assert_eq!(db.await.unwrap().name, "app.db");

    let value = String::from("x");
    let filled = tokio::spawn(Buffer::<String, 3>::filled_async(&value, &value));
    drop(value);
    let (buffer, label) = filled.await.unwrap();
    assert_eq!((buffer.0.len(), label.as_str()), (3, "x"));

    // The future does not borrow `realm`, so the closure may return it (also where a `&P` is
    // copied).
    let depth_of = |path: PathBuf| depth_async(&path);
    assert_eq!(tokio::spawn(depth_of(PathBuf::from("x/y"))).await.unwrap(), 2);
    let fetch = |realm: String| fetch_user_async(8, &realm);
    let tasks: Vec<_> = ["us", "eu"]
        .into_iter()
        .map(|realm| tokio::spawn(fetch(realm.to_owned())))
        .collect();
    for (task, realm) in tasks.into_iter().zip(["us", "eu"]) {
        assert_eq!(task.await.unwrap(), format!("user 8@{realm}"));
    }

    let store = AsyncStore::new().await;
    let entry = String::from("apple");
    let added = tokio::spawn(store.add(&entry));
    drop(entry);
    assert_eq!(added.await.unwrap(), 1);
    let path = PathBuf::from("/srv/apricot");
    let imported = tokio::spawn(store.import(&path));
    drop(path);
    assert_eq!(imported.await.unwrap(), 2);
    let prefix = String::from("app");
    let found = tokio::spawn(store.find(&prefix));
    drop(prefix);
    drop(store);
    assert_eq!(found.await.unwrap().as_deref(), Some("apple"));
}
