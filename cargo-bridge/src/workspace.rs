//! Finding the crates to scan: a workspace's members, or one crate, and their source files.

use std::fs;
use std::path::{Path, PathBuf};

use crate::Error;

/// One crate of the scanned tree.
#[derive(Debug, Clone)]
pub struct CrateInfo {
    /// The package name, as in `Cargo.toml` (`legacy-demo`).
    pub package: String,
    /// The crate name, as in paths (`legacy_demo`).
    pub name: String,
    /// The crate's directory.
    pub dir: PathBuf,
    /// Every `.rs` file under `src/`, sorted.
    pub files: Vec<PathBuf>,
}

/// The scanned tree: its root (where reports' paths start) and its crates.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The directory of the root `Cargo.toml`.
    pub root: PathBuf,
    /// The root manifest, parsed.
    pub manifest: toml::Table,
    /// The crates, in the order of the manifest.
    pub crates: Vec<CrateInfo>,
}

/// Reads the workspace or crate at `path` (a directory, or a `Cargo.toml`).
///
/// # Errors
///
/// If there is no readable `Cargo.toml` there, or it is neither a package nor a workspace.
pub fn discover(path: &Path) -> Result<Workspace, Error> {
    let root = if path.is_file() {
        path.parent().unwrap_or(Path::new(".")).to_path_buf()
    } else {
        path.to_path_buf()
    };
    let manifest = read_manifest(&root)?;
    let mut crates = Vec::new();
    if let Some(workspace) = manifest.get("workspace").and_then(|w| w.as_table()) {
        let excluded: Vec<PathBuf> = strings(workspace.get("exclude"))
            .iter()
            .map(|e| root.join(e))
            .collect();
        for member in strings(workspace.get("members")) {
            for dir in expand_member(&root, &member) {
                if excluded.iter().any(|e| dir.starts_with(e)) || dir == root {
                    continue;
                }
                if let Ok(info) = crate_info(&dir) {
                    crates.push(info);
                }
            }
        }
    }
    if manifest.contains_key("package") {
        crates.insert(0, crate_info(&root)?);
    }
    if crates.is_empty() && !manifest.contains_key("workspace") {
        return Err(Error::new(format!(
            "{}: neither a [package] nor a [workspace]",
            root.join("Cargo.toml").display()
        )));
    }
    Ok(Workspace {
        root,
        manifest,
        crates,
    })
}

/// Finds the root cargo would build from `start`: the nearest directory at or above it whose
/// `Cargo.toml` declares a `[workspace]`, else the nearest with a `Cargo.toml`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let mut nearest = None;
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if manifest.is_file() {
            nearest.get_or_insert_with(|| dir.to_path_buf());
            if fs::read_to_string(&manifest).is_ok_and(|text| text.contains("[workspace]")) {
                return Some(dir.to_path_buf());
            }
        }
    }
    nearest
}

fn read_manifest(dir: &Path) -> Result<toml::Table, Error> {
    let path = dir.join("Cargo.toml");
    let text =
        fs::read_to_string(&path).map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
    text.parse::<toml::Table>()
        .map_err(|e| Error::new(format!("{}: {e}", path.display())))
}

fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `members` entries may end in `/*`: every directory there with a `Cargo.toml`.
fn expand_member(root: &Path, member: &str) -> Vec<PathBuf> {
    if let Some(parent) = member.strip_suffix("/*") {
        let mut dirs: Vec<PathBuf> = fs::read_dir(root.join(parent))
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|dir| dir.join("Cargo.toml").is_file())
            .collect();
        dirs.sort();
        dirs
    } else {
        vec![root.join(member)]
    }
}

fn crate_info(dir: &Path) -> Result<CrateInfo, Error> {
    let manifest = read_manifest(dir)?;
    let package = manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .ok_or_else(|| Error::new(format!("{}: no package name", dir.display())))?
        .to_owned();
    let lib_name = manifest
        .get("lib")
        .and_then(|l| l.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_owned);
    let name = lib_name.unwrap_or_else(|| package.replace('-', "_"));
    let mut files = Vec::new();
    collect_rs(&dir.join("src"), &mut files);
    files.sort();
    Ok(CrateInfo {
        package,
        name,
        dir: dir.to_path_buf(),
        files,
    })
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of `file` in its crate, from its place under `src/`: `src/lib.rs` is the root, and
/// so is `src/main.rs` unless there is a `src/lib.rs` (then it is `main`, another crate), `src/a/mod.rs` and `src/a.rs` are `a`, `src/bin/x.rs` is `bin::x`.
pub fn module_of(crate_dir: &Path, file: &Path) -> Vec<String> {
    let rel = file
        .strip_prefix(crate_dir.join("src"))
        .unwrap_or(file)
        .with_extension("");
    let mut segments: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(segments.last().map(String::as_str), Some("mod")) {
        segments.pop();
    }
    let bin_beside_lib = segments.len() == 1
        && segments[0] == "main"
        && crate_dir.join("src").join("lib.rs").is_file();
    if segments.len() == 1 && matches!(segments[0].as_str(), "lib" | "main") && !bin_beside_lib {
        segments.clear();
    }
    segments
}
