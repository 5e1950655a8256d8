//! `// bridge: allow(blocking)` comments: one on the line of a call, or alone on the line
//! above it, silences that call's finding. Text after the marker is the reason.

use std::collections::HashMap;

const MARKER: &str = "bridge: allow(";

/// The lines of `text` (1-based) silenced by an allow comment, each with its reason.
pub fn allowed_lines(text: &str) -> HashMap<usize, String> {
    let mut lines = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let Some(comment) = line.find("//") else {
            continue;
        };
        let comment = &line[comment..];
        let Some(at) = comment.find(MARKER) else {
            continue;
        };
        let rest = &comment[at + MARKER.len()..];
        let Some(close) = rest.find(')') else {
            continue;
        };
        let kinds = &rest[..close];
        if !kinds
            .split(',')
            .any(|k| matches!(k.trim(), "blocking" | "twin"))
        {
            continue;
        }
        let reason = rest[close + 1..]
            .trim()
            .trim_start_matches([':', '-'])
            .trim()
            .to_owned();
        let number = index + 1;
        lines.insert(number, reason.clone());
        if line.trim_start().starts_with("//") {
            lines.insert(number + 1, reason);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::allowed_lines;

    #[test]
    fn same_line_and_line_above() {
        let text = "a(); // bridge: allow(blocking) startup only\n// bridge: allow(blocking): cli\nb();\nc();\n";
        let lines = allowed_lines(text);
        assert_eq!(lines.get(&1).map(String::as_str), Some("startup only"));
        assert_eq!(lines.get(&3).map(String::as_str), Some("cli"));
        assert!(!lines.contains_key(&4));
    }
}
