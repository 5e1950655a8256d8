//! Avatars: files on disk, and the CPU-heavy step of the report, hashing them.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use bridge_runtime::{sync_only, sync_to_async};
use sha2::{Digest, Sha256};

/// Where user `id`'s avatar lives in `dir`.
pub fn avatar_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("{id}.avatar"))
}

/// Writes a deterministic avatar of `size` bytes for each of `ids` into `dir`.
///
/// # Errors
///
/// Any I/O error from creating `dir` or writing a file.
pub fn create_avatars(dir: &Path, ids: &[u64], size: usize) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    for &id in ids {
        let bytes: Vec<u8> = (0..size)
            .map(|i| (id as usize).wrapping_mul(31).wrapping_add(i * 7) as u8)
            .collect();
        fs::write(avatar_path(dir, id), bytes)?;
    }
    Ok(())
}

/// Reads user `id`'s avatar from `dir`, blocking on the file system.
///
/// # Errors
///
/// Any I/O error from reading the file.
#[sync_only]
#[sync_to_async]
pub fn read_avatar(dir: &Path, id: u64) -> io::Result<Vec<u8>> {
    fs::read(avatar_path(dir, id))
}

/// Hashes an avatar `rounds` times over (SHA-256 of the bytes, then of each digest with the
/// bytes again): deliberately CPU-heavy, like the image work a real report job would do.
///
/// Returns the final digest in hex.
#[sync_only]
#[sync_to_async]
pub fn hash_avatar(bytes: Vec<u8>, rounds: u32) -> String {
    let mut digest = Sha256::digest(&bytes);
    for _ in 1..rounds.max(1) {
        let mut hasher = Sha256::new();
        hasher.update(digest);
        hasher.update(&bytes);
        digest = hasher.finalize();
    }
    hex(&digest)
}

/// Writes the report's text to `path`, blocking on the file system.
///
/// # Errors
///
/// Any I/O error from writing the file.
#[sync_only]
#[sync_to_async]
pub fn write_report(path: &Path, text: &str) -> io::Result<()> {
    fs::write(path, text)
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatars_round_trip_and_hash_deterministically() {
        let dir = tempfile::tempdir().unwrap();
        create_avatars(dir.path(), &[1, 2], 1024).unwrap();
        let one = read_avatar(dir.path(), 1).unwrap();
        assert_eq!(one.len(), 1024);
        assert_ne!(one, read_avatar(dir.path(), 2).unwrap());
        assert_eq!(hash_avatar(one.clone(), 3), hash_avatar(one.clone(), 3));
        assert_ne!(hash_avatar(one.clone(), 3), hash_avatar(one, 4));
        assert!(read_avatar(dir.path(), 3).is_err());
    }
}
