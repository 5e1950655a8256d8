//! Where the fn an attribute is written on sits: in a module (or a fn body), an inherent `impl`
//! block, a trait impl, a trait or an `extern` block.
//!
//! An attribute sees only its own item, and `fn open(path: &str) -> Db;` reads the same in all
//! of these places, but its twin must not: in an `impl` block it is an associated fn that calls
//! `Self::open`, in a trait impl or an `extern` block there is no place for it at all. When the
//! compiler says where the attribute is written (a file on disk, a line and a column), the
//! source is read up to that point and the innermost `{ ... }` around it is classified by its
//! header (`impl Db`, `impl Trait for Db`, `trait Repo`, `extern "C"`). Otherwise (an item made
//! by a procedural macro, an IDE's expansion, the unit tests) the context is
//! [`Context::Unknown`], and the item's own signature decides (see `expand/sync_to_async.rs`).
//!
//! The scan only tells braces apart from comments, strings and character literals; it never
//! parses Rust, and any doubt reads as [`Context::Unknown`] or [`Context::Module`].

use quote::ToTokens;
use syn::ext::IdentExt;

/// Where an item sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    /// The source could not be read: decide from the item alone.
    Unknown,
    /// A module, a fn body, a block or anything else that holds free items.
    Module,
    /// An inherent `impl` block, with the last identifier of its type's path (`Db` for
    /// `impl<T> db::Db<T>`) when it could be read, the names of the block's type and const
    /// parameters (`["T", "N"]`), which a twin's `use<..>` must list, and of its type
    /// parameters alone (`["T"]`), which a twin's future may need `Send + 'static`.
    Impl {
        type_name: Option<String>,
        params: Vec<String>,
        type_params: Vec<String>,
    },
    /// `impl Trait for Type`.
    TraitImpl,
    /// `trait Name { ... }`.
    Trait,
    /// `extern "C" { ... }`.
    Extern,
}

/// The context of the attribute being expanded, from its call site.
pub(crate) fn of_call_site() -> Context {
    if !proc_macro::is_available() {
        return Context::Unknown;
    }
    let span = proc_macro::Span::call_site();
    let Some(path) = span.local_file() else {
        return Context::Unknown;
    };
    match std::fs::read_to_string(path) {
        Ok(source) => classify(&source, span.line(), span.column()),
        Err(_) => Context::Unknown,
    }
}

/// The items of the module the attribute being expanded is written in (its file, or the
/// `mod name { ... }` blocks around it), parsed from the source, if `worth_it` says the source
/// may hold what is looked for: for the checks that need the item's neighbours (a twin's name
/// already taken, a handle made twice, an alias). Parsing is the cost (a file with hundreds of
/// attributes would be parsed once per attribute), so `worth_it` looks at the text first, and a
/// check that finds nothing there costs one read of the file. `None` where the source cannot
/// be read or parsed, where the attribute is in a fn body, in any block other than a module or
/// in a macro's arguments, and where a module on the way has a twin of the same name
/// (`#[cfg]`'d alternatives).
pub(crate) fn module_items(worth_it: impl Fn(&str) -> bool) -> Option<Vec<syn::Item>> {
    if !proc_macro::is_available() {
        return None;
    }
    let span = proc_macro::Span::call_site();
    let source = std::fs::read_to_string(span.local_file()?).ok()?;
    if !worth_it(&source) {
        return None;
    }
    items_at(&source, span.line(), span.column())
}

/// How many times `source` holds `words` one after another, as separate tokens (whitespace
/// between them or not, nothing else; the last not followed by an identifier character):
/// `occurrences(source, &["handle", "=", "AsyncStore"])`. A cheap look at the text before
/// [`module_items`] parses it.
pub(crate) fn occurrences(source: &str, words: &[&str]) -> usize {
    let Some((first, rest)) = words.split_first() else {
        return 0;
    };
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    source
        .match_indices(first)
        .filter(|(at, _)| !source[..*at].ends_with(ident))
        .filter(|(at, _)| {
            let mut tail = &source[at + first.len()..];
            for word in rest {
                tail = tail.trim_start();
                match tail.strip_prefix(word) {
                    Some(after) => tail = after,
                    None => return false,
                }
            }
            !tail.starts_with(ident)
        })
        .count()
}

