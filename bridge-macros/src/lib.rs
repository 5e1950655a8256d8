//! Procedural macros for [bridge](https://docs.rs/bridge-runtime). Depend on `bridge-runtime`,
//! which re-exports them with full documentation; this crate is its implementation detail.

mod args;
mod error;
mod expand;
mod item;
mod signature;

use proc_macro::TokenStream;

/// Adds an async twin to a sync fn. See `bridge_runtime::sync_to_async` for the documentation.
#[proc_macro_attribute]
pub fn sync_to_async(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::sync_to_async(attr.into(), item.into()).into()
}
