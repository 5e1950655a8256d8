//! The async counterpart of a legacy trait (`#[sync_to_async(trait = AsyncRepository)]`).
//!
//! Input:
//!
//! ```text
//! #[sync_to_async(trait = AsyncRepository)]
//! pub trait Repository {
//!     fn get(&self, id: u64) -> Option<User>;
//!     fn find(&self, name: &str) -> Vec<User> { ... }    // a default body is fine
//!     fn put(&mut self, user: User) -> Result<(), Error>;
//!     #[sync_to_async(skip)]
//!     fn each<F: FnMut(&User)>(&self, f: F);              // generic: not in the async trait
//! }
//! ```
//!
//! Output: the trait unchanged (minus the methods' `#[sync_to_async(...)]`), and
//!
//! ```text
//! pub trait AsyncRepository: Send + Sync {
//!     fn get(&self, id: u64) -> Pin<Box<dyn Future<Output = Option<User>> + Send + '_>>;
//!     fn find(&self, name: &str) -> Pin<Box<dyn Future<Output = Vec<User>> + Send + '_>>;
//!     fn put(&self, user: User) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send + '_>>;
//! }
//! impl<T: AsyncRepository + ?Sized> AsyncRepository for Box<T> { .. }   // forwarding
//! impl<T: AsyncRepository + ?Sized> AsyncRepository for Arc<T> { .. }
//!
//! pub struct AsyncRepositoryHandle<R: ?Sized + 'static> { __bridge_state: Exclusive<Box<R>> }
//! impl<R: Repository + Send + 'static> AsyncRepositoryHandle<R> { pub fn new(object: R) -> Self }
//! impl<R: Repository + Send + ?Sized + 'static> AsyncRepositoryHandle<R> {
//!     pub fn from_box(object: Box<R>) -> Self      // `Box<dyn Repository + Send>` too
//!     pub fn blocking_read(&self) / blocking_write(&self)
//! }
//! impl<R: Repository + Send + ?Sized + 'static> AsyncRepository for AsyncRepositoryHandle<R> {
//!     fn get(&self, id: u64) -> Pin<Box<..>> {
//!         static SITE: CallSite = CallSite::new("module::Repository::get");
//!         let __a0 = method_send_cell::<Self, get, u64>(id);          // copied now
//!         let __access = Read(move |__this: &Box<R>| {
//!             method_send_cell::<Self, get, _>(<R as Repository>::get(&**__this, __a0.into_inner()))
//!         });
//!         Box::pin(async move { self.__bridge_state.call(&SITE, .., __access).await.into_inner() })
//!     }
//!     ...
//! }
//! ```
//!
//! Why boxed futures: the async trait must be usable as `dyn AsyncRepository` (legacy callers
//! hold `Box<dyn Repository>`), and a trait whose methods return `impl Future` is not
//! dyn-compatible. `async-trait` boxes every future for that reason; `dynosaur` and
//! `trait_variant` keep `impl Future` in the trait and add a second, boxed trait or type for
//! `dyn`, which would give callers two names to choose between. One boxed trait serves both
//! `dyn` and generic callers, and its allocation (tens of ns) is small beside the thread hop
//! every call makes anyway (10 to 20 µs). The future borrows only `&self`: borrowed arguments
//! are copied when the method is called, as a twin's are, so a caller's `&str` need not
//! outlive the call.
//!
//! The handle is a handle of the default kind (`Exclusive`: one call at a time per object, a
//! `CallSite` per method, the runtime's one dispatch path), whose object is a `Box<R>` so that
//! `R` may be `dyn Repository + Send`.
//!
//! A method the async trait cannot carry is one error that points at `skip`. If its signature
//! can still be declared in a dyn-compatible trait (a `&mut T` parameter, a borrowed result,
//! `async`), it is declared with its parameters as written and a body that never runs, so that
//! its async callers report nothing more; otherwise (generic, `Self`, no `&self`) it is left out.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{
    Attribute, FnArg, GenericParam, Ident, ItemTrait, ReceiverKind, ReturnType, Signature, Token,
    TraitItem, TraitItemFn, Type, Visibility,
};

