//! Parsing the options of `#[sync_to_async(...)]`.
//!
//! Every option is parsed as `key = <expression>` first and its value checked afterwards, so a
//! value of the wrong kind gets a message about that option instead of a parser error, and one
//! bad option does not hide the next.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, ExprPath, Ident, Lit, LitInt, Path, Token};

use crate::error::Errors;

/// The options of one `#[sync_to_async(...)]`.
#[derive(Default)]
pub(crate) struct Args {
    /// `name = ident`: the twin's name.
    pub(crate) name: Option<Ident>,
    /// `limit = N`: at most N calls in flight.
    pub(crate) limit: Option<LitInt>,
    /// `executor = EXPR`: where calls run.
    pub(crate) executor: Option<Expr>,
    /// `wraps = path`: declaration mode.
    pub(crate) wraps: Option<Path>,
    /// `crate = "path"`: where `bridge_runtime` lives.
    pub(crate) krate: Option<Path>,
    /// `thread_sensitive`: run on the thread-sensitive executor.
    pub(crate) thread_sensitive: Option<Ident>,
    /// `wraps` was written, even if its value is invalid, or the options could not be read to
    /// the end. A bodyless fn is then not also told to add `wraps`, which would be a cascade.
    pub(crate) wraps_attempted: bool,
}

const OPTIONS: &str = "`name`, `thread_sensitive`, `executor`, `limit`, `wraps`, `crate`";

impl Args {
    /// Parses the attribute's arguments, recording every problem in `errors`.
    pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
        let mut args = Args::default();
        let parser =
            |input: ParseStream<'_>| Punctuated::<Option_, Token![,]>::parse_terminated(input);
        match parser.parse2(tokens) {
            Ok(options) => options
                .into_iter()
                .for_each(|option| args.set(option, errors)),
            Err(error) => {
                args.wraps_attempted = true;
                errors.push(error);
            }
        }
        args
    }

    /// The path of the runtime crate: `crate = "..."`, or `::bridge_runtime`.
    pub(crate) fn runtime(&self) -> Path {
        self.krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::bridge_runtime))
    }

    fn set(&mut self, Option_ { key, value }: Option_, errors: &mut Errors) {
        let name = key.to_string();
        if name == "wraps" {
            self.wraps_attempted = true;
        }
        if name == "thread_sensitive" {
            match value {
                None if self.thread_sensitive.is_some() => {
                    errors.push_spanned(&key, "`thread_sensitive` is set more than once");
                }
                None => self.thread_sensitive = Some(key),
                Some(value) => errors.push_spanned(
                    value,
                    "`thread_sensitive` is a flag and takes no value: write `thread_sensitive`",
                ),
            }
            return;
        }
        let Some(value) = value else {
            errors.push_spanned(&key, missing_value(&name));
            return;
        };
        let duplicate = match name.as_str() {
            "name" => set_once(&mut self.name, ident_value(&key, value), errors),
            "limit" => set_once(&mut self.limit, limit_value(&key, value), errors),
            "executor" => set_once(&mut self.executor, executor_value(value), errors),
            "wraps" => set_once(&mut self.wraps, path_value(&key, value), errors),
            "crate" => set_once(&mut self.krate, crate_value(value), errors),
            _ => {
                errors.push_spanned(&key, unknown_option(&name));
                false
            }
        };
        if duplicate {
            errors.push_spanned(&key, format!("`{name}` is set more than once"));
        }
    }
}

/// Stores `value` unless the option was already set; returns whether it was.
fn set_once<T>(slot: &mut Option<T>, value: syn::Result<T>, errors: &mut Errors) -> bool {
    match value {
        Ok(_) if slot.is_some() => true,
        Ok(value) => {
            *slot = Some(value);
            false
        }
        Err(error) => {
            errors.push(error);
            false
        }
    }
}

fn unknown_option(name: &str) -> String {
    let hint = match name {
        "rename" | "twin" | "async_name" => " (the twin's name is set with `name = ...`)",
        "max_concurrency" | "concurrency" | "max_in_flight" => {
            " (concurrency is capped with `limit = N`)"
        }
        "pool" | "executor_pool" | "runtime" => " (the executor is chosen with `executor = ...`)",
        "wrap" | "wrapped" | "extern" => {
            " (a function you cannot edit is wrapped with `wraps = path`)"
        }
        "krate" | "bridge" | "path" => " (the runtime's path is set with `crate = \"...\"`)",
        "sensitive" | "thread_affine" | "same_thread" | "thread_sensitive_scope" => {
            " (calls that must share one thread are marked `thread_sensitive`)"
        }
        _ => "",
    };
    format!("unknown option `{name}`{hint}; expected one of: {OPTIONS}")
}

