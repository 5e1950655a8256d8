//! The attributes never panic, whatever they are given, and what they emit for an item that is
//! valid Rust is valid Rust too (an error is a `compile_error!` beside the item, never a
//! token soup that would bury it under parse errors).
//!
//! Two generated corpora, the same at every run (a fixed seed): every combination of a few
//! hundred parameter, return, qualifier and option forms, which valid legacy code writes; and
//! random mutations of those items (tokens dropped, repeated, swapped or replaced), which reach
//! the parse errors. Each input goes to all three attributes.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proc_macro2::TokenStream;

/// Parameter types, plain and borrowed, that legacy fns take.
const PARAMS: &[&str] = &[
    "u64",
    "&str",
    "&mut Vec<u8>",
    "&[u8]",
    "&[&str]",
    "Option<&str>",
    "&Option<String>",
    "(&str, u32)",
    "Cow<'_, str>",
    "std::borrow::Cow<'a, [u8]>",
    "impl AsRef<Path>",
    "impl Into<String> + Send",
    "impl Fn(u8) -> u8",
    "&dyn Fn()",
    "Box<dyn FnMut() + Send>",
    "Box<dyn std::error::Error>",
    "P",
    "&P",
    "&'static str",
    "&'a T",
    "Self",
    "&Self",
    "[u8; 4]",
    "[&str; 2]",
    "Vec<Option<&str>>",
    "HashMap<&str, u8>",
    "fn(&str) -> usize",
    "*const u8",
    "Vec<&'a str>",
    "Parser<'a>",
    "!",
    "_",
];

/// Return types.
const RETURNS: &[&str] = &[
    "",
    "-> u64",
    "-> &str",
    "-> &'static str",
    "-> Result<Vec<u8>, Box<dyn Error>>",
    "-> Result<(), Box<dyn std::error::Error + Send + Sync>>",
    "-> std::io::Result<String>",
    "-> impl Iterator<Item = u8>",
    "-> Self",
    "-> Option<&'a T>",
    "-> !",
    "-> (u8, &str)",
    "-> Box<dyn Fn()>",
];

/// What comes before `fn`, with the generics after its name.
const HEADERS: &[(&str, &str)] = &[
    ("pub", ""),
    ("", "<'a>"),
    ("pub(crate) unsafe", "<P: AsRef<Path>>"),
    ("pub", "<P: AsRef<Path> + ?Sized>"),
    ("async", "<T: Clone>"),
    ("const", "<'a, T, const N: usize>"),
    ("extern \"C\"", ""),
    ("pub", "<S> where S: Into<String>"),
];

/// Options of the three attributes, valid and not.
const OPTIONS: &[&str] = &[
    "",
    "name = fetch_later",
    "name = self",
    "limit = 4",
    "limit = 0",
    "limit = -1",
    "thread_sensitive",
    "thread_sensitive, executor = POOL",
    "executor = |j| j.run()",
    "executor = &POOL, limit = 2",
    "wraps = std::fs::read",
    "handle = AsyncStore",
    "extends = AsyncStore",
    "trait = AsyncRepo",
    "crate = \"crate\"",
    "crate = ::bridge_runtime",
    "twin = fetch_async",
    "skip",
    "name",
    "name =",
    "= 3",
    "limit = 4, limit = 5",
    "concurrent_reads",
    "unknown = 1",
];

/// Whole items besides fns: blocks, traits and declarations.
const ITEMS: &[&str] = &[
    "impl Store { pub fn new() -> Self { Store } pub fn get(&self, id: u64) -> Option<String> { None } }",
    "impl Store { pub fn put(&mut self, key: &str, value: Vec<u8>) {} fn private(&self) {} }",
    "impl<T: Send> Store<T> { pub fn len(&self) -> usize { 0 } }",
    "impl<'a> Parser<'a> { pub fn next(&mut self) -> Option<&'a str> { None } }",
    "impl Display for Store { fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result { Ok(()) } }",
    "impl Connection { pub fn execute(&self, sql: &str) -> usize; pub fn close(self); }",
    "impl Store { #[sync_to_async(skip)] pub fn a(&self) {} #[sync_to_async(name = b2)] pub fn b(&self) {} }",
    "impl Store { pub async fn a(&self) {} pub const fn b() -> u8 { 0 } pub unsafe fn c(&self) {} }",
    "trait Repository { fn get(&self, id: u64) -> Option<User>; fn put(&mut self, user: User); }",
    "pub trait Repo: Send { fn find<T>(&self, id: T) -> bool; const N: usize; type Item; }",
    "trait Empty {}",
    "pub fn declared(path: &str) -> std::io::Result<String>;",
    "struct NotAFn;",
    "mod m {}",
];

