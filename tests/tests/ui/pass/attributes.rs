//! Doc comments, `#[cfg]`s and `#[allow]`s carry over to the twin.
#![deny(missing_docs, dead_code)]
//! Crate docs.

use bridge_runtime::sync_to_async;

/// Documented: the twin gets these docs plus a line naming this fn, so `missing_docs` holds.
#[sync_to_async]
pub fn documented(x: u32) -> u32 {
    x + 1
}

/// Compiled on unix only, as is its twin.
#[cfg(unix)]
#[sync_to_async]
pub fn platform() -> &'static str {
    "unix"
}

/// Compiled everywhere else, as is its twin: the two twins never clash.
#[cfg(not(unix))]
#[sync_to_async]
pub fn platform() -> &'static str {
    "other"
}

/// Never compiled, and neither is its twin (it names a type that does not exist).
#[cfg(any())]
#[sync_to_async]
pub fn gone(x: NoSuchType) -> NoSuchType {
    x
}

/// `#[allow]` carries over too.
#[allow(clippy::needless_pass_by_value)]
#[sync_to_async]
pub fn length(text: String) -> usize {
    text.len()
}

#[sync_to_async]
#[doc = "Docs written after the attribute count too."]
pub fn after(flag: bool) -> bool {
    !flag
}

fn main() {
    futures_executor::block_on(async {
        assert_eq!(documented_async(1).await, 2);
        assert_eq!(platform_async().await, platform());
        assert_eq!(length_async("abc".into()).await, 3);
        assert!(after_async(false).await);
    });
}
