//! Build script: generates the C header `include/gomap.h` from `src/ffi.rs`.
//!
//! A small, dependency-free stand-in for cbindgen (which would add syn, serde and toml to
//! every build of the crate). It reads only `src/ffi.rs`, whose items follow a fixed
//! shape, and translates, in source order:
//!
//! * `pub const NAME: T = VALUE;` -> `#define NAME (VALUE)`
//! * `pub type NAME = crate::...;` -> `typedef struct NAME NAME;` (an opaque handle)
//! * `pub type NAME = unsafe extern "C-unwind" fn(..) -> R;` -> a function pointer typedef
//! * `#[repr(C)] pub struct NAME { pub f: T, .. }` -> `struct NAME { .. };`, with a
//!   `typedef struct NAME NAME;` ahead of all items
//! * `pub [unsafe] extern "C" fn NAME(..) -> R { .. }` -> a prototype
//!
//! with each item's `///` comment as a C comment. Everything else (private items,
//! `impl`s, `use`, macros, bodies) is skipped. The header is written to `OUT_DIR`; the
//! checked-in `include/gomap.h` is compared with it by `tests/ffi.rs` (which includes
//! this file), which fails when they differ and rewrites it when run with
//! `GOMAP_BLESS=1`. The build warns when the checked-in copy is out of date.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/ffi.rs");
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let src = std::fs::read_to_string(Path::new(&dir).join("src/ffi.rs")).expect("read src/ffi.rs");
    let h = match header(&src) {
        Ok(h) => h,
        Err(e) => panic!("generating include/gomap.h from src/ffi.rs: {e}"),
    };
    if let Ok(out) = std::env::var("OUT_DIR") {
        std::fs::write(Path::new(&out).join("gomap.h"), &h).expect("write OUT_DIR/gomap.h");
    }
    let inc = Path::new(&dir).join("include/gomap.h");
    if std::fs::read_to_string(&inc).ok().as_deref() != Some(h.as_str()) {
        println!(
            "cargo:warning=include/gomap.h is out of date with src/ffi.rs: \
             run `GOMAP_BLESS=1 cargo test --test ffi` to regenerate it"
        );
    }
}

/// A token of the little Rust subset `src/ffi.rs` is written in.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// `/// text` (outer doc comment line).
    Doc(String),
    /// An identifier, keyword or number.
    Word(String),
    /// A string literal (contents, escapes kept as written).
    Str(String),
    /// Punctuation (`->` and `::` as one token).
    Punct(String),
}

fn tokenize(src: &str) -> Result<Vec<Tok>, String> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if src[i..].starts_with("///") && !src[i..].starts_with("////") {
            let end = src[i..].find('\n').map_or(b.len(), |n| i + n);
            let text = &src[i + 3..end];
            out.push(Tok::Doc(text.strip_prefix(' ').unwrap_or(text).to_string()));
            i = end;
        } else if src[i..].starts_with("//") {
            i = src[i..].find('\n').map_or(b.len(), |n| i + n);
        } else if src[i..].starts_with("/*") {
            i = src[i..].find("*/").ok_or("unterminated /* comment")? + i + 2;
        } else if c == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            out.push(Tok::Str(src[i + 1..j.min(b.len())].to_string()));
            i = j + 1;
        } else if c == b'\'' {
            // A char literal ('x', '\n', '\0') or a lifetime ('a, 'static).
            if b.get(i + 1) == Some(&b'\\') {
                let end = src[i + 2..].find('\'').ok_or("unterminated char")? + i + 2;
                out.push(Tok::Word(src[i..=end].to_string()));
                i = end + 1;
            } else if b.get(i + 2) == Some(&b'\'') {
                out.push(Tok::Word(src[i..i + 3].to_string()));
                i += 3;
            } else {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                out.push(Tok::Word(src[i..j].to_string()));
                i = j;
            }
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            out.push(Tok::Word(src[i..j].to_string()));
            i = j;
        } else if src[i..].starts_with("->") || src[i..].starts_with("::") {
            out.push(Tok::Punct(src[i..i + 2].to_string()));
            i += 2;
        } else {
            out.push(Tok::Punct((c as char).to_string()));
            i += 1;
        }
    }
    Ok(out)
}

fn is(t: Option<&Tok>, s: &str) -> bool {
    matches!(t, Some(Tok::Word(w)) | Some(Tok::Punct(w)) if w == s)
}

/// Index just past the bracketed group that opens at `i`. A `<` group counts only angle
/// brackets (generic arguments); any other counts `()`, `[]` and `{}`, so that
/// comparisons in a function body do not count.
fn skip_group(t: &[Tok], i: usize) -> Result<usize, String> {
    let angle = is(t.get(i), "<");
    let mut depth = 0i32;
    let mut j = i;
    while j < t.len() {
        if let Tok::Punct(p) = &t[j] {
            match (p.as_str(), angle) {
                ("<", true) | ("(" | "[" | "{", false) => depth += 1,
                (">", true) | (")" | "]" | "}", false) => depth -= 1,
                _ => {}
            }
        }
        j += 1;
        if depth == 0 {
            return Ok(j);
        }
    }
    Err("unbalanced brackets".into())
}

