//! Compile-time behaviour of `#[sync_to_async]` and `#[async_to_sync]`: every accepted
//! signature form builds and runs (`ui/pass`), and every misuse is a compile error pinned by a
//! `.stderr` snapshot (`ui/fail`).
//!
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test -p bridge-tests --test ui`,
//! then read every changed `.stderr`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
