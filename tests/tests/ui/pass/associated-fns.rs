//! `#[sync_to_async]` on a fn of a plain `impl` block (no handle) gives the type an associated
//! twin beside it, `Db::open_async`, which calls `Self::open`; the signature need not name
//! `Self`. A method that takes `self` by value (`self`, `self: Box<Self>`, `self: Arc<Self>`)
//! moves it into the call like any other argument. Metrics name the fn `module::Db::open`.
use std::sync::Arc;

use bridge_runtime::sync_to_async;

#[derive(Clone, Debug, PartialEq)]
pub struct Db {
    path: String,
}

impl Db {
    #[sync_to_async]
    pub fn open(path: &str) -> Db {
        Db {
            path: path.to_owned(),
        }
    }

    #[sync_to_async(limit = 2)]
    pub fn try_open(path: &str) -> Result<Self, String> {
        if path.is_empty() {
            return Err("no path".to_owned());
        }
        Ok(Db {
            path: path.to_owned(),
        })
    }

    #[sync_to_async(name = default_path_later)]
    pub fn default_path() -> String {
        "app.db".to_owned()
    }

    #[sync_to_async]
    pub fn into_path(self) -> String {
        self.path
    }

    #[sync_to_async]
    pub fn boxed_path(self: Box<Self>) -> String {
        self.path
    }

    #[sync_to_async]
    pub fn shared_path(self: Arc<Self>, suffix: &str) -> String {
        format!("{}{suffix}", self.path)
    }
}

pub struct Wrapper<T>(T);

impl<T: Clone + Send + 'static> Wrapper<T> {
    #[sync_to_async]
    pub fn wrap(value: &T) -> Self {
        Wrapper(value.clone())
    }
}

/// A block whose type parameter is not bounded by `Send + 'static`: a twin that takes it to
/// another thread bounds it in its own where-clause (so it exists for the `T`s it can serve);
/// one that does not use it needs nothing of it.
pub struct Cell<T>(T);

impl<T: Clone> Cell<T> {
    #[sync_to_async]
    pub fn make(value: T) -> Self {
        Cell(value)
    }

    /// A borrow of it, copied when the twin is called: its copy is bounded.
    #[sync_to_async]
    pub fn copied(value: &T, rest: &[(T, u8)]) -> usize {
        let _ = value.clone();
        rest.len()
    }

    #[sync_to_async]
    pub fn capacity() -> usize {
        1
    }
}

/// Only what crosses is bounded: a parameter named in a where-clause alone, or through a
/// projection, bounds nothing more; a receiver taken by value bounds the object.
pub struct Iter<I>(I);

impl<I: Iterator<Item = u8>> Iter<I> {
    #[sync_to_async]
    pub fn first(items: Vec<I::Item>) -> Option<u8> {
        items.first().copied()
    }

    #[sync_to_async]
    pub fn default_len() -> usize
    where
        I: Default,
    {
        I::default().count()
    }
}

pub struct Pair<T, U>(T, U);

impl<T, U> Pair<T, U> {
    #[sync_to_async]
    pub fn into_first(self) -> T {
        self.0
    }
}

/// An iterator that is not `Send`.
#[derive(Default)]
pub struct Local(std::rc::Rc<()>);

impl Iterator for Local {
    type Item = u8;
    fn next(&mut self) -> Option<u8> {
        None
    }
}

/// A fn nested in a method's body is a free fn, and so is its twin.
impl Db {
    pub async fn nested(&self) -> String {
        #[sync_to_async]
        fn upper(text: &str) -> String {
            text.to_uppercase()
        }
        upper_async(&self.path).await
    }
}

fn main() {
    futures_executor::block_on(async {
        let db = Db::open_async("a.db").await;
        assert_eq!(db, Db::open("a.db"));
        assert_eq!(Db::try_open_async("b.db").await.unwrap().path, "b.db");
        assert!(Db::try_open_async("").await.is_err());
        assert_eq!(Db::default_path_later().await, "app.db");
        assert_eq!(db.clone().into_path_async().await, "a.db");
        assert_eq!(Box::new(db.clone()).boxed_path_async().await, "a.db");
        assert_eq!(Arc::new(db.clone()).shared_path_async("!").await, "a.db!");
        assert_eq!(Wrapper::wrap_async(&5u8).await.0, 5);
        assert_eq!(db.nested().await, "A.DB");
        assert_eq!(Cell::make_async(String::from("x")).await.0, "x");
        let text = String::from("y");
        assert_eq!(Cell::copied_async(&text, &[(text.clone(), 1)]).await, 1);
        // `Rc` is neither `Send` nor `'static`-free of concern: `capacity` does not use `T`.
        assert_eq!(Cell::<std::rc::Rc<u8>>::capacity_async().await, 1);
        assert_eq!(Iter::<Local>::first_async(vec![4, 5]).await, Some(4));
        assert_eq!(Iter::<Local>::default_len_async().await, 0);
        assert_eq!(Pair(String::from("a"), 1u8).into_first_async().await, "a");
    });
    let names: Vec<&str> = bridge_runtime::metrics::snapshot()
        .fns
        .iter()
        .map(|site| site.name)
        .collect();
    for name in ["Db::open", "Db::try_open", "Db::default_path", "Wrapper::wrap"] {
        let expected = format!("{}::{name}", module_path!());
        assert!(names.contains(&expected.as_str()), "{expected} in {names:?}");
    }
}
