//! `crate = "..."` finds the runtime through a re-export.
mod reexport {
    pub use ::bridge_runtime as bridge;
}

mod deeper {
    pub mod deps {
        pub use crate::reexport::bridge as runtime;
    }
}

#[crate::reexport::bridge::sync_to_async(crate = "crate::reexport::bridge")]
fn shout(word: &str) -> String {
    word.to_uppercase()
}

#[bridge_runtime::sync_to_async(crate = "deeper::deps::runtime", limit = 2)]
fn whisper(word: &str) -> String {
    word.to_lowercase()
}

#[bridge_runtime::sync_to_async(crate = "::bridge_runtime")]
fn same(word: String) -> String {
    word
}

fn main() {
    futures_executor::block_on(async {
        assert_eq!(shout_async("bridge").await, "BRIDGE");
        assert_eq!(whisper_async("BRIDGE").await, "bridge");
        assert_eq!(same_async("x".into()).await, "x");
    });
}
