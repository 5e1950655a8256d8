//! Parsing the options of `#[sync_to_async(...)]`, `#[async_to_sync(...)]` and
//! `#[sync_only(...)]` into one typed struct per form: [`FnOptions`], [`HandleOptions`],
//! [`MethodOptions`], [`TraitOptions`], [`AsyncToSyncOptions`] and [`SyncOnlyOptions`].
//!
//! Every option is one row of [`OPTIONS`]: its key, the forms that take it, the kind of value
//! it takes, and what to say when it is misspelled or written in the wrong place. The parser
//! reads that table only; each form's struct then takes the values that apply to it, so an
//! option a form does not take has no field to land in. Adding an option is one row here and
//! one field (with the line that takes its value) in the struct of each form that takes it.
//!
//! Every option is parsed as `key = <expression>` first and its value checked afterwards, so a
//! value of the wrong kind gets a message about that option instead of a parser error, and one
//! bad option does not hide the next.

use proc_macro2::TokenStream;
use quote::ToTokens;
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

    /// The items the attribute is written on, each with options of its own.
    fn forms(self) -> &'static [Form] {
        match self {
            Macro::SyncToAsync => &[Form::Fn, Form::Impl, Form::Trait],
            Macro::AsyncToSync => &[Form::AsyncToSync],
            Macro::SyncOnly => &[Form::SyncOnly],
            Macro::Method => &[Form::Method],
        }
    }

    /// The options this attribute takes, in the order the docs list them.
    fn options(self) -> impl Iterator<Item = &'static Spec> {
        OPTIONS
            .iter()
            .filter(move |spec| spec.on.iter().any(|form| self.forms().contains(form)))
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

    /// The row of `option`, if this attribute takes it.
    fn spec(self, option: &str) -> Option<&'static Spec> {
        self.options().find(|spec| spec.key == option)
    }

    fn takes(self, option: &str) -> bool {
        self.spec(option).is_some()
    }

    fn other(self) -> Macro {
        match self {
            Macro::SyncToAsync => Macro::AsyncToSync,
            Macro::AsyncToSync | Macro::SyncOnly | Macro::Method => Macro::SyncToAsync,
        }
    }
}

/// An item an attribute is written on, with the options that apply to it. `#[sync_to_async]`
/// has three: a fn, an `impl` block and a trait. It takes the options of all, and reports one
/// written on another form's item once that item has been read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// `#[sync_to_async]` on a fn or a `wraps = ...` declaration.
    Fn,
    /// `#[sync_to_async(handle = ...)]` on an `impl` block.
    Impl,
    /// `#[sync_to_async(...)]` on a method of such an `impl` block (or of such a trait).
    Method,
    /// `#[sync_to_async(trait = ...)]` on a trait definition.
    Trait,
    /// `#[async_to_sync]`.
    AsyncToSync,
    /// `#[sync_only]`.
    SyncOnly,
}

impl Form {
    /// The attribute written on this form.
    pub(crate) fn attribute(self) -> Macro {
        match self {
            Form::Fn | Form::Impl | Form::Trait => Macro::SyncToAsync,
            Form::Method => Macro::Method,
            Form::AsyncToSync => Macro::AsyncToSync,
            Form::SyncOnly => Macro::SyncOnly,
        }
    }
}

/// The kind of value an option takes, and how it is checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    /// No value: the option is written bare.
    Flag,
    /// An identifier: a twin's or a method's name.
    Ident,
    /// The name of the struct to generate.
    TypeName,
    /// A whole number literal in `1..=usize::MAX >> 3`.
    Limit,
    /// An expression, evaluated where calls are made.
    Executor,
    /// The path of a sync fn.
    FnPath,
    /// A path in a string literal.
    Crate,
}

/// One option: its row of [`OPTIONS`].
struct Spec {
    key: &'static str,
    /// The forms that take it.
    on: &'static [Form],
    kind: ValueKind,
    /// The value in the example of its "needs a value" message; an `Ident` uses the
    /// attribute's example name.
    example: &'static str,
    /// Misspellings and near-misses, and the hint given for them where the option is taken.
    near: &'static [&'static str],
    hint: &'static str,
    /// Written on an attribute that does not take it: the hint that says where it goes instead.
    elsewhere: &'static [(Macro, &'static str)],
    /// Written on the attribute but on the item of another form (see [`Form`]): the error, where
    /// `{value}` stands for the value written.
    misplaced: &'static str,
}

