//! [`SentError`]: a `Box<dyn Error>` made fit to cross threads.

use std::error::Error;
use std::fmt;

/// An error that crossed threads: what the twin of a fn returning
/// `Result<T, Box<dyn Error>>` returns in its place.
///
/// `Box<dyn Error>` is the most common legacy error type, and it is not `Send`, so it cannot
/// come back from the thread that ran the call. The twin converts it there, keeping what a
/// caller reads of an error: its message (`Display`), its `Debug` form and its whole
/// `source()` chain, each link converted the same way. A `SentError` is
/// `Error + Send + Sync + 'static`, so `?` turns it into `Box<dyn Error + Send + Sync>`,
/// `anyhow::Error` and the like. What it cannot keep is the error's type: downcast the original
/// in the sync fn if a caller needs it, or return a `Send` error type.
///
/// ```
/// use std::error::Error;
///
/// #[bridge_runtime::sync_to_async]
/// fn read_config(path: &str) -> Result<String, Box<dyn Error>> {
///     Ok(std::fs::read_to_string(path)?)
/// }
///
/// # futures_executor::block_on(async {
/// let error = read_config_async("/no/such/file").await.unwrap_err();
/// assert!(error.to_string().contains("No such file"));
/// let boxed: Box<dyn Error + Send + Sync> = error.into();
/// # let _ = boxed;
/// # });
/// ```
pub struct SentError {
    message: String,
    debug: String,
    source: Option<Box<SentError>>,
}

impl SentError {
    /// Copies `error`: its message, its `Debug` form and its `source()` chain.
    pub fn new(error: &(dyn Error + 'static)) -> Self {
        SentError {
            message: error.to_string(),
            debug: format!("{error:?}"),
            source: error
                .source()
                .map(|source| Box::new(SentError::new(source))),
        }
    }
}

impl fmt::Display for SentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for SentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.debug)
    }
}

impl Error for SentError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn Error + 'static))
    }
}

/// What a twin does with the result of a fn returning `Result<T, Box<dyn Error>>`, on the
/// thread that ran it.
#[doc(hidden)]
pub fn sent_error<T>(result: Result<T, Box<dyn Error>>) -> Result<T, SentError> {
    result.map_err(|error| SentError::new(&*error))
}
