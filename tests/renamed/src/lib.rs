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

/// A guarded legacy fn whose check finds the runtime through `crate = "::bridge"`.
#[bridge::sync_only(crate = "::bridge")]
pub fn count(word: &str) -> usize {
    word.len()
}

/// A legacy object whose async handle finds the runtime through `crate = "::bridge"`.
#[derive(Debug, Default)]
pub struct Tally {
    total: u64,
}

#[bridge::sync_to_async(handle = AsyncTally, crate = "::bridge", limit = 2)]
impl Tally {
    /// An empty tally.
    pub fn new() -> Self {
        Tally::default()
    }

    /// Adds `n`.
    #[bridge::sync_to_async(name = add_async)]
    pub fn add(&mut self, n: u64) -> u64 {
        self.total += n;
        self.total
    }
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
    fn guard_reaches_the_renamed_runtime() {
        assert_eq!(super::count("bridge"), 6);
    }

    #[test]
    fn handle_reaches_the_renamed_runtime() {
        let tally = futures_executor::block_on(super::AsyncTally::new());
        assert_eq!(futures_executor::block_on(tally.add_async(2)), 2);
        assert_eq!(tally.blocking_write().add(3), 5);
    }

    #[test]
    fn blocking_twin_reaches_the_renamed_runtime() {
        assert_eq!(super::whisper_blocking("BRIDGE"), "bridge");
    }
}
