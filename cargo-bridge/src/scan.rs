//! The visitor: walks one file, tracks whether each expression runs in async context, infers
//! the types of local values, and records every call it can resolve, with its context.

use std::collections::{HashMap, HashSet};

use proc_macro2::LineColumn;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, ExprClosure, FnArg, Pat};

use crate::bridged::{self, FnKind};
use crate::resolve::{Index, Path};
use crate::rules::{DIESEL_CONNECTIONS, DIESEL_QUERIES};

/// Whether code runs in async context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    /// A sync fn body.
    Sync,
    /// An `async fn`, async block or async closure.
    Async,
    /// A closure handed to another thread (`spawn_blocking`, `to_thread`, ...), or one that
    /// async code only builds and never runs.
    Exempt,
}

/// One resolved call.
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// Index of the file in the scan's file list.
    pub file: usize,
    /// Where the callee starts (line 1-based, column 0-based).
    pub start: LineColumn,
    /// Where the underline ends (on the start line).
    pub end: LineColumn,
    /// The context of the call.
    pub ctx: Ctx,
    /// The enclosing fn (`crate::module::fn`, `crate::module::Type::method`).
    pub caller: Path,
    /// The canonical path of the callee (`Type::method` for a method call).
    pub callee: Path,
    /// A method call (`receiver.method(..)`).
    pub method: bool,
    /// The callee as written (a path), or the receiver's text (a method call).
    pub written: String,
    /// The arguments' text.
    pub args: String,
    /// The first line of the innermost statement around the call (for allow comments).
    pub stmt_line: usize,
}

/// One fn, for the progress table.
#[derive(Debug, Clone)]
pub struct FnRecord {
    /// Its path.
    pub key: Path,
    /// The module it is in.
    pub module: Path,
    /// Its kind.
    pub kind: FnKind,
}

/// Names of calls whose closure arguments run on another thread.
pub const EXEMPT_CALLS: [&str; 8] = [
    "spawn_blocking",
    "block_in_place",
    "to_thread",
    "run_in",
    "spawn",
    "dispatch",
    "dispatch_default",
    "dispatch_sensitive",
];

/// Methods whose result is the receiver seen through a guard, a clone or a reference.
const PASS_THROUGH: [&str; 16] = [
    "unwrap",
    "expect",
    "unwrap_or_default",
    "clone",
    "to_owned",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "lock",
    "read",
    "write",
    "try_clone",
    "by_ref",
    "get_ref",
    "get_mut",
];

/// Assoc fns assumed to build their own type when nothing else is known.
const CONSTRUCTORS: [&str; 6] = ["new", "open", "connect", "create", "establish", "default"];

#[derive(Debug)]
struct Frame {
    key: Path,
    locals: HashMap<String, Path>,
    uses: HashMap<String, Path>,
    used: HashSet<String>,
}

/// Scans one parsed file.
#[derive(Debug)]
pub struct Scanner<'a> {
    index: &'a Index,
    exempt_names: &'a [String],
    file: usize,
    lines: Vec<&'a str>,
    module: Path,
    self_ty: Option<Path>,
    handle_impl: bool,
    stmt_line: usize,
    ctx: Ctx,
    frames: Vec<Frame>,
    exempt: HashSet<*const ExprClosure>,
    /// The calls found.
    pub calls: Vec<CallRecord>,
    /// The fns found.
    pub fns: Vec<FnRecord>,
}

impl<'a> Scanner<'a> {
    /// A scanner for file number `file`, of text `text`, in module `module`.
    pub fn new(
        index: &'a Index,
        exempt_names: &'a [String],
        file: usize,
        text: &'a str,
        module: Path,
    ) -> Self {
        Scanner {
            index,
            exempt_names,
            file,
            lines: text.lines().collect(),
            module,
            self_ty: None,
            handle_impl: false,
            stmt_line: 0,
            ctx: Ctx::Sync,
            frames: Vec::new(),
            exempt: HashSet::new(),
            calls: Vec::new(),
            fns: Vec::new(),
        }
    }

