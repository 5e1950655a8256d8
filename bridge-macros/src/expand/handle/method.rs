//! The code of one async method of the handle: its signature, its `CallSite`, the `Send` proof
//! of its arguments and result, and the call into the handle's state (`Read` / `Write` access
//! to the object, a constructor that builds a handle, or an associated fn that runs alone).
//! A method planned as invalid becomes a stub that keeps callers compiling.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::{FnArg, Ident, ReturnType, Type};

use super::Handle;
use super::plan::{Bridged, Kind, Mode};
use super::self_type::replace_constructed;
use crate::expand::common::{
    Arguments, Fresh, arguments, captures, contains_impl, copier, generic_args, output_type,
    owning_future, stub, twin_attrs, unsafe_call,
};
use crate::expand::sync_to_async::{owning_note, twin_generics};
use crate::signature::Param;

impl Handle<'_> {
    /// The async version of one method.
    pub(super) fn method(&self, bridged: &Bridged) -> TokenStream {
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
        // A method returning `Result<T, Box<dyn Error>>` returns `Result<T, SentError>`: the
        // error cannot cross threads, so it is converted on the thread that ran the method, as
        // a twin's is; a constructor's `Result<Self, Box<dyn Error>>` becomes `Result<Self,
        // SentError>`, `Self` then the handle.
        let converted;
        let (sig, sent_error) = match (kind, crate::signature::boxed_error_result(&sig.output)) {
            (_, Some(ok)) => {
                let krate = self.runtime();
                let mut sig = sig.clone();
                sig.output = syn::parse_quote!(-> ::core::result::Result<#ok, #krate::SentError>);
                converted = sig;
                (&converted, true)
            }
            _ => (sig, false),
        };
        let private = self.private();
        let self_ty = self.self_ty;
        let mut line = self.method_doc(bridged);
        let holds_handle = matches!(kind, Kind::Ref | Kind::Mut);
        line.push_str(&owning_note(sig, "method", holds_handle));
        let attrs = twin_attrs(attrs, &line);
        let generics = twin_generics(sig);
        let (generic_params, where_clause) = (&generics.params, &generics.where_clause);
        let safety = crate::expand::common::unsafe_keyword(&sig.safety);
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
        let inputs = receiver
            .into_iter()
            .chain(params.iter().map(Param::declaration));
        // The future owns what it needs: the arguments, made owned when the method is called,
        // and a clone of the handle (a reference count).
        let captures = captures(
            self.generics
                .params
                .iter()
                .filter_map(|param| match param {
                    syn::GenericParam::Type(param) => Some(param.ident.clone()),
                    syn::GenericParam::Const(param) => Some(param.ident.clone()),
                    syn::GenericParam::Lifetime(_) => None,
                })
                .collect(),
            sig,
        );
        // (`sig`'s output is already `Infallible` for a method that never returns.)
        let output = output_type(&sig.output, captures.as_deref());
        let future = owning_future(&output, captures.as_deref());
        let signature = quote! {
            #vis #safety fn #name <#generic_params> (#(#inputs),*) -> #future #where_clause
        };
        // Names no name of the signature can shadow or be shadowed by (see `Fresh`).
        let fresh = Fresh::new(sig);
        let (this, site, state, made, pending, access, marker_module) = (
            fresh.ident("__this"),
            fresh.ident("__BRIDGE_SITE"),
            fresh.ident("__state"),
            fresh.ident("__made"),
            fresh.ident("__call"),
            fresh.ident("__access"),
            fresh.ident("__bridge_method"),
        );
        let args: Vec<Ident> = (0..params.len())
            .map(|i| fresh.ident(&format!("__a{i}")))
            .collect();
        let generic_args = generic_args(&sig.generics, &crate::signature::converted_generics(sig));
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
        // How the call is made (the state, the executor, the handle's limit) is decided once,
        // by the hidden fns of the block that makes the handle (see `emit`).
        let (call_fn, run_fn) = (
            Ident::new("__bridge_call", Span::mixed_site()),
            Ident::new("__bridge_run", Span::mixed_site()),
        );
        // Each argument and the result is checked for `Send` where it is written, spanned on
        // the user's type, and crosses threads in a cell that carries the proof: a type that is
        // not `Send` gets exactly one error, naming the handle and the method.
        let send = |ty: &TokenStream, value: TokenStream| quote!(#private::method_send_cell::<Self, #marker_module::#name, #ty>(#value));
        // One statement per value, under the parameter's `#[cfg]`s, as a twin's.
        let method_marker = quote!(#marker_module::#name);
        // The block's type parameters and the method's: a `&K` of either keeps `ToOwned`, whose
        // error says which bound to add.
        let mut in_scope = self.generics.clone();
        in_scope.params.extend(sig.generics.params.iter().cloned());
        let (copier, probe_uses) = copier(params, &in_scope, &private, &method_marker);
        let Arguments {
            sent,
            received,
            passed: call_args,
        } = arguments(params, &args, copier, send);
        let ran = |call: TokenStream| {
            let call = if sent_error {
                quote!(#private::sent_error(#call))
            } else {
                call
            };
            send(&returned, call)
        };
        let body = match kind {
            Kind::Ref | Kind::Mut => {
                let (access_kind, reference) = match kind {
                    Kind::Mut => (quote!(Write), quote!(&mut #self_ty)),
                    _ => (quote!(Read), quote!(&#self_ty)),
                };
                let (call, _) = unsafe_call(
                    &sig.safety,
                    quote!(<#self_ty>::#method #generic_args(#this, #(#call_args),*)),
                );
                let ran = ran(call);
                quote! {
                    #sent
                    let #access = #private::#access_kind(move |#this: #reference| {
                        #received
                        #ran
                    });
                    // Holds a clone of the handle's state.
                    let #pending = self.#call_fn(&#site, #access);
                    async move { #pending.await.into_inner() }
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
                let limit = self.limit();
                let job = quote!(move || {
                    #received
                    #ran
                });
                quote! {
                    #sent
                    let #access = #job;
                    // The object's thread starts when the future is first polled.
                    async move {
                        let #state = #private::Dedicated::<#self_ty>::start(#thread_name);
                        let #made = #state
                            .construct(&#site, #limit, #access)
                            .await
                            .into_inner();
                        #handle_value
                    }
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
                let run = quote!(#pending.await.into_inner());
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
                    let #access = #job;
                    let #pending = Self::#run_fn(&#site, #access);
                    async move { #run }
                }
            }
        };
        // The marker type that names the method in `Send` errors, in a module of its own so that
        // it shadows no type of the signature named like the method.
        let marker = quote! {
            mod #marker_module {
                #[allow(non_camel_case_types, dead_code)]
                pub(super) struct #name {}
            }
            #probe_uses
            static #site: #private::CallSite = #site_new;
        };
        let (_, allow_unsafe) = unsafe_call(&sig.safety, TokenStream::new());
        // The call of a method that never returns is the last code that runs on the worker.
        let allow_never = bridged.never.then(|| quote!(#[allow(unreachable_code)]));
        quote! {
            #attrs
            #allow_unsafe
            #allow_never
            #signature {
                #marker
                #body
            }
        }
    }
}
