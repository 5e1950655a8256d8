//! Declaration mode: `wraps = path` makes an async fn for a sync fn defined elsewhere.
use bridge_runtime::sync_to_async;
use std::path::Path;

mod legacy {
    pub mod files {
        /// A legacy fn that cannot be edited.
        pub fn checksum(data: &[u8], seed: u32) -> u32 {
            data.iter().fold(seed, |sum, b| {
                sum.wrapping_mul(31).wrapping_add(u32::from(*b))
            })
        }
    }
}

mod async_std_fs {
    use bridge_runtime::sync_to_async;
    use std::path::Path;

    /// `std::fs::read_to_string`, awaited.
    #[sync_to_async(wraps = std::fs::read_to_string)]
    pub fn read_to_string(path: &Path) -> std::io::Result<String>;
}

#[sync_to_async(wraps = legacy::files::checksum, limit = 4)]
pub fn checksum(data: &[u8], seed: u32) -> u32;

#[sync_to_async(wraps = std::cmp::max)]
fn max<T: Ord>(a: T, b: T) -> T;

#[sync_to_async(wraps = std::fs::metadata)]
fn metadata(path: &Path) -> std::io::Result<std::fs::Metadata>;

fn main() {
    futures_executor::block_on(async {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let text = async_std_fs::read_to_string(&manifest).await.unwrap();
        assert_eq!(text, std::fs::read_to_string(&manifest).unwrap());
        assert!(metadata(&manifest).await.unwrap().is_file());
        assert!(
            async_std_fs::read_to_string(Path::new("/no/such/file"))
                .await
                .is_err()
        );
        assert_eq!(
            checksum(b"abc", 7).await,
            legacy::files::checksum(b"abc", 7)
        );
        assert_eq!(max(3, 9).await, 9);
        assert_eq!(max("a".to_owned(), "b".to_owned()).await, "b");
    });
}