/// The error for a bare `key` (every option takes a value).
fn missing_value(name: &str) -> String {
    match name {
        "name" => "`name` needs a value: `name = fetch_user_later`".to_owned(),
        "limit" => "`limit` needs a value: `limit = 8`".to_owned(),
        "executor" => "`executor` needs a value: `executor = MY_POOL`".to_owned(),
        "wraps" => "`wraps` needs a value: `wraps = path::to::legacy_fn`".to_owned(),
        "crate" => "`crate` needs a value: `crate = \"::bridge_runtime\"`".to_owned(),
        other => unknown_option(other),
    }
}

/// One `key = value` pair, or a bare `key` (an error, reported when the option is set, so
/// that the options after it are still read).
struct Option_ {
    key: Ident,
    value: Option<Expr>,
}

impl syn::parse::Parse for Option_ {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `crate` is a keyword, so keys are parsed as any identifier.
        let key = input.call(Ident::parse_any)?;
        if !input.peek(Token![=]) {
            if input.is_empty() || input.peek(Token![,]) {
                return Ok(Option_ { key, value: None });
            }
            return Err(syn::Error::new(key.span(), missing_value(&key.to_string())));
        }
        input.parse::<Token![=]>()?;
        let value = Some(input.parse()?);
        Ok(Option_ { key, value })
    }
}

fn ident_value(key: &Ident, value: Expr) -> syn::Result<Ident> {
    match &value {
        Expr::Path(ExprPath {
            attrs,
            qself: None,
            path,
        }) if attrs.is_empty() => {
            if let Some(ident) = path.get_ident() {
                return Ok(ident.clone());
            }
        }
        _ => {}
    }
    Err(syn::Error::new_spanned(
        value,
        format!(
            "`{key}` takes an identifier, as in `{key} = fetch_user_later` (no quotes, no path)"
        ),
    ))
}

fn limit_value(key: &Ident, value: Expr) -> syn::Result<LitInt> {
    let Expr::Lit(ExprLit {
        lit: Lit::Int(lit), ..
    }) = &value
    else {
        return Err(syn::Error::new_spanned(
            value,
            format!("`{key}` takes a whole number literal, as in `{key} = 8`"),
        ));
    };
    match lit.base10_parse::<usize>() {
        Ok(0) => Err(syn::Error::new_spanned(
            lit,
            "`limit = 0` would never let a call run; the smallest limit is 1",
        )),
        Ok(n) if n <= usize::MAX >> 3 => Ok(lit.clone()),
        _ => Err(syn::Error::new_spanned(
            lit,
            "this limit is too large; leave `limit` out for no limit",
        )),
    }
}

fn executor_value(value: Expr) -> syn::Result<Expr> {
    match &value {
        // Unlike `crate = "..."`, the executor is an expression, not a string.
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Err(syn::Error::new(
            lit.span(),
            format!(
                "`executor` takes the executor itself, not a string: `executor = {}`",
                lit.value()
            ),
        )),
        _ => Ok(value),
    }
}

fn path_value(key: &Ident, value: Expr) -> syn::Result<Path> {
    match value {
        Expr::Path(ExprPath {
            attrs,
            qself: None,
            path,
        }) if attrs.is_empty() => Ok(path),
        other => Err(syn::Error::new_spanned(
            other,
            format!(
                "`{key}` takes the path of the sync fn to wrap, as in `{key} = legacy::files::read_avatar`"
            ),
        )),
    }
}

fn crate_value(value: Expr) -> syn::Result<Path> {
    let Expr::Lit(ExprLit {
        lit: Lit::Str(lit), ..
    }) = &value
    else {
        return Err(syn::Error::new_spanned(
            value,
            "`crate` takes a path in a string literal, as in `crate = \"::bridge_runtime\"`",
        ));
    };
    lit.parse_with(Path::parse_mod_style).map_err(|_| {
        syn::Error::new(
            lit.span(),
            format!(
                "`{}` is not a path; `crate` names where bridge_runtime lives, as in \
                 `crate = \"::bridge_runtime\"` or `crate = \"my_deps::bridge\"`",
                lit.value()
            ),
        )
    })
}
