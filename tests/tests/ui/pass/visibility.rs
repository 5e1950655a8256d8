//! The twin has the sync fn's visibility.
use bridge_runtime::sync_to_async;

mod store {
    use bridge_runtime::sync_to_async;

    #[sync_to_async]
    pub fn public(id: u64) -> u64 {
        id + crate_only(1) + inner::for_parent(1)
    }

    #[sync_to_async]
    pub(crate) fn crate_only(id: u64) -> u64 {
        id * 10
    }

    pub mod inner {
        use bridge_runtime::sync_to_async;

        #[sync_to_async]
        pub(super) fn for_parent(id: u64) -> u64 {
            id * 100
        }

        #[sync_to_async]
        pub(in crate::store) fn for_store(id: u64) -> u64 {
            id * 1000
        }
    }

    pub async fn all(id: u64) -> u64 {
        inner::for_parent_async(id).await + inner::for_store_async(id).await
    }
}

#[sync_to_async]
fn private(id: u64) -> u64 {
    id
}

fn main() {
    futures_executor::block_on(async {
        assert_eq!(store::public_async(1).await, 111);
        assert_eq!(store::crate_only_async(2).await, 20);
        assert_eq!(store::all(1).await, 1100);
        assert_eq!(private_async(5).await, 5);
    });
}
