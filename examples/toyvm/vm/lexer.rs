//! Tokens of the toy language.

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    /// Keywords and punctuation.
    Sym(&'static str),
    Eof,
}

const KEYWORDS: &[&str] = &[
    "let", "fn", "if", "else", "while", "for", "in", "return", "true", "false", "nil", "and", "or",
    "break",
];

const SYMBOLS: &[&str] = &[
    "==", "!=", "<=", ">=", "(", ")", "{", "}", "[", "]", ",", ":", ";", "=", "<", ">", "+", "-",
    "*", "/", "%", "!",
];

/// Splits `src` into tokens, each with its line number.
pub fn lex(src: &str) -> Result<Vec<(Tok, u32)>, String> {
    let mut out = Vec::new();
    let cs: Vec<char> = src.chars().collect();
    let (mut i, mut line) = (0, 1u32);
    while i < cs.len() {
        let c = cs[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && cs.get(i + 1) == Some(&'/') {
            while i < cs.len() && cs[i] != '\n' {
                i += 1;
            }
        } else if c.is_ascii_digit() {
            let start = i;
            while i < cs.len() && (cs[i].is_ascii_digit() || cs[i] == '.') {
                i += 1;
            }
            let s: String = cs[start..i].iter().collect();
            let n = s
                .parse()
                .map_err(|_| format!("line {line}: bad number {s}"))?;
            out.push((Tok::Num(n), line));
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match cs.get(i) {
                    None => return Err(format!("line {line}: unterminated string")),
                    Some('"') => break,
                    Some('\\') => {
                        i += 1;
                        s.push(match cs.get(i) {
                            Some('n') => '\n',
                            Some('t') => '\t',
                            Some(&c) => c,
                            None => return Err(format!("line {line}: unterminated string")),
                        });
                    }
                    Some(&c) => {
                        if c == '\n' {
                            line += 1;
                        }
                        s.push(c);
                    }
                }
                i += 1;
            }
            i += 1;
            out.push((Tok::Str(s), line));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < cs.len() && (cs[i].is_alphanumeric() || cs[i] == '_') {
                i += 1;
            }
            let w: String = cs[start..i].iter().collect();
            match KEYWORDS.iter().find(|k| **k == w) {
                Some(k) => out.push((Tok::Sym(k), line)),
                None => out.push((Tok::Ident(w), line)),
            }
        } else {
            let rest: String = cs[i..(i + 2).min(cs.len())].iter().collect();
            let sym = SYMBOLS
                .iter()
                .find(|s| rest.starts_with(**s))
                .ok_or_else(|| format!("line {line}: unexpected character {c:?}"))?;
            out.push((Tok::Sym(sym), line));
            i += sym.len();
        }
    }
    out.push((Tok::Eof, line));
    Ok(out)
}
