//! `Result<T, Box<dyn Error>>`, the most common legacy error type, is not `Send`: the twin
//! returns `Result<T, bridge_runtime::SentError>`, converted on the worker thread, with the same
//! message, `Debug` form and `source()` chain; also through an alias that the fn's module
//! defines. Errors that are `Send` pass as they are.
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

/// Through an alias of the fn's own module, as legacy crates write it: the same.
type BoxResult<T> = Result<T, Box<dyn Error>>;
type Unit = Result<(), Box<dyn Error>>;

#[sync_to_async]
fn parse_id(text: &str) -> BoxResult<u64> {
    Ok(text.parse()?)
}

#[sync_to_async]
fn check(ok: bool) -> Unit {
    if ok { Ok(()) } else { Err("not ok".into()) }
}

mod legacy {
    use bridge_runtime::sync_to_async;

    /// The crate-wide alias, shadowing `Result` in this module.
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

    #[sync_to_async]
    pub fn count(text: &str) -> Result<usize> {
        Ok(text.split(',').map(str::parse::<u8>).collect::<std::result::Result<Vec<_>, _>>()?.len())
    }
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
        assert_eq!(parse_id_async("42").await.unwrap(), 42);
        let bad: SentError = parse_id_async("x").await.unwrap_err();
        assert_eq!(bad.to_string(), "invalid digit found in string");
        check_async(true).await.unwrap();
        assert_eq!(check_async(false).await.unwrap_err().to_string(), "not ok");
        assert_eq!(legacy::count_async("1,2,3").await.unwrap(), 3);
        assert!(legacy::count_async("1,x").await.is_err());
    });
    // The sync fn is unchanged.
    assert!(load(true).unwrap_err().downcast_ref::<Outer>().is_some());
}
