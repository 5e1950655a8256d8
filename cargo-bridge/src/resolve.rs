//! Name resolution across the workspace: every module's `use` imports (with aliases, groups,
//! globs and re-exports), the items it defines, and what the workspace's fns return and its
//! structs hold, so a call or a type written any way resolves to one canonical path.

use std::collections::{HashMap, HashSet};

use syn::{Fields, Item, ReturnType, Type, UseTree};

use crate::rules::Rules;

/// A canonical path, segment by segment, starting with the crate name.
pub type Path = Vec<String>;

/// What one module imports and defines.
#[derive(Debug, Clone, Default)]
pub struct ModScope {
    /// Imported names: `use std::fs as f;` maps `f` to `std::fs`.
    pub uses: HashMap<String, Path>,
    /// Glob imports: `use std::fs::*;` adds `std::fs`.
    pub globs: Vec<Path>,
    /// Names defined here: fns, types, traits, consts, child modules.
    pub items: HashSet<String>,
}

/// A workspace fn's signature, as far as the scan needs it.
#[derive(Debug, Clone, Default)]
pub struct FnSig {
    /// `async fn`.
    pub is_async: bool,
    /// The result type (through `Result`, `Option` and smart pointers), if a path.
    pub returns: Option<Path>,
}

/// Everything known about the workspace's names.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Module scopes by canonical module path.
    pub modules: HashMap<Path, ModScope>,
    /// The workspace fns (free fns by module path, methods by type path).
    pub fns: HashMap<Path, FnSig>,
    /// Struct fields: `(struct path, field)` to the field's type.
    pub fields: HashMap<(Path, String), Path>,
    /// The blocking list, for glob imports of external modules.
    pub rules: Rules,
}

/// The wrappers a value's type is seen through: `Arc<Mutex<File>>` is used as a `File`.
const WRAPPERS: [&str; 11] = [
    "Arc",
    "Rc",
    "Box",
    "Mutex",
    "RwLock",
    "RefCell",
    "Option",
    "Result",
    "MutexGuard",
    "RwLockReadGuard",
    "RwLockWriteGuard",
];

impl Index {
    /// Records the names `items` of module `module` imports and defines (first pass).
    pub fn add_module(&mut self, module: &[String], items: &[Item]) {
        let mut scope = ModScope::default();
        let mut raw = Vec::new();
        for item in items {
            match item {
                Item::Use(u) => flatten(&u.tree, Vec::new(), &mut raw, &mut scope.globs),
                Item::ExternCrate(e) => {
                    let name = e.rename.as_ref().map_or(&e.ident, |(_, r)| r).to_string();
                    scope.uses.insert(name, vec![e.ident.to_string()]);
                }
                Item::Mod(m) => {
                    scope.items.insert(m.ident.to_string());
                    if let Some((_, inner)) = &m.content {
                        let mut child = module.to_vec();
                        child.push(m.ident.to_string());
                        self.add_module(&child, inner);
                    }
                }
                _ => {
                    if let Some(name) = item_name(item) {
                        scope.items.insert(name);
                    }
                }
            }
        }
        let entry = self.modules.entry(module.to_vec()).or_default();
        entry.items.extend(scope.items);
        entry.globs.extend(scope.globs);
        // Kept relative for now: `absolutize_uses` runs when every module's items are known.
        for (name, path) in raw {
            entry.uses.insert(name, path);
        }
    }

    /// Makes every recorded import absolute (`crate::`, `self::`, `super::`, child modules).
    pub fn absolutize_uses(&mut self) {
        let keys: Vec<Path> = self.modules.keys().cloned().collect();
        for module in keys {
            let scope = &self.modules[&module];
            let items = scope.items.clone();
            let fix = |path: &Path| absolute(&module, &items, path);
            let uses: HashMap<String, Path> = scope
                .uses
                .iter()
                .map(|(k, v)| (k.clone(), fix(v)))
                .collect();
            let globs: Vec<Path> = scope.globs.iter().map(fix).collect();
            let scope = self.modules.get_mut(&module).expect("listed above");
            scope.uses = uses;
            scope.globs = globs;
        }
    }

