//! The bridge attributes of the workspace: which sync fns are `#[sync_to_async]` (and their
//! twin's real name), `#[sync_only]`, handle methods, and `#[async_to_sync]` blocking twins.
//! Each one known to block comes with its exact fix.

use std::collections::HashMap;

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, ImplItem, Item, Meta};

use crate::resolve::{Index, Path};

/// How to call a bridged fn from async code instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// `#[sync_to_async]`: await the twin at this path.
    Twin(Path),
    /// A method (or constructor, if `ctor`) of a `handle = ...` impl: await `handle::method`.
    Handle {
        /// The handle type.
        handle: Path,
        /// The method's name on the handle.
        method: String,
        /// An associated fn without `self`.
        ctor: bool,
    },
    /// The blocking twin of an `#[async_to_sync]` fn: await the async fn at this path.
    AsyncOriginal(Path),
    /// `#[sync_only]` without a twin: it panics in async context.
    SyncOnly,
}

/// What kind of fn an item is, for the progress table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FnKind {
    /// A sync fn without bridge attributes.
    Plain,
    /// `#[sync_to_async]` (possibly also `#[sync_only]`).
    SyncToAsync,
    /// `#[sync_only]` alone.
    SyncOnly,
    /// A method of a `#[sync_to_async(handle = ..)]` impl that gets an async version.
    HandleMethod,
    /// A native `async fn`.
    Async,
    /// An `#[async_to_sync]` async fn.
    AsyncToSync,
}

/// The options of one bridge attribute.
#[derive(Debug, Clone, Default)]
pub struct BridgeAttr {
    /// `sync_to_async`, `sync_only` or `async_to_sync`.
    pub kind: String,
    /// `key = value` options, the value as written without spaces; flags map to "".
    pub options: HashMap<String, String>,
}

/// The bridge attributes among `attrs`, matched by their last segment so renamed imports
/// (`#[bridge::sync_to_async]`) count.
pub fn bridge_attrs(attrs: &[Attribute]) -> Vec<BridgeAttr> {
    attrs
        .iter()
        .filter_map(|attr| {
            let kind = attr.path().segments.last()?.ident.to_string();
            if !matches!(
                kind.as_str(),
                "sync_to_async" | "sync_only" | "async_to_sync"
            ) {
                return None;
            }
            let options = match &attr.meta {
                Meta::List(list) => options(list.tokens.clone()),
                _ => HashMap::new(),
            };
            Some(BridgeAttr { kind, options })
        })
        .collect()
}

fn options(tokens: TokenStream) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut chunk: Vec<TokenTree> = Vec::new();
    let mut flush = |chunk: &mut Vec<TokenTree>| {
        if let Some(TokenTree::Ident(key)) = chunk.first() {
            let value: String = chunk
                .iter()
                .skip(2)
                .map(ToString::to_string)
                .collect::<String>()
                .replace(' ', "");
            out.insert(key.to_string(), value);
        }
        chunk.clear();
    };
    for tree in tokens {
        if matches!(&tree, TokenTree::Punct(p) if p.as_char() == ',') {
            flush(&mut chunk);
        } else {
            chunk.push(tree);
        }
    }
    flush(&mut chunk);
    out
}

fn has(attrs: &[BridgeAttr], kind: &str) -> Option<BridgeAttr> {
    attrs.iter().find(|a| a.kind == kind).cloned()
}

/// The kind of a fn with these attributes; `in_handle` if it is a method of a handle impl
/// that gets an async version.
pub fn fn_kind(attrs: &[BridgeAttr], is_async: bool, in_handle: bool) -> FnKind {
    if is_async {
        return if has(attrs, "async_to_sync").is_some() {
            FnKind::AsyncToSync
        } else {
            FnKind::Async
        };
    }
    if in_handle {
        FnKind::HandleMethod
    } else if has(attrs, "sync_to_async").is_some() {
        FnKind::SyncToAsync
    } else if has(attrs, "sync_only").is_some() {
        FnKind::SyncOnly
    } else {
        FnKind::Plain
    }
}

/// The handle of an impl block's `#[sync_to_async(handle = ..)]`, if any.
pub fn impl_handle(attrs: &[Attribute]) -> Option<String> {
    has(&bridge_attrs(attrs), "sync_to_async")?
        .options
        .get("handle")
        .cloned()
}

