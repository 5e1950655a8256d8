//! The item an attribute is placed on.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Item, Safety, Signature, Token, Visibility};

use crate::args::Macro;

/// A `fn`, with a body or as a bodyless declaration (`fn f(x: u32) -> u32;`).
///
/// The body is kept as the user's tokens: the macro never looks inside it.
pub(crate) struct FnItem {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    pub(crate) body: Body,
}

pub(crate) enum Body {
    Block(Group),
    Semi(Token![;]),
}

impl FnItem {
    /// Parses `tokens`, which `kind` is placed on, as a fn. Anything else is an error that names
    /// what it is.
    pub(crate) fn parse(kind: Macro, tokens: TokenStream) -> syn::Result<FnItem> {
        let result = parse_fn.parse2(tokens.clone());
        match result {
            Err(_) => {
                // `safe fn` is only valid in an `extern` block, which no twin can go in.
                if let Ok(foreign) = syn::parse2::<syn::ForeignItemFn>(tokens.clone())
                    && let Safety::Safe(safe) = &foreign.sig.safety
                {
                    return Err(syn::Error::new_spanned(
                        safe,
                        in_extern_block(kind, &foreign.sig),
                    ));
                }
                match syn::parse2::<Item>(tokens) {
                    Ok(item) if !matches!(item, Item::Fn(_) | Item::Verbatim(_)) => {
                        Err(not_a_fn(kind, &item))
                    }
                    _ => result,
                }
            }
            ok => ok,
        }
    }
}

/// Whether `tokens` are an `impl` block: `#[sync_to_async]` then makes an async handle. Only
/// the head is looked at, so a fn's body is never parsed.
pub(crate) fn is_impl(tokens: TokenStream) -> bool {
    let head = |input: ParseStream<'_>| {
        input.call(Attribute::parse_outer)?;
        input.parse::<Option<Token![default]>>()?;
        input.parse::<Option<Token![unsafe]>>()?;
        let is_impl = input.peek(Token![impl]);
        input.parse::<TokenStream>()?;
        Ok(is_impl)
    };
    head.parse2(tokens).unwrap_or(false)
}

fn parse_fn(input: ParseStream<'_>) -> syn::Result<FnItem> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis = input.parse()?;
    let sig = input.parse()?;
    let body = if input.peek(Token![;]) {
        Body::Semi(input.parse()?)
    } else {
        input.step(|cursor| match cursor.token_tree() {
            Some((TokenTree::Group(group), rest)) if group.delimiter() == Delimiter::Brace => {
                Ok((Body::Block(group), rest))
            }
            _ => Err(cursor.error("expected the fn's body `{ ... }`, or `;` for a declaration")),
        })?
    };
    Ok(FnItem {
        attrs,
        vis,
        sig,
        body,
    })
}

/// The error for an attribute on a fn declared in an `extern` block.
pub(crate) fn in_extern_block(kind: Macro, sig: &Signature) -> String {
    match kind {
        Macro::SyncToAsync | Macro::Method => crate::context::extern_block_message(sig, None),
        Macro::AsyncToSync | Macro::SyncOnly => format!(
            "`#[{}]` goes on a Rust fn with a body, not on a foreign fn declared in an `extern` \
             block",
            kind.name()
        ),
    }
}

fn not_a_fn(kind: Macro, item: &Item) -> syn::Error {
    let (what_kind, what): (&str, &dyn ToTokens) = match item {
        Item::Const(i) => ("a `const`", &i.const_token),
        Item::Enum(i) => ("an `enum`", &i.enum_token),
        Item::ExternCrate(i) => ("an `extern crate`", &i.extern_token),
        Item::ForeignMod(i) => ("an `extern` block", &i.abi),
        Item::Impl(i) => ("an `impl` block", &i.impl_token),
        Item::Macro(i) => ("a macro invocation", &i.mac.path),
        Item::Mod(i) => ("a `mod`", &i.mod_token),
        Item::Static(i) => ("a `static`", &i.static_token),
        Item::Struct(i) => ("a `struct`", &i.struct_token),
        Item::Trait(i) => ("a `trait`", &i.trait_token),
        Item::TraitAlias(i) => ("a trait alias", &i.trait_token),
        Item::Type(i) => ("a `type` alias", &i.type_token),
        Item::Union(i) => ("a `union`", &i.union_token),
        Item::Use(i) => ("a `use`", &i.use_token),
        other => ("this item", other),
    };
    let message = match kind {
        Macro::SyncToAsync | Macro::Method => format!(
            "`#[sync_to_async]` goes on a sync `fn` (or on a bodyless `fn` declaration with \
             `wraps = path`, or on an `impl` block with `handle = AsyncName`), not on {what_kind}"
        ),
        Macro::AsyncToSync if matches!(item, Item::Impl(_)) => format!(
            "`#[async_to_sync]` goes on an `async fn`, not on {what_kind}: put it on each async \
             method that needs a blocking twin"
        ),
        Macro::AsyncToSync => {
            format!("`#[async_to_sync]` goes on an `async fn` or async method, not on {what_kind}")
        }
        Macro::SyncOnly => format!(
            "`#[sync_only]` goes on a sync `fn` or method with a body, not on {what_kind}: put it \
             on each fn that must not run on an async runtime worker thread"
        ),
    };
    syn::Error::new_spanned(what, message)
}