/// Index just past the item starting at `i`: a `;` at depth 0, or a `{..}` group that
/// closes at depth 0.
fn skip_item(t: &[Tok], mut i: usize) -> Result<usize, String> {
    while i < t.len() {
        match &t[i] {
            Tok::Punct(p) if p == ";" => return Ok(i + 1),
            Tok::Punct(p) if p == "{" => return skip_group(t, i),
            Tok::Punct(p) if p == "(" || p == "[" => i = skip_group(t, i)?,
            _ => i += 1,
        }
    }
    Ok(i)
}

/// Splits the tokens between a group's brackets at top-level commas.
fn split_commas(t: &[Tok]) -> Vec<&[Tok]> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (j, tok) in t.iter().enumerate() {
        if let Tok::Punct(p) = tok {
            match p.as_str() {
                "(" | "[" | "{" | "<" => depth += 1,
                ")" | "]" | "}" | ">" => depth -= 1,
                "," if depth == 0 => {
                    parts.push(&t[start..j]);
                    start = j + 1;
                }
                _ => {}
            }
        }
    }
    if start < t.len() {
        parts.push(&t[start..]);
    }
    parts
}

/// The C spelling of a Rust type.
fn c_type(t: &[Tok]) -> Result<String, String> {
    let word = |i: usize| match t.get(i) {
        Some(Tok::Word(w)) => Ok(w.as_str()),
        other => Err(format!("expected a type name, found {other:?}")),
    };
    if is(t.first(), "*") {
        let konst = word(1)? == "const";
        let inner = c_type(&t[2..])?;
        return Ok(if inner.ends_with('*') {
            format!("{inner}{}*", if konst { " const " } else { "" })
        } else {
            format!("{}{inner} *", if konst { "const " } else { "" })
        });
    }
    if word(0)? == "Option" && is(t.get(1), "<") && is(t.last(), ">") {
        return c_type(&t[2..t.len() - 1]);
    }
    if t.len() != 1 {
        return Err(format!("unsupported type {t:?}"));
    }
    Ok(match word(0)? {
        "u8" => "uint8_t",
        "u16" => "uint16_t",
        "u32" => "uint32_t",
        "u64" => "uint64_t",
        "i8" => "int8_t",
        "i16" => "int16_t",
        "i32" => "int32_t",
        "i64" => "int64_t",
        "usize" => "size_t",
        "isize" => "ptrdiff_t",
        "bool" => "bool",
        "c_int" => "int",
        "c_char" => "char",
        "c_void" => "void",
        w => w,
    }
    .to_string())
}

/// `T name`, with C's spacing for pointers.
fn c_decl(ty: &str, name: &str) -> String {
    if ty.ends_with('*') {
        format!("{ty}{name}")
    } else {
        format!("{ty} {name}")
    }
}

/// C parameters from the tokens between a fn's parentheses.
fn c_params(t: &[Tok]) -> Result<String, String> {
    let ps: Vec<String> = split_commas(t)
        .into_iter()
        .map(|p| match p {
            [Tok::Word(name), Tok::Punct(colon), ty @ ..] if colon == ":" => {
                Ok(c_decl(&c_type(ty)?, name))
            }
            _ => Err(format!("unsupported parameter {p:?}")),
        })
        .collect::<Result<_, _>>()?;
    Ok(if ps.is_empty() {
        "void".into()
    } else {
        ps.join(", ")
    })
}

/// The return type after `->` up to (not including) `end`, or `void`.
fn c_ret(t: &[Tok]) -> Result<String, String> {
    if is(t.first(), "->") {
        c_type(&t[1..])
    } else {
        Ok("void".into())
    }
}

/// A doc comment as a C comment, indented; rustdoc link brackets dropped.
fn c_doc(doc: &[String], indent: &str) -> String {
    let clean = |l: &str| l.replace("[`", "`").replace("`]", "`").replace("*/", "* /");
    match doc {
        [] => return String::new(),
        [l] => return format!("{indent}/** {} */\n", clean(l)),
        _ => {}
    }
    let mut s = format!("{indent}/**\n");
    for l in doc {
        let l = clean(l);
        if l.is_empty() {
            s += &format!("{indent} *\n");
        } else {
            s += &format!("{indent} * {l}\n");
        }
    }
    s + &format!("{indent} */\n")
}

