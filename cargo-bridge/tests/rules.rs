//! Every rule of the blocking list, positive and negative, on a labelled fixture crate.

mod common;

use common::{assert_matches_labels, fixture};

#[test]
fn rules_fixture_matches_its_labels_exactly() {
    let findings = assert_matches_labels(&fixture("rules"));
    let sleep = findings
        .iter()
        .find(|f| f.callee == "std::thread::sleep")
        .unwrap();
    assert!(
        sleep.suggestion.contains("tokio::time::sleep"),
        "{}",
        sleep.suggestion
    );
    let alias = findings.iter().find(|f| f.source.contains("nap(")).unwrap();
    assert_eq!(alias.callee, "std::thread::sleep", "the alias resolves");
    let fs_alias = findings
        .iter()
        .find(|f| f.source.contains("f::read_to_string"))
        .unwrap();
    assert_eq!(fs_alias.callee, "std::fs::read_to_string");
    assert!(fs_alias.suggestion.contains("tokio::fs::read_to_string"));
    let helper = findings
        .iter()
        .find(|f| f.source.contains("slow_helper()"))
        .unwrap();
    assert_eq!(helper.callee, "fixture_rules::slow_helper");
    assert!(
        helper.suggestion.contains("std::fs::read") || helper.suggestion.contains("`read`"),
        "{}",
        helper.suggestion
    );
    assert_eq!(helper.function, "fixture_rules::calls_blocking_helper");
}

#[test]
fn allow_comments_silence_one_line_each() {
    let result = cargo_bridge::scan(&fixture("rules"), None).unwrap();
    assert_eq!(result.allowed, 3);
    let reasons: Vec<(&str, &str)> = result
        .allowances
        .iter()
        .map(|a| (a.callee.as_str(), a.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("std::thread::sleep", "startup, once"),
            (
                "std::fs::read_to_string",
                "the config is tiny and read once"
            ),
            (
                "std::process::Command::status",
                "a whole statement, over several lines"
            ),
        ]
    );
}

#[test]
fn columns_point_at_the_callee() {
    let result = cargo_bridge::scan(&fixture("rules"), None).unwrap();
    let f = result
        .findings
        .iter()
        .find(|f| f.source.contains("std::fs::read(path)?"))
        .unwrap();
    assert_eq!(
        &f.source[f.column - 1..f.end_column - 1],
        "std::fs::read(path)"
    );
    let m = result
        .findings
        .iter()
        .find(|f| f.source.contains("file.read_to_string(&mut text)"))
        .unwrap();
    assert_eq!(
        &m.source[m.column - 1..m.end_column - 1],
        "read_to_string(&mut text)"
    );
}
