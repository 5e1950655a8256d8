//! Which methods of the `impl` block get an async version, and how: the handle's [`Mode`]
//! (how it holds its object), each method's [`Kind`] (what it does with the object), and the
//! checks of its signature and name. A method that cannot be bridged as written is still
//! planned, as `invalid`, so that its stub keeps callers compiling.

use std::collections::HashMap;

use quote::ToTokens;
use syn::visit_mut::VisitMut;
use syn::{
    AttrStyle, Attribute, FnArg, Ident, ItemImpl, Lifetime, ReceiverKind, ReturnType, Signature,
    Type, Visibility,
};

use super::self_type::{ReplaceSelf, constructor, is_self, replace_constructed};
use super::{Handle, Method, type_name};
use crate::args::{HandleOptions, MethodOptions, Parsed, Sharing};
use crate::error::Errors;
use crate::signature::{self, Param};

/// The accessors every handle has, which no async method may be named like.
const RESERVED: &[(&str, &str)] = &[
    (
        "clone",
        "it is cheaply `Clone`, and every clone shares the object",
    ),
    ("from", "`From<Store>` builds it from an object"),
    (
        "blocking_read",
        "it gives sync code shared access to the object",
    ),
    (
        "blocking_write",
        "it gives sync code exclusive access to the object",
    ),
    ("blocking_with", "it runs sync code on the object's thread"),
];

/// How the handle holds its object.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// An async mutex: every call alone.
    Exclusive,
    /// `concurrent_reads`: an async read-write lock.
    ReadWrite,
    /// `thread_sensitive`: the object lives on a dedicated thread.
    Dedicated,
}

/// What a method does with the object.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `&self`.
    Ref,
    /// `&mut self`.
    Mut,
    /// An associated fn that returns `Self` or `Result<Self, E>` / `Option<Self>`: the async
    /// version returns a handle.
    Constructor { wrapped: bool },
    /// Any other associated fn.
    Associated,
}

/// One async method of the handle.
pub(super) struct Bridged {
    pub(super) attrs: Vec<Attribute>,
    pub(super) vis: Visibility,
    /// The sync method's signature, `Self` replaced by the object's type except in a
    /// constructor's return type.
    pub(super) sig: Signature,
    /// The sync method's name.
    pub(super) method: Ident,
    /// The async method's name.
    pub(super) name: Ident,
    pub(super) kind: Kind,
    pub(super) limit: Option<syn::LitInt>,
    pub(super) params: Vec<Param>,
    /// The receiver as written (`&self`, `&'a mut self`), for the async method's `&self`.
    pub(super) receiver_lifetime: Option<Lifetime>,
    /// Errors were found: the async method is a stub that keeps callers compiling.
    pub(super) invalid: bool,
    /// The method never returns (`-> !`): the async method returns `Infallible`, since `!`
    /// cannot be the output of an `async fn` on stable Rust.
    pub(super) never: bool,
}

