//! A `thread_sensitive` handle: a `!Send` object is built on, lives on and is dropped on one
//! dedicated thread, and every call is a message to that thread.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::mpsc;
use std::thread::ThreadId;
use std::time::Duration;

use bridge_runtime::sync_to_async;
use bridge_tests::{DEADLINE, deadline, panic_message, within};

/// Sends a message when the thread it was registered on ends.
struct ThreadEnd(mpsc::Sender<&'static str>);

impl Drop for ThreadEnd {
    fn drop(&mut self) {
        let _ = self.0.send("thread ended");
    }
}

thread_local! {
    static THREAD_END: RefCell<Option<ThreadEnd>> = const { RefCell::new(None) };
}

/// Thread-bound legacy state: `Rc` and `RefCell` make it neither `Send` nor `Sync`.
pub struct Session {
    lines: Rc<RefCell<Vec<String>>>,
    threads: Rc<RefCell<Vec<ThreadId>>>,
    /// The thread it was built on.
    home: ThreadId,
    events: Option<mpsc::Sender<&'static str>>,
    /// Reads of `lines` running now, to show nested `&self` calls.
    reading: Cell<usize>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("lines", &self.lines)
            .finish_non_exhaustive()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(events) = &self.events {
            let on_home = std::thread::current().id() == self.home;
            let _ = events.send(if on_home {
                "dropped on its thread"
            } else {
                "dropped elsewhere"
            });
            let _ = events.send(if self.lines.borrow().len() == 20 {
                "all 20 calls ran"
            } else {
                "calls lost"
            });
        }
    }
}

#[derive(Debug, PartialEq)]
pub struct Refused(pub String);

/// A gate a call waits at until the test opens it; the test can wait for the call to arrive.
#[derive(Clone, Debug, Default)]
pub struct Gate(std::sync::Arc<(std::sync::Mutex<(bool, bool)>, std::sync::Condvar)>);

impl Gate {
    fn arrive_and_wait(&self) {
        let (state, changed) = &*self.0;
        state.lock().unwrap().0 = true;
        changed.notify_all();
        let state = state.lock().unwrap();
        let (_state, timeout) = changed
            .wait_timeout_while(state, DEADLINE, |(_, open)| !*open)
            .unwrap();
        assert!(!timeout.timed_out(), "the gate never opened");
    }

    fn wait_arrived(&self) {
        let (state, changed) = &*self.0;
        let state = state.lock().unwrap();
        let (_state, timeout) = changed
            .wait_timeout_while(state, DEADLINE, |(arrived, _)| !*arrived)
            .unwrap();
        assert!(!timeout.timed_out(), "the call never arrived");
    }

    fn open(&self) {
        let (state, changed) = &*self.0;
        state.lock().unwrap().1 = true;
        changed.notify_all();
    }
}

#[sync_to_async(handle = AsyncSession, thread_sensitive)]
impl Session {
    /// A session that reports its drop and the end of its thread on `events`.
    pub fn new(events: Option<mpsc::Sender<&'static str>>) -> Self {
        if let Some(events) = &events {
            let end = ThreadEnd(events.clone());
            THREAD_END.with(|slot| *slot.borrow_mut() = Some(end));
        }
        let home = std::thread::current().id();
        Session {
            lines: Rc::default(),
            threads: Rc::new(RefCell::new(vec![home])),
            home,
            events,
            reading: Cell::new(0),
        }
    }

    /// A constructor that can fail.
    pub fn open(name: &str) -> Result<Self, Refused> {
        if name.is_empty() {
            return Err(Refused("no name".into()));
        }
        Ok(Session::new(None))
    }

    pub fn record(&mut self, line: &str) -> usize {
        self.threads.borrow_mut().push(std::thread::current().id());
        self.lines.borrow_mut().push(line.to_owned());
        self.lines.borrow().len()
    }

    /// Records `line` once `gate` opens, holding the thread until then.
    pub fn gated_record(&mut self, line: String, gate: Gate) -> usize {
        gate.arrive_and_wait();
        self.record(&line)
    }

    pub fn lines(&self) -> Vec<String> {
        self.threads.borrow_mut().push(std::thread::current().id());
        self.lines.borrow().clone()
    }

    /// Every thread a call of this session ran on.
    pub fn threads(&self) -> Vec<ThreadId> {
        self.threads.borrow().clone()
    }

    /// An associated fn: no object, so it runs where a thread-sensitive twin would.
    pub fn where_associated() -> String {
        std::thread::current()
            .name()
            .unwrap_or("<unnamed>")
            .to_owned()
    }

    pub fn thread_name(&self) -> String {
        std::thread::current()
            .name()
            .unwrap_or("<unnamed>")
            .to_owned()
    }

    pub fn fail(&self, message: String) -> usize {
        panic!("{message}")
    }

