//! The default report: findings grouped by file, each shown the way rustc shows a span, with
//! its fix; then the progress table.

use std::fmt::Write;

use crate::ScanResult;
use crate::findings::{Finding, Kind};
use crate::progress::{Progress, Row};

/// The text report; findings in `new` (if a baseline was given) are marked `new`.
pub fn render(result: &ScanResult, new: Option<&[&Finding]>) -> String {
    let mut out = String::new();
    let mut file = "";
    for finding in &result.findings {
        if finding.path != file {
            file = &finding.path;
            let count = result.findings.iter().filter(|f| f.path == file).count();
            let _ = writeln!(
                out,
                "── {file} ({count} finding{}) ──\n",
                if count == 1 { "" } else { "s" }
            );
        }
        let is_new = new.is_some_and(|n| n.iter().any(|f| std::ptr::eq(*f, finding)));
        finding_text(&mut out, finding, is_new);
    }
    for skipped in &result.skipped {
        let _ = writeln!(out, "note: not scanned: {skipped}");
    }
    progress_text(&mut out, &result.progress);
    let blocking = result
        .findings
        .iter()
        .filter(|f| f.kind == Kind::Blocking)
        .count();
    let twin = result.findings.len() - blocking;
    let _ = write!(
        out,
        "\n{} finding{} ({blocking} blocking, {twin} twin) in {} files",
        result.findings.len(),
        if result.findings.len() == 1 { "" } else { "s" },
        result.files
    );
    if result.allowed > 0 {
        let _ = write!(
            out,
            ", {} allowed by `// bridge: allow(blocking)`",
            result.allowed
        );
    }
    if let Some(new) = new {
        let _ = write!(out, "; {} not in the baseline", new.len());
    }
    out.push('\n');
    out
}

fn finding_text(out: &mut String, f: &Finding, is_new: bool) {
    let headline = match f.kind {
        Kind::Blocking => format!("`{}` blocks the async runtime", f.callee),
        Kind::Twin => format!("`{}` is bridged: await its async version instead", f.callee),
    };
    let tag = if is_new { " (new)" } else { "" };
    let number = f.line.to_string();
    let pad = " ".repeat(number.len());
    let _ = writeln!(out, "warning[{}]{tag}: {headline}", f.kind.as_str());
    let _ = writeln!(out, "{pad}--> {}:{}:{}", f.path, f.line, f.column);
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{number} | {}", f.source);
    let prefix: String = f
        .source
        .chars()
        .take(f.column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let width = f.end_column.saturating_sub(f.column).max(1);
    let _ = writeln!(
        out,
        "{pad} | {prefix}{} in async context of `{}`",
        "^".repeat(width),
        f.function
    );
    let _ = writeln!(out, "{pad} = fix: {}\n", f.suggestion);
}

const HEADERS: [&str; 11] = [
    "module",
    "sync",
    "sync_to_async",
    "sync_only",
    "handle",
    "async",
    "async_to_sync",
    "blocking",
    "twin",
    "clean async",
    "twinned",
];

fn cells(row: &Row) -> [String; 11] {
    [
        row.module.clone(),
        row.sync.to_string(),
        row.sync_to_async.to_string(),
        row.sync_only.to_string(),
        row.handle_methods.to_string(),
        row.async_fns.to_string(),
        row.async_to_sync.to_string(),
        row.blocking.to_string(),
        row.twin.to_string(),
        format!(
            "{}/{} ({:.0}%)",
            row.clean_async,
            row.all_async(),
            row.clean_percent()
        ),
        format!(
            "{}/{} ({:.0}%)",
            row.twinned(),
            row.legacy(),
            row.twinned_percent()
        ),
    ]
}

fn progress_text(out: &mut String, progress: &Progress) {
    let mut rows: Vec<[String; 11]> = vec![HEADERS.map(str::to_owned)];
    let mut separators = vec![1];
    for krate in &progress.crates {
        for row in progress
            .modules
            .iter()
            .filter(|r| r.crate_name == krate.crate_name)
        {
            rows.push(cells(row));
        }
        let mut sum = cells(krate);
        sum[0] = format!("{} (crate)", krate.module);
        rows.push(sum);
        separators.push(rows.len());
    }
    rows.push(cells(&progress.total));
    let mut widths = [0; 11];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let _ = writeln!(out, "migration progress");
    for (number, row) in rows.iter().enumerate() {
        if separators.contains(&number) {
            let line: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            let _ = writeln!(out, "{}", line.join("-+-"));
        }
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                if i == 0 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", line.join(" | ").trim_end());
    }
    let _ = writeln!(
        out,
        "async fns free of findings: {:.0}%; legacy fns twinned: {:.0}%",
        progress.clean_async_percent, progress.twinned_percent
    );
}