/// Generates the header text from the source of `src/ffi.rs`.
pub fn header(src: &str) -> Result<String, String> {
    let t = tokenize(src)?;
    let mut body = String::new();
    // Structs are declared up front, so that function pointer types can name them
    // before their definitions (which may in turn use those types).
    let mut forward = String::new();
    let mut doc: Vec<String> = Vec::new();
    let mut i = 0;
    while i < t.len() {
        match &t[i] {
            Tok::Doc(d) => {
                doc.push(d.clone());
                i += 1;
                continue;
            }
            Tok::Punct(p) if p == "#" => {
                // An attribute (`#[..]`) or inner attribute (`#![..]`).
                let open = if is(t.get(i + 1), "!") { i + 2 } else { i + 1 };
                i = skip_group(&t, open)?;
                continue;
            }
            _ => {}
        }
        let d = std::mem::take(&mut doc);
        let word = |k: usize| match t.get(k) {
            Some(Tok::Word(w)) => w.as_str(),
            _ => "",
        };
        if word(i) != "pub" || is(t.get(i + 1), "(") {
            i = skip_item(&t, i)?;
            continue;
        }
        let mut k = i + 1;
        match word(k) {
            "const" => {
                let name = word(k + 1);
                let eq = (k..t.len())
                    .find(|&j| is(t.get(j), "="))
                    .ok_or("const without value")?;
                let semi = (eq..t.len())
                    .find(|&j| is(t.get(j), ";"))
                    .ok_or("const without ;")?;
                let value: String = t[eq + 1..semi]
                    .iter()
                    .map(|x| match x {
                        Tok::Word(w) | Tok::Punct(w) => w.as_str(),
                        _ => "",
                    })
                    .collect();
                body += &c_doc(&d, "");
                body += &format!("#define {name} ({value})\n\n");
                i = semi + 1;
            }
            "type" => {
                let name = word(k + 1);
                let semi = (k..t.len())
                    .find(|&j| is(t.get(j), ";"))
                    .ok_or("type without ;")?;
                let rhs = &t[k + 3..semi];
                body += &c_doc(&d, "");
                if let Some(f) = rhs.iter().position(|x| is(Some(x), "fn")) {
                    let close = skip_group(rhs, f + 1)?;
                    let params = c_params(&rhs[f + 2..close - 1])?;
                    let ret = c_ret(&rhs[close..])?;
                    body += &format!(
                        "typedef {}({params});\n\n",
                        c_decl(&ret, &format!("(*{name})"))
                    );
                } else if word(k + 3) == "crate" {
                    body += &format!("typedef struct {name} {name};\n\n");
                } else {
                    return Err(format!("unsupported type alias {name}"));
                }
                i = semi + 1;
            }
            "struct" => {
                let name = word(k + 1);
                if !is(t.get(k + 2), "{") {
                    return Err(format!("struct {name}: only braced structs are supported"));
                }
                let end = skip_group(&t, k + 2)?;
                body += &c_doc(&d, "");
                forward += &format!("typedef struct {name} {name};\n");
                body += &format!("struct {name} {{\n");
                let mut fdoc = Vec::new();
                let mut j = k + 3;
                while j < end - 1 {
                    match &t[j] {
                        Tok::Doc(x) => {
                            fdoc.push(x.clone());
                            j += 1;
                        }
                        Tok::Word(w) if w == "pub" => {
                            let fname = word(j + 1);
                            if !is(t.get(j + 2), ":") {
                                return Err(format!("struct {name}: bad field {fname}"));
                            }
                            let mut e = j + 3;
                            while e < end - 1 && !is(t.get(e), ",") {
                                e = match &t[e] {
                                    Tok::Punct(p) if p == "<" || p == "(" => skip_group(&t, e)?,
                                    _ => e + 1,
                                };
                            }
                            body += &c_doc(&std::mem::take(&mut fdoc), "    ");
                            body += &format!("    {};\n", c_decl(&c_type(&t[j + 3..e])?, fname));
                            j = e + 1;
                        }
                        other => return Err(format!("struct {name}: unexpected {other:?}")),
                    }
                }
                body += "};\n\n";
                i = end;
            }
            _ => {
                if word(k) == "unsafe" {
                    k += 1;
                }
                let c_fn = word(k) == "extern"
                    && matches!(t.get(k + 1), Some(Tok::Str(abi)) if abi == "C")
                    && word(k + 2) == "fn";
                if !c_fn {
                    i = skip_item(&t, i)?;
                    continue;
                }
                let name = word(k + 3);
                let close = skip_group(&t, k + 4)?;
                let params = c_params(&t[k + 5..close - 1])?;
                let brace = (close..t.len())
                    .find(|&j| is(t.get(j), "{"))
                    .ok_or("fn without body")?;
                let ret = c_ret(&t[close..brace])?;
                body += &c_doc(&d, "");
                body += &format!("{}({params});\n\n", c_decl(&ret, name));
                i = skip_group(&t, brace)?;
            }
        }
    }
    Ok(format!(
        "/* gomap.h: the C ABI of gomap, Go 1.19's map for C embedders.\n \
         * Generated by build.rs from src/ffi.rs: do not edit; see src/ffi.rs for the\n \
         * error model and the lifetimes the caller keeps. */\n\
         #ifndef GOMAP_H\n#define GOMAP_H\n\n\
         #include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n\
         #ifdef __cplusplus\nextern \"C\" {{\n#endif\n\n\
         {forward}\n\
         {body}\
         #ifdef __cplusplus\n}}\n#endif\n\n#endif /* GOMAP_H */\n"
    ))
}
