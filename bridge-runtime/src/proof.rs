//! How bridge proves that what crosses threads may cross: one family of marker traits, each a
//! `Send` (or `Sync`) check whose `#[diagnostic::on_unimplemented]` message names the user's
//! type and the twin, method or handle it is for, and two cells that carry the proof.
//!
//! The generated code checks each value where it is written, spanned on the user's own type:
//! [`send_cell`] for a twin's arguments and result, [`method_send_cell`] for a handle method's,
//! [`send_object`] and [`sync_object`] for a handle's object, once, where the handle is made. A
//! type that is not `Send` so gets exactly one error, which says what to do. The cells are
//! `Send` (and [`SyncCell`] `Sync`) whatever they hold, so the dispatch that moves them reports
//! nothing more about a type already reported.
//!
//! These are bridge's only `unsafe` code: two `unsafe impl`s, each justified where it stands.

use std::ops::{Deref, DerefMut};

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
    note = "use a `Send` type here (`Arc` instead of `Rc`, `Box<dyn Trait + Send>` instead of `Box<dyn Trait>`), or keep this fn sync-only; a type parameter or its associated type is bounded in the fn's where-clause (`where T: Send + 'static`, `where T::Err: Send + 'static`), not by the bound rustc may suggest",
    note = "a `Result<T, Box<dyn Error>>` needs no change where the signature writes it out, or names an alias defined in the same module (`type Result<T> = ...`): the twin returns `Result<T, bridge_runtime::SentError>`, converted on the worker thread; an alias from another module cannot be read, so write the type out"
)]
pub trait Sendable<Twin>: Send {}

#[diagnostic::do_not_recommend]
impl<T: Send, Twin> Sendable<Twin> for T {}

/// Proof that the object of a handle without `thread_sensitive` may go to the threads that run
/// its methods.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not `Send`, so the handle `{Handle}` cannot move it to the threads that run its methods",
    label = "not `Send`",
    note = "a handle runs each call on a blocking thread, with the object behind a lock",
    note = "add `thread_sensitive` to the handle's options: the object then lives on one dedicated thread and need not be `Send`"
)]
pub trait SendObject<Handle>: Send {}

#[diagnostic::do_not_recommend]
impl<T: Send, Handle> SendObject<Handle> for T {}

/// Proof that the object of a `concurrent_reads` handle may be shared by the threads that run
/// its `&self` methods at the same time.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not `Sync`, so the `concurrent_reads` handle `{Handle}` cannot run its `&self` methods at the same time",
    label = "not `Sync`",
    note = "remove `concurrent_reads`: every call then runs alone, and the object need only be `Send`"
)]
pub trait SyncObject<Handle>: Sync {}

#[diagnostic::do_not_recommend]
impl<T: Sync, Handle> SyncObject<Handle> for T {}

/// Proof that a value may cross to the thread that runs the method `Method` of the handle
/// `Handle`. Like [`Sendable`], with a message that names both.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not `Send`, so `{Handle}::{Method}` cannot move it to the thread that runs the sync method",
    label = "not `Send`",
    note = "a handle's method runs the sync method on another thread: its arguments and its result cross threads",
    note = "use a `Send` type here (`Arc` instead of `Rc`, `Box<dyn Trait + Send>` instead of `Box<dyn Trait>`), or leave the method out of the handle with `#[sync_to_async(skip)]`; a type parameter or its associated type is bounded in the method's where-clause (`where T: Send + 'static`), not by the bound rustc may suggest",
    note = "a `Result<T, Box<dyn Error>>` needs no change where the signature writes it out, or names an alias defined in the same module (`type Result<T> = ...`): the async method returns `Result<T, bridge_runtime::SentError>`, converted on the worker thread; an alias from another module cannot be read, so write the type out"
)]
pub trait MethodSendable<Handle, Method>: Send {}

#[diagnostic::do_not_recommend]
impl<T: Send, Handle, Method> MethodSendable<Handle, Method> for T {}

/// A value proven `Send` when it was made: by [`send_cell`], [`method_send_cell`] or
/// [`send_object`].
///
/// The cell itself is `Send` whatever `T` is, so the dispatch that moves it to another thread
/// reports nothing more about a type that has already been reported.
#[derive(Debug)]
pub struct SendCell<T>(T);

/// A handle's object proven `Send` and `Sync` when it was made, by [`sync_object`].
#[derive(Debug)]
pub struct SyncCell<T>(T);

/// Wraps `value`, which must be `Send`: the check behind every value that crosses to a twin's
/// thread. `T` is the fn's own parameter, given by the macro as the user's type token, so a type
/// that is not `Send` gets one error on that token, naming the type and the twin.
#[inline]
pub fn send_cell<Twin, T: Sendable<Twin>>(value: T) -> SendCell<T> {
    SendCell(value)
}

/// [`send_cell`] for a value that crosses to the thread of the method `Method` of the handle
/// `Handle`.
#[inline]
pub fn method_send_cell<Handle, Method, T: MethodSendable<Handle, Method>>(
    value: T,
) -> SendCell<T> {
    SendCell(value)
}

/// The object of the handle `Handle`, which must be `Send`: the handle moves it (behind its
/// lock) to the threads that run its methods.
#[inline]
pub fn send_object<Handle, T: SendObject<Handle>>(object: T) -> SendCell<T> {
    SendCell(object)
}

/// The object of the `concurrent_reads` handle `Handle`, which must be `Send` and `Sync`: its
/// `&self` methods share it between threads.
#[inline]
pub fn sync_object<Handle, T: SendObject<Handle> + SyncObject<Handle>>(object: T) -> SyncCell<T> {
    SyncCell(object)
}

impl<T> SendCell<T> {
    /// The value.
    #[inline]
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for SendCell<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for SendCell<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> Deref for SyncCell<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for SyncCell<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

// SAFETY: a `SendCell<T>` can only be made by `send_cell`, `method_send_cell` or `send_object`,
// each of which requires a bound whose supertrait is `Send`. Whether a type is `Send` does not
// depend on the value or on lifetimes, so every `SendCell<T>` that exists holds a `Send` type.
#[allow(unsafe_code)]
unsafe impl<T> Send for SendCell<T> {}

// SAFETY: a `SyncCell<T>` can only be made by `sync_object`, which requires `T: SendObject<_> +
// SyncObject<_>`, whose supertraits are `Send` and `Sync`; as above, that holds for every value
// of the type.
#[allow(unsafe_code)]
unsafe impl<T> Send for SyncCell<T> {}

// SAFETY: as for `Send` above.
#[allow(unsafe_code)]
unsafe impl<T> Sync for SyncCell<T> {}
