//! One handle over several `impl` blocks: `extends = Handle` adds a block's methods to the
//! handle another block makes, across modules, for generic types, with `crate = "..."`, and
//! for a type defined elsewhere whose methods are declared in two blocks.
use bridge_runtime::sync_to_async;

mod model {
    use bridge_runtime::sync_to_async;

    /// Private to this module: the handle's hidden fns still reach it from `queries`.
    pub struct Cache<K, V> {
        pub(super) entries: Vec<(K, V)>,
    }

    #[sync_to_async(handle = AsyncCache, limit = 3)]
    impl<K: PartialEq + Clone + Send, V: Clone + Send> Cache<K, V> {
        pub fn new() -> Self {
            Cache { entries: Vec::new() }
        }

        pub fn put(&mut self, key: K, value: V) {
            self.entries.push((key, value));
        }
    }
}

mod queries {
    use super::model::{AsyncCache, Cache};

    #[bridge_runtime::sync_to_async(extends = AsyncCache, crate = "::bridge_runtime")]
    impl<K: PartialEq + Clone + Send, V: Clone + Send> Cache<K, V> {
        pub fn get(&self, key: &K) -> Option<V> {
            self.entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        }

        #[sync_to_async(name = count)]
        pub fn len(&self) -> usize {
            self.entries.len()
        }

        pub fn kind() -> &'static str {
            "cache"
        }
    }

    pub async fn uses_the_handle(cache: &AsyncCache<u32, String>) -> usize {
        cache.count().await
    }
}

/// A type defined elsewhere, its methods declared in two blocks.
mod foreign {
    pub struct Counter(pub u64);

    impl Counter {
        pub fn bump(&mut self) -> u64 {
            self.0 += 1;
            self.0
        }

        pub fn value(&self) -> u64 {
            self.0
        }
    }
}

#[sync_to_async(handle = AsyncCounter)]
impl foreign::Counter {
    pub fn bump(&mut self) -> u64;
}

#[sync_to_async(extends = AsyncCounter)]
impl foreign::Counter {
    pub fn value(&self) -> u64;
}

fn main() {
    futures_executor::block_on(async {
        let cache = model::AsyncCache::<u32, String>::new().await;
        cache.put(1, "one".to_owned()).await;
        assert_eq!(cache.get(&1).await.as_deref(), Some("one"));
        assert_eq!(cache.count().await, 1);
        assert_eq!(queries::uses_the_handle(&cache).await, 1);
        assert_eq!(model::AsyncCache::<u32, String>::kind().await, "cache");

        let counter = AsyncCounter::from(foreign::Counter(41));
        assert_eq!(counter.bump().await, 42);
        assert_eq!(counter.value().await, 42);
    });
}
