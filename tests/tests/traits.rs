//! Legacy traits: `#[sync_to_async(trait = AsyncRepository)]` on a trait with two impls (one
//! on rusqlite, one counting its calls), used through `Box<dyn AsyncRepository>`,
//! `Arc<dyn AsyncRepository>` and a generic `async fn`: results, where calls run, that calls on
//! one object run one at a time, panics, a legacy `Box<dyn Repository + Send>`, sync callers of
//! the same object, and the metrics of each method's call site.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

use bridge_runtime::{metrics, sync_to_async};
use bridge_tests::{InFlight, deadline, panic_message};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: u64,
    pub name: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum RepoError {
    Duplicate(u64),
    Storage(String),
}

/// The legacy trait, unchanged: legacy code keeps its impls and its `Box<dyn Repository>`.
#[sync_to_async(trait = AsyncRepository)]
pub trait Repository {
    /// One user by id.
    fn get(&self, id: u64) -> Option<User>;

    fn put(&mut self, user: User) -> Result<(), RepoError>;

    /// A borrowed parameter, copied for the worker thread.
    fn find(&self, name: &str) -> Vec<User>;

    /// A default body: the call goes through the object, which may override it.
    fn count_of(&self, ids: &[u64]) -> usize {
        ids.iter().filter(|id| self.get(**id).is_some()).count()
    }

    /// The most common legacy error type: the async trait returns `Result<_, SentError>`.
    fn export(&self) -> Result<String, Box<dyn std::error::Error>> {
        Err("export is not supported".into())
    }

    /// Generic, so it cannot be in a `dyn`-compatible trait: left out of the async one.
    #[sync_to_async(skip)]
    fn each<F: FnMut(&User)>(&self, f: F)
    where
        Self: Sized;
}

/// An impl on SQLite: a `rusqlite::Connection` is `Send` but not `Sync`.
#[derive(Debug)]
pub struct SqliteRepo {
    db: rusqlite::Connection,
}

impl SqliteRepo {
    pub fn open() -> Self {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            .unwrap();
        SqliteRepo { db }
    }
}

impl Repository for SqliteRepo {
    fn get(&self, id: u64) -> Option<User> {
        self.db
            .query_row(
                "SELECT id, name FROM users WHERE id = ?1",
                [id as i64],
                |row| {
                    Ok(User {
                        id: row.get::<_, i64>(0)? as u64,
                        name: row.get(1)?,
                    })
                },
            )
            .ok()
    }

    fn put(&mut self, user: User) -> Result<(), RepoError> {
        let tx = self
            .db
            .transaction()
            .map_err(|e| RepoError::Storage(e.to_string()))?;
        let inserted = tx
            .execute(
                "INSERT OR IGNORE INTO users (id, name) VALUES (?1, ?2)",
                rusqlite::params![user.id as i64, user.name],
            )
            .map_err(|e| RepoError::Storage(e.to_string()))?;
        tx.commit().map_err(|e| RepoError::Storage(e.to_string()))?;
        match inserted {
            0 => Err(RepoError::Duplicate(user.id)),
            _ => Ok(()),
        }
    }

    fn find(&self, name: &str) -> Vec<User> {
        let mut query = self
            .db
            .prepare("SELECT id FROM users WHERE name = ?1 ORDER BY id")
            .unwrap();
        let ids: Vec<i64> = query
            .query_map([name], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        ids.into_iter()
            .filter_map(|id| self.get(id as u64))
            .collect()
    }

    fn each<F: FnMut(&User)>(&self, mut f: F) {
        for id in 0..100 {
            if let Some(user) = self.get(id) {
                f(&user);
            }
        }
    }
}

/// An impl in memory that records how it is called: the threads its calls run on, how many
/// run at once, and a panic on request.
#[derive(Debug, Default)]
pub struct CountingRepo {
    users: HashMap<u64, User>,
    calls: Arc<AtomicUsize>,
    threads: Arc<Mutex<Vec<ThreadId>>>,
    running: Arc<InFlight>,
    /// How long each call takes, so that concurrent calls would overlap.
    delay: Duration,
    /// A barrier each call waits at, so that calls that must overlap prove they do.
    meet: Option<Arc<Barrier>>,
}

impl CountingRepo {
    /// Records a call, which runs until the returned guard is dropped.
    fn call<'a>(&self, running: &'a InFlight) -> impl Drop + use<'a> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.threads
            .lock()
            .unwrap()
            .push(std::thread::current().id());
        let running = running.enter();
        std::thread::sleep(self.delay);
        if let Some(meet) = &self.meet {
            meet.wait();
        }
        running
    }
}

