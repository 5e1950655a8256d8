//! Baselines: the findings a project has accepted for now, so `--deny` fails only on new
//! ones. A finding is identified by file, fn, kind and callee (not by line, so edits above
//! it do not make it new); the same call twice in one fn counts twice.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::findings::{Finding, Kind};

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// The file.
    pub path: String,
    /// The enclosing fn.
    pub function: String,
    /// The kind.
    pub kind: Kind,
    /// The callee.
    pub callee: String,
}

impl From<&Finding> for Entry {
    fn from(f: &Finding) -> Self {
        Entry {
            path: f.path.clone(),
            function: f.function.clone(),
            kind: f.kind,
            callee: f.callee.clone(),
        }
    }
}

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// The format version, 1.
    pub version: u32,
    /// The accepted findings.
    pub findings: Vec<Entry>,
}

impl Baseline {
    /// The baseline accepting exactly `findings`.
    pub fn of(findings: &[Finding]) -> Self {
        let mut findings: Vec<Entry> = findings.iter().map(Entry::from).collect();
        findings.sort_by(|a, b| {
            (&a.path, &a.function, &a.callee).cmp(&(&b.path, &b.function, &b.callee))
        });
        Baseline {
            version: 1,
            findings,
        }
    }

    /// Reads a baseline file.
    ///
    /// # Errors
    ///
    /// An unreadable or malformed file.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        serde_json::from_str(&text).map_err(|e| Error::new(format!("{}: {e}", path.display())))
    }

    /// Writes it, pretty-printed.
    ///
    /// # Errors
    ///
    /// An unwritable file.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(self).expect("a baseline serializes") + "\n";
        std::fs::write(path, text).map_err(|e| Error::new(format!("{}: {e}", path.display())))
    }

    /// The findings not accepted by this baseline (in their order).
    pub fn new_findings<'f>(&self, findings: &'f [Finding]) -> Vec<&'f Finding> {
        let mut budget: HashMap<&Entry, usize> = HashMap::new();
        for entry in &self.findings {
            *budget.entry(entry).or_default() += 1;
        }
        findings
            .iter()
            .filter(|f| {
                let entry = Entry::from(*f);
                match budget.get_mut(&entry) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        false
                    }
                    _ => true,
                }
            })
            .collect()
    }
}
