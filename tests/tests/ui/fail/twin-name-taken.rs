use bridge_runtime::sync_to_async;

// A hand-written async version already has the twin's name.
#[sync_to_async]
pub fn fetch(id: u64) -> u64 {
    id
}

pub async fn fetch_async(id: u64) -> u64 {
    id
}

// So does a const, for a twin named with `name =`.
#[sync_to_async(name = LOAD)]
pub fn load() -> u64 {
    1
}

#[allow(non_upper_case_globals)]
pub const LOAD: u64 = 1;

// Under `#[cfg]`, the other item may never meet the twin: left to rustc, which says nothing
// here since the item is compiled out.
#[sync_to_async]
pub fn store(id: u64) -> u64 {
    id
}

#[cfg(any())]
pub async fn store_async(id: u64) -> u64 {
    id
}

mod inner {
    use bridge_runtime::sync_to_async;

    // A fn of the same name in another module is no collision.
    #[sync_to_async]
    pub fn fetch(id: u64) -> u64 {
        id
    }
}

fn main() {
    let _ = (store_async(1), inner::fetch_async(1));
}