    /// Reads the lines, and while it does, reads them again through the handle (as legacy sync
    /// code that calls migrated async code might): a nested `&self` call on the same thread.
    pub fn nested_read(&self, handle: AsyncSession) -> (usize, usize) {
        self.reading.set(self.reading.get() + 1);
        let inner = bridge_runtime::block_on(handle.lines()).len();
        let reading = self.reading.get();
        self.reading.set(reading - 1);
        (inner, reading)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_runs_on_the_objects_own_thread() {
    let session = deadline(AsyncSession::new(None)).await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let session = session.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    session.record(&format!("line {i}")).await;
                } else {
                    session.lines().await;
                }
            })
        })
        .collect();
    for task in tasks {
        deadline(task).await.unwrap();
    }
    let threads = deadline(session.threads()).await;
    assert_eq!(threads.len(), 21, "the constructor and 20 calls");
    assert!(threads.iter().all(|thread| *thread == threads[0]));
    assert_ne!(threads[0], std::thread::current().id());
    assert_eq!(deadline(session.lines()).await.len(), 10);
    assert_eq!(deadline(session.thread_name()).await, "AsyncSession");

    // Sync code runs on the same thread too.
    let sync_side = session.clone();
    let (thread, lines) = deadline(tokio::task::spawn_blocking(move || {
        sync_side.blocking_with(|session| (std::thread::current().id(), session.lines().len()))
    }))
    .await
    .unwrap();
    assert_eq!(thread, threads[0]);
    assert_eq!(lines, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_handle_has_its_own_thread() {
    let (a, b) = (
        deadline(AsyncSession::new(None)).await,
        deadline(AsyncSession::new(None)).await,
    );
    assert_ne!(
        deadline(a.threads()).await[0],
        deadline(b.threads()).await[0]
    );
}

#[test]
fn dropping_the_last_handle_runs_queued_calls_then_ends_the_thread() {
    let (events, received) = mpsc::channel();
    within(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let session = AsyncSession::new(Some(events)).await;
            // The first call holds the thread at a gate; the next 19 queue behind it. Each of
            // their callers gives up waiting after 1 ms, which does not cancel a call already
            // handed over.
            let gate = Gate::default();
            let first = session.clone();
            let first = tokio::spawn({
                let gate = gate.clone();
                async move { first.gated_record("0".into(), gate).await }
            });
            let arrived = gate.clone();
            tokio::task::spawn_blocking(move || arrived.wait_arrived())
                .await
                .unwrap();
            for i in 1..20 {
                let line = i.to_string();
                let call = session.record(&line);
                let _ = tokio::time::timeout(Duration::from_millis(1), call).await;
            }
            let clone = session.clone();
            drop(session);
            gate.open();
            // One clone left: nothing ends yet.
            assert_eq!(first.await.unwrap(), 1);
            drop(clone);
        });
    });
    let next = || {
        received
            .recv_timeout(DEADLINE)
            .expect("an event before the deadline")
    };
    assert_eq!(next(), "dropped on its thread");
    assert_eq!(next(), "all 20 calls ran");
    assert_eq!(next(), "thread ended");
}

#[tokio::test]
async fn a_failed_constructor_returns_its_error_and_a_good_one_a_handle() {
    assert_eq!(
        deadline(AsyncSession::open("")).await.unwrap_err(),
        Refused("no name".into())
    );
    let session = deadline(AsyncSession::open("ok")).await.unwrap();
    assert_eq!(deadline(session.record("x")).await, 1);
}

#[tokio::test]
async fn a_panic_reaches_the_caller_and_the_object_lives_on() {
    let session = deadline(AsyncSession::new(None)).await;
    let session2 = session.clone();
    let panic = deadline(tokio::spawn(
        async move { session2.fail("boom".into()).await },
    ))
    .await
    .unwrap_err()
    .into_panic();
    assert_eq!(panic_message(&*panic), Some("boom"));
    assert_eq!(deadline(session.record("after")).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nested_shared_call_runs_on_the_same_thread() {
    let session = deadline(AsyncSession::new(None)).await;
    deadline(session.record("a")).await;
    let (inner, reading) = deadline(session.nested_read(session.clone())).await;
    assert_eq!((inner, reading), (1, 1));
    let threads = deadline(session.threads()).await;
    assert!(threads.iter().all(|thread| *thread == threads[0]));
}

#[tokio::test]
#[should_panic(
    expected = "`AsyncSession::blocking_with` was called on an async runtime worker thread"
)]
async fn sync_access_on_a_runtime_thread_panics() {
    let session = AsyncSession::new(None).await;
    session.blocking_with(|session| session.lines().len());
}

/// A thread-sensitive handle's associated fns have no object, so they run as a
/// `#[sync_to_async(thread_sensitive)]` twin does: on the current scope's thread, or on the
/// global thread outside a scope. Never on an object's thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn associated_fns_run_where_thread_sensitive_twins_run() {
    assert_eq!(
        deadline(AsyncSession::where_associated()).await,
        "bridge-sensitive"
    );
    let (scope_thread, associated) = deadline(bridge_runtime::thread_sensitive_scope(async {
        let session = AsyncSession::new(None).await;
        assert_eq!(session.thread_name().await, "AsyncSession");
        #[sync_to_async(thread_sensitive)]
        fn scope_thread() -> String {
            std::thread::current()
                .name()
                .unwrap_or("<unnamed>")
                .to_owned()
        }
        (
            scope_thread_async().await,
            AsyncSession::where_associated().await,
        )
    }))
    .await;
    assert!(scope_thread.starts_with("bridge-scope-"), "{scope_thread}");
    assert_eq!(associated, scope_thread);
}