    fn slice(&self, start: LineColumn, end: LineColumn) -> String {
        let mut out = String::new();
        for line in start.line..=end.line {
            let Some(text) = self.lines.get(line.wrapping_sub(1)) else {
                break;
            };
            let from = if line == start.line { start.column } else { 0 };
            let to = if line == end.line {
                end.column
            } else {
                usize::MAX
            };
            let part: String = text
                .chars()
                .skip(from)
                .take(to.saturating_sub(from))
                .collect();
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(if line == start.line {
                &part
            } else {
                part.trim()
            });
        }
        out
    }

    fn resolve(&self, segments: &[String]) -> Path {
        if let Some(frame) = self.frames.last()
            && let Some(target) = segments.first().and_then(|f| frame.uses.get(f))
        {
            let path: Path = target.iter().chain(&segments[1..]).cloned().collect();
            return self.index.canonical(path);
        }
        self.index
            .resolve(&self.module, self.self_ty.as_ref(), segments)
    }

    fn local(&self, name: &str) -> Option<&Path> {
        self.frames.last()?.locals.get(name)
    }

    fn is_exempt(&self, last: &str, segments: &[String]) -> bool {
        EXEMPT_CALLS.contains(&last)
            || segments.iter().any(|s| s == "CallSite")
            || self
                .exempt_names
                .iter()
                .any(|e| e == last || *e == segments.join("::"))
    }

    /// The type of `expr`, when local inference knows it.
    fn type_of(&self, expr: &Expr) -> Option<Path> {
        match expr {
            Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                if name == "self" {
                    self.self_ty.clone()
                } else {
                    self.local(&name).cloned()
                }
            }
            Expr::Reference(r) => self.type_of(&r.expr),
            Expr::Paren(p) => self.type_of(&p.expr),
            Expr::Group(g) => self.type_of(&g.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.type_of(&u.expr),
            Expr::Try(t) => self.type_of(&t.expr),
            Expr::Await(a) => self.type_of(&a.base),
            Expr::Field(f) => {
                let base = self.type_of(&f.base)?;
                let syn::Member::Named(name) = &f.member else {
                    return None;
                };
                self.index.fields.get(&(base, name.to_string())).cloned()
            }
            Expr::MethodCall(m) => {
                let receiver = self.type_of(&m.receiver)?;
                let method = m.method.to_string();
                let key: Path = receiver.iter().cloned().chain([method.clone()]).collect();
                if let Some(rule) = self.index.rules.get(&key.join("::")) {
                    return rule.returns.as_deref().map(bridged::split);
                }
                if let Some(sig) = self.index.fns.get(&key) {
                    return sig.returns.clone();
                }
                PASS_THROUGH.contains(&method.as_str()).then_some(receiver)
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return None;
                };
                let segments = segments(&p.path);
                let path = self.resolve(&segments);
                let joined = path.join("::");
                if matches!(
                    joined.as_str(),
                    "std::io::BufReader::new" | "std::io::BufWriter::new"
                ) {
                    let inner = self.type_of(c.args.first()?)?.join("::");
                    let io = [
                        "std::fs::File",
                        "std::net::TcpStream",
                        "std::io::Stdin",
                        "std::io::StdinLock",
                    ];
                    return io
                        .contains(&inner.as_str())
                        .then(|| path[..path.len() - 1].to_vec());
                }
                if let Some(rule) = self.index.rules.get(&joined) {
                    return rule.returns.as_deref().map(bridged::split);
                }
                if let Some(sig) = self.index.fns.get(&path) {
                    return sig.returns.clone();
                }
                let (last, ty) = path.split_last()?;
                let typelike = ty.last().is_some_and(|t| t.starts_with(char::is_uppercase));
                (typelike && CONSTRUCTORS.contains(&last.as_str())).then(|| ty.to_vec())
            }
            _ => None,
        }
    }

    /// `std::sync::mpsc::channel()` or `sync_channel(n)`, possibly with a turbofish.
    fn is_channel(&self, expr: &Expr) -> bool {
        let Expr::Call(call) = expr else { return false };
        let Expr::Path(p) = &*call.func else {
            return false;
        };
        let path = self.resolve(&segments(&p.path)).join("::");
        matches!(
            path.as_str(),
            "std::sync::mpsc::channel" | "std::sync::mpsc::sync_channel"
        )
    }

    fn caller(&self) -> Path {
        match self.frames.last() {
            Some(frame) => frame.key.clone(),
            None => self.module.clone(),
        }
    }

    fn record(
        &mut self,
        callee: Path,
        method: bool,
        start: LineColumn,
        close: LineColumn,
        written: String,
        args: String,
    ) {
        let end = if close.line == start.line {
            close
        } else {
            LineColumn {
                line: start.line,
                column: self
                    .lines
                    .get(start.line - 1)
                    .map_or(start.column + 1, |l| l.chars().count()),
            }
        };
        self.calls.push(CallRecord {
            file: self.file,
            start,
            end,
            ctx: self.ctx,
            caller: self.caller(),
            callee,
            method,
            written,
            args,
            stmt_line: self.stmt_line,
        });
    }

    fn enter_fn(
        &mut self,
        key: Path,
        inputs: &Punctuated<FnArg, syn::Token![,]>,
        block: &syn::Block,
    ) {
        let mut locals = HashMap::new();
        for input in inputs {
            match input {
                FnArg::Receiver(_) => {
                    if let Some(ty) = &self.self_ty {
                        locals.insert("self".to_owned(), ty.clone());
                    }
                }
                FnArg::Typed(pt) => {
                    if let Pat::Ident(id) = &*pt.pat
                        && let Some(ty) =
                            self.index
                                .type_path(&self.module, self.self_ty.as_ref(), &pt.ty)
                    {
                        locals.insert(id.ident.to_string(), ty);
                    }
                }
            }
        }
        let mut used = UsedIdents {
            used: HashSet::new(),
        };
        used.visit_block(block);
        self.frames.push(Frame {
            key,
            locals,
            uses: HashMap::new(),
            used: used.used,
        });
    }

    fn visit_fn(&mut self, key: Path, kind: FnKind, sig: &syn::Signature, block: &syn::Block) {
        self.fns.push(FnRecord {
            key: key.clone(),
            module: self.module.clone(),
            kind,
        });
        self.enter_fn(key, &sig.inputs, block);
        let saved = self.ctx;
        self.ctx = if sig.asyncness.is_some() {
            Ctx::Async
        } else {
            Ctx::Sync
        };
        self.visit_block(block);
        self.ctx = saved;
        self.frames.pop();
    }

    fn mark_exempt_closures<'e>(&mut self, args: impl IntoIterator<Item = &'e Expr>) {
        for arg in args {
            if let Some(closure) = as_closure(arg)
                && closure.asyncness.is_none()
            {
                self.exempt.insert(closure as *const ExprClosure);
            }
        }
    }
}

