//! Parameters bound by patterns rather than plain names.
use bridge_runtime::sync_to_async;

#[derive(Clone)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

#[sync_to_async]
fn add((a, b): (u32, u32), _: u8, mut scale: u32) -> u32 {
    scale += 1;
    (a + b) * scale
}

#[sync_to_async]
fn norm(Point { x, y }: Point, [first, .., last]: [i32; 3]) -> i32 {
    x.abs() + y.abs() + first + last
}

#[sync_to_async]
fn borrow_name(ref name: String, _unused: &str) -> usize {
    name.len()
}

fn main() {
    futures_executor::block_on(async {
        assert_eq!(add_async((1, 2), 0, 1).await, 6);
        assert_eq!(norm_async(Point { x: -1, y: 2 }, [10, 0, 20]).await, 33);
        assert_eq!(borrow_name_async("abcd".into(), "x").await, 4);
    });
}
