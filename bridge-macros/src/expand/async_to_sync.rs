//! The blocking twin of an async fn or async method (`#[async_to_sync]`).
//!
//! Input:
//!
//! ```text
//! #[async_to_sync]
//! pub async fn fetch_page<T: FromStr>(id: u64, host: &str) -> Option<T> { ... }
//! ```
//!
//! Output: the async fn unchanged, and
//!
//! ```text
//! /// Blocking twin of [`fetch_page`] ...
//! pub fn fetch_page_blocking<T: FromStr>(id: u64, host: &str) -> Option<T> {
//!     ::bridge_runtime::__private::block_on_twin(
//!         "fetch_page_blocking",
//!         "fetch_page",
//!         fetch_page::<T>(id, host),
//!     )
//! }
//! ```
//!
//! On a method (`async fn get(&self, id: u64)` inside an `impl` block) the twin is a method
//! too, with the same receiver, and its future is `Self::get(self, id)`. An associated fn
//! without a receiver is called as `Self::open(path)`: the source around the attribute tells
//! an `impl` block from a module (see `crate::context`), and where it cannot be read, a
//! signature that names `Self` does. A trait's provided method gets a provided twin; on a fn
//! of a trait impl or an `extern` block the attribute is one error, and the fn stays as
//! written.
//!
//! Parameters pass through unchanged, borrows included: `block_on_twin` returns only once the
//! future has completed, so everything the future borrows outlives it, and nothing has to be
//! `Send` or `'static`. Which runtime drives the future is decided at run time, by where the
//! twin is called (see `bridge_runtime::block_on`).

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::ext::IdentExt;
use syn::{FnArg, Ident, Receiver, Signature};

use super::common::{
    associated_by_signature, carried, generic_args, stub, twin_attrs, unsafe_call, unsafe_keyword,
};
use crate::args::AsyncToSyncOptions;
use crate::context::Context;
use crate::error::Errors;
use crate::item::{Body, FnItem};
use crate::signature::param_names;