/// The hint for an option of the whole handle written on one of its methods.
const HANDLE_WIDE: &str = "it applies to the whole handle: set it in the \
     `#[sync_to_async(handle = ...)]` on the `impl` block; a method takes `name`, `limit` and \
     `skip`";

/// Every option, in the order the docs (and messages) list them.
const OPTIONS: &[Spec] = &[
    Spec {
        key: "name",
        on: &[Form::Fn, Form::Method, Form::AsyncToSync],
        kind: ValueKind::Ident,
        example: "",
        near: &["rename", "twin", "async_name", "blocking_name", "sync_name"],
        hint: "the twin's name is set with `name = ...`",
        elsewhere: &[],
        misplaced: "`name` names the twin of a fn; the methods of a handle keep their names, and \
             one is renamed with `#[sync_to_async(name = ...)]` on the method itself",
    },
    Spec {
        key: "twin",
        on: &[Form::SyncOnly],
        kind: ValueKind::Ident,
        example: "",
        near: &["name", "async_twin", "twin_name", "rename"],
        hint: "the async twin that the panic message points at is named with `twin = ...`",
        elsewhere: &[],
        misplaced: "",
    },
    Spec {
        key: "thread_sensitive",
        on: &[Form::Fn, Form::Impl],
        kind: ValueKind::Flag,
        example: "",
        near: &[
            "sensitive",
            "thread_affine",
            "same_thread",
            "thread_sensitive_scope",
        ],
        hint: "calls that must share one thread are marked `thread_sensitive`",
        elsewhere: &[(Macro::Method, HANDLE_WIDE)],
        misplaced: "",
    },
    Spec {
        key: "executor",
        on: &[Form::Fn, Form::Impl, Form::Trait],
        kind: ValueKind::Executor,
        example: "MY_POOL",
        near: &["pool", "executor_pool", "runtime"],
        hint: "the executor is chosen with `executor = ...`",
        elsewhere: &[(Macro::Method, HANDLE_WIDE)],
        misplaced: "",
    },
    Spec {
        key: "limit",
        on: &[Form::Fn, Form::Impl, Form::Method, Form::Trait],
        kind: ValueKind::Limit,
        example: "8",
        near: &["max_concurrency", "concurrency", "max_in_flight"],
        hint: "concurrency is capped with `limit = N`",
        elsewhere: &[],
        misplaced: "",
    },
    Spec {
        key: "skip",
        on: &[Form::Method],
        kind: ValueKind::Flag,
        example: "",
        near: &[
            "ignore",
            "exclude",
            "omit",
            "skip_method",
            "hidden",
            "sync_only",
        ],
        hint: "a method is left out of the handle with `skip`",
        elsewhere: &[(
            Macro::SyncToAsync,
            "`skip` goes on a method inside an `impl` block with \
             `#[sync_to_async(handle = ...)]`, to leave it out of the handle",
        )],
        misplaced: "",
    },
    Spec {
        key: "wraps",
        on: &[Form::Fn],
        kind: ValueKind::FnPath,
        example: "path::to::legacy_fn",
        near: &["wrap", "wrapped", "extern"],
        hint: "a function you cannot edit is wrapped with `wraps = path`",
        elsewhere: &[(
            Macro::Method,
            "a method of a handle calls the method it is written on; it takes `name`, `limit` \
             and `skip`",
        )],
        misplaced: "`wraps` declares an async fn for a fn defined elsewhere; on an `impl` block, \
             the handle calls the methods written in it, so remove `wraps`",
    },
    Spec {
        key: "handle",
        on: &[Form::Impl, Form::Trait],
        kind: ValueKind::TypeName,
        example: "AsyncStore",
        near: &["handle_name", "async_handle", "wrapper", "async_type"],
        hint: "an `impl` block's async handle is named with `handle = AsyncName`",
        elsewhere: &[(
            Macro::Method,
            "`handle` goes on the `impl` block; a method takes `name`, `limit` and `skip`",
        )],
        misplaced: "`handle = {value}` makes an async handle for an object, so it goes on the \
             object's `impl` block: `#[sync_to_async(handle = {value})] impl Store { ... }`",
    },
    Spec {
        key: "extends",
        on: &[Form::Impl],
        kind: ValueKind::TypeName,
        example: "AsyncStore",
        near: &["extend", "handle_of", "add_to", "more_methods"],
        hint: "another `impl` block of the same type adds methods to its handle with \
             `extends = AsyncStore`",
        elsewhere: &[(
            Macro::Method,
            "`extends` goes on an `impl` block, to add its methods to a handle made by another \
             block; a method takes `name`, `limit` and `skip`",
        )],
        misplaced: "`extends = {value}` adds the methods of an `impl` block to the handle another \
             block of the same type makes, so it goes on an `impl` block: \
             `#[sync_to_async(extends = {value})] impl Store { ... }`",
    },
    Spec {
        key: "concurrent_reads",
        on: &[Form::Impl],
        kind: ValueKind::Flag,
        example: "",
        near: &[
            "rwlock",
            "read_write",
            "shared_reads",
            "parallel_reads",
            "concurrent",
        ],
        hint: "a handle whose `&self` methods may run at the same time is marked \
             `concurrent_reads`",
        elsewhere: &[(Macro::Method, HANDLE_WIDE)],
        misplaced: "`concurrent_reads` is an option of an async handle, on an `impl` block with \
             `#[sync_to_async(handle = ...)]`",
    },
    Spec {
        key: "trait",
        on: &[Form::Trait],
        kind: ValueKind::TypeName,
        example: "AsyncRepository",
        near: &["async_trait", "trait_name", "as_trait", "interface"],
        hint: "a trait's async counterpart is named with `trait = AsyncName`",
        elsewhere: &[(
            Macro::Method,
            "`trait` goes on the trait definition; a method takes `name`, `limit` and `skip`",
        )],
        misplaced: "`trait = {value}` makes an async counterpart of a legacy trait, so it goes on \
             the trait's definition: `#[sync_to_async(trait = {value})] pub trait Repository { \
             ... }`",
    },
    Spec {
        key: "crate",
        on: &[
            Form::Fn,
            Form::Impl,
            Form::Trait,
            Form::AsyncToSync,
            Form::SyncOnly,
        ],
        kind: ValueKind::Crate,
        example: "\"::bridge_runtime\"",
        near: &["krate", "bridge", "path"],
        hint: "the runtime's path is set with `crate = \"...\"`",
        elsewhere: &[(Macro::Method, HANDLE_WIDE)],
        misplaced: "",
    },
];