    /// Resolves `segments` as written in `module` (with `Self` meaning `self_ty`).
    pub fn resolve(&self, module: &[String], self_ty: Option<&Path>, segments: &[String]) -> Path {
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        let rest = &segments[1..];
        let base: Path = match first.as_str() {
            "crate" => module.iter().take(1).chain(rest).cloned().collect(),
            "self" => module.iter().chain(rest).cloned().collect(),
            "super" => {
                let ups = segments.iter().take_while(|s| *s == "super").count();
                let keep = module.len().saturating_sub(ups).max(1);
                module[..keep.min(module.len())]
                    .iter()
                    .chain(&segments[ups..])
                    .cloned()
                    .collect()
            }
            "Self" => match self_ty {
                Some(ty) => ty.iter().chain(rest).cloned().collect(),
                None => segments.to_vec(),
            },
            _ => self.lookup(module, segments),
        };
        self.canonical(base)
    }

    fn lookup(&self, module: &[String], segments: &[String]) -> Path {
        let first = &segments[0];
        let rest = &segments[1..];
        if let Some(scope) = self.modules.get(module) {
            if let Some(target) = scope.uses.get(first) {
                return target.iter().chain(rest).cloned().collect();
            }
            if scope.items.contains(first) {
                return module.iter().chain(segments).cloned().collect();
            }
            for glob in &scope.globs {
                let candidate: Path = glob.iter().chain(segments).cloned().collect();
                if self.knows(&candidate) {
                    return candidate;
                }
            }
        }
        segments.to_vec()
    }

    /// Whether `path` names something: a workspace module, fn or item, or an API of the rules.
    fn knows(&self, path: &Path) -> bool {
        if self.modules.contains_key(path) || self.fns.contains_key(path) {
            return true;
        }
        if let Some((last, parent)) = path.split_last()
            && let Some(scope) = self.modules.get(parent)
            && (scope.items.contains(last) || scope.uses.contains_key(last))
        {
            return true;
        }
        self.rules.knows(&path.join("::"))
    }

    /// Follows re-exports (`pub use`) until `path` names where the item is defined.
    pub fn canonical(&self, mut path: Path) -> Path {
        'outer: for _ in 0..16 {
            for k in 1..path.len() {
                let Some(scope) = self.modules.get(&path[..k]) else {
                    continue;
                };
                let name = &path[k];
                if scope.items.contains(name) {
                    continue;
                }
                if let Some(target) = scope.uses.get(name) {
                    if target.as_slice() == &path[..=k] {
                        break 'outer;
                    }
                    let next: Path = target.iter().chain(&path[k + 1..]).cloned().collect();
                    path = next;
                    continue 'outer;
                }
                if k + 1 == path.len() {
                    for glob in &scope.globs {
                        let candidate: Path = glob.iter().chain([name]).cloned().collect();
                        if candidate != path && self.knows(&candidate) {
                            path = candidate;
                            continue 'outer;
                        }
                    }
                }
            }
            break;
        }
        path
    }

    /// The path of the type a value of type `ty` is used as, if any.
    pub fn type_path(&self, module: &[String], self_ty: Option<&Path>, ty: &Type) -> Option<Path> {
        match ty {
            Type::Reference(r) => self.type_path(module, self_ty, &r.elem),
            Type::Paren(p) => self.type_path(module, self_ty, &p.elem),
            Type::Group(g) => self.type_path(module, self_ty, &g.elem),
            Type::Path(p) if p.qself.is_none() => {
                let last = p.path.segments.last()?;
                if WRAPPERS.contains(&last.ident.to_string().as_str())
                    && let syn::PathArguments::AngleBracketed(args) = &last.arguments
                    && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
                {
                    return self.type_path(module, self_ty, inner);
                }
                let segments: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                Some(self.resolve(module, self_ty, &segments))
            }
            _ => None,
        }
    }

    /// Records the workspace fns, methods and struct fields of `items` (second pass).
    pub fn add_signatures(&mut self, module: &[String], items: &[Item]) {
        for item in items {
            match item {
                Item::Fn(f) => {
                    let mut path = module.to_vec();
                    path.push(f.sig.ident.to_string());
                    let sig = self.sig(module, None, &f.sig);
                    self.fns.insert(path, sig);
                }
                Item::Impl(imp) => {
                    let Some(self_ty) = self.type_path(module, None, &imp.self_ty) else {
                        continue;
                    };
                    for item in &imp.items {
                        if let syn::ImplItem::Fn(f) = item {
                            let mut path = self_ty.clone();
                            path.push(f.sig.ident.to_string());
                            let sig = self.sig(module, Some(&self_ty), &f.sig);
                            self.fns.insert(path, sig);
                        }
                    }
                }
                Item::Struct(s) => {
                    if let Fields::Named(named) = &s.fields {
                        let mut path = module.to_vec();
                        path.push(s.ident.to_string());
                        for field in &named.named {
                            if let (Some(name), Some(ty)) =
                                (&field.ident, self.type_path(module, None, &field.ty))
                            {
                                self.fields.insert((path.clone(), name.to_string()), ty);
                            }
                        }
                    }
                }
                Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        let mut child = module.to_vec();
                        child.push(m.ident.to_string());
                        self.add_signatures(&child, inner);
                    }
                }
                _ => {}
            }
        }
    }

    fn sig(&self, module: &[String], self_ty: Option<&Path>, sig: &syn::Signature) -> FnSig {
        let returns = match &sig.output {
            ReturnType::Type(_, ty) => self.type_path(module, self_ty, ty),
            ReturnType::Default => None,
        };
        FnSig {
            is_async: sig.asyncness.is_some(),
            returns,
        }
    }
}

