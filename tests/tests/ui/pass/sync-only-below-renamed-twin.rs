//! `#[sync_only]` written below `#[sync_to_async(name = ..)]` expands second and cannot see the
//! `name`: the outer attribute tells it, so the guard's panic names the real twin.
use bridge_runtime::{sync_only, sync_to_async};

#[sync_to_async(name = load_later)]
#[sync_only]
fn load(id: u64) -> u64 {
    id
}

#[sync_to_async(name = save_later)]
#[sync_only(crate = "::bridge_runtime")]
fn save(id: u64) -> u64 {
    id
}

fn panic_of(f: fn(u64) -> u64) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let payload = runtime
        .block_on(async { std::panic::catch_unwind(|| f(1)) })
        .unwrap_err();
    payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default()
}

fn main() {
    assert!(panic_of(load).contains("`load_later`"), "{}", panic_of(load));
    assert!(panic_of(save).contains("`save_later`"), "{}", panic_of(save));
    assert_eq!(futures_executor::block_on(load_later(2)), 2);
}
