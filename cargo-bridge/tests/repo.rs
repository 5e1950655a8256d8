//! Scanning this repository: the demo's anti-pattern is found, its phases are clean, the
//! legacy crate is fully twinned, and the scan is fast.

use std::path::Path;
use std::time::Instant;

#[test]
fn scans_this_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let started = Instant::now();
    let result = cargo_bridge::scan(root, None).expect("the repository scans");
    let elapsed = started.elapsed();
    println!(
        "scanned {} files in {elapsed:?} ({} findings)",
        result.files,
        result.findings.len()
    );
    assert!(result.skipped.is_empty(), "{:?}", result.skipped);
    assert!(elapsed.as_secs_f64() < 2.0, "{elapsed:?}");

    let naive: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.path == "migrated-demo/src/naive.rs")
        .collect();
    assert!(
        !naive.is_empty(),
        "the anti-pattern in naive.rs is reported"
    );
    assert!(
        naive
            .iter()
            .any(|f| f.callee == "legacy_demo::report::run_report"
                && f.function == "migrated_demo::naive::run_report")
    );
    for phase in ["phase1", "phase2", "phase3"] {
        let path = format!("migrated-demo/src/{phase}.rs");
        let found: Vec<_> = result.findings.iter().filter(|f| f.path == path).collect();
        assert!(found.is_empty(), "{path}: {found:#?}");
    }

    let legacy = result
        .progress
        .crates
        .iter()
        .find(|r| r.crate_name == "legacy_demo")
        .unwrap();
    assert!(legacy.legacy() >= 10, "{legacy:?}");
    assert_eq!(
        legacy.twinned(),
        legacy.legacy(),
        "every legacy fn has a twin: {legacy:?}"
    );
    assert_eq!(legacy.twinned_percent(), 100.0);
    assert_eq!(result.progress.total.module, "total");
}
