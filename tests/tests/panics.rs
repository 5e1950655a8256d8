//! A panic in the sync fn is re-raised in the awaiting caller with its original payload, and
//! the executor survives it.

use std::any::Any;

use bridge_runtime::sync_to_async;
use bridge_tests::{deadline, within};

/// A payload that is not a string, to prove the payload itself crosses back.
#[derive(Debug, PartialEq)]
struct Refused {
    code: u32,
}

#[sync_to_async]
fn charge(amount: u32) -> u32 {
    match amount {
        0 => panic!("amount {amount} is not chargeable"),
        1 => std::panic::panic_any(Refused { code: 402 }),
        _ => amount,
    }
}

fn payload_of(join: tokio::task::JoinError) -> Box<dyn Any + Send> {
    join.try_into_panic()
        .expect("the task panicked rather than being cancelled")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_string_panic_keeps_its_message() {
    let payload = payload_of(deadline(tokio::spawn(charge_async(0))).await.unwrap_err());
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("amount 0 is not chargeable")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_payload_arrives_unchanged() {
    let payload = payload_of(deadline(tokio::spawn(charge_async(1))).await.unwrap_err());
    assert_eq!(
        payload.downcast_ref::<Refused>(),
        Some(&Refused { code: 402 })
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_next_call_works_after_a_panic() {
    for _ in 0..3 {
        assert!(deadline(tokio::spawn(charge_async(0))).await.is_err());
        assert_eq!(deadline(charge_async(25)).await, 25);
    }
}

/// Without a tokio runtime the fallback pool runs the call; it survives panics too.
#[test]
fn the_fallback_pool_survives_panics() {
    within(|| {
        for _ in 0..3 {
            let caught = std::panic::catch_unwind(|| futures_executor::block_on(charge_async(1)));
            let payload = caught.unwrap_err();
            assert_eq!(
                payload.downcast_ref::<Refused>(),
                Some(&Refused { code: 402 })
            );
            assert_eq!(futures_executor::block_on(charge_async(7)), 7);
        }
    });
}

#[tokio::test(flavor = "current_thread")]
async fn to_thread_re_raises_panics_too() {
    let task = tokio::spawn(bridge_runtime::to_thread(|| -> u8 {
        std::panic::panic_any(Refused { code: 1 })
    }));
    let payload = payload_of(deadline(task).await.unwrap_err());
    assert_eq!(
        payload.downcast_ref::<Refused>(),
        Some(&Refused { code: 1 })
    );
}
