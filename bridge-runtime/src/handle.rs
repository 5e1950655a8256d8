//! Async handles for stateful legacy objects, as `#[sync_to_async(handle = AsyncStore)]` on an
//! `impl Store` block generates them.
//!
//! A handle is a cheap, `Clone`, `Send + Sync` value that owns one `Store`. Each `pub fn` of the
//! impl gets an async method of the same name on the handle, which runs the sync method on a
//! blocking thread. Sync code that is not migrated yet reaches the same object through the
//! handle too, so one object serves both worlds during the migration.
//!
//! ```
//! use bridge_runtime::sync_to_async;
//!
//! pub struct Counter {
//!     hits: u64,
//! }
//!
//! #[sync_to_async(handle = AsyncCounter)]
//! impl Counter {
//!     pub fn new() -> Self {
//!         Counter { hits: 0 }
//!     }
//!
//!     pub fn hit(&mut self) -> u64 {
//!         self.hits += 1;
//!         self.hits
//!     }
//!
//!     pub fn hits(&self) -> u64 {
//!         self.hits
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // Constructors run on a blocking thread too, and return the handle.
//! let counter = AsyncCounter::new().await;
//! let calls: Vec<_> = (0..10)
//!     .map(|_| {
//!         let counter = counter.clone();
//!         tokio::spawn(async move { counter.hit().await })
//!     })
//!     .collect();
//! for call in calls {
//!     call.await.unwrap();
//! }
//! assert_eq!(counter.hits().await, 10);
//!
//! // Sync code that is not migrated yet shares the same object.
//! let legacy = counter.clone();
//! let hits = std::thread::spawn(move || legacy.blocking_read().hits()).join().unwrap();
//! assert_eq!(hits, 10);
//! # }
//! ```
//!
//! # How calls are serialised
//!
//! | handle | `&self` methods | `&mut self` methods | the object must be |
//! |---|---|---|---|
//! | default | one at a time | one at a time | `Send` |
//! | `concurrent_reads` | at the same time as each other | alone | `Send + Sync` |
//! | `thread_sensitive` | on the object's own thread, one at a time, in order | the same | `'static` only |
//!
//! The default serialises every call: it is the one that works for every `Send` object, and
//! legacy objects that own a connection (`rusqlite::Connection`, a `RefCell` cache) are
//! typically not `Sync`, so sharing `&Store` between threads would not compile anyway. Its
//! calls queue for the object, in FIFO order, without holding a thread: the first call of an
//! idle object is handed to a blocking thread, and the calls made while it runs queue behind it
//! and run back to back on that thread, which gives the thread back once none is left. A busy
//! object is never idle while calls wait for it, and an idle one holds no thread.
//!
//! An object that is `Sync` (its own state behind locks or atomics, a connection pool) lets its
//! readers run in parallel with `concurrent_reads`, which uses an async read-write lock instead:
//! a caller waits for it asynchronously, then its call is handed to a thread.
//!
//! With `thread_sensitive`, the object is built on, lives on and is dropped on one dedicated
//! thread that the handle starts for it, and every call is a message to that thread. So the
//! object does not have to be `Send` at all (it may hold an `Rc`, or state that belongs to its
//! thread). When the last clone of the handle is dropped, the thread runs the calls already
//! queued, drops the object and ends.
//!
//! A call is under way once it has the object (and a slot, with `limit = N`). From then on it
//! runs to completion even if its future is dropped; a future dropped while its call waits for
//! the object or a slot runs nothing.
//!
//! # Sharing the object with sync code
//!
//! | handle | sync access | |
//! |---|---|---|
//! | default, `concurrent_reads` | `handle.blocking_read()`, `handle.blocking_write()` | guards that deref to the object; they wait for the calls running on it |
//! | `thread_sensitive` | `handle.blocking_with(\|store\| ...)` | runs the closure on the object's thread and returns its result |
//!
//! These block, so they panic on an async runtime worker thread (as [`block_on`](crate::block_on)
//! does): async code awaits the handle's methods instead. A sync caller of a default handle
//! gets the object before the calls that queue for it after it started waiting, so a busy
//! queue does not starve it. They also panic, instead of waiting
//! forever, when called from inside a call that already holds the same object; so does a call
//! of a default handle made (through `block_on`) on a thread that holds one of its guards.
//!
//! # Adopting a legacy `Arc<Store>`
//!
//! A handle is itself a reference-counted pointer to the object, so it can take the place of
//! the legacy `Arc<Store>` rather than wrapping it:
//!
//! 1. Build the handle where the `Arc` was built: `AsyncStore::from(store)` (or `AsyncStore::open(..).await`)
//!    instead of `Arc::new(store)`. If the `Arc` is made by code you cannot change, take the
//!    object out of it once it is the last owner, with `Arc::try_unwrap(store)`.
//! 2. Hand out `handle.clone()` wherever `Arc::clone(&store)` was handed out: both are one
//!    reference count.
//! 3. Sync callers write `store.blocking_read().get(id)` for `store.get(id)`, and
//!    `store.blocking_write().put(user)` for writes through a `Mutex`. Async callers write
//!    `store.get(id).await`.
//!
//! # Adopting shared state in place
//!
//! When old threads and signatures must keep their `Arc<Mutex<Store>>` (or `Arc<RwLock<Store>>`)
//! untouched, the handle adopts it instead: `AsyncStore::from(Arc::clone(&shared))`. Old code
//! goes on locking the same lock; each call of the handle locks it on the thread that runs the
//! call (a default handle's calls one at a time, taking an `RwLock`'s write lock; a
//! `concurrent_reads` handle's `&self` calls its read lock), so the two see each other's changes
//! and never overlap.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use bridge_runtime::sync_to_async;
//!
//! #[derive(Default)]
//! pub struct Store {
//!     hits: u64,
//! }
//!
//! #[sync_to_async(handle = AsyncStore)]
//! impl Store {
//!     pub fn hit(&mut self) -> u64 {
//!         self.hits += 1;
//!         self.hits
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let shared = Arc::new(Mutex::new(Store::default()));
//! let store = AsyncStore::from(Arc::clone(&shared));
//! // An old thread, unchanged.
//! let old = std::thread::spawn({
//!     let shared = Arc::clone(&shared);
//!     move || shared.lock().unwrap().hit()
//! });
//! store.hit().await;
//! old.join().unwrap();
//! assert_eq!(shared.lock().unwrap().hits, 2);
//! # }
//! ```
//!
//! A call that panics while it holds an adopted `std` lock poisons it for old code, as a panic
//! in old code would; the handle itself goes on using a poisoned lock.
//!
//! # Types you cannot edit
//!
//! A type defined in another crate gets a handle from a block that declares the methods the
//! handle needs, without bodies (as `wraps =` declares a fn defined elsewhere). The block is not
//! emitted; the handle's methods call the type's own, so generic methods, constructors that
//! return `Result<Self, E>` and closures work as they do for your own types:
//!
//! ```ignore
//! #[sync_to_async(handle = AsyncConnection)]
//! impl rusqlite::Connection {
//!     pub fn open_in_memory() -> rusqlite::Result<Self>;
//!     pub fn execute<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
//!     pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
//!     where
//!         P: rusqlite::Params,
//!         F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
//! }
//! ```

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Arc;