/// `#[cfg(..)]` or `#[cfg_attr(..)]`: on a neighbour read from the source, an item that may not
/// be there, or not as written, which the checks leave to rustc.
pub(crate) fn conditional(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr")
}

/// The items of the module around `line`, `column` of `source` (see [`module_items`]).
fn items_at(source: &str, line: usize, column: usize) -> Option<Vec<syn::Item>> {
    let offset = offset_of(source, line, column)?;
    let path = enclosing_headers(&source[..offset])?
        .iter()
        .map(|header| module_name(header))
        .collect::<Option<Vec<String>>>()?;
    let mut items = syn::parse_file(source).ok()?.items;
    for name in path {
        let mut modules = items.into_iter().filter_map(|item| match item {
            syn::Item::Mod(module) if module.ident.unraw() == name => {
                module.content.map(|(_, items)| items)
            }
            _ => None,
        });
        let module = modules.next()?;
        if modules.next().is_some() {
            return None;
        }
        items = module;
    }
    Some(items)
}

/// The name of the module a block with this header is (`pub(crate) mod db`), if it is one.
fn module_name(header: &str) -> Option<String> {
    let tokens = without_attributes(tokens(header));
    match without_qualifiers(&tokens) {
        [Token::Word(word), Token::Word(name)] if word == "mod" => Some(name.clone()),
        _ => None,
    }
}

/// The context of the position `line`, `column` (both 1-based; the column in characters) of
/// `source`.
pub(crate) fn classify(source: &str, line: usize, column: usize) -> Context {
    let Some(offset) = offset_of(source, line, column) else {
        return Context::Unknown;
    };
    match enclosing_headers(&source[..offset]) {
        Some(headers) => headers
            .last()
            .map_or(Context::Module, |header| of_header(header)),
        None => Context::Unknown,
    }
}

/// The byte offset of `line`, `column` in `source`, clamped to the end of the line.
fn offset_of(source: &str, line: usize, column: usize) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += source[start..].find('\n')? + 1;
    }
    let text = &source[start..];
    let line_len = text.find('\n').unwrap_or(text.len());
    let within = text[..line_len]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_len, |(index, _)| index);
    Some(start + within)
}

/// The headers of the `{ ... }` blocks still open at the end of `text`, outermost first: what
/// was written since the end of the previous item or statement, comments left out and strings
/// emptied. `None` if `text` ends inside a comment or a literal, or inside a `( ... )` or
/// `[ ... ]` (the arguments of a macro, whose expansion may put the item anywhere).
///
/// A brace opened where an expression goes (`impl Buf<{ 2 * 2 }>`, after `<`, `,`, `=`, `(` or
/// `[`) is a block inside the header, which goes on after it. A first line `#!...` (not `#![`)
/// is a shebang, not code.
fn enclosing_headers(text: &str) -> Option<Vec<String>> {
    let text = match text.strip_prefix("#!") {
        Some(rest) if !rest.trim_start().starts_with('[') => {
            &text[text.find('\n').unwrap_or(text.len())..]
        }
        _ => text,
    };
    let chars: Vec<char> = text.chars().collect();
    let mut open: Vec<String> = Vec::new();
    let mut header = String::new();
    // `(` and `[` open in the header: a `;` inside them (`[u8; 4]`) does not end it.
    let mut nested = 0usize;
    // The `(` and `[` still open, braces or not: the end of `text` inside one is in a macro's
    // arguments (or an expression), where no item's place can be told.
    let mut groups = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if next == Some('*') => {
                let mut depth = 0usize;
                loop {
                    match (chars.get(i), chars.get(i + 1)) {
                        (Some('/'), Some('*')) => {
                            depth += 1;
                            i += 2;
                        }
                        (Some('*'), Some('/')) => {
                            depth -= 1;
                            i += 2;
                            if depth == 0 {
                                break;
                            }
                        }
                        (Some(_), _) => i += 1,
                        (None, _) => return None,
                    }
                }
                header.push(' ');
                continue;
            }
            '"' => {
                i = skip_string(&chars, i + 1)?;
                header.push_str("\"\"");
                continue;
            }
            'r' if raw_string_hashes(&chars, i + 1).is_some() => {
                let hashes = raw_string_hashes(&chars, i + 1).unwrap_or_default();
                i = skip_raw_string(&chars, i + 2 + hashes, hashes)?;
                header.push_str("\"\"");
                continue;
            }
            '\'' => {
                match (next, chars.get(i + 2)) {
                    (Some('\\'), _) => {
                        // An escaped character literal: `'\''`, `'\n'`, `'\u{7b}'`.
                        i += 3;
                        while chars.get(i).is_some_and(|&c| c != '\'') {
                            i += 1;
                        }
                        if i >= chars.len() {
                            return None;
                        }
                        i += 1;
                    }
                    (Some(_), Some('\'')) => i += 3,
                    // A lifetime or a label.
                    _ => {
                        header.push(c);
                        i += 1;
                    }
                }
                continue;
            }
            '{' => {
                open.push(std::mem::take(&mut header));
                nested = 0;
            }
            '}' => {
                let closed = open.pop().unwrap_or_default();
                header.clear();
                nested = 0;
                // A block in an expression's place: the header it was in goes on.
                if closed.trim_end().ends_with(['<', ',', '=', '(', '[']) {
                    header = closed;
                    header.push_str("{}");
                }
            }
            ';' if nested == 0 => header.clear(),
            '(' | '[' => {
                nested += 1;
                groups += 1;
                header.push(c);
            }
            ')' | ']' => {
                nested = nested.saturating_sub(1);
                groups = groups.saturating_sub(1);
                header.push(c);
            }
            _ => header.push(c),
        }
        i += 1;
    }
    (groups == 0).then_some(open)
}

