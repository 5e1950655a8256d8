//! `name = ident` names the twin.
use bridge_runtime::sync_to_async;

#[sync_to_async(name = fetch_user_later)]
fn fetch_user(id: u64) -> String {
    format!("user {id}")
}

#[sync_to_async(name = r#async)]
fn keyword_named(id: u64) -> u64 {
    id
}

fn main() {
    futures_executor::block_on(async {
        assert_eq!(fetch_user_later(1).await, fetch_user(1));
        assert_eq!(r#async(2).await, 2);
    });
}
