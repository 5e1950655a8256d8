//! Code generation, one file per form.

mod async_to_sync;
mod common;
mod handle;
mod sync_only;
mod sync_to_async;
mod trait_twin;

use proc_macro2::TokenStream;
use quote::quote;

use crate::args::{AsyncToSyncOptions, FnOptions, Options, Parsed, SyncOnlyOptions};
use crate::error::Errors;
use crate::item::FnItem;

/// `#[sync_to_async(...)]`: parses the options and the item, then expands it.
pub(crate) fn sync_to_async(attr: TokenStream, item: TokenStream) -> TokenStream {
    if crate::item::is_impl(item.clone()) {
        return handle::expand(attr, item);
    }
    if trait_twin::is_trait(item.clone()) {
        return trait_twin::expand(attr, item);
    }
    entry::<FnOptions>(attr, item, sync_to_async::expand)
}

/// `#[async_to_sync(...)]`: parses the options and the item, then expands it.
pub(crate) fn async_to_sync(attr: TokenStream, item: TokenStream) -> TokenStream {
    entry::<AsyncToSyncOptions>(attr, item, async_to_sync::expand)
}

/// `#[sync_only(...)]`: parses the options and the item, then guards it.
pub(crate) fn sync_only(attr: TokenStream, item: TokenStream) -> TokenStream {
    entry::<SyncOnlyOptions>(attr, item, sync_only::expand)
}

/// Parses the options of the form `T` and the item it is placed on, then hands both, with the
/// errors found so far, to `expand`.
///
/// Every problem found is reported at once. On any error the user's item is still emitted (as
/// written, or as a stub where it cannot be), so one mistake never cascades into "cannot find
/// function" errors at its callers.
fn entry<T: Options>(
    attr: TokenStream,
    item: TokenStream,
    expand: fn(&T, FnItem, TokenStream, Errors) -> TokenStream,
) -> TokenStream {
    let mut errors = Errors::default();
    let Parsed { options, later } = T::parse(attr, &mut errors);
    match FnItem::parse(T::FORM.attribute(), item.clone()) {
        Ok(parsed) => {
            errors.append(later);
            expand(&options, parsed, item, errors)
        }
        Err(error) => {
            errors.push(error);
            let errors = errors.to_compile_errors();
            quote!(#item #errors)
        }
    }
}

#[cfg(test)]
mod snapshots;

#[cfg(test)]
mod robustness;