impl<'a> Handle<'a> {
    pub(super) fn new(
        options: &'a HandleOptions,
        block: &'a ItemImpl,
        name: Ident,
        methods: Vec<Method>,
        errors: &mut Errors,
    ) -> Self {
        let mode = match options.sharing {
            Sharing::Exclusive { .. } => Mode::Exclusive,
            Sharing::ReadWrite { .. } => Mode::ReadWrite,
            Sharing::Dedicated => Mode::Dedicated,
        };
        let self_ty = &*block.self_ty;
        let type_name = type_name(self_ty)
            .map(Ident::to_string)
            .unwrap_or_else(|| self_ty.to_token_stream().to_string());
        let mut generics = block.generics.clone();
        for param in generics.type_params_mut() {
            param.colon_token.get_or_insert_with(Default::default);
            param.bounds.push(syn::parse_quote!('static));
        }
        let mut handle = Handle {
            options,
            name,
            extends: options.extends.is_some(),
            mode,
            self_ty,
            type_name,
            generics,
            // Outer attributes only: an inner `#![allow(..)]` of the block belongs to it.
            attrs: block
                .attrs
                .iter()
                .filter(|attr| matches!(attr.style, AttrStyle::Outer))
                .filter(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("allow"))
                .collect(),
            docs: block
                .attrs
                .iter()
                .filter(|attr| matches!(attr.style, AttrStyle::Outer))
                .filter(|attr| attr.path().is_ident("doc"))
                .collect(),
            methods: Vec::new(),
        };
        let mut names: HashMap<String, Ident> = HashMap::new();
        for method in methods {
            // A method whose name is taken gets no async version: the error says so, and a
            // second definition would only add errors about the name.
            if let Some(bridged) = handle.plan(method, errors)
                && handle.check_name(&bridged, &mut names, errors)
            {
                handle.methods.push(bridged);
            }
        }
        handle
    }

    /// Checks what the async version of `method` needs, or returns `None` if it gets none.
    fn plan(&self, method: Method, errors: &mut Errors) -> Option<Bridged> {
        let Method { item, options } = method;
        let options = options.map(|Parsed { options, later }| {
            errors.append(later);
            options
        });
        // Methods that are not `pub` are left alone, unless an attribute asks for them.
        let (name, limit) = match options {
            Some(MethodOptions::Skip) => return None,
            Some(MethodOptions::Bridge { name, limit }) => (name, limit),
            None if matches!(item.vis, Visibility::Inherited) => return None,
            None => (None, None),
        };
        let mut invalid = false;
        let mut errors_here = Errors::default();
        let sig = &item.sig;
        signature::check_header(sig, signature::Place::Method, &mut errors_here);
        let (kind, receiver_lifetime) = self.kind(sig, &mut errors_here);
        if self.extends && matches!(kind, Kind::Constructor { .. }) {
            // How a constructor builds the handle depends on how the handle holds its object,
            // which only the block that makes it knows.
            errors_here.push_spanned(
                &sig.ident,
                format!(
                    "`{}::{}` builds a `{}`, so its async version is a constructor of `{}`, and \
                     constructors go in the block that makes the handle (the one with \
                     `#[sync_to_async(handle = {})]`): move it there, or leave it out with \
                     `#[sync_to_async(skip)]`",
                    self.type_name, sig.ident, self.type_name, self.name, self.name
                ),
            );
        }
        if let ReturnType::Type(_, ty) = &sig.output
            && let Some(borrow) = signature::find_borrow(ty)
        {
            errors_here.push_spanned(
                borrow,
                format!(
                    "this method returns a borrow, but a handle's method returns what the sync \
                     method returned on another thread, while the `{}` it borrows from stays in \
                     the handle: return an owned value (`String` for `&str`, `Vec<T>` for `&[T]`, \
                     a clone), or leave the method out with `#[sync_to_async(skip)]`",
                    self.type_name
                ),
            );
        }
        let mut sig = sig.clone();
        let self_ty = self.self_ty;
        sig.inputs.iter_mut().for_each(|arg| {
            if let FnArg::Typed(arg) = arg {
                ReplaceSelf(self_ty).visit_type_mut(&mut arg.ty);
            }
        });
        if let Some(where_clause) = &mut sig.generics.where_clause {
            ReplaceSelf(self_ty).visit_where_clause_mut(where_clause);
        }
        for param in sig.generics.params.iter_mut() {
            ReplaceSelf(self_ty).visit_generic_param_mut(param);
        }
        if let ReturnType::Type(_, ty) = &mut sig.output {
            match kind {
                Kind::Constructor { .. } => {
                    // The handle's constructor returns the handle: `Self` inside its `impl`.
                    ReplaceSelf(self_ty).visit_type_mut(ty);
                    replace_constructed(ty, self_ty, syn::parse_quote!(Self));
                }
                _ => ReplaceSelf(self_ty).visit_type_mut(ty),
            }
        }
        let never = signature::never_returns(&sig.output);
        if never {
            sig.output = syn::parse_quote!(-> ::core::convert::Infallible);
        }
        let params = signature::plan_method_params(&sig, &mut errors_here);
        if !errors_here.is_empty() {
            invalid = true;
            errors.append(errors_here);
        }
        Some(Bridged {
            attrs: item.attrs.clone(),
            vis: item.vis.clone(),
            method: item.sig.ident.clone(),
            name: name.unwrap_or_else(|| item.sig.ident.clone()),
            kind,
            limit,
            params,
            receiver_lifetime,
            sig,
            invalid,
            never,
        })
    }

    /// What the method does with the object, from its receiver and return type.
    fn kind(&self, sig: &Signature, errors: &mut Errors) -> (Kind, Option<Lifetime>) {
        let Some(receiver) = sig.receiver() else {
            let kind = match &sig.output {
                ReturnType::Type(_, ty) => match constructor(ty, self.self_ty) {
                    Some(wrapped) => Kind::Constructor { wrapped },
                    None => Kind::Associated,
                },
                ReturnType::Default => Kind::Associated,
            };
            return (kind, None);
        };
        let by_reference = match &receiver.kind {
            ReceiverKind::Reference(_, lifetime, mutability) => {
                Some((mutability.is_some(), lifetime.clone()))
            }
            ReceiverKind::Typed(_, ty) => match signature::peel(ty) {
                Type::Reference(reference) if is_self(&reference.elem, self.self_ty) => {
                    Some((reference.mutability.is_some(), reference.lifetime.clone()))
                }
                _ => None,
            },
            _ => None,
        };
        if let Some((mutable, lifetime)) = by_reference {
            let kind = if mutable { Kind::Mut } else { Kind::Ref };
            return (kind, lifetime);
        }
        if let ReceiverKind::Value = receiver.kind {
            errors.push_spanned(
                receiver,
                format!(
                    "a method that takes `self` by value cannot be called through a handle: \
                     every clone of `{}` shares the one `{}`, so none of them can give it away; \
                     take `&self` or `&mut self`, or leave the method out with \
                     `#[sync_to_async(skip)]`",
                    self.name, self.type_name
                ),
            );
        } else {
            errors.push_spanned(
                receiver,
                "a handle calls methods that take `&self` or `&mut self`; it cannot give this \
                 method the receiver it asks for (the handle owns the object), so take `&self` \
                 or `&mut self`, or leave the method out with `#[sync_to_async(skip)]`",
            );
        }
        (Kind::Ref, None)
    }

    /// Reports an async method whose name is taken, by an accessor of every handle or by
    /// another method; returns whether the name is free.
    fn check_name(
        &self,
        bridged: &Bridged,
        names: &mut HashMap<String, Ident>,
        errors: &mut Errors,
    ) -> bool {
        let name = bridged.name.to_string();
        let handle = &self.name;
        if let Some((_, why)) = RESERVED.iter().find(|(reserved, _)| *reserved == name) {
            errors.push_spanned(
                &bridged.name,
                format!(
                    "`{handle}` has a method `{name}` of its own ({why}); give the async version \
                     of `{}::{}` another name with `#[sync_to_async(name = ...)]`, or leave it out \
                     with `#[sync_to_async(skip)]`",
                    self.type_name, bridged.method
                ),
            );
        } else if let Some(first) = names.get(&name) {
            errors.push_spanned(
                &bridged.name,
                format!(
                    "`{handle}` already has a method `{name}`, the async version of `{}::{first}`; \
                     give this one another name with `#[sync_to_async(name = ...)]`",
                    self.type_name
                ),
            );
        } else {
            names.insert(name, bridged.method.clone());
            return true;
        }
        false
    }
}