/// Options that cannot be written together: the error, on whichever of the two comes second.
const CONFLICTS: &[(&str, &str, &str)] =
    &[("thread_sensitive", "executor", SENSITIVE_WITH_EXECUTOR)];

/// The error for `thread_sensitive` with `executor`, on whichever of the two comes second.
const SENSITIVE_WITH_EXECUTOR: &str = concat!(
    "`thread_sensitive` and `executor` cannot be combined: `thread_sensitive` already chooses ",
    "where calls run (the current scope's thread-sensitive thread); keep one of them. For a ",
    "dedicated thread of your own, use `executor = MY_THREAD` alone, with ",
    "`static MY_THREAD: LazyLock<ThreadSensitive>`",
);

/// The typed options of one form.
pub(crate) trait Options: Sized {
    /// The form these options are written on.
    const FORM: Form;

    /// Takes the values that apply to this form. Errors about how they fit together go to
    /// `later` (see [`Parsed::later`]).
    fn take(given: &mut Given, later: &mut Errors) -> Self;

    /// Parses the options of this form, recording every problem found in the options
    /// themselves in `errors`.
    fn parse(tokens: TokenStream, errors: &mut Errors) -> Parsed<Self> {
        let mut given = Given::parse(Self::FORM.attribute(), tokens, errors);
        let mut later = Errors::default();
        for (spec, slot) in OPTIONS.iter().zip(&given.slots) {
            if let Some(value) = slot
                && !spec.on.contains(&Self::FORM)
            {
                let written = value.to_token_stream().to_string();
                let message = match Self::FORM {
                    Form::Trait => misplaced_on_trait(spec.key),
                    _ => spec.misplaced.replace("{value}", &written),
                };
                later.push_spanned(value, message);
            }
        }
        let options = Self::take(&mut given, &mut later);
        Parsed { options, later }
    }
}

