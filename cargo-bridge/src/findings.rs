//! Turning resolved calls into findings: which calls block, why, and the exact fix. A
//! workspace fn blocks when its sync body calls something that blocks (transitively).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::bridged::{Bridged, Fix};
use crate::resolve::Path;
use crate::rules::{Rules, WORKSPACE_FIX};
use crate::scan::{CallRecord, Ctx};

/// The two kinds of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A blocking call in async context.
    Blocking,
    /// A bridged sync fn called directly from async context: await its twin instead.
    Twin,
}

impl Kind {
    /// `blocking` or `twin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Blocking => "blocking",
            Kind::Twin => "twin",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The file, relative to the scanned root, with `/` separators.
    pub path: String,
    /// 1-based line of the callee.
    pub line: usize,
    /// 1-based column of the callee.
    pub column: usize,
    /// 1-based column just past the underlined call (on `line`).
    pub end_column: usize,
    /// `blocking` or `twin`.
    pub kind: Kind,
    /// The canonical path of what is called.
    pub callee: String,
    /// The enclosing fn.
    pub function: String,
    /// The exact fix.
    pub suggestion: String,
    /// The crate (as in paths).
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// The module of the enclosing fn.
    pub module: String,
    /// The source line.
    pub source: String,
}

/// Why a call blocks, and how to fix it, before context is considered.
fn direct(call: &CallRecord, bridged: &Bridged, rules: &Rules) -> Option<(Kind, String)> {
    let last = call.callee.last().map_or("", String::as_str);
    let args = &call.args;
    if let Some(fix) = bridged.fixes.get(&call.callee) {
        let name = |path: &Path| path.last().cloned().unwrap_or_default();
        let suggestion = match fix {
            Fix::Twin(twin) => {
                let twin_name = name(twin);
                let written = if call.method {
                    format!("{}.{twin_name}", call.written)
                } else {
                    match call.written.rsplit_once("::") {
                        Some((prefix, _)) => format!("{prefix}::{twin_name}"),
                        None => twin_name.clone(),
                    }
                };
                format!(
                    "await the twin: `{written}({args}).await` (`{}`)",
                    twin.join("::")
                )
            }
            Fix::Handle {
                handle,
                method,
                ctor,
            } => {
                let h = name(handle);
                if *ctor {
                    format!(
                        "build the async handle instead: `{h}::{method}({args}).await` (`{}::{method}`)",
                        handle.join("::")
                    )
                } else {
                    let ty = call
                        .callee
                        .get(call.callee.len().wrapping_sub(2))
                        .cloned()
                        .unwrap_or_default();
                    format!(
                        "use the async handle `{h}::{method}`: `handle.{method}({args}).await`, where `handle` is an `{h}` owning the `{ty}` (`{h}::from({})`)",
                        call.written
                    )
                }
            }
            Fix::AsyncOriginal(target) => {
                let t = name(target);
                if call.method {
                    format!(
                        "`{last}` blocks on `{t}`: await it directly: `{}.{t}({args}).await`",
                        call.written
                    )
                } else {
                    format!(
                        "`{last}` blocks on `{t}`: await it directly: `{t}({args}).await` (`{}`)",
                        target.join("::")
                    )
                }
            }
            Fix::SyncOnly => {
                return Some((
                    Kind::Blocking,
                    format!(
                        "`#[sync_only]` fn: it panics in async context; add `#[sync_to_async]` to it and await the twin, or run it with `bridge_runtime::to_thread(move || {}({args})).await`",
                        call.written
                    ),
                ));
            }
        };
        return Some((Kind::Twin, suggestion));
    }
    let rule = rules.get(&call.callee.join("::"))?;
    rule.blocking
        .then(|| (Kind::Blocking, rule.fix.replace("{name}", last)))
}

/// The workspace fns that block, each with the callee that makes it block.
pub fn blocking_fns(calls: &[CallRecord], bridged: &Bridged, rules: &Rules) -> HashMap<Path, Path> {
    let mut blocking: HashMap<Path, Path> = HashMap::new();
    let sync: Vec<&CallRecord> = calls.iter().filter(|c| c.ctx == Ctx::Sync).collect();
    for call in &sync {
        if direct(call, bridged, rules).is_some() {
            // A bridged callee is the most useful reason to show: its twin is the fix.
            let better = bridged.fixes.contains_key(&call.callee);
            match blocking.get(&call.caller) {
                Some(old) if !better || bridged.fixes.contains_key(old) => {}
                _ => {
                    blocking.insert(call.caller.clone(), call.callee.clone());
                }
            }
        }
    }
    loop {
        let mut changed = false;
        for call in &sync {
            if call.caller != call.callee
                && blocking.contains_key(&call.callee)
                && !blocking.contains_key(&call.caller)
            {
                blocking.insert(call.caller.clone(), call.callee.clone());
                changed = true;
            }
        }
        if !changed {
            return blocking;
        }
    }
}

/// The finding for `call`, if it blocks in async context: `(kind, suggestion)`.
pub fn classify(
    call: &CallRecord,
    bridged: &Bridged,
    rules: &Rules,
    blocking: &HashMap<Path, Path>,
) -> Option<(Kind, String)> {
    if call.ctx != Ctx::Async {
        return None;
    }
    if let Some(found) = direct(call, bridged, rules) {
        return Some(found);
    }
    let first = blocking.get(&call.callee)?;
    let mut chain = vec![format!("`{}`", short(first))];
    let mut at = first;
    while !bridged.fixes.contains_key(at)
        && let Some(next) = blocking.get(at)
    {
        if chain.len() >= 4 || next == at {
            break;
        }
        chain.push(format!("`{}`", short(next)));
        at = next;
    }
    if let Some(Fix::Twin(twin)) = bridged.fixes.get(at) {
        let last = chain.pop().unwrap_or_default();
        chain.push(format!("{last} (bridged: twin `{}`)", twin.join("::")));
    }
    Some((
        Kind::Blocking,
        format!(
            "`{}` blocks (it calls {}): {}",
            call.callee.join("::"),
            chain.join(" → "),
            WORKSPACE_FIX
        ),
    ))
}

fn short(path: &Path) -> String {
    let n = path.len();
    if n > 2 && path[n - 2].starts_with(char::is_uppercase) {
        path[n - 2..].join("::")
    } else {
        path.last().cloned().unwrap_or_default()
    }
}