use super::common::{Fresh, contains_impl, twin_attrs};
use crate::args::{MethodOptions, Options, Parsed, TraitOptions};
use crate::error::Errors;
use crate::signature::{self, Param};

/// Whether `tokens` are a trait definition. Only the head is looked at.
pub(super) fn is_trait(tokens: TokenStream) -> bool {
    let head = |input: ParseStream<'_>| {
        input.call(Attribute::parse_outer)?;
        input.parse::<Visibility>()?;
        input.parse::<Option<Token![unsafe]>>()?;
        input.parse::<Option<Token![auto]>>()?;
        let is_trait = input.peek(Token![trait]);
        input.parse::<TokenStream>()?;
        Ok(is_trait)
    };
    head.parse2(tokens).unwrap_or(false)
}

/// `#[sync_to_async(...)]` on a trait definition.
pub(super) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let Parsed { options, later } = TraitOptions::parse(attr, &mut errors);
    let mut legacy = match syn::parse2::<ItemTrait>(item.clone()) {
        Ok(legacy) => legacy,
        Err(error) => {
            errors.push(error);
            let errors = errors.to_compile_errors();
            return quote!(#item #errors);
        }
    };
    errors.append(later);
    let methods = take_methods(&mut legacy, &mut errors);
    let Some((name, handle)) = check_trait(&options, &legacy, &mut errors) else {
        let errors = errors.to_compile_errors();
        return quote!(#legacy #errors);
    };
    let fresh = Fresh::new(&legacy);
    let twin = TraitTwin {
        options: &options,
        legacy: &legacy,
        name,
        handle,
        methods: Vec::new(),
        object: fresh.ident("R"),
        inner: fresh.ident("T"),
    };
    let twin = twin.plan(methods, &mut errors);
    let generated = twin.to_token_stream();
    let errors = errors.to_compile_errors();
    quote!(#legacy #generated #errors)
}

/// Checks the options and the trait itself; returns the async trait's and the handle's names
/// if they can be generated at all.
fn check_trait(
    options: &TraitOptions,
    legacy: &ItemTrait,
    errors: &mut Errors,
) -> Option<(Ident, Ident)> {
    let Some(name) = &options.name else {
        if errors.is_empty() {
            errors.push_spanned(
                legacy.trait_token,
                format!(
                    "`#[sync_to_async]` on a trait makes an async counterpart of it, implemented \
                     for every `{0}` by a handle; name it: `#[sync_to_async(trait = Async{0})]`",
                    legacy.ident
                ),
            );
        }
        return None;
    };
    if let Some(param) = legacy.generics.params.first() {
        errors.push_spanned(
            param,
            "a generic trait cannot have an async counterpart yet: bridge writes one async trait \
             for one legacy trait; make a non-generic trait (`trait UserRepository: \
             Repository<User> {}` with a blanket impl) and put the attribute on it",
        );
        return None;
    }
    let handle = options
        .handle
        .clone()
        .unwrap_or_else(|| format_ident!("{}Handle", name, span = name.span()));
    for (taken, what) in [
        (&legacy.ident, "the legacy trait"),
        (name, "the async trait"),
    ] {
        if *taken == handle && options.handle.is_some() {
            errors.push_spanned(
                &handle,
                format!("the handle needs a name of its own: `{handle}` is {what}"),
            );
            return None;
        }
    }
    if *name == legacy.ident {
        errors.push_spanned(
            name,
            format!(
                "the async trait needs a name of its own: `{name}` is the legacy trait, which \
                 stays as written; name it after what async callers use, as in `trait = \
                 Async{name}`"
            ),
        );
        return None;
    }
    Some((name.clone(), handle))
}

/// A method of the trait with the `#[sync_to_async(...)]` options written on it, which are
/// taken out of the trait that is emitted.
struct Method {
    item: TraitItemFn,
    options: Option<Parsed<MethodOptions>>,
}

fn take_methods(legacy: &mut ItemTrait, errors: &mut Errors) -> Vec<Method> {
    let mut methods = Vec::new();
    for item in &mut legacy.items {
        let TraitItem::Fn(method) = item else {
            continue;
        };
        let parsed = super::handle::take_method_options(&mut method.attrs, errors);
        methods.push(Method {
            item: method.clone(),
            options: parsed,
        });
    }
    methods
}

/// One method of the async trait.
struct Bridged {
    /// The legacy method's attributes (docs, `#[cfg]`s, ...).
    attrs: Vec<Attribute>,
    sig: Signature,
    /// The legacy method's name.
    method: Ident,
    /// The async method's name.
    name: Ident,
    /// `&mut self`: the call needs the object mutably.
    mutable: bool,
    limit: Option<syn::LitInt>,
    params: Vec<Param>,
    /// What the future returns.
    output: TokenStream,
    /// `Result<T, Box<dyn Error>>`, converted on the worker thread to `Result<T, SentError>`.
    sent_error: bool,
    never: bool,
    /// Errors were found, but the method can still be declared (its parameters as written): a
    /// stub keeps the callers of the async trait compiling, so one mistake does not cascade.
    invalid: bool,
}

struct TraitTwin<'a> {
    options: &'a TraitOptions,
    legacy: &'a ItemTrait,
    name: Ident,
    handle: Ident,
    methods: Vec<Bridged>,
    /// The handle's type parameter (the legacy object's type), and the forwarding impls': `R`
    /// and `T`, unless the trait uses those names (see `Fresh`).
    object: Ident,
    inner: Ident,
}

/// Why a method is left out of a `dyn`-compatible async trait, and what to do.
const SKIP: &str = "leave it out of the async trait with `#[sync_to_async(skip)]` on the method \
     (the legacy trait keeps it)";

impl TraitTwin<'_> {
    fn plan(mut self, methods: Vec<Method>, errors: &mut Errors) -> Self {
        let mut names: HashMap<String, Ident> = HashMap::new();
        for method in methods {
            let Some(bridged) = self.method(method, errors) else {
                continue;
            };
            let name = bridged.name.unraw().to_string();
            if let Some(first) = names.get(&name) {
                errors.push_spanned(
                    &bridged.name,
                    format!(
                        "`{}` already has a method `{name}`, the async version of `{}::{first}`; \
                         give this one another name with `#[sync_to_async(name = ...)]`",
                        self.name, self.legacy.ident
                    ),
                );
                continue;
            }
            names.insert(name, bridged.method.clone());
            self.methods.push(bridged);
        }
        self
    }

    /// Checks what the async version of `method` needs; `None` if it gets none (skipped, or
    /// invalid: the error says what to do, and a declaration that cannot be `dyn`-compatible
    /// would only add errors at every `dyn` use).
    fn method(&self, method: Method, errors: &mut Errors) -> Option<Bridged> {
        let Method { item, options } = method;
        let options = options.map(|Parsed { options, later }| {
            errors.append(later);
            options
        });
        let (name, limit) = match options {
            Some(MethodOptions::Skip) => return None,
            Some(MethodOptions::Bridge { name, limit }) => (name, limit),
            None => (None, None),
        };
        let mut here = Errors::default();
        let sig = &item.sig;
        let legacy = &self.legacy.ident;
        if let Some(token) = &sig.asyncness {
            here.push_spanned(
                token,
                format!(
                    "this method is already `async`, so its future cannot be run on a blocking \
                     thread; {SKIP}"
                ),
            );
        }
        if let syn::Safety::Unsafe(token) = &sig.safety {
            here.push_spanned(
                token,
                format!(
                    "an `unsafe` method cannot be in the async trait: its callers could not see \
                     the contract they must uphold; {SKIP}"
                ),
            );
        }
        let mut header = sig.clone();
        header.asyncness = None;
        signature::check_header(&header, signature::Place::Method, &mut here);
        let mutable = match sig.receiver() {
            Some(receiver) => match &receiver.kind {
                ReceiverKind::Reference(_, _, mutability) => mutability.is_some(),
                // `self: &Self`, `self: &mut Self`.
                ReceiverKind::Typed(_, ty) if self_reference(ty).is_some() => {
                    self_reference(ty) == Some(true)
                }
                _ => {
                    here.push_spanned(
                        receiver,
                        format!(
                            "the async trait's methods take `&self` (its handle owns the object \
                             and shares it between calls), so it cannot give this method the \
                             receiver it asks for; take `&self` or `&mut self`, or {SKIP}"
                        ),
                    );
                    false
                }
            },
            None => {
                here.push_spanned(
                    &sig.ident,
                    format!(
                        "`{}` has no `self`, so it cannot be called through `dyn {}` or a handle \
                         that owns an object; {SKIP}",
                        sig.ident, self.name
                    ),
                );
                false
            }
        };
        if let Some(param) = sig
            .generics
            .params
            .iter()
            .find(|param| !matches!(param, GenericParam::Lifetime(_)))
        {
            here.push_spanned(
                param,
                format!(
                    "a generic method cannot be in the async trait: a trait with generic methods \
                     cannot be used as `dyn {}`; take a concrete type (or `Box<dyn Fn..>`), or \
                     {SKIP}",
                    self.name
                ),
            );
        }
        for arg in &sig.inputs {
            let FnArg::Typed(arg) = arg else { continue };
            if contains_impl(&arg.ty) {
                here.push_spanned(
                    &arg.ty,
                    format!(
                        "an `impl Trait` parameter makes the method generic, and a trait with \
                         generic methods cannot be used as `dyn {}`; take a concrete type (or \
                         `Box<dyn Trait + Send>`), or {SKIP}",
                        self.name
                    ),
                );
            } else if let Some(token) = find_self(&arg.ty) {
                here.push_spanned(
                    token,
                    format!(
                        "`Self` here is the type that implements `{legacy}`, which the async \
                         trait does not know (it is implemented by handles, and by native async \
                         types): take a concrete type, or {SKIP}"
                    ),
                );
            }
        }
        if let Some(token) = sig.generics.where_clause.as_ref().and_then(find_self) {
            here.push_spanned(
                token,
                format!(
                    "this method has a bound on `Self` (such as `where Self: Sized`), so it \
                     cannot be called through `dyn {legacy}` or `dyn {}`; {SKIP}",
                    self.name
                ),
            );
        }
        if let ReturnType::Type(_, ty) = &sig.output {
            if let Some(token) = find_self(ty) {
                here.push_spanned(
                    token,
                    format!(
                        "`Self` here is the type that implements `{legacy}`, which the async \
                         trait does not know; return a concrete type, or {SKIP}"
                    ),
                );
            } else if contains_impl(ty) {
                here.push_spanned(
                    ty,
                    format!(
                        "the async trait's future returns what the method returns, which must \
                         have a name: return a concrete type (or `Box<dyn Trait + Send>`), or \
                         {SKIP}"
                    ),
                );
            } else if let Some(borrow) = signature::find_borrow(ty) {
                here.push_spanned(
                    borrow,
                    format!(
                        "this method returns a borrow, but the async trait's future returns what \
                         the method returned on another thread, while the object it borrows \
                         from stays in the handle: return an owned value (`String` for `&str`, \
                         `Vec<T>` for `&[T]`), or {SKIP}"
                    ),
                );
            }
        }
        let params = signature::plan_method_params(sig, &mut here);
        let invalid = !here.is_empty();
        if invalid {
            errors.append(here);
            if !declarable(sig) {
                return None;
            }
        }
        let never = signature::never_returns(&sig.output);
        let boxed_error = signature::boxed_error_result(&sig.output);
        let krate = &self.options.runtime;
        let output = match (&sig.output, &boxed_error) {
            _ if never => quote!(::core::convert::Infallible),
            (_, Some(ok)) => quote!(::core::result::Result<#ok, #krate::SentError>),
            (ReturnType::Default, None) => quote!(()),
            (ReturnType::Type(_, ty), None) => ty.to_token_stream(),
        };
        Some(Bridged {
            attrs: item.attrs.clone(),
            sig: sig.clone(),
            method: sig.ident.clone(),
            name: name.unwrap_or_else(|| sig.ident.clone()),
            mutable,
            limit,
            params,
            output,
            sent_error: boxed_error.is_some() && !never,
            never,
            invalid,
        })
    }

    fn private(&self) -> TokenStream {
        let krate = &self.options.runtime;
        quote!(#krate::__private)
    }

    /// The type of an async method's future.
    fn future(&self, bridged: &Bridged) -> TokenStream {
        let output = &bridged.output;
        quote! {
            ::core::pin::Pin<::std::boxed::Box<
                dyn ::core::future::Future<Output = #output> + ::core::marker::Send + '_
            >>
        }
    }

    /// An async method's signature, `&self` and its parameters, without a body.
    fn signature(&self, bridged: &Bridged) -> TokenStream {
        let name = &bridged.name;
        let generics = &bridged.sig.generics;
        let (params, where_clause) = (&generics.params, &generics.where_clause);
        let inputs: Vec<TokenStream> = if bridged.invalid {
            // The parameters as written (some could not be planned), unnamed.
            let typed = bridged.sig.inputs.iter().filter_map(|arg| match arg {
                FnArg::Typed(arg) => Some(arg),
                FnArg::Receiver(_) => None,
            });
            typed
                .map(|arg| {
                    let (attrs, ty) = (&arg.attrs, &arg.ty);
                    quote!(#(#attrs)* _: #ty)
                })
                .collect()
        } else {
            bridged.params.iter().map(Param::declaration).collect()
        };
        let future = self.future(bridged);
        quote!(fn #name <#params> (&self, #(#inputs),*) -> #future #where_clause)
    }

    /// The `#[cfg]`s and `#[allow]`s of a legacy method, for each generated impl of it.
    fn cfgs(bridged: &Bridged) -> impl Iterator<Item = &Attribute> {
        bridged
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("allow"))
    }

    /// The async trait's declaration of one method.
    fn declaration(&self, bridged: &Bridged) -> TokenStream {
        let line = format!(
            " Async version of `{}::{}`, generated by `#[sync_to_async(trait = {})]`: the \
             handle runs the sync method on a blocking thread, and this future awaits it. \
             Borrowed arguments are copied when the method is called.",
            self.legacy.ident, bridged.method, self.name
        );
        let attrs = twin_attrs(&bridged.attrs, &line);
        let signature = self.signature(bridged);
        quote!(#attrs #signature;)
    }

    /// The body of a method planned as invalid, in every impl: never run, since the build
    /// fails with the method's errors.
    fn stub(&self, bridged: &Bridged) -> TokenStream {
        let cfgs = Self::cfgs(bridged);
        let signature = self.signature(bridged);
        quote! {
            #(#cfgs)*
            #signature {
                ::core::unreachable!()
            }
        }
    }

    /// A forwarding method, for `Box<T>` and `Arc<T>`.
    fn forward(&self, bridged: &Bridged) -> TokenStream {
        if bridged.invalid {
            return self.stub(bridged);
        }
        let name = &bridged.name;
        let cfgs = Self::cfgs(bridged);
        let signature = self.signature(bridged);
        let (trait_name, inner) = (&self.name, &self.inner);
        let args = bridged.params.iter().map(|param| {
            let (cfgs, name) = (param.cfgs(), &param.name);
            quote!(#cfgs #name)
        });
        quote! {
            #(#cfgs)*
            #signature {
                <#inner as #trait_name>::#name(&**self, #(#args),*)
            }
        }
    }

    /// The handle's implementation of one method.
    fn method_impl(&self, bridged: &Bridged) -> TokenStream {
        if bridged.invalid {
            return self.stub(bridged);
        }
        let private = self.private();
        let Bridged {
            sig,
            method,
            name,
            params,
            output,
            ..
        } = bridged;
        let cfgs = Self::cfgs(bridged);
        let signature = self.signature(bridged);
        let legacy = &self.legacy.ident;
        let fresh = Fresh::new(sig);
        let (this, site, access, marker_module, object) = (
            fresh.ident("__this"),
            fresh.ident("__BRIDGE_SITE"),
            fresh.ident("__access"),
            fresh.ident("__bridge_method"),
            &self.object,
        );
        let args: Vec<Ident> = (0..params.len())
            .map(|i| fresh.ident(&format!("__a{i}")))
            .collect();
        let send = |ty: &TokenStream, value: TokenStream| quote!(#private::method_send_cell::<Self, #marker_module::#name, #ty>(#value));
        let method_marker = quote!(#marker_module::#name);
        let (copier, probe_uses) =
            super::common::copier(params, &sig.generics, &private, &method_marker);
        let super::common::Arguments {
            sent,
            received,
            passed: call_args,
        } = super::common::arguments(params, &args, copier, send);
        let (access_kind, reference, deref) = if bridged.mutable {
            (
                quote!(Write),
                quote!(&mut ::std::boxed::Box<#object>),
                quote!(&mut **#this),
            )
        } else {
            (
                quote!(Read),
                quote!(&::std::boxed::Box<#object>),
                quote!(&**#this),
            )
        };
        let call = quote!(<#object as #legacy>::#method(#deref, #(#call_args),*));
        let call = if bridged.sent_error {
            quote!(#private::sent_error(#call))
        } else {
            call
        };
        let ran = send(output, call);
        let site_name = format!("::{}::{}", legacy, method.unraw());
        let site_name = quote!(::core::concat!(::core::module_path!(), #site_name));
        let site_new = match &bridged.limit {
            Some(limit) => quote!(#private::CallSite::with_limit(#site_name, #limit)),
            None => quote!(#private::CallSite::new(#site_name)),
        };
        let executor = match &self.options.executor {
            Some(executor) => {
                let span = executor.span();
                quote_spanned!(span=> ::core::option::Option::Some(&#executor))
            }
            None => quote!(::core::option::Option::None::<&#private::DefaultExecutor>),
        };
        let limit = Ident::new("__bridge_limit", Span::mixed_site());
        let allow_never = bridged.never.then(|| quote!(#[allow(unreachable_code)]));
        quote! {
            #(#cfgs)*
            #allow_never
            #signature {
                mod #marker_module {
                    #[allow(non_camel_case_types, dead_code)]
                    pub(super) struct #name {}
                }
                #probe_uses
                static #site: #private::CallSite = #site_new;
                #sent
                let #access = #private::#access_kind(move |#this: #reference| {
                    #received
                    #ran
                });
                ::std::boxed::Box::pin(async move {
                    self.__bridge_state
                        .call(&#site, Self::#limit(), #executor, #access)
                        .await
                        .into_inner()
                })
            }
        }
    }
}

impl ToTokens for TraitTwin<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let private = self.private();
        let krate = &self.options.runtime;
        let (name, handle, legacy) = (&self.name, &self.handle, &self.legacy.ident);
        let vis = &self.legacy.vis;
        let attrs: Vec<&Attribute> = self
            .legacy
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("allow"))
            .collect();
        let declarations = self.methods.iter().map(|method| self.declaration(method));
        let forwards: Vec<TokenStream> = self.methods.iter().map(|m| self.forward(m)).collect();
        let impls = self.methods.iter().map(|method| self.method_impl(method));
        let (object, inner) = (&self.object, &self.inner);
        let object_arg = Ident::new("object", Span::mixed_site());
        let handle_name = handle.to_string();
        let trait_doc = [
            format!(
                " The async counterpart of `{legacy}`, generated by `#[sync_to_async(trait = \
                 {name})]`: each method returns a boxed `Send` future, so the trait works as \
                 `dyn {name}` and in generics alike."
            ),
            String::new(),
            format!(
                " `{handle}` implements it for any `{legacy} + Send` (a `Box<dyn {legacy} + \
                 Send>` too), running each call on a blocking thread; `Box<T>` and `Arc<T>` \
                 implement it when `T` does. A native async type implements it by returning \
                 `Box::pin(async move {{ .. }})` from each method."
            ),
        ];
        let handle_doc = [
            format!(
                " Implements `{name}` for a `{legacy}`, generated by `#[sync_to_async(trait = \
                 {name})]`: it owns the object, and each call runs the sync method on a \
                 blocking thread, one call at a time, in the order they asked for it (a caller \
                 that waits holds no thread)."
            ),
            String::new(),
            format!(
                " Clones are cheap and share the object. Build it with `{handle}::new(object)`, \
                 or `{handle}::from_box(boxed)` for a `Box<dyn {legacy} + Send>`; sync code \
                 reaches the same object with `blocking_read` and `blocking_write`."
            ),
        ];
        let limit_fn = Ident::new("__bridge_limit", Span::mixed_site());
        let limit_value = match &self.options.limit {
            Some(n) => quote! {
                static __BRIDGE_LIMIT: #private::Limit = #private::Limit::new(#n);
                ::core::option::Option::Some(&__BRIDGE_LIMIT)
            },
            None => quote!(::core::option::Option::None),
        };
        let panics = [
            " # Panics",
            "",
            " On an async runtime worker thread, where it would stall every task on that thread \
             (`.await` the async methods there), and inside a call on this same object, where \
             it would wait forever.",
        ];
        tokens.extend(quote! {
            #(#attrs)*
            #(#[doc = #trait_doc])*
            #vis trait #name: ::core::marker::Send + ::core::marker::Sync {
                #(#declarations)*
            }

            #(#attrs)*
            #[allow(deprecated)]
            impl<#inner: #name + ?::core::marker::Sized> #name for ::std::boxed::Box<#inner> {
                #(#forwards)*
            }

            #(#attrs)*
            #[allow(deprecated)]
            impl<#inner: #name + ?::core::marker::Sized> #name for ::std::sync::Arc<#inner>
            {
                #(#forwards)*
            }

            #(#attrs)*
            #(#[doc = #handle_doc])*
            #vis struct #handle<#object: ?::core::marker::Sized + 'static> {
                __bridge_state: #private::Exclusive<::std::boxed::Box<#object>>,
            }

            #(#attrs)*
            impl<#object: ?::core::marker::Sized + 'static> ::core::clone::Clone for #handle<#object> {
                fn clone(&self) -> Self {
                    Self {
                        __bridge_state: ::core::clone::Clone::clone(&self.__bridge_state),
                    }
                }
            }

            #(#attrs)*
            impl<#object: ?::core::marker::Sized + 'static> ::core::fmt::Debug for #handle<#object> {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct(#handle_name)
                        .field("state", &self.__bridge_state)
                        .finish()
                }
            }

            #(#attrs)*
            #[allow(dead_code, deprecated)]
            impl<#object: #legacy + ::core::marker::Send + 'static> #handle<#object> {
                /// Takes ownership of `object`: from now on, sync code reaches it through the
                /// handle.
                #vis fn new(#object_arg: #object) -> Self {
                    Self::from_box(::std::boxed::Box::new(#object_arg))
                }
            }

            #(#attrs)*
            #[allow(deprecated)]
            impl<#object: #legacy + ::core::marker::Send + 'static> ::core::convert::From<#object>
                for #handle<#object>
            {
                /// Takes ownership of `object`, as `new` does.
                fn from(#object_arg: #object) -> Self {
                    Self::new(#object_arg)
                }
            }

            #(#attrs)*
            #[allow(dead_code, deprecated)]
            impl<#object: #legacy + ::core::marker::Send + ?::core::marker::Sized + 'static>
                #handle<#object>
            {
                fn #limit_fn() -> ::core::option::Option<&'static #private::Limit> {
                    #limit_value
                }

                /// Takes ownership of a boxed object, such as a legacy `Box<dyn Trait + Send>`.
                #vis fn from_box(#object_arg: ::std::boxed::Box<#object>) -> Self {
                    Self {
                        __bridge_state: #private::Exclusive::new(
                            #private::send_object::<Self, ::std::boxed::Box<#object>>(#object_arg),
                        ),
                    }
                }

                /// Access to the object for sync code: waits (blocking this thread) until no
                /// call has it, and keeps every call waiting until the guard is dropped.
                ///
                #(#[doc = #panics])*
                #vis fn blocking_read(&self) -> #krate::handle::ReadGuard<'_, ::std::boxed::Box<#object>> {
                    self.__bridge_state.blocking_read(#handle_name)
                }

                /// Exclusive access to the object for sync code: waits (blocking this thread)
                /// until no call has it, and keeps every call waiting until the guard is
                /// dropped.
                ///
                #(#[doc = #panics])*
                #vis fn blocking_write(&self) -> #krate::handle::WriteGuard<'_, ::std::boxed::Box<#object>> {
                    self.__bridge_state.blocking_write(#handle_name)
                }
            }

            #(#attrs)*
            #[allow(deprecated)]
            impl<#object: #legacy + ::core::marker::Send + ?::core::marker::Sized + 'static> #name
                for #handle<#object>
            {
                #(#impls)*
            }
        });
    }
}

/// Whether a method can be declared in a dyn-compatible trait, with its parameters as written:
/// it borrows `self`, is not generic, and does not name `Self` elsewhere.
fn declarable(sig: &Signature) -> bool {
    let receiver = sig.receiver().is_some_and(|receiver| match &receiver.kind {
        ReceiverKind::Reference(..) => true,
        ReceiverKind::Typed(_, ty) => self_reference(ty).is_some(),
        _ => false,
    });
    let generic = sig
        .generics
        .params
        .iter()
        .any(|param| !matches!(param, GenericParam::Lifetime(_)));
    let typed = sig.inputs.iter().any(|arg| {
        matches!(arg, FnArg::Typed(arg) if contains_impl(&arg.ty) || find_self(&arg.ty).is_some())
    });
    let bound = sig.generics.where_clause.as_ref().and_then(find_self);
    let output = matches!(&sig.output, ReturnType::Type(_, ty) if contains_impl(ty) || find_self(ty).is_some());
    receiver && !generic && !typed && bound.is_none() && !output
}

/// Whether `ty` is `&Self` (`Some(false)`) or `&mut Self` (`Some(true)`).
fn self_reference(ty: &Type) -> Option<bool> {
    match signature::peel(ty) {
        Type::Reference(reference) => match signature::peel(&reference.elem) {
            Type::Path(path) if path.qself.is_none() && path.path.is_ident("Self") => {
                Some(reference.mutability.is_some())
            }
            _ => None,
        },
        _ => None,
    }
}

/// The first `Self` in `tokens`, if any.
fn find_self(tokens: &impl ToTokens) -> Option<Ident> {
    fn find(tokens: TokenStream) -> Option<Ident> {
        tokens.into_iter().find_map(|token| match token {
            TokenTree::Ident(ident) if ident == "Self" => Some(ident),
            TokenTree::Group(group) => find(group.stream()),
            _ => None,
        })
    }
    find(tokens.to_token_stream())
}

#[cfg(test)]
mod tests {
    use quote::quote;

    #[test]
    fn recognises_trait_heads() {
        assert!(super::is_trait(quote!(
            pub trait Repository {}
        )));
        assert!(super::is_trait(quote!(
            #[doc = "x"]
            pub(crate) unsafe trait R {}
        )));
        assert!(!super::is_trait(quote!(impl Repository for X {})));
        assert!(!super::is_trait(quote!(
            fn trait_like() {}
        )));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for (attr, item) in [
            (
                quote!(trait = ),
                quote!(
                    trait R {
                        fn f(&self);
                    }
                ),
            ),
            (
                quote!(trait = "R"),
                quote!(
                    trait R {
                        fn f(&self);
                    }
                ),
            ),
            (
                quote!(trait = A::B),
                quote!(
                    trait R {}
                ),
            ),
            (
                quote!(trait = Self),
                quote!(
                    trait R {}
                ),
            ),
            (
                quote!(trait = R),
                quote!(
                    trait R {}
                ),
            ),
            (
                quote!(trait = A, handle = A),
                quote!(
                    trait R {}
                ),
            ),
            (
                quote!(),
                quote!(
                    trait R<T> {}
                ),
            ),
            (quote!(trait = A), quote!(trait R { fn f(&self) })),
            (
                quote!(trait = A),
                quote!(
                    trait R {
                        fn f<T>(self, x: &mut T, y: impl Fn()) -> Self;
                    }
                ),
            ),
            (
                quote!(trait = A),
                quote!(
                    trait R {
                        #[sync_to_async(skip, name = x)]
                        fn f(&self);
                    }
                ),
            ),
        ] {
            let _ = super::expand(attr, item);
        }
    }
}