/// The error for an option of `#[sync_to_async]` that a trait does not take.
fn misplaced_on_trait(key: &str) -> String {
    let why = match key {
        "name" => {
            "the async trait's methods keep their names; one is renamed with \
             `#[sync_to_async(name = ...)]` on the method itself"
        }
        "wraps" => "the async trait calls the methods the legacy trait declares",
        _ => "a trait's handle runs one call at a time on a blocking thread",
    };
    let takes = Macro::SyncToAsync
        .options()
        .filter(|spec| spec.on.contains(&Form::Trait))
        .map(|spec| format!("`{}`", spec.key))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "`{key}` is not an option of an async trait ({why}); on a trait, `#[sync_to_async]` takes \
         {takes}"
    )
}

/// The options of one form, and the errors to report once its item has been read.
pub(crate) struct Parsed<T> {
    pub(crate) options: T,
    /// Errors about options that the attribute takes but its item does not (`handle` on a fn,
    /// `name` on an `impl` block) or that do not fit together there. They are reported with the
    /// checks of the item, after it is read, and not at all if it cannot be.
    pub(crate) later: Errors,
}

/// The path of the runtime crate: `crate = "..."`, or `::bridge_runtime`.
fn runtime(given: &mut Given) -> Path {
    given
        .path("crate")
        .unwrap_or_else(|| syn::parse_quote!(::bridge_runtime))
}

/// `#[sync_to_async]` on a fn, or on a bodyless declaration with `wraps = path`.
pub(crate) struct FnOptions {
    /// `name = ident`: the twin's name.
    pub(crate) name: Option<Ident>,
    /// `thread_sensitive` or `executor = EXPR`: where calls run.
    pub(crate) target: Target,
    /// `limit = N`: at most N calls in flight.
    pub(crate) limit: Option<LitInt>,
    /// `wraps = path`: declaration mode.
    pub(crate) wraps: Option<Path>,
    /// `wraps` was written, even if its value is invalid, or the options could not be read to
    /// the end. A bodyless fn is then not also told to add `wraps`, which would be a cascade.
    pub(crate) wraps_attempted: bool,
    /// `crate = "path"`: where `bridge_runtime` lives.
    pub(crate) runtime: Path,
}

/// Where a twin's calls run.
pub(crate) enum Target {
    /// tokio's blocking pool.
    Default,
    /// `thread_sensitive`: the current scope's thread-sensitive thread.
    ThreadSensitive,
    /// `executor = EXPR`.
    Executor(Expr),
}

impl Options for FnOptions {
    const FORM: Form = Form::Fn;

    fn take(given: &mut Given, _: &mut Errors) -> Self {
        let thread_sensitive = given.flag("thread_sensitive");
        // Both together are an error, reported as they are parsed.
        let target = match (given.expr("executor"), thread_sensitive) {
            (Some(executor), _) => Target::Executor(executor),
            (None, Some(_)) => Target::ThreadSensitive,
            (None, None) => Target::Default,
        };
        FnOptions {
            name: given.ident("name"),
            target,
            limit: given.limit("limit"),
            wraps_attempted: given.written("wraps") || !given.complete,
            wraps: given.path("wraps"),
            runtime: runtime(given),
        }
    }
}

/// `#[sync_to_async(handle = ...)]` on an `impl` block.
pub(crate) struct HandleOptions {
    /// `handle = Ident`: the handle's name (required; its absence is reported with the checks of
    /// the `impl` block).
    pub(crate) handle: Option<Ident>,
    /// `extends = Ident`: the block adds its methods to the handle another `impl` block of the
    /// same type makes with `handle = Ident`; the handle-wide options are that block's.
    pub(crate) extends: Option<Ident>,
    /// How the handle holds its object and where its calls run.
    pub(crate) sharing: Sharing,
    /// `limit = N`: at most N calls of the handle in flight.
    pub(crate) limit: Option<LitInt>,
    /// `crate = "path"`: where `bridge_runtime` lives.
    pub(crate) runtime: Path,
}