fn as_closure(expr: &Expr) -> Option<&ExprClosure> {
    match expr {
        Expr::Closure(c) => Some(c),
        Expr::Paren(p) => as_closure(&p.expr),
        Expr::Group(g) => as_closure(&g.expr),
        _ => None,
    }
}

fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// `#[test]`, `#[tokio::test]`, `#[cfg(test)]`: test code is not scanned.
pub fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let last = attr.path().segments.last().map(|s| s.ident.to_string());
        match last.as_deref() {
            Some("test") => true,
            Some("cfg") => {
                matches!(&attr.meta, syn::Meta::List(l) if l.tokens.to_string() == "test")
            }
            _ => false,
        }
    })
}

impl<'ast> Visit<'ast> for Scanner<'_> {
    fn visit_stmt(&mut self, stmt: &'ast syn::Stmt) {
        let saved = self.stmt_line;
        self.stmt_line = stmt.span().start().line;
        visit::visit_stmt(self, stmt);
        self.stmt_line = saved;
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if is_test(&m.attrs) {
            return;
        }
        self.module.push(m.ident.to_string());
        visit::visit_item_mod(self, m);
        self.module.pop();
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if is_test(&f.attrs) {
            return;
        }
        let attrs = bridged::bridge_attrs(&f.attrs);
        let kind = bridged::fn_kind(&attrs, f.sig.asyncness.is_some(), false);
        let key: Path = self
            .module
            .iter()
            .cloned()
            .chain([f.sig.ident.to_string()])
            .collect();
        let saved = (self.self_ty.take(), self.handle_impl);
        self.handle_impl = false;
        self.visit_fn(key, kind, &f.sig, &f.block);
        (self.self_ty, self.handle_impl) = saved;
    }

    fn visit_item_impl(&mut self, imp: &'ast syn::ItemImpl) {
        if is_test(&imp.attrs) {
            return;
        }
        let saved = (self.self_ty.take(), self.handle_impl);
        self.self_ty = self.index.type_path(&self.module, None, &imp.self_ty);
        self.handle_impl = imp.trait_.is_none() && bridged::impl_handle(&imp.attrs).is_some();
        for item in &imp.items {
            self.visit_impl_item(item);
        }
        (self.self_ty, self.handle_impl) = saved;
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        let saved = (self.self_ty.take(), self.handle_impl);
        self.self_ty = Some(
            self.module
                .iter()
                .cloned()
                .chain([t.ident.to_string()])
                .collect(),
        );
        self.handle_impl = false;
        visit::visit_item_trait(self, t);
        (self.self_ty, self.handle_impl) = saved;
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            let attrs = bridged::bridge_attrs(&f.attrs);
            let kind = bridged::fn_kind(&attrs, f.sig.asyncness.is_some(), false);
            let owner = self.self_ty.clone().unwrap_or_else(|| self.module.clone());
            let key: Path = owner.into_iter().chain([f.sig.ident.to_string()]).collect();
            self.visit_fn(key, kind, &f.sig, block);
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if is_test(&f.attrs) {
            return;
        }
        let attrs = bridged::bridge_attrs(&f.attrs);
        let in_handle = self.handle_impl && bridged::handle_method_name(f).is_some();
        let kind = bridged::fn_kind(&attrs, f.sig.asyncness.is_some(), in_handle);
        let owner = self.self_ty.clone().unwrap_or_else(|| self.module.clone());
        let key: Path = owner.into_iter().chain([f.sig.ident.to_string()]).collect();
        self.visit_fn(key, kind, &f.sig, &f.block);
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        // Module-level imports are in the index; these are the ones inside fn bodies.
        let Some(items) = self
            .index
            .modules
            .get(&self.module)
            .map(|s| s.items.clone())
        else {
            return;
        };
        let module = self.module.clone();
        if let Some(frame) = self.frames.last_mut() {
            let mut raw = Vec::new();
            let mut globs = Vec::new();
            crate::resolve::flatten(&u.tree, Vec::new(), &mut raw, &mut globs);
            for (name, path) in raw {
                frame
                    .uses
                    .insert(name, crate::resolve::absolute(&module, &items, &path));
            }
        }
    }

    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        let saved = self.ctx;
        self.ctx = Ctx::Async;
        visit::visit_expr_async(self, a);
        self.ctx = saved;
    }

    fn visit_expr_closure(&mut self, c: &'ast ExprClosure) {
        let saved = self.ctx;
        if c.asyncness.is_some() {
            self.ctx = Ctx::Async;
        } else if self.exempt.contains(&(c as *const ExprClosure)) {
            self.ctx = Ctx::Exempt;
        }
        for input in &c.inputs {
            if let Pat::Type(pt) = input
                && let Pat::Ident(id) = &*pt.pat
                && let Some(ty) = self
                    .index
                    .type_path(&self.module, self.self_ty.as_ref(), &pt.ty)
                && let Some(frame) = self.frames.last_mut()
            {
                frame.locals.insert(id.ident.to_string(), ty);
            }
        }
        self.visit_expr(&c.body);
        self.ctx = saved;
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let (name, annotated) = match &local.pat {
            Pat::Ident(id) => (Some(id.ident.to_string()), None),
            Pat::Type(pt) => match &*pt.pat {
                Pat::Ident(id) => (
                    Some(id.ident.to_string()),
                    self.index
                        .type_path(&self.module, self.self_ty.as_ref(), &pt.ty),
                ),
                _ => (None, None),
            },
            _ => (None, None),
        };
        if let Some(init) = &local.init {
            if let (Some(name), Some(closure)) = (&name, as_closure(&init.expr))
                && !self.frames.last().is_some_and(|f| f.used.contains(name))
            {
                // Built and never run here: not async context.
                self.exempt.insert(closure as *const ExprClosure);
            }
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        if let (Pat::Tuple(tuple), Some(init)) = (&local.pat, &local.init)
            && let Some(Pat::Ident(receiver)) = tuple.elems.iter().nth(1)
            && self.is_channel(&init.expr)
            && let Some(frame) = self.frames.last_mut()
        {
            // `let (tx, rx) = mpsc::channel();`: `rx` is a blocking receiver.
            frame.locals.insert(
                receiver.ident.to_string(),
                bridged::split("std::sync::mpsc::Receiver"),
            );
        }
        if let Some(name) = name {
            let ty = annotated.or_else(|| local.init.as_ref().and_then(|i| self.type_of(&i.expr)));
            if let Some(frame) = self.frames.last_mut() {
                match ty {
                    Some(ty) => {
                        frame.locals.insert(name, ty);
                    }
                    None => {
                        frame.locals.remove(&name);
                    }
                }
            }
        }
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func
            && p.qself.is_none()
        {
            let segs = segments(&p.path);
            let is_local = segs.len() == 1 && self.local(&segs[0]).is_some();
            let last = segs.last().cloned().unwrap_or_default();
            if self.is_exempt(&last, &segs) {
                self.mark_exempt_closures(&c.args);
            }
            if !is_local {
                let callee = self.resolve(&segs);
                let span = c.func.span();
                let written = self.slice(span.start(), span.end());
                let args = self.slice(
                    c.paren_token.span.open().end(),
                    c.paren_token.span.close().start(),
                );
                self.record(
                    callee,
                    false,
                    span.start(),
                    c.paren_token.span.close().end(),
                    written,
                    args,
                );
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        if self.is_exempt(&method, std::slice::from_ref(&method)) {
            self.mark_exempt_closures(&m.args);
        }
        let mut callee = self
            .type_of(&m.receiver)
            .map(|ty| ty.into_iter().chain([method.clone()]).collect::<Path>());
        if DIESEL_QUERIES.contains(&method.as_str())
            && m.args.iter().any(|a| {
                self.type_of(a)
                    .is_some_and(|t| DIESEL_CONNECTIONS.contains(&t.join("::").as_str()))
            })
        {
            callee = Some(bridged::split(&format!("diesel::RunQueryDsl::{method}")));
        }
        if let Some(callee) = callee {
            let receiver = m.receiver.span();
            let written = self.slice(receiver.start(), receiver.end());
            let args = self.slice(
                m.paren_token.span.open().end(),
                m.paren_token.span.close().start(),
            );
            self.record(
                callee,
                true,
                m.method.span().start(),
                m.paren_token.span.close().end(),
                written,
                args,
            );
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let parser = Punctuated::<Expr, syn::Token![,]>::parse_terminated;
        if let Ok(exprs) = mac.parse_body_with(parser) {
            for expr in &exprs {
                self.visit_expr(expr);
            }
        }
    }
}

/// The local names a fn body uses other than as the closure of an exempt call.
#[derive(Debug)]
struct UsedIdents {
    used: HashSet<String>,
}

impl<'ast> Visit<'ast> for UsedIdents {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if p.path.segments.len() == 1 {
            self.used.insert(p.path.segments[0].ident.to_string());
        }
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        let exempt = match &*c.func {
            Expr::Path(p) => p
                .path
                .segments
                .last()
                .is_some_and(|s| EXEMPT_CALLS.contains(&s.ident.to_string().as_str())),
            _ => false,
        };
        self.visit_expr(&c.func);
        for arg in &c.args {
            if !(exempt && matches!(arg, Expr::Path(_))) {
                self.visit_expr(arg);
            }
        }
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let exempt = EXEMPT_CALLS.contains(&m.method.to_string().as_str());
        self.visit_expr(&m.receiver);
        for arg in &m.args {
            if !(exempt && matches!(arg, Expr::Path(_))) {
                self.visit_expr(arg);
            }
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        for tree in mac.tokens.clone() {
            if let proc_macro2::TokenTree::Ident(ident) = tree {
                self.used.insert(ident.to_string());
            }
        }
    }
}
