//! The async handle of an `impl` block (`#[sync_to_async(handle = AsyncStore)]`).
//!
//! Input:
//!
//! ```text
//! #[sync_to_async(handle = AsyncStore)]
//! impl Store {
//!     pub fn open(path: &str) -> Result<Self, StoreError> { ... }
//!     pub fn get(&self, id: u64) -> Option<User> { ... }
//!     #[sync_to_async(name = insert, limit = 4)]
//!     pub fn put(&mut self, user: User) { ... }
//!     fn helper(&self) { ... }                           // not `pub`: left alone
//! }
//! ```
//!
//! Output: the `impl` unchanged (minus the methods' `#[sync_to_async(...)]`), and
//!
//! ```text
//! pub struct AsyncStore { __bridge_state: Exclusive<Store> }   // an `Arc` inside
//! impl Clone for AsyncStore { ... }
//! impl Debug for AsyncStore { ... }
//! impl From<Store> for AsyncStore {
//!     fn from(object: Store) -> Self {
//!         // `send_object` checks, once for the whole handle, that `Store: Send`
//!         Self { __bridge_state: Exclusive::new(send_object::<Self, Store>(object)) }
//!     }
//! }
//! impl AsyncStore {
//!     fn __bridge_limit() -> Option<&'static Limit> { None }       // the handle's `limit = N`
//!     pub fn blocking_read(&self) -> ReadGuard<'_, Store> { ... }   // for sync callers
//!     pub fn blocking_write(&self) -> WriteGuard<'_, Store> { ... }
//!     pub async fn open(path: &str) -> Result<Self, StoreError> {
//!         let (__a0,) = (method_send_cell::<Self, open, String>(path.to_owned()),);
//!         run_handle(&SITE, Self::__bridge_limit(), None, move || {
//!             let (__a0,) = (__a0.into_inner(),);
//!             method_send_cell::<Self, open, Result<Store, StoreError>>(<Store>::open(&__a0))
//!         })
//!         .await.into_inner().map(From::from)
//!     }
//!     pub async fn get(&self, id: u64) -> Option<User> {
//!         let (__a0,) = (method_send_cell::<Self, get, u64>(id),);
//!         let __access = Read(move |__this: &Store| {
//!             let (__a0,) = (__a0.into_inner(),);
//!             method_send_cell::<Self, get, Option<User>>(<Store>::get(__this, __a0))
//!         });
//!         self.__bridge_state.call(&SITE, Self::__bridge_limit(), None, __access)
//!             .await.into_inner()
//!     }
//!     pub async fn insert(&self, user: User) { ... Write(..) ... }
//!     pub async fn version() -> u32 { ... run_handle(..) ... }
//! }
//! ```
//!
//! A method is a twin with a receiver: its arguments and result are checked for `Send` one by
//! one (`method_send_cell`, whose message names the handle and the method) and cross threads in
//! the cell that carries the proof, exactly as a twin's do.
//!
//! Every method has its own `CallSite` (`module::Store::get`), and every call goes through the
//! runtime's one dispatch path. The state type decides how calls share the object:
//! `Exclusive` (an async mutex: every call alone), `ReadWrite` with `concurrent_reads` (an async
//! read-write lock), or `Dedicated` with `thread_sensitive` (the object lives on a thread of
//! its own, and calls are messages to it; a constructor installs the object there and sends
//! back only a token).
//!
//! `Self` in a method's signature means the handle inside the generated `impl AsyncStore`, so
//! it is replaced by the object's type, except in the return type of a constructor, where it
//! is the handle the async constructor returns.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{
    Attribute, Expr, ExprPath, FnArg, GenericArgument, Generics, Ident, ImplItem, ImplItemFn,
    ItemImpl, Lifetime, Path, PathArguments, QSelf, ReceiverKind, ReturnType, Signature, Type,
    TypePath, Visibility,
};

use super::common::{contains_impl, generic_args, stub, twin_attrs, unsafe_call};
use super::sync_to_async::add_send_static;
use crate::args::{Args, Macro};
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

