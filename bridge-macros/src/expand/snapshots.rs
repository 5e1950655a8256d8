//! Expansion snapshots: each `expand/NAME.rs` is expanded, pretty-printed and compared with
//! `expand/NAME.expanded.rs`, so a reviewer can read what every form generates.
//!
//! After an intended change, regenerate them with
//! `BRIDGE_BLESS=1 cargo test -p bridge-macros snapshots`, and read the diff.

use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{File, Item};

use crate::item::{Body, FnItem};

fn expand_file(input: &File) -> File {
    let mut output = String::new();
    for item in &input.items {
        let expanded = match attribute_of(item) {
            Some((args, rest)) => super::sync_to_async(args, rest),
            None => item.to_token_stream(),
        };
        output.push_str(&expanded.to_string());
        output.push('\n');
    }
    syn::parse_file(&output)
        .unwrap_or_else(|error| panic!("the expansion does not parse: {error}\n{output}"))
}

/// Splits `#[sync_to_async(args)] item` into `args` and the item without that attribute.
fn attribute_of(item: &Item) -> Option<(TokenStream, TokenStream)> {
    let FnItem {
        mut attrs,
        vis,
        sig,
        body,
    } = FnItem::parse(item.to_token_stream()).ok()?;
    let index = attrs
        .iter()
        .position(|attr| attr.path().is_ident("sync_to_async"))?;
    let args = match attrs.remove(index).meta {
        syn::Meta::List(list) => list.tokens,
        _ => TokenStream::new(),
    };
    let body = match body {
        Body::Block(block) => block.into_token_stream(),
        Body::Semi(semi) => semi.into_token_stream(),
    };
    Some((args, quote!(#(#attrs)* #vis #sig #body)))
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
