//! Device and host safety rules that a reviewer would otherwise have to remember
//! (issue 7, "Device safety"; docs/reliability.md):
//! - (`unsafe` only in the OS adapters is checked by tests/architecture.rs);
//! - the tool never shells out (no std::process::Command, fork/exec, system, popen);
//! - no temporary files at fixed paths in world-writable places; temporary files are
//!   created with O_EXCL (`create_new`) under unique names.
//!
//! The source scans strip comments and string literals first, so prose about `unsafe`
//! does not count and `"unsafe"` in a message does not hide anything; the scanner itself
//! is tested on literal snippets below.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
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
                .expect("under the crate")
                .to_string_lossy()
                .replace('\\', "/");
            let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{rel}: {e}"));
            (rel, text)
        })
        .collect()
}

/// What to keep of string literals when stripping.
#[derive(Clone, Copy, PartialEq)]
enum Strings {
    Blank,
    Keep,
}

/// Source with comments removed (and string/char literal contents blanked, unless
/// `Keep`), line structure preserved. Handles nested block comments, raw strings
/// (`r#"..."#`), byte strings, escapes, and lifetimes vs char literals.
fn strip(src: &str, strings: Strings) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let keep_or_blank = |ch: char, out: &mut String| {
        if ch == '\n' {
            out.push('\n');
        } else if strings == Strings::Keep {
            out.push(ch);
        } else {
            out.push(' ');
        }
    };
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if ch == '/' && next == Some('*') {
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
                        out.push('\n');
                    }
                    i += 1;
                }
            }
            continue;
        }
        // Raw strings: r"..." r#"..."# br#"..."#
        let ident_before = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
        if !ident_before && (ch == 'r' || (ch == 'b' && next == Some('r'))) {
            let mut j = i + if ch == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) == Some(&'"') {
                out.push('"');
                j += 1;
                loop {
                    if j >= c.len() {
                        break;
                    }
                    if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    keep_or_blank(c[j], &mut out);
                    j += 1;
                }
                out.push('"');
                i = j;
                continue;
            }
        }
        if ch == '"' {
            out.push('"');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' && i + 1 < c.len() {
                    keep_or_blank(c[i], &mut out);
                    keep_or_blank(c[i + 1], &mut out);
                    i += 2;
                    continue;
                }
                keep_or_blank(c[i], &mut out);
                i += 1;
            }
            out.push('"');
            i += 1;
            continue;
        }
        if ch == '\'' {
            // A char literal ('x', '\n', '\u{..}') rather than a lifetime ('a).
            let close = if next == Some('\\') {
                (i + 2..c.len().min(i + 12)).find(|&k| c[k] == '\'')
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            if let Some(end) = close {
                out.push_str("' '");
                i = end + 1;
                continue;
            }
        }
        out.push(ch);
        i += 1;
    }
    out
}

