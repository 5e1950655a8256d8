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
//!     // How every async method makes its call: the state, the executor, the limit.
//!     pub(crate) fn __bridge_call<R, A: Access<Store, R>>(&self, site, access) -> impl Future<..>
//!     pub(crate) fn __bridge_run<R, F: FnOnce() -> R>(site, job) -> impl Future<..>
//!     pub fn blocking_read(&self) -> ReadGuard<'_, Store> { ... }   // for sync callers
//!     pub fn blocking_write(&self) -> WriteGuard<'_, Store> { ... }
//!     pub async fn open(path: &str) -> Result<Self, StoreError> {
//!         let (__a0,) = (method_send_cell::<Self, open, String>(path.to_owned()),);
//!         Self::__bridge_run(&SITE, move || {
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
//!         let __call = self.__bridge_call(&SITE, __access);   // holds a clone of the state
//!         async move { __call.await.into_inner() }
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
//! `Exclusive` (the calls queue for the object and run one at a time, back to back, on the
//! thread of the call that has its turn), `ReadWrite` with `concurrent_reads` (an async
//! read-write lock), or `Dedicated` with `thread_sensitive` (the object lives on a thread of
//! its own, and calls are messages to it; a constructor installs the object there and sends
//! back only a token). Default and `concurrent_reads` handles can also adopt a legacy
//! `Arc<Mutex<T>>` / `Arc<RwLock<T>>` in place (`From` impls, see `emit`).
//!
//! Another `impl` block of the same type adds its methods to the handle with
//! `#[sync_to_async(extends = AsyncStore)]`: it emits only `impl AsyncStore { ... }` with their
//! async versions, which call `__bridge_call` / `__bridge_run`, so that the handle-wide options
//! (which such a block does not take) apply to them as written where the handle is made.
//! Constructors are not taken there: how one builds the handle depends on its mode.
//!
//! A block whose fns are all declarations (`pub fn execute(&self, sql: &str) -> usize;`) is for
//! a type defined elsewhere: it is not emitted, and the handle's methods call the type's own.
//!
//! `Self` in a method's signature means the handle inside the generated `impl AsyncStore`, so
//! it is replaced by the object's type, except in the return type of a constructor, where it
//! is the handle the async constructor returns.
//!
//! The expander is split by concern: this file reads the `impl` block and checks it; `plan`
//! decides which methods get an async version and how; `emit` writes the handle's struct and
//! impls; `method` writes one async method; `docs` writes the generated doc prose; `self_type`
//! rewrites `Self`.

mod docs;
mod emit;
mod method;
mod plan;
mod self_type;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Generics, Ident, ImplItem, ImplItemFn, ItemImpl, Path, Type, TypePath};

use self::plan::{Bridged, Mode};
use crate::args::{HandleOptions, MethodOptions, Options, Parsed, Sharing};
use crate::error::Errors;

