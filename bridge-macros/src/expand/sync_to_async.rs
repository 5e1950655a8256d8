//! The async twin of a sync fn (`#[sync_to_async]`), or of a fn declared with `wraps = path`.
//!
//! Input:
//!
//! ```text
//! #[sync_to_async(limit = 4)]
//! pub fn fetch_user(id: u64, realm: &str) -> User { ... }
//! ```
//!
//! Output: the fn unchanged, and
//!
//! ```text
//! /// Async twin of [`fetch_user`] ...
//! pub fn fetch_user_async(id: u64, realm: &str) -> impl Future<Output = User> + Send + 'static + use<> {
//!     mod __bridge_twin {                              // names the twin in `Send` errors
//!         pub(super) struct fetch_user_async {}
//!     }
//!     static __BRIDGE_SITE: CallSite = CallSite::with_limit("my_crate::fetch_user", 4);
//!     let __a0 = send_cell::<__bridge_twin::fetch_user_async, u64>(id);
//!     let __a1 = send_cell::<__bridge_twin::fetch_user_async, <str as ToOwned>::Owned>(
//!         realm.to_owned(),
//!     );
//!     async move {                                      // owns the cells; runs at first poll
//!         dispatch_default(&__BRIDGE_SITE, move || {
//!             let __a0 = __a0.into_inner();
//!             let __a1 = __a1.into_inner();
//!             send_cell::<__bridge_twin::fetch_user_async, User>(
//!                 fetch_user(__a0, Borrow::<str>::borrow(&__a1)),
//!             )
//!         })
//!         .await
//!         .into_inner()
//!     }
//! }
//! ```
//!
//! The arguments are made owned (copied, or converted: `impl AsRef<Path>`, `impl Into<String>`)
//! when the twin is called, and the future it returns owns them, so it is `'static` and can be
//! spawned; the call is handed over when it is first polled. `use<..>` lists the type and const
//! parameters in scope (the fn's and its `impl` block's), so that no parameter's lifetime is
//! captured; where it cannot be written (an `impl Trait` parameter, which it cannot name; an
//! `impl` block whose header `crate::context` could not read) it is left out, and the `'static`
//! bound alone makes the future spawnable.
//!
//! The names declared inside the body (`__bridge_twin`, `__BRIDGE_SITE`, `__aN`) are chosen
//! apart from every name in the signature, so that a parameter or a type named like one of
//! them changes nothing; a parameter under `#[cfg(..)]` keeps it on its declaration, its
//! statements and its argument.
//!
//! In an inherent `impl` block (see `crate::context`), the twin is an associated fn beside the
//! fn, which it calls as `Self::open`; a method that takes `self` by value (`self`,
//! `self: Box<Self>`, `self: Arc<Self>`) moves it into the call like any argument, and one that
//! borrows it is an error that points at `handle =`. A fn that never returns (`-> !`) gets a
//! twin that returns `Infallible`.
//!
//! With `thread_sensitive` it calls `dispatch_sensitive`; with `executor = EXPR`,
//! `dispatch(&__BRIDGE_SITE, &EXPR as &dyn Executor, ..)`, the cast written at the user's
//! expression, so one that is not an executor gets its error there.
//!
//! Every value that crosses threads is wrapped by `send_cell`, whose bound `Sendable<twin>` is
//! checked where the value is written, spanned on the user's own type: a type that is not `Send`
//! gets exactly one error, which names the type and the twin. The cell is `Send` whatever it
//! holds, so the dispatch reports nothing more (see `bridge-runtime/src/proof.rs`). Handle
//! methods are generated the same way (`expand/handle/method.rs`).

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::{
    GenericParam, Generics, Ident, Path, ReceiverKind, ReturnType, Signature, Type, TypeParamBound,
    WherePredicate,
};

use super::common::{
    Fresh, arguments, associated_by_signature, captures, carried, contains_ident, contains_impl,
    copier, generic_args, output_type, owning_future, stub, twin_attrs, unsafe_call,
    unsafe_keyword,
};
use crate::args::{FnOptions, Target};
use crate::context::{Context, conditional};
use crate::error::Errors;
use crate::item::{Body, FnItem};
use crate::signature::{self, Param};