pub(super) fn expand(
    args: &AsyncToSyncOptions,
    item: FnItem,
    original: TokenStream,
    mut errors: Errors,
) -> TokenStream {
    let context = crate::context::of_call_site();
    if let Some(message) = no_place_for_twin(&context, &item) {
        // The fn as written is valid where it is; a twin would not be.
        errors.push_spanned(&item.sig.ident, message);
        let errors = errors.to_compile_errors();
        return quote!(#original #errors);
    }
    check(&item, &mut errors);
    if !errors.is_empty() {
        return fallback(args, &item, original, &errors);
    }
    // Where the source says the fn sits in an `impl` block or a trait, that decides; elsewhere
    // its signature may still say so (a source misread, a block made by a macro).
    let associated = matches!(context, Context::Impl { .. } | Context::Trait)
        || associated_by_signature(&item.sig);
    let twin = Twin {
        args,
        item: &item,
        associated,
    }
    .to_token_stream();
    quote!(#original #twin)
}

/// The error for a fn whose place cannot hold a blocking twin: a trait impl or an `extern`
/// block (see `crate::context`).
fn no_place_for_twin(context: &Context, item: &FnItem) -> Option<String> {
    let name = item.sig.ident.unraw();
    match context {
        Context::TraitImpl => Some(format!(
            "a trait impl holds only the items its trait declares, so it has no place for the \
             blocking twin `{name}_blocking`: put `#[async_to_sync]` on an `async fn` of the \
             type's own `impl` block (one that calls `{name}`), or on a free `async fn`"
        )),
        Context::Extern => Some(
            "an `extern` block declares foreign fns, which are not `async`: `#[async_to_sync]` \
             goes on a Rust `async fn`"
                .to_owned(),
        ),
        // A trait's provided method gets a provided twin.
        Context::Unknown | Context::Module | Context::Impl { .. } | Context::Trait => None,
    }
}

/// Reports the parts of the fn a blocking twin cannot be made for.
fn check(item: &FnItem, errors: &mut Errors) {
    let sig = &item.sig;
    match (&sig.asyncness, &sig.constness) {
        (None, _) => errors.push_spanned(
            sig.fn_token,
            "this fn is not `async`: `#[async_to_sync]` gives an `async fn` a blocking twin; to \
             give a sync fn an async twin, use `#[sync_to_async]`",
        ),
        (Some(_), Some(constness)) => errors.push_spanned(
            constness,
            "an `async fn` cannot be `const` (its future runs at run time, and so does its \
             blocking twin): remove `const`",
        ),
        (Some(_), None) => {}
    }
    if let Some(abi) = &sig.abi {
        errors.push_spanned(
            abi,
            "`#[async_to_sync]` does not take an `extern` fn: remove the ABI, or put the \
             attribute on a Rust `async fn` that calls this one",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.push_spanned(
            variadic.dots,
            "a variadic fn cannot have a blocking twin: the twin must pass on every argument, \
             and an `async fn` cannot take `...`",
        );
    }
    if let Body::Semi(semi) = &item.body {
        errors.push_spanned(
            semi,
            "this fn has no body; `#[async_to_sync]` adds a blocking twin beside an `async fn` \
             written here, so it needs the fn's body `{ ... }`",
        );
    }
}

/// What an invalid invocation emits beside its errors, so that callers do not pile up more
/// errors: the fn (as written, except for what rustc would reject on its own: `const` beside
/// `async`, `...`, or a missing body, which becomes one that is never run) and a stub of the
/// twin.
fn fallback(
    args: &AsyncToSyncOptions,
    item: &FnItem,
    original: TokenStream,
    errors: &Errors,
) -> TokenStream {
    let errors = errors.to_compile_errors();
    let FnItem {
        attrs, vis, sig, ..
    } = item;
    let invalid = (sig.asyncness.is_some() && sig.constness.is_some())
        || sig.variadic.is_some()
        || matches!(item.body, Body::Semi(_));
    let fn_item = if invalid {
        let mut sig = sig.clone();
        if sig.asyncness.is_some() {
            sig.constness = None;
        }
        sig.variadic = None;
        match &item.body {
            Body::Block(body) => quote!(#(#attrs)* #vis #sig #body),
            Body::Semi(_) => stub(quote!(#(#attrs)*), vis, &sig, sig.asyncness),
        }
    } else {
        original
    };
    let mut twin = sig.clone();
    twin.ident = twin_ident(args, sig);
    if let Some(FnArg::Receiver(receiver)) = twin.inputs.first_mut() {
        receiver.mutability = None;
    }
    let carried = attrs.iter().filter(|attr| carried(attr));
    let twin = stub(quote!(#(#carried)*), vis, &twin, None);
    quote!(#fn_item #twin #errors)
}

/// `name = ...`, or `{name}_blocking`.
fn twin_ident(args: &AsyncToSyncOptions, sig: &Signature) -> Ident {
    args.name
        .clone()
        .unwrap_or_else(|| format_ident!("{}_blocking", sig.ident))
}

struct Twin<'a> {
    args: &'a AsyncToSyncOptions,
    item: &'a FnItem,
    /// The fn is an associated fn (or method) of an `impl` block: it is called as `Self::name`.
    associated: bool,
}

impl ToTokens for Twin<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let FnItem {
            attrs, vis, sig, ..
        } = self.item;
        let Signature {
            safety,
            ident,
            generics,
            inputs,
            output,
            ..
        } = sig;
        let twin = twin_ident(self.args, sig);
        let receiver = sig.receiver().map(|receiver| Receiver {
            // `mut self` is the async fn's business: the twin only hands `self` on.
            mutability: None,
            ..receiver.clone()
        });
        let params: Vec<_> = inputs
            .iter()
            .zip(param_names(sig))
            .filter_map(|(arg, name)| match arg {
                FnArg::Typed(arg) => Some((name?, arg)),
                FnArg::Receiver(_) => None,
            })
            .collect();

        // An associated fn is called through `Self`, and so is its doc link.
        let associated = self.associated;
        let target = if associated {
            format!("Self::{}", ident.unraw())
        } else {
            ident.unraw().to_string()
        };
        let attrs = twin_attrs(
            attrs,
            &format!(
                " Blocking twin of [`{target}`], generated by `#[async_to_sync]`: runs its future \
                 to completion, blocking this thread. It panics on an async runtime worker \
                 thread, where `{target}` is `.await`ed instead."
            ),
        );

        let turbofish = generic_args(generics, &[]);
        // A parameter under `#[cfg(..)]` is passed on under it too.
        let names = params.iter().map(|(name, arg)| {
            let cfgs = arg.attrs.iter().filter(|attr| attr.path().is_ident("cfg"));
            quote!(#(#cfgs)* #name)
        });
        let future = match &receiver {
            Some(receiver) => {
                let self_token = receiver.self_token;
                quote!(Self::#ident #turbofish(#self_token, #(#names),*))
            }
            None if associated => quote!(Self::#ident #turbofish(#(#names),*)),
            None => quote!(#ident #turbofish(#(#names),*)),
        };
        let krate = &self.args.runtime;
        let (twin_name, fn_name) = (twin.unraw().to_string(), ident.unraw().to_string());
        let (body, allow_unsafe) = unsafe_call(
            safety,
            quote!(#krate::__private::block_on_twin(#twin_name, #fn_name, #future)),
        );

        let safety = unsafe_keyword(safety);
        let (generic_params, where_clause) = (&generics.params, &generics.where_clause);
        let receiver = receiver.iter();
        let inputs = params.iter().map(|(name, arg)| {
            let (attrs, ty) = (&arg.attrs, &arg.ty);
            quote!(#(#attrs)* #name: #ty)
        });
        tokens.extend(quote! {
            #attrs
            #allow_unsafe
            #vis #safety fn #twin <#generic_params> (#(#receiver,)* #(#inputs),*) #output #where_clause {
                #body
            }
        });
    }
}
