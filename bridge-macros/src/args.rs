//! Parsing the options of `#[sync_to_async(...)]`, `#[async_to_sync(...)]` and
//! `#[sync_only(...)]`.
//!
//! Every option is parsed as `key = <expression>` first and its value checked afterwards, so a
//! value of the wrong kind gets a message about that option instead of a parser error, and one
//! bad option does not hide the next.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, ExprLit, ExprPath, Ident, Lit, LitInt, Path, Token};

use crate::error::Errors;

/// Which attribute is being expanded: it decides which options exist and how messages name it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Macro {
    /// `#[sync_to_async]`: an async twin for a sync fn.
    SyncToAsync,
    /// `#[async_to_sync]`: a blocking twin for an async fn.
    AsyncToSync,
    /// `#[sync_only]`: a guard against calls on an async runtime worker thread.
    SyncOnly,
    /// `#[sync_to_async(...)]` on a method inside an `impl` block with
    /// `#[sync_to_async(handle = ...)]`: that method's options.
    Method,
}

impl Macro {
    /// The attribute's name, as users write it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Macro::SyncToAsync => "sync_to_async",
            Macro::AsyncToSync => "async_to_sync",
            Macro::SyncOnly => "sync_only",
            Macro::Method => "sync_to_async",
        }
    }

    /// The options this attribute takes, in the order the docs list them.
    fn options(self) -> &'static [&'static str] {
        match self {
            Macro::SyncToAsync => &[
                "name",
                "thread_sensitive",
                "executor",
                "limit",
                "wraps",
                "handle",
                "concurrent_reads",
                "crate",
            ],
            Macro::AsyncToSync => &["name", "crate"],
            Macro::SyncOnly => &["twin", "crate"],
            Macro::Method => &["name", "limit", "skip"],
        }
    }

    /// A twin name for the examples in messages.
    fn example_name(self) -> &'static str {
        match self {
            Macro::SyncToAsync => "fetch_user_later",
            Macro::AsyncToSync => "fetch_user_sync",
            Macro::SyncOnly => "fetch_user_later",
            Macro::Method => "get_user",
        }
    }

    fn takes(self, option: &str) -> bool {
        self.options().contains(&option)
    }

    fn other(self) -> Macro {
        match self {
            Macro::SyncToAsync => Macro::AsyncToSync,
            Macro::AsyncToSync | Macro::SyncOnly | Macro::Method => Macro::SyncToAsync,
        }
    }
}

/// Options that are flags: written bare, without a value.
const FLAGS: &[&str] = &["thread_sensitive", "concurrent_reads", "skip"];

/// The options of one `#[sync_to_async(...)]` or `#[async_to_sync(...)]`. Options the
/// attribute does not take are reported as unknown and stay `None`.
pub(crate) struct Args {
    /// Which attribute these options belong to.
    pub(crate) kind: Macro,
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
    /// `twin = ident` (`#[sync_only]`): the async twin its panic message points at.
    pub(crate) twin: Option<Ident>,
    /// `handle = Ident`: impl-block mode, the handle's name.
    pub(crate) handle: Option<Ident>,
    /// `concurrent_reads`: a handle's `&self` methods share a read lock.
    pub(crate) concurrent_reads: Option<Ident>,
    /// `skip` (a method's option): no async method for it.
    pub(crate) skip: Option<Ident>,
    /// `wraps` was written, even if its value is invalid, or the options could not be read to
    /// the end. A bodyless fn is then not also told to add `wraps`, which would be a cascade.
    pub(crate) wraps_attempted: bool,
}