use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::dispatch::{CallSite, Limit, Target, call};
use crate::executor::{Executor, Job};
use crate::proof::{SendCell, SyncCell};
use crate::sensitive::{self, ThreadSensitive};
use crate::serial::{Serial, SyncTurn};

/// Shared access to the object of a handle, from sync code: what `handle.blocking_read()`
/// returns. It derefs to the object; calls that need the object wait until it is dropped.
pub struct ReadGuard<'a, T> {
    inner: ReadInner<'a, T>,
}

enum ReadInner<'a, T> {
    Exclusive(ExclusiveGuard<'a, T>),
    Shared(RwLockReadGuard<'a, SyncCell<T>>),
    Adopted(std::sync::RwLockReadGuard<'a, T>),
}

/// Exclusive access to the object of a handle, from sync code: what `handle.blocking_write()`
/// returns. It derefs mutably to the object; every call waits until it is dropped.
pub struct WriteGuard<'a, T> {
    inner: WriteInner<'a, T>,
}

enum WriteInner<'a, T> {
    Exclusive(ExclusiveGuard<'a, T>),
    Shared(RwLockWriteGuard<'a, SyncCell<T>>),
    Adopted(std::sync::RwLockWriteGuard<'a, T>),
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        match &self.inner {
            ReadInner::Exclusive(guard) => guard,
            ReadInner::Shared(guard) => guard,
            ReadInner::Adopted(guard) => guard,
        }
    }
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        match &self.inner {
            WriteInner::Exclusive(guard) => guard,
            WriteInner::Shared(guard) => guard,
            WriteInner::Adopted(guard) => guard,
        }
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        match &mut self.inner {
            WriteInner::Exclusive(guard) => guard,
            WriteInner::Shared(guard) => guard,
            WriteInner::Adopted(guard) => guard,
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for ReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Debug> fmt::Debug for WriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// How a generated method reaches the object: [`Read`] for a `&self` method, [`Write`] for a
/// `&mut self` one.
#[doc(hidden)]
pub trait Access<T, R>: Send + 'static {
    /// Whether the call needs `&mut T`.
    const MUT: bool;

    /// Runs the call with shared access; only called when `MUT` is false.
    fn with_ref(self, object: &T) -> R;

    /// Runs the call with exclusive access.
    fn with_mut(self, object: &mut T) -> R;
}

/// A call of a `&self` method.
#[doc(hidden)]
pub struct Read<F>(pub F);

/// A call of a `&mut self` method.
#[doc(hidden)]
pub struct Write<F>(pub F);

impl<F> fmt::Debug for Read<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Read").finish_non_exhaustive()
    }
}

impl<F> fmt::Debug for Write<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Write").finish_non_exhaustive()
    }
}

