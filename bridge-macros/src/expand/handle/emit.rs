//! The handle's own items: the struct, its `Clone`, `Debug` and `From` impls, the accessors
//! for sync code (`blocking_read` / `blocking_write`, or `blocking_with` for a thread-sensitive
//! handle) and `__bridge_limit`, the handle's one `Limit`; then every planned method (see
//! `method`).

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::Ident;

use super::Handle;
use super::docs::{BLOCKING_WITH_PANICS, GUARD_PANICS};
use super::plan::Mode;

impl ToTokens for Handle<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let private = self.private();
        let name = &self.name;
        let self_ty = self.self_ty;
        let attrs = &self.attrs;
        let methods = self.methods.iter().map(|method| self.method(method));
        if self.extends {
            // Only methods: they call the handle through the hidden fns the block that makes
            // it wrote (`calls`), so they need nothing else of it.
            let (impl_generics, ty_generics, where_clause) = self.generics.split_for_impl();
            tokens.extend(quote! {
                #(#attrs)*
                impl #impl_generics #name #ty_generics #where_clause {
                    #(#methods)*
                }
            });
            return;
        }
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
        // needs it to be `Send`, checked only where `from` is called.
        let from_where = match self.mode {
            Mode::Dedicated => self.where_checked_at_use(quote!(::core::marker::Send)),
            _ => where_clause.to_token_stream(),
        };
        let from_doc = self.conversion_doc();
        let adoptions = self.adoptions(&object);
        let accessors = self.accessors();
        let limit_fn = self.limit_fn();
        let calls = self.calls();
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

            #adoptions

            #(#attrs)*
            impl #impl_generics #name #ty_generics #where_clause {
                #limit_fn
                #calls
                #accessors
                #(#methods)*
            }
        });
    }
}