impl Repository for CountingRepo {
    fn get(&self, id: u64) -> Option<User> {
        let running = Arc::clone(&self.running);
        let _call = self.call(&running);
        if id == u64::MAX {
            panic!("no user can have id {id}");
        }
        self.users.get(&id).cloned()
    }

    fn put(&mut self, user: User) -> Result<(), RepoError> {
        let running = Arc::clone(&self.running);
        let _call = self.call(&running);
        if self.users.contains_key(&user.id) {
            return Err(RepoError::Duplicate(user.id));
        }
        self.users.insert(user.id, user);
        Ok(())
    }

    fn find(&self, name: &str) -> Vec<User> {
        let running = Arc::clone(&self.running);
        let _call = self.call(&running);
        let mut found: Vec<User> = self
            .users
            .values()
            .filter(|user| user.name == name)
            .cloned()
            .collect();
        found.sort_by_key(|user| user.id);
        found
    }

    fn export(&self) -> Result<String, Box<dyn std::error::Error>> {
        Ok(format!("{} users", self.users.len()))
    }

    fn each<F: FnMut(&User)>(&self, f: F) {
        self.users.values().for_each(f);
    }
}

fn user(id: u64, name: &str) -> User {
    User {
        id,
        name: name.to_owned(),
    }
}

/// Generic async code written against the async trait.
async fn count<R: AsyncRepository + ?Sized>(repo: &R, ids: &[u64]) -> usize {
    let mut found = 0;
    for id in ids {
        if repo.get(*id).await.is_some() {
            found += 1;
        }
    }
    found
}

