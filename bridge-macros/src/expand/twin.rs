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
//!     fn __bridge_job<A0: Sendable<..>, A1: Sendable<..>, R: Sendable<..>, F>(f: F, a0: A0, a1: A1)
//!         -> impl FnOnce() -> R + Send + 'static { move || f(a0, a1) }
//!     static __BRIDGE_SITE: CallSite = CallSite::with_limit("my_crate::fetch_user", 4);
//!     let call = __bridge_job::<u64, <str as ToOwned>::Owned, User, _>(
//!         |x0, x1| fetch_user(x0, Borrow::<str>::borrow(&x1)),
//!         id, <str as ToOwned>::to_owned(realm),
//!     );
//!     dispatch(&__BRIDGE_SITE, &DefaultExecutor, call).await
//! }
//! ```
//!
//! `__bridge_job` exists for its bounds: each argument and the result is checked for `Send`
//! on its own, spanned on the user's type, and the closure it returns is `Send` by its
//! signature, so a non-`Send` type gets exactly one error that names the type and the twin.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::{
    Attribute, GenericParam, Generics, Ident, Path, Safety, Signature, Type, TypeParamBound,
    WherePredicate,
};

use crate::args::Args;
use crate::error::Errors;
use crate::item::{Body, FnItem};
use crate::signature::{self, Param, Pass};

/// Which form the attribute is on.
enum Form<'a> {
    /// A fn with a body: keep it, add a twin beside it.
    Fn,
    /// A declaration of a fn that lives elsewhere: it becomes the async fn itself.
    Declaration { wraps: &'a Path },
}

