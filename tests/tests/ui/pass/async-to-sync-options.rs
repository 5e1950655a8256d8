//! `#[async_to_sync]`'s options: `name = ident` and `crate = "path"`.
mod reexport {
    pub use ::bridge_runtime as bridge;
}

mod deeper {
    pub mod deps {
        pub use crate::reexport::bridge as runtime;
    }
}

#[bridge_runtime::async_to_sync(name = fetch_now)]
async fn fetch(id: u64) -> String {
    format!("page {id}")
}

#[bridge_runtime::async_to_sync(name = r#loop)]
async fn keyword_named(id: u64) -> u64 {
    id
}

#[crate::reexport::bridge::async_to_sync(crate = "crate::reexport::bridge")]
async fn shout(word: &str) -> String {
    word.to_uppercase()
}

#[bridge_runtime::async_to_sync(crate = "deeper::deps::runtime", name = whisper_now)]
async fn whisper(word: &str) -> String {
    word.to_lowercase()
}

#[bridge_runtime::async_to_sync(crate = "::bridge_runtime")]
async fn same(word: String) -> String {
    word
}

pub struct Counter(u32);

impl Counter {
    #[bridge_runtime::async_to_sync(name = bump_now, crate = "crate::reexport::bridge")]
    async fn bump(&mut self) -> u32 {
        self.0 += 1;
        self.0
    }
}

fn main() {
    assert_eq!(fetch_now(1), "page 1");
    assert_eq!(r#loop(2), 2);
    assert_eq!(shout_blocking("bridge"), "BRIDGE");
    assert_eq!(whisper_now("BRIDGE"), "bridge");
    assert_eq!(same_blocking("x".into()), "x");
    let mut counter = Counter(0);
    assert_eq!(counter.bump_now(), 1);
    assert_eq!(counter.bump_now(), 2);
}
