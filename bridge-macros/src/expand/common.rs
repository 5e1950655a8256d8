//! What both kinds of twin do alike: carry the fn's attributes over, name the fn they call
//! with its type and const arguments, wrap a call to an `unsafe fn`, pick names for their own
//! locals, and stand in as a stub when the invocation is invalid.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::{
    AttrStyle, Attribute, GenericParam, Generics, Ident, ReturnType, Safety, Signature, Type,
    Visibility,
};

use crate::signature::{Copier, Param};

/// The attributes a twin carries over from its fn: outer ones only, since an inner attribute
/// (`#![allow(..)]` at the top of the body) belongs to the body, which the twin does not have.
pub(super) fn carried(attr: &Attribute) -> bool {
    matches!(attr.style, AttrStyle::Outer)
        && ["doc", "cfg", "allow", "deprecated"]
            .iter()
            .any(|name| attr.path().is_ident(name))
}

/// Names for the items and locals generated code declares inside a twin's body (its
/// `CallSite`, its arguments, the module of its marker type) that no name written in the
/// signature can shadow or be shadowed by: `base`, with `_` appended while the signature uses
/// it. A parameter named `__BRIDGE_SITE`, or a type named like the twin, so changes nothing.
pub(super) struct Fresh(HashSet<String>);

impl Fresh {
    /// The names used in `tokens` (a signature).
    pub(super) fn new(tokens: &dyn ToTokens) -> Self {
        fn collect(tokens: TokenStream, names: &mut HashSet<String>) {
            for token in tokens {
                match token {
                    TokenTree::Ident(ident) => {
                        names.insert(ident.unraw().to_string());
                    }
                    TokenTree::Group(group) => collect(group.stream(), names),
                    _ => {}
                }
            }
        }
        let mut names = HashSet::new();
        collect(tokens.to_token_stream(), &mut names);
        Fresh(names)
    }

    /// A hygienic name that starts with `base` and is not used in the signature.
    pub(super) fn ident(&self, base: &str) -> Ident {
        let mut name = base.to_owned();
        while self.0.contains(&name) {
            name.push('_');
        }
        Ident::new(&name, Span::mixed_site())
    }
}

