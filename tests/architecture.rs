//! The shape rules of the style guide (docs/architecture.md), checked on the source text of
//! src/ so that a reviewer does not have to remember them:
//! - no import circle between module files (a shared type living in whichever job first
//!   needed it is how circles start);
//! - `unsafe` only in the OS adapters (src/transport/, src/attach/), every `unsafe {` block
//!   with a `// SAFETY:` comment;
//! - no function longer than 120 lines;
//! - no `too_many_arguments` allowance (make a context instead).
//!
//! Test code (`#[cfg(test)]` items, `mod tests` bodies, tests.rs files) is left out of the
//! first and third rule. The checks work on tokens from a small lexer that knows comments,
//! strings (raw, byte, C), char literals and lifetimes; the lexer and each check are tested
//! on literal snippets at the end of this file, so a rule can be seen to fail and to pass.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

/// Longest function, in lines from the `fn` line to its closing brace.
const MAX_FN_LINES: usize = 120;

/// The only directories where `unsafe` may appear: the OS adapters.
const UNSAFE_DIRS: &[&str] = &["src/transport/", "src/attach/"];

/// Paths written in code shown per edge of a circle (all `use` lines are shown).
const INLINE_SHOWN: usize = 3;

/// How far above an `unsafe {` block its `// SAFETY:` comment may start.
const SAFETY_LINES_ABOVE: usize = 3;

// ---------------------------------------------------------------------------------------
// Source files

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| {
            e.unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every .rs file under src/ as ("src/…", text), sorted by path.
fn src_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(
        files.len() > 10,
        "found only {} files under src/",
        files.len()
    );
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{rel}: {e}"));
            (rel, text)
        })
        .collect()
}

/// Whether a file is a test module as a whole.
fn is_test_file(path: &str) -> bool {
    path.ends_with("/tests.rs")
}

// ---------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
    /// A string, char or number literal (contents dropped).
    Lit,
}

#[derive(Debug, Clone)]
struct Tok {
    kind: Kind,
    /// 1-based line of the token's first character.
    line: usize,
}

struct Lexed {
    toks: Vec<Tok>,
    /// `//` comments (including doc comments): line and text from the slashes on.
    line_comments: Vec<(usize, String)>,
}

fn is_ident_char(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// Index just past the string literal whose opening quote is at `open`; counts newlines.
fn string_end(c: &[char], open: usize, line: &mut usize) -> usize {
    let mut j = open + 1;
    while j < c.len() && c[j] != '"' {
        if c[j] == '\\' {
            j += 1;
        }
        if c.get(j) == Some(&'\n') {
            *line += 1;
        }
        j += 1;
    }
    (j + 1).min(c.len())
}

/// Index just past the raw string whose first `#` or quote is at `at`, if it is one.
fn raw_string_end(c: &[char], at: usize, line: &mut usize) -> Option<usize> {
    let mut j = at;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if c.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < c.len() && !(c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#'))) {
        if c[j] == '\n' {
            *line += 1;
        }
        j += 1;
    }
    Some((j + 1 + hashes).min(c.len()))
}

/// Index just past the char literal whose opening quote is at `open`, or None when the
/// quote starts a lifetime or a label (`'a`, `'static`, `'outer:`).
fn char_literal_end(c: &[char], open: usize) -> Option<usize> {
    if c.get(open + 1) == Some(&'\\') {
        // '\n', '\'', '\\', '\x7f', '\u{1F600}': skip the escaped char, then find the quote.
        let mut j = open + 3;
        while j < c.len() && j < open + 14 && c[j] != '\'' && c[j] != '\n' {
            j += 1;
        }
        return (c.get(j) == Some(&'\'')).then_some(j + 1);
    }
    let one = c.get(open + 1).is_some_and(|&ch| ch != '\n' && ch != '\'');
    (one && c.get(open + 2) == Some(&'\'')).then_some(open + 3)
}

fn lex(src: &str) -> Lexed {
    let c: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut line_comments = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        let start_line = line;
        let mut push = |kind: Kind| {
            toks.push(Tok {
                kind,
                line: start_line,
            })
        };
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            let start = i;
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
            line_comments.push((line, c[start..i].iter().collect()));
        } else if ch == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch.is_ascii_digit() {
            // 0x1F, 1u8, 0b1010 (the `b` is not a byte-string prefix), 1e3.
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
            push(Kind::Lit);
        } else if is_ident_char(ch) {
            let start = i;
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let at = c.get(i).copied();
            let raw_prefix = matches!(word.as_str(), "r" | "br" | "cr");
            if raw_prefix && matches!(at, Some('#' | '"')) {
                if let Some(end) = raw_string_end(&c, i, &mut line) {
                    i = end;
                    push(Kind::Lit);
                    continue;
                }
                if word == "r" && c.get(i + 1).is_some_and(|&x| is_ident_char(x)) {
                    // A raw identifier, r#type.
                    let s = i + 1;
                    i = s;
                    while i < c.len() && is_ident_char(c[i]) {
                        i += 1;
                    }
                    push(Kind::Ident(c[s..i].iter().collect()));
                    continue;
                }
            }
            if matches!(word.as_str(), "b" | "c") && at == Some('"') {
                i = string_end(&c, i, &mut line);
                push(Kind::Lit);
                continue;
            }
            if word == "b"
                && at == Some('\'')
                && let Some(end) = char_literal_end(&c, i)
            {
                i = end;
                push(Kind::Lit);
                continue;
            }
            push(Kind::Ident(word));
        } else if ch == '"' {
            i = string_end(&c, i, &mut line);
            push(Kind::Lit);
        } else if ch == '\'' {
            match char_literal_end(&c, i) {
                Some(end) => {
                    i = end;
                    push(Kind::Lit);
                }
                None => {
                    // A lifetime or label: the quote, then its name as an identifier.
                    push(Kind::Punct('\''));
                    i += 1;
                }
            }
        } else if ch == ':' && next == Some(':') {
            push(Kind::PathSep);
            i += 2;
        } else {
            push(Kind::Punct(ch));
            i += 1;
        }
    }
    Lexed {
        toks,
        line_comments,
    }
}