/// How a handle holds its object, and where its calls run.
pub(crate) enum Sharing {
    /// An async mutex: every call alone, on `executor = EXPR` or tokio's blocking pool.
    Exclusive { executor: Option<Expr> },
    /// `concurrent_reads`: an async read-write lock.
    ReadWrite { executor: Option<Expr> },
    /// `thread_sensitive`: the object lives on a dedicated thread, which runs its calls.
    Dedicated,
}

impl Options for HandleOptions {
    const FORM: Form = Form::Impl;

    fn take(given: &mut Given, later: &mut Errors) -> Self {
        let thread_sensitive = given.flag("thread_sensitive");
        let concurrent_reads = given.flag("concurrent_reads");
        let executor = given.expr("executor");
        if let (Some(flag), Some(_)) = (&concurrent_reads, &thread_sensitive) {
            later.push_spanned(
                flag,
                "`concurrent_reads` and `thread_sensitive` cannot be combined: a \
                 thread-sensitive object lives on one thread, which runs its calls one after the \
                 other; keep one of them",
            );
        }
        // With `thread_sensitive`, `executor` is an error, reported as it is parsed.
        let sharing = match (&thread_sensitive, &concurrent_reads) {
            (Some(_), _) => Sharing::Dedicated,
            (None, Some(_)) => Sharing::ReadWrite { executor },
            (None, None) => Sharing::Exclusive { executor },
        };
        let handle = given.ident("handle");
        let limit = given.limit("limit");
        let extends = given.ident("extends");
        if let Some(extended) = &extends {
            // What the handle is and how it runs its calls is set once, where it is made.
            let sharing = match &sharing {
                Sharing::Exclusive { executor } | Sharing::ReadWrite { executor } => executor
                    .as_ref()
                    .map(|executor| ("executor", executor.to_token_stream())),
                Sharing::Dedicated => None,
            };
            let misplaced = [
                handle.as_ref().map(|h| ("handle", h.to_token_stream())),
                thread_sensitive
                    .as_ref()
                    .map(|f| ("thread_sensitive", f.to_token_stream())),
                concurrent_reads
                    .as_ref()
                    .map(|f| ("concurrent_reads", f.to_token_stream())),
                sharing,
                limit.as_ref().map(|l| ("limit", l.to_token_stream())),
            ];
            for (key, tokens) in misplaced.into_iter().flatten() {
                let message = if key == "handle" {
                    format!(
                        "`handle` and `extends` cannot be combined: `handle = ...` makes a \
                         handle, and `extends = {extended}` adds this block's methods to the \
                         one another `impl` block makes; keep one of them"
                    )
                } else {
                    format!(
                        "`{key}` belongs to the block that makes the handle, in its \
                         `#[sync_to_async(handle = {extended}, ...)]`: it applies to every \
                         method of `{extended}`, and a block with `extends = {extended}` only \
                         adds methods to it; remove `{key}` here"
                    )
                };
                later.push_spanned(tokens, message);
            }
        }
        HandleOptions {
            handle,
            extends,
            sharing,
            limit,
            runtime: runtime(given),
        }
    }
}

/// `#[sync_to_async(...)]` on a method of an `impl` block with `#[sync_to_async(handle = ...)]`.
pub(crate) enum MethodOptions {
    /// `skip`: no async method for it.
    Skip,
    /// An async method, even if the method is not `pub`.
    Bridge {
        /// `name = ident`: the async method's name.
        name: Option<Ident>,
        /// `limit = N`: at most N calls of this method in flight.
        limit: Option<LitInt>,
    },
}

impl Options for MethodOptions {
    const FORM: Form = Form::Method;

    fn take(given: &mut Given, later: &mut Errors) -> Self {
        let name = given.ident("name");
        let limit = given.limit("limit");
        let Some(skip) = given.flag("skip") else {
            return MethodOptions::Bridge { name, limit };
        };
        let options = [
            name.as_ref().map(ToTokens::to_token_stream),
            limit.as_ref().map(ToTokens::to_token_stream),
        ];
        for option in options.into_iter().flatten() {
            later.push_spanned(
                option,
                format!(
                    "`{skip}` leaves this method out of the handle, so there is nothing for this \
                     option to apply to; remove one of them"
                ),
            );
        }
        MethodOptions::Skip
    }
}