/// A twin's attributes: the fn's docs, `#[cfg]`s, `#[allow]`s and `#[deprecated]`, then `line`
/// (which names the fn) as the docs' last paragraph.
///
/// The twin of a deprecated fn is deprecated too, so its callers are warned; its own call to
/// the fn is not a warning (rustc warns about uses inside a deprecated item as well).
pub(super) fn twin_attrs(attrs: &[Attribute], line: &str) -> TokenStream {
    let carried = attrs.iter().filter(|attr| carried(attr));
    let has_docs = attrs.iter().any(|attr| attr.path().is_ident("doc"));
    let separator: Option<Attribute> = has_docs.then(|| syn::parse_quote!(#[doc = ""]));
    let deprecated = attrs.iter().any(|attr| attr.path().is_ident("deprecated"));
    let allow: Option<Attribute> = deprecated.then(|| syn::parse_quote!(#[allow(deprecated)]));
    quote!(#(#carried)* #separator #[doc = #line] #allow)
}

/// `::<T, N>`: the type and const parameters of `generics` passed on explicitly, or nothing
/// for a fn without any. A twin calls its fn with them, because a type that appears only in
/// the return type could not be inferred otherwise; a parameter the twin converts when it is
/// called (`converted`, see `signature::converted_generics`) is passed as what it converts to.
pub(super) fn generic_args(generics: &Generics, converted: &[(Ident, TokenStream)]) -> TokenStream {
    let args: Vec<TokenStream> = generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Type(param) => Some(
                converted
                    .iter()
                    .find(|(ident, _)| *ident == param.ident)
                    .map_or_else(|| param.ident.to_token_stream(), |(_, ty)| ty.clone()),
            ),
            GenericParam::Const(param) => Some(param.ident.to_token_stream()),
            GenericParam::Lifetime(_) => None,
        })
        .collect();
    if args.is_empty() {
        TokenStream::new()
    } else {
        quote!(::<#(#args),*>)
    }
}

/// `unsafe` for the twin's signature when its fn is `unsafe` (and nothing for `safe`, which is
/// only valid in `extern` blocks).
pub(super) fn unsafe_keyword(safety: &Safety) -> Option<&Safety> {
    matches!(safety, Safety::Unsafe(_)).then_some(safety)
}

/// `call` inside `unsafe { }` when the fn it calls is `unsafe`, with the `#[allow]` the twin then
/// needs (where its own `unsafe` already covers the block, as in older editions).
pub(super) fn unsafe_call(safety: &Safety, call: TokenStream) -> (TokenStream, TokenStream) {
    match safety {
        Safety::Unsafe(_) => (quote!(unsafe { #call }), quote!(#[allow(unused_unsafe)])),
        _ => (call, TokenStream::new()),
    }
}

/// A fn with `sig`'s name and parameters (as an `async fn` if `asyncness` is given, a plain
/// `fn` otherwise) and a body that is never run, or nothing when such a stub would not compile
/// (a return type with `impl Trait` has no value to stand in).
pub(super) fn stub(
    attrs: TokenStream,
    vis: &Visibility,
    sig: &Signature,
    asyncness: Option<syn::Token![async]>,
) -> TokenStream {
    if matches!(&sig.output, ReturnType::Type(_, ty) if contains_impl(ty)) {
        return TokenStream::new();
    }
    let mut sig = sig.clone();
    if asyncness.is_some() && crate::signature::never_returns(&sig.output) {
        sig.output = syn::parse_quote!(-> ::core::convert::Infallible);
    }
    sig.asyncness = asyncness;
    sig.constness = None;
    sig.abi = None;
    sig.variadic = None;
    quote! {
        #attrs
        #[allow(unused_variables, unused_mut, clippy::all)]
        #vis #sig { ::core::unreachable!() }
    }
}

/// Whether `ty` mentions `impl Trait` anywhere.
pub(super) fn contains_impl(ty: &Type) -> bool {
    ty.to_token_stream()
        .to_string()
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .any(|word| word == "impl")
}

/// The return type of a twin or of a handle's method: `impl Future<Output = output> + Send +
/// 'static`, with `use<..>` listing `captures` where they are known. The future owns what it
/// needs (its arguments are made owned when it is called), so it borrows nothing from its
/// caller and can be `tokio::spawn`ed; `use<..>` keeps the lifetimes of borrowed parameters
/// out of its type, so that `|name: String| fetch_async(&name)` can return it.
pub(super) fn owning_future(output: &TokenStream, captures: Option<&[Ident]>) -> TokenStream {
    let captures = captures.map(|captures| quote!(+ use<#(#captures),*>));
    quote! {
        impl ::core::future::Future<Output = #output> + ::core::marker::Send + 'static #captures
    }
}

/// The type and const parameters of `sig`, after `outer` (an `impl` block's), for a twin's
/// `use<..>`; `None` where a parameter is `impl Trait`, which `use<..>` cannot name (its
/// future then captures every lifetime in scope, and is still `'static`).
pub(super) fn captures(mut outer: Vec<Ident>, sig: &Signature) -> Option<Vec<Ident>> {
    let impl_param = sig.inputs.iter().any(|arg| match arg {
        syn::FnArg::Typed(arg) => crate::signature::contains_impl_trait(&arg.ty),
        syn::FnArg::Receiver(_) => false,
    });
    if impl_param {
        return None;
    }
    outer.extend(sig.generics.params.iter().filter_map(|param| match param {
        GenericParam::Type(param) => Some(param.ident.clone()),
        GenericParam::Const(param) => Some(param.ident.clone()),
        GenericParam::Lifetime(_) => None,
    }));
    Some(outer)
}

/// The type a twin's future outputs: the fn's return type, `()` when it has none, with an
/// `impl Trait` in it given the twin's `use<..>` too (unless it has one), since it would
/// capture the parameters' lifetimes otherwise.
pub(super) fn output_type(output: &ReturnType, captures: Option<&[Ident]>) -> TokenStream {
    struct AddCaptures<'a>(&'a [Ident]);
    impl syn::visit_mut::VisitMut for AddCaptures<'_> {
        fn visit_type_impl_trait_mut(&mut self, ty: &mut syn::TypeImplTrait) {
            syn::visit_mut::visit_type_impl_trait_mut(self, ty);
            let has_use = ty
                .bounds
                .iter()
                .any(|bound| matches!(bound, syn::TypeParamBound::PreciseCapture(_)));
            if !has_use {
                let captures = self.0;
                ty.bounds.push(syn::parse_quote!(use<#(#captures),*>));
            }
        }
    }
    match (output, captures) {
        (ReturnType::Type(_, ty), Some(captures)) if contains_impl(ty) => {
            let mut ty = (**ty).clone();
            syn::visit_mut::VisitMut::visit_type_mut(&mut AddCaptures(captures), &mut ty);
            ty.into_token_stream()
        }
        _ => crate::signature::return_type(output),
    }
}

/// The arguments of a twin or a method on their way to the thread that runs the call (see
/// [`arguments`]). For twins, a handle's methods and a legacy trait's alike.
pub(super) struct Arguments {
    /// One statement per argument (under its parameter's `#[cfg]`s) that copies it and checks
    /// it in a proof cell, run where the twin or method is called.
    pub(super) sent: TokenStream,
    /// The statements that take the values out of their cells, on the thread.
    pub(super) received: TokenStream,
    /// What the sync fn is passed for each, there: the value, or a loan in its borrowed shape.
    pub(super) passed: Vec<TokenStream>,
}

/// The [`Arguments`] of `params`, held in the locals `args`: copied as `copier` says, and
/// checked with `send` (which wraps a value of a type in a proof cell).
pub(super) fn arguments(
    params: &[Param],
    args: &[Ident],
    copier: Copier<'_>,
    send: impl Fn(&TokenStream, TokenStream) -> TokenStream,
) -> Arguments {
    let (mut sent, mut received, mut passed) = (TokenStream::new(), TokenStream::new(), Vec::new());
    for (param, arg) in params.iter().zip(args) {
        let cfgs = param.cfgs();
        let value = send(&param.sent_type(copier), param.value(copier));
        sent.extend(quote!(#cfgs let #arg = #value;));
        received.extend(quote!(#cfgs let #arg = #arg.into_inner();));
        let loan = param.call_arg(arg);
        passed.push(quote!(#cfgs #loan));
    }
    Arguments {
        sent,
        received,
        passed,
    }
}

/// How the `&T` arguments of `params` are copied: with the runtime's probe (see
/// `signature::Copier::Probe`) where one of them needs it, so that a `T` without `ToOwned`
/// gets bridge's error naming `marker` (the twin's or method's marker type), which the
/// returned `use` brings the probe's traits in scope for; with `ToOwned` otherwise.
pub(super) fn copier<'a>(
    params: &[Param],
    generics: &'a Generics,
    private: &'a TokenStream,
    marker: &'a TokenStream,
) -> (Copier<'a>, Option<TokenStream>) {
    if params.iter().any(|param| param.probes(generics)) {
        let copier = Copier::Probe {
            private,
            twin: marker,
            generics,
        };
        // The probe's traits are used by method syntax: they must be in scope.
        let uses = quote! {
            #[allow(unused_imports)]
            use #private::{CannotCopy as _, Copies as _};
        };
        (copier, Some(uses))
    } else {
        (Copier::ToOwned, None)
    }
}

/// Whether `sig` is an associated fn's by its signature alone, for where the source cannot say
/// (see `crate::context`): only an associated fn can take `self` or name `Self`.
pub(super) fn associated_by_signature(sig: &Signature) -> bool {
    sig.receiver().is_some() || contains_ident(sig.to_token_stream(), "Self")
}

/// Whether `tokens` hold the identifier `name` anywhere.
pub(super) fn contains_ident(tokens: TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == name,
        TokenTree::Group(group) => contains_ident(group.stream(), name),
        _ => false,
    })
}