impl<T, R, F: FnOnce(&T) -> R + Send + 'static> Access<T, R> for Read<F> {
    const MUT: bool = false;

    fn with_ref(self, object: &T) -> R {
        (self.0)(object)
    }

    fn with_mut(self, object: &mut T) -> R {
        (self.0)(object)
    }
}

impl<T, R, F: FnOnce(&mut T) -> R + Send + 'static> Access<T, R> for Write<F> {
    const MUT: bool = true;

    fn with_ref(self, _: &T) -> R {
        unreachable!("bridge: a `&mut self` call was given shared access")
    }

    fn with_mut(self, object: &mut T) -> R {
        (self.0)(object)
    }
}

/// Runs an associated fn of a handle (one without `self`) within the handle's limit.
#[doc(hidden)]
pub async fn run<E, F, R>(
    site: &'static CallSite,
    limit: Option<&'static Limit>,
    executor: Option<&E>,
    f: F,
) -> R
where
    E: Executor + ?Sized,
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let target = Target::or_default(executor);
    call(site, target, Limit::acquire(limit), None, |_slot| f()).await
}

/// [`run`] for a `thread_sensitive` handle: an associated fn has no object, so it runs as a
/// `#[sync_to_async(thread_sensitive)]` twin does, on the thread-sensitive thread of the
/// caller's chain (the current [`thread_sensitive_scope`](crate::thread_sensitive_scope)'s
/// thread, or the global one).
#[doc(hidden)]
pub async fn run_sensitive<F, R>(site: &'static CallSite, limit: Option<&'static Limit>, f: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let target = Target::<ThreadSensitive>::Sensitive;
    call(site, target, Limit::acquire(limit), None, |_slot| f()).await
}