/// `#[sync_to_async(trait = ...)]` on a trait definition.
pub(crate) struct TraitOptions {
    /// `trait = Ident`: the async trait's name (required; its absence is reported with the checks
    /// of the trait).
    pub(crate) name: Option<Ident>,
    /// `handle = Ident`: the name of the handle that implements the async trait for any object
    /// of the legacy one; `{name}Handle` by default.
    pub(crate) handle: Option<Ident>,
    /// `executor = EXPR`: where the handle's calls run.
    pub(crate) executor: Option<Expr>,
    /// `limit = N`: at most N calls of the handle's methods in flight, over all its objects.
    pub(crate) limit: Option<LitInt>,
    /// `crate = "path"`: where `bridge_runtime` lives.
    pub(crate) runtime: Path,
}

impl Options for TraitOptions {
    const FORM: Form = Form::Trait;

    fn take(given: &mut Given, _: &mut Errors) -> Self {
        TraitOptions {
            name: given.ident("trait"),
            handle: given.ident("handle"),
            executor: given.expr("executor"),
            limit: given.limit("limit"),
            runtime: runtime(given),
        }
    }
}

/// `#[async_to_sync]`.
pub(crate) struct AsyncToSyncOptions {
    /// `name = ident`: the twin's name.
    pub(crate) name: Option<Ident>,
    /// `crate = "path"`: where `bridge_runtime` lives.
    pub(crate) runtime: Path,
}

impl Options for AsyncToSyncOptions {
    const FORM: Form = Form::AsyncToSync;

    fn take(given: &mut Given, _: &mut Errors) -> Self {
        AsyncToSyncOptions {
            name: given.ident("name"),
            runtime: runtime(given),
        }
    }
}

/// `#[sync_only]`.
pub(crate) struct SyncOnlyOptions {
    /// `twin = ident`: the async twin its panic message points at.
    pub(crate) twin: Option<Ident>,
    /// `crate = "path"`: where `bridge_runtime` lives.
    pub(crate) runtime: Path,
}

impl Options for SyncOnlyOptions {
    const FORM: Form = Form::SyncOnly;

    fn take(given: &mut Given, _: &mut Errors) -> Self {
        SyncOnlyOptions {
            twin: given.ident("twin"),
            runtime: runtime(given),
        }
    }
}

/// A checked value.
enum Value {
    /// A flag: its key.
    Flag(Ident),
    Ident(Ident),
    Limit(LitInt),
    Expr(Expr),
    Path(Path),
}

impl ToTokens for Value {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Value::Flag(ident) | Value::Ident(ident) => ident.to_tokens(tokens),
            Value::Limit(lit) => lit.to_tokens(tokens),
            Value::Expr(expr) => expr.to_tokens(tokens),
            Value::Path(path) => path.to_tokens(tokens),
        }
    }
}

/// The options of one attribute as written: the first valid value of each row of
/// [`OPTIONS`], whether it was written at all, and whether they could be read to the end.
pub(crate) struct Given {
    kind: Macro,
    slots: Vec<Option<Value>>,
    written: Vec<bool>,
    complete: bool,
}

impl Given {
    /// Parses the arguments of the attribute `kind`, recording every problem in `errors`.
    fn parse(kind: Macro, tokens: TokenStream, errors: &mut Errors) -> Given {
        let mut given = Given {
            kind,
            slots: OPTIONS.iter().map(|_| None).collect(),
            written: vec![false; OPTIONS.len()],
            complete: true,
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
                .for_each(|option| given.set(option, errors)),
            Err(error) => {
                given.complete = false;
                errors.push(error);
            }
        }
        given
    }

    fn index(key: &str) -> usize {
        OPTIONS
            .iter()
            .position(|spec| spec.key == key)
            .unwrap_or_else(|| panic!("`{key}` has no row in `OPTIONS`"))
    }

