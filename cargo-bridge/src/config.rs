//! The config file: extends the blocking list, tells what constructors return, and names more
//! calls whose closures run on another thread.
//!
//! Read from `bridge.toml` at the scanned root (or `--config FILE`), and from
//! `[workspace.metadata.bridge]` / `[package.metadata.bridge]` of the root `Cargo.toml`:
//!
//! ```toml
//! blocking = ["legacy_db::query", "legacy_db::Db::query", "legacy_http::**"]
//! exempt = ["run_on_pool"]
//! [returns]
//! "legacy_db::Db::connect" = "legacy_db::Db"
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::Error;
use crate::rules::{Rule, Rules};

/// The fix suggested for a call of the config's blocking list.
const FIX: &str = "listed as blocking in the bridge config: run it with `bridge_runtime::to_thread(move || ..).await`, or await its async version";

/// The config, all files merged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// More blocking APIs (paths, `Type::method`, `prefix::*`, `prefix::**`).
    pub blocking: Vec<String>,
    /// More calls whose closure arguments are not async context (last segment or full path).
    pub exempt: Vec<String>,
    /// What fns return: path to type path, so method calls on their results resolve.
    pub returns: std::collections::BTreeMap<String, String>,
}

impl Config {
    /// Reads `explicit` if given, else `root/bridge.toml` if present, plus the metadata tables
    /// of the root manifest.
    ///
    /// # Errors
    ///
    /// An unreadable or malformed config file.
    pub fn load(
        root: &Path,
        manifest: &toml::Table,
        explicit: Option<&Path>,
    ) -> Result<Self, Error> {
        let mut config = Config::default();
        for key in ["workspace", "package"] {
            if let Some(table) = manifest
                .get(key)
                .and_then(|t| t.get("metadata"))
                .and_then(|m| m.get("bridge"))
            {
                let part: Config = table
                    .clone()
                    .try_into()
                    .map_err(|e| Error::new(format!("Cargo.toml [{key}.metadata.bridge]: {e}")))?;
                config.merge(part);
            }
        }
        let default = root.join("bridge.toml");
        let file = explicit
            .map(Path::to_path_buf)
            .or_else(|| default.is_file().then_some(default));
        if let Some(file) = file {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Error::new(format!("{}: {e}", file.display())))?;
            let part: Config = toml::from_str(&text)
                .map_err(|e| Error::new(format!("{}: {e}", file.display())))?;
            config.merge(part);
        }
        Ok(config)
    }

    fn merge(&mut self, other: Config) {
        self.blocking.extend(other.blocking);
        self.exempt.extend(other.exempt);
        self.returns.extend(other.returns);
    }

    /// Adds the config's entries to `rules`.
    pub fn apply(&self, rules: &mut Rules) {
        for path in &self.blocking {
            let returns = self.returns.get(path).cloned();
            rules.insert(
                path,
                Rule {
                    blocking: true,
                    returns,
                    fix: FIX.to_owned(),
                },
            );
        }
        for (path, returns) in &self.returns {
            if !self.blocking.contains(path) {
                let fix = rules.get(path).map(|r| r.fix.clone()).unwrap_or_default();
                rules.insert(
                    path,
                    Rule {
                        blocking: false,
                        returns: Some(returns.clone()),
                        fix,
                    },
                );
            }
        }
    }
}
