//! The README's "Legacy traits" example: `#[sync_to_async(trait = AsyncRepository)]` on a legacy
//! trait, whose impls and `Box<dyn Repository>` users stay as they are, and async callers that
//! use the async trait through `dyn` and generics.
use std::collections::HashMap;

use bridge_runtime::sync_to_async;

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: u64,
    pub name: String,
}

#[sync_to_async(trait = AsyncRepository)]
pub trait Repository {
    fn get(&self, id: u64) -> Option<User>;

    fn put(&mut self, user: User) -> Result<(), String>;

    fn find(&self, name: &str) -> Vec<u64>; // `&str` is copied for the thread

    #[sync_to_async(skip)] // generic: not in the async trait, which must work as `dyn`
    fn each<F: FnMut(&User)>(&self, f: F)
    where
        Self: Sized;
}

#[derive(Default)]
pub struct MemoryRepo {
    users: HashMap<u64, User>, // a `rusqlite::Connection` in real code
}

impl Repository for MemoryRepo {
    fn get(&self, id: u64) -> Option<User> {
        self.users.get(&id).cloned()
    }

    fn put(&mut self, user: User) -> Result<(), String> {
        self.users.insert(user.id, user);
        Ok(())
    }

    fn find(&self, name: &str) -> Vec<u64> {
        self.users
            .values()
            .filter(|u| u.name == name)
            .map(|u| u.id)
            .collect()
    }

    fn each<F: FnMut(&User)>(&self, f: F) {
        self.users.values().for_each(f);
    }
}

/// Migrated code, generic over the async trait.
async fn names<R: AsyncRepository + ?Sized>(repo: &R, ids: &[u64]) -> Vec<String> {
    let mut names = Vec::new();
    for id in ids {
        if let Some(user) = repo.get(*id).await {
            names.push(user.name);
        }
    }
    names
}

#[tokio::main]
async fn main() {
    // Any `Repository + Send` gets the async trait through a handle that owns it ...
    let repo: Box<dyn AsyncRepository> =
        Box::new(AsyncRepositoryHandle::new(MemoryRepo::default()));
    repo.put(User {
        id: 1,
        name: "ada".into(),
    })
    .await
    .unwrap();
    assert_eq!(repo.find("ada").await, vec![1]);
    assert_eq!(names(&repo, &[1, 2]).await, ["ada"]);

    // ... and so does a legacy `Box<dyn Repository + Send>`.
    let legacy: Box<dyn Repository + Send> = Box::new(MemoryRepo::default());
    let repo = AsyncRepositoryHandle::from_box(legacy);
    repo.put(User {
        id: 2,
        name: "grace".into(),
    })
    .await
    .unwrap();
    assert_eq!(names(&repo, &[1, 2]).await, ["grace"]);
}