/// A fixed-seed xorshift generator: the corpus is the same at every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n as u64).unwrap_or(0)
    }
}

/// The fns of the first corpus: each parameter type with each return type, and each header
/// with a few parameter lists.
fn fns() -> Vec<String> {
    let mut fns = Vec::new();
    for (index, param) in PARAMS.iter().enumerate() {
        for ret in RETURNS {
            let (qualifiers, generics) = HEADERS[index % HEADERS.len()];
            fns.push(format!(
                "{qualifiers} fn fetch{generics}(id: u64, arg: {param}) {ret} {{ loop {{}} }}"
            ));
        }
    }
    for (qualifiers, generics) in HEADERS {
        for params in [
            "",
            "self",
            "&self, x: &str",
            "mut a: u8, (b, c): (u8, u8)",
            "_: &str",
        ] {
            fns.push(format!("{qualifiers} fn fetch{generics}({params}) {{}}"));
        }
    }
    fns
}

/// One attribute's expansion, from its options and its item.
type Expander = fn(TokenStream, TokenStream) -> TokenStream;

/// Expands `item` with `options` under each attribute; panics (failing the test) with the input
/// if an expansion panics or emits invalid Rust for a valid item. Returns whether the item was
/// valid (its output checked as Rust).
fn check(options: &str, item: &str) -> bool {
    let (Ok(attr), Ok(tokens)) = (options.parse::<TokenStream>(), item.parse::<TokenStream>())
    else {
        return false;
    };
    let valid = syn::parse2::<syn::Item>(tokens.clone()).is_ok()
        // A fn without a body, which syn reads as verbatim tokens.
        && !item.trim_end().ends_with(';');
    let expanders: [(&str, Expander); 3] = [
        ("sync_to_async", super::sync_to_async),
        ("async_to_sync", super::async_to_sync),
        ("sync_only", super::sync_only),
    ];
    for (name, expand) in expanders {
        let expanded = catch_unwind(AssertUnwindSafe(|| expand(attr.clone(), tokens.clone())));
        let expanded = expanded.unwrap_or_else(|_| {
            panic!("#[{name}({options})] panicked on: {item}");
        });
        if valid && let Err(error) = syn::parse2::<syn::File>(expanded.clone()) {
            panic!(
                "#[{name}({options})] on a valid item emitted invalid Rust ({error}): {item}\n\
                 {expanded}"
            );
        }
    }
    valid
}

#[test]
fn every_combination_expands_without_panic_to_valid_rust() {
    let mut items = fns();
    items.extend(ITEMS.iter().map(|&item| item.to_owned()));
    let (mut cases, mut valid) = (0, 0);
    for item in &items {
        for options in OPTIONS {
            valid += usize::from(check(options, item));
            cases += 1;
        }
    }
    assert!(
        cases > 4_000 && valid > 3_000,
        "{valid} valid of {cases} cases"
    );
}

#[test]
fn mutated_items_expand_without_panic() {
    let mut items = fns();
    items.extend(ITEMS.iter().map(|&item| item.to_owned()));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Tokens to splice in: the delimiters and punctuation a parser trips on.
    let splices: Vec<&str> =
        "& 'a mut < > :: , ; -> ! ? dyn impl self Self fn ( ) [ ] { } = # async"
            .split(' ')
            .collect();
    let mut lexed = 0;
    for _ in 0..3_000 {
        let item = &items[rng.below(items.len())];
        let options = OPTIONS[rng.below(OPTIONS.len())];
        // The item's tokens as printed (delimiters apart), mutated as words.
        let Ok(printed) = item.parse::<TokenStream>().map(|tokens| tokens.to_string()) else {
            continue;
        };
        let mut words: Vec<&str> = printed.split_whitespace().collect();
        for _ in 0..=rng.below(3) {
            if words.is_empty() {
                break;
            }
            let at = rng.below(words.len());
            match rng.below(4) {
                0 => {
                    words.remove(at);
                }
                1 => words.insert(at, words[at]),
                2 => {
                    let other = rng.below(words.len());
                    words.swap(at, other);
                }
                _ => words[at] = splices[rng.below(splices.len())],
            }
        }
        let mutated = words.join(" ");
        // Unbalanced delimiters do not lex, and never reach an attribute.
        lexed += usize::from(mutated.parse::<TokenStream>().is_ok());
        check(options, &mutated);
    }
    assert!(lexed > 1_000, "only {lexed} mutated items lexed");
}
