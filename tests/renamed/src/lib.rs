//! bridge-runtime is a dependency of this crate only under the name `bridge`, so
//! `::bridge_runtime` does not resolve here and every twin must be told where the runtime is.
#![deny(warnings, unused_qualifications, clippy::all)]

/// A legacy fn whose twin finds the runtime through `crate = "::bridge"`.
#[bridge::sync_to_async(crate = "::bridge")]
pub fn shout(word: &str) -> String {
    word.to_uppercase()
}

/// A migrated fn whose blocking twin finds the runtime through `crate = "::bridge"`.
#[bridge::async_to_sync(crate = "::bridge")]
pub async fn whisper(word: &str) -> String {
    word.to_lowercase()
}

#[cfg(test)]
mod tests {
    #[test]
    fn twin_reaches_the_renamed_runtime() {
        assert_eq!(
            futures_executor::block_on(super::shout_async("bridge")),
            "BRIDGE"
        );
    }

    #[test]
    fn blocking_twin_reaches_the_renamed_runtime() {
        assert_eq!(super::whisper_blocking("BRIDGE"), "bridge");
    }
}
