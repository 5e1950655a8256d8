//! Ownership of parameters and returns: what may cross to the worker thread, and how.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{
    FnArg, Ident, Lifetime, ParenthesizedGenericArguments, Pat, ReturnType, Signature, TraitBound,
    Type, TypeFnPtr, TypeImplTrait, TypeReference,
};

use crate::error::Errors;

/// One parameter of the twin.
pub(crate) struct Param {
    /// The twin's name for it: the user's name where the pattern is a plain identifier, with a
    /// hygienic span so that it cannot shadow the sync fn the twin calls.
    pub(crate) name: Ident,
    /// Its type in the twin's signature (`impl Trait` gains `Send + 'static`).
    pub(crate) ty: Type,
    pub(crate) pass: Pass,
}

/// How a parameter crosses threads.
pub(crate) enum Pass {
    /// Moved into the call: by-value parameters and `&'static T`.
    Move,
    /// `&T`: copied with `ToOwned` before dispatch, borrowed again on the worker thread.
    ToOwned {
        /// The `T` of `&T`.
        elem: Box<Type>,
    },
}

impl Param {
    /// The type that crosses threads, as written for the `Send` check, or `_` where it contains
    /// `impl Trait` (which cannot be named, and gets a `Send` bound instead).
    pub(crate) fn sent_type(&self) -> TokenStream {
        match &self.pass {
            _ if contains_impl_trait(&self.ty) => quote!(_),
            Pass::Move => self.ty.to_token_stream(),
            Pass::ToOwned { elem } => {
                let (first, last) = located_at(elem);
                let head = quote_spanned!(first=> <#elem as ::std::borrow::ToOwned>::);
                let tail = quote_spanned!(last=> Owned);
                quote!(#head #tail)
            }
        }
    }
}

impl Param {
    /// What the twin passes for this parameter: the value itself, or its `ToOwned` copy.
    pub(crate) fn value(&self) -> TokenStream {
        let name = &self.name;
        match &self.pass {
            Pass::Move => quote!(#name),
            Pass::ToOwned { elem } => {
                let (first, last) = located_at(elem);
                let path = quote_spanned!(first=> <#elem as ::std::borrow::ToOwned>::to_owned);
                let args = quote_spanned!(last=> (#name));
                quote!(#path #args)
            }
        }
    }

    /// How the worker thread passes `arg` (what [`Param::value`] sent) to the sync fn: as is,
    /// or borrowed again as the `&T` the fn takes.
    pub(crate) fn call_arg(&self, arg: &Ident) -> TokenStream {
        match &self.pass {
            Pass::Move => quote!(#arg),
            Pass::ToOwned { elem } => {
                let (first, last) = located_at(elem);
                let path = quote_spanned!(first=> ::core::borrow::Borrow::<#elem>::borrow);
                let args = quote_spanned!(last=> (&#arg));
                quote!(#path #args)
            }
        }
    }
}

/// Hygienic spans located at the first and the last token of `tokens`.
///
/// Generated code around a user's type starts at the first and ends at the last, so that
/// rustc's span for it (first token to last) is the type's, and an error about the type (not
/// `Clone`, not `Send`) points at it rather than at the attribute.
pub(crate) fn located_at(tokens: &dyn ToTokens) -> (Span, Span) {
    let mut spans = tokens
        .to_token_stream()
        .into_iter()
        .map(|token| match token {
            proc_macro2::TokenTree::Group(group) => (group.span_open(), group.span_close()),
            other => (other.span(), other.span()),
        });
    let (first, mut last) = spans
        .next()
        .unwrap_or((Span::call_site(), Span::call_site()));
    if let Some((_, end)) = spans.last() {
        last = end;
    }
    let at = |span| Span::mixed_site().located_at(span);
    (at(first), at(last))
}

/// The names a twin gives the parameters of `sig`, one per input (`None` for a receiver): the
/// user's name where the pattern is a plain identifier, `__argN` (N its position) otherwise,
/// made unique against the user's names. All get a hygienic span, so that none can shadow the
/// fn the twin calls, even one named like it.
pub(crate) fn param_names(sig: &Signature) -> Vec<Option<Ident>> {
    let plain = |arg: &FnArg| match arg {
        FnArg::Typed(arg) => match &*arg.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                Some(pat.ident.clone())
            }
            _ => None,
        },
        FnArg::Receiver(_) => None,
    };
    let taken: Vec<String> = sig
        .inputs
        .iter()
        .filter_map(plain)
        .map(|ident| ident.unraw().to_string())
        .collect();
    sig.inputs
        .iter()
        .enumerate()
        .map(|(index, arg)| match (arg, plain(arg)) {
            (FnArg::Receiver(_), _) => None,
            (FnArg::Typed(_), Some(mut name)) => {
                // Re-spanned rather than rebuilt from its text, so that `r#type` stays raw.
                name.set_span(Span::mixed_site());
                Some(name)
            }
            (FnArg::Typed(_), None) => {
                let mut name = format!("__arg{index}");
                while taken.contains(&name) {
                    name.push('_');
                }
                Some(Ident::new(&name, Span::mixed_site()))
            }
        })
        .collect()
}

/// Checks the parts of a signature a twin cannot carry over, and plans its parameters.
pub(crate) fn plan(sig: &Signature, errors: &mut Errors) -> Vec<Param> {
    check_header(sig, errors);
    check_return(&sig.output, errors);
    sig.inputs
        .iter()
        .zip(param_names(sig))
        .filter_map(|(arg, name)| param(arg, name, errors))
        .collect()
}

/// Plans the parameters of a method of a handle: like [`plan`]'s, without the receiver, which
/// the handle deals with.
pub(crate) fn plan_method_params(sig: &Signature, errors: &mut Errors) -> Vec<Param> {
    sig.inputs
        .iter()
        .zip(param_names(sig))
        .filter(|(arg, _)| matches!(arg, FnArg::Typed(_)))
        .filter_map(|(arg, name)| param(arg, name, errors))
        .collect()
}

/// Checks the qualifiers a twin cannot carry over: `async`, `const`, `extern` and `...`.
pub(crate) fn check_header(sig: &Signature, errors: &mut Errors) {
    if let Some(token) = &sig.asyncness {
        errors.push_spanned(
            token,
            "this fn is already `async`; `#[sync_to_async]` gives a sync fn an async twin, \
             and async callers can await this one directly",
        );
    }
    if let Some(token) = &sig.constness {
        errors.push_spanned(
            token,
            "a `const fn` cannot be bridged: its twin runs it on another thread at run time; \
             remove `const`, or bridge a non-const fn that calls it",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.push_spanned(
            abi,
            "an `extern` fn cannot be bridged directly: write a Rust fn that calls it and put \
             `#[sync_to_async]` on that",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.push_spanned(
            variadic.dots,
            "a variadic fn cannot be bridged: the twin must know every argument it moves to the \
             worker thread",
        );
    }
}

/// The type a twin returns: the sync fn's return type, `()` when it has none.
pub(crate) fn return_type(output: &ReturnType) -> TokenStream {
    match output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    }
}

fn check_return(output: &ReturnType, errors: &mut Errors) {
    let ReturnType::Type(_, ty) = output else {
        return;
    };
    if let Some(borrow) = find_borrow(ty) {
        errors.push_spanned(
            borrow,
            "the return type borrows, but a twin's result comes back from another thread and \
             must be owned: return an owned type (`String` for `&str`, `Vec<T>` for `&[T]`)",
        );
    }
}

fn param(arg: &FnArg, name: Option<Ident>, errors: &mut Errors) -> Option<Param> {
    let arg = match arg {
        FnArg::Typed(arg) => arg,
        FnArg::Receiver(receiver) => {
            errors.push_spanned(
                receiver,
                "a method with a `self` receiver cannot have a free-standing twin; put \
                 `#[sync_to_async(handle = AsyncName)]` on the `impl` block to give the whole \
                 object an async handle",
            );
            return None;
        }
    };
    let name = name.expect("`param_names` names every typed parameter");
    let pass = match &*arg.ty {
        Type::Reference(TypeReference {
            mutability: Some(token),
            and_token,
            ..
        }) => {
            errors.push_spanned(
                quote!(#and_token #token),
                "`&mut` parameters cannot be bridged: the worker thread would write through a \
                 borrow the caller cannot hold across threads; take the value and return it \
                 (`fn f(v: Vec<u8>) -> Vec<u8>`), or give the object an async handle with \
                 `#[sync_to_async(handle = ...)]` on its `impl` block",
            );
            return None;
        }
        Type::Reference(TypeReference {
            lifetime: Some(lifetime),
            ..
        }) if lifetime.ident == "static" => Pass::Move,
        Type::Reference(reference) => {
            if let Some(message) = unowned(&reference.elem) {
                errors.push_spanned(&reference.elem, message);
                return None;
            }
            if let Some(borrow) = find_borrow(&reference.elem) {
                errors.push_spanned(
                    borrow,
                    "the twin copies a `&T` parameter with `ToOwned` before the call crosses \
                     threads, but this one borrows again inside; take an owned type here \
                     (`&[String]` instead of `&[&str]`)",
                );
                return None;
            }
            Pass::ToOwned {
                elem: reference.elem.clone(),
            }
        }
        ty => {
            if let Some(borrow) = find_borrow(ty) {
                errors.push_spanned(
                    borrow,
                    "this parameter borrows, so it cannot move to the worker thread; take an owned \
                     type, or a plain `&T` (which the twin copies with `ToOwned`)",
                );
                return None;
            }
            Pass::Move
        }
    };
    let mut ty = (*arg.ty).clone();
    AddSendToImplTrait.visit_type_mut(&mut ty);
    Some(Param { name, ty, pass })
}

/// Why the `T` of a `&T` parameter has no owned form the twin could copy it into, if it has none.
fn unowned(elem: &Type) -> Option<&'static str> {
    match elem {
        Type::Paren(paren) => unowned(&paren.elem),
        Type::Group(group) => unowned(&group.elem),
        Type::TraitObject(_) => Some(
            "a `&dyn Trait` parameter cannot be copied for the worker thread, because a trait \
             object has no owned form; take `Box<dyn Trait + Send>` or `impl Trait` by value",
        ),
        ty if contains_impl_trait(ty) => Some(
            "a `&impl Trait` parameter cannot be copied for the worker thread, because its type \
             cannot be named; take `impl Trait` by value (callers pass a clone), or a concrete `&T`",
        ),
        _ => None,
    }
}

/// Finds the first part of `ty` that borrows: a non-`'static` reference or lifetime. Lifetimes
/// bound inside the type (`fn(&str)`, `Fn(&str)`, `for<'a> ...`) do not count.
pub(crate) fn find_borrow(ty: &Type) -> Option<TokenStream> {
    #[derive(Default)]
    struct Finder(Option<TokenStream>);

    impl<'ast> Visit<'ast> for Finder {
        fn visit_type_reference(&mut self, reference: &'ast TypeReference) {
            match &reference.lifetime {
                Some(lifetime) if lifetime.ident == "static" => {
                    visit::visit_type(self, &reference.elem)
                }
                _ => self.found(reference),
            }
        }
        fn visit_lifetime(&mut self, lifetime: &'ast Lifetime) {
            if lifetime.ident != "static" {
                self.found(lifetime);
            }
        }
        fn visit_type_fn_ptr(&mut self, _: &'ast TypeFnPtr) {}
        fn visit_parenthesized_generic_arguments(
            &mut self,
            _: &'ast ParenthesizedGenericArguments,
        ) {
        }
        fn visit_trait_bound(&mut self, bound: &'ast TraitBound) {
            if bound.lifetimes.is_none() {
                visit::visit_trait_bound(self, bound);
            }
        }
    }

    impl Finder {
        fn found(&mut self, tokens: &dyn ToTokens) {
            self.0.get_or_insert_with(|| tokens.to_token_stream());
        }
    }

    let mut finder = Finder::default();
    finder.visit_type(ty);
    finder.0
}

fn contains_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    finder.visit_type(ty);
    finder.0
}

/// `impl Trait` parameters cross threads, so the twin's signature asks for `Send + 'static`.
struct AddSendToImplTrait;

impl VisitMut for AddSendToImplTrait {
    fn visit_type_impl_trait_mut(&mut self, ty: &mut TypeImplTrait) {
        visit_mut::visit_type_impl_trait_mut(self, ty);
        ty.bounds.push(syn::parse_quote!(::core::marker::Send));
        ty.bounds.push(syn::parse_quote!('static));
    }
}
