pub struct Cache<K, V> {
    entries: HashMap<K, V>,
}

#[sync_to_async(handle = AsyncCache, concurrent_reads, executor = CACHE_POOL)]
impl<K: Hash + Eq + Clone + Send + Sync, V> Cache<K, V>
where
    V: Clone + Send + Sync,
{
    pub fn with_capacity(capacity: usize) -> Self {
        Cache { entries: HashMap::with_capacity(capacity) }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.entries.get(key).cloned()
    }

    pub fn insert_all<I: IntoIterator<Item = (K, V)>>(&mut self, items: I) -> usize {
        self.entries.extend(items);
        self.entries.len()
    }

    pub fn merged(&self, other: &Self) -> Self {
        let mut entries = self.entries.clone();
        entries.extend(other.entries.clone());
        Cache { entries }
    }
}
