//! Code generation, one file per form.

mod twin;

use proc_macro2::TokenStream;
use quote::quote;

use crate::args::Args;
use crate::error::Errors;
use crate::item::FnItem;

/// `#[sync_to_async(...)]`: parses the options and the item, then expands it.
///
/// Every problem found is reported at once. On any error the user's item is still emitted (as
/// written, or as a stub for a declaration), so one mistake never cascades into "cannot find
/// function" errors at its callers.
pub(crate) fn sync_to_async(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = Args::parse(attr, &mut errors);
    match FnItem::parse(item.clone()) {
        Ok(parsed) => twin::expand(&args, parsed, item, errors),
        Err(error) => {
            errors.push(error);
            let errors = errors.to_compile_errors();
            quote!(#item #errors)
        }
    }
}

#[cfg(test)]
mod snapshots;