/// `code` (already stripped) without `#[cfg(test)]` items: the brace-matched block after
/// each attribute is blanked, lines kept. Unit tests may name /tmp paths in parser tests
/// or run tools; the rules are about what the tool does.
fn without_test_code(code: &str) -> String {
    let mut c: Vec<char> = code.chars().collect();
    let attr: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while i + attr.len() <= c.len() {
        if c[i..i + attr.len()] != attr[..] {
            i += 1;
            continue;
        }
        let Some(open) = (i..c.len()).find(|&k| c[k] == '{' || c[k] == ';') else {
            break;
        };
        let mut end = open;
        if c[open] == '{' {
            let mut depth = 0;
            let mut in_str = false;
            for (k, &ch) in c.iter().enumerate().skip(open) {
                match ch {
                    '"' if k == 0 || c[k - 1] != '\\' => in_str = !in_str,
                    '{' if !in_str => depth += 1,
                    '}' if !in_str => {
                        depth -= 1;
                        if depth == 0 {
                            end = k;
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        for ch in &mut c[i..=end] {
            if *ch != '\n' {
                *ch = ' ';
            }
        }
        i = end + 1;
    }
    c.into_iter().collect()
}

/// The tool's own code of a file: none for files that are test modules as a whole.
fn tool_code(path: &str, text: &str, strings: Strings) -> String {
    if path.ends_with("/tests.rs") {
        return String::new();
    }
    without_test_code(&strip(text, strings))
}

/// Lines (1-based) where `word` occurs as a whole identifier.
fn word_lines(code: &str, word: &str) -> Vec<usize> {
    let is_ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut hits = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let mut from = 0;
        while let Some(p) = line[from..].find(word) {
            let at = from + p;
            let before = line[..at].chars().next_back();
            let after = line[at + word.len()..].chars().next();
            if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
                hits.push(n + 1);
                break;
            }
            from = at + word.len();
        }
    }
    hits
}

#[test]
fn scanner_ignores_comments_and_strings() {
    let src = r####"
// unsafe in a comment
/* unsafe /* nested unsafe */ still comment */
let s = "unsafe { }";
let r = r#"unsafe "quoted" inside"#;
let c = '"'; let d = '\''; fn f<'a>(x: &'a str) {}
let unsafe_code = 1;
unsafe { real() }
"####;
    let code = strip(src, Strings::Blank);
    assert_eq!(word_lines(&code, "unsafe"), vec![8], "{code}");
    let kept = strip(src, Strings::Keep);
    assert!(kept.contains("unsafe { }"), "{kept}");
    assert!(!kept.contains("in a comment"), "{kept}");
}

#[test]
fn test_code_is_set_aside_but_only_test_code() {
    let src = "fn tool() { open(\"/var/tmp/x\") }\n#[cfg(test)]\nmod tests {\n    fn t() { let s = \"}\"; open(\"/tmp/y\") }\n}\nfn after() {}\n";
    let code = tool_code("src/x.rs", src, Strings::Keep);
    assert!(code.contains("/var/tmp/x"), "{code}");
    assert!(!code.contains("/tmp/y"), "{code}");
    assert!(code.contains("fn after()"), "{code}");
    assert_eq!(code.lines().count(), src.lines().count());
}

/// Ways a program runs another program. Matched on code with comments and strings
/// removed and all whitespace squeezed out.
const SHELL_OUT: &[&str] = &[
    "process::Command",
    "Command::new(\"",
    "libc::system(",
    "libc::fork(",
    "libc::vfork(",
    "libc::execv",
    "libc::execl",
    "libc::popen(",
    "libc::posix_spawn",
    "unistd::fork",
    "unistd::execv",
    "unistd::execve",
    "nix::spawn",
];

fn shell_outs(code_no_comments: &str) -> Vec<String> {
    let squeezed: String = code_no_comments
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut found: Vec<String> = SHELL_OUT
        .iter()
        .filter(|p| squeezed.contains(*p))
        .map(|p| p.to_string())
        .collect();
    // `use std::process::{exit, Command}` and `use nix::unistd::{fork, ...}`.
    for (module, names) in [
        ("process::{", &["Command"][..]),
        ("unistd::{", &["fork", "execv", "execve", "execvp"][..]),
    ] {
        let mut from = 0;
        while let Some(p) = squeezed[from..].find(module) {
            let start = from + p + module.len();
            let end = squeezed[start..]
                .find('}')
                .map_or(squeezed.len(), |e| start + e);
            for item in squeezed[start..end].split(',') {
                let item = item.split("as").next().unwrap_or("");
                if names.contains(&item) {
                    found.push(format!("{module}{item}}}"));
                }
            }
            from = end;
        }
    }
    found
}

#[test]
fn shell_out_scanner_sees_the_usual_forms() {
    let cases = [
        "use std::process::Command;",
        "std::process::Command::new(\"cdrecord\")",
        "use std::process::{exit, Command};",
        "use std :: process :: { Command as C };",
        "unsafe { libc::system(p) }",
        "use nix::unistd::{fork, ForkResult};",
    ];
    for c in cases {
        assert!(
            !shell_outs(&strip(c, Strings::Keep)).is_empty(),
            "missed: {c}"
        );
    }
    for c in [
        "std::process::exit(1)",
        "std::process::id()",
        "clap::Command::new(name)",
        "// std::process::Command in a comment",
        "enum Command { Scan }",
    ] {
        assert!(
            shell_outs(&strip(c, Strings::Keep)).is_empty(),
            "false alarm: {c}"
        );
    }
}

#[test]
fn no_shelling_out() {
    let mut offenders = Vec::new();
    for (path, text) in src_files() {
        for f in shell_outs(&tool_code(&path, &text, Strings::Keep)) {
            offenders.push(format!("{path}: {f}"));
        }
    }
    assert!(
        offenders.is_empty(),
        "the tool must not run other programs (tests may): {offenders:?}"
    );
}

#[test]
fn no_fixed_temp_paths() {
    // Fixed names in world-writable directories invite symlink attacks and collisions.
    let bad = ["\"/tmp", "/tmp/", "/var/tmp", "/dev/shm", "temp_dir("];
    let mut offenders = Vec::new();
    for (path, text) in src_files() {
        let code = tool_code(&path, &text, Strings::Keep);
        for (n, line) in code.lines().enumerate() {
            for b in bad {
                if line.contains(b) {
                    offenders.push(format!("{path}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "temporary files belong beside their target, created with create_new (O_EXCL): \
         {offenders:?}"
    );
}

#[test]
fn temp_file_names_are_created_exclusively() {
    // Every place in src/ that makes a name ending in `.tmp` (or `.part`) must open it with
    // create_new(true) in the same function: O_EXCL, so an existing file or a planted
    // symlink is never written through.
    let mut offenders = Vec::new();
    let mut sites = 0;
    for (path, text) in src_files() {
        let code = tool_code(&path, &text, Strings::Keep);
        let lines: Vec<&str> = code.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            if !(line.contains(".tmp\"") || line.contains(".part\"")) {
                continue;
            }
            sites += 1;
            let window = lines[n.saturating_sub(5)..(n + 25).min(lines.len())].join("\n");
            if !window.contains("create_new(true)") {
                offenders.push(format!("{path}:{}", n + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "temp names without create_new: {offenders:?}"
    );
    // Mapfile::save makes one; finding none means the scan is looking at the wrong thing.
    assert!(sites > 0, "no temporary file names found in src/");
}

#[test]
fn mapfile_save_never_writes_through_a_planted_symlink() {
    // Mapfile::save writes `.NAME.PID.tmp` beside the map. If someone planted a symlink
    // under that name, the save must not write into the link's target.
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim");
    fs::write(&victim, b"precious").expect("write victim");
    let map = dir.path().join("disc.map");
    let tmp = dir
        .path()
        .join(format!(".disc.map.{}.tmp", std::process::id()));
    std::os::unix::fs::symlink(&victim, &tmp).expect("plant symlink");

    let m = discrw::mapfile::Mapfile::new(4096);
    m.save(&map, &[]).expect("save");

    assert_eq!(fs::read(&victim).expect("victim"), b"precious");
    let saved = fs::read_to_string(&map).expect("map");
    let back = discrw::mapfile::Mapfile::parse(&saved).expect("parse saved map");
    assert_eq!(back, m);
    assert!(
        fs::symlink_metadata(&tmp).is_err(),
        "temporary name left behind"
    );
}

#[test]
fn advisory_lock_is_exclusive_and_does_not_wait() {
    // The lock a job holds on its device (and the sibling node): a second holder is refused
    // at once rather than queued behind a burn that may run for an hour.
    use std::os::fd::AsRawFd;
    let f = tempfile::NamedTempFile::new().expect("temp file");
    let a = fs::File::open(f.path()).expect("open a");
    let b = fs::File::open(f.path()).expect("open b");
    discrw::transport::sg_io::lock_exclusive(a.as_raw_fd()).expect("first lock");
    let e = discrw::transport::sg_io::lock_exclusive(b.as_raw_fd()).unwrap_err();
    assert_eq!(e, libc::EWOULDBLOCK);
    drop(a);
    discrw::transport::sg_io::lock_exclusive(b.as_raw_fd()).expect("lock after release");
}