/// Which form the attribute is on.
enum Form<'a> {
    /// A fn with a body: keep it, add a twin beside it.
    Fn,
    /// A declaration of a fn that lives elsewhere: it becomes the async fn itself.
    Declaration { wraps: &'a Path },
}

pub(super) fn expand(
    args: &FnOptions,
    item: FnItem,
    original: TokenStream,
    mut errors: Errors,
) -> TokenStream {
    let context = crate::context::of_call_site();
    if let Some(message) = no_place_for_twin(&context, &item, args.wraps.as_ref()) {
        // The fn as written is valid where it is; a twin would not be.
        errors.push_spanned(&item.sig.ident, message);
        let errors = errors.to_compile_errors();
        return quote!(#original #errors);
    }
    let owner = Owner::of(&context, &item.sig);
    let form = match (&item.body, &args.wraps) {
        (Body::Block(_), None) => Form::Fn,
        (Body::Semi(_), Some(wraps)) => Form::Declaration { wraps },
        (Body::Block(body), Some(wraps)) => {
            errors.push(syn::Error::new(
                body.span_open(),
                "`wraps = ...` makes an async fn for a sync fn defined elsewhere, so this must be \
                 a declaration ending in `;`: remove the body, or remove `wraps` to bridge this fn \
                 itself",
            ));
            // Callers written for `wraps` await the declared name: keep that an async fn.
            Form::Declaration { wraps }
        }
        (Body::Semi(semi), None) => {
            if !args.wraps_attempted {
                errors.push_spanned(
                    semi,
                    "this fn has no body; to wrap a sync fn you cannot edit, name it: \
                     `#[sync_to_async(wraps = path::to::the_fn)]`",
                );
            }
            Form::Declaration {
                wraps: &item.sig.ident.clone().into(),
            }
        }
    };
    if let (Form::Declaration { .. }, Some(name)) = (&form, &args.name) {
        errors.push_spanned(
            name,
            "`name` does not apply with `wraps`: the declared fn's own name is the async fn's name",
        );
    }
    let receiver = match &owner {
        Owner::Associated { type_name, .. } => {
            receiver(&item.sig, type_name.as_deref(), &mut errors)
        }
        Owner::Free => None,
    };
    if let (Form::Fn, Owner::Free, Some(taken)) =
        (&form, &owner, name_taken(&item, args.name.as_ref()))
    {
        // No twin, and no stub: either would be a second item of that name.
        errors.push_spanned(
            args.name.as_ref().unwrap_or(&item.sig.ident),
            format!(
                "this module already has {taken}, the name of this fn's twin: name the twin \
                 otherwise with `#[sync_to_async(name = ...)]`, or rename that item (a \
                 hand-written async version of `{}` can give way to the twin)",
                item.sig.ident.unraw()
            ),
        );
        let errors = errors.to_compile_errors();
        return quote!(#original #errors);
    }
    let params = signature::plan(&item.sig, &mut errors);
    if !errors.is_empty() {
        return fallback(args, &form, &item, original, &errors);
    }
    let twin = Twin {
        args,
        item: &item,
        params: &params,
        form: &form,
        owner: &owner,
        receiver: receiver.as_ref(),
    }
    .to_token_stream();
    match form {
        Form::Fn => {
            let original = name_twin_for_sync_only(original, args.name.as_ref());
            quote!(#original #twin)
        }
        Form::Declaration { .. } => twin,
    }
}

/// The name of the twin of `item`: `name = ..`, or the fn's own name with `_async`.
pub(super) fn twin_ident(item: &FnItem, name: Option<&Ident>) -> Ident {
    name.cloned()
        .unwrap_or_else(|| format_ident!("{}_async", item.sig.ident))
}

/// What already takes the twin's name in the fn's module (`a fn \`fetch_async\``), read from
/// the source (see `crate::context::module_items`), when rustc would otherwise report only a
/// name "defined multiple times". An item under `#[cfg]` (or a fn under one) may never meet
/// the twin, so it is left to rustc.
fn name_taken(item: &FnItem, name: Option<&Ident>) -> Option<String> {
    if item.attrs.iter().any(conditional) {
        return None;
    }
    let twin = twin_ident(item, name).unraw().to_string();
    let items = crate::context::module_items(|source| {
        ["fn", "const", "static", "struct"]
            .iter()
            .any(|keyword| crate::context::occurrences(source, &[keyword, &twin]) > 0)
    })?;
    items.iter().find_map(|neighbour| {
        let (kind, ident, attrs) = match neighbour {
            syn::Item::Fn(f) => ("a fn", &f.sig.ident, &f.attrs),
            syn::Item::Const(c) => ("a const", &c.ident, &c.attrs),
            syn::Item::Static(s) => ("a static", &s.ident, &s.attrs),
            syn::Item::Struct(s) if !matches!(s.fields, syn::Fields::Named(_)) => {
                ("a struct", &s.ident, &s.attrs)
            }
            _ => return None,
        };
        (ident.unraw() == twin && !attrs.iter().any(conditional))
            .then(|| format!("{kind} `{twin}`"))
    })
}

/// Whether the twin is a free fn or an associated fn of the `impl` block the fn is in.
enum Owner {
    Free,
    /// In an inherent `impl` block: the twin is an associated fn that calls `Self::name`.
    Associated {
        /// The last identifier of the block's type, when the source says it (for the site's
        /// name and messages).
        type_name: Option<String>,
        /// The names of the block's type and const parameters, when the source says them (for
        /// the twin's `use<..>`, which must list them).
        params: Option<Vec<String>>,
        /// The names of the block's type parameters, when the source says them: those the
        /// signature uses (all of them, where it names `Self`) cross threads with the call, so
        /// the twin bounds them by `Send + 'static` in its where-clause.
        type_params: Vec<String>,
    },
}

impl Owner {
    /// Where the source puts the fn, or, where it cannot be read, what its signature says: only
    /// an associated fn can take `self` or name `Self`.
    fn of(context: &Context, sig: &Signature) -> Owner {
        match context {
            Context::Impl {
                type_name,
                params,
                type_params,
            } => Owner::Associated {
                type_name: type_name.clone(),
                params: Some(params.clone()),
                type_params: type_params.clone(),
            },
            _ if associated_by_signature(sig) => Owner::Associated {
                type_name: None,
                params: None,
                type_params: Vec::new(),
            },
            _ => Owner::Free,
        }
    }
}

/// The error for a fn whose place cannot hold a twin: a trait impl, a trait, an `extern` block.
fn no_place_for_twin(context: &Context, item: &FnItem, wraps: Option<&Path>) -> Option<String> {
    let name = item.sig.ident.unraw();
    match context {
        Context::TraitImpl => Some(format!(
            "a trait impl holds only the items its trait declares, so it has no place for the \
             twin `{name}_async`: put `#[sync_to_async]` on a fn of the type's own `impl` block \
             (one that calls `{name}`), or on a free fn"
        )),
        Context::Trait => Some(format!(
            "`#[sync_to_async]` does not go on a fn of a trait: a twin there would be one more \
             method for every impl to have. Give the trait an async counterpart instead, with \
             `#[sync_to_async(trait = AsyncName)]` on the trait itself, which callers of \
             `{name}` can await through `dyn` or generics"
        )),
        Context::Extern => Some(crate::context::extern_block_message(&item.sig, wraps)),
        Context::Unknown | Context::Module | Context::Impl { .. } => None,
    }
}

/// What a method's receiver becomes in its twin: moved into the call (`self`, `mut self`,
/// `self: Box<Self>`, `self: Arc<Self>`). One that borrows (`&self`, `&mut self`) is an error:
/// the object stays with the caller while the method runs on another thread, which is what a
/// handle is for.
fn receiver(
    sig: &Signature,
    type_name: Option<&str>,
    errors: &mut Errors,
) -> Option<MovedReceiver> {
    let receiver = sig.receiver()?;
    let borrows = match &receiver.kind {
        ReceiverKind::Reference(..) => true,
        ReceiverKind::Typed(_, ty) => signature::find_borrow(ty).is_some(),
        _ => false,
    };
    if borrows {
        let handle = format!("Async{}", type_name.unwrap_or("Name"));
        let written = receiver
            .to_token_stream()
            .to_string()
            .replace("& ", "&")
            .replace(" :", ":");
        errors.push_spanned(
            receiver,
            format!(
                "a twin runs the method on another thread, which cannot borrow the object from \
                 its caller (`{written}`): give the object an async handle instead, with \
                 `#[sync_to_async(handle = {handle})]` on the `impl` block in place of this \
                 attribute (an async method for each `pub fn`, all sharing the object); or take \
                 `self` by value, or `self: Arc<Self>` to share it"
            ),
        );
        return None;
    }
    let self_token = receiver.self_token;
    Some(match &receiver.kind {
        ReceiverKind::Typed(colon, ty) => MovedReceiver {
            declaration: quote!(#self_token #colon #ty),
            sent: ty.to_token_stream(),
            self_token,
        },
        _ => MovedReceiver {
            declaration: self_token.to_token_stream(),
            sent: quote!(Self),
            self_token,
        },
    })
}

/// A receiver that the twin moves into the call.
struct MovedReceiver {
    /// As the twin declares it (without `mut`).
    declaration: TokenStream,
    /// The type that crosses threads: `Self`, `Box<Self>`, `Arc<Self>`.
    sent: TokenStream,
    self_token: syn::Token![self],
}

/// A `#[sync_only]` written below this attribute expands after it and cannot see a `name =`
/// given here, so its panic would name `{fn}_async`: it is told the twin's name
/// (`twin = name`), unless it names one itself.
fn name_twin_for_sync_only(original: TokenStream, name: Option<&Ident>) -> TokenStream {
    let Some(name) = name else {
        return original;
    };
    let Ok(mut item) = syn::parse2::<syn::ItemFn>(original.clone()) else {
        return original;
    };
    for attr in &mut item.attrs {
        let is_sync_only = attr
            .path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "sync_only");
        if !is_sync_only {
            continue;
        }
        let path = attr.path().clone();
        attr.meta = match &attr.meta {
            syn::Meta::Path(_) => syn::parse_quote!(#path(twin = #name)),
            syn::Meta::List(list)
                if !list.tokens.clone().into_iter().any(
                    |token| matches!(token, proc_macro2::TokenTree::Ident(ident) if ident == "twin"),
                ) =>
            {
                let tokens = &list.tokens;
                syn::parse_quote!(#path(#tokens, twin = #name))
            }
            _ => continue,
        };
    }
    item.into_token_stream()
}

/// What an invalid invocation emits beside its errors, so that callers do not pile up more
/// errors: the user's fn as written plus a stub of its twin, or, for a declaration, a stub
/// with its signature.
fn fallback(
    args: &FnOptions,
    form: &Form<'_>,
    item: &FnItem,
    original: TokenStream,
    errors: &Errors,
) -> TokenStream {
    let errors = errors.to_compile_errors();
    let FnItem {
        attrs, vis, sig, ..
    } = item;
    match form {
        Form::Declaration { .. } => {
            let mut sig = sig.clone();
            sig.inputs = sig
                .inputs
                .into_iter()
                .filter(|arg| matches!(arg, syn::FnArg::Typed(_)))
                .collect();
            let stub = stub(quote!(#(#attrs)*), vis, &sig, Some(Default::default()));
            quote!(#stub #errors)
        }
        Form::Fn => {
            let mut sig = sig.clone();
            sig.ident = twin_ident(item, args.name.as_ref());
            // The fn itself is emitted as written, so its receiver (if any) is valid here.
            let carried = attrs.iter().filter(|attr| carried(attr));
            let stub = stub(quote!(#(#carried)*), vis, &sig, Some(Default::default()));
            quote!(#original #stub #errors)
        }
    }
}

struct Twin<'a> {
    args: &'a FnOptions,
    item: &'a FnItem,
    params: &'a [Param],
    form: &'a Form<'a>,
    owner: &'a Owner,
    receiver: Option<&'a MovedReceiver>,
}

impl Twin<'_> {
    fn ident(&self) -> Ident {
        match self.form {
            Form::Declaration { .. } => self.item.sig.ident.clone(),
            Form::Fn => twin_ident(self.item, self.args.name.as_ref()),
        }
    }

    /// Docs, `#[cfg]`s, `#[allow]`s and `#[deprecated]` carry over; a line naming the sync fn
    /// is added to the docs.
    fn attrs(&self) -> TokenStream {
        let target = match (self.form, self.owner) {
            (Form::Fn, Owner::Free) => self.item.sig.ident.unraw().to_string(),
            (Form::Fn, Owner::Associated { .. }) => {
                format!("Self::{}", self.item.sig.ident.unraw())
            }
            (Form::Declaration { wraps }, _) => path_string(wraps),
        };
        let mut line = format!(
            " Async twin of [`{target}`], generated by `#[sync_to_async]`: the call runs on a \
             blocking thread and this future awaits it."
        );
        line.push_str(&owning_note(&self.item.sig, "fn", false));
        if signature::boxed_error_result(&self.item.sig.output).is_some() {
            line.push_str(
                " Its `Box<dyn Error>` cannot cross threads, so it comes back as a \
                 `bridge_runtime::SentError`, with the same message and `source()` chain.",
            );
        }
        if signature::never_returns(&self.item.sig.output) {
            line.push_str(
                " It never returns, as the fn never does; its output is `Infallible` because \
                 `!` cannot be the output of an `async fn` on stable Rust.",
            );
        }
        twin_attrs(&self.item.attrs, &line)
    }

    /// The name metrics and messages use: `module::path::fn`, or the wrapped path.
    fn site_name(&self) -> TokenStream {
        match self.form {
            Form::Fn => {
                // `r#type` is recorded as `type`, as a path would name it.
                let name = match self.owner {
                    Owner::Associated {
                        type_name: Some(type_name),
                        ..
                    } => format!("::{type_name}::{}", self.item.sig.ident.unraw()),
                    _ => format!("::{}", self.item.sig.ident.unraw()),
                };
                quote!(::core::concat!(::core::module_path!(), #name))
            }
            Form::Declaration { wraps } => path_string(wraps).into_token_stream(),
        }
    }

    /// The sync fn, with explicit type and const arguments for a generic fn with a body (a type
    /// that appears only in the return could not be inferred otherwise).
    fn callee(&self) -> TokenStream {
        match self.form {
            Form::Declaration { wraps } => wraps.to_token_stream(),
            Form::Fn => {
                let ident = &self.item.sig.ident;
                let sig = &self.item.sig;
                let args = generic_args(&sig.generics, &signature::converted_generics(sig));
                match self.owner {
                    Owner::Free => quote!(#ident #args),
                    Owner::Associated { .. } => quote!(Self::#ident #args),
                }
            }
        }
    }

    /// The type and const parameters the twin's future may capture (its `use<..>`): the
    /// `impl` block's and the fn's own, never a lifetime. `None` where no `use<..>` can be
    /// written: a parameter is `impl Trait` (which `use<..>` cannot name), or the twin is an
    /// associated fn of a block whose parameters are unknown.
    fn captures(&self) -> Option<Vec<Ident>> {
        let outer = match self.owner {
            Owner::Free => Vec::new(),
            Owner::Associated { params, .. } => params
                .as_ref()?
                .iter()
                .map(|param| syn::parse_str::<Ident>(param).ok())
                .collect::<Option<_>>()?,
        };
        captures(outer, &self.item.sig)
    }

    /// The twin's signature: the sync fn's, with `Send + 'static` on type parameters (see
    /// [`twin_generics`]), returning
    /// a future that owns everything it needs.
    fn signature(&self) -> TokenStream {
        let Signature { safety, output, .. } = &self.item.sig;
        let mut generics = twin_generics(&self.item.sig);
        self.bound_block_params(&mut generics);
        let (params, where_clause) = (&generics.params, &generics.where_clause);
        let safety = unsafe_keyword(safety);
        let vis = &self.item.vis;
        let ident = self.ident();
        let receiver = self.receiver.map(|receiver| &receiver.declaration);
        let inputs = receiver
            .into_iter()
            .cloned()
            .chain(self.params.iter().map(Param::declaration));
        let captures = self.captures();
        let output = match self.sent_error_result() {
            Some(result) => result,
            None if signature::never_returns(output) => quote!(::core::convert::Infallible),
            None => output_type(output, captures.as_deref()),
        };
        let future = owning_future(&output, captures.as_deref());
        quote!(#vis #safety fn #ident <#params> (#(#inputs),*) -> #future #where_clause)
    }

    /// Bounds by `Send + 'static`, in the twin's where-clause, each value that crosses threads
    /// and names a type parameter of the `impl` block or `Self` (`impl<T: Clone> Wrapper<T> {
    /// fn make(value: T) -> Self }` gets `T: Send + 'static, Self: Send + 'static`): a receiver
    /// taken by value, a parameter moved in or the copy of a borrowed one (`<T as
    /// ToOwned>::Owned` for a `&T`), the result. The twin then exists for the `T`s it can serve,
    /// instead of being an error for every `T`; a parameter that is only named in a
    /// where-clause bounds nothing.
    fn bound_block_params(&self, generics: &mut Generics) {
        let Owner::Associated { type_params, .. } = self.owner else {
            return;
        };
        if type_params.is_empty() {
            return;
        }
        let names_block_param = |ty: &TokenStream| {
            contains_ident(ty.clone(), "Self")
                || type_params
                    .iter()
                    .any(|param| contains_ident(ty.clone(), param))
        };
        // What each parameter sends: the value, or its copy (`<T as ToOwned>::Owned` for a
        // `&T`); not an `impl Trait`, which cannot be named and gets its own bound.
        let sent = self
            .params
            .iter()
            .filter(|param| !signature::contains_impl_trait(&param.ty))
            .map(|param| param.sent_type(signature::Copier::ToOwned));
        let result = match (
            &self.item.sig.output,
            signature::boxed_error_result(&self.item.sig.output),
        ) {
            (_, Some(ok)) => Some(ok.to_token_stream()),
            (ReturnType::Type(_, ty), None)
                if !contains_impl(ty) && !signature::never_returns(&self.item.sig.output) =>
            {
                Some(ty.to_token_stream())
            }
            _ => None,
        };
        let crossing: Vec<TokenStream> = self
            .receiver
            .map(|receiver| receiver.sent.clone())
            .into_iter()
            .chain(sent)
            .chain(result)
            .filter(names_block_param)
            .collect();
        if crossing.is_empty() {
            return;
        }
        let clause = generics.make_where_clause();
        for ty in crossing {
            clause
                .predicates
                .push(syn::parse_quote!(#ty: ::core::marker::Send + 'static));
        }
    }

    /// `Result<T, SentError>` for a sync fn that returns `Result<T, Box<dyn Error>>`.
    fn sent_error_result(&self) -> Option<TokenStream> {
        let krate = &self.args.runtime;
        let ok = signature::boxed_error_result(&self.item.sig.output)?;
        Some(quote!(::core::result::Result<#ok, #krate::SentError>))
    }
}

impl ToTokens for Twin<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let krate = &self.args.runtime;
        let private = quote!(#krate::__private);
        let attrs = self.attrs();
        let signature = self.signature();
        let twin = self.ident();
        let fresh = Fresh::new(&self.item.sig);
        let site = fresh.ident("__BRIDGE_SITE");
        // The marker type that names the twin in `Send` errors lives in a module of its own, so
        // that it shadows no type of the signature named like the twin.
        let marker_module = fresh.ident("__bridge_twin");
        let marker = quote!(#marker_module::#twin);
        let (copier, probe_uses) = copier(self.params, &self.item.sig.generics, &private, &marker);
        let receiver_arg = fresh.ident("__self");
        let declaration = matches!(self.form, Form::Declaration { .. });
        let args: Vec<Ident> = (0..self.params.len())
            .map(|i| {
                let mut arg = fresh.ident(&format!("__a{i}"));
                // A declaration's parameter types are the user's word against the wrapped fn's:
                // an argument it does not take is reported at the parameter's type.
                if declaration {
                    let at = syn::spanned::Spanned::span(&self.params[i].ty);
                    arg.set_span(arg.span().located_at(at));
                }
                arg
            })
            .collect();
        let sent_error = self.sent_error_result();
        let never = signature::never_returns(&self.item.sig.output);
        let returned = match (&self.item.sig.output, &sent_error) {
            (_, Some(result)) => result.clone(),
            _ if never => quote!(::core::convert::Infallible),
            (ReturnType::Type(_, ty), None) if contains_impl(ty) => quote!(_),
            (output, None) => signature::return_type(output),
        };
        let send = |ty: &TokenStream, value| quote!(#private::send_cell::<#marker, #ty>(#value));
        let arguments = arguments(self.params, &args, copier, send);
        let call_args = self
            .receiver
            .map(|_| quote!(#receiver_arg))
            .into_iter()
            .chain(arguments.passed);
        let callee = self.callee();
        let (body, allow_unsafe) =
            unsafe_call(&self.item.sig.safety, quote!(#callee(#(#call_args),*)));
        // The call of a fn that never returns is the last code that runs on the worker.
        let allow_never = never.then(|| quote!(#[allow(unreachable_code)]));
        // A `Box<dyn Error>` is converted where it is made, on the worker thread.
        let body = match sent_error {
            Some(_) => quote!(#private::sent_error(#body)),
            None => body,
        };
        // So is a declaration's return type: what the wrapped fn returns must be it, and a
        // mismatch is reported against the declared type ("expected due to this").
        let body = if declaration {
            let result = fresh.ident("__result");
            quote!({
                let #result: #returned = #body;
                #result
            })
        } else {
            body
        };
        let site_name = self.site_name();
        let site_new = match &self.args.limit {
            Some(limit) => quote!(#private::CallSite::with_limit(#site_name, #limit)),
            None => quote!(#private::CallSite::new(#site_name)),
        };
        // An executor is passed as written, at the user's expression, so that one that is not
        // an executor gets the error there. Without one, the call goes straight to tokio's
        // blocking pool (`dispatch_default`) or, with `thread_sensitive`, to the current scope's
        // thread-sensitive executor (`dispatch_sensitive`).
        let (dispatch, executor) = match &self.args.target {
            Target::Executor(executor) => {
                // A `&dyn Executor` made at the user's expression: one error there if it is not
                // an executor, and none again at the dispatch.
                let span = syn::spanned::Spanned::span(executor);
                // In parentheses: the cast must apply to the whole expression.
                let executor = quote_spanned!(span=> &(#executor) as &dyn #private::Executor);
                (quote!(dispatch), quote!(#executor,))
            }
            Target::ThreadSensitive => (quote!(dispatch_sensitive), TokenStream::new()),
            Target::Default => (quote!(dispatch_default), TokenStream::new()),
        };
        // Each value that crosses threads is wrapped in a `SendCell`, whose only constructor
        // requires `Sendable<twin>`: a type that is not `Send` gets one error, on the user's own
        // type token, naming the type and the twin, and nothing downstream errs again.
        // One statement per value, under the parameter's `#[cfg]`s; the names are fresh, so
        // a parameter named like one of them is not shadowed before it is read.
        let (mut wrap, mut unwrap) = (TokenStream::new(), TokenStream::new());
        if let Some(receiver) = self.receiver {
            let (self_token, sent) = (&receiver.self_token, &receiver.sent);
            wrap.extend(quote! {
                let #receiver_arg = #private::send_cell::<#marker, #sent>(#self_token);
            });
            unwrap.extend(quote!(let #receiver_arg = #receiver_arg.into_inner();));
        }
        wrap.extend(arguments.sent);
        unwrap.extend(arguments.received);
        tokens.extend(quote! {
            #attrs
            #allow_unsafe
            #allow_never
            #signature {
                mod #marker_module {
                    #[allow(non_camel_case_types, dead_code)]
                    pub(super) struct #twin {}
                }
                #probe_uses
                static #site: #private::CallSite = #site_new;
                // The arguments are made owned now, when the twin is called; the call is handed
                // over when the future is first polled.
                #wrap
                async move {
                    #private::#dispatch(&#site, #executor move || {
                        #unwrap
                        #private::send_cell::<#marker, #returned>(#body)
                    })
                    .await
                    .into_inner()
                }
            }
        });
    }
}

/// What the docs of a twin (or of a handle's method) say of its future: it owns its arguments,
/// so it may be spawned; and what generic parameters still need.
pub(super) fn owning_note(sig: &Signature, called: &str, handle: bool) -> String {
    let made_owned = sig.inputs.iter().any(|arg| match arg {
        syn::FnArg::Typed(arg) => {
            signature::find_borrow(&arg.ty).is_some() || signature::converted_param(&arg.ty, sig)
        }
        syn::FnArg::Receiver(_) => false,
    });
    let copied = if made_owned {
        format!(
            " Borrowed arguments are copied (and `AsRef<..>` / `Into<..>` ones converted) \
             when this {called} is called"
        )
    } else {
        format!(" Its arguments are moved in when this {called} is called")
    };
    let holds = if handle {
        ", and the future holds a clone of the handle, so it"
    } else {
        ", so the future"
    };
    let takes_arguments = sig.inputs.iter().any(|arg| match arg {
        syn::FnArg::Typed(_) => true,
        // A receiver taken by value is moved in like an argument; a borrowed one is the handle.
        syn::FnArg::Receiver(receiver) => {
            !handle && !matches!(receiver.kind, ReceiverKind::Reference(..))
        }
    });
    let owns = match (takes_arguments, handle) {
        (true, _) => format!("{copied}{holds}"),
        (false, true) => " The future holds a clone of the handle, so it".to_owned(),
        (false, false) => " The future".to_owned(),
    };
    let mut note = format!(
        "{owns} owns everything it needs and can be `tokio::spawn`ed; nothing runs until it is \
         first polled."
    );
    let converted = signature::converted_generics(sig);
    let generic = sig.generics.params.iter().any(|param| match param {
        GenericParam::Type(param) => !converted.iter().any(|(ident, _)| *ident == param.ident),
        GenericParam::Const(_) => true,
        GenericParam::Lifetime(_) => false,
    }) || sig.inputs.iter().any(|arg| match arg {
        syn::FnArg::Typed(arg) => {
            signature::contains_impl_trait(&arg.ty) && !signature::converted_param(&arg.ty, sig)
        }
        syn::FnArg::Receiver(_) => false,
    });
    if generic {
        note.push_str(
            " Type parameters and other `impl Trait` parameters cross threads as they are, so \
             they must be `Send + 'static`.",
        );
    }
    note
}

/// The generics of `sig` for its twin: `Send + 'static` added to every type parameter that
/// crosses threads as it is (not those converted when the twin is called, see
/// `signature::converted_generics`), where the user bounds it: in the where-clause if that is
/// where its bounds are, inline otherwise (never both, which clippy would flag).
pub(super) fn twin_generics(sig: &Signature) -> Generics {
    let bounds: [TypeParamBound; 2] = [
        syn::parse_quote!(::core::marker::Send),
        syn::parse_quote!('static),
    ];
    let converted = signature::converted_generics(sig);
    let mut generics = sig.generics.clone();
    let Generics {
        params,
        where_clause,
        ..
    } = &mut generics;
    for param in params.iter_mut() {
        let GenericParam::Type(param) = param else {
            continue;
        };
        if converted.iter().any(|(ident, _)| *ident == param.ident) {
            continue;
        }
        let in_where = where_clause
            .iter_mut()
            .flat_map(|clause| clause.predicates.iter_mut())
            .find_map(|predicate| match predicate {
                WherePredicate::Type(predicate)
                    if is_ident(&predicate.bounded_ty, &param.ident) =>
                {
                    Some(predicate)
                }
                _ => None,
            });
        match in_where {
            Some(predicate) if param.bounds.is_empty() => predicate.bounds.extend(bounds.clone()),
            _ => {
                param.colon_token.get_or_insert_with(Default::default);
                param.bounds.extend(bounds.clone());
            }
        }
    }
    generics
}

fn is_ident(ty: &Type, ident: &Ident) -> bool {
    matches!(signature::peel(ty), Type::Path(path) if path.qself.is_none() && path.path.is_ident(ident))
}

fn path_string(path: &Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}
