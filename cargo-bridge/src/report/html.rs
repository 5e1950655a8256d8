//! `--format html`: one self-contained page (inline CSS, no script, no external resource)
//! with a per-module progress chart and the findings.

use std::fmt::Write;

use crate::ScanResult;
use crate::findings::Finding;
use crate::progress::Row;

/// Escaped, with `code` spans in backticks shown as code.
fn rich(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in esc(text).split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(part);
            out.push_str("</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
h1{font-size:1.4em}table{border-collapse:collapse;margin:1em 0}\
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}td:first-child,th:first-child,th:nth-child(2){text-align:left}\
tr.crate{font-weight:bold;background:#f3f3f3}tr.total{font-weight:bold;background:#e6e6e6}\
.bar{display:flex;width:320px;height:14px;background:#eee;border-radius:3px;overflow:hidden}\
.bar span{display:block;height:100%}.bridged{background:#4c9be8}.async{background:#3cb371}\
.sync{background:#c8c8c8}.finding{background:#e8554c}\
.legend span{display:inline-block;width:12px;height:12px;margin:0 .3em 0 1em;vertical-align:middle}\
pre{background:#f7f7f7;padding:.6em;overflow:auto}.blocking{color:#b3261e}.twin{color:#7a4ab8}";

/// The HTML page.
pub fn render(result: &ScanResult, new: Option<&[&Finding]>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>bridge scan</title><style>{STYLE}</style></head><body>\n<h1>bridge scan</h1>\n<p id=\"summary\">{} findings in {} files; async fns free of findings: {:.0}%; legacy fns twinned: {:.0}%{}</p>\n",
        result.findings.len(),
        result.files,
        result.progress.clean_async_percent,
        result.progress.twinned_percent,
        new.map(|n| format!("; {} not in the baseline", n.len()))
            .unwrap_or_default()
    );
    out.push_str("<h2>Progress</h2>\n<p class=\"legend\"><span class=\"sync\"></span>plain sync<span class=\"bridged\"></span>bridged (twin, handle, sync_only)<span class=\"async\"></span>async<span class=\"finding\"></span>findings</p>\n");
    out.push_str("<table id=\"progress\"><tr><th>module</th><th>chart</th><th>sync</th><th>sync_to_async</th><th>sync_only</th><th>handle</th><th>async</th><th>async_to_sync</th><th>blocking</th><th>twin</th><th>clean async</th></tr>\n");
    for krate in &result.progress.crates {
        for row in result
            .progress
            .modules
            .iter()
            .filter(|r| r.crate_name == krate.crate_name)
        {
            row_html(&mut out, row, "module");
        }
        row_html(&mut out, krate, "crate");
    }
    row_html(&mut out, &result.progress.total, "total");
    out.push_str("</table>\n<h2>Findings</h2>\n");
    if result.findings.is_empty() {
        out.push_str("<p>No findings.</p>\n");
    }
    for f in &result.findings {
        let is_new = new.is_some_and(|n| n.iter().any(|x| std::ptr::eq(*x, f)));
        let _ = writeln!(
            out,
            "<div class=\"finding-item\"><h3 class=\"{}\">{}{}: <code>{}</code></h3><p><code>{}:{}:{}</code> in <code>{}</code></p><pre>{:>5} | {}</pre><p>fix: {}</p></div>",
            f.kind.as_str(),
            f.kind.as_str(),
            if is_new { " (new)" } else { "" },
            esc(&f.callee),
            esc(&f.path),
            f.line,
            f.column,
            esc(&f.function),
            f.line,
            esc(&f.source),
            rich(&f.suggestion)
        );
    }
    out.push_str("</body></html>\n");
    out
}

fn row_html(out: &mut String, row: &Row, class: &str) {
    let total = (row.sync + row.legacy() + row.all_async() + row.blocking + row.twin).max(1) as f64;
    let pct = |n: usize| 100.0 * n as f64 / total;
    let _ = writeln!(
        out,
        "<tr class=\"{class}\"><td>{}</td><td><div class=\"bar\"><span class=\"sync\" style=\"width:{:.1}%\"></span><span class=\"bridged\" style=\"width:{:.1}%\"></span><span class=\"async\" style=\"width:{:.1}%\"></span><span class=\"finding\" style=\"width:{:.1}%\"></span></div></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0}%</td></tr>",
        esc(&row.module),
        pct(row.sync),
        pct(row.legacy()),
        pct(row.all_async()),
        pct(row.blocking + row.twin),
        row.sync,
        row.sync_to_async,
        row.sync_only,
        row.handle_methods,
        row.async_fns,
        row.async_to_sync,
        row.blocking,
        row.twin,
        row.clean_percent()
    );
}
