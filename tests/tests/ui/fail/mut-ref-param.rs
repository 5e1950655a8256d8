use bridge_runtime::sync_to_async;

#[sync_to_async]
pub fn append_line(buffer: &mut Vec<u8>, line: &str) {
    buffer.extend_from_slice(line.as_bytes());
}

// No follow-on errors at the callers of the fn or of its twin.
async fn callers(buffer: &mut Vec<u8>) {
    append_line(buffer, "sync");
    append_line_async(buffer, "async").await;
}

pub trait Repository {
    fn put(&mut self, id: u64);
}

// A trait object behind `&mut`: the message points at `trait =`.
#[sync_to_async]
pub fn store(repo: &mut dyn Repository, id: u64) {
    repo.put(id);
}

fn main() {}
