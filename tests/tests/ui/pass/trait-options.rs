//! The options of an async trait and of its methods: the handle's name, `executor` and `limit`
//! for the whole handle; `name`, `limit` and `skip` on a method. Also: `#[cfg]` on a method and
//! on a parameter, a pattern parameter, borrowed shapes, a default body, types named `R`
//! and `T` (the names the generated generics would take), a deprecated method, a typed
//! receiver, and a private trait.
use std::sync::LazyLock;

use bridge_runtime::{Pool, metrics, sync_to_async};

static DB: LazyLock<Pool> = LazyLock::new(|| Pool::new("trait-db", 2));

#[derive(Clone, Debug, PartialEq)]
pub struct R(u32);

#[derive(Clone, Debug, PartialEq)]
pub struct T(String);

#[sync_to_async(trait = AsyncStore, handle = StoreHandle, executor = DB, limit = 4)]
trait Store {
    #[sync_to_async(name = fetch, limit = 1)]
    fn get(&self, key: &str) -> Option<R>;

    fn label(&self, (a, b): (u32, u32), prefix: Option<&str>) -> T {
        T(format!("{}{}", prefix.unwrap_or(""), a + b))
    }

    fn keys(&self, wanted: &[&str]) -> usize;

    #[cfg(any())]
    fn configured_out(&self) -> u32;

    fn tagged(&mut self, #[cfg(any())] ignored: u32, tag: String) -> String;

    #[sync_to_async(skip)]
    fn borrow_it(&self) -> &str;

    /// A deprecated method: its async version is deprecated too, and the generated code that
    /// calls it is not a warning.
    #[deprecated(note = "use `get`")]
    fn old_get(&self) -> u32 {
        7
    }

    /// A receiver written as a type.
    fn typed(self: &Self) -> u32 {
        8
    }
}

struct Map(Vec<(String, R)>);

impl Store for Map {
    fn get(&self, key: &str) -> Option<R> {
        assert!(
            std::thread::current()
                .name()
                .unwrap_or("")
                .contains("trait-db")
        );
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn keys(&self, wanted: &[&str]) -> usize {
        self.0
            .iter()
            .filter(|(k, _)| wanted.contains(&k.as_str()))
            .count()
    }

    fn tagged(&mut self, tag: String) -> String {
        format!("#{tag}")
    }

    fn borrow_it(&self) -> &str {
        "borrowed"
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let store = StoreHandle::new(Map(vec![("a".into(), R(1))]));
    assert_eq!(store.fetch("a").await, Some(R(1)));
    assert_eq!(store.label((1, 2), Some("n")).await, T("n3".into()));
    assert_eq!(store.keys(&["a", "b"]).await, 1);
    assert_eq!(store.tagged("x".into()).await, "#x");
    #[allow(deprecated)]
    let old = store.old_get().await;
    assert_eq!((old, store.typed().await), (7, 8));
    // A skipped method stays reachable from sync code, through the handle's guard.
    let legacy = store.clone();
    let borrowed = std::thread::spawn(move || legacy.blocking_read().borrow_it().to_owned());
    assert_eq!(borrowed.join().unwrap(), "borrowed");
    let snapshot = metrics::snapshot();
    let site = format!("{}::Store::get", module_path!());
    assert_eq!(snapshot.get(&site).unwrap().calls, 1);
}