thread_local! {
    /// The lock (by address) of the handle whose call this thread is running, if any: a call
    /// to the same handle from inside it would wait for itself.
    static INSIDE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Marks this thread as running a call on the object at `address` until it is dropped.
struct Inside(usize);

impl Inside {
    fn enter(address: usize) -> Self {
        Inside(INSIDE.with(|inside| inside.replace(address)))
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        INSIDE.with(|inside| inside.set(self.0));
    }
}

/// Panics if this thread is running a call on the object at `address`: waiting for its lock
/// here would wait forever.
fn refuse_nested(address: usize, what: &dyn fmt::Display) {
    if INSIDE.with(std::cell::Cell::get) == address {
        panic!(
            "bridge: {what} was called from inside a call on the same object, which holds it \
             (or while this thread holds it through `blocking_read`/`blocking_write`): this \
             would wait forever. Inside a method, or with a guard, call the object's sync \
             methods directly"
        );
    }
}

/// Panics on an async runtime worker thread, where a blocking accessor would stall every task.
fn refuse_on_worker(handle: &str, accessor: &str) {
    if tokio::runtime::worker_index().is_some() {
        refused(handle, accessor);
    }
}

/// Takes a lock the blocking way for `handle.accessor()`, with bridge's message where tokio
/// refuses to block (the body of a multi-thread `#[tokio::main]`).
fn blocking<T>(handle: &str, accessor: &str, lock: impl FnOnce() -> T) -> T {
    refuse_on_worker(handle, accessor);
    crate::block_on::unless_refused(lock, || refused(handle, accessor))
}

fn refused(handle: &str, accessor: &str) -> ! {
    panic!(
        "bridge: `{handle}::{accessor}` was called on an async runtime worker thread, where \
         blocking would stall every task on that thread; `.await` the handle's async methods \
         instead"
    )
}

/// The state of a handle without `thread_sensitive` or `concurrent_reads`: the object, and the
/// queue of calls waiting for it, which run one at a time, back to back, on the thread of the
/// call that has the object's turn (see `serial.rs`). The object was proven `Send` when the
/// handle was made ([`send_object`](crate::__private::send_object)).
#[doc(hidden)]
pub struct Exclusive<T> {
    shared: Arc<ExclusiveShared<T>>,
}

struct ExclusiveShared<T> {
    /// Taken by each call as it runs (never contended by another call: the queue runs them one
    /// at a time), by sync callers' guards and, for an adopted object, by legacy code.
    object: Object<T>,
    serial: Arc<Serial>,
}

/// Where a default handle's object lives: in the handle, or in the legacy `Arc<Mutex<T>>` or
/// `Arc<RwLock<T>>` it adopted, which legacy code goes on locking as before. An adopted object
/// was proven `Send` (so its `Arc` `Send + Sync`) when it was adopted.
enum Object<T> {
    Own(std::sync::Mutex<SendCell<T>>),
    Mutex(SyncCell<Arc<std::sync::Mutex<T>>>),
    RwLock(SyncCell<Arc<std::sync::RwLock<T>>>),
}

/// Exclusive access to a default handle's object, wherever it lives.
enum ObjectGuard<'a, T> {
    Own(std::sync::MutexGuard<'a, SendCell<T>>),
    Mutex(std::sync::MutexGuard<'a, T>),
    RwLock(std::sync::RwLockWriteGuard<'a, T>),
}

impl<T> ExclusiveShared<T> {
    fn lock(&self) -> ObjectGuard<'_, T> {
        // A call that panicked left the object as a direct call would have: usable. (An adopted
        // lock that a call poisoned is poisoned for legacy code too, as its own panic would.)
        use std::sync::PoisonError;
        match &self.object {
            Object::Own(object) => {
                ObjectGuard::Own(object.lock().unwrap_or_else(PoisonError::into_inner))
            }
            Object::Mutex(object) => {
                ObjectGuard::Mutex(object.lock().unwrap_or_else(PoisonError::into_inner))
            }
            Object::RwLock(object) => {
                ObjectGuard::RwLock(object.write().unwrap_or_else(PoisonError::into_inner))
            }
        }
    }
}

impl<T> Deref for ObjectGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        match self {
            ObjectGuard::Own(guard) => guard,
            ObjectGuard::Mutex(guard) => guard,
            ObjectGuard::RwLock(guard) => guard,
        }
    }
}

