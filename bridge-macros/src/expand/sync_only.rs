//! The guard of a sync fn that must not run on an async runtime worker thread (`#[sync_only]`).
//!
//! Input:
//!
//! ```text
//! #[sync_only]
//! pub fn fetch_user(id: u64) -> User { #![allow(unused)] body }
//! ```
//!
//! Output: the fn with one statement in front of its body (after its inner attributes):
//!
//! ```text
//! pub fn fetch_user(id: u64) -> User {
//!     #![allow(unused)]
//!     ::bridge_runtime::__private::sync_only(
//!         ::core::concat!(::core::module_path!(), "::fetch_user"),
//!         "fetch_user_async",
//!     );
//!     body
//! }
//! ```
//!
//! On a method (a fn with a `self` receiver) it calls `sync_only_method(name)` instead, whose
//! message points at the async handle. On an `extern` fn whose ABI cannot unwind (`extern "C"`),
//! the check runs inside `allow_async_unsafe(|| ..)`, so it warns instead of panicking: a panic
//! there would abort the process.
//!
//! The twin named in the message is, in order: `twin = ident`; the `name = ...` of a
//! `#[sync_to_async(...)]` written below `#[sync_only]` (which `#[sync_only]` sees, because the
//! outermost attribute expands first); `{name}_async`.
//!
//! Composition with `#[sync_to_async]` needs nothing else, in either order: the twin calls the
//! guarded fn on a blocking thread, where the guard passes.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;
use syn::ext::IdentExt;
use syn::{FnArg, Ident};

use crate::args::{FnOptions, Macro, Options, SyncOnlyOptions};
use crate::error::Errors;
use crate::item::{Body, FnItem};

pub(super) fn expand(
    args: &SyncOnlyOptions,
    item: FnItem,
    original: TokenStream,
    mut errors: Errors,
) -> TokenStream {
    let sig = &item.sig;
    if let Some(asyncness) = &sig.asyncness {
        errors.push_spanned(
            asyncness,
            "`#[sync_only]` guards a sync fn against calls on an async runtime worker thread, \
             where an `async fn` belongs: put it on the blocking fn this one calls, and give \
             that fn an async twin with `#[sync_to_async]`",
        );
    }
    if let Some(constness) = &sig.constness {
        errors.push_spanned(
            constness,
            "`#[sync_only]` cannot guard a `const fn`: its check looks at the current thread at \
             run time, which a `const fn` cannot do; remove `const` or the attribute",
        );
    }
    let body = match &item.body {
        Body::Block(body) => Some(body),
        Body::Semi(semi) => {
            errors.push_spanned(
                semi,
                "`#[sync_only]` puts its check at the start of the fn's body, and this fn has \
                 none; put it on the sync fn that has the body (with `wraps = ...`, on the \
                 wrapped fn)",
            );
            None
        }
    };
    let Some(body) = body.filter(|_| errors.is_empty()) else {
        let errors = errors.to_compile_errors();
        return quote!(#original #errors);
    };

    let krate = &args.runtime;
    let ident = sig.ident.unraw();
    let name = format!("::{ident}");
    let name = quote!(::core::concat!(::core::module_path!(), #name));
    let is_method = sig
        .inputs
        .iter()
        .any(|input| matches!(input, FnArg::Receiver(_)));
    let check = if is_method {
        quote!(#krate::__private::sync_only_method(#name))
    } else {
        let twin = twin_name(args, &item).to_string();
        quote!(#krate::__private::sync_only(#name, #twin))
    };
    // A panic cannot unwind out of an `extern "C"` fn: it would abort the process. There the
    // guard reports the call as a warning, as `allow_async_unsafe` makes it do everywhere.
    let check = match &sig.abi {
        Some(abi) if !unwinds(abi) => quote!(#krate::allow_async_unsafe(|| #check);),
        _ => quote!(#check;),
    };
    let (inner, rest) = split_inner_attrs(body.stream());
    let FnItem {
        attrs, vis, sig, ..
    } = &item;
    quote! {
        #(#attrs)*
        #vis #sig {
            #inner
            #check
            #rest
        }
    }
}

/// Whether a panic may unwind out of a fn with this ABI: `extern "Rust"` and the `-unwind`
/// ABIs.
fn unwinds(abi: &syn::Abi) -> bool {
    abi.name.as_ref().is_some_and(|name| {
        let name = name.value();
        name == "Rust" || name.ends_with("-unwind")
    })
}

/// The async twin the panic message points at.
fn twin_name(args: &SyncOnlyOptions, item: &FnItem) -> Ident {
    if let Some(twin) = &args.twin {
        return twin.unraw();
    }
    let renamed = item.attrs.iter().find_map(|attr| {
        let last = attr.path().segments.last()?;
        if last.ident != Macro::SyncToAsync.name() {
            return None;
        }
        let tokens = match &attr.meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => return None,
        };
        // `#[sync_to_async]` reports its own errors when it expands; here they do not matter.
        let mut ignored = Errors::default();
        FnOptions::parse(tokens, &mut ignored).options.name
    });
    super::sync_to_async::twin_ident(item, renamed.as_ref()).unraw()
}

/// Splits a body into its leading inner attributes (`#![...]`), which must stay first, and the
/// rest.
fn split_inner_attrs(body: TokenStream) -> (TokenStream, TokenStream) {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    let mut split = 0;
    while let [
        TokenTree::Punct(hash),
        TokenTree::Punct(bang),
        TokenTree::Group(group),
        ..,
    ] = &tokens[split..]
    {
        if hash.as_char() != '#' || bang.as_char() != '!' || group.delimiter() != Delimiter::Bracket
        {
            break;
        }
        split += 3;
    }
    let mut inner = tokens;
    let rest = inner.split_off(split);
    (inner.into_iter().collect(), rest.into_iter().collect())
}
