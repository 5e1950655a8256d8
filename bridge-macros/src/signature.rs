//! Ownership of parameters and returns: what may cross to the worker thread, and how.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{
    Attribute, FnArg, Generics, Ident, Lifetime, ParenthesizedGenericArguments, Pat, PatType,
    ReturnType, Signature, TraitBound, Type, TypeFnPtr, TypeImplTrait, TypeReference,
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
    /// Its attributes as written (`#[cfg(..)]`, lint levels), for the twin's signature.
    pub(crate) attrs: Vec<Attribute>,
}

/// How a parameter crosses threads: the twin makes an owned value of it before the call (so
/// that the call may cross threads), and the worker thread lends it back to the sync fn in its
/// borrowed shape.
///
/// | parameter | crosses as | lent back as |
/// |---|---|---|
/// | `T` (owns its data), `&'static T` | `T` | the value |
/// | `&T` | `<T as ToOwned>::Owned` | `Borrow::<T>::borrow(&owned)` |
/// | `&[E]`, `E` borrowing (`&[&str]`) | `Vec<E's owned form>` | a `Vec<E>` of loans, as a slice |
/// | `Vec<E>`, `[E; N]`, `E` borrowing (`Vec<&str>`) | the same of `E`'s owned form | a new one of loans |
/// | `Option<S>`, `S` borrowing (`Option<&str>`) | `Option<S's owned form>` | `owned.as_ref().map(..)` |
/// | `(S1, S2, ..)`, some borrowing (`(&str, u32)`) | the tuple of owned forms | a tuple of loans |
/// | `Cow<'a, T>` | `Cow<'static, T>` (`into_owned`) | the `Cow` itself |
/// | `impl AsRef<Path>` (`str`, `OsStr`, `CStr`, `[T]`) | `PathBuf` (`as_ref().to_owned()`) | the owned value |
/// | `impl Into<T>` (`impl Into<String>`) | `T` (`into()`) | the `T` |
///
/// The last two are converted when the twin is called, so that the caller may pass a borrow
/// (`&path_buf`); the sync fn's own bound holds for the converted value (`PathBuf: AsRef<Path>`,
/// `String: Into<String>`). A type parameter bounded the same way that only this parameter
/// uses (`P: AsRef<Path>`, see [`converted_generics`]) is converted too, and the fn is called
/// with the converted type in its place.
pub(crate) enum Pass {
    /// Moved into the call: types that own their data, and `&'static T`.
    Move,
    /// `&T`: copied with `ToOwned` before dispatch, borrowed again on the worker thread.
    ToOwned {
        /// The `T` of `&T`.
        elem: Box<Type>,
    },
    /// `&[E]` whose `E` borrows: each element made owned; lent back as a slice of loans.
    Slice { elem: Box<Type>, inner: Box<Pass> },
    /// `Vec<E>` whose `E` borrows (`Vec<&str>`): each element made owned; lent back as a new
    /// `Vec` of loans.
    Vec { elem: Box<Type>, inner: Box<Pass> },
    /// `[E; N]` whose `E` borrows: each element made owned; lent back as an array of loans.
    Array {
        elem: Box<Type>,
        len: Box<syn::Expr>,
        inner: Box<Pass>,
    },
    /// `Option<S>` whose `S` borrows.
    Option { elem: Box<Type>, inner: Box<Pass> },
    /// A tuple, some of whose elements borrow.
    Tuple(Vec<(Type, Pass)>),
    /// `Cow<'a, T>`: made `Cow<'static, T>`.
    Cow { elem: Box<Type> },
    /// `impl AsRef<T>` of a `T` whose owned form is `AsRef<T>` too: `as_ref().to_owned()`.
    AsRef { target: Box<Type> },
    /// `impl Into<T>`: `into()`.
    Into { target: Box<Type> },
    /// `&P` of a type parameter `P: AsRef<T>` (see `converted_generic`): `as_ref().to_owned()`,
    /// lent back as `&T` where `P` may be unsized (`?Sized`), else as a borrow of the owned
    /// value.
    AsRefBorrowed { target: Box<Type>, unsized_: bool },
}

/// How a `&T` parameter is copied for the worker thread.
#[derive(Clone, Copy)]
pub(crate) enum Copier<'a> {
    /// `<T as ToOwned>::to_owned`, whose error for a type without it is rustc's own.
    ToOwned,
    /// Through the runtime's probe (`bridge_runtime`'s `probe.rs`), with `private` the path of
    /// `__private` and `twin` the twin's marker type: `ToOwned` where the type has it, else an
    /// error that names the twin and points at handles and `thread_sensitive` rather than at
    /// `#[derive(Clone)]` (also for a slice, whose `ToOwned` needs a `Clone` element). `str`,
    /// `Path`, `OsStr` and `CStr`, which always have it, keep `ToOwned`, and so do the type
    /// parameters in scope (in `generics`), for which rustc's error says which bound to add.
    Probe {
        private: &'a TokenStream,
        twin: &'a TokenStream,
        generics: &'a Generics,
    },
}

