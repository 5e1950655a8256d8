//! `thread_sensitive` runs every call of the twin on one dedicated thread, alone or with
//! `limit`.
use bridge_runtime::sync_to_async;

fn thread() -> (std::thread::ThreadId, String) {
    let current = std::thread::current();
    (current.id(), current.name().unwrap_or("").to_owned())
}

#[sync_to_async(thread_sensitive)]
fn begin(id: u64) -> (u64, (std::thread::ThreadId, String)) {
    (id, thread())
}

#[sync_to_async(limit = 2, thread_sensitive, name = commit_later)]
fn commit(note: &str) -> (String, (std::thread::ThreadId, String)) {
    (note.to_owned(), thread())
}

fn main() {
    let main_thread = std::thread::current().id();
    futures_executor::block_on(async {
        let (id, (first, name)) = begin_async(1).await;
        assert_eq!(id, 1);
        assert_ne!(first, main_thread);
        assert_eq!(name, "bridge-sensitive");
        let (note, (second, _)) = commit_later("done").await;
        assert_eq!(note, "done");
        assert_eq!(first, second);
    });
    // The sync fns are untouched, and run where they are called.
    assert_eq!(begin(2).1.0, main_thread);
}