pub(super) fn expand(
    args: &Args,
    item: FnItem,
    original: TokenStream,
    mut errors: Errors,
) -> TokenStream {
    let form = match (&item.body, &args.wraps) {
        (Body::Block(_), None) => Form::Fn,
        (Body::Semi(_), Some(wraps)) => Form::Declaration { wraps },
        (Body::Block(body), Some(_)) => {
            errors.push(syn::Error::new(
                body.span_open(),
                "`wraps = ...` makes an async fn for a sync fn defined elsewhere, so this must be \
                 a declaration ending in `;`: remove the body, or remove `wraps` to bridge this fn \
                 itself",
            ));
            Form::Fn
        }
        (Body::Semi(semi), None) => {
            errors.push_spanned(
                semi,
                "this fn has no body; to wrap a sync fn you cannot edit, name it: \
                 `#[sync_to_async(wraps = path::to::the_fn)]`",
            );
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
        return fallback(&form, &item, original, &errors);
    }
    let twin = Twin {
        args,
        item: &item,
        params: &params,
        form: &form,
    }
    .to_token_stream();
    match form {
        Form::Fn => quote!(#original #twin),
        Form::Declaration { .. } => twin,
    }
}

/// What an invalid invocation emits beside its errors: the user's fn as written, or, for a
/// declaration, a stub with its signature, so that callers do not pile up more errors.
fn fallback(form: &Form<'_>, item: &FnItem, original: TokenStream, errors: &Errors) -> TokenStream {
    let errors = errors.to_compile_errors();
    let (Form::Declaration { .. }, Body::Semi(_)) = (form, &item.body) else {
        return quote!(#original #errors);
    };
    let mut sig = item.sig.clone();
    sig.asyncness = Some(Default::default());
    sig.constness = None;
    sig.abi = None;
    sig.variadic = None;
    sig.inputs = sig
        .inputs
        .into_iter()
        .filter(|arg| matches!(arg, syn::FnArg::Typed(_)))
        .collect();
    let FnItem { attrs, vis, .. } = item;
    quote! {
        #(#attrs)*
        #[allow(unused_variables, clippy::all)]
        #vis #sig { ::core::unreachable!() }
        #errors
    }
}

struct Twin<'a> {
    args: &'a Args,
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
        let carried = self.item.attrs.iter().filter(|attr| {
            ["doc", "cfg", "allow", "deprecated"]
                .iter()
                .any(|name| attr.path().is_ident(name))
        });
        let has_docs = self
            .item
            .attrs
            .iter()
            .any(|attr| attr.path().is_ident("doc"));
        let target = match self.form {
            Form::Fn => self.item.sig.ident.to_string(),
            Form::Declaration { wraps } => path_string(wraps),
        };
        let line = format!(
            " Async twin of [`{target}`], generated by `#[sync_to_async]`: the call runs on a \
             blocking thread and this future awaits it."
        );
        let separator: Option<Attribute> = has_docs.then(|| syn::parse_quote!(#[doc = ""]));
        quote!(#(#carried)* #separator #[doc = #line])
    }

    /// The name metrics and messages use: `module::path::fn`, or the wrapped path.
    fn site_name(&self) -> TokenStream {
        match self.form {
            Form::Fn => {
                let name = format!("::{}", self.item.sig.ident);
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
                let args: Vec<&Ident> = self
                    .item
                    .sig
                    .generics
                    .params
                    .iter()
                    .filter_map(|param| match param {
                        GenericParam::Type(param) => Some(&param.ident),
                        GenericParam::Const(param) => Some(&param.ident),
                        GenericParam::Lifetime(_) => None,
                    })
                    .collect();
                if args.is_empty() {
                    quote!(#ident)
                } else {
                    quote!(#ident::<#(#args),*>)
                }
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
        let safety = matches!(safety, Safety::Unsafe(_)).then_some(safety);
        let vis = &self.item.vis;
        let ident = self.ident();
        let inputs = self
            .params
            .iter()
            .map(|Param { name, ty, .. }| quote!(#name: #ty));
        quote!(#vis async #safety fn #ident <#params> (#(#inputs),*) #output #where_clause)
    }
}

impl ToTokens for Twin<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let krate = self.args.runtime();
        let private = quote!(#krate::__private);
        let attrs = self.attrs();
        let signature = self.signature();
        let twin = self.ident();
        let hidden = |name: &str| Ident::new(name, Span::mixed_site());
        let (job, f, result, call, site) = (
            hidden("__bridge_job"),
            hidden("__f"),
            hidden("__R"),
            hidden("__call"),
            hidden("__BRIDGE_SITE"),
        );
        let arg_types: Vec<Ident> = (0..self.params.len())
            .map(|i| format_ident!("__A{}", i))
            .collect();
        let args: Vec<Ident> = (0..self.params.len())
            .map(|i| format_ident!("__a{}", i, span = Span::mixed_site()))
            .collect();
        let sent_types = self.params.iter().map(Param::sent_type);
        let returned = signature::return_type(&self.item.sig.output);
        let returned = if returned.to_string().contains("impl") {
            quote!(_)
        } else {
            returned
        };
        let values = self
            .params
            .iter()
            .map(|Param { name, pass, .. }| match pass {
                Pass::Move => quote!(#name),
                Pass::Copy { elem } => quote!(<#elem as ::std::borrow::ToOwned>::to_owned(#name)),
            });
        let call_args = self
            .params
            .iter()
            .zip(&args)
            .map(|(Param { pass, .. }, arg)| match pass {
                Pass::Move => quote!(#arg),
                Pass::Copy { elem } => quote!(::core::borrow::Borrow::<#elem>::borrow(&#arg)),
            });
        let callee = self.callee();
        let mut body = quote!(#callee(#(#call_args),*));
        let mut allow_unsafe = None;
        if matches!(self.item.sig.safety, Safety::Unsafe(_)) {
            body = quote!(unsafe { #body });
            // Needed where the twin's own `unsafe` already covers the block (older editions).
            allow_unsafe = Some(quote!(#[allow(unused_unsafe)]));
        }
        let limit = &self.args.limit;
        let site_name = self.site_name();
        let site_new = match limit {
            Some(limit) => quote!(#private::CallSite::with_limit(#site_name, #limit)),
            None => quote!(#private::CallSite::new(#site_name)),
        };
        let executor = match &self.args.executor {
            Some(executor) => executor.to_token_stream(),
            None => quote!(#private::DefaultExecutor),
        };
        tokens.extend(quote! {
            #attrs
            #allow_unsafe
            #signature {
                #[allow(non_camel_case_types, dead_code)]
                struct #twin {}
                #[allow(clippy::too_many_arguments, clippy::type_complexity)]
                fn #job<#(#arg_types: #private::Sendable<#twin> + 'static,)* #result: #private::Sendable<#twin> + 'static, __F>(
                    #f: __F, #(#args: #arg_types),*
                ) -> impl ::core::ops::FnOnce() -> #result + ::core::marker::Send + 'static
                where
                    __F: ::core::ops::FnOnce(#(#arg_types),*) -> #result + ::core::marker::Send + 'static,
                {
                    move || #f(#(#args),*)
                }
                static #site: #private::CallSite = #site_new;
                let #call = #job::<#(#sent_types,)* #returned, _>(
                    |#(#args),*| #body,
                    #(#values),*
                );
                #private::dispatch(&#site, &#executor, #call).await
            }
        });
    }
}

/// Adds `Send + 'static` to every type parameter, where the user bounds it: in the where-clause
/// if that is where its bounds are, inline otherwise (never both, which clippy would flag).
fn add_send_static(generics: &mut Generics) {
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
