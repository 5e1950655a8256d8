//! `docs/migration-guide.md` quotes the demo's code, and says where each snippet comes from: a
//! `// path/to/file.rs` line inside the snippet, or a `(`path/to/file.rs`)` just before it. This
//! test holds every quoted line to the file it names, so the guide cannot drift from the code.
//! Lines that elide (`/* ... */`, `/* unchanged */`), blank lines and comment lines are not
//! quotes; a line's trailing `// comment` is the guide's own.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("migrated-demo lives in the workspace")
        .to_path_buf()
}

/// A `.rs` path named in `text` in backticks or after `// `, the last one.
fn named_file(text: &str) -> Option<String> {
    text.split(['`', ' ', '(', ')'])
        .rfind(|word| word.ends_with(".rs") && word.contains('/'))
        .map(str::to_owned)
}

/// The code of a quoted line, or `None` if the line quotes nothing.
fn quoted(line: &str) -> Option<&str> {
    let code = line.split(" // ").next().unwrap_or(line).trim();
    let elides = code.contains("/*") || code.contains("...");
    (!code.is_empty() && !code.starts_with("//") && !elides).then_some(code)
}

#[test]
fn every_snippet_of_the_migration_guide_is_in_the_file_it_names() {
    let root = workspace();
    let guide = std::fs::read_to_string(root.join("docs/migration-guide.md")).unwrap();
    let lines: Vec<&str> = guide.lines().collect();
    let mut checked = 0;
    let mut missing = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        if lines[index].trim() != "```rust" {
            index += 1;
            continue;
        }
        // The prose right before the block may name its file.
        let before = lines[index.saturating_sub(3)..index].join(" ");
        let mut file = named_file(&before);
        index += 1;
        while index < lines.len() && lines[index].trim() != "```" {
            let line = lines[index];
            if line.trim_start().starts_with("// ") && line.trim_end().ends_with(".rs") {
                file = named_file(line);
            } else if let (Some(code), Some(file)) = (quoted(line), &file) {
                let source = std::fs::read_to_string(root.join(file))
                    .unwrap_or_else(|error| panic!("the guide names {file}: {error}"));
                checked += 1;
                if !source.contains(code) {
                    missing.push(format!("{file}: {code}"));
                }
            }
            index += 1;
        }
        index += 1;
    }
    assert!(
        checked >= 30,
        "only {checked} quoted lines found: is the guide parsed?"
    );
    assert!(
        missing.is_empty(),
        "lines the migration guide quotes that are not in the file it names:\n{}",
        missing.join("\n")
    );
}