/// `#[sync_to_async(...)]` on an `impl` block.
pub(super) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = Args::parse(Macro::SyncToAsync, attr, &mut errors);
    let mut block = match syn::parse2::<ItemImpl>(item.clone()) {
        Ok(block) => block,
        Err(error) => {
            errors.push(error);
            let errors = errors.to_compile_errors();
            return quote!(#item #errors);
        }
    };
    let handle = check_impl(&args, &block, &mut errors);
    let methods = take_methods(&mut block, &mut errors);
    let Some(handle) = handle else {
        let errors = errors.to_compile_errors();
        return quote!(#block #errors);
    };
    let generated = Handle::new(&args, &block, handle, methods, &mut errors).to_token_stream();
    let errors = errors.to_compile_errors();
    quote!(#block #generated #errors)
}

/// Checks the options and the `impl` block itself; returns the handle's name if a handle can be
/// generated at all.
fn check_impl(args: &Args, block: &ItemImpl, errors: &mut Errors) -> Option<Ident> {
    if let Some(name) = &args.name {
        errors.push_spanned(
            name,
            "`name` names the twin of a fn; the methods of a handle keep their names, and one is \
             renamed with `#[sync_to_async(name = ...)]` on the method itself",
        );
    }
    if let Some(wraps) = &args.wraps {
        errors.push_spanned(
            wraps,
            "`wraps` declares an async fn for a fn defined elsewhere; on an `impl` block, the \
             handle calls the methods written in it, so remove `wraps`",
        );
    }
    if let (Some(flag), Some(_)) = (&args.concurrent_reads, &args.thread_sensitive) {
        errors.push_spanned(
            flag,
            "`concurrent_reads` and `thread_sensitive` cannot be combined: a thread-sensitive \
             object lives on one thread, which runs its calls one after the other; keep one of them",
        );
    }
    if let Some((path, _)) = &block.trait_ {
        errors.push_spanned(
            path,
            "an async handle is made from an inherent `impl Store { ... }` block, not from a trait \
             impl: a trait's methods are called through the trait, which the handle does not \
             implement. Put the attribute on the type's own `impl` block, with methods that call \
             the trait's",
        );
        return None;
    }
    if let Some(lifetime) = block.generics.lifetimes().next() {
        errors.push_spanned(
            lifetime,
            "a handle keeps its object for as long as any clone of it lives, and runs its methods \
             on other threads, so the object cannot borrow: an `impl` with a lifetime parameter \
             cannot have a handle; give the type owned fields instead",
        );
        return None;
    }
    let Some(handle) = &args.handle else {
        if errors.is_empty() {
            errors.push_spanned(
                block.impl_token,
                "`#[sync_to_async]` on an `impl` block makes an async handle for the object; name \
                 it: `#[sync_to_async(handle = AsyncStore)]`",
            );
        }
        return None;
    };
    if type_name(&block.self_ty).is_some_and(|name| name == handle) {
        errors.push_spanned(
            handle,
            format!(
                "the handle needs a name of its own: `{handle}` is the type this `impl` is for; \
                 name it after what async callers hold, as in `handle = Async{handle}`"
            ),
        );
        return None;
    }
    Some(handle.clone())
}

/// The last identifier of a type's path: `Store` for `crate::db::Store<T>`.
fn type_name(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(TypePath {
            qself: None, path, ..
        }) => path.segments.last().map(|s| &s.ident),
        Type::Group(group) => type_name(&group.elem),
        Type::Paren(paren) => type_name(&paren.elem),
        _ => None,
    }
}

/// A method of the `impl` block with the `#[sync_to_async(...)]` options written on it, which
/// are taken out of the block that is emitted.
struct Method {
    item: ImplItemFn,
    args: Option<Args>,
}

fn take_methods(block: &mut ItemImpl, errors: &mut Errors) -> Vec<Method> {
    let mut methods = Vec::new();
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else {
            continue;
        };
        let (options, kept): (Vec<Attribute>, Vec<Attribute>) = std::mem::take(&mut method.attrs)
            .into_iter()
            .partition(is_options);
        method.attrs = kept;
        let args = (!options.is_empty()).then(|| {
            // Several attributes read as one list, so an option given twice is reported as such.
            let tokens = options
                .iter()
                .filter_map(|attr| match &attr.meta {
                    syn::Meta::List(list) => Some(list.tokens.clone()),
                    _ => None,
                })
                .filter(|tokens| !tokens.is_empty());
            let tokens = Punctuated::<TokenStream, syn::Token![,]>::from_iter(tokens);
            Args::parse(Macro::Method, tokens.into_token_stream(), errors)
        });
        methods.push(Method {
            item: method.clone(),
            args,
        });
    }
    methods
}