    fn set(&mut self, Option_ { key, value }: Option_, errors: &mut Errors) {
        let name = key.to_string();
        let Some(spec) = self.kind.spec(&name) else {
            errors.push_spanned(&key, unknown_option(self.kind, &name));
            return;
        };
        let index = Given::index(spec.key);
        self.written[index] = true;
        let value = match (spec.kind, value) {
            (ValueKind::Flag, None) => Ok(Value::Flag(key.clone())),
            (ValueKind::Flag, Some(value)) => {
                errors.push_spanned(value, flag_with_value(&name));
                return;
            }
            (_, None) => {
                errors.push_spanned(&key, missing_value(self.kind, &name));
                return;
            }
            (kind, Some(value)) => check_value(self.kind, kind, &key, value),
        };
        match value {
            Ok(_) if self.slots[index].is_some() => {
                errors.push_spanned(&key, format!("`{name}` is set more than once"));
            }
            Ok(value) => {
                for (a, b, message) in CONFLICTS {
                    let other = match &*name {
                        name if name == *a => b,
                        name if name == *b => a,
                        _ => continue,
                    };
                    if self.slots[Given::index(other)].is_some() {
                        errors.push_spanned(&key, message);
                    }
                }
                self.slots[index] = Some(value);
            }
            Err(error) => errors.push(error),
        }
    }

    /// Whether `key` was written, even without a valid value.
    fn written(&self, key: &str) -> bool {
        self.written[Given::index(key)]
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.slots[Given::index(key)].take()
    }

    fn flag(&mut self, key: &str) -> Option<Ident> {
        self.take(key).map(|value| match value {
            Value::Flag(ident) => ident,
            _ => unreachable!("`{key}` is not a flag"),
        })
    }

    fn ident(&mut self, key: &str) -> Option<Ident> {
        self.take(key).map(|value| match value {
            Value::Ident(ident) => ident,
            _ => unreachable!("`{key}` does not take an identifier"),
        })
    }

    fn limit(&mut self, key: &str) -> Option<LitInt> {
        self.take(key).map(|value| match value {
            Value::Limit(lit) => lit,
            _ => unreachable!("`{key}` does not take a limit"),
        })
    }

    fn expr(&mut self, key: &str) -> Option<Expr> {
        self.take(key).map(|value| match value {
            Value::Expr(expr) => expr,
            _ => unreachable!("`{key}` does not take an expression"),
        })
    }

    fn path(&mut self, key: &str) -> Option<Path> {
        self.take(key).map(|value| match value {
            Value::Path(path) => path,
            _ => unreachable!("`{key}` does not take a path"),
        })
    }
}

/// Checks the value of an option that takes one.
fn check_value(attr: Macro, kind: ValueKind, key: &Ident, value: Expr) -> syn::Result<Value> {
    match kind {
        ValueKind::Flag => unreachable!("a flag takes no value"),
        ValueKind::Ident => ident_value(attr, key, value).map(Value::Ident),
        ValueKind::TypeName => handle_value(key, value).map(Value::Ident),
        ValueKind::Limit => limit_value(key, value).map(Value::Limit),
        ValueKind::Executor => executor_value(value).map(Value::Expr),
        ValueKind::FnPath => path_value(key, value).map(Value::Path),
        ValueKind::Crate => crate_value(value).map(Value::Path),
    }
}

/// The keywords that parse as a path of one identifier, and so could pass for a name.
const PATH_KEYWORDS: [&str; 4] = ["self", "Self", "super", "crate"];

/// The error for a keyword given to `key`, which takes a name.
fn keyword_as_name(key: &Ident, keyword: &Ident, kind: Macro) -> syn::Error {
    let (named, example) = match (key.to_string().as_str(), kind) {
        ("handle", _) => ("the handle's name", "AsyncStore"),
        ("trait", _) => ("the async trait's name", "AsyncRepository"),
        ("extends", _) => ("the name of the handle it extends", "AsyncStore"),
        (_, Macro::Method) => ("the async method's name", kind.example_name()),
        _ => ("the twin's name", kind.example_name()),
    };
    syn::Error::new(
        keyword.span(),
        format!(
            "`{keyword}` is a keyword and cannot be {named}: choose another, as in \
             `{key} = {example}`"
        ),
    )
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
        if PATH_KEYWORDS.contains(&ident.to_string().as_str()) {
            return Err(keyword_as_name(key, ident, Macro::SyncToAsync));
        }
        return Ok(ident.clone());
    }
    let message = if key == "trait" {
        format!("`{key}` takes the name of the trait to generate, as in `{key} = AsyncRepository`")
    } else if key == "extends" {
        format!(
            "`{key}` takes the name of the handle another `impl` block makes, as in \
             `{key} = AsyncStore` (no quotes, no path)"
        )
    } else {
        format!("`{key}` takes the name of the struct to generate, as in `{key} = AsyncStore`")
    };
    Err(syn::Error::new_spanned(value, message))
}

