//! By-value parameters move into the call.
use bridge_runtime::sync_to_async;
use std::collections::HashMap;

#[derive(Debug, PartialEq)]
pub struct Order {
    pub id: u64,
    pub lines: Vec<String>,
}

#[sync_to_async]
fn total(prices: Vec<u32>, discount: u32, note: String) -> (u32, String) {
    (prices.iter().sum::<u32>() - discount, note)
}

#[sync_to_async]
fn close(mut order: Order, line: Option<String>) -> Order {
    order.lines.extend(line);
    order
}

#[sync_to_async]
fn index(words: Vec<&'static str>) -> HashMap<&'static str, usize> {
    words.into_iter().enumerate().map(|(i, w)| (w, i)).collect()
}

#[sync_to_async]
fn boxed(callback: Box<dyn Fn(u32) -> u32 + Send>, value: u32) -> u32 {
    callback(value)
}

fn main() {
    futures_executor::block_on(async {
        assert_eq!(
            total_async(vec![3, 4, 5], 2, "ok".to_owned()).await,
            (10, "ok".to_owned())
        );
        let order = Order {
            id: 7,
            lines: vec!["tea".into()],
        };
        assert_eq!(
            close_async(order, Some("cake".into())).await,
            Order {
                id: 7,
                lines: vec!["tea".into(), "cake".into()]
            }
        );
        assert_eq!(index_async(vec!["a", "b"]).await["b"], 1);
        assert_eq!(boxed_async(Box::new(|x| x * 3), 5).await, 15);
    });
}
