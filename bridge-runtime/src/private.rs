//! What the generated code calls. Not a public API: it changes without notice.

pub use crate::block_on::block_on_twin;
pub use crate::dispatch::{CallSite, dispatch, dispatch_default, dispatch_sensitive};
pub use crate::executor::DefaultExecutor;

/// Proof that a value may cross to the worker thread of the twin `Twin`.
///
/// Every argument and return type of a twin is checked against this trait, one by one and
/// spanned on the user's own type, so that a non-`Send` type gets one error that names the type
/// and the twin instead of a long chain of notes about closures. `Twin` is a local marker type
/// named after the twin, used only in that message.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not `Send`, so `{Twin}` cannot move it to the thread that runs the sync fn",
    label = "not `Send`",
    note = "an async twin runs the sync fn on a blocking thread: its arguments and its result cross threads",
    note = "use a `Send` type here (for example `Arc` instead of `Rc`), or keep this fn sync-only"
)]
pub trait Sendable<Twin>: Send {}

impl<T: Send, Twin> Sendable<Twin> for T {}