/// Skips a string whose body starts at `i`; returns the index after its closing quote.
fn skip_string(chars: &[char], mut i: usize) -> Option<usize> {
    loop {
        match chars.get(i)? {
            '\\' => i += 2,
            '"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The number of `#` of a raw string whose `r` is just before `i` (`r"`, `r#"`), if it is one.
fn raw_string_hashes(chars: &[char], i: usize) -> Option<usize> {
    let hashes = chars[i.min(chars.len())..]
        .iter()
        .take_while(|&&c| c == '#')
        .count();
    (chars.get(i + hashes) == Some(&'"')).then_some(hashes)
}

/// Skips a raw string whose body starts at `i`; returns the index after its end.
fn skip_raw_string(chars: &[char], mut i: usize, hashes: usize) -> Option<usize> {
    loop {
        if *chars.get(i)? == '"' && (1..=hashes).all(|offset| chars.get(i + offset) == Some(&'#')) {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
}

/// One token of a header: a word (identifier, keyword or lifetime) or a punctuation character.
#[derive(Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Punct(char),
    /// `->` or `=>`, which contain no angle bracket.
    Arrow,
}

fn tokens(header: &str) -> Vec<Token> {
    let chars: Vec<char> = header.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' || c == '\'' {
            let start = i;
            i += 1;
            while chars
                .get(i)
                .is_some_and(|&c| c.is_alphanumeric() || c == '_')
            {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
        } else if (c == '-' || c == '=') && chars.get(i + 1) == Some(&'>') {
            tokens.push(Token::Arrow);
            i += 2;
        } else {
            tokens.push(Token::Punct(c));
            i += 1;
        }
    }
    tokens
}

/// What a block whose header is `header` holds.
fn of_header(header: &str) -> Context {
    let tokens = without_attributes(tokens(header));
    match without_qualifiers(&tokens) {
        [Token::Word(word), after @ ..] if word == "impl" => of_impl(after),
        [Token::Word(word), ..] if word == "trait" => Context::Trait,
        // `extern { ... }` or `extern "C" { ... }` (a string is emptied to `""`), not a fn.
        [Token::Word(word), after @ ..]
            if word == "extern" && after.iter().all(|token| matches!(token, Token::Punct('"'))) =>
        {
            Context::Extern
        }
        _ => Context::Module,
    }
}

/// `tokens` after a visibility and the qualifiers of an item (`pub(crate) unsafe`).
fn without_qualifiers(tokens: &[Token]) -> &[Token] {
    let mut rest = tokens;
    if let [Token::Word(word), after @ ..] = rest
        && word == "pub"
    {
        rest = after;
        if let [Token::Punct('('), ..] = rest {
            rest = skip_group(rest, '(', ')');
        }
    }
    while let [Token::Word(word), after @ ..] = rest
        && ["unsafe", "default", "auto"].contains(&word.as_str())
    {
        rest = after;
    }
    rest
}

/// An `impl` block, from what follows `impl`: a trait impl has a `for` outside brackets before
/// its where-clause; an inherent impl's type name is the last identifier of its path.
fn of_impl(mut rest: &[Token]) -> Context {
    let mut declared = Vec::new();
    if let [Token::Punct('<'), ..] = rest {
        let after = skip_group(rest, '<', '>');
        declared = generic_params(&rest[1..rest.len() - after.len()]);
        rest = after;
    }
    let params = declared.iter().map(|(name, _)| name.clone()).collect();
    let type_params = declared
        .into_iter()
        .filter_map(|(name, constant)| (!constant).then_some(name))
        .collect();
    let mut depth = 0usize;
    let mut type_name = None;
    for (index, token) in rest.iter().enumerate() {
        match token {
            Token::Punct('<' | '(' | '[') => depth += 1,
            Token::Punct('>' | ')' | ']') => depth = depth.saturating_sub(1),
            Token::Word(word) if depth == 0 && word == "where" => break,
            // `for<'a>` is a higher-ranked bound, not a trait impl's `for`.
            Token::Word(word)
                if depth == 0
                    && word == "for"
                    && !matches!(rest.get(index + 1), Some(Token::Punct('<'))) =>
            {
                return Context::TraitImpl;
            }
            Token::Word(word) if depth == 0 && !word.starts_with('\'') && word != "dyn" => {
                type_name = Some(word.clone());
            }
            _ => {}
        }
    }
    Context::Impl {
        type_name,
        params,
        type_params,
    }
}

/// The names of the type and const parameters declared by `tokens`, what follows the `<` of
/// an `impl<..>` (up to its `>`): the first word of each parameter, lifetimes left out, each
/// with whether it is a const parameter.
fn generic_params(tokens: &[Token]) -> Vec<(String, bool)> {
    let mut params = Vec::new();
    let mut depth = 0usize;
    let mut at_start = true;
    let mut constant = false;
    for token in tokens {
        match token {
            Token::Punct('<' | '(' | '[') => depth += 1,
            Token::Punct('>' | ')' | ']') => depth = depth.saturating_sub(1),
            Token::Punct(',') if depth == 0 => {
                at_start = true;
                constant = false;
                continue;
            }
            // `const N: usize`: the name is the next word.
            Token::Word(word) if at_start && word == "const" => {
                constant = true;
                continue;
            }
            Token::Word(word) if at_start && !word.starts_with('\'') => {
                params.push((word.clone(), constant));
            }
            _ => {}
        }
        at_start = false;
    }
    params
}

/// `tokens` without the attributes `#[...]` and `#![...]` written in them.
fn without_attributes(tokens: Vec<Token>) -> Vec<Token> {
    let mut kept = Vec::new();
    let mut rest = tokens.as_slice();
    while let [first, after @ ..] = rest {
        match (first, after) {
            (Token::Punct('#'), [Token::Punct('['), ..]) => rest = skip_group(after, '[', ']'),
            (Token::Punct('#'), [Token::Punct('!'), tail @ ..])
                if matches!(tail.first(), Some(Token::Punct('['))) =>
            {
                rest = skip_group(tail, '[', ']');
            }
            (token, after) => {
                kept.push(match token {
                    Token::Word(word) => Token::Word(word.clone()),
                    Token::Punct(c) => Token::Punct(*c),
                    Token::Arrow => Token::Arrow,
                });
                rest = after;
            }
        }
    }
    kept
}

/// `tokens` after the group that `tokens` starts with (`open` ... the matching `close`).
fn skip_group(tokens: &[Token], open: char, close: char) -> &[Token] {
    let mut depth = 0usize;
    for (index, token) in tokens.iter().enumerate() {
        match token {
            Token::Punct(c) if *c == open => depth += 1,
            Token::Punct(c) if *c == close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return &tokens[index + 1..];
                }
            }
            _ => {}
        }
    }
    &[]
}

/// The error for a fn declared in an `extern` block, which can hold no Rust fn: it says how to
/// declare the async version after the block (`wraps`: the declaration's own `wraps = ..`).
pub(crate) fn extern_block_message(sig: &syn::Signature, wraps: Option<&syn::Path>) -> String {
    let name = sig.ident.unraw();
    let output = match &sig.output {
        syn::ReturnType::Default => String::new(),
        syn::ReturnType::Type(_, ty) => format!(" -> {}", ty.to_token_stream()),
    };
    // A foreign fn is `unsafe` to call unless the block declares it `safe`.
    let safety = match sig.safety {
        syn::Safety::Safe(_) => "",
        _ => "unsafe ",
    };
    match wraps {
        Some(wraps) => format!(
            "an `extern` block declares foreign fns and cannot hold the async fn `{name}`: move \
             this declaration after the block, as `#[sync_to_async(wraps = {})] pub {safety}fn \
             {name}(..){output};`",
            wraps.to_token_stream().to_string().replace(' ', "")
        ),
        None => format!(
            "an `extern` block declares foreign fns and cannot hold the twin of `{name}`: \
             declare the async version after the block, with the parameters of `{name}`: \
             `#[sync_to_async(wraps = {name})] pub {safety}fn {name}_async(..){output};`"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{Context, classify, items_at};

    /// The line and column of the `#[here]` in `source`.
    fn marker(source: &str) -> (usize, usize) {
        let offset = source.find("#[here]").expect("a marker");
        let line = source[..offset].matches('\n').count() + 1;
        let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
        (line, source[line_start..offset].chars().count() + 1)
    }

    /// The context of the `#[here]` in `source`.
    fn at_marker(source: &str) -> Context {
        let (line, column) = marker(source);
        classify(source, line, column)
    }

    /// The names of the fns and `impl` types of the module around the `#[here]` in `source`.
    fn neighbours(source: &str) -> Option<Vec<String>> {
        let (line, column) = marker(source);
        let items = items_at(source, line, column)?;
        Some(
            items
                .iter()
                .filter_map(|item| match item {
                    syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
                    syn::Item::Impl(block) => {
                        Some(quote::ToTokens::to_token_stream(&block.self_ty).to_string())
                    }
                    _ => None,
                })
                .collect(),
        )
    }

    #[test]
    fn module_items() {
        let names = |names: &[&str]| Some(names.iter().map(|&n| n.to_owned()).collect());
        assert_eq!(
            neighbours("fn a() {}\n#[here]\nfn b() {}\nmod m { fn c() {} }"),
            names(&["a", "b"])
        );
        assert_eq!(
            neighbours(
                "fn a() {}\n#[cfg(test)]\npub(crate) mod m {\n    mod n { fn d() {} }\n    \
                 #[here]\n    fn c() {}\n    impl Db {}\n}"
            ),
            names(&["c", "Db"])
        );
        // A fn body, an `impl` block: not a module.
        assert_eq!(neighbours("fn a() {\n    #[here]\n    fn b() {}\n}"), None);
        assert_eq!(neighbours("impl Db {\n    #[here]\n    fn b() {}\n}"), None);
        // Two modules of one name (`#[cfg]`'d alternatives): not judged.
        assert_eq!(
            neighbours("mod m { fn a() {} }\nmod m {\n#[here]\nfn b() {}\n}"),
            None
        );
        // A file that does not parse.
        assert_eq!(neighbours("fn a( {}\n#[here]\nfn b() {}"), None);
    }

    fn impl_of(name: &str) -> Context {
        impl_with(name, &[])
    }

    fn impl_with(name: &str, params: &[&str]) -> Context {
        impl_with_consts(name, params, &[])
    }

    fn impl_with_consts(name: &str, params: &[&str], consts: &[&str]) -> Context {
        Context::Impl {
            type_name: Some(name.to_owned()),
            params: params.iter().map(|&param| param.to_owned()).collect(),
            type_params: params
                .iter()
                .filter(|param| !consts.contains(param))
                .map(|&param| param.to_owned())
                .collect(),
        }
    }

    #[test]
    fn module_level() {
        assert_eq!(at_marker("use x;\n#[here]\nfn f() {}"), Context::Module);
        assert_eq!(
            at_marker("impl Db { fn a() {} }\n#[here]\nfn f() {}"),
            Context::Module
        );
        assert_eq!(
            at_marker("mod m {\n    #[here]\n    fn f() {}\n}"),
            Context::Module
        );
        assert_eq!(
            at_marker("impl Db {\n    fn m(&self) {\n        #[here]\n        fn f() {}\n    }\n}"),
            Context::Module
        );
    }

    #[test]
    fn inherent_impls() {
        assert_eq!(
            at_marker("impl Db {\n    #[here]\n    fn f() {}\n}"),
            impl_of("Db")
        );
        assert_eq!(
            at_marker("impl<T: Fn() -> u8> crate::db::Db<T> where T: Send {\n#[here]"),
            impl_with("Db", &["T"])
        );
        assert_eq!(
            at_marker(
                "impl<'a, T: Into<Vec<u8>> + 'a, const N: usize, U> Db<'a, T, N, U> {\n#[here]"
            ),
            impl_with_consts("Db", &["T", "N", "U"], &["N"])
        );
        assert_eq!(
            at_marker("#[cfg(unix)]\n/// Docs { with a brace\npub(crate) impl Db {\n#[here]"),
            impl_of("Db")
        );
        assert_eq!(
            at_marker("impl Db { fn a() { let s = \"}\"; let c = '}'; } #[here]"),
            impl_of("Db")
        );
        assert_eq!(
            at_marker("impl Db { fn a<'a>(x: &'a str) { /* } */ r#\"}\"#; } #[here]"),
            impl_of("Db")
        );
        assert_eq!(at_marker("impl Db<[u8; 4]> {\n#[here]"), impl_of("Db"));
        assert_eq!(
            at_marker("impl Db {\n    const X: u8 = b'{';\n    #[here]"),
            impl_of("Db")
        );
    }

    #[test]
    fn other_blocks() {
        assert_eq!(
            at_marker("impl Display for Db {\n#[here]"),
            Context::TraitImpl
        );
        assert_eq!(
            at_marker("impl<T> From<T> for Db where for<'a> T: Fn(&'a u8) {\n#[here]"),
            Context::TraitImpl
        );
        assert_eq!(
            at_marker("pub unsafe trait Repo {\n#[here]"),
            Context::Trait
        );
        assert_eq!(at_marker("unsafe extern \"C\" {\n#[here]"), Context::Extern);
        assert_eq!(at_marker("extern {\n#[here]"), Context::Extern);
        assert_eq!(at_marker("extern \"C\" fn f() {\n#[here]"), Context::Module);
    }

    #[test]
    fn macro_arguments_and_odd_headers() {
        // In a macro's parentheses or brackets, the expansion decides: unknown.
        assert_eq!(
            at_marker("keep!(\n    impl Db {\n        #[here]\n        fn f() {}\n    }\n);"),
            Context::Unknown
        );
        assert_eq!(
            at_marker("in_module!(inner, #[here] pub fn fetch() {});"),
            Context::Unknown
        );
        assert_eq!(
            at_marker("scoped![\n#[here]\nfn f() {}\n];"),
            Context::Unknown
        );
        // Balanced groups before are fine.
        assert_eq!(
            at_marker("fn a(x: [u8; 4]) { g(|| { 1 }); }\n#[here]\nfn f() {}"),
            Context::Module
        );
        // A const block in the header.
        assert_eq!(
            at_marker("impl Buf<{ 2 * 2 }> {\n    #[here]\n    fn f() {}\n}"),
            impl_of("Buf")
        );
        // A shebang line.
        assert_eq!(
            at_marker("#!/usr/bin/env run-cargo-script\nimpl Db {\n#[here]"),
            impl_of("Db")
        );
        assert_eq!(
            at_marker("#![allow(dead_code)]\nimpl Db {\n#[here]"),
            impl_of("Db")
        );
        assert_eq!(
            neighbours("in_module!(inner, #[here] pub fn fetch() {});\nfn fetch_async() {}"),
            None
        );
    }

    #[test]
    fn occurrences_of_words() {
        use super::occurrences;
        let source = "#[a(handle = AsyncStore)] x #[a(handle=AsyncStore, limit = 2)] \
                      handle = AsyncStoreX; myhandle = AsyncStore; fn fetch_async() {}";
        assert_eq!(occurrences(source, &["handle", "=", "AsyncStore"]), 2);
        assert_eq!(occurrences(source, &["fn", "fetch_async"]), 1);
        assert_eq!(occurrences(source, &["fn", "fetch"]), 0);
        assert_eq!(occurrences(source, &[]), 0);
    }

    #[test]
    fn unreadable() {
        assert_eq!(
            at_marker("impl Db { \"unterminated #[here]"),
            Context::Unknown
        );
        assert_eq!(classify("fn f() {}", 7, 1), Context::Unknown);
    }
}