impl Handle<'_> {
    /// `From` impls that adopt legacy shared state in place: `Arc<Mutex<T>>` and
    /// `Arc<RwLock<T>>` for a default handle, `Arc<RwLock<T>>` for a `concurrent_reads` one (a
    /// thread-sensitive object lives on its own thread and cannot be shared).
    ///
    /// The object must be `Send` (and `Sync` behind an `RwLock`), as for `From<T>`; written
    /// as bounds that bind a lifetime, they are checked only where `from` is called, so that a
    /// type that is not `Send` still gets one error, from `From<T>`.
    fn adoptions(&self, object: &Ident) -> TokenStream {
        let private = self.private();
        let name = &self.name;
        let self_ty = self.self_ty;
        let attrs = &self.attrs;
        let (impl_generics, ty_generics, _) = self.generics.split_for_impl();
        let sync = quote!(::std::sync);
        let adoptions: Vec<(&str, TokenStream, TokenStream)> = match self.mode {
            Mode::Exclusive => vec![
                ("Mutex", quote!(adopt_mutex), quote!(Send)),
                // `RwLock<T>` is `Sync` (shared by legacy threads) only if `T` is `Sync` too.
                (
                    "RwLock",
                    quote!(adopt_rw_lock),
                    quote!(Send + ::core::marker::Sync),
                ),
            ],
            Mode::ReadWrite => vec![(
                "RwLock",
                quote!(adopt_rw_lock),
                quote!(Send + ::core::marker::Sync),
            )],
            Mode::Dedicated => Vec::new(),
        };
        let state = self.state_type();
        adoptions
            .into_iter()
            .map(|(lock, adopt, bounds)| {
                let lock_ty = Ident::new(lock, Span::call_site());
                let shared = quote!(#sync::Arc<#sync::#lock_ty<#self_ty>>);
                let where_clause = self.where_checked_at_use(quote!(::core::marker::#bounds));
                let doc = self.adoption_doc(lock);
                quote! {
                    #(#attrs)*
                    impl #impl_generics ::core::convert::From<#shared> for #name #ty_generics
                    #where_clause
                    {
                        #[doc = #doc]
                        fn from(#object: #shared) -> Self {
                            Self {
                                __bridge_state: <#state>::#adopt(
                                    #private::sync_object::<Self, #shared>(#object),
                                ),
                            }
                        }
                    }
                }
            })
            .collect()
    }

    /// The impl block's where-clause plus `Self: bounds` (the object's type), written as a
    /// bound that binds a lifetime so that it is checked where the impl's items are used, not
    /// where the impl is declared (where a plain `Store: Send` on a concrete type that is not
    /// `Send` would be an error of its own).
    fn where_checked_at_use(&self, bounds: TokenStream) -> TokenStream {
        let self_ty = self.self_ty;
        let mut predicates: Vec<TokenStream> = self
            .generics
            .where_clause
            .as_ref()
            .map(|clause| {
                clause
                    .predicates
                    .iter()
                    .map(ToTokens::to_token_stream)
                    .collect()
            })
            .unwrap_or_default();
        predicates.push(quote!(for<'__bridge> #self_ty: #bounds));
        quote!(where #(#predicates),*)
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

    /// The hidden associated fn behind [`Handle::limit`]: the handle's one `Limit`, shared by
    /// its methods.
    fn limit_fn(&self) -> TokenStream {
        let private = self.private();
        let limit = Ident::new("__bridge_limit", Span::mixed_site());
        let value = match &self.options.limit {
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

    /// The hidden fns every async method calls (see `method`), so that how a call is made
    /// (the state, the executor, the handle's limit) is decided here, once, for the methods of
    /// this block and of every block that `extends` the handle: `__bridge_call` for a `&self`
    /// or `&mut self` method, with a clone of the state, and `__bridge_run` for an associated
    /// fn (and a constructor, but for a thread-sensitive handle's). `pub(crate)`, since a block
    /// that extends the handle may be in another module.
    fn calls(&self) -> TokenStream {
        let private = self.private();
        let self_ty = self.self_ty;
        let (method, run) = (
            Ident::new("__bridge_call", Span::mixed_site()),
            Ident::new("__bridge_run", Span::mixed_site()),
        );
        let (r, a, f) = (
            Ident::new("__R", Span::mixed_site()),
            Ident::new("__A", Span::mixed_site()),
            Ident::new("__F", Span::mixed_site()),
        );
        let (site, access, job, state) = (
            Ident::new("site", Span::mixed_site()),
            Ident::new("access", Span::mixed_site()),
            Ident::new("job", Span::mixed_site()),
            Ident::new("state", Span::mixed_site()),
        );
        let captures = self.generics.params.iter().filter_map(|param| match param {
            syn::GenericParam::Type(param) => Some(&param.ident),
            syn::GenericParam::Const(param) => Some(&param.ident),
            syn::GenericParam::Lifetime(_) => None,
        });
        let captures: Vec<&Ident> = captures.collect();
        let limit = self.limit();
        // The executor is evaluated on every call, where the call is awaited, as a twin's is.
        let executor = match self.executor() {
            Some(executor) => {
                let span = syn::spanned::Spanned::span(executor);
                quote::quote_spanned!(span=> ::core::option::Option::Some(&#executor))
            }
            None => quote!(::core::option::Option::None::<&#private::DefaultExecutor>),
        };
        let (call, run_call) = match self.mode {
            // The object never leaves its thread, which is the executor; an associated fn has
            // no object, so it runs where a thread-sensitive twin would.
            Mode::Dedicated => (
                quote!(#state.call(#site, #limit, #access)),
                quote!(#private::run_handle_sensitive(#site, #limit, #job)),
            ),
            _ => (
                quote!(#state.call(#site, #limit, #executor, #access)),
                quote!(#private::run_handle(#site, #limit, #executor, #job)),
            ),
        };
        let future = |output: &Ident, param: &Ident| {
            quote! {
                impl ::core::future::Future<Output = #output> + ::core::marker::Send + 'static
                    + use<#output, #param, #(#captures),*>
            }
        };
        let (method_future, run_future) = (future(&r, &a), future(&r, &f));
        quote! {
            #[doc(hidden)]
            #[allow(dead_code, private_bounds, private_interfaces)]
            pub(crate) fn #method<#r, #a>(
                &self,
                #site: &'static #private::CallSite,
                #access: #a,
            ) -> #method_future
            where
                #r: ::core::marker::Send + 'static,
                #a: #private::Access<#self_ty, #r>,
            {
                let #state = ::core::clone::Clone::clone(&self.__bridge_state);
                async move { #call.await }
            }

            #[doc(hidden)]
            #[allow(dead_code, private_bounds, private_interfaces)]
            pub(crate) fn #run<#r, #f>(
                #site: &'static #private::CallSite,
                #job: #f,
            ) -> #run_future
            where
                #r: ::core::marker::Send + 'static,
                #f: ::core::ops::FnOnce() -> #r + ::core::marker::Send + 'static,
            {
                async move { #run_call.await }
            }
        }
    }

    fn accessors(&self) -> TokenStream {
        let krate = self.runtime();
        let private = self.private();
        let self_ty = self.self_ty;
        let handle = self.name.to_string();
        match self.mode {
            Mode::Exclusive | Mode::ReadWrite => {
                let (read, write) = self.guard_docs();
                let panics = GUARD_PANICS;
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
                let doc = self.blocking_with_doc();
                let panics = BLOCKING_WITH_PANICS;
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
}