/// `#[sync_to_async(...)]` (under any path, such as `bridge_runtime::sync_to_async`).
fn is_options(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "sync_to_async")
}

/// How the handle holds its object.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// An async mutex: every call alone.
    Exclusive,
    /// `concurrent_reads`: an async read-write lock.
    ReadWrite,
    /// `thread_sensitive`: the object lives on a dedicated thread.
    Dedicated,
}

/// What a method does with the object.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
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
struct Bridged {
    attrs: Vec<Attribute>,
    vis: Visibility,
    /// The sync method's signature, `Self` replaced by the object's type except in a
    /// constructor's return type.
    sig: Signature,
    /// The sync method's name.
    method: Ident,
    /// The async method's name.
    name: Ident,
    kind: Kind,
    limit: Option<syn::LitInt>,
    params: Vec<Param>,
    /// The receiver as written (`&self`, `&'a mut self`), for the async method's `&self`.
    receiver_lifetime: Option<Lifetime>,
    /// Errors were found: the async method is a stub that keeps callers compiling.
    invalid: bool,
}

struct Handle<'a> {
    args: &'a Args,
    name: Ident,
    mode: Mode,
    self_ty: &'a Type,
    type_name: String,
    generics: Generics,
    /// The `impl` block's `#[cfg]`s and `#[allow]`s, for every generated item.
    attrs: Vec<&'a Attribute>,
    docs: Vec<&'a Attribute>,
    methods: Vec<Bridged>,
}

