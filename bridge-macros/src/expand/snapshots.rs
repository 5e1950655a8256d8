//! Expansion snapshots: each `expand/NAME.rs` is expanded, pretty-printed and compared with
//! `expand/NAME.expanded.rs`, so a reviewer can read what every form generates.
//!
//! After an intended change, regenerate them with
//! `BRIDGE_BLESS=1 cargo test -p bridge-macros snapshots`, and read the diff.

use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{File, ImplItem, Item};

use crate::args::Macro;
use crate::item::{Body, FnItem};

/// The attributes the snapshots expand, by the name they are written with.
const ATTRIBUTES: [Macro; 3] = [Macro::SyncToAsync, Macro::AsyncToSync, Macro::SyncOnly];

fn expand_file(input: &File) -> File {
    let mut output = String::new();
    for item in &input.items {
        output.push_str(&expand_item(item).to_string());
        output.push('\n');
    }
    syn::parse_file(&output)
        .unwrap_or_else(|error| panic!("the expansion does not parse: {error}\n{output}"))
}

/// Expands `item` if it carries one of the attributes (a trait with `#[sync_to_async]` as a
/// whole), and each method that carries one if it is an `impl` block (unless the block carries
/// `#[sync_to_async]`, whose handle takes its methods' options).
fn expand_item(item: &Item) -> TokenStream {
    if let Item::Trait(legacy) = item {
        let mut legacy = legacy.clone();
        let at = legacy
            .attrs
            .iter()
            .position(|attr| attr.path().is_ident(Macro::SyncToAsync.name()));
        if let Some(index) = at {
            let args = match legacy.attrs.remove(index).meta {
                syn::Meta::List(list) => list.tokens,
                _ => TokenStream::new(),
            };
            return super::sync_to_async(args, legacy.into_token_stream());
        }
    }
    if let Item::Impl(block) = item {
        let mut block = block.clone();
        let handle = block
            .attrs
            .iter()
            .position(|attr| attr.path().is_ident(Macro::SyncToAsync.name()));
        if let Some(index) = handle {
            let args = match block.attrs.remove(index).meta {
                syn::Meta::List(list) => list.tokens,
                _ => TokenStream::new(),
            };
            return super::sync_to_async(args, block.into_token_stream());
        }
        for method in &mut block.items {
            if let Some(expanded) = expand_tokens(method.to_token_stream()) {
                *method = ImplItem::Verbatim(expanded);
            }
        }
        return block.into_token_stream();
    }
    let tokens = item.to_token_stream();
    expand_tokens(tokens.clone()).unwrap_or(tokens)
}

/// The expansion of a fn that carries one of the attributes, as the compiler would call it.
fn expand_tokens(tokens: TokenStream) -> Option<TokenStream> {
    let (kind, args, item) = attribute_of(tokens)?;
    Some(match kind {
        Macro::SyncToAsync | Macro::Method => super::sync_to_async(args, item),
        Macro::AsyncToSync => super::async_to_sync(args, item),
        Macro::SyncOnly => super::sync_only(args, item),
    })
}

/// Splits `#[attribute(args)] item` into the attribute, `args` and the item without it.
fn attribute_of(tokens: TokenStream) -> Option<(Macro, TokenStream, TokenStream)> {
    let FnItem {
        mut attrs,
        vis,
        sig,
        body,
    } = FnItem::parse(Macro::SyncToAsync, tokens).ok()?;
    let (index, kind) = attrs.iter().enumerate().find_map(|(index, attr)| {
        ATTRIBUTES
            .into_iter()
            .find(|kind| attr.path().is_ident(kind.name()))
            .map(|kind| (index, kind))
    })?;
    let args = match attrs.remove(index).meta {
        syn::Meta::List(list) => list.tokens,
        _ => TokenStream::new(),
    };
    let body = match body {
        Body::Block(block) => block.into_token_stream(),
        Body::Semi(semi) => semi.into_token_stream(),
    };
    Some((kind, args, quote!(#(#attrs)* #vis #sig #body)))
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("expand");
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("bridge-macros/expand exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "rs")
                && !path.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    cases.sort();
    cases
}

#[test]
fn expansions_match_their_snapshots() {
    let bless = std::env::var_os("BRIDGE_BLESS").is_some();
    let mut stale = Vec::new();
    let cases = cases();
    assert!(cases.len() >= 5, "the snapshot inputs are missing");
    for case in cases {
        let input = syn::parse_file(&fs::read_to_string(&case).unwrap()).unwrap();
        let expanded = prettyplease::unparse(&expand_file(&input));
        let snapshot = case.with_extension("expanded.rs");
        if bless {
            fs::write(&snapshot, &expanded).unwrap();
        } else if fs::read_to_string(&snapshot).ok().as_deref() != Some(expanded.as_str()) {
            stale.push(format!("{}:\n{expanded}", snapshot.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "expansions changed; check them and rerun with BRIDGE_BLESS=1:\n\n{}",
        stale.join("\n\n")
    );
}