fn item_name(item: &Item) -> Option<String> {
    let ident = match item {
        Item::Fn(i) => &i.sig.ident,
        Item::Struct(i) => &i.ident,
        Item::Enum(i) => &i.ident,
        Item::Union(i) => &i.ident,
        Item::Type(i) => &i.ident,
        Item::Trait(i) => &i.ident,
        Item::Const(i) => &i.ident,
        Item::Static(i) => &i.ident,
        Item::Mod(i) => &i.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

/// Flattens a `use` tree into `(name, path as written)` pairs and glob prefixes.
pub fn flatten(tree: &UseTree, prefix: Path, out: &mut Vec<(String, Path)>, globs: &mut Vec<Path>) {
    match tree {
        UseTree::Path(p) => {
            let mut prefix = prefix;
            prefix.push(p.ident.to_string());
            flatten(&p.tree, prefix, out, globs);
        }
        UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                if let Some(last) = prefix.last() {
                    out.push((last.clone(), prefix.clone()));
                }
            } else {
                let mut path = prefix;
                path.push(name.clone());
                out.push((name, path));
            }
        }
        UseTree::Rename(r) => {
            let name = r.rename.to_string();
            if name == "_" {
                return;
            }
            let mut path = prefix;
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            out.push((name, path));
        }
        UseTree::Glob(_) => globs.push(prefix),
        UseTree::Group(g) => {
            for tree in &g.items {
                flatten(tree, prefix.clone(), out, globs);
            }
        }
        #[allow(unreachable_patterns)]
        _ => {}
    }
}

/// Makes a `use` path written in `module` (which defines `items`) absolute.
pub fn absolute(module: &[String], items: &HashSet<String>, path: &Path) -> Path {
    let Some(first) = path.first() else {
        return path.clone();
    };
    match first.as_str() {
        "crate" => module.iter().take(1).chain(&path[1..]).cloned().collect(),
        "self" => module.iter().chain(&path[1..]).cloned().collect(),
        "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            let keep = module.len().saturating_sub(ups).max(1);
            module[..keep.min(module.len())]
                .iter()
                .chain(&path[ups..])
                .cloned()
                .collect()
        }
        _ if items.contains(first) => module.iter().chain(path).cloned().collect(),
        _ => path.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::Index;

    fn path(text: &str) -> Vec<String> {
        text.split("::").map(str::to_owned).collect()
    }

    #[test]
    fn resolves_aliases_globs_super_and_re_exports() {
        let lib: syn::File =
            syn::parse_str("pub mod db; pub use db::query as run; pub mod app;").unwrap();
        let db: syn::File = syn::parse_str("pub fn query() {}").unwrap();
        let app: syn::File =
            syn::parse_str("use crate::run as go; use std::fs as f; use std::thread::*;").unwrap();
        let mut index = Index {
            rules: crate::rules::Rules::builtin(),
            ..Index::default()
        };
        index.add_module(&path("demo"), &lib.items);
        index.add_module(&path("demo::db"), &db.items);
        index.add_module(&path("demo::app"), &app.items);
        index.absolutize_uses();
        index.add_signatures(&path("demo::db"), &db.items);
        let app = path("demo::app");
        assert_eq!(
            index.resolve(&app, None, &path("go")),
            path("demo::db::query")
        );
        assert_eq!(
            index.resolve(&app, None, &path("f::read")),
            path("std::fs::read")
        );
        assert_eq!(
            index.resolve(&app, None, &path("sleep")),
            path("std::thread::sleep")
        );
        assert_eq!(
            index.resolve(&app, None, &path("super::db::query")),
            path("demo::db::query")
        );
        assert_eq!(
            index.resolve(&app, None, &path("crate::run")),
            path("demo::db::query")
        );
    }
}