impl<T> DerefMut for ObjectGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        match self {
            ObjectGuard::Own(guard) => guard,
            ObjectGuard::Mutex(guard) => guard,
            ObjectGuard::RwLock(guard) => guard,
        }
    }
}

impl<T> Exclusive<T> {
    /// Takes ownership of `object`.
    pub fn new(object: SendCell<T>) -> Self {
        Exclusive::with(Object::Own(std::sync::Mutex::new(object)))
    }

    /// Adopts a legacy `Arc<Mutex<T>>`: calls lock it, one at a time, and legacy code that
    /// locks it directly goes on doing so.
    pub fn adopt_mutex(shared: SyncCell<Arc<std::sync::Mutex<T>>>) -> Self {
        Exclusive::with(Object::Mutex(shared))
    }

    /// Adopts a legacy `Arc<RwLock<T>>`: calls take its write lock, one at a time.
    pub fn adopt_rw_lock(shared: SyncCell<Arc<std::sync::RwLock<T>>>) -> Self {
        Exclusive::with(Object::RwLock(shared))
    }

    fn with(object: Object<T>) -> Self {
        Exclusive {
            shared: Arc::new(ExclusiveShared {
                object,
                serial: Arc::default(),
            }),
        }
    }

    fn address(&self) -> usize {
        Arc::as_ptr(&self.shared) as *const () as usize
    }

    /// Waits for the object as a sync caller: ahead of the calls queued for it, which wait
    /// until the guard is dropped.
    fn sync_lock(&self, handle: &'static str, accessor: &str) -> ExclusiveGuard<'_, T> {
        refuse_nested(self.address(), &format_args!("`{handle}::{accessor}`"));
        blocking(handle, accessor, || {
            crate::block_on::refuse_if_driving();
            let turn = self.shared.serial.sync_turn();
            ExclusiveGuard {
                object: self.shared.lock(),
                _turn: turn,
                _inside: Inside::enter(self.address()),
            }
        })
    }

    /// `handle.blocking_read()`.
    pub fn blocking_read(&self, handle: &'static str) -> ReadGuard<'_, T> {
        ReadGuard {
            inner: ReadInner::Exclusive(self.sync_lock(handle, "blocking_read")),
        }
    }

    /// `handle.blocking_write()`.
    pub fn blocking_write(&self, handle: &'static str) -> WriteGuard<'_, T> {
        WriteGuard {
            inner: WriteInner::Exclusive(self.sync_lock(handle, "blocking_write")),
        }
    }
}

/// A sync caller's hold on a default handle's object.
struct ExclusiveGuard<'a, T> {
    object: ObjectGuard<'a, T>,
    /// Dropped after `object`: the calls waiting for the object go on once it is released.
    _turn: SyncTurn<'a>,
    /// A call of this object made on this thread while the guard lives would wait for the
    /// guard forever: it is refused instead, as one made inside a call is.
    _inside: Inside,
}

impl<T> Deref for ExclusiveGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.object
    }
}

impl<T> DerefMut for ExclusiveGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.object
    }
}

impl<T: 'static> Exclusive<T> {
    /// A call of a method: queues for the object, and runs on `executor` or the default one.
    pub async fn call<E, R, A>(
        &self,
        site: &'static CallSite,
        limit: Option<&'static Limit>,
        executor: Option<&E>,
        access: A,
    ) -> R
    where
        E: Executor + ?Sized,
        R: Send + 'static,
        A: Access<T, R>,
    {
        let address = self.address();
        refuse_nested(address, &format_args!("`{}`", site.name()));
        let shared = Arc::clone(&self.shared);
        let target = Target::or_default(executor);
        let serial = Some(&self.shared.serial);
        call(site, target, Limit::acquire(limit), serial, move |_slot| {
            let _inside = Inside::enter(address);
            access.with_mut(&mut shared.lock())
        })
        .await
    }
}