fn unknown_option(kind: Macro, name: &str) -> String {
    let elsewhere = OPTIONS
        .iter()
        .filter(|spec| spec.key == name)
        .flat_map(|spec| spec.elsewhere)
        .find(|(attr, _)| *attr == kind);
    if let Some((_, hint)) = elsewhere {
        return format!("unknown option `{name}` ({hint})");
    }
    let other = kind.other();
    let near_miss = kind
        .options()
        .find(|spec| spec.near.contains(&name))
        .map(|spec| format!(" ({})", spec.hint));
    let hint = match near_miss {
        Some(hint) if kind == Macro::SyncOnly => hint,
        _ if other.takes(name) => {
            format!(" (`{name}` is an option of `#[{}]` only)", other.name())
        }
        near_miss => near_miss.unwrap_or_default(),
    };
    let expected = kind
        .options()
        .map(|spec| format!("`{}`", spec.key))
        .collect::<Vec<_>>()
        .join(", ");
    format!("unknown option `{name}`{hint}; expected one of: {expected}")
}

/// The error for a `key` written without `= value`: every option but a flag needs one.
fn missing_value(kind: Macro, name: &str) -> String {
    let Some(spec) = kind.spec(name) else {
        return unknown_option(kind, name);
    };
    let example = match spec.kind {
        ValueKind::Flag => return flag_with_value(name),
        ValueKind::Ident => kind.example_name(),
        _ => spec.example,
    };
    format!("`{name}` needs a value: `{name} = {example}`")
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
            if kind
                .spec(&name)
                .is_some_and(|spec| spec.kind == ValueKind::Flag)
            {
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
                if PATH_KEYWORDS.contains(&ident.to_string().as_str()) {
                    return Err(keyword_as_name(key, ident, kind));
                }
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
    if let Some(closure) = closure_in(&value) {
        return Err(syn::Error::new_spanned(
            closure,
            "`executor` takes a value that implements `bridge_runtime::Executor`, not a closure: \
             give the closure's body to a type, as in `impl Executor for Rayon { fn execute(&self, \
             job: Job) { rayon::spawn(move || job.run()) } }`, and write `executor = &Rayon`",
        ));
    }
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

/// The closure `value` is, behind `&` and parentheses, if it is one.
fn closure_in(value: &Expr) -> Option<&syn::ExprClosure> {
    match value {
        Expr::Closure(closure) => Some(closure),
        Expr::Paren(paren) => closure_in(&paren.expr),
        Expr::Group(group) => closure_in(&group.expr),
        Expr::Reference(reference) => closure_in(&reference.expr),
        _ => None,
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
    let path = lit.parse_with(Path::parse_mod_style).map_err(|_| {
        syn::Error::new(
            lit.span(),
            format!(
                "`{}` is not a path; `crate` names where bridge_runtime lives, as in \
                 `crate = \"::bridge_runtime\"` or `crate = \"my_deps::bridge\"`",
                lit.value()
            ),
        )
    })?;
    // `crate`, `self` or `super` alone names a module of this crate, not the runtime: every
    // path generated from it would fail, each with an error of its own.
    if let Some(ident) = path.get_ident()
        && PATH_KEYWORDS.contains(&ident.to_string().as_str())
    {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`crate = \"{ident}\"` names a module of this crate, not bridge_runtime: \
                 `crate` takes the path of bridge_runtime itself or of a re-export of it, as \
                 in `crate = \"::bridge_runtime\"` or `crate = \"crate::deps::bridge\"` \
                 (with `pub use bridge_runtime as bridge;` in `crate::deps`)"
            ),
        ));
    }
    Ok(path)
}