impl<'a> Copier<'a> {
    /// The `__private` path and the twin's marker type, if a `&elem` is copied with a probe.
    fn probe(self, elem: &Type) -> Option<(&'a TokenStream, &'a TokenStream)> {
        match self {
            Copier::Probe {
                private,
                twin,
                generics,
            } if probed(elem, generics) => Some((private, twin)),
            _ => None,
        }
    }
}

/// Whether a `&elem` is copied with a probe (see [`Copier::Probe`]).
fn probed(elem: &Type, generics: &Generics) -> bool {
    let type_param = match peel(elem) {
        Type::Path(path) if path.qself.is_none() => generics
            .type_params()
            .any(|param| path.path.is_ident(&param.ident)),
        _ => false,
    };
    !type_param && (matches!(peel(elem), Type::Slice(_)) || !always_owned(elem))
}

/// Whether `elem` is a type that always has `ToOwned`: `str`, a slice, `Path`, `OsStr`, `CStr`.
fn always_owned(elem: &Type) -> bool {
    match peel(elem) {
        Type::Slice(_) => true,
        Type::Path(path) => {
            path.qself.is_none()
                && path.path.segments.last().is_some_and(|segment| {
                    segment.arguments.is_none()
                        && ["str", "Path", "OsStr", "CStr"]
                            .iter()
                            .any(|name| segment.ident == name)
                })
        }
        _ => false,
    }
}

/// A hygienic span at the name of a type (the last identifier outside its generic
/// arguments: `Connection` in `rusqlite::Connection`), for an error about the type.
fn name_span(ty: &Type) -> Span {
    let mut depth = 0usize;
    let mut name = None;
    for token in ty.to_token_stream() {
        match token {
            proc_macro2::TokenTree::Punct(punct) if punct.as_char() == '<' => depth += 1,
            proc_macro2::TokenTree::Punct(punct) if punct.as_char() == '>' => {
                depth = depth.saturating_sub(1);
            }
            proc_macro2::TokenTree::Ident(ident) if depth == 0 => name = Some(ident.span()),
            _ => {}
        }
    }
    let (first, _) = located_at(ty);
    name.map_or(first, |span| Span::mixed_site().located_at(span))
}

/// `tokens` (a path) spanned at `span`: the user's type, where errors about it belong.
fn respanned(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut token| {
            token.set_span(span);
            token
        })
        .collect()
}

/// A hygienic name for the value a closure of the generated code takes.
fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