fn ident(toks: &[Tok], i: usize) -> Option<&str> {
    match toks.get(i).map(|t| &t.kind) {
        Some(Kind::Ident(s)) => Some(s),
        _ => None,
    }
}

fn punct(toks: &[Tok], i: usize, ch: char) -> bool {
    toks.get(i).is_some_and(|t| t.kind == Kind::Punct(ch))
}

/// Index of the `}` matching the `{` at `open` (the last token if unbalanced).
fn matching_brace(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0i64;
    for (k, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Punct('{') => depth += 1,
            Kind::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    return k;
                }
            }
            _ => {}
        }
    }
    toks.len().saturating_sub(1)
}

/// If an attribute (`#[…]` or `#![…]`) starts at `i`: the index just past it.
fn attribute_end(toks: &[Tok], i: usize) -> Option<usize> {
    if !punct(toks, i, '#') {
        return None;
    }
    let open = if punct(toks, i + 1, '!') {
        i + 2
    } else {
        i + 1
    };
    if !punct(toks, open, '[') {
        return None;
    }
    let mut depth = 0;
    for (k, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Punct('[') => depth += 1,
            Kind::Punct(']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(k + 1);
                }
            }
            _ => {}
        }
    }
    Some(toks.len())
}

/// `#[cfg(test)]`, `#[cfg(all(test, …))]`; not `#[cfg(not(test))]`.
fn is_cfg_test(attr: &[Tok]) -> bool {
    let words: Vec<&str> = (0..attr.len()).filter_map(|k| ident(attr, k)).collect();
    words.first() == Some(&"cfg") && words.contains(&"test") && !words.contains(&"not")
}

/// Index just past the item (or statement, field, arm) that starts at `from`.
fn item_end(toks: &[Tok], from: usize) -> usize {
    let mut k = from;
    while let Some(end) = attribute_end(toks, k) {
        k = end;
    }
    let mut depth = 0i64;
    while k < toks.len() {
        match toks[k].kind {
            Kind::Punct('(' | '[') => depth += 1,
            Kind::Punct(')' | ']') => {
                depth -= 1;
                if depth < 0 {
                    return k;
                }
            }
            Kind::Punct(';') if depth == 0 => return k + 1,
            Kind::Punct('{') if depth == 0 => return matching_brace(toks, k) + 1,
            Kind::Punct(',' | '}') if depth == 0 => return k,
            _ => {}
        }
        k += 1;
    }
    toks.len()
}

/// The tokens without test code: `#[cfg(test)]` items and `mod tests { … }`.
fn without_test_code(toks: &[Tok]) -> Vec<Tok> {
    let mut keep = vec![true; toks.len()];
    let mut i = 0;
    while i < toks.len() {
        if let Some(attr_end) = attribute_end(toks, i) {
            if !is_cfg_test(&toks[i..attr_end]) {
                i = attr_end;
                continue;
            }
            if punct(toks, i + 1, '!') {
                return Vec::new(); // #![cfg(test)]: the whole file is test code
            }
            let end = item_end(toks, attr_end);
            keep[i..end].iter_mut().for_each(|k| *k = false);
            i = end;
            continue;
        }
        if ident(toks, i) == Some("mod")
            && ident(toks, i + 1) == Some("tests")
            && punct(toks, i + 2, '{')
        {
            let end = matching_brace(toks, i + 2) + 1;
            keep[i..end].iter_mut().for_each(|k| *k = false);
            i = end;
            continue;
        }
        i += 1;
    }
    toks.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(t, _)| t.clone())
        .collect()
}

// ---------------------------------------------------------------------------------------
// The module graph

/// A file's module path from the crate root: src/lib.rs is [], src/jobs/burn/mod.rs and
/// src/jobs/burn.rs are [jobs, burn]. None for files outside the library's module tree of
/// tool code: src/main.rs (its own crate root) and tests.rs files.
fn module_of(path: &str) -> Option<Vec<String>> {
    let rel = path.strip_prefix("src/")?.strip_suffix(".rs")?;
    if rel == "main" || rel.starts_with("bin/") || is_test_file(path) {
        return None;
    }
    if rel == "lib" {
        return Some(Vec::new());
    }
    let mut segs: Vec<String> = rel.split('/').map(str::to_string).collect();
    if segs.last().is_some_and(|s| s == "mod") {
        segs.pop();
    }
    Some(segs)
}

fn show_module(m: &[String]) -> String {
    if m.is_empty() {
        "crate".to_string()
    } else {
        m.join("::")
    }
}

