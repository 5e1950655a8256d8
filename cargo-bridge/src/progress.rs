//! Migration progress: per crate and module, how many fns are in each state, and how much
//! of the async code is free of findings.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::bridged::FnKind;
use crate::findings::{Finding, Kind};
use crate::scan::FnRecord;

/// One row of the progress table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The crate (as in paths); empty on the total line.
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// The module path (`legacy_demo::avatars`); the crate name on a crate line, `total` on
    /// the total line.
    pub module: String,
    /// Sync fns without bridge attributes.
    pub sync: usize,
    /// `#[sync_to_async]` fns.
    pub sync_to_async: usize,
    /// `#[sync_only]` fns without a twin.
    pub sync_only: usize,
    /// Methods of `#[sync_to_async(handle = ..)]` impls.
    pub handle_methods: usize,
    /// Native `async fn`s (without `#[async_to_sync]`).
    pub async_fns: usize,
    /// `#[async_to_sync]` fns.
    pub async_to_sync: usize,
    /// Blocking findings.
    pub blocking: usize,
    /// Twin findings.
    pub twin: usize,
    /// Async fns (of both kinds) without findings.
    pub clean_async: usize,
}

impl Row {
    /// Bridged legacy fns that have an async version (twin or handle method).
    pub fn twinned(&self) -> usize {
        self.sync_to_async + self.handle_methods
    }

    /// Legacy fns marked as blocking (`#[sync_to_async]`, `#[sync_only]`, handle methods).
    pub fn legacy(&self) -> usize {
        self.twinned() + self.sync_only
    }

    /// All async fns.
    pub fn all_async(&self) -> usize {
        self.async_fns + self.async_to_sync
    }

    /// Percentage of async fns free of findings (100 when there are none).
    pub fn clean_percent(&self) -> f64 {
        if self.all_async() == 0 {
            100.0
        } else {
            100.0 * self.clean_async as f64 / self.all_async() as f64
        }
    }

    /// Percentage of legacy fns twinned (100 when there are none).
    pub fn twinned_percent(&self) -> f64 {
        if self.legacy() == 0 {
            100.0
        } else {
            100.0 * self.twinned() as f64 / self.legacy() as f64
        }
    }

    fn add(&mut self, other: &Row) {
        self.sync += other.sync;
        self.sync_to_async += other.sync_to_async;
        self.sync_only += other.sync_only;
        self.handle_methods += other.handle_methods;
        self.async_fns += other.async_fns;
        self.async_to_sync += other.async_to_sync;
        self.blocking += other.blocking;
        self.twin += other.twin;
        self.clean_async += other.clean_async;
    }
}

/// The progress table: modules, crates, total.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// One row per module with fns, sorted.
    pub modules: Vec<Row>,
    /// One row per crate.
    pub crates: Vec<Row>,
    /// The total line.
    pub total: Row,
    /// Percentage of async fns free of findings, over the whole tree.
    pub clean_async_percent: f64,
    /// Percentage of legacy fns (`#[sync_to_async]`, `#[sync_only]`, handle methods) twinned.
    pub twinned_percent: f64,
}

/// Builds the table from the fns and the findings (findings count in their fn's module).
pub fn progress(fns: &[FnRecord], findings: &[Finding], crate_order: &[String]) -> Progress {
    let mut modules: BTreeMap<String, Row> = BTreeMap::new();
    let dirty: HashSet<&str> = findings.iter().map(|f| f.function.as_str()).collect();
    for f in fns {
        let module = f.module.join("::");
        let row = modules.entry(module.clone()).or_insert_with(|| Row {
            crate_name: f.module.first().cloned().unwrap_or_default(),
            module,
            ..Row::default()
        });
        match f.kind {
            FnKind::Plain => row.sync += 1,
            FnKind::SyncToAsync => row.sync_to_async += 1,
            FnKind::SyncOnly => row.sync_only += 1,
            FnKind::HandleMethod => row.handle_methods += 1,
            FnKind::Async => row.async_fns += 1,
            FnKind::AsyncToSync => row.async_to_sync += 1,
        }
        if matches!(f.kind, FnKind::Async | FnKind::AsyncToSync)
            && !dirty.contains(f.key.join("::").as_str())
        {
            row.clean_async += 1;
        }
    }
    for finding in findings {
        let row = modules
            .entry(finding.module.clone())
            .or_insert_with(|| Row {
                crate_name: finding.crate_name.clone(),
                module: finding.module.clone(),
                ..Row::default()
            });
        match finding.kind {
            Kind::Blocking => row.blocking += 1,
            Kind::Twin => row.twin += 1,
        }
    }
    let mut crates: Vec<Row> = Vec::new();
    let mut total = Row {
        module: "total".to_owned(),
        ..Row::default()
    };
    let mut order: Vec<String> = crate_order.to_vec();
    for row in modules.values() {
        if !order.contains(&row.crate_name) {
            order.push(row.crate_name.clone());
        }
    }
    for name in &order {
        let mut sum = Row {
            crate_name: name.clone(),
            module: name.clone(),
            ..Row::default()
        };
        let mut any = false;
        for row in modules.values().filter(|r| &r.crate_name == name) {
            sum.add(row);
            any = true;
        }
        if any {
            total.add(&sum);
            crates.push(sum);
        }
    }
    Progress {
        clean_async_percent: total.clean_percent(),
        twinned_percent: total.twinned_percent(),
        modules: modules.into_values().collect(),
        crates,
        total,
    }
}