impl Pass {
    /// The owned type that crosses threads for a parameter of type `ty`.
    fn owned(&self, ty: &Type, copier: Copier<'_>) -> TokenStream {
        match self {
            Pass::Move => ty.to_token_stream(),
            Pass::ToOwned { elem } => {
                let (first, last) = located_at(elem);
                match copier.probe(elem) {
                    // Inferred from the probe's copy (naming `ToOwned::Owned` would be an error
                    // of its own for a type that has none), and spanned on the type as written.
                    Some((private, _)) => {
                        let private = respanned(private, first);
                        let head = quote_spanned!(first=> #private::Same<_);
                        let tail = quote_spanned!(last=> >);
                        quote!(#head #tail)
                    }
                    None => {
                        let head = quote_spanned!(first=> <#elem as ::std::borrow::ToOwned>::);
                        let tail = quote_spanned!(last=> Owned);
                        quote!(#head #tail)
                    }
                }
            }
            Pass::Slice { elem, inner } | Pass::Vec { elem, inner } => {
                let elem = inner.owned(elem, copier);
                quote!(::std::vec::Vec<#elem>)
            }
            Pass::Array { elem, len, inner } => {
                let elem = inner.owned(elem, copier);
                quote!([#elem; #len])
            }
            Pass::Option { elem, inner } => {
                let elem = inner.owned(elem, copier);
                quote!(::core::option::Option<#elem>)
            }
            Pass::Tuple(elems) => {
                let elems = elems.iter().map(|(ty, pass)| pass.owned(ty, copier));
                quote!((#(#elems,)*))
            }
            Pass::Cow { elem } => quote!(::std::borrow::Cow<'static, #elem>),
            Pass::AsRef { target } | Pass::AsRefBorrowed { target, .. } => {
                quote!(<#target as ::std::borrow::ToOwned>::Owned)
            }
            Pass::Into { target } => target.to_token_stream(),
        }
    }

    /// What the sync fn's type parameter is when a parameter of it is converted (see
    /// `converted_generic`): what it is converted to (`PathBuf` for `P: AsRef<Path>`, `String`
    /// for `S: Into<String>`), or, for a `&P` whose `P` may be unsized, the target (`Path`).
    fn converted_type(&self) -> Option<TokenStream> {
        match self {
            Pass::AsRefBorrowed {
                target,
                unsized_: true,
            } => Some(target.to_token_stream()),
            Pass::AsRef { target } | Pass::AsRefBorrowed { target, .. } => {
                Some(quote!(<#target as ::std::borrow::ToOwned>::Owned))
            }
            Pass::Into { target } => Some(target.to_token_stream()),
            _ => None,
        }
    }

    /// Makes the owned value of `value`, an expression of the parameter's own type.
    fn make_owned(&self, value: TokenStream, copier: Copier<'_>) -> TokenStream {
        match self {
            Pass::Move => value,
            Pass::ToOwned { elem } => {
                let (first, last) = located_at(elem);
                match copier.probe(elem) {
                    // Method syntax, so that the probe picks `ToOwned` where the type has it;
                    // an error is spanned on the type's name.
                    Some((private, twin)) => {
                        let private = respanned(private, first);
                        let copy = Ident::new("copy", name_span(elem));
                        quote_spanned!(first=> #private::probe::<#twin, _>(#value).#copy())
                    }
                    None => {
                        let path =
                            quote_spanned!(first=> <#elem as ::std::borrow::ToOwned>::to_owned);
                        let args = quote_spanned!(last=> (#value));
                        quote!(#path #args)
                    }
                }
            }
            Pass::Slice { inner, .. } => {
                let v = local("__v");
                let each = inner.make_owned(quote!(::core::clone::Clone::clone(#v)), copier);
                quote!(::core::iter::Iterator::collect::<::std::vec::Vec<_>>(
                    ::core::iter::Iterator::map(#value.iter(), |#v| #each)
                ))
            }
            Pass::Vec { inner, .. } => {
                let v = local("__v");
                let each = inner.make_owned(quote!(#v), copier);
                quote!(::core::iter::Iterator::collect::<::std::vec::Vec<_>>(
                    ::core::iter::Iterator::map(::core::iter::IntoIterator::into_iter(#value), |#v| #each)
                ))
            }
            Pass::Array { inner, .. } => {
                let v = local("__v");
                let each = inner.make_owned(quote!(#v), copier);
                quote!((#value).map(|#v| #each))
            }
            Pass::Option { inner, .. } => {
                let v = local("__v");
                let each = inner.make_owned(quote!(#v), copier);
                quote!(::core::option::Option::map(#value, |#v| #each))
            }
            Pass::Tuple(elems) => {
                let names: Vec<Ident> = (0..elems.len())
                    .map(|i| local(&format!("__t{i}")))
                    .collect();
                let owned = elems
                    .iter()
                    .zip(&names)
                    .map(|((_, pass), name)| pass.make_owned(quote!(#name), copier));
                quote!({
                    let (#(#names,)*) = #value;
                    (#(#owned,)*)
                })
            }
            Pass::Cow { elem } => quote! {
                ::std::borrow::Cow::<'static, #elem>::Owned(::std::borrow::Cow::into_owned(#value))
            },
            // `&P` is `AsRef` as `P` is.
            Pass::AsRef { target } | Pass::AsRefBorrowed { target, .. } => quote! {
                <#target as ::std::borrow::ToOwned>::to_owned(
                    ::core::convert::AsRef::<#target>::as_ref(&#value),
                )
            },
            Pass::Into { target } => quote!(::core::convert::Into::<#target>::into(#value)),
        }
    }

    /// Lends `owned` back in the parameter's borrowed shape: `owned` is the owned value (a
    /// local the call may move out of), or, with `by_ref`, a reference to it.
    fn lend(&self, owned: TokenStream, by_ref: bool) -> TokenStream {
        match self {
            Pass::Move | Pass::AsRef { .. } | Pass::Into { .. } if by_ref => {
                quote!(::core::clone::Clone::clone(#owned))
            }
            Pass::Move | Pass::AsRef { .. } | Pass::Into { .. } => owned,
            Pass::AsRefBorrowed {
                target,
                unsized_: true,
            } => {
                let reference = if by_ref { owned } else { quote!(&#owned) };
                quote!(::core::borrow::Borrow::<#target>::borrow(#reference))
            }
            Pass::AsRefBorrowed { .. } if by_ref => owned,
            Pass::AsRefBorrowed { .. } => quote!(&#owned),
            Pass::ToOwned { elem } => {
                let (first, last) = located_at(elem);
                let path = quote_spanned!(first=> ::core::borrow::Borrow::<#elem>::borrow);
                let reference = if by_ref { owned } else { quote!(&#owned) };
                let args = quote_spanned!(last=> (#reference));
                quote!(#path #args)
            }
            Pass::Slice { inner, .. } => {
                let v = local("__v");
                let each = inner.lend(quote!(#v), true);
                // The loans live in a temporary `Vec` until the end of the call's statement.
                quote!(&::core::iter::Iterator::collect::<::std::vec::Vec<_>>(
                    ::core::iter::Iterator::map(#owned.iter(), |#v| #each)
                )[..])
            }
            // A new `Vec` (or array) of loans, which the fn takes by value.
            Pass::Vec { inner, .. } => {
                let v = local("__v");
                let each = inner.lend(quote!(#v), true);
                quote!(::core::iter::Iterator::collect::<::std::vec::Vec<_>>(
                    ::core::iter::Iterator::map((#owned).iter(), |#v| #each)
                ))
            }
            Pass::Array { inner, .. } => {
                let v = local("__v");
                let each = inner.lend(quote!(#v), true);
                quote!((#owned).each_ref().map(|#v| #each))
            }
            Pass::Option { inner, .. } => {
                let v = local("__v");
                let each = inner.lend(quote!(#v), true);
                let reference = if by_ref { owned } else { quote!(&#owned) };
                quote!(::core::option::Option::map(
                    ::core::option::Option::as_ref(#reference),
                    |#v| #each
                ))
            }
            Pass::Tuple(elems) => {
                let loans = elems.iter().enumerate().map(|(i, (_, pass))| {
                    let index = syn::Index::from(i);
                    if by_ref {
                        pass.lend(quote!(&(#owned).#index), true)
                    } else {
                        pass.lend(quote!(#owned.#index), false)
                    }
                });
                quote!((#(#loans,)*))
            }
            Pass::Cow { .. } if by_ref => {
                quote!(::std::borrow::Cow::Borrowed(::core::ops::Deref::deref(#owned)))
            }
            Pass::Cow { .. } => owned,
        }
    }
}

impl Param {
    /// The type that crosses threads, as written for the `Send` check, or `_` where it contains
    /// `impl Trait` (which cannot be named, and gets a `Send` bound instead). `copier` says how
    /// a `&T` is copied (see [`Param::value`]).
    pub(crate) fn sent_type(&self, copier: Copier<'_>) -> TokenStream {
        if matches!(
            self.pass,
            Pass::AsRef { .. } | Pass::Into { .. } | Pass::AsRefBorrowed { .. }
        ) {
            return self.pass.owned(&self.ty, copier);
        }
        if contains_impl_trait(&self.ty) {
            return quote!(_);
        }
        self.pass.owned(&self.ty, copier)
    }

    /// What the twin passes for this parameter: the value itself, or its owned copy, made as
    /// `copier` says.
    pub(crate) fn value(&self, copier: Copier<'_>) -> TokenStream {
        let name = &self.name;
        self.pass.make_owned(quote!(#name), copier)
    }

    /// Whether the parameter is, or holds, a `&T` that a [`Copier::Probe`] would copy.
    pub(crate) fn probes(&self, generics: &Generics) -> bool {
        fn probes(pass: &Pass, generics: &Generics) -> bool {
            match pass {
                Pass::ToOwned { elem } => probed(elem, generics),
                Pass::Slice { inner, .. }
                | Pass::Vec { inner, .. }
                | Pass::Array { inner, .. }
                | Pass::Option { inner, .. } => probes(inner, generics),
                Pass::Tuple(elems) => elems.iter().any(|(_, pass)| probes(pass, generics)),
                Pass::Move
                | Pass::Cow { .. }
                | Pass::AsRef { .. }
                | Pass::Into { .. }
                | Pass::AsRefBorrowed { .. } => false,
            }
        }
        probes(&self.pass, generics)
    }

    /// How the worker thread passes `arg` (what [`Param::value`] sent) to the sync fn: as is,
    /// or lent back in the borrowed shape the fn takes.
    pub(crate) fn call_arg(&self, arg: &Ident) -> TokenStream {
        self.pass.lend(quote!(#arg), false)
    }

    /// The parameter as the twin declares it: its attributes, its name and its type.
    pub(crate) fn declaration(&self) -> TokenStream {
        let Param {
            name, ty, attrs, ..
        } = self;
        quote!(#(#attrs)* #name: #ty)
    }

    /// Its `#[cfg(..)]`s, for each statement and argument that handles it: a parameter that
    /// is configured out is left out everywhere.
    pub(crate) fn cfgs(&self) -> TokenStream {
        let cfgs = self.attrs.iter().filter(|attr| attr.path().is_ident("cfg"));
        quote!(#(#cfgs)*)
    }
}

/// `ty` without the invisible groups (a `macro_rules!` `$t:ty` fragment) and parentheses
/// around it.
pub(crate) fn peel(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => peel(&group.elem),
        Type::Paren(paren) => peel(&paren.elem),
        ty => ty,
    }
}

/// Whether the fn never returns (`-> !`). Its twin returns `Infallible` instead: `!` cannot be
/// the output of an `async fn` on stable Rust.
pub(crate) fn never_returns(output: &ReturnType) -> bool {
    matches!(output, ReturnType::Type(_, ty) if matches!(peel(ty), Type::Never(_)))
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

/// Where a signature is bridged, which decides what its messages recommend.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// A fn, or a `wraps =` declaration: it gets a twin.
    Fn,
    /// A method of an `impl` block with a handle: it gets an async method on the handle.
    Method,
}

/// Checks the parts of a signature a twin cannot carry over, and plans its parameters. A
/// receiver is not among them: the twin of a method deals with it.
pub(crate) fn plan(sig: &Signature, errors: &mut Errors) -> Vec<Param> {
    check_header(sig, Place::Fn, errors);
    check_return(&sig.output, errors);
    typed_params(sig, Place::Fn, errors)
}

/// Plans the parameters of a method of a handle: like [`plan`]'s, without the receiver, which
/// the handle deals with.
pub(crate) fn plan_method_params(sig: &Signature, errors: &mut Errors) -> Vec<Param> {
    typed_params(sig, Place::Method, errors)
}

fn typed_params(sig: &Signature, place: Place, errors: &mut Errors) -> Vec<Param> {
    sig.inputs
        .iter()
        .zip(param_names(sig))
        .filter_map(|(arg, name)| match (arg, name) {
            (FnArg::Typed(arg), Some(name)) => param(arg, sig, name, place, errors),
            _ => None,
        })
        .collect()
}

/// Checks the qualifiers a twin cannot carry over: `async`, `const`, `extern` and `...`.
pub(crate) fn check_header(sig: &Signature, place: Place, errors: &mut Errors) {
    if let Some(token) = &sig.asyncness {
        errors.push_spanned(
            token,
            match place {
                Place::Fn => {
                    "this fn is already `async`; `#[sync_to_async]` gives a sync fn an async \
                     twin, and async callers can await this one directly"
                }
                Place::Method => {
                    "this method is already `async`: async callers can call it directly, and the \
                     handle has nothing to add; leave it out of the handle with \
                     `#[sync_to_async(skip)]`, or make it private"
                }
            },
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

/// The `T` of a return type `Result<T, Box<dyn Error>>` whose error is not `Send`: the most
/// common legacy error type, which cannot cross threads as it is. The twin returns
/// `Result<T, SentError>` instead, the error converted on the worker thread. Written out, or
/// through an alias that the fn's own module defines (`type Result<T> =
/// std::result::Result<T, Box<dyn Error>>`, read from the source: see
/// `crate::context::module_items`).
pub(crate) fn boxed_error_result(output: &ReturnType) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    match boxed_error_ok(ty) {
        Some(ok) => Some(ok.clone()),
        None => aliased_boxed_error_ok(ty),
    }
}

/// The `T` of `ty` if it is an alias of `Result<T, Box<dyn Error>>` defined in the module,
/// used with at most one type argument (`Result<User>`, `BoxResult<()>`, `Res`), the alias
/// without `#[cfg]`.
fn aliased_boxed_error_ok(ty: &Type) -> Option<Type> {
    let Type::Path(syn::TypePath {
        qself: None, path, ..
    }) = peel(ty)
    else {
        return None;
    };
    let [segment] = path.segments.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let args: Vec<&Type> = match &segment.arguments {
        syn::PathArguments::None => Vec::new(),
        syn::PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .map(|arg| match arg {
                syn::GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect::<Option<_>>()?,
        syn::PathArguments::Parenthesized(_) => return None,
    };
    if args.len() > 1 {
        return None;
    }
    let name = segment.ident.unraw().to_string();
    let items = crate::context::module_items(|source| {
        crate::context::occurrences(source, &["type", &name]) > 0
    })?;
    let alias = items.iter().find_map(|item| match item {
        syn::Item::Type(alias)
            if alias.ident == name && !alias.attrs.iter().any(crate::context::conditional) =>
        {
            Some(alias)
        }
        _ => None,
    })?;
    let params: Vec<&Ident> = alias
        .generics
        .type_params()
        .map(|param| &param.ident)
        .collect();
    if params.len() != args.len() || alias.generics.params.len() != params.len() {
        return None;
    }
    let ok = boxed_error_ok(&alias.ty)?;
    match (params.first(), args.first()) {
        // `type Result<T> = Result<T, Box<dyn Error>>`, used as `Result<User>`.
        (Some(param), Some(arg)) if matches!(peel(ok), Type::Path(path) if path.qself.is_none() && path.path.is_ident(*param)) => {
            Some((*arg).clone())
        }
        // `type Res = Result<(), Box<dyn Error>>`.
        (None, None) => Some(ok.clone()),
        _ => None,
    }
}

/// The `T` of `Result<T, Box<dyn Error>>` (see [`boxed_error_result`]).
fn boxed_error_ok(ty: &Type) -> Option<&Type> {
    let [ok, error] = type_args(ty, "Result")?[..] else {
        return None;
    };
    let [error] = type_args(error, "Box")?[..] else {
        return None;
    };
    let Type::TraitObject(object) = peel(error) else {
        return None;
    };
    let trait_named = |name: &str| {
        object.bounds.iter().any(|bound| match bound {
            syn::TypeParamBound::Trait(bound) => bound
                .path
                .segments
                .last()
                .is_some_and(|segment| segment.ident == name),
            _ => false,
        })
    };
    (trait_named("Error") && !trait_named("Send")).then_some(ok)
}

/// The type arguments of `ty` if it is a path whose last segment is `name`.
fn type_args<'t>(ty: &'t Type, name: &str) -> Option<Vec<&'t Type>> {
    let Type::Path(path) = peel(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    Some(
        args.args
            .iter()
            .filter_map(|arg| match arg {
                syn::GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
    )
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

fn param(
    arg: &PatType,
    sig: &Signature,
    name: Ident,
    place: Place,
    errors: &mut Errors,
) -> Option<Param> {
    let converted = converted(&arg.ty, sig).or_else(|| Some(converted_generic(&arg.ty, sig)?.1));
    if let Some(pass) = converted {
        // Converted when the twin is called: the twin takes what the fn takes, as written.
        return Some(Param {
            name,
            ty: (*arg.ty).clone(),
            pass,
            attrs: arg.attrs.clone(),
        });
    }
    let pass = shape(&arg.ty)
        .map_err(|(at, message)| {
            let message = match (message, place) {
                (MUT_BORROW, Place::Method) => {
                    "`&mut` parameters cannot be bridged: the worker thread would write through a \
                     borrow the caller cannot hold across threads; take the value and return it \
                     (`fn f(v: Vec<u8>) -> Vec<u8>`), make that state part of the object (its \
                     `&mut self` methods run one at a time), or leave the method out with \
                     `#[sync_to_async(skip)]`"
                }
                (message, _) => message,
            };
            errors.push_spanned(at, message)
        })
        .ok()?;
    let mut ty = (*arg.ty).clone();
    AddSendToImplTrait.visit_type_mut(&mut ty);
    Some(Param {
        name,
        ty,
        pass,
        attrs: arg.attrs.clone(),
    })
}

/// Whether a parameter of type `ty` of `sig` is converted when the twin is called (see
/// [`converted`] and [`converted_generic`]).
pub(crate) fn converted_param(ty: &Type, sig: &Signature) -> bool {
    converted(ty, sig).is_some() || converted_generic(ty, sig).is_some()
}

/// The type parameters of `sig` that the twin converts when it is called (see
/// [`converted_generic`]), each with the type the sync fn is then called with (`PathBuf` for
/// `P: AsRef<Path>`, `Path` for `path: &P` with `P: AsRef<Path> + ?Sized`): the twin does not
/// bound them by `Send + 'static`, since no value of theirs crosses threads.
pub(crate) fn converted_generics(sig: &Signature) -> Vec<(Ident, TokenStream)> {
    sig.inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Typed(arg) => converted_generic(&arg.ty, sig),
            FnArg::Receiver(_) => None,
        })
        .filter_map(|(ident, pass)| Some((ident, pass.converted_type()?)))
        .collect()
}

/// How an `impl Trait` parameter that the twin converts when it is called crosses threads:
/// `impl AsRef<T>` for a `T` whose owned form is `AsRef<T>` as well (`str`, `Path`, `OsStr`,
/// `CStr`, a slice), and `impl Into<T>` for an owned `T`, each with nothing more than
/// `Send`, `Sync`, `Unpin` or `'static` beside it (which the converted value has).
fn converted(ty: &Type, sig: &Signature) -> Option<Pass> {
    let Type::ImplTrait(ty) = peel(ty) else {
        return None;
    };
    conversion(&ty.bounds, sig)
}

/// A parameter whose type is a type parameter of `sig` bounded like a converted `impl Trait`
/// (`fn open<P: AsRef<Path>>(path: P)`, `fn greet<S: Into<String>>(name: S)`), inline or in
/// the where-clause, which appears nowhere else in the signature: it is converted when the twin
/// is called, as the `impl` forms are, and the fn is called with the converted type in its
/// place (`open::<PathBuf>`), so that a caller may pass `&path_buf`. Like the `impl` forms, the
/// value itself is dropped there: a guard that must outlive the call (a temporary file) is
/// passed as a borrow and kept by the caller. A borrow of one bounded by `AsRef` (`path: &P`,
/// `P: AsRef<Path> + ?Sized`, as std writes it) is copied the same way and lent back as `&Path`
/// (the fn called as `open::<Path>`), or as `&PathBuf` where `P` must be sized. Returns the
/// parameter's name and how it crosses.
fn converted_generic(ty: &Type, sig: &Signature) -> Option<(Ident, Pass)> {
    let (borrowed, ty) = match peel(ty) {
        Type::Reference(TypeReference {
            mutability: None,
            elem,
            ..
        }) => (true, &**elem),
        ty => (false, ty),
    };
    let Type::Path(syn::TypePath {
        qself: None, path, ..
    }) = peel(ty)
    else {
        return None;
    };
    let ident = path.get_ident()?;
    let param = sig
        .generics
        .type_params()
        .find(|param| param.ident == *ident)?;
    if param.default.is_some() {
        return None;
    }
    let mut bounds: Vec<&syn::TypeParamBound> = param.bounds.iter().collect();
    // Where it is declared, where this parameter takes it, and its where-clause predicates.
    let mut expected = 2;
    for predicate in sig.generics.where_clause.iter().flat_map(|w| &w.predicates) {
        if let syn::WherePredicate::Type(predicate) = predicate
            && predicate.lifetimes.is_none()
            && matches!(peel(&predicate.bounded_ty), Type::Path(bounded) if bounded.qself.is_none() && bounded.path.is_ident(ident))
        {
            bounds.extend(&predicate.bounds);
            expected += 1;
        }
    }
    fn mentions(tokens: TokenStream, ident: &Ident) -> usize {
        tokens
            .into_iter()
            .map(|token| match token {
                proc_macro2::TokenTree::Ident(other) => usize::from(other == *ident),
                proc_macro2::TokenTree::Group(group) => mentions(group.stream(), ident),
                _ => 0,
            })
            .sum()
    }
    if mentions(sig.to_token_stream(), ident) != expected {
        return None;
    }
    // `?Sized`, which only a borrowed parameter's type may have.
    let maybe_sized = |bound: &&syn::TypeParamBound| matches!(bound, syn::TypeParamBound::Trait(TraitBound { maybe: Some(_), path, .. }) if path.is_ident("Sized"));
    let unsized_ = bounds.iter().any(maybe_sized);
    bounds.retain(|bound| !maybe_sized(bound));
    let pass = match (conversion(bounds, sig)?, borrowed) {
        (pass, false) if !unsized_ => pass,
        (Pass::AsRef { target }, true) => Pass::AsRefBorrowed { target, unsized_ },
        _ => return None,
    };
    Some((ident.clone(), pass))
}

/// The conversion that bounds call for: one `AsRef<T>` or `Into<T>` (see [`converted`]), and
/// nothing but `Send`, `Sync`, `Unpin` and `'static` beside it. A slice of a type that names
/// a type parameter of `sig` (`AsRef<[T]>`) is not converted: its copy would need `T: Clone`.
fn conversion<'a>(
    bounds: impl IntoIterator<Item = &'a syn::TypeParamBound>,
    sig: &Signature,
) -> Option<Pass> {
    let mut conversion = None;
    for bound in bounds {
        match bound {
            syn::TypeParamBound::Lifetime(lifetime) if lifetime.ident == "static" => {}
            syn::TypeParamBound::Trait(TraitBound {
                paren_token: None,
                lifetimes: None,
                maybe: None,
                path,
                ..
            }) if path.segments.len() == 1
                && ["Send", "Sync", "Unpin"]
                    .iter()
                    .any(|name| path.is_ident(name)) => {}
            syn::TypeParamBound::Trait(TraitBound {
                paren_token: None,
                lifetimes: None,
                maybe: None,
                path,
                ..
            }) if conversion.is_none() => {
                let last = path.segments.last()?;
                let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                    return None;
                };
                let [syn::GenericArgument::Type(target)] =
                    &args.args.iter().collect::<Vec<_>>()[..]
                else {
                    return None;
                };
                if find_borrow(target).is_some() || contains_impl_trait(target) {
                    return None;
                }
                if let Type::Slice(slice) = peel(target) {
                    let element = slice.elem.to_token_stream().to_string();
                    let generic = sig.generics.type_params().any(|param| {
                        element
                            .split(|c: char| !c.is_alphanumeric() && c != '_')
                            .any(|word| param.ident == word)
                    });
                    if generic {
                        return None;
                    }
                }
                let target = Box::new(target.clone());
                conversion = Some(if last.ident == "AsRef" && always_owned(&target) {
                    Pass::AsRef { target }
                } else if last.ident == "Into" && sendable_std(&target) {
                    Pass::Into { target }
                } else {
                    return None;
                });
            }
            _ => return None,
        }
    }
    conversion
}

/// Whether `ty` is a standard owned type that is `Send` whatever else holds (`String`,
/// `PathBuf`, a number, a `Vec` or `Box` of those): what an `impl Into<T>` is converted to when
/// the twin is called, since the converted value crosses threads. Any other `T` (an `Rc<str>`,
/// a type of the user's) is left to cross as the `impl Into<T>` it was, and converted on the
/// worker thread by the fn itself.
fn sendable_std(ty: &Type) -> bool {
    const OWNED: &[&str] = &[
        "String", "PathBuf", "OsString", "CString", "str", "u8", "u16", "u32", "u64", "u128",
        "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64", "bool", "char",
    ];
    match peel(ty) {
        Type::Tuple(tuple) => tuple.elems.iter().all(sendable_std),
        // In a `Box<[u8]>`.
        Type::Slice(slice) => sendable_std(&slice.elem),
        Type::Path(syn::TypePath {
            qself: None, path, ..
        }) => {
            let Some(last) = path.segments.last() else {
                return false;
            };
            match &last.arguments {
                syn::PathArguments::None => OWNED.iter().any(|name| last.ident == name),
                syn::PathArguments::AngleBracketed(args)
                    if last.ident == "Vec" || last.ident == "Box" =>
                {
                    args.args.iter().all(
                        |arg| matches!(arg, syn::GenericArgument::Type(ty) if sendable_std(ty)),
                    )
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// Why a `&mut` parameter cannot be bridged, and what a fn can do instead (a handle's method
/// is told something else, see [`param`]).
const MUT_BORROW: &str = "`&mut` parameters cannot be bridged: the worker thread would write \
     through a borrow the caller cannot hold across threads; take the value and return it \
     (`fn f(v: Vec<u8>) -> Vec<u8>`), or give the object an async handle with \
     `#[sync_to_async(handle = ...)]` on its `impl` block";

/// How a parameter of type `ty` crosses threads, or where and why it cannot.
fn shape(ty: &Type) -> Result<Pass, (TokenStream, &'static str)> {
    if find_borrow(ty).is_none() {
        return Ok(Pass::Move);
    }
    match ty {
        Type::Paren(paren) => shape(&paren.elem),
        // A type that came through a `macro_rules!` `$t:ty` fragment.
        Type::Group(group) => shape(&group.elem),
        Type::Reference(TypeReference {
            mutability: Some(token),
            and_token,
            elem,
            ..
        }) if matches!(peel(elem), Type::TraitObject(_)) => Err((
            quote!(#and_token #token),
            "a `&mut dyn Trait` parameter cannot be bridged: the worker thread would call it \
             through a borrow the caller cannot hold across threads. For a legacy trait, \
             `#[sync_to_async(trait = AsyncName)]` on the trait makes an async counterpart and \
             a handle that owns the object (`AsyncNameHandle::from_box(boxed)` for a \
             `Box<dyn Trait + Send>`), which async code calls instead of this fn; or take \
             `Box<dyn Trait + Send>` by value and return it",
        )),
        Type::Reference(TypeReference {
            mutability: Some(token),
            and_token,
            ..
        }) => Err((quote!(#and_token #token), MUT_BORROW)),
        Type::Reference(reference) => {
            if let Some(message) = unowned(&reference.elem) {
                return Err((reference.elem.to_token_stream(), message));
            }
            match peel(&reference.elem) {
                elem if find_borrow(elem).is_none() => Ok(Pass::ToOwned {
                    elem: reference.elem.clone(),
                }),
                Type::Slice(slice) => Ok(Pass::Slice {
                    inner: Box::new(shape(&slice.elem)?),
                    elem: slice.elem.clone(),
                }),
                elem => Err((
                    find_borrow(elem).unwrap_or_default(),
                    "the twin copies a `&T` parameter with `ToOwned` before the call crosses \
                     threads, but this one borrows again inside; take `&T` of an owned type, or \
                     the borrowing type by value (`Option<&str>` rather than `&Option<&str>`)",
                )),
            }
        }
        Type::Array(array) => Ok(Pass::Array {
            inner: Box::new(shape(&array.elem)?),
            elem: array.elem.clone(),
            len: Box::new(array.len.clone()),
        }),
        Type::Tuple(tuple) => tuple
            .elems
            .iter()
            .map(|elem| Ok((elem.clone(), shape(elem)?)))
            .collect::<Result<_, _>>()
            .map(Pass::Tuple),
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return Err(borrowing_type(ty));
            };
            let args: Vec<&syn::GenericArgument> = match &last.arguments {
                syn::PathArguments::AngleBracketed(args) => args.args.iter().collect(),
                _ => Vec::new(),
            };
            match (last.ident.to_string().as_str(), args.as_slice()) {
                ("Option", [syn::GenericArgument::Type(elem)]) => Ok(Pass::Option {
                    inner: Box::new(shape(elem)?),
                    elem: Box::new(elem.clone()),
                }),
                ("Vec", [syn::GenericArgument::Type(elem)]) => Ok(Pass::Vec {
                    inner: Box::new(shape(elem)?),
                    elem: Box::new(elem.clone()),
                }),
                (
                    "Cow",
                    [
                        syn::GenericArgument::Lifetime(_),
                        syn::GenericArgument::Type(elem),
                    ],
                ) if find_borrow(elem).is_none() => Ok(Pass::Cow {
                    elem: Box::new(elem.clone()),
                }),
                _ => Err(borrowing_type(ty)),
            }
        }
        _ => Err(borrowing_type(ty)),
    }
}

/// The error for a parameter type that borrows and has no owned form bridge knows.
fn borrowing_type(ty: &Type) -> (TokenStream, &'static str) {
    (
        find_borrow(ty).unwrap_or_else(|| ty.to_token_stream()),
        "this parameter borrows (a type with a lifetime, such as a struct that holds a \
         reference, or a collection of borrows other than `Vec`), and bridge knows no owned \
         form of it to send to the worker thread; take the owned type it borrows from (`Config` \
         rather than `ConfigRef<'a>`, `HashMap<String, V>` rather than `HashMap<&str, V>`) by \
         value or as `&Config`, which the twin copies",
    )
}

/// Why the `T` of a `&T` parameter has no owned form the twin could copy it into, if it has none.
fn unowned(elem: &Type) -> Option<&'static str> {
    match peel(elem) {
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

pub(crate) fn contains_impl_trait(ty: &Type) -> bool {
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
