//! `Result<T, Box<dyn Error>>`, the most common legacy error type, is not `Send`: the twin
//! returns `Result<T, bridge_runtime::SentError>`, converted on the worker thread, with the same
//! message, `Debug` form and `source()` chain. Errors that are `Send` pass as they are.
use std::error::Error;
use std::fmt;

use bridge_runtime::{SentError, sync_to_async};

#[derive(Debug)]
struct Outer(std::io::Error);

impl fmt::Display for Outer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("loading the config failed")
    }
}

impl Error for Outer {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

#[sync_to_async]
fn load(fail: bool) -> Result<u32, Box<dyn Error>> {
    if fail {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "config.toml is missing");
        return Err(Box::new(Outer(io)));
    }
    Ok(7)
}

#[sync_to_async]
fn load_std(path: &str) -> std::result::Result<String, Box<dyn std::error::Error + 'static>> {
    Ok(std::fs::read_to_string(path)?)
}

#[sync_to_async]
fn already_send() -> Result<u32, Box<dyn Error + Send + Sync>> {
    Err("a sendable error".into())
}

async fn caller() -> Result<u32, Box<dyn Error + Send + Sync>> {
    Ok(load_async(false).await?)
}

fn main() {
    futures_executor::block_on(async {
        assert_eq!(load_async(false).await.unwrap(), 7);
        let error: SentError = load_async(true).await.unwrap_err();
        assert_eq!(error.to_string(), "loading the config failed");
        assert!(format!("{error:?}").starts_with("Outer("));
        let source = error.source().expect("the chain is kept");
        assert_eq!(source.to_string(), "config.toml is missing");
        assert!(source.source().is_none());
        assert!(load_std_async("/no/such/file").await.is_err());
        let sendable: Box<dyn Error + Send + Sync> = already_send_async().await.unwrap_err();
        assert_eq!(sendable.to_string(), "a sendable error");
        assert_eq!(caller().await.unwrap(), 7);
    });
    // The sync fn is unchanged.
    assert!(load(true).unwrap_err().downcast_ref::<Outer>().is_some());
}
