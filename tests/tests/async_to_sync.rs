//! Where an `#[async_to_sync]` twin runs its future: on bridge's embedded runtime from a plain
//! thread (one runtime for every call), on the caller's runtime from inside a
//! `#[sync_to_async]` twin, and nowhere on a runtime worker thread, where it panics with a
//! message naming the fn. A panic inside the future reaches the sync caller with its payload.

use std::any::Any;
use std::collections::HashSet;
use std::thread::ThreadId;
use std::time::Duration;

use bridge_runtime::{async_to_sync, sync_to_async};
use bridge_tests::{deadline, within};

fn thread_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed>")
        .to_owned()
}

/// Sleeps on the runtime's timer, then reports the thread a task spawned on that runtime ran on.
#[async_to_sync]
async fn spawned_on(delay_ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    tokio::spawn(async { thread_name() }).await.unwrap()
}

/// Like [`spawned_on`], also giving the thread the spawned task ran on by id.
#[async_to_sync]
async fn spawned_on_thread() -> (ThreadId, String) {
    tokio::time::sleep(Duration::from_millis(1)).await;
    tokio::spawn(async { (std::thread::current().id(), thread_name()) })
        .await
        .unwrap()
}

/// Legacy sync code that calls the migrated fn through its blocking twin.
#[sync_to_async]
fn legacy_report() -> (ThreadId, String) {
    spawned_on_thread_blocking()
}

#[test]
fn from_a_plain_thread_the_future_runs_on_the_embedded_runtime() {
    assert_eq!(within(|| spawned_on_blocking(1)), "bridge-embedded");
}

#[test]
fn repeated_calls_never_start_a_runtime_per_call() {
    let (names, threads) = within(|| {
        let mut names = HashSet::new();
        let mut threads = HashSet::new();
        for i in 0..50 {
            names.insert(spawned_on_blocking(i % 2));
            threads.insert(spawned_on_thread_blocking().0);
        }
        (names, threads)
    });
    assert_eq!(names, HashSet::from(["bridge-embedded".to_owned()]));
    // A runtime per call would have spawned tasks on up to 100 different threads; the embedded
    // runtime's few workers are reused.
    assert!(threads.len() <= 4, "tasks ran on {} threads", threads.len());
}

#[test]
fn calls_from_several_plain_threads_share_the_embedded_runtime() {
    let names = within(|| {
        let callers: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| (0..10).map(|_| spawned_on_blocking(1)).collect::<Vec<_>>())
            })
            .collect();
        callers
            .into_iter()
            .flat_map(|caller| caller.join().unwrap())
            .collect::<HashSet<String>>()
    });
    assert_eq!(names, HashSet::from(["bridge-embedded".to_owned()]));
}

#[test]
fn inside_a_twin_the_future_runs_on_the_outer_multi_thread_runtime() {
    let (_, name) = within(|| {
        let outer = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("outer-rt")
            .enable_all()
            .build()
            .unwrap();
        outer.block_on(deadline(legacy_report_async()))
    });
    assert_eq!(name, "outer-rt");
}

#[test]
fn inside_a_twin_the_future_runs_on_the_outer_current_thread_runtime() {
    let (driver, spawned) = within(|| {
        let outer = tokio::runtime::Builder::new_current_thread()
            .thread_name("outer-rt")
            .enable_all()
            .build()
            .unwrap();
        let (spawned, _) = outer.block_on(deadline(legacy_report_async()));
        (std::thread::current().id(), spawned)
    });
    // A current-thread runtime runs its tasks on the thread that drives it.
    assert_eq!(spawned, driver);
}

/// The message a twin panics with on a runtime worker thread.
const ON_A_WORKER: &str = "bridge: `spawned_on_blocking` was called on an async runtime worker \
                           thread, where blocking would stall every task on that thread; \
                           `.await` `spawned_on` instead";

fn message_of(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map(|message| (*message).to_owned())
            .unwrap_or_else(|| "<not a string>".to_owned()),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn on_a_current_thread_worker_it_panics_naming_the_fn() {
    let error = deadline(tokio::spawn(async { spawned_on_blocking(0) }))
        .await
        .unwrap_err();
    assert_eq!(message_of(error.into_panic()), ON_A_WORKER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_multi_thread_worker_it_panics_naming_the_fn() {
    let error = deadline(tokio::spawn(async { spawned_on_blocking(0) }))
        .await
        .unwrap_err();
    assert_eq!(message_of(error.into_panic()), ON_A_WORKER);
}

/// A payload that is not a string, to prove the payload itself crosses back.
#[derive(Debug, PartialEq)]
struct Refused {
    code: u32,
}

#[async_to_sync]
async fn charge(amount: u32) -> u32 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    match amount {
        0 => panic!("amount {amount} is not chargeable"),
        1 => std::panic::panic_any(Refused { code: 402 }),
        _ => amount,
    }
}

#[test]
fn a_panic_in_the_future_reaches_the_plain_caller_with_its_payload() {
    let (string, custom, after) = within(|| {
        let string = std::panic::catch_unwind(|| charge_blocking(0)).unwrap_err();
        let custom = std::panic::catch_unwind(|| charge_blocking(1)).unwrap_err();
        // The embedded runtime survives both.
        (
            message_of(string),
            custom.downcast::<Refused>(),
            charge_blocking(7),
        )
    });
    assert_eq!(string, "amount 0 is not chargeable");
    assert_eq!(*custom.unwrap(), Refused { code: 402 });
    assert_eq!(after, 7);
}

#[sync_to_async]
fn legacy_charge(amount: u32) -> u32 {
    charge_blocking(amount)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_the_future_crosses_both_twins_with_its_payload() {
    let error = deadline(tokio::spawn(legacy_charge_async(1)))
        .await
        .unwrap_err();
    let payload = error.into_panic().downcast::<Refused>().unwrap();
    assert_eq!(*payload, Refused { code: 402 });
    assert_eq!(deadline(legacy_charge_async(9)).await, 9);
}

struct Account {
    balance: u32,
}

impl Account {
    #[async_to_sync]
    async fn deposit(&mut self, amount: u32) -> u32 {
        tokio::time::sleep(Duration::from_millis(1)).await;
        self.balance += amount;
        self.balance
    }

    #[async_to_sync]
    async fn balance(&self) -> (u32, String) {
        (self.balance, spawned_on(0).await)
    }
}

#[test]
fn method_twins_borrow_the_object_for_the_call() {
    let (after, (balance, name)) = within(|| {
        let mut account = Account { balance: 1 };
        let after = account.deposit_blocking(2);
        (after, account.balance_blocking())
    });
    assert_eq!((after, balance), (3, 3));
    assert_eq!(name, "bridge-embedded");
}