/// `#[sync_to_async(...)]` on an `impl` block.
pub(super) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let Parsed { mut options, later } = HandleOptions::parse(attr, &mut errors);
    let mut block = match syn::parse2::<ItemImpl>(item.clone()) {
        Ok(block) => block,
        Err(error) => {
            errors.push(error);
            let errors = errors.to_compile_errors();
            return quote!(#item #errors);
        }
    };
    if let (Some(handle), None) = (&options.handle, &options.extends)
        && let Some(first) = made_before(handle, &block)
    {
        errors.push_spanned(
            handle,
            format!(
                "`{handle}` is already made by an earlier `#[sync_to_async(handle = {handle})]` \
                 block of this module ({first}), and a handle is made only once: add this \
                 block's methods to it with `#[sync_to_async(extends = {handle})]` (handle-wide \
                 options and constructors go on the block that makes it)"
            ),
        );
        // Read as written that way, so that its methods exist and nothing else is reported.
        options.extends = options.handle.take();
    }
    let declared = take_declarations(&mut block, &mut errors);
    let handle = check_impl(&options, later, &block, &mut errors);
    let methods = take_methods(&mut block, &mut errors);
    // A block of declarations is for a type defined elsewhere: it is not emitted (its fns have
    // no bodies, and a foreign type cannot have an inherent `impl` here); the handle's methods
    // call the type's own.
    let emitted = (!declared).then_some(&block);
    let Some(handle) = handle else {
        let errors = errors.to_compile_errors();
        return quote!(#emitted #errors);
    };
    let generated = Handle::new(&options, &block, handle, methods, &mut errors).to_token_stream();
    let errors = errors.to_compile_errors();
    quote!(#emitted #generated #errors)
}

/// Whether another `impl` block of this module, before `block` in the source, already makes
/// the handle `handle` (see `crate::context::module_items`): then rustc would report every item
/// of the handle as defined twice. Returns what that block is (`\`impl Store\` with \`fn new\``).
/// Blocks under `#[cfg]` may never meet, and a block that cannot be told from the others is
/// not judged: both are left to rustc.
fn made_before(handle: &Ident, block: &ItemImpl) -> Option<String> {
    let makes_it = |attr: &Attribute| {
        let syn::Meta::List(list) = &attr.meta else {
            return false;
        };
        let tokens: Vec<_> = list.tokens.clone().into_iter().collect();
        is_options(attr)
            && tokens.windows(3).any(|window| {
                matches!(
                    window,
                    [
                        proc_macro2::TokenTree::Ident(key),
                        proc_macro2::TokenTree::Punct(eq),
                        proc_macro2::TokenTree::Ident(value),
                    ] if key == "handle" && eq.as_char() == '=' && value == handle
                )
            })
    };
    let name = handle.to_string();
    let items = crate::context::module_items(|source| {
        crate::context::occurrences(source, &["handle", "=", &name]) >= 2
    })?;
    let makers: Vec<&ItemImpl> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(other) if other.attrs.iter().any(makes_it) => Some(other),
            _ => None,
        })
        .collect();
    let conditional = |block: &ItemImpl| block.attrs.iter().any(crate::context::conditional);
    if makers.len() < 2 || conditional(block) || makers.iter().any(|other| conditional(other)) {
        return None;
    }
    let shape = |block: &ItemImpl| {
        let names: Vec<String> = block
            .items
            .iter()
            .filter_map(|item| match item {
                ImplItem::Fn(method) => Some(method.sig.ident.to_string()),
                ImplItem::Verbatim(tokens) => syn::parse2::<Declaration>(tokens.clone())
                    .ok()
                    .map(|declared| declared.sig.ident.to_string()),
                _ => None,
            })
            .collect();
        (block.self_ty.to_token_stream().to_string(), names)
    };
    let ours = shape(block);
    let mut same = makers
        .iter()
        .enumerate()
        .filter(|(_, other)| shape(other) == ours);
    let (index, _) = same.next()?;
    if index == 0 || same.next().is_some() {
        return None;
    }
    let first = makers[0];
    let methods = shape(first).1;
    Some(match methods.first() {
        Some(method) => format!(
            "`impl {}` with `fn {method}`",
            first.self_ty.to_token_stream()
        ),
        None => format!("`impl {}`", first.self_ty.to_token_stream()),
    })
}

/// A method declared without a body (`pub fn execute(&self, sql: &str) -> usize;`), of a type
/// defined elsewhere.
struct Declaration {
    attrs: Vec<Attribute>,
    vis: syn::Visibility,
    sig: syn::Signature,
}

impl syn::parse::Parse for Declaration {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        input.parse::<syn::Token![;]>()?;
        Ok(Declaration { attrs, vis, sig })
    }
}