/// One path a `use` brings in: its segments as written (`*` for a glob) and its local name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UseLeaf {
    segs: Vec<String>,
    alias: Option<String>,
    line: usize,
}

/// The leaves of the use tree in `toks` (the tokens between `use` and `;`).
fn use_leaves(toks: &[Tok]) -> Vec<UseLeaf> {
    fn tree(toks: &[Tok], i: &mut usize, prefix: Vec<String>, out: &mut Vec<UseLeaf>) {
        let mut segs = prefix;
        let mut line = toks.get(*i).map_or(0, |t| t.line);
        if toks.get(*i).is_some_and(|t| t.kind == Kind::PathSep) {
            *i += 1; // `use ::std::…`: an extern crate
        }
        while let Some(t) = toks.get(*i) {
            match &t.kind {
                Kind::Ident(s) if s != "as" => {
                    segs.push(s.clone());
                    line = t.line;
                    *i += 1;
                    if toks.get(*i).is_some_and(|t| t.kind == Kind::PathSep) {
                        *i += 1;
                        continue;
                    }
                }
                Kind::Punct('*') => {
                    segs.push("*".to_string());
                    line = t.line;
                    *i += 1;
                }
                Kind::Punct('{') => {
                    *i += 1;
                    while *i < toks.len() && !punct(toks, *i, '}') {
                        let before = *i;
                        tree(toks, i, segs.clone(), out);
                        if punct(toks, *i, ',') {
                            *i += 1;
                        } else if *i == before {
                            *i += 1; // not a use tree: do not loop
                        }
                    }
                    *i += 1;
                    return;
                }
                _ => {}
            }
            break;
        }
        let mut alias = None;
        if ident(toks, *i) == Some("as") {
            alias = ident(toks, *i + 1).map(str::to_string);
            *i += 2;
        }
        if segs.last().is_some_and(|s| s == "self") && segs.len() > 1 {
            segs.pop(); // `use a::b::{self}` imports a::b
        }
        if !segs.is_empty() {
            out.push(UseLeaf { segs, alias, line });
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let before = i;
        tree(toks, &mut i, Vec::new(), &mut out);
        if i == before {
            i += 1;
        }
    }
    out
}

/// The names a file can start a relative path with, and the modules they stand for.
struct Scope<'a> {
    /// The file's module.
    module: &'a [String],
    /// Child modules declared in the file (`mod x;`, and inline `mod x { … }`).
    children: BTreeSet<String>,
    /// Modules imported by name (`use crate::scsi::mmc;`, `use super::source as src;`).
    aliases: HashMap<String, Vec<String>>,
}

impl Scope<'_> {
    /// The absolute path (from the crate root) of `segs` written inside the inline modules
    /// `inline` of this file, or None when it does not start in this crate (std, an extern
    /// crate, a type, an enum variant).
    fn absolute(&self, inline: &[String], segs: &[String]) -> Option<Vec<String>> {
        let mut cur: Vec<String> = self.module.to_vec();
        cur.extend_from_slice(inline);
        let head = segs.first()?.as_str();
        let (mut base, rest) = match head {
            "crate" => (Vec::new(), &segs[1..]),
            "self" => (cur, &segs[1..]),
            "super" => {
                let n = segs.iter().take_while(|s| *s == "super").count();
                for _ in 0..n {
                    cur.pop()?;
                }
                (cur, &segs[n..])
            }
            h if self.children.contains(h) => (self.module.to_vec(), segs),
            h => (self.aliases.get(h)?.clone(), &segs[1..]),
        };
        base.extend(rest.iter().filter(|s| *s != "*" && *s != "self").cloned());
        Some(base)
    }
}

fn longest_module_prefix(path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains(p))
}

/// A dependency of one module file on another, and where it is written.
#[derive(Debug, Clone)]
struct Edge {
    from: String,
    to: String,
    line: usize,
    /// The path that makes the edge, `use a::b::C` for a use statement's leaf.
    what: String,
    /// The source line, trimmed.
    source: String,
}

impl Edge {
    /// What a reader should see: the source line, unless it is one line of a multi-line
    /// `use` (then the leaf, written out from the crate-relative path).
    fn shown(&self) -> String {
        let whole_use = self.source.ends_with(';')
            && (self.source.starts_with("use ") || self.source.contains(" use "));
        if self.what.starts_with("use ") && !whole_use {
            self.what.clone()
        } else {
            self.source.clone()
        }
    }
}

struct Graph {
    /// Module path → file.
    files: BTreeMap<Vec<String>, String>,
    edges: Vec<Edge>,
}

/// `mod NAME;` declarations in `toks`.
fn declared_modules(toks: &[Tok]) -> BTreeSet<String> {
    (0..toks.len())
        .filter(|&k| ident(toks, k) == Some("mod") && punct(toks, k + 2, ';'))
        .filter_map(|k| ident(toks, k + 1).map(str::to_string))
        .collect()
}

/// Inline `mod NAME { … }` blocks: (open brace, close brace, name).
fn inline_modules(toks: &[Tok]) -> Vec<(usize, usize, String)> {
    (0..toks.len())
        .filter(|&k| ident(toks, k) == Some("mod") && punct(toks, k + 2, '{'))
        .filter_map(|k| {
            let name = ident(toks, k + 1)?.to_string();
            Some((k + 2, matching_brace(toks, k + 2), name))
        })
        .collect()
}

