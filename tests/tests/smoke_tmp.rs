use bridge_runtime::sync_to_async;
use std::path::Path;

/// Doc.
#[sync_to_async(limit = 2)]
pub fn fetch(id: u64, name: &str, p: &Path, xs: &[u8], t: impl std::fmt::Display) -> String {
    format!("{id}{name}{}{}{t}", p.display(), xs.len())
}

#[sync_to_async]
fn parse<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.parse().ok()
}

#[sync_to_async]
unsafe fn danger(x: u8) -> u8 {
    x
}

#[sync_to_async(wraps = std::fs::read_to_string)]
fn read_to_string(path: &Path) -> std::io::Result<String>;

#[tokio::test]
async fn smoke() {
    assert_eq!(
        fetch_async(1, "a", Path::new("/p"), &[1, 2], 9).await,
        "1a/p29"
    );
    assert_eq!(parse_async::<u32>("42").await, Some(42));
    assert_eq!(unsafe { danger_async(3) }.await, 3);
    assert!(
        read_to_string(Path::new("Cargo.toml"))
            .await
            .unwrap()
            .contains("bridge-tests")
    );
}
