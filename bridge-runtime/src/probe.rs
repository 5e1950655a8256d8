//! How a twin copies a `&T` argument for the thread that runs the sync fn, with an error of
//! bridge's own for a `T` that cannot be copied.
//!
//! A `&T` is copied with `ToOwned`, which most types have through `Clone`. One that has neither
//! is often an object that must not be copied at all (a `&rusqlite::Connection`), and rustc's
//! own error would say to derive `Clone`. So the generated code writes
//! `probe::<Twin, _>(value).copy()`, which picks by method resolution [`Copies`] (for a
//! [`Probe`] of a `ToOwned` type: its `to_owned`) or else [`CannotCopy`] (for a `&Probe` of any
//! type), whose method requires [`NotCopyable`], which no type has. That requirement is the only
//! error, with a message that names the type and the twin (`Twin`, the twin's marker type, as in
//! [`Sendable`](crate::__private::Sendable)) and points at handles and `thread_sensitive`.

use std::borrow::{Borrow, ToOwned};
use std::convert::Infallible;
use std::marker::PhantomData;

/// What a probe copies into, written `Same<_>` so that it is inferred from the copy: naming
/// `<T as ToOwned>::Owned` would be an error of its own for a type that has no `ToOwned`.
pub type Same<T> = T;

/// A `&T` argument on its way to the thread of the twin `Twin`.
#[derive(Debug)]
pub struct Probe<'a, Twin, T: ?Sized>(&'a T, PhantomData<fn() -> Twin>);

/// The probe of `value`, an argument of the twin `Twin`.
pub fn probe<Twin, T: ?Sized>(value: &T) -> Probe<'_, Twin, T> {
    Probe(value, PhantomData)
}

/// The copy of a `ToOwned` argument: picked first, by value.
pub trait Copies {
    /// The copy's type.
    type Owned;

    /// `to_owned`.
    fn copy(self) -> Self::Owned;
}

impl<Twin, T: ?Sized + ToOwned> Copies for Probe<'_, Twin, T> {
    type Owned = T::Owned;

    fn copy(self) -> T::Owned {
        self.0.to_owned()
    }
}

/// What no type is: the bound behind the one error for an argument that cannot be copied.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be copied for the thread that runs the sync fn: `{Twin}` copies a `&T` argument with `ToOwned`, which `{Self}` does not have (a `Clone` type has it)",
    label = "cannot be copied to the worker thread",
    note = "a connection, a file or a cache is not to be copied: give it (or a type of yours that owns it) an async handle, with `#[sync_to_async(handle = AsyncName)]` on that type's `impl` block, which keeps the object and runs its methods on a blocking thread",
    note = "an object bound to one thread (a thread-local connection) stays there: have the fn find it on that thread rather than take it as a parameter, and mark the fn `#[sync_to_async(thread_sensitive)]`, so that every call runs on that thread",
    note = "a plain value can derive `Clone` (a type parameter, be bounded by it), or be taken by value"
)]
pub trait NotCopyable<Twin> {}

mod sealed {
    /// Implemented by no type, and by none outside this crate.
    pub trait Never {}
}

#[diagnostic::do_not_recommend]
impl<T: ?Sized + sealed::Never, Twin> NotCopyable<Twin> for T {}

/// What [`CannotCopy`] gives instead of a copy: never made, but it lends a `&T` as the copy
/// would, so that nothing after the one error fails.
#[derive(Debug)]
pub struct Uncopied<T: ?Sized>(Infallible, PhantomData<fn(&T)>);

impl<T: ?Sized> Borrow<T> for Uncopied<T> {
    fn borrow(&self) -> &T {
        match self.0 {}
    }
}

/// The copy of an argument that cannot be copied: picked only when [`Copies`] is not, and an
/// error wherever it is.
pub trait CannotCopy<T: ?Sized, Twin> {
    /// Requires [`NotCopyable`]: the error.
    fn copy(self) -> Uncopied<T>
    where
        T: NotCopyable<Twin>;
}

impl<Twin, T: ?Sized> CannotCopy<T, Twin> for &Probe<'_, Twin, T> {
    fn copy(self) -> Uncopied<T>
    where
        T: NotCopyable<Twin>,
    {
        unreachable!("no type is `NotCopyable`")
    }
}
