//! `impl Trait` parameters, also nested, gain `Send + 'static` in the twin; an `impl Trait`
//! return type carries over.
use bridge_runtime::sync_to_async;
use std::fmt::Display;

#[sync_to_async]
fn show(value: impl Display) -> String {
    value.to_string()
}

#[sync_to_async]
fn show_all(values: Vec<impl Display>, separator: impl Into<String>) -> String {
    let separator = separator.into();
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(&separator)
}

#[sync_to_async]
fn apply(f: impl FnOnce(u32) -> u32, x: u32) -> u32 {
    f(x)
}

#[sync_to_async]
fn sum(values: impl IntoIterator<Item = u64>) -> u64 {
    values.into_iter().sum()
}

#[sync_to_async]
fn greeting(name: String) -> impl Display + Send + 'static {
    format!("hello {name}")
}

/// `impl Into<T>` of a `T` that is not `Send` crosses as it is (a `String` here), converted by
/// the fn on the worker thread.
#[sync_to_async]
fn intern(text: impl Into<std::rc::Rc<str>>) -> usize {
    let interned: std::rc::Rc<str> = text.into();
    interned.len()
}

fn main() {
    futures_executor::block_on(async {
        assert_eq!(intern_async(String::from("abc")).await, 3);
        assert_eq!(show_async(7).await, "7");
        assert_eq!(show_all_async(vec![1.5, 2.0], ", ").await, "1.5, 2");
        assert_eq!(
            show_all_async(vec!["a", "b"], String::from("-")).await,
            "a-b"
        );
        let offset = 10;
        assert_eq!(apply_async(move |x| x + offset, 5).await, 15);
        assert_eq!(sum_async(vec![1, 2, 3]).await, 6);
        assert_eq!(sum_async(1..=4).await, 10);
        assert_eq!(greeting_async("ada".into()).await.to_string(), "hello ada");
    });
}
