//! What the generated code calls. Not a public API: it changes without notice.

pub use crate::block_on::block_on_twin;
pub use crate::dispatch::{CallSite, Limit, dispatch, dispatch_default, dispatch_sensitive};
pub use crate::executor::{DefaultExecutor, Executor};
pub use crate::guard::{sync_only, sync_only_method};
pub use crate::handle::{
    Access, BoxFuture, Dedicated, Exclusive, Handle, Installed, MethodSendable, Read,
    ReadWrite, SendObject, SyncObject, Write, install, run as run_handle,
    run_sensitive as run_handle_sensitive,
};

/// The recording one call does, without its thread hop: dispatch, admission, start and end.
/// For the `overhead` bench, which measures what metrics cost per call.
pub fn record_one_call(site: &'static CallSite) {
    crate::dispatch::record_one_call(site);
}

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

/// A value proven `Send` when it was wrapped by [`send_cell`].
///
/// The wrapper itself is `Send` whatever `T` is, so the dispatch that moves it to another
/// thread reports nothing more about a type [`send_cell`] has already reported.
#[derive(Debug)]
pub struct SendCell<T>(T);

/// Wraps `value`, which must be `Send`: the check behind every value that crosses to a twin's
/// thread. `T` is the fn's own parameter, given by the macro as the user's type token, so a type
/// that is not `Send` gets one error on that token, naming the type and the twin.
#[inline]
pub fn send_cell<Twin, T: Sendable<Twin>>(value: T) -> SendCell<T> {
    SendCell(value)
}

impl<T> SendCell<T> {
    /// The value.
    #[inline]
    pub fn into_inner(self) -> T {
        self.0
    }
}

// SAFETY: a `SendCell<T>` can only be made by `send_cell`, which requires `T: Sendable<_>`,
// whose supertrait is `Send`. Whether a type is `Send` does not depend on the value or on
// lifetimes, so every `SendCell<T>` that exists holds a `Send` type.
#[allow(unsafe_code)]
unsafe impl<T> Send for SendCell<T> {}
