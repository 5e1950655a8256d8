//! `cargo bridge scan`: finds blocking calls left in async code (and bridged sync fns called
//! where their twin should be awaited), and reports how far a bridge migration has come.
//!
//! The scan is static, on stable Rust: it parses the workspace's sources with `syn`, resolves
//! imports, aliases and re-exports across the workspace, follows the types of local values as
//! far as a parameter, a `let` from a known constructor or a method chain tells them, and knows
//! which fns the bridge attributes mark as blocking. See [`scan`].
#![deny(missing_docs)]

pub mod allow;
pub mod baseline;
pub mod bridged;
pub mod cli;
pub mod config;
pub mod findings;
pub mod progress;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod scan;
pub mod workspace;

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use syn::visit::Visit;

use crate::bridged::Bridged;
use crate::config::Config;
use crate::findings::Finding;
use crate::progress::Progress;
use crate::resolve::Index;
use crate::rules::Rules;

/// An error that stops the scan (a missing manifest, a bad config file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl Error {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Error(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// Everything one scan found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanResult {
    /// The findings, by file, line and column.
    pub findings: Vec<Finding>,
    /// The progress table.
    pub progress: Progress,
    /// How many findings `// bridge: allow(blocking)` silenced.
    pub allowed: usize,
    /// The silenced findings: `path:line callee`, and the reason given.
    pub allowances: Vec<Allowance>,
    /// How many files were scanned.
    pub files: usize,
    /// Files that could not be read or parsed, with the reason.
    pub skipped: Vec<String>,
}

/// A finding silenced by `// bridge: allow(blocking) <reason>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowance {
    /// The file.
    pub path: String,
    /// The line of the call.
    pub line: usize,
    /// What it calls.
    pub callee: String,
    /// The text after the marker (empty if none was given).
    pub reason: String,
}

struct Source {
    rel: String,
    module: Vec<String>,
    text: String,
    ast: syn::File,
}

/// Scans the workspace or crate at `root`, with the config file `config` if given.
///
/// # Errors
///
/// If `root` has no usable `Cargo.toml`, or the config file is unreadable or malformed.
pub fn scan(root: &Path, config: Option<&Path>) -> Result<ScanResult, Error> {
    let workspace = workspace::discover(root)?;
    let config = Config::load(&workspace.root, &workspace.manifest, config)?;
    let mut rules = Rules::builtin();
    config.apply(&mut rules);

    let mut sources = Vec::new();
    let mut skipped = Vec::new();
    for krate in &workspace.crates {
        for file in &krate.files {
            let rel = file
                .strip_prefix(&workspace.root)
                .unwrap_or(file)
                .to_string_lossy()
                .replace('\\', "/");
            let text = match std::fs::read_to_string(file) {
                Ok(text) => text,
                Err(e) => {
                    skipped.push(format!("{rel}: {e}"));
                    continue;
                }
            };
            let ast = match syn::parse_file(&text) {
                Ok(ast) => ast,
                Err(e) => {
                    skipped.push(format!("{rel}: {e}"));
                    continue;
                }
            };
            let mut module = vec![krate.name.clone()];
            module.extend(workspace::module_of(&krate.dir, file));
            sources.push(Source {
                rel,
                module,
                text,
                ast,
            });
        }
    }

    let mut index = Index {
        rules: rules.clone(),
        ..Index::default()
    };
    for source in &sources {
        index.add_module(&source.module, &source.ast.items);
    }
    index.absolutize_uses();
    for source in &sources {
        index.add_signatures(&source.module, &source.ast.items);
    }
    let mut bridged = Bridged::default();
    for source in &sources {
        bridged.collect(&index, &source.module, &source.ast.items);
    }

    let mut calls = Vec::new();
    let mut fns = Vec::new();
    for (number, source) in sources.iter().enumerate() {
        let mut scanner = scan::Scanner::new(
            &index,
            &config.exempt,
            number,
            &source.text,
            source.module.clone(),
        );
        scanner.visit_file(&source.ast);
        calls.extend(scanner.calls);
        fns.extend(scanner.fns);
    }

    let blocking = findings::blocking_fns(&calls, &bridged, &rules);
    let allowed_lines: Vec<_> = sources
        .iter()
        .map(|s| allow::allowed_lines(&s.text))
        .collect();
    let module_of: std::collections::HashMap<&Vec<String>, &Vec<String>> =
        fns.iter().map(|f| (&f.key, &f.module)).collect();
    let mut found = Vec::new();
    let mut allowances = Vec::new();
    for call in &calls {
        let Some((kind, suggestion)) = findings::classify(call, &bridged, &rules, &blocking) else {
            continue;
        };
        let source = &sources[call.file];
        let lines = &allowed_lines[call.file];
        if let Some(reason) = lines
            .get(&call.start.line)
            .or_else(|| lines.get(&call.stmt_line))
        {
            allowances.push(Allowance {
                path: source.rel.clone(),
                line: call.start.line,
                callee: call.callee.join("::"),
                reason: reason.clone(),
            });
            continue;
        }
        let module = module_of
            .get(&call.caller)
            .map_or_else(|| source.module.join("::"), |m| m.join("::"));
        found.push(Finding {
            path: source.rel.clone(),
            line: call.start.line,
            column: call.start.column + 1,
            end_column: call.end.column + 1,
            kind,
            callee: call.callee.join("::"),
            function: call.caller.join("::"),
            suggestion,
            crate_name: source.module[0].clone(),
            module,
            source: source
                .text
                .lines()
                .nth(call.start.line - 1)
                .unwrap_or("")
                .to_owned(),
        });
    }
    found.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    found.dedup_by(|a, b| a.path == b.path && a.line == b.line && a.column == b.column);
    let order: Vec<String> = workspace.crates.iter().map(|c| c.name.clone()).collect();
    Ok(ScanResult {
        progress: progress::progress(&fns, &found, &order),
        findings: found,
        allowed: allowances.len(),
        allowances,
        files: sources.len(),
        skipped,
    })
}