impl Args {
    /// Parses the arguments of the attribute `kind`, recording every problem in `errors`.
    pub(crate) fn parse(kind: Macro, tokens: TokenStream, errors: &mut Errors) -> Args {
        let mut args = Args {
            kind,
            name: None,
            limit: None,
            executor: None,
            wraps: None,
            krate: None,
            thread_sensitive: None,
            twin: None,
            handle: None,
            concurrent_reads: None,
            skip: None,
            wraps_attempted: false,
        };
        let parser = |input: ParseStream<'_>| {
            let mut options = Vec::new();
            while !input.is_empty() {
                options.push(Option_::parse(input, kind)?);
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
            }
            syn::Result::Ok(options)
        };
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
        if !self.kind.takes(&name) {
            errors.push_spanned(&key, unknown_option(self.kind, &name));
            return;
        }
        if name == "wraps" {
            self.wraps_attempted = true;
        }
        if name == "thread_sensitive" {
            match value {
                None if self.thread_sensitive.is_some() => {
                    errors.push_spanned(&key, "`thread_sensitive` is set more than once");
                }
                None => {
                    if self.executor.is_some() {
                        errors.push_spanned(&key, SENSITIVE_WITH_EXECUTOR);
                    }
                    self.thread_sensitive = Some(key);
                }
                Some(value) => errors.push_spanned(value, flag_with_value(&name)),
            }
            return;
        }
        if FLAGS.contains(&name.as_str()) {
            let slot = match name.as_str() {
                "concurrent_reads" => &mut self.concurrent_reads,
                _ => &mut self.skip,
            };
            match value {
                None if slot.is_some() => {
                    errors.push_spanned(&key, format!("`{name}` is set more than once"));
                }
                None => *slot = Some(key),
                Some(value) => errors.push_spanned(value, flag_with_value(&name)),
            }
            return;
        }
        let Some(value) = value else {
            errors.push_spanned(&key, missing_value(self.kind, &name));
            return;
        };
        let duplicate = match name.as_str() {
            "name" => set_once(&mut self.name, ident_value(self.kind, &key, value), errors),
            "twin" => set_once(&mut self.twin, ident_value(self.kind, &key, value), errors),
            "limit" => set_once(&mut self.limit, limit_value(&key, value), errors),
            "executor" => {
                let first = self.executor.is_none();
                let duplicate = set_once(&mut self.executor, executor_value(value), errors);
                if first && self.executor.is_some() && self.thread_sensitive.is_some() {
                    errors.push_spanned(&key, SENSITIVE_WITH_EXECUTOR);
                }
                duplicate
            }
            "wraps" => set_once(&mut self.wraps, path_value(&key, value), errors),
            "crate" => set_once(&mut self.krate, crate_value(value), errors),
            "handle" => set_once(&mut self.handle, handle_value(&key, value), errors),
            _ => unreachable!("`{name}` is listed in `Macro::options` but has no setter"),
        };
        if duplicate {
            errors.push_spanned(&key, format!("`{name}` is set more than once"));
        }
    }
}

/// The error for `thread_sensitive` with `executor`, on whichever of the two comes second.
const SENSITIVE_WITH_EXECUTOR: &str = concat!(
    "`thread_sensitive` and `executor` cannot be combined: `thread_sensitive` already chooses ",
    "where calls run (the current scope's thread-sensitive thread); keep one of them. For a ",
    "dedicated thread of your own, use `executor = MY_THREAD` alone, with ",
    "`static MY_THREAD: LazyLock<ThreadSensitive>`",
);

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

/// Misspellings and near-misses of options: what was written, the option meant, and the hint.
const HINTS: &[(&[&str], &str, &str)] = &[
    (
        &["rename", "twin", "async_name", "blocking_name", "sync_name"],
        "name",
        "the twin's name is set with `name = ...`",
    ),
    (
        &["name", "async_twin", "twin_name", "rename"],
        "twin",
        "the async twin that the panic message points at is named with `twin = ...`",
    ),
    (
        &["max_concurrency", "concurrency", "max_in_flight"],
        "limit",
        "concurrency is capped with `limit = N`",
    ),
    (
        &["pool", "executor_pool", "runtime"],
        "executor",
        "the executor is chosen with `executor = ...`",
    ),
    (
        &["wrap", "wrapped", "extern"],
        "wraps",
        "a function you cannot edit is wrapped with `wraps = path`",
    ),
    (
        &["krate", "bridge", "path"],
        "crate",
        "the runtime's path is set with `crate = \"...\"`",
    ),
    (
        &[
            "sensitive",
            "thread_affine",
            "same_thread",
            "thread_sensitive_scope",
        ],
        "thread_sensitive",
        "calls that must share one thread are marked `thread_sensitive`",
    ),
    (
        &["handle_name", "async_handle", "wrapper", "async_type"],
        "handle",
        "an `impl` block's async handle is named with `handle = AsyncName`",
    ),
    (
        &[
            "rwlock",
            "read_write",
            "shared_reads",
            "parallel_reads",
            "concurrent",
        ],
        "concurrent_reads",
        "a handle whose `&self` methods may run at the same time is marked `concurrent_reads`",
    ),
    (
        &[
            "ignore",
            "exclude",
            "omit",
            "skip_method",
            "hidden",
            "sync_only",
        ],
        "skip",
        "a method is left out of the handle with `skip`",
    ),
];