impl<'a> Handle<'a> {
    fn new(
        args: &'a Args,
        block: &'a ItemImpl,
        name: Ident,
        methods: Vec<Method>,
        errors: &mut Errors,
    ) -> Self {
        let mode = match (&args.thread_sensitive, &args.concurrent_reads) {
            (Some(_), _) => Mode::Dedicated,
            (None, Some(_)) => Mode::ReadWrite,
            (None, None) => Mode::Exclusive,
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
            args,
            name,
            mode,
            self_ty,
            type_name,
            generics,
            attrs: block
                .attrs
                .iter()
                .filter(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("allow"))
                .collect(),
            docs: block
                .attrs
                .iter()
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
        let Method { item, args } = method;
        let skip = args.as_ref().and_then(|args| args.skip.as_ref());
        if let (Some(skip), Some(args)) = (skip, &args) {
            for option in [
                args.name.as_ref().map(ToTokens::to_token_stream),
                args.limit.as_ref().map(ToTokens::to_token_stream),
            ]
            .into_iter()
            .flatten()
            {
                errors.push_spanned(
                    option,
                    format!(
                        "`{skip}` leaves this method out of the handle, so there is nothing for \
                         this option to apply to; remove one of them"
                    ),
                );
            }
        }
        // Methods that are not `pub` are left alone, unless an attribute asks for them.
        if skip.is_some() || (args.is_none() && matches!(item.vis, Visibility::Inherited)) {
            return None;
        }
        let mut invalid = false;
        let mut errors_here = Errors::default();
        let sig = &item.sig;
        signature::check_header(sig, &mut errors_here);
        let (kind, receiver_lifetime) = self.kind(sig, &mut errors_here);
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
        let params = signature::plan_method_params(&sig, &mut errors_here);
        if !errors_here.is_empty() {
            invalid = true;
            errors.append(errors_here);
        }
        let method_args = args.as_ref();
        Some(Bridged {
            attrs: item.attrs.clone(),
            vis: item.vis.clone(),
            method: item.sig.ident.clone(),
            name: method_args
                .and_then(|args| args.name.clone())
                .unwrap_or_else(|| item.sig.ident.clone()),
            kind,
            limit: method_args.and_then(|args| args.limit.clone()),
            params,
            receiver_lifetime,
            sig,
            invalid,
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
            ReceiverKind::Typed(_, ty) => match &**ty {
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

    /// The handle's `executor = ...`; a thread-sensitive handle has its own thread instead (the
    /// two together are an error, reported with the options).
    fn executor(&self) -> Option<&Expr> {
        match self.mode {
            Mode::Dedicated => None,
            _ => self.args.executor.as_ref(),
        }
    }

    fn runtime(&self) -> Path {
        self.args.runtime()
    }

    fn private(&self) -> TokenStream {
        let krate = self.runtime();
        quote!(#krate::__private)
    }

    /// The state type inside the handle.
    fn state_type(&self) -> TokenStream {
        let private = self.private();
        let self_ty = self.self_ty;
        let state = match self.mode {
            Mode::Exclusive => quote!(Exclusive),
            Mode::ReadWrite => quote!(ReadWrite),
            Mode::Dedicated => quote!(Dedicated),
        };
        quote!(#private::#state<#self_ty>)
    }

    /// The handle's `limit = N`, as the methods pass it to the runtime.
    fn limit(&self) -> TokenStream {
        let limit = Ident::new("__bridge_limit", Span::mixed_site());
        quote!(Self::#limit())
    }

    /// The hidden associated fn behind [`Handle::limit`]: the handle's one `Limit`, shared by
    /// its methods.
    fn limit_fn(&self) -> TokenStream {
        let private = self.private();
        let limit = Ident::new("__bridge_limit", Span::mixed_site());
        let value = match &self.args.limit {
            Some(n) => quote! {
                static __BRIDGE_LIMIT: #private::Limit = #private::Limit::new(#n);
                ::core::option::Option::Some(&__BRIDGE_LIMIT)
            },
            None => quote!(::core::option::Option::None),
        };
        quote! {
            #[allow(dead_code)]
            fn #limit() -> ::core::option::Option<&'static #private::Limit> {
                #value
            }
        }
    }

    fn struct_docs(&self) -> TokenStream {
        let (handle, ty) = (&self.name, &self.type_name);
        let sharing = match self.mode {
            Mode::Exclusive => format!(
                " Clones are cheap and share one `{ty}`. Each call has the object to itself: \
                 calls run one at a time, in the order they asked for it, and a caller that \
                 waits holds no thread. Sync code reaches the same object with \
                 [`blocking_read`](Self::blocking_read) and [`blocking_write`](Self::blocking_write)."
            ),
            Mode::ReadWrite => format!(
                " Clones are cheap and share one `{ty}`. Calls of `&self` methods run at the same \
                 time; a call of a `&mut self` method has the object to itself. Sync code reaches \
                 the same object with [`blocking_read`](Self::blocking_read) and \
                 [`blocking_write`](Self::blocking_write)."
            ),
            Mode::Dedicated => format!(
                " Clones are cheap and share one `{ty}`, which lives on a thread of its own (named \
                 `{handle}`): it is built there, every call runs there, one at a time and in \
                 order, and it is dropped there after the last clone of the handle is dropped. \
                 Sync code runs code on it with [`blocking_with`](Self::blocking_with)."
            ),
        };
        let lines = [
            format!(
                " Async handle of [`{ty}`], generated by `#[sync_to_async(handle = {handle})]`: \
                 it has an async method for each `pub fn` of the `impl` block, which runs the \
                 sync method {}.",
                match self.mode {
                    Mode::Dedicated => "on the object's own thread",
                    _ => "on a blocking thread",
                }
            ),
            String::new(),
            sharing,
            String::new(),
            match self.mode {
                Mode::Dedicated => format!(
                    " Build it with its async constructors, which build the `{ty}` on its thread, \
                     or, if a `{ty}` is `Send`, with `{handle}::from({})`. See \
                     `bridge_runtime::handle` for the details.",
                    ty.to_lowercase()
                ),
                _ => format!(
                    " Build it with `{handle}::from({})` or with its async constructors. See \
                     `bridge_runtime::handle` for the details.",
                    ty.to_lowercase()
                ),
            },
        ];
        let separator = (!self.docs.is_empty()).then(|| quote!(#[doc = ""]));
        let docs = &self.docs;
        quote!(#(#docs)* #separator #(#[doc = #lines])*)
    }

    fn accessors(&self) -> TokenStream {
        let krate = self.runtime();
        let private = self.private();
        let self_ty = self.self_ty;
        let handle = self.name.to_string();
        let ty = &self.type_name;
        match self.mode {
            Mode::Exclusive | Mode::ReadWrite => {
                let (read, write) = match self.mode {
                    Mode::Exclusive => (
                        format!(
                            " Access to the `{ty}` for sync code: waits (blocking this thread) \
                             until no call has it, and keeps every call waiting until the guard \
                             is dropped."
                        ),
                        format!(
                            " Exclusive access to the `{ty}` for sync code: waits (blocking this \
                             thread) until no call has it, and keeps every call waiting until the \
                             guard is dropped."
                        ),
                    ),
                    _ => (
                        format!(
                            " Shared access to the `{ty}` for sync code: waits (blocking this \
                             thread) until no `&mut self` call has it; `&self` calls still run \
                             while the guard lives."
                        ),
                        format!(
                            " Exclusive access to the `{ty}` for sync code: waits (blocking this \
                             thread) until no call has it, and keeps every call waiting until the \
                             guard is dropped."
                        ),
                    ),
                };
                let panics = [
                    " # Panics",
                    "",
                    " On an async runtime worker thread, where it would stall every task on that \
                     thread (`.await` the async methods there), and inside a call on this same \
                     object, where it would wait forever.",
                ];
                quote! {
                    #[doc = #read]
                    #[doc = ""]
                    #(#[doc = #panics])*
                    pub fn blocking_read(&self) -> #krate::handle::ReadGuard<'_, #self_ty> {
                        self.__bridge_state.blocking_read(#handle)
                    }

                    #[doc = #write]
                    #[doc = ""]
                    #(#[doc = #panics])*
                    pub fn blocking_write(&self) -> #krate::handle::WriteGuard<'_, #self_ty> {
                        self.__bridge_state.blocking_write(#handle)
                    }
                }
            }
            Mode::Dedicated => {
                let doc = format!(
                    " Runs `f` on the `{ty}`, on its thread, and returns its result: how sync code \
                     reaches the object. It waits (blocking this thread) for the calls queued \
                     before it."
                );
                let panics = [
                    " # Panics",
                    "",
                    " On an async runtime worker thread, where it would stall every task on that \
                     thread (`.await` the async methods there), and when `f` panics.",
                ];
                let r = Ident::new("__R", Span::mixed_site());
                let site = Ident::new("__BRIDGE_SITE", Span::mixed_site());
                let site_name = format!("::{}::blocking_with", self.type_name);
                let limit = self.limit();
                quote! {
                    #[doc = #doc]
                    #[doc = ""]
                    #(#[doc = #panics])*
                    pub fn blocking_with<#r>(
                        &self,
                        f: impl ::core::ops::FnOnce(&mut #self_ty) -> #r + ::core::marker::Send + 'static,
                    ) -> #r
                    where
                        #r: ::core::marker::Send + 'static,
                    {
                        static #site: #private::CallSite = #private::CallSite::new(
                            ::core::concat!(::core::module_path!(), #site_name),
                        );
                        self.__bridge_state.blocking_with(&#site, #limit, f)
                    }
                }
            }
        }
    }

    /// The async version of one method.
    fn method(&self, bridged: &Bridged) -> TokenStream {
        let Bridged {
            attrs,
            vis,
            sig,
            method,
            name,
            kind,
            params,
            ..
        } = bridged;
        let private = self.private();
        let self_ty = self.self_ty;
        let handle = &self.name;
        let line = match kind {
            Kind::Ref | Kind::Mut => format!(
                " Async version of [`{ty}::{method}`], generated by `#[sync_to_async(handle = \
                 {handle})]`: the call runs {}, and this future awaits it.",
                match (self.mode, kind) {
                    (Mode::Dedicated, _) =>
                        "on the object's own thread, after the calls queued \
                                             before it",
                    (Mode::ReadWrite, Kind::Ref) =>
                        "on a blocking thread, beside the other \
                                                     `&self` calls",
                    _ => "on a blocking thread, with the object to itself",
                },
                ty = self.type_name
            ),
            Kind::Constructor { .. } => format!(
                " Async version of [`{ty}::{method}`], generated by `#[sync_to_async(handle = \
                 {handle})]`: the `{ty}` is built on {}, and this future returns its handle.",
                match self.mode {
                    Mode::Dedicated => "a new thread of its own",
                    _ => "a blocking thread",
                },
                ty = self.type_name
            ),
            Kind::Associated => format!(
                " Async version of [`{ty}::{method}`], generated by `#[sync_to_async(handle = \
                 {handle})]`: the call runs on a blocking thread and this future awaits it.",
                ty = self.type_name
            ),
        };
        let attrs = twin_attrs(attrs, &line);
        let mut generics = sig.generics.clone();
        add_send_static(&mut generics);
        let (generic_params, where_clause) = (&generics.params, &generics.where_clause);
        let safety = super::common::unsafe_keyword(&sig.safety);
        let receiver = match kind {
            Kind::Ref | Kind::Mut => {
                let lifetime = &bridged.receiver_lifetime;
                Some(quote!(&#lifetime self))
            }
            _ => None,
        };
        if bridged.invalid {
            // Every parameter as written, so that callers still compile.
            let mut stub_sig = sig.clone();
            stub_sig.ident = name.clone();
            stub_sig.generics = generics.clone();
            stub_sig.inputs = sig
                .inputs
                .iter()
                .filter(|arg| matches!(arg, FnArg::Typed(_)))
                .cloned()
                .collect();
            if let Some(receiver) = &receiver {
                stub_sig.inputs.insert(0, syn::parse_quote!(#receiver));
            }
            return stub(attrs, vis, &stub_sig, Some(Default::default()));
        }
        let inputs = receiver.into_iter().chain(
            params
                .iter()
                .map(|Param { name, ty, .. }| quote!(#name: #ty)),
        );
        let output = &sig.output;
        let signature = quote! {
            #vis async #safety fn #name <#generic_params> (#(#inputs),*) #output #where_clause
        };
        let hidden = |name: &str| Ident::new(name, Span::mixed_site());
        let (this, site, state, made) = (
            hidden("__this"),
            hidden("__BRIDGE_SITE"),
            hidden("__state"),
            hidden("__made"),
        );
        let args: Vec<Ident> = (0..params.len())
            .map(|i| format_ident!("__a{}", i, span = Span::mixed_site()))
            .collect();
        let sent_types: Vec<TokenStream> = params.iter().map(Param::sent_type).collect();
        let values: Vec<TokenStream> = params.iter().map(Param::value).collect();
        let call_args: Vec<TokenStream> = params
            .iter()
            .zip(&args)
            .map(|(param, arg)| param.call_arg(arg))
            .collect();
        let generic_args = generic_args(&sig.generics);
        let returned = match (&sig.output, kind) {
            (ReturnType::Type(_, ty), _) if contains_impl(ty) => quote!(_),
            (ReturnType::Default, _) => quote!(()),
            (ReturnType::Type(_, ty), Kind::Constructor { .. }) => {
                // What comes back from the thread: the object, or only a token where the object
                // stays on its own thread.
                let mut ty = (**ty).clone();
                let made: Type = match self.mode {
                    Mode::Dedicated => syn::parse_quote!(#private::Installed),
                    _ => self_ty.clone(),
                };
                replace_constructed(&mut ty, &syn::parse_quote!(Self), made);
                ty.to_token_stream()
            }
            (ReturnType::Type(_, ty), _) => ty.to_token_stream(),
        };
        let site_name = format!("::{}::{}", self.type_name, method.unraw());
        let site_name = quote!(::core::concat!(::core::module_path!(), #site_name));
        let site_new = match &bridged.limit {
            Some(limit) => quote!(#private::CallSite::with_limit(#site_name, #limit)),
            None => quote!(#private::CallSite::new(#site_name)),
        };
        // The executor is evaluated on every call, where the call is awaited, as a twin's is.
        let executor = match self.executor() {
            Some(executor) => {
                let span = executor.span();
                quote_spanned!(span=> ::core::option::Option::Some(&#executor))
            }
            None => quote!(::core::option::Option::None::<&#private::DefaultExecutor>),
        };
        let limit = self.limit();
        // Each argument and the result is checked for `Send` where it is written, spanned on
        // the user's type, and crosses threads in a cell that carries the proof: a type that is
        // not `Send` gets exactly one error, naming the handle and the method.
        let send = |ty: &TokenStream, value: TokenStream| quote!(#private::method_send_cell::<Self, #name, #ty>(#value));
        // Bound all at once, as a twin's are: a parameter may be named like one of them.
        let sent = sent_types
            .iter()
            .zip(&values)
            .map(|(ty, value)| send(ty, value.clone()));
        let (sent, received) = if args.is_empty() {
            (TokenStream::new(), TokenStream::new())
        } else {
            (
                quote!(let (#(#args,)*) = (#(#sent,)*);),
                quote!(let (#(#args,)*) = (#(#args.into_inner(),)*);),
            )
        };
        let ran = |call: TokenStream| send(&returned, call);
        let body = match kind {
            Kind::Ref | Kind::Mut => {
                let (access, reference) = match kind {
                    Kind::Mut => (quote!(Write), quote!(&mut #self_ty)),
                    _ => (quote!(Read), quote!(&#self_ty)),
                };
                let (call, _) = unsafe_call(
                    &sig.safety,
                    quote!(<#self_ty>::#method #generic_args(#this, #(#call_args),*)),
                );
                let ran = ran(call);
                let call = match self.mode {
                    // The object never leaves its thread, which is the executor.
                    Mode::Dedicated => quote!(self.__bridge_state.call(&#site, #limit, __access)),
                    _ => quote!(self.__bridge_state.call(&#site, #limit, #executor, __access)),
                };
                quote! {
                    #sent
                    let __access = #private::#access(move |#this: #reference| {
                        #received
                        #ran
                    });
                    #call.await.into_inner()
                }
            }
            Kind::Constructor { wrapped } if self.mode == Mode::Dedicated => {
                let (call, _) = unsafe_call(
                    &sig.safety,
                    quote!(<#self_ty>::#method #generic_args(#(#call_args),*)),
                );
                // Built on the new thread and installed there; only a token comes back.
                let installed = if *wrapped {
                    quote!(#call.map(#private::install))
                } else {
                    quote!(#private::install(#call))
                };
                let ran = ran(installed);
                let handle_value = if *wrapped {
                    quote!(#made.map(|_: #private::Installed| Self { __bridge_state: #state }))
                } else {
                    quote!({
                        let _: #private::Installed = #made;
                        Self { __bridge_state: #state }
                    })
                };
                let thread_name = self.name.to_string();
                quote! {
                    #sent
                    let #state = #private::Dedicated::<#self_ty>::start(#thread_name);
                    let #made = #state
                        .construct(&#site, #limit, move || {
                            #received
                            #ran
                        })
                        .await
                        .into_inner();
                    #handle_value
                }
            }
            Kind::Constructor { .. } | Kind::Associated => {
                let (call, _) = unsafe_call(
                    &sig.safety,
                    quote!(<#self_ty>::#method #generic_args(#(#call_args),*)),
                );
                let ran = ran(call);
                let job = quote!(move || {
                    #received
                    #ran
                });
                let run = match self.mode {
                    // No object, so no object's thread: it runs where a thread-sensitive twin
                    // would.
                    Mode::Dedicated => quote!(#private::run_handle_sensitive(&#site, #limit, #job)),
                    _ => quote!(#private::run_handle(&#site, #limit, #executor, #job)),
                };
                let run = quote!(#run.await.into_inner());
                let run = match kind {
                    Kind::Constructor { wrapped: true } => {
                        quote!(#run.map(::core::convert::From::from))
                    }
                    Kind::Constructor { wrapped: false } => {
                        quote!(::core::convert::From::from(#run))
                    }
                    _ => run,
                };
                quote! {
                    #sent
                    #run
                }
            }
        };
        let marker = quote! {
            #[allow(non_camel_case_types, dead_code)]
            struct #name {}
            static #site: #private::CallSite = #site_new;
        };
        let (_, allow_unsafe) = unsafe_call(&sig.safety, TokenStream::new());
        quote! {
            #attrs
            #allow_unsafe
            #signature {
                #marker
                #body
            }
        }
    }
}

impl ToTokens for Handle<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let private = self.private();
        let name = &self.name;
        let self_ty = self.self_ty;
        let attrs = &self.attrs;
        let docs = self.struct_docs();
        let state = self.state_type();
        let (impl_generics, ty_generics, where_clause) = self.generics.split_for_impl();
        let handle_name = name.to_string();
        let object = Ident::new("object", Span::mixed_site());
        // The object's type keeps the user's spans: if it is not `Send` (or, for
        // `concurrent_reads`, not `Sync`), the one error points at the `impl` block's type.
        let from = match self.mode {
            Mode::Exclusive => quote! {
                #private::Exclusive::new(#private::send_object::<Self, #self_ty>(#object))
            },
            Mode::ReadWrite => quote! {
                #private::ReadWrite::new(#private::sync_object::<Self, #self_ty>(#object))
            },
            Mode::Dedicated => quote! {
                #private::Dedicated::from_object(
                    #handle_name,
                    #private::send_object::<Self, #self_ty>(#object),
                )
            },
        };
        // A thread-sensitive object moves to its thread, so building the handle from a value
        // needs it to be `Send`. Written as a bound that binds a lifetime, it is not checked
        // where the impl is declared (a plain `Store: Send` on a concrete type would be an error
        // there), only where `from` is called.
        let from_where = match self.mode {
            Mode::Dedicated => {
                let mut predicates: Vec<TokenStream> = where_clause
                    .map(|clause| {
                        clause
                            .predicates
                            .iter()
                            .map(ToTokens::to_token_stream)
                            .collect()
                    })
                    .unwrap_or_default();
                predicates.push(quote!(for<'__bridge> #self_ty: ::core::marker::Send));
                quote!(where #(#predicates),*)
            }
            _ => where_clause.to_token_stream(),
        };
        let from_doc = format!(
            " Takes ownership of a `{}`: from now on, sync code reaches it through the handle.",
            self.type_name
        );
        let accessors = self.accessors();
        let limit_fn = self.limit_fn();
        let methods = self.methods.iter().map(|method| self.method(method));
        tokens.extend(quote! {
            #(#attrs)*
            #docs
            pub struct #name #impl_generics #where_clause {
                __bridge_state: #state,
            }

            #(#attrs)*
            impl #impl_generics ::core::clone::Clone for #name #ty_generics #where_clause {
                fn clone(&self) -> Self {
                    Self {
                        __bridge_state: ::core::clone::Clone::clone(&self.__bridge_state),
                    }
                }
            }

            #(#attrs)*
            impl #impl_generics ::core::fmt::Debug for #name #ty_generics #where_clause {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct(#handle_name)
                        .field("state", &self.__bridge_state)
                        .finish()
                }
            }

            #(#attrs)*
            impl #impl_generics ::core::convert::From<#self_ty> for #name #ty_generics #from_where {
                #[doc = #from_doc]
                fn from(#object: #self_ty) -> Self {
                    Self { __bridge_state: #from }
                }
            }

            #(#attrs)*
            impl #impl_generics #name #ty_generics #where_clause {
                #limit_fn
                #accessors
                #(#methods)*
            }
        });
    }
}

/// Whether `ty` is `Self` or the type the `impl` is for.
fn is_self(ty: &Type, self_ty: &Type) -> bool {
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
/// argument of a `Result` or `Option` (`Result<Self, E>`, `io::Result<Self>`). Returns whether
/// it is wrapped, so that the handle is made with `.map(..)`.
fn constructor(ty: &Type, self_ty: &Type) -> Option<bool> {
    if is_self(ty, self_ty) {
        return Some(false);
    }
    let mut ty = ty.clone();
    wrapped_object(&mut ty, self_ty).map(|_| true)
}

/// Replaces the object in a constructor's return type (see [`constructor`]) with `with`.
fn replace_constructed(ty: &mut Type, self_ty: &Type, with: Type) {
    if is_self(ty, self_ty) {
        *ty = with;
    } else if let Some(slot) = wrapped_object(ty, self_ty) {
        *slot = with;
    }
}

/// The `Self` in `Result<Self, E>` or `Option<Self>`.
fn wrapped_object<'t>(ty: &'t mut Type, self_ty: &Type) -> Option<&'t mut Type> {
    let Type::Path(TypePath {
        qself: None, path, ..
    }) = ty
    else {
        return None;
    };
    let last = path.segments.last_mut()?;
    if last.ident != "Result" && last.ident != "Option" {
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
struct ReplaceSelf<'a>(&'a Type);

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
