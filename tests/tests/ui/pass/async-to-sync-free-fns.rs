//! `#[async_to_sync]` on free async fns: borrowed, generic, `impl Trait` and pattern
//! parameters pass through unchanged, and the twins run from a plain thread.
#![deny(missing_docs, dead_code)]
//! Crate docs.

use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

use bridge_runtime::async_to_sync;

/// Borrowed parameters stay borrowed: the twin returns only once the future is done.
#[async_to_sync]
pub async fn greet(name: &str, tags: &[&str]) -> String {
    tokio::time::sleep(Duration::from_millis(1)).await;
    format!("hello {name} [{}]", tags.join(","))
}

/// A type parameter that appears only in the return type is passed on explicitly.
#[async_to_sync]
pub async fn parse<T: FromStr, const N: usize>(text: &str) -> Option<[T; N]>
where
    T: Copy + Default,
{
    tokio::task::yield_now().await;
    let value = text.parse().ok()?;
    Some([value; N])
}

/// `impl Trait` parameters, which need not be `Send` or `'static`.
#[async_to_sync]
pub async fn show(value: impl Display, suffix: &impl Display) -> String {
    format!("{value}{suffix}")
}

/// Patterns that are not plain names, and a `mut` binding.
#[async_to_sync]
pub async fn sum((a, b): (u32, u32), [c, _]: [u32; 2], _: bool, mut d: u32) -> u32 {
    d += 1;
    a + b + c + d
}

/// No parameters, no return value.
#[async_to_sync]
pub async fn nothing() {}

/// A return type that borrows from an argument.
#[async_to_sync]
pub async fn first_word(text: &str) -> &str {
    text.split(' ').next().unwrap_or("")
}

/// `unsafe` carries over to the twin.
///
/// # Safety
///
/// `ptr` must point to a live `u32`.
#[async_to_sync]
pub async unsafe fn read(ptr: *const u32) -> u32 {
    // SAFETY: the caller promises `ptr` is live.
    unsafe { *ptr }
}

/// Deprecated, as is its twin: calling the fn inside the twin is not a warning.
#[deprecated(note = "use `greet`")]
#[async_to_sync]
pub async fn old_greet(name: String) -> String {
    name
}

/// Never compiled, and neither is its twin (it names a type that does not exist).
#[cfg(any())]
#[async_to_sync]
pub async fn gone(x: NoSuchType) -> NoSuchType {
    x
}

/// A future that is not `Send` is fine: it never leaves the calling thread's `block_on`.
#[async_to_sync]
pub async fn not_send(count: usize) -> usize {
    let shared = std::rc::Rc::new(count);
    tokio::task::yield_now().await;
    *shared
}

fn main() {
    // The main thread is a plain thread: no runtime anywhere.
    assert_eq!(greet_blocking("ana", &["a", "b"]), "hello ana [a,b]");
    assert_eq!(parse_blocking::<u8, 2>("7"), Some([7, 7]));
    assert_eq!(show_blocking(1, &'!'), "1!");
    assert_eq!(sum_blocking((1, 2), [3, 4], true, 4), 11);
    nothing_blocking();
    let text = String::from("hello world");
    assert_eq!(first_word_blocking(&text), "hello");
    let value = 5;
    // SAFETY: `value` is live.
    assert_eq!(unsafe { read_blocking(&value) }, 5);
    #[allow(deprecated)]
    let old = old_greet_blocking("x".into());
    assert_eq!(old, "x");
    assert_eq!(not_send_blocking(3), 3);
    // And from another plain thread.
    let page = std::thread::spawn(|| greet_blocking("bo", &[]))
        .join()
        .unwrap();
    assert_eq!(page, "hello bo []");
    // The async fns are untouched.
    let direct = futures_executor::block_on(show(2, &"?"));
    assert_eq!(direct, "2?");
}