/// Where an option of a handle is written on a method, or a method's option on the `impl`: the
/// hint that says where it goes instead.
fn handle_hint(kind: Macro, name: &str) -> Option<&'static str> {
    match (kind, name) {
        (Macro::Method, "thread_sensitive" | "executor" | "concurrent_reads" | "crate") => Some(
            "it applies to the whole handle: set it in the `#[sync_to_async(handle = ...)]` on \
             the `impl` block; a method takes `name`, `limit` and `skip`",
        ),
        (Macro::Method, "handle") => {
            Some("`handle` goes on the `impl` block; a method takes `name`, `limit` and `skip`")
        }
        (Macro::Method, "wraps") => Some(
            "a method of a handle calls the method it is written on; it takes `name`, `limit` \
             and `skip`",
        ),
        (Macro::SyncToAsync, "skip") => Some(
            "`skip` goes on a method inside an `impl` block with `#[sync_to_async(handle = ...)]`, \
             to leave it out of the handle",
        ),
        _ => None,
    }
}

/// The handle's name: an identifier that is not a path.
fn handle_value(key: &Ident, value: Expr) -> syn::Result<Ident> {
    if let Expr::Path(ExprPath {
        attrs,
        qself: None,
        path,
    }) = &value
        && attrs.is_empty()
        && let Some(ident) = path.get_ident()
    {
        return Ok(ident.clone());
    }
    Err(syn::Error::new_spanned(
        value,
        format!("`{key}` takes the name of the struct to generate, as in `{key} = AsyncStore`"),
    ))
}

fn unknown_option(kind: Macro, name: &str) -> String {
    if let Some(hint) = handle_hint(kind, name) {
        return format!("unknown option `{name}` ({hint})");
    }
    let other = kind.other();
    let near_miss = HINTS
        .iter()
        .find(|(near, meant, _)| near.contains(&name) && kind.takes(meant));
    let hint = if let (Macro::SyncOnly, Some((_, _, hint))) = (kind, near_miss) {
        format!(" ({hint})")
    } else if other.takes(name) {
        format!(" (`{name}` is an option of `#[{}]` only)", other.name())
    } else {
        HINTS
            .iter()
            .find(|(near, meant, _)| near.contains(&name) && kind.takes(meant))
            .map(|(_, _, hint)| format!(" ({hint})"))
            .unwrap_or_default()
    };
    let expected = kind
        .options()
        .iter()
        .map(|option| format!("`{option}`"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("unknown option `{name}`{hint}; expected one of: {expected}")
}

/// The error for a `key` written without `= value`: every option but a flag needs one.
fn missing_value(kind: Macro, name: &str) -> String {
    if !kind.takes(name) {
        return unknown_option(kind, name);
    }
    if FLAGS.contains(&name) {
        return flag_with_value(name);
    }
    match name {
        "name" => format!("`name` needs a value: `name = {}`", kind.example_name()),
        "twin" => format!("`twin` needs a value: `twin = {}`", kind.example_name()),
        "limit" => "`limit` needs a value: `limit = 8`".to_owned(),
        "executor" => "`executor` needs a value: `executor = MY_POOL`".to_owned(),
        "wraps" => "`wraps` needs a value: `wraps = path::to::legacy_fn`".to_owned(),
        "crate" => "`crate` needs a value: `crate = \"::bridge_runtime\"`".to_owned(),
        "handle" => "`handle` needs a value: `handle = AsyncStore`".to_owned(),
        other => format!("`{other}` needs a value"),
    }
}

/// The error for a value given to a flag.
fn flag_with_value(name: &str) -> String {
    format!("`{name}` is a flag and takes no value: write `{name}`")
}

/// One `key = value` pair, or a bare `key` (an error, reported when the option is set, so
/// that the options after it are still read).
struct Option_ {
    key: Ident,
    value: Option<Expr>,
}

impl Option_ {
    fn parse(input: ParseStream<'_>, kind: Macro) -> syn::Result<Self> {
        // `crate` is a keyword, so keys are parsed as any identifier.
        let key = input.call(Ident::parse_any)?;
        if !input.peek(Token![=]) {
            if input.is_empty() || input.peek(Token![,]) {
                return Ok(Option_ { key, value: None });
            }
            let name = key.to_string();
            if kind.takes(&name) && FLAGS.contains(&name.as_str()) {
                // `thread_sensitive true`: the error belongs on what follows the flag.
                let value: proc_macro2::TokenTree = input.parse()?;
                return Err(syn::Error::new_spanned(value, flag_with_value(&name)));
            }
            return Err(syn::Error::new(key.span(), missing_value(kind, &name)));
        }
        input.parse::<Token![=]>()?;
        let value = Some(input.parse()?);
        Ok(Option_ { key, value })
    }
}

fn ident_value(kind: Macro, key: &Ident, value: Expr) -> syn::Result<Ident> {
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
            "`{key}` takes an identifier, as in `{key} = {}` (no quotes, no path)",
            kind.example_name()
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