impl<T> Clone for Exclusive<T> {
    fn clone(&self) -> Self {
        Exclusive {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> fmt::Debug for Exclusive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exclusive")
            .field("handles", &Arc::strong_count(&self.shared))
            .field("calls", &self.shared.serial)
            .finish_non_exhaustive()
    }
}

/// The state of a `concurrent_reads` handle: the object behind an async read-write lock, so
/// `&self` calls run together and `&mut self` calls alone. The object was proven `Send` and
/// `Sync` when the handle was made ([`sync_object`](crate::__private::sync_object)).
#[doc(hidden)]
pub struct ReadWrite<T> {
    lock: Lock<T>,
}

/// Where a `concurrent_reads` handle's object lives: behind the handle's async lock, or in the
/// legacy `Arc<RwLock<T>>` it adopted (proven `Send` and `Sync` when it was adopted), which
/// legacy code goes on locking as before and calls lock on their thread.
enum Lock<T> {
    Own(Arc<RwLock<SyncCell<T>>>),
    Adopted(Arc<SyncCell<Arc<std::sync::RwLock<T>>>>),
}

impl<T> ReadWrite<T> {
    /// Takes ownership of `object`.
    pub fn new(object: SyncCell<T>) -> Self {
        ReadWrite {
            lock: Lock::Own(Arc::new(RwLock::new(object))),
        }
    }

    /// Adopts a legacy `Arc<RwLock<T>>`: `&self` calls take its read lock, `&mut self` calls
    /// its write lock, on their thread; legacy code that locks it directly goes on doing so.
    pub fn adopt_rw_lock(shared: SyncCell<Arc<std::sync::RwLock<T>>>) -> Self {
        ReadWrite {
            lock: Lock::Adopted(Arc::new(shared)),
        }
    }

    fn address(&self) -> usize {
        match &self.lock {
            Lock::Own(lock) => Arc::as_ptr(lock) as *const () as usize,
            Lock::Adopted(shared) => Arc::as_ptr(shared) as *const () as usize,
        }
    }