/// Turns the block's method declarations (fns without a body, which syn leaves unparsed) into
/// methods with an empty body, for the plan; returns whether the block declares methods of a
/// type defined elsewhere. Such a block declares all of its fns: one with a body is an error.
fn take_declarations(block: &mut ItemImpl, errors: &mut Errors) -> bool {
    let mut declared = false;
    for item in &mut block.items {
        let ImplItem::Verbatim(tokens) = item else {
            continue;
        };
        let Ok(Declaration { attrs, vis, sig }) = syn::parse2::<Declaration>(tokens.clone()) else {
            continue;
        };
        declared = true;
        *item = ImplItem::Fn(syn::parse_quote!(#(#attrs)* #vis #sig {}));
    }
    if declared {
        // Reported, and left out of the handle, which would call a method the type lacks.
        let has_body = |item: &ImplItem| matches!(item, ImplItem::Fn(method) if !method.block.stmts.is_empty());
        for item in block.items.iter().filter(|item| has_body(item)) {
            if let ImplItem::Fn(method) = item {
                errors.push_spanned(
                    &method.sig.ident,
                    format!(
                        "this block declares methods of a type defined elsewhere (fns without \
                         a body, which the handle calls), so `{}` cannot have a body here: \
                         declare it with `;` if the type has it, or write it as a free fn that \
                         takes the object, with a `#[sync_to_async]` of its own",
                        method.sig.ident
                    ),
                );
            }
        }
        block.items.retain(|item| !has_body(item));
    }
    declared
}

/// Checks the options and the `impl` block itself; returns the handle's name if a handle can be
/// generated at all. The options' errors that wait for the block (`later`: a `name` or `wraps`
/// on it, `concurrent_reads` with `thread_sensitive`) come first.
fn check_impl(
    options: &HandleOptions,
    later: Errors,
    block: &ItemImpl,
    errors: &mut Errors,
) -> Option<Ident> {
    errors.append(later);
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
    let Some(handle) = options.extends.as_ref().or(options.handle.as_ref()) else {
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
    options: Option<Parsed<MethodOptions>>,
}

fn take_methods(block: &mut ItemImpl, errors: &mut Errors) -> Vec<Method> {
    let mut methods = Vec::new();
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else {
            continue;
        };
        let options = take_method_options(&mut method.attrs, errors);
        methods.push(Method {
            item: method.clone(),
            options,
        });
    }
    methods
}

/// Takes a method's `#[sync_to_async(...)]` attributes out of `attrs` and parses them as one
/// list, so that an option given twice is reported as such (for a handle's methods and a
/// legacy trait's).
pub(super) fn take_method_options(
    attrs: &mut Vec<Attribute>,
    errors: &mut Errors,
) -> Option<Parsed<MethodOptions>> {
    let (options, kept): (Vec<Attribute>, Vec<Attribute>) =
        std::mem::take(attrs).into_iter().partition(is_options);
    *attrs = kept;
    (!options.is_empty()).then(|| {
        let tokens = options
            .iter()
            .filter_map(|attr| match &attr.meta {
                syn::Meta::List(list) => Some(list.tokens.clone()),
                _ => None,
            })
            .filter(|tokens| !tokens.is_empty());
        let tokens = Punctuated::<TokenStream, syn::Token![,]>::from_iter(tokens);
        MethodOptions::parse(tokens.into_token_stream(), errors)
    })
}

/// `#[sync_to_async(...)]` (under any path, such as `bridge_runtime::sync_to_async`).
fn is_options(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "sync_to_async")
}

/// Everything the generated code of one handle is made from: its options, the `impl` block it
/// is for, and the async methods planned for it (see `plan`).
struct Handle<'a> {
    options: &'a HandleOptions,
    name: Ident,
    /// `extends = Name`: the block only adds methods to a handle another block makes, whose
    /// mode it does not know; its methods call the handle through the hidden fns (see `emit`).
    extends: bool,
    mode: Mode,
    self_ty: &'a Type,
    type_name: String,
    generics: Generics,
    /// The `impl` block's `#[cfg]`s and `#[allow]`s, for every generated item.
    attrs: Vec<&'a Attribute>,
    docs: Vec<&'a Attribute>,
    methods: Vec<Bridged>,
}

impl Handle<'_> {
    /// The handle's `executor = ...`; a thread-sensitive handle has its own thread instead (the
    /// two together are an error, reported with the options).
    fn executor(&self) -> Option<&Expr> {
        match &self.options.sharing {
            Sharing::Exclusive { executor } | Sharing::ReadWrite { executor } => executor.as_ref(),
            Sharing::Dedicated => None,
        }
    }

    fn runtime(&self) -> &Path {
        &self.options.runtime
    }

    fn private(&self) -> TokenStream {
        let krate = self.runtime();
        quote!(#krate::__private)
    }

    /// The handle's `limit = N`, as the methods pass it to the runtime.
    fn limit(&self) -> TokenStream {
        let limit = Ident::new("__bridge_limit", Span::mixed_site());
        quote!(Self::#limit())
    }
}
