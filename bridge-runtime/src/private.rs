//! What the generated code calls. Not a public API: it changes without notice.

pub use crate::block_on::block_on_twin;
pub use crate::dispatch::{CallSite, Limit, dispatch, dispatch_default, dispatch_sensitive};
pub use crate::executor::{DefaultExecutor, Executor};
pub use crate::handle::{
    Access, Dedicated, Exclusive, Installed, Read, ReadWrite, Write, install, run as run_handle,
    run_sensitive as run_handle_sensitive,
};
pub use crate::probe::{CannotCopy, Copies, NotCopyable, Same, probe};
pub use crate::proof::{
    MethodSendable, SendCell, SendObject, Sendable, SyncCell, SyncObject, method_send_cell,
    send_cell, send_object, sync_object,
};
pub use crate::sent_error::sent_error;
pub use crate::sync_only::{sync_only, sync_only_method};

/// The recording one call does, without its thread hop: dispatch, admission, start and end.
/// For the `overhead` bench, which measures what metrics cost per call.
pub fn record_one_call(site: &'static CallSite) {
    crate::dispatch::record_one_call(site);
}
