//! Shared by the integration tests: scanning fixtures and comparing with `// expect:` labels.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cargo_bridge::findings::Finding;

/// The fixture directory `name`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `(path, line)` to the kinds expected there, from `// expect: blocking, twin` labels; and
/// the number of `// expect: clean` labels.
pub fn labels(root: &Path) -> (BTreeMap<(String, usize), Vec<String>>, usize) {
    let mut expected = BTreeMap::new();
    let mut clean = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).unwrap();
            for (index, line) in text.lines().enumerate() {
                let doc =
                    line.trim_start().starts_with("//!") || line.trim_start().starts_with("///");
                let Some(at) = line.find("// expect: ").filter(|_| !doc) else {
                    continue;
                };
                let mut kinds: Vec<String> = line[at + 11..]
                    .split(',')
                    .map(|k| k.split_whitespace().next().unwrap_or("").to_owned())
                    .collect();
                if kinds == ["clean"] {
                    clean += 1;
                    continue;
                }
                kinds.sort();
                expected.insert((rel.clone(), index + 1), kinds);
            }
        }
    }
    (expected, clean)
}

/// `(path, line)` to the kinds found there.
pub fn found(findings: &[Finding]) -> BTreeMap<(String, usize), Vec<String>> {
    let mut found: BTreeMap<(String, usize), Vec<String>> = BTreeMap::new();
    for f in findings {
        found
            .entry((f.path.clone(), f.line))
            .or_default()
            .push(f.kind.as_str().to_owned());
    }
    for kinds in found.values_mut() {
        kinds.sort();
    }
    found
}

/// Asserts that the findings of scanning `root` are exactly its labels.
pub fn assert_matches_labels(root: &Path) -> Vec<Finding> {
    let result = cargo_bridge::scan(root, None).expect("the fixture scans");
    assert!(
        result.skipped.is_empty(),
        "unparsed files: {:?}",
        result.skipped
    );
    let (expected, _) = labels(root);
    let found = found(&result.findings);
    let missing: Vec<_> = expected
        .iter()
        .filter(|(k, v)| found.get(*k) != Some(v))
        .collect();
    let extra: Vec<_> = found
        .iter()
        .filter(|(k, v)| expected.get(*k) != Some(v))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "expected but not found (or wrong kinds): {missing:#?}\nfound but not expected: {extra:#?}\nall findings: {:#?}",
        result
            .findings
            .iter()
            .map(|f| format!("{}:{} {} {}", f.path, f.line, f.kind.as_str(), f.callee))
            .collect::<Vec<_>>()
    );
    result.findings
}