/// Whether a method of a handle impl gets an async version (`pub`, or its own attribute,
/// and not `skip`).
pub fn handle_method_name(f: &syn::ImplItemFn) -> Option<String> {
    let attrs = bridge_attrs(&f.attrs);
    let own = has(&attrs, "sync_to_async");
    if own.as_ref().is_some_and(|a| a.options.contains_key("skip")) {
        return None;
    }
    let public = matches!(f.vis, syn::Visibility::Public(_));
    if !public && own.is_none() {
        return None;
    }
    Some(
        own.and_then(|a| a.options.get("name").cloned())
            .unwrap_or_else(|| f.sig.ident.to_string()),
    )
}

/// Every bridged fn of the workspace, by canonical path, with its fix.
#[derive(Debug, Clone, Default)]
pub struct Bridged {
    /// Fixes by the path of the sync fn (or `Type::method`).
    pub fixes: HashMap<Path, Fix>,
}

/// A bodiless `#[sync_to_async(wraps = ..)] pub fn f(..) -> T;`, which syn keeps verbatim.
struct Declaration {
    attrs: Vec<Attribute>,
    sig: syn::Signature,
}

impl Parse for Declaration {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let _: syn::Visibility = input.parse()?;
        let sig: syn::Signature = input.parse()?;
        let _: syn::Token![;] = input.parse()?;
        Ok(Declaration { attrs, sig })
    }
}

impl Bridged {
    /// Collects the bridged fns of `items`, in module `module`.
    pub fn collect(&mut self, index: &Index, module: &[String], items: &[Item]) {
        for item in items {
            match item {
                Item::Fn(f) => self.add_fn(index, module, None, &f.attrs, &f.sig),
                Item::Verbatim(tokens) => {
                    if let Ok(decl) = syn::parse2::<Declaration>(tokens.clone()) {
                        self.add_fn(index, module, None, &decl.attrs, &decl.sig);
                    }
                }
                Item::Impl(imp) if imp.trait_.is_none() => {
                    let Some(self_ty) = index.type_path(module, None, &imp.self_ty) else {
                        continue;
                    };
                    let handle = impl_handle(&imp.attrs);
                    for item in &imp.items {
                        let ImplItem::Fn(f) = item else { continue };
                        let key: Path = self_ty
                            .iter()
                            .cloned()
                            .chain([f.sig.ident.to_string()])
                            .collect();
                        match &handle {
                            Some(h) if f.sig.asyncness.is_none() => {
                                if let Some(method) = handle_method_name(f) {
                                    let handle = index.resolve(module, None, &split(h));
                                    let ctor = f.sig.receiver().is_none();
                                    self.fixes.insert(
                                        key,
                                        Fix::Handle {
                                            handle,
                                            method,
                                            ctor,
                                        },
                                    );
                                }
                            }
                            _ => self.add_fn(index, module, Some(&self_ty), &f.attrs, &f.sig),
                        }
                    }
                }
                Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        let mut child = module.to_vec();
                        child.push(m.ident.to_string());
                        self.collect(index, &child, inner);
                    }
                }
                _ => {}
            }
        }
    }

    fn add_fn(
        &mut self,
        index: &Index,
        module: &[String],
        self_ty: Option<&Path>,
        attrs: &[Attribute],
        sig: &syn::Signature,
    ) {
        let attrs = bridge_attrs(attrs);
        let owner: Path = self_ty.cloned().unwrap_or_else(|| module.to_vec());
        let ident = sig.ident.to_string();
        let at = |name: &str| -> Path { owner.iter().cloned().chain([name.to_owned()]).collect() };
        if sig.asyncness.is_some() {
            if let Some(a) = has(&attrs, "async_to_sync") {
                let twin = a
                    .options
                    .get("name")
                    .cloned()
                    .unwrap_or(format!("{ident}_blocking"));
                self.fixes.insert(at(&twin), Fix::AsyncOriginal(at(&ident)));
            }
            return;
        }
        if let Some(a) = has(&attrs, "sync_to_async") {
            if let Some(wrapped) = a.options.get("wraps") {
                let name = a.options.get("name").cloned().unwrap_or(ident);
                let wrapped = index.resolve(module, self_ty, &split(wrapped));
                self.fixes.insert(wrapped, Fix::Twin(at(&name)));
            } else {
                let twin = a
                    .options
                    .get("name")
                    .cloned()
                    .unwrap_or(format!("{ident}_async"));
                self.fixes.insert(at(&ident), Fix::Twin(at(&twin)));
            }
        } else if has(&attrs, "sync_only").is_some() {
            self.fixes.insert(at(&ident), Fix::SyncOnly);
        }
    }
}

/// `a::b::c` (or `::a::b`) into segments.
pub fn split(path: &str) -> Vec<String> {
    path.trim_start_matches("::")
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
