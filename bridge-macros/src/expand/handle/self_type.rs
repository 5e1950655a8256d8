//! Rewriting `Self`: inside the generated `impl AsyncStore`, `Self` is the handle, so in a
//! method's signature it is replaced by the object's type ([`ReplaceSelf`]), except in a
//! constructor's return type, where it is the handle the async constructor returns
//! ([`constructor`], [`replace_constructed`]).

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprPath, GenericArgument, Path, PathArguments, QSelf, Type, TypePath};

/// Whether `ty` is `Self` or the type the `impl` is for.
pub(super) fn is_self(ty: &Type, self_ty: &Type) -> bool {
    match ty {
        Type::Path(TypePath {
            qself: None, path, ..
        }) if path.is_ident("Self") => true,
        Type::Group(group) => is_self(&group.elem, self_ty),
        Type::Paren(paren) => is_self(&paren.elem, self_ty),
        ty => ty.to_token_stream().to_string() == self_ty.to_token_stream().to_string(),
    }
}

/// Whether a return type makes an associated fn a constructor: `Self`, or `Self` as the first
/// argument of a `Result` or `Option` (`Result<Self, E>`, `io::Result<Self>`), or of an alias
/// of one (see [`result_like`]). Returns whether it is wrapped, so that the handle is made
/// with `.map(..)`.
pub(super) fn constructor(ty: &Type, self_ty: &Type) -> Option<bool> {
    if is_self(ty, self_ty) {
        return Some(false);
    }
    let mut ty = ty.clone();
    wrapped_object(&mut ty, self_ty).map(|_| true)
}

/// Replaces the object in a constructor's return type (see [`constructor`]) with `with`.
pub(super) fn replace_constructed(ty: &mut Type, self_ty: &Type, with: Type) {
    if is_self(ty, self_ty) {
        *ty = with;
    } else if let Some(slot) = wrapped_object(ty, self_ty) {
        *slot = with;
    }
}

/// `ty` without the invisible groups and parentheses around it, as `signature::peel`.
fn peel_mut(ty: &mut Type) -> &mut Type {
    match ty {
        Type::Group(group) => peel_mut(&mut group.elem),
        Type::Paren(paren) => peel_mut(&mut paren.elem),
        ty => ty,
    }
}

/// Whether a type named `name` holds `Self` the way a `Result` or an `Option` does: `Result`,
/// `Option`, an alias of either that the module defines (`type Fallible<T> = Result<T,
/// String>`, read from the source: see `crate::context::module_items`), or, where the module
/// does not define the name, one named like a `Result` alias (`StoreResult`, `io::Result`).
/// A struct or enum of the module (`SearchResult<T>`) is not.
fn result_like(name: &syn::Ident) -> bool {
    if name == "Result" || name == "Option" {
        return true;
    }
    let name = name.to_string();
    let items = crate::context::module_items(|source| {
        ["type", "struct", "enum"]
            .iter()
            .any(|keyword| crate::context::occurrences(source, &[keyword, &name]) > 0)
    });
    let defined = items.iter().flatten().find_map(|item| match item {
        syn::Item::Type(alias)
            if alias.ident == name && !alias.attrs.iter().any(crate::context::conditional) =>
        {
            let Type::Path(TypePath { path, .. }) = crate::signature::peel(&alias.ty) else {
                return Some(false);
            };
            Some(
                path.segments
                    .last()
                    .is_some_and(|last| last.ident == "Result" || last.ident == "Option"),
            )
        }
        syn::Item::Struct(item) if item.ident == name => Some(false),
        syn::Item::Enum(item) if item.ident == name => Some(false),
        _ => None,
    });
    defined.unwrap_or_else(|| name.ends_with("Result"))
}

/// The `Self` in `Result<Self, E>`, `Option<Self>` or `StoreResult<Self>`.
fn wrapped_object<'t>(ty: &'t mut Type, self_ty: &Type) -> Option<&'t mut Type> {
    let Type::Path(TypePath {
        qself: None, path, ..
    }) = peel_mut(ty)
    else {
        return None;
    };
    let last = path.segments.last_mut()?;
    if !result_like(&last.ident) {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &mut last.arguments else {
        return None;
    };
    match args.args.first_mut() {
        Some(GenericArgument::Type(first)) if is_self(first, self_ty) => Some(first),
        _ => None,
    }
}

/// Replaces `Self` with the type the `impl` is for, spanned where `Self` was written.
pub(super) struct ReplaceSelf<'a>(pub(super) &'a Type);

impl VisitMut for ReplaceSelf<'_> {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(TypePath {
            qself: None, path, ..
        }) = ty
            && path.segments.first().is_some_and(|s| s.ident == "Self")
        {
            let span = path.segments[0].ident.span();
            let self_ty = respan_type(self.0, span);
            if path.segments.len() == 1 {
                *ty = self_ty;
            } else {
                // `Self::Assoc` becomes `<Store>::Assoc`.
                let rest: Punctuated<_, _> = path.segments.iter().skip(1).cloned().collect();
                *ty = Type::Path(TypePath {
                    attrs: Vec::new(),
                    qself: Some(QSelf {
                        lt_token: Default::default(),
                        ty: Box::new(self_ty),
                        position: 0,
                        as_token: None,
                        gt_token: Default::default(),
                    }),
                    path: Path {
                        leading_colon: Some(Default::default()),
                        segments: rest,
                    },
                });
            }
            return;
        }
        visit_mut::visit_type_mut(self, ty);
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Path(ExprPath {
            qself: None, path, ..
        }) = expr
            && path.segments.len() > 1
            && path.segments[0].ident == "Self"
        {
            let span = path.segments[0].ident.span();
            let self_ty = respan_type(self.0, span);
            let rest: Vec<_> = path.segments.iter().skip(1).collect();
            *expr = syn::parse_quote!(<#self_ty>::#(#rest)::*);
            return;
        }
        visit_mut::visit_expr_mut(self, expr);
    }
}

/// `ty` with every token spanned at `span`, so that an error about it points there.
fn respan_type(ty: &Type, span: Span) -> Type {
    fn respan(tokens: TokenStream, span: Span) -> TokenStream {
        tokens
            .into_iter()
            .map(|token| match token {
                TokenTree::Group(group) => {
                    let mut new =
                        proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                    new.set_span(span);
                    TokenTree::Group(new)
                }
                mut other => {
                    other.set_span(span);
                    other
                }
            })
            .collect()
    }
    syn::parse2(respan(ty.to_token_stream(), span)).unwrap_or_else(|_| ty.clone())
}