/// Every `use` statement: (index of `use`, index of its `;`).
fn use_statements(toks: &[Tok]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < toks.len() {
        if ident(toks, k) == Some("use") {
            let end = (k..toks.len())
                .find(|&e| punct(toks, e, ';'))
                .unwrap_or(toks.len());
            out.push((k, end));
            k = end;
        }
        k += 1;
    }
    out
}

/// The dependencies of one file (its tool code `toks`) on module files.
fn file_edges(
    module: &[String],
    toks: &[Tok],
    modules: &BTreeSet<Vec<String>>,
) -> Vec<(Vec<String>, usize, String)> {
    let inline = inline_modules(toks);
    let inline_at = |k: usize| -> Vec<String> {
        inline
            .iter()
            .filter(|(open, close, _)| *open < k && k < *close)
            .map(|(_, _, n)| n.clone())
            .collect()
    };
    let mut scope = Scope {
        module,
        children: declared_modules(toks),
        aliases: HashMap::new(),
    };
    scope
        .children
        .extend(inline.iter().map(|(_, _, n)| n.clone()));
    let uses: Vec<(usize, Vec<UseLeaf>)> = use_statements(toks)
        .iter()
        .copied()
        .map(|(k, end)| (k, use_leaves(&toks[k + 1..end])))
        .collect();
    // Modules imported by name first (twice, so one alias may build on another).
    for _ in 0..2 {
        for (k, leaves) in &uses {
            for leaf in leaves
                .iter()
                .filter(|l| l.segs.last().is_some_and(|s| s != "*"))
            {
                let Some(abs) = scope.absolute(&inline_at(*k), &leaf.segs) else {
                    continue;
                };
                let name = leaf.alias.clone().or_else(|| leaf.segs.last().cloned());
                if let Some(name) = name.filter(|n| n != "_" && !abs.is_empty())
                    && modules.contains(&abs)
                {
                    scope.aliases.insert(name, abs);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (k, leaves) in &uses {
        for leaf in leaves {
            let Some(abs) = scope.absolute(&inline_at(*k), &leaf.segs) else {
                continue;
            };
            let glob = leaf.segs.last().is_some_and(|s| s == "*");
            if !glob && modules.contains(&abs) {
                continue; // a module imported by name: its uses below are the edges
            }
            if let Some(to) = longest_module_prefix(&abs, modules) {
                out.push((to, leaf.line, format!("use {}", leaf.segs.join("::"))));
            }
        }
    }
    // Paths written in the code: crate::a::b::f(), super::X, alias::f(), child::T.
    let in_use = use_statements(toks);
    let mut k = 0;
    while k < toks.len() {
        if let Some(&(_, end)) = in_use.iter().find(|(s, _)| *s == k) {
            k = end + 1;
            continue;
        }
        let starts_path = ident(toks, k).is_some()
            && toks.get(k + 1).is_some_and(|t| t.kind == Kind::PathSep)
            && !(k > 0 && toks[k - 1].kind == Kind::PathSep);
        if !starts_path {
            k += 1;
            continue;
        }
        let mut segs = Vec::new();
        let mut j = k;
        while let Some(s) = ident(toks, j) {
            segs.push(s.to_string());
            if toks.get(j + 1).is_some_and(|t| t.kind == Kind::PathSep) {
                j += 2;
            } else {
                j += 1;
                break;
            }
        }
        if let Some(to) = scope
            .absolute(&inline_at(k), &segs)
            .and_then(|abs| longest_module_prefix(&abs, modules))
        {
            out.push((to, toks[k].line, segs.join("::")));
        }
        k = j.max(k + 1);
    }
    out
}

/// The module graph of the tool code in `files` (path, text).
fn module_graph(files: &[(String, String)]) -> Graph {
    let mut tool: Vec<(&str, &str, Vec<String>, Vec<Tok>)> = Vec::new();
    let mut test_only: Vec<Vec<String>> = Vec::new();
    for (path, text) in files {
        let Some(module) = module_of(path) else {
            continue;
        };
        let all = lex(text).toks;
        let code = without_test_code(&all);
        // Modules declared only under #[cfg(test)] are test code as a whole.
        let declared = declared_modules(&code);
        for m in declared_modules(&all).difference(&declared) {
            let mut child = module.clone();
            child.push(m.clone());
            test_only.push(child);
        }
        tool.push((path, text, module, code));
    }
    tool.retain(|(_, _, m, _)| !test_only.iter().any(|t| m.starts_with(t)));
    let files: BTreeMap<Vec<String>, String> = tool
        .iter()
        .map(|(p, _, m, _)| (m.clone(), p.to_string()))
        .collect();
    let modules: BTreeSet<Vec<String>> = files.keys().cloned().collect();
    let mut edges = Vec::new();
    for (path, text, module, code) in &tool {
        let lines: Vec<&str> = text.lines().collect();
        for (to, line, what) in file_edges(module, code, &modules) {
            if &to != module {
                edges.push(Edge {
                    from: path.to_string(),
                    to: files[&to].clone(),
                    line,
                    what,
                    source: lines.get(line - 1).map_or("", |l| l.trim()).to_string(),
                });
            }
        }
    }
    Graph { files, edges }
}

/// Strongly connected components (Tarjan) with more than one node, each sorted.
fn circles(nodes: &[String], edges: &[(String, String)]) -> Vec<Vec<String>> {
    struct Tarjan<'a> {
        adj: Vec<Vec<usize>>,
        nodes: &'a [String],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.next);
            self.low[v] = self.next;
            self.next += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            for w in self.adj[v].clone() {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut scc = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    scc.push(self.nodes[w].clone());
                    if w == v {
                        break;
                    }
                }
                if scc.len() > 1 {
                    scc.sort();
                    self.out.push(scc);
                }
            }
        }
    }
    let at: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut adj = vec![Vec::new(); nodes.len()];
    for (a, b) in edges {
        if let (Some(&x), Some(&y)) = (at.get(a.as_str()), at.get(b.as_str()))
            && !adj[x].contains(&y)
        {
            adj[x].push(y);
        }
    }
    let mut t = Tarjan {
        adj,
        nodes,
        index: vec![None; nodes.len()],
        low: vec![0; nodes.len()],
        on_stack: vec![false; nodes.len()],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..nodes.len() {
        if t.index[v].is_none() {
            t.visit(v);
        }
    }
    t.out.sort();
    t.out
}

/// The import circles of `files`, described: each component's files and the lines that
/// make its edges. Empty when there is none.
fn import_circles(files: &[(String, String)]) -> Vec<String> {
    let g = module_graph(files);
    let nodes: Vec<String> = g.files.values().cloned().collect();
    // A module's own file (mod.rs: its error type, its re-exports) and its direct children
    // are one module: their mutual uses are how Rust splits a module across files. Every
    // other edge counts: between siblings, and across modules.
    let module: HashMap<&str, &Vec<String>> =
        g.files.iter().map(|(m, f)| (f.as_str(), m)).collect();
    let parent_and_child = |a: &str, b: &str| {
        let (Some(x), Some(y)) = (module.get(a), module.get(b)) else {
            return false;
        };
        let direct = |p: &Vec<String>, c: &Vec<String>| c.len() == p.len() + 1 && c.starts_with(p);
        direct(x, y) || direct(y, x)
    };
    let kept: Vec<&Edge> = g
        .edges
        .iter()
        .filter(|e| !parent_and_child(&e.from, &e.to))
        .collect();
    let pairs: Vec<(String, String)> = kept
        .iter()
        .map(|e| (e.from.clone(), e.to.clone()))
        .collect();
    let module_of_file: HashMap<&str, String> = g
        .files
        .iter()
        .map(|(m, f)| (f.as_str(), show_module(m)))
        .collect();
    circles(&nodes, &pairs)
        .iter()
        .map(|scc| {
            let mut s = format!("circle of {} files:", scc.len());
            for f in scc {
                s += &format!("\n    {f} ({})", module_of_file[f.as_str()]);
            }
            let mut inside: Vec<&Edge> = kept
                .iter()
                .copied()
                .filter(|e| scc.contains(&e.from) && scc.contains(&e.to))
                .collect();
            inside.sort_by(|a, b| (&a.from, &a.to, a.line).cmp(&(&b.from, &b.to, b.line)));
            // Per pair: every `use` line, and the first few paths written in code (the rest
            // are counted; they say nothing new about how to break the circle).
            let mut pairs: BTreeMap<(&str, &str), Vec<&Edge>> = BTreeMap::new();
            for e in inside {
                pairs.entry((&e.from, &e.to)).or_default().push(e);
            }
            for ((from, to), es) in pairs {
                s += &format!("\n  {from} -> {to}");
                let mut shown: Vec<(usize, String)> = Vec::new();
                let mut inline_left = INLINE_SHOWN;
                let mut more = 0;
                for e in es {
                    let line = (e.line, e.shown());
                    if shown.contains(&line) {
                        continue;
                    }
                    if !e.what.starts_with("use ") {
                        if inline_left == 0 {
                            more += 1;
                            continue;
                        }
                        inline_left -= 1;
                    }
                    s += &format!("\n      {from}:{}: {}", line.0, line.1);
                    shown.push(line);
                }
                if more > 0 {
                    s += &format!("\n      … and {more} more line(s) using {to} in {from}");
                }
            }
            s
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// unsafe, long functions, too_many_arguments

/// Where `unsafe` is outside the OS adapters, and `unsafe {` blocks without a SAFETY
/// comment, anywhere (test code included: it is still unsafe).
fn unsafe_findings(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        let lexed = lex(text);
        let toks = &lexed.toks;
        let allowed = UNSAFE_DIRS.iter().any(|d| path.starts_with(d));
        let safety_lines: Vec<usize> = lexed
            .line_comments
            .iter()
            .filter(|(_, c)| {
                c.trim_start_matches('/')
                    .trim_start()
                    .starts_with("SAFETY:")
            })
            .map(|(l, _)| *l)
            .collect();
        for (k, t) in toks.iter().enumerate() {
            if ident(toks, k) != Some("unsafe") {
                continue;
            }
            let what = match ident(toks, k + 1) {
                Some(w) => format!("unsafe {w}"),
                None if punct(toks, k + 1, '{') => "unsafe block".to_string(),
                None => "unsafe".to_string(),
            };
            if !allowed {
                out.push(format!(
                    "{path}:{}: {what} outside the OS adapters ({})",
                    t.line,
                    UNSAFE_DIRS.join(", ")
                ));
            }
            let documented = safety_lines
                .iter()
                .any(|&l| l <= t.line && l + SAFETY_LINES_ABOVE >= t.line);
            if punct(toks, k + 1, '{') && !documented {
                out.push(format!(
                    "{path}:{}: unsafe block without a `// SAFETY:` comment on it or in the \
                     {SAFETY_LINES_ABOVE} lines above",
                    t.line
                ));
            }
        }
    }
    out
}

/// Functions of tool code longer than `max` lines: (file, line of `fn`, name, lines).
fn long_functions(files: &[(String, String)], max: usize) -> Vec<(String, usize, String, usize)> {
    let mut out = Vec::new();
    for (path, text) in files.iter().filter(|(p, _)| !is_test_file(p)) {
        let toks = without_test_code(&lex(text).toks);
        for k in 0..toks.len() {
            if ident(&toks, k) != Some("fn") {
                continue;
            }
            let Some(name) = ident(&toks, k + 1) else {
                continue; // a fn pointer type, fn(u8) -> u8
            };
            let mut depth = 0i64;
            let mut j = k + 2;
            let body = loop {
                match toks.get(j).map(|t| &t.kind) {
                    None => break None,
                    Some(Kind::Punct('(' | '[')) => depth += 1,
                    Some(Kind::Punct(')' | ']')) => depth -= 1,
                    Some(Kind::Punct(';')) if depth == 0 => break None,
                    Some(Kind::Punct('{')) if depth == 0 => break Some(j),
                    _ => {}
                }
                j += 1;
            };
            let Some(open) = body else { continue };
            let close = matching_brace(&toks, open);
            let lines = toks[close].line - toks[k].line + 1;
            if lines > max {
                out.push((path.clone(), toks[k].line, name.to_string(), lines));
            }
        }
    }
    out
}

/// Every `too_many_arguments` in code (comments and strings do not count), test code too.
fn too_many_arguments(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        for t in lex(text).toks {
            if t.kind == Kind::Ident("too_many_arguments".to_string()) {
                out.push(format!("{path}:{}", t.line));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The rules on today's src/

#[test]
fn no_import_circle() {
    let files = src_files();
    let g = module_graph(&files);
    // The scan must see the crate, or it is scanning the wrong thing.
    assert!(g.files.len() > 30, "only {} module files", g.files.len());
    assert!(g.edges.len() > 100, "only {} edges", g.edges.len());
    let found = import_circles(&files);
    assert!(
        found.is_empty(),
        "{} import circle(s) between module files (a parent using its child and the child \
         using the parent is one too; move the shared type down to a module both can use):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn unsafe_only_in_os_adapters() {
    let files = src_files();
    let seen: usize = files
        .iter()
        .filter(|(p, _)| UNSAFE_DIRS.iter().any(|d| p.starts_with(d)))
        .map(|(_, t)| {
            lex(t)
                .toks
                .iter()
                .filter(|t| t.kind == Kind::Ident("unsafe".into()))
                .count()
        })
        .sum();
    assert!(seen > 0, "no `unsafe` found in the OS adapters at all");
    let found = unsafe_findings(&files);
    assert!(
        found.is_empty(),
        "{} finding(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn no_long_functions() {
    let found = long_functions(&src_files(), MAX_FN_LINES);
    assert!(
        found.is_empty(),
        "{} function(s) longer than {MAX_FN_LINES} lines (split them into named steps):\n{}",
        found.len(),
        found
            .iter()
            .map(|(p, l, n, len)| format!("{p}:{l}: fn {n}: {len} lines"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn no_too_many_arguments_allow() {
    let found = too_many_arguments(&src_files());
    assert!(
        found.is_empty(),
        "`too_many_arguments` allowed at {} place(s) (pass a context struct instead):\n{}",
        found.len(),
        found.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// The checks themselves, on literal snippets

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

fn idents(src: &str) -> Vec<String> {
    lex(src)
        .toks
        .into_iter()
        .filter_map(|t| match t.kind {
            Kind::Ident(s) => Some(s),
            _ => None,
        })
        .collect()
}

#[test]
fn lexer_skips_comments_strings_and_chars() {
    let src = r####"// unsafe { in a comment
/* unsafe /* nested { */ still comment */
let s = "unsafe { \" }";
let r = r#"unsafe "quoted" { inside"#;
let b = br##"}"#"##; let e = b"{"; let k = b'}'; let n = 0b1011u8;
let c = '"'; let d = '\''; let o = '{'; let u = '\u{1F600}'; fn f<'a>(x: &'a str) {}
let r#type = 1; 'outer: loop { break 'outer; }
unsafe { real() }
"####;
    let lexed = lex(src);
    let words = idents(src);
    assert_eq!(
        words.iter().filter(|w| *w == "unsafe").count(),
        1,
        "{words:?}"
    );
    assert!(words.contains(&"type".to_string()), "{words:?}");
    assert!(words.contains(&"outer".to_string()), "{words:?}");
    let opens = lexed
        .toks
        .iter()
        .filter(|t| t.kind == Kind::Punct('{'))
        .count();
    let closes = lexed
        .toks
        .iter()
        .filter(|t| t.kind == Kind::Punct('}'))
        .count();
    assert_eq!((opens, closes), (3, 3), "braces in literals must not count");
    let unsafe_line = lexed
        .toks
        .iter()
        .find(|t| t.kind == Kind::Ident("unsafe".into()))
        .map(|t| t.line);
    assert_eq!(
        unsafe_line,
        Some(8),
        "line numbers across literals and comments"
    );
    assert_eq!(lexed.line_comments.len(), 1);
}

#[test]
fn test_code_is_set_aside_but_only_test_code() {
    let src = "use crate::a;\n#[cfg(test)]\nuse crate::b;\n#[cfg(test)]\nmod t {\n    use crate::c;\n    fn x() { let s = \"}\"; }\n}\nmod tests { use crate::d; }\n#[cfg(not(test))]\nuse crate::e;\nstruct S { #[cfg(test)] f: u8, g: u8 }\nfn after() {}\n";
    let kept: Vec<String> = without_test_code(&lex(src).toks)
        .into_iter()
        .filter_map(|t| match t.kind {
            Kind::Ident(s) => Some(s),
            _ => None,
        })
        .collect();
    for w in ["a", "e", "g", "after"] {
        assert!(kept.contains(&w.to_string()), "{w} dropped: {kept:?}");
    }
    for w in ["b", "c", "d", "f", "x"] {
        assert!(!kept.contains(&w.to_string()), "{w} kept: {kept:?}");
    }
}

#[test]
fn use_trees_grouped_nested_and_multi_line() {
    let src = "crate::{\n    a::b,\n    c::{d, e as f, self},\n    g::*,\n}";
    let leaves = use_leaves(&lex(src).toks);
    let got: Vec<(String, Option<String>, usize)> = leaves
        .into_iter()
        .map(|l| (l.segs.join("::"), l.alias, l.line))
        .collect();
    assert_eq!(
        got,
        vec![
            ("crate::a::b".into(), None, 2),
            ("crate::c::d".into(), None, 3),
            ("crate::c::e".into(), Some("f".into()), 3),
            ("crate::c".into(), None, 3),
            ("crate::g::*".into(), None, 4),
        ]
    );
}

/// The edges of a small crate as "from -> to: what".
fn edges_of(list: &[(&str, &str)]) -> Vec<String> {
    let mut v: Vec<String> = module_graph(&files(list))
        .edges
        .iter()
        .map(|e| format!("{} -> {}: {}", e.from, e.to, e.what))
        .collect();
    v.sort();
    v
}

#[test]
fn edges_resolve_to_the_longest_module_file() {
    let e = edges_of(&[
        ("src/lib.rs", "pub mod jobs;\npub mod scsi;\n"),
        ("src/main.rs", "use crate::x;\nfn main() {}\n"),
        ("src/scsi/mod.rs", "pub mod mmc;\npub use mmc::Cdb;\n"),
        ("src/scsi/mmc.rs", "pub struct Cdb;\n"),
        (
            "src/jobs/mod.rs",
            "pub mod burn;\npub struct Cancel;\npub mod one_x { pub fn rate() {} }\n",
        ),
        (
            "src/jobs/burn/mod.rs",
            "mod cue;\nmod tests;\nuse crate::scsi;\nuse std::fs;\nfn f() { scsi::mmc::build(); fs::read(); }\n#[cfg(test)]\nmod fixture;\n",
        ),
        (
            "src/jobs/burn/cue.rs",
            "use crate::{jobs::one_x::rate, scsi::mmc::Cdb};\nfn g() -> super::super::Cancel { todo!() }\n",
        ),
        (
            "src/jobs/burn/tests.rs",
            "use super::*;\nuse crate::jobs::burn::cue;\n",
        ),
        ("src/jobs/burn/fixture.rs", "use crate::jobs::burn::cue;\n"),
    ]);
    assert_eq!(
        e,
        vec![
            "src/jobs/burn/cue.rs -> src/jobs/mod.rs: super::super::Cancel",
            "src/jobs/burn/cue.rs -> src/jobs/mod.rs: use crate::jobs::one_x::rate",
            "src/jobs/burn/cue.rs -> src/scsi/mmc.rs: use crate::scsi::mmc::Cdb",
            "src/jobs/burn/mod.rs -> src/scsi/mmc.rs: scsi::mmc::build",
            "src/scsi/mod.rs -> src/scsi/mmc.rs: use mmc::Cdb",
        ]
    );
}

#[test]
fn siblings_using_each_other_are_a_circle_a_module_and_its_child_are_not() {
    let crate_ = [
        ("src/lib.rs", "pub mod jobs;\n"),
        ("src/jobs/mod.rs", "pub mod blank;\npub mod burn;\n"),
        (
            "src/jobs/burn/mod.rs",
            "mod cue;\npub use self::cue::CueError;\nuse crate::jobs::blank::Blank;\npub enum BurnError {}\n",
        ),
        (
            "src/jobs/burn/cue.rs",
            "use super::BurnError;\npub struct CueError;\n",
        ),
        (
            "src/jobs/blank.rs",
            "use crate::jobs::burn::BurnError;\npub struct Blank;\n",
        ),
    ];
    let found = import_circles(&files(&crate_));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("src/jobs/blank.rs -> src/jobs/burn/mod.rs"),
        "{}",
        found[0]
    );
    assert!(!found[0].contains("cue.rs"), "{}", found[0]);
    // Without blank's use of burn, burn and its child cue alone make no circle.
    let mut fixed = crate_;
    fixed[4].1 = "pub struct Blank;\n";
    assert_eq!(import_circles(&files(&fixed)), Vec::<String>::new());
}

#[test]
fn module_aliases_and_test_code_in_the_graph() {
    // `use crate::b;` then `b::f()` is an edge to b; a circle only through test code is none.
    let crate_ = files(&[
        ("src/lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("src/a.rs", "use crate::b;\nfn x() { b::f(); }\n"),
        (
            "src/b.rs",
            "pub fn f() {}\n#[cfg(test)]\nmod tests { use crate::a; }\n",
        ),
        (
            "src/c.rs",
            "use crate::a as other;\nfn y() { other::x(); crate::c::y(); }\n",
        ),
    ]);
    assert_eq!(
        edges_of(
            &crate_
                .iter()
                .map(|(p, t)| (p.as_str(), t.as_str()))
                .collect::<Vec<_>>()
        ),
        vec![
            "src/a.rs -> src/b.rs: b::f",
            "src/c.rs -> src/a.rs: other::x"
        ]
    );
    assert!(import_circles(&crate_).is_empty());
}

#[test]
fn tarjan_finds_each_component() {
    let n: Vec<String> = ["a", "b", "c", "d", "e", "f"].map(String::from).to_vec();
    let e: Vec<(String, String)> = [
        ("a", "b"),
        ("b", "c"),
        ("c", "a"),
        ("c", "d"),
        ("d", "e"),
        ("e", "d"),
        ("f", "a"),
    ]
    .iter()
    .map(|(x, y)| (x.to_string(), y.to_string()))
    .collect();
    assert_eq!(circles(&n, &e), vec![vec!["a", "b", "c"], vec!["d", "e"]]);
    assert!(circles(&n, &e[3..4]).is_empty());
}

#[test]
fn unsafe_rules_on_snippets() {
    let ok = "fn f() {\n    // SAFETY: the fd is ours.\n    // More reasons.\n    let r = unsafe { g() };\n    let s = unsafe { h() }; // SAFETY: same line.\n}\nunsafe fn g() {}\n";
    assert!(unsafe_findings(&files(&[("src/transport/sg_io.rs", ok)])).is_empty());
    assert!(unsafe_findings(&files(&[("src/attach/tcmu.rs", ok)])).is_empty());
    let far = "// SAFETY: too far above\n\n\n\nunsafe { g() }\nlet s = \"unsafe { }\"; // unsafe\n";
    assert_eq!(
        unsafe_findings(&files(&[("src/transport/x.rs", far)])),
        vec![
            "src/transport/x.rs:5: unsafe block without a `// SAFETY:` comment on it or in the 3 lines above"
        ]
    );
    assert_eq!(
        unsafe_findings(&files(&[("src/jobs/x.rs", ok)])),
        vec![
            "src/jobs/x.rs:4: unsafe block outside the OS adapters (src/transport/, src/attach/)",
            "src/jobs/x.rs:5: unsafe block outside the OS adapters (src/transport/, src/attach/)",
            "src/jobs/x.rs:7: unsafe fn outside the OS adapters (src/transport/, src/attach/)",
        ]
    );
}

#[test]
fn function_length_counts_from_fn_to_closing_brace() {
    let body = |n: usize| -> String {
        // `n` lines in all: the fn line, n - 2 body lines, the closing brace.
        let mut s =
            String::from("pub fn long<'a>(x: &'a str, f: fn(u8) -> [u8; 2]) -> &'a str {\n");
        for i in 0..n - 2 {
            s += &match i % 4 {
                0 => "    let s = \"}\"; let c = '}';\n".to_string(),
                1 => "    let r = r#\"{ \"}\" \"#; // }\n".to_string(),
                2 => "    /* } */ let l: &'static str = \"\";\n".to_string(),
                _ => "    if true { let _ = b'{'; }\n".to_string(),
            };
        }
        s + "}\n"
    };
    let at_limit = format!("trait T {{ fn decl(&self); }}\n{}", body(MAX_FN_LINES));
    assert!(long_functions(&files(&[("src/a.rs", &at_limit)]), MAX_FN_LINES).is_empty());
    let over = format!("\n{}fn next() {{}}\n", body(MAX_FN_LINES + 1));
    assert_eq!(
        long_functions(&files(&[("src/a.rs", &over)]), MAX_FN_LINES),
        vec![(
            "src/a.rs".to_string(),
            2,
            "long".to_string(),
            MAX_FN_LINES + 1
        )]
    );
    // Test code may be long.
    let test = format!("#[cfg(test)]\nmod t {{\n{}}}\n", body(200));
    assert!(long_functions(&files(&[("src/a.rs", &test)]), MAX_FN_LINES).is_empty());
    assert!(long_functions(&files(&[("src/a/tests.rs", &over)]), MAX_FN_LINES).is_empty());
}

#[test]
fn too_many_arguments_only_in_code() {
    let src = "// too_many_arguments in prose\nlet s = \"too_many_arguments\";\n#[allow(clippy::too_many_arguments)]\nfn f() {}\n";
    assert_eq!(
        too_many_arguments(&files(&[("src/a.rs", src)])),
        vec!["src/a.rs:3"]
    );
}
