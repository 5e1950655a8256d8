//! `#[async_to_sync]` on async methods: the twin is a method with the same receiver.
use bridge_runtime::async_to_sync;

#[derive(Debug, Default)]
pub struct Store {
    rows: Vec<String>,
}

impl Store {
    #[async_to_sync]
    pub async fn get(&self, id: usize) -> Option<String> {
        tokio::task::yield_now().await;
        self.rows.get(id).cloned()
    }

    /// Returns a borrow of `self`.
    #[async_to_sync]
    pub async fn first(&self) -> Option<&str> {
        self.rows.first().map(String::as_str)
    }

    #[async_to_sync]
    pub async fn put(&mut self, row: &str) -> usize {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        self.rows.push(row.to_owned());
        self.rows.len()
    }

    #[async_to_sync]
    pub async fn put_all<T: Into<String>>(&mut self, rows: Vec<T>) {
        self.rows.extend(rows.into_iter().map(Into::into));
    }

    #[async_to_sync]
    pub async fn into_rows(mut self) -> Vec<String> {
        self.rows.sort();
        self.rows
    }

    #[async_to_sync]
    pub async fn boxed_len(self: Box<Self>) -> usize {
        self.rows.len()
    }

    /// An associated fn without a receiver: its signature names `Self`, so the twin calls
    /// `Self::with_rows`.
    #[async_to_sync]
    pub async fn with_rows(rows: Vec<String>) -> Self {
        Store { rows }
    }

    /// One whose signature does not name `Self`: the source says it is in an `impl` block.
    #[async_to_sync]
    pub async fn count_of(rows: Vec<String>) -> usize {
        Store { rows }.rows.len()
    }
}

/// Generic impls work too.
pub struct Wrapper<T>(T);

impl<T: Clone> Wrapper<T> {
    #[async_to_sync]
    async fn get(&self) -> T {
        self.0.clone()
    }
}

/// A trait method with a default body: the twin is a provided method of the trait.
trait Named {
    fn name(&self) -> String;

    #[async_to_sync]
    async fn greeting(&self, greeting: &str) -> String {
        tokio::task::yield_now().await;
        format!("{greeting}, {}", self.name())
    }
}

impl Named for Store {
    fn name(&self) -> String {
        self.rows.join("+")
    }
}

fn main() {
    let mut store = Store::default();
    assert_eq!(store.put_blocking("b"), 1);
    assert_eq!(store.put_blocking("a"), 2);
    store.put_all_blocking(vec!["c"]);
    assert_eq!(store.get_blocking(0).as_deref(), Some("b"));
    assert_eq!(store.get_blocking(9), None);
    assert_eq!(store.first_blocking(), Some("b"));
    assert_eq!(
        Box::new(Store::with_rows_blocking(vec!["x".into()])).boxed_len_blocking(),
        1
    );
    assert_eq!(store.greeting_blocking("hi"), "hi, b+a+c");
    assert_eq!(store.into_rows_blocking(), ["a", "b", "c"]);
    assert_eq!(Wrapper(7).get_blocking(), 7);
    assert_eq!(Store::count_of_blocking(vec!["x".into(), "y".into()]), 2);
}