/// A caller that migrates from `&dyn Repository` to `&dyn AsyncRepository`.
async fn register(repo: &dyn AsyncRepository, users: &[User]) -> Result<(), RepoError> {
    for user in users {
        repo.put(user.clone()).await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_impls_work_through_dyn_and_generics() {
    let repos: Vec<Box<dyn AsyncRepository>> = vec![
        Box::new(AsyncRepositoryHandle::new(SqliteRepo::open())),
        Box::new(AsyncRepositoryHandle::from(CountingRepo::default())),
    ];
    for repo in &repos {
        let users = [user(1, "ada"), user(2, "grace"), user(3, "ada")];
        deadline(register(&**repo, &users)).await.unwrap();
        assert_eq!(
            deadline(repo.put(user(2, "again"))).await,
            Err(RepoError::Duplicate(2))
        );
        assert_eq!(deadline(repo.get(2)).await, Some(user(2, "grace")));
        assert_eq!(deadline(repo.get(9)).await, None);
        // A borrowed argument: the caller's `String` may go away once the call is made.
        let name = String::from("ada");
        let find = repo.find(&name);
        drop(name);
        assert_eq!(deadline(find).await, vec![user(1, "ada"), user(3, "ada")]);
        // A default method of the legacy trait, with a slice copied for the thread.
        assert_eq!(deadline(repo.count_of(&[1, 2, 9])).await, 2);
        // Generic code takes the box, or what is in it.
        assert_eq!(deadline(count(repo, &[1, 2, 3, 4])).await, 3);
        assert_eq!(deadline(count(&**repo, &[4])).await, 0);
    }
    // `Box<dyn Error>` crosses as a `SentError` with the same message.
    let error = deadline(repos[0].export()).await.unwrap_err();
    assert_eq!(error.to_string(), "export is not supported");
    assert_eq!(deadline(repos[1].export()).await.unwrap(), "3 users");
}

#[tokio::test(flavor = "current_thread")]
async fn calls_run_on_a_blocking_thread() {
    let repo = CountingRepo::default();
    let threads = Arc::clone(&repo.threads);
    let repo = AsyncRepositoryHandle::new(repo);
    deadline(repo.put(user(1, "ada"))).await.unwrap();
    assert_eq!(deadline(repo.get(1)).await, Some(user(1, "ada")));
    let runtime_thread = std::thread::current().id();
    let threads = threads.lock().unwrap().clone();
    assert_eq!(threads.len(), 2);
    assert!(
        threads.iter().all(|thread| *thread != runtime_thread),
        "a call ran on the runtime thread"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_on_one_object_run_one_at_a_time() {
    let repo = CountingRepo {
        delay: Duration::from_millis(5),
        ..CountingRepo::default()
    };
    let (running, calls) = (Arc::clone(&repo.running), Arc::clone(&repo.calls));
    let repo: Arc<dyn AsyncRepository> = Arc::new(AsyncRepositoryHandle::new(repo));
    let tasks: Vec<_> = (0..16u64)
        .map(|i| {
            let repo = Arc::clone(&repo);
            tokio::spawn(async move {
                match i % 3 {
                    0 => repo.put(user(i, "x")).await.map(|_| 0).unwrap(),
                    1 => repo.get(i).await.map_or(0, |_| 1),
                    _ => repo.find("x").await.len(),
                }
            })
        })
        .collect();
    for task in tasks {
        deadline(task).await.unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 16);
    assert_eq!(running.peak(), 1, "two calls ran on one object at once");

    // Two objects are two queues: a call on each runs at the same time (each waits for the
    // other at a barrier, which two calls run one after the other would never pass).
    let meet = Arc::new(Barrier::new(2));
    let [first, second] = [(); 2].map(|_| {
        AsyncRepositoryHandle::new(CountingRepo {
            meet: Some(Arc::clone(&meet)),
            ..CountingRepo::default()
        })
    });
    let (a, b) = tokio::join!(deadline(first.get(1)), deadline(second.get(1)));
    assert_eq!((a, b), (None, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_reaches_the_caller_and_the_object_lives_on() {
    let repo: Arc<dyn AsyncRepository> =
        Arc::new(AsyncRepositoryHandle::new(CountingRepo::default()));
    deadline(repo.put(user(1, "ada"))).await.unwrap();
    let call = tokio::spawn({
        let repo = Arc::clone(&repo);
        async move { repo.get(u64::MAX).await }
    });
    let panic = deadline(call).await.unwrap_err().into_panic();
    assert_eq!(
        panic_message(&*panic),
        Some(format!("no user can have id {}", u64::MAX).as_str())
    );
    assert_eq!(deadline(repo.get(1)).await, Some(user(1, "ada")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_boxed_repository_is_adopted() {
    // Legacy code built a `Box<dyn Repository + Send>`; async callers get a
    // `Box<dyn AsyncRepository>` around the same object.
    let legacy: Box<dyn Repository + Send> = Box::new(SqliteRepo::open());
    let handle = AsyncRepositoryHandle::from_box(legacy);
    let repo: Box<dyn AsyncRepository> = Box::new(handle.clone());
    deadline(repo.put(user(7, "linus"))).await.unwrap();
    // Sync code that is not migrated yet shares the object, from its own thread.
    let found = std::thread::spawn(move || handle.blocking_read().get(7))
        .join()
        .unwrap();
    assert_eq!(found, Some(user(7, "linus")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_method_has_its_call_site() {
    let repo = AsyncRepositoryHandle::new(CountingRepo::default());
    let before = |name: &str| {
        metrics::snapshot()
            .get(&format!("traits::Repository::{name}"))
            .map_or(0, |record| record.calls)
    };
    let (gets, finds) = (before("get"), before("find"));
    for id in 0..3 {
        deadline(repo.get(id)).await;
    }
    deadline(repo.find("ada")).await;
    // Other tests in this binary call the same methods at the same time.
    assert!(before("get") >= gets + 3);
    assert!(before("find") > finds);
}
