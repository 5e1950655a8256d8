//! Generic fns: inline bounds, where-clauses, return-only type parameters, const generics,
//! lifetimes, and `&T` of a type parameter.
use bridge_runtime::sync_to_async;
use std::fmt::Debug;
use std::str::FromStr;

#[sync_to_async]
fn largest<T: PartialOrd + Copy>(values: Vec<T>) -> Option<T> {
    values.into_iter().fold(None, |max, v| match max {
        Some(m) if m >= v => Some(m),
        _ => Some(v),
    })
}

#[sync_to_async]
fn render<K, V>(pairs: Vec<(K, V)>) -> String
where
    K: Debug,
    V: Debug + Clone,
{
    format!("{pairs:?}")
}

#[sync_to_async]
fn parse<T: FromStr>(s: &str) -> Option<T> {
    s.parse().ok()
}

#[sync_to_async]
fn chunk<const N: usize>(bytes: Vec<u8>) -> Vec<[u8; N]> {
    bytes
        .chunks_exact(N)
        .map(|c| c.try_into().unwrap())
        .collect()
}

#[sync_to_async]
fn copy_of<T: Clone>(value: &T) -> T {
    value.clone()
}

#[sync_to_async]
fn count_in<'a, T>(items: &'a [T], wanted: &'a T) -> usize
where
    T: PartialEq + Clone,
{
    items.iter().filter(|item| *item == wanted).count()
}

fn main() {
    futures_executor::block_on(async {
        assert_eq!(largest_async(vec![3, 9, 2]).await, Some(9));
        assert_eq!(largest_async::<f64>(vec![]).await, None);
        assert_eq!(render_async(vec![("a", 1)]).await, r#"[("a", 1)]"#);
        assert_eq!(parse_async::<u32>("42").await, Some(42));
        assert_eq!(parse_async::<bool>("nope").await, None);
        let parsed: Option<f64> = parse_async("1.5").await;
        assert_eq!(parsed, Some(1.5));
        assert_eq!(
            chunk_async::<2>(vec![1, 2, 3, 4, 5]).await,
            vec![[1, 2], [3, 4]]
        );
        assert_eq!(copy_of_async(&vec![1, 2]).await, vec![1, 2]);
        assert_eq!(count_in_async(&[1, 2, 1], &1).await, 2);
    });
}
