//! The `#[sync_only]` guard: a sync fn that must not be called on an async runtime worker
//! thread (Django's `async_unsafe`).

use std::cell::Cell;
use std::sync::atomic::{AtomicU8, Ordering};

/// The environment variable that turns the guard's panic into a warning (a `tracing` event, which
/// reaches `log` loggers too with the `log` feature).
pub(crate) const ALLOW_VAR: &str = "BRIDGE_ALLOW_ASYNC_UNSAFE";

/// `BRIDGE_ALLOW_ASYNC_UNSAFE`, read once: 0 not read yet, 1 unset (panic), 2 set (warn).
static ALLOW: AtomicU8 = AtomicU8::new(0);

/// What the generated code of a `#[sync_only]` fn calls first.
///
/// The check is one thread-local read (is this thread a tokio runtime worker?) and a branch:
/// the fast path neither allocates nor touches shared memory. A panic is reported at the
/// guarded fn (`#[track_caller]`), not here. Runtime worker threads of both
/// flavours fail it; plain threads, bridge's executor threads, tokio's blocking pool (raw
/// `spawn_blocking` included) and `block_in_place` pass.
#[doc(hidden)]
#[inline]
#[track_caller]
pub fn sync_only(name: &'static str, twin: &'static str) {
    if tokio::runtime::worker_index().is_some() {
        violated(name, Some(twin));
    }
}

/// [`sync_only`] for a method, whose async counterpart is a method of its handle.
#[doc(hidden)]
#[inline]
#[track_caller]
pub fn sync_only_method(name: &'static str) {
    if tokio::runtime::worker_index().is_some() {
        violated(name, None);
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn violated(name: &'static str, twin: Option<&'static str>) {
    let message = message(name, twin);
    if allowed() {
        tracing::warn!(target: "bridge::sync_only", function = name, "{message}");
    } else {
        panic!("{message}; set {ALLOW_VAR}=1 to turn this panic into a warning");
    }
}

/// The panic message: it names the fn and what to call instead.
fn message(name: &str, twin: Option<&str>) -> String {
    let short = name.rsplit("::").next().unwrap_or(name);
    let instead = match twin {
        Some(twin) => format!(
            "`.await` its async twin `{twin}` instead (from `#[sync_to_async]`), or run it on a \
             blocking thread with `bridge_runtime::to_thread(move || {short}(..)).await`"
        ),
        None => format!(
            "`.await` the method of its async handle instead (from \
             `#[sync_to_async(handle = ..)]`), or run it on a blocking thread with \
             `bridge_runtime::to_thread(move || value.{short}(..)).await`"
        ),
    };
    format!(
        "bridge: `{name}` is `#[sync_only]` and was called on an async runtime worker thread, \
         where it would block every task on that thread; {instead}"
    )
}

thread_local! {
    /// Set on this thread while [`allow_async_unsafe`] runs.
    static ALLOWED_HERE: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with the `#[sync_only]` guards on this thread turned into warnings, as
/// `BRIDGE_ALLOW_ASYNC_UNSAFE=1` does for a whole process.
///
/// A warning is a `tracing` event at level `WARN`, target `bridge::sync_only`, that names the fn
/// and its twin. With the default `log` feature, an app that has no `tracing` subscriber gets it
/// as a `log` record (same level and target) instead.
///
/// It is for measuring the anti-pattern on purpose, in a demo or a test, while the rest of the
/// process stays guarded. Code that calls guarded fns on a runtime thread in production needs
/// fixing, not this.
///
/// ```
/// #[bridge_runtime::sync_only]
/// fn legacy_lookup() -> u32 {
///     7
/// }
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// // The anti-pattern, measured on purpose: without `allow_async_unsafe` this panics.
/// let n = bridge_runtime::allow_async_unsafe(|| runtime.block_on(async { legacy_lookup() }));
/// assert_eq!(n, 7);
/// ```
pub fn allow_async_unsafe<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            ALLOWED_HERE.with(|allowed| allowed.set(self.0));
        }
    }
    let _restore = Restore(ALLOWED_HERE.with(|allowed| allowed.replace(true)));
    f()
}

/// Whether the guard only warns: inside [`allow_async_unsafe`] on this thread, or when
/// `BRIDGE_ALLOW_ASYNC_UNSAFE` is set (to anything but empty, `0` or `false`; read once).
fn allowed() -> bool {
    if ALLOWED_HERE.with(Cell::get) {
        return true;
    }
    match ALLOW.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let allow = std::env::var_os(ALLOW_VAR).is_some_and(|value| {
                !value.is_empty() && value != "0" && !value.eq_ignore_ascii_case("false")
            });
            ALLOW.store(if allow { 2 } else { 1 }, Ordering::Relaxed);
            allow
        }
    }
}

#[cfg(test)]
mod tests {
    use super::message;

    #[test]
    fn the_message_names_the_fn_its_twin_and_to_thread() {
        let message = message("app::store::fetch_user", Some("fetch_user_async"));
        assert!(message.contains("`app::store::fetch_user` is `#[sync_only]`"));
        assert!(message.contains("`fetch_user_async`"));
        assert!(message.contains("bridge_runtime::to_thread(move || fetch_user(..))"));
    }
}
