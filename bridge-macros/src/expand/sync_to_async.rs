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
//! pub async fn fetch_user_async(id: u64, realm: &str) -> User {
//!     struct fetch_user_async {}                       // names the twin in `Send` errors
//!     static __BRIDGE_SITE: CallSite = CallSite::with_limit("my_crate::fetch_user", 4);
//!     let (__a0, __a1) = (
//!         send_cell::<fetch_user_async, u64>(id),
//!         send_cell::<fetch_user_async, <str as ToOwned>::Owned>(realm.to_owned()),
//!     );
//!     dispatch_default(&__BRIDGE_SITE, move || {
//!         let (__a0, __a1) = (__a0.into_inner(), __a1.into_inner());
//!         send_cell::<fetch_user_async, User>(fetch_user(__a0, Borrow::<str>::borrow(&__a1)))
//!     })
//!     .await
//!     .into_inner()
//! }
//! ```
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

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::{
    GenericParam, Generics, Ident, Path, ReturnType, Signature, Type, TypeParamBound,
    WherePredicate,
};

use super::common::{
    carried, contains_impl, generic_args, stub, twin_attrs, unsafe_call, unsafe_keyword,
};
use crate::args::{FnOptions, Target};
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
    let params = signature::plan(&item.sig, &mut errors);
    if !errors.is_empty() {
        return fallback(args, &form, &item, original, &errors);
    }
    let twin = Twin {
        args,
        item: &item,
        params: &params,
        form: &form,
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
            sig.ident = args
                .name
                .clone()
                .unwrap_or_else(|| format_ident!("{}_async", sig.ident));
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
}

impl Twin<'_> {
    fn ident(&self) -> Ident {
        let ident = &self.item.sig.ident;
        match (self.form, &self.args.name) {
            (Form::Declaration { .. }, _) => ident.clone(),
            (Form::Fn, Some(name)) => name.clone(),
            (Form::Fn, None) => format_ident!("{}_async", ident),
        }
    }

    /// Docs, `#[cfg]`s, `#[allow]`s and `#[deprecated]` carry over; a line naming the sync fn
    /// is added to the docs.
    fn attrs(&self) -> TokenStream {
        let target = match self.form {
            Form::Fn => self.item.sig.ident.to_string(),
            Form::Declaration { wraps } => path_string(wraps),
        };
        let mut line = format!(
            " Async twin of [`{target}`], generated by `#[sync_to_async]`: the call runs on a \
             blocking thread and this future awaits it."
        );
        if signature::boxed_error_result(&self.item.sig.output).is_some() {
            line.push_str(
                " Its `Box<dyn Error>` cannot cross threads, so it comes back as a \
                 `bridge_runtime::SentError`, with the same message and `source()` chain.",
            );
        }
        twin_attrs(&self.item.attrs, &line)
    }

    /// The name metrics and messages use: `module::path::fn`, or the wrapped path.
    fn site_name(&self) -> TokenStream {
        match self.form {
            Form::Fn => {
                // `r#type` is recorded as `type`, as a path would name it.
                let name = format!("::{}", self.item.sig.ident.unraw());
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
                let args = generic_args(&self.item.sig.generics);
                quote!(#ident #args)
            }
        }
    }

    /// The twin's signature: the sync fn's, made `async`, with `Send + 'static` on type
    /// parameters.
    fn signature(&self) -> TokenStream {
        let Signature {
            safety,
            generics,
            output,
            ..
        } = &self.item.sig;
        let mut generics = generics.clone();
        add_send_static(&mut generics);
        let (params, where_clause) = (&generics.params, &generics.where_clause);
        let safety = unsafe_keyword(safety);
        let vis = &self.item.vis;
        let ident = self.ident();
        let inputs = self
            .params
            .iter()
            .map(|Param { name, ty, .. }| quote!(#name: #ty));
        let output = match self.sent_error_result() {
            Some(result) => quote!(-> #result),
            None => output.to_token_stream(),
        };
        quote!(#vis async #safety fn #ident <#params> (#(#inputs),*) #output #where_clause)
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
        let site = Ident::new("__BRIDGE_SITE", Span::mixed_site());
        let args: Vec<Ident> = (0..self.params.len())
            .map(|i| format_ident!("__a{}", i, span = Span::mixed_site()))
            .collect();
        let sent_types = self.params.iter().map(Param::sent_type);
        let sent_error = self.sent_error_result();
        let returned = match (&self.item.sig.output, &sent_error) {
            (_, Some(result)) => result.clone(),
            (ReturnType::Type(_, ty), None) if contains_impl(ty) => quote!(_),
            (output, None) => signature::return_type(output),
        };
        let values = self.params.iter().map(Param::value);
        let call_args = self
            .params
            .iter()
            .zip(&args)
            .map(|(param, arg)| param.call_arg(arg));
        let callee = self.callee();
        let (body, allow_unsafe) =
            unsafe_call(&self.item.sig.safety, quote!(#callee(#(#call_args),*)));
        // A `Box<dyn Error>` is converted where it is made, on the worker thread.
        let body = match sent_error {
            Some(_) => quote!(#private::sent_error(#body)),
            None => body,
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
                let executor = quote_spanned!(span=> &#executor as &dyn #private::Executor);
                (quote!(dispatch), quote!(#executor,))
            }
            Target::ThreadSensitive => (quote!(dispatch_sensitive), TokenStream::new()),
            Target::Default => (quote!(dispatch_default), TokenStream::new()),
        };
        // Each value that crosses threads is wrapped in a `SendCell`, whose only constructor
        // requires `Sendable<twin>`: a type that is not `Send` gets one error, on the user's own
        // type token, naming the type and the twin, and nothing downstream errs again.
        let (wrap, unwrap) = if args.is_empty() {
            (TokenStream::new(), TokenStream::new())
        } else {
            (
                quote!(let (#(#args,)*) = (#(#private::send_cell::<#twin, #sent_types>(#values),)*);),
                quote!(let (#(#args,)*) = (#(#args.into_inner(),)*);),
            )
        };
        tokens.extend(quote! {
            #attrs
            #allow_unsafe
            #signature {
                #[allow(non_camel_case_types, dead_code)]
                struct #twin {}
                static #site: #private::CallSite = #site_new;
                #wrap
                #private::#dispatch(&#site, #executor move || {
                    #unwrap
                    #private::send_cell::<#twin, #returned>(#body)
                })
                .await
                .into_inner()
            }
        });
    }
}

/// Adds `Send + 'static` to every type parameter, where the user bounds it: in the where-clause
/// if that is where its bounds are, inline otherwise (never both, which clippy would flag).
pub(super) fn add_send_static(generics: &mut Generics) {
    let bounds: [TypeParamBound; 2] = [
        syn::parse_quote!(::core::marker::Send),
        syn::parse_quote!('static),
    ];
    let Generics {
        params,
        where_clause,
        ..
    } = generics;
    for param in params.iter_mut() {
        let GenericParam::Type(param) = param else {
            continue;
        };
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
}

fn is_ident(ty: &Type, ident: &Ident) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident(ident))
}

fn path_string(path: &Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}