    /// `handle.blocking_read()`.
    pub fn blocking_read(&self, handle: &'static str) -> ReadGuard<'_, T> {
        refuse_nested(self.address(), &format_args!("`{handle}::blocking_read`"));
        let inner = match &self.lock {
            Lock::Own(lock) => {
                ReadInner::Shared(blocking(handle, "blocking_read", || lock.blocking_read()))
            }
            Lock::Adopted(shared) => ReadInner::Adopted(blocking(handle, "blocking_read", || {
                crate::block_on::refuse_if_driving();
                shared
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            })),
        };
        ReadGuard { inner }
    }

    /// `handle.blocking_write()`.
    pub fn blocking_write(&self, handle: &'static str) -> WriteGuard<'_, T> {
        refuse_nested(self.address(), &format_args!("`{handle}::blocking_write`"));
        let inner = match &self.lock {
            Lock::Own(lock) => {
                WriteInner::Shared(blocking(handle, "blocking_write", || lock.blocking_write()))
            }
            Lock::Adopted(shared) => {
                WriteInner::Adopted(blocking(handle, "blocking_write", || {
                    crate::block_on::refuse_if_driving();
                    shared
                        .write()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                }))
            }
        };
        WriteGuard { inner }
    }
}

impl<T: 'static> ReadWrite<T> {
    /// A call of a method: waits for a read lock (`&self`) or the write lock (`&mut self`),
    /// then runs on `executor` or the default one. An adopted lock is taken on that thread.
    pub async fn call<E, R, A>(
        &self,
        site: &'static CallSite,
        limit: Option<&'static Limit>,
        executor: Option<&E>,
        access: A,
    ) -> R
    where
        E: Executor + ?Sized,
        R: Send + 'static,
        A: Access<T, R>,
    {
        let address = self.address();
        refuse_nested(address, &format_args!("`{}`", site.name()));
        let target = Target::or_default(executor);
        let lock = match &self.lock {
            Lock::Own(lock) => Arc::clone(lock),
            Lock::Adopted(shared) => {
                let shared = Arc::clone(shared);
                return call(site, target, Limit::acquire(limit), None, move |_slot| {
                    let _inside = Inside::enter(address);
                    use std::sync::PoisonError;
                    if A::MUT {
                        access.with_mut(&mut shared.write().unwrap_or_else(PoisonError::into_inner))
                    } else {
                        access.with_ref(&shared.read().unwrap_or_else(PoisonError::into_inner))
                    }
                })
                .await;
            }
        };
        if A::MUT {
            let wait = async move { (Limit::acquire(limit).await, lock.write_owned().await) };
            call(site, target, wait, None, move |(_slot, mut object)| {
                let _inside = Inside::enter(address);
                access.with_mut(&mut object)
            })
            .await
        } else {
            let wait = async move { (Limit::acquire(limit).await, lock.read_owned().await) };
            call(site, target, wait, None, move |(_slot, object)| {
                let _inside = Inside::enter(address);
                access.with_ref(&object)
            })
            .await
        }
    }
}

impl<T> Clone for ReadWrite<T> {
    fn clone(&self) -> Self {
        let lock = match &self.lock {
            Lock::Own(lock) => Lock::Own(Arc::clone(lock)),
            Lock::Adopted(shared) => Lock::Adopted(Arc::clone(shared)),
        };
        ReadWrite { lock }
    }
}

impl<T> fmt::Debug for ReadWrite<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let handles = match &self.lock {
            Lock::Own(lock) => Arc::strong_count(lock),
            Lock::Adopted(shared) => Arc::strong_count(shared),
        };
        f.debug_struct("ReadWrite")
            .field("handles", &handles)
            .finish_non_exhaustive()
    }
}

thread_local! {
    /// The object of the `thread_sensitive` handle this thread was started for.
    static OBJECT: RefCell<Option<Rc<dyn Any>>> = const { RefCell::new(None) };
}

/// Proof that a constructor's object was installed on its thread: what a thread-sensitive
/// constructor sends back instead of the object, which stays where it is.
#[doc(hidden)]
#[derive(Debug)]
pub struct Installed(());

/// Makes `object` the object of the thread-sensitive handle whose thread this is.
#[doc(hidden)]
pub fn install<T: 'static>(object: T) -> Installed {
    OBJECT.with(|slot| {
        let mut slot = slot.borrow_mut();
        assert!(
            slot.is_none(),
            "bridge: this thread already holds the object of a handle"
        );
        *slot = Some(Rc::new(RefCell::new(object)));
    });
    Installed(())
}

/// The object installed on this thread.
fn object<T: 'static>(what: &dyn fmt::Display) -> Rc<RefCell<T>> {
    OBJECT
        .with(|slot| slot.borrow().clone())
        .and_then(|object| object.downcast::<RefCell<T>>().ok())
        .unwrap_or_else(|| {
            panic!(
                "bridge: {what} found no object on its thread: its constructor did not finish \
                 (it panicked, or returned an error)"
            )
        })
}

/// Runs `access` on this thread's object, borrowing it as a direct call would.
fn access_object<T: 'static, R, A: Access<T, R>>(what: &dyn fmt::Display, access: A) -> R {
    let object = object::<T>(what);
    let nested = || -> ! {
        panic!(
            "bridge: {what} was called on the object's thread while another call on it, which \
             borrows it mutably (or is borrowed by this `&mut self` call), is running there (a \
             nested call through `block_on`); sync code could not borrow it here either"
        )
    };
    if A::MUT {
        let Ok(mut object) = object.try_borrow_mut() else {
            nested()
        };
        access.with_mut(&mut object)
    } else {
        let Ok(object) = object.try_borrow() else {
            nested()
        };
        access.with_ref(&object)
    }
}

