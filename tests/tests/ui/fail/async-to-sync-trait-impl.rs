use bridge_runtime::async_to_sync;

pub trait Fetch {
    fn fetch(&self) -> impl std::future::Future<Output = u8> + Send;
}

pub struct Client;

// A trait impl holds only the trait's items: one error that says where the attribute goes, and
// the impl stays as written.
impl Fetch for Client {
    #[async_to_sync]
    async fn fetch(&self) -> u8 {
        1
    }
}

fn main() {}
