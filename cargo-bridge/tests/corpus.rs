//! Precision and recall on a labelled corpus of realistic handlers.

mod common;

use common::{fixture, found, labels};

#[test]
fn precision_and_recall_on_the_corpus() {
    let root = fixture("corpus");
    let result = cargo_bridge::scan(&root, None).unwrap();
    assert!(result.skipped.is_empty(), "{:?}", result.skipped);
    let (expected, clean) = labels(&root);
    let found = found(&result.findings);
    let labelled: usize = expected.values().map(Vec::len).sum();
    assert!(labelled >= 40, "{labelled} labelled findings");
    assert!(clean >= 40, "{clean} labelled clean calls");

    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for (key, kinds) in &expected {
        let mut got = found.get(key).cloned().unwrap_or_default();
        for kind in kinds {
            if let Some(at) = got.iter().position(|k| k == kind) {
                got.remove(at);
                tp += 1;
            } else {
                fn_ += 1;
                misses.push(format!("missed {kind} at {}:{}", key.0, key.1));
            }
        }
    }
    for (key, kinds) in &found {
        let mut want = expected.get(key).cloned().unwrap_or_default();
        for kind in kinds {
            if let Some(at) = want.iter().position(|k| k == kind) {
                want.remove(at);
            } else {
                fp += 1;
                misses.push(format!("false {kind} at {}:{}", key.0, key.1));
            }
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    println!(
        "corpus: {labelled} labelled findings, {clean} labelled clean calls; tp {tp}, fp {fp}, fn {fn_}; precision {precision:.3}, recall {recall:.3}"
    );
    for miss in &misses {
        println!("  {miss}");
    }
    assert!(precision >= 0.9, "precision {precision:.3}: {misses:#?}");
    assert!(recall >= 0.9, "recall {recall:.3}: {misses:#?}");
}