/// The state of a `thread_sensitive` handle: the dedicated thread the object lives on.
///
/// It is `Send + Sync` whatever `T` is: it holds no `T`, only the thread, and the object is
/// reached only there.
#[doc(hidden)]
pub struct Dedicated<T: 'static> {
    thread: Arc<Thread<T>>,
}

struct Thread<T: 'static> {
    handle: &'static str,
    executor: ThreadSensitive,
    object: PhantomData<fn() -> T>,
}

impl<T: 'static> Dedicated<T> {
    /// Starts the thread, named after the handle, with no object yet: a constructor installs it.
    pub fn start(handle: &'static str) -> Self {
        Dedicated {
            thread: Arc::new(Thread {
                handle,
                executor: ThreadSensitive::new(handle),
                object: PhantomData,
            }),
        }
    }

    /// Starts the thread and moves `object` onto it.
    pub fn from_object(handle: &'static str, object: SendCell<T>) -> Self {
        let state = Dedicated::start(handle);
        state.thread.executor.execute(Job::new(move || {
            install(object.into_inner());
        }));
        state
    }

    /// A call of a constructor on the handle's new thread: `f` builds the object and installs it.
    pub async fn construct<F, R>(
        &self,
        site: &'static CallSite,
        limit: Option<&'static Limit>,
        f: F,
    ) -> R
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let target = Target::On(&self.thread.executor);
        call(site, target, Limit::acquire(limit), None, |_slot| f()).await
    }

    /// A call of a method, on the object's thread.
    pub async fn call<R, A>(
        &self,
        site: &'static CallSite,
        limit: Option<&'static Limit>,
        access: A,
    ) -> R
    where
        R: Send + 'static,
        A: Access<T, R>,
    {
        let target = Target::On(&self.thread.executor);
        call(site, target, Limit::acquire(limit), None, move |_slot| {
            access_object::<T, R, A>(&format_args!("`{}`", site.name()), access)
        })
        .await
    }

    /// `handle.blocking_with(f)`: runs `f` on the object's thread and waits for its result,
    /// as a call of the handle's method `site` (the same path, metrics and limit).
    pub fn blocking_with<F, R>(
        &self,
        site: &'static CallSite,
        limit: Option<&'static Limit>,
        f: F,
    ) -> R
    where
        F: FnOnce(&mut T) -> R + Send + 'static,
        R: Send + 'static,
    {
        let handle = self.thread.handle;
        let own =
            sensitive::home().is_some_and(|home| Arc::ptr_eq(&home, self.thread.executor.shared()));
        if own {
            // Called from inside a call on this object: it is on this very thread.
            return access_object(&format_args!("`{handle}::blocking_with`"), Write(f));
        }
        crate::block_on::run(self.call(site, limit, Write(f)), || {
            refused(handle, "blocking_with")
        })
    }
}

impl<T: 'static> Drop for Thread<T> {
    fn drop(&mut self) {
        // Queued behind every call already made: the object is dropped on its own thread once
        // they have run, and the thread ends when `executor` is dropped right after this.
        self.executor.execute(Job::new(|| {
            let object = OBJECT.with(|slot| slot.borrow_mut().take());
            // A panic in the object's `Drop` is reported by the panic hook; the thread still
            // ends normally.
            let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(object)));
        }));
    }
}

impl<T: 'static> Clone for Dedicated<T> {
    fn clone(&self) -> Self {
        Dedicated {
            thread: Arc::clone(&self.thread),
        }
    }
}

impl<T: 'static> fmt::Debug for Dedicated<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dedicated")
            .field("thread", &self.thread.executor)
            .field("handles", &Arc::strong_count(&self.thread))
            .finish()
    }
}
