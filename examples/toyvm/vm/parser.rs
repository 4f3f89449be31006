//! The toy language's syntax tree and a recursive-descent parser.
//!
//! ```text
//! stmt  := "let" IDENT "=" expr | IDENT "=" expr | postfix "[" expr "]" "=" expr
//!        | "fn" IDENT "(" params ")" block | "if" expr block ["else" (block | if)]
//!        | "while" expr block | "for" IDENT ["," IDENT] "in" expr block
//!        | "return" [expr] | "break" | expr          (each optionally followed by ";")
//! expr  := or;  or := and {"or" and};  and := cmp {"and" cmp}
//! cmp   := sum [("=="|"!="|"<"|"<="|">"|">=") sum];  sum := term {("+"|"-") term}
//! term  := unary {("*"|"/"|"%") unary};  unary := ("-"|"!") unary | postfix
//! postfix := primary {"(" args ")" | "[" expr "]"}
//! primary := NUM | STR | "true" | "false" | "nil" | IDENT | "(" expr ")"
//!          | "{" [expr ":" expr {"," expr ":" expr}] "}"
//! ```

use super::lexer::Tok;
use super::value::{Heap, Value, V};

#[derive(Debug)]
pub enum Expr {
    Lit(Value),
    Var(String),
    MapLit(Vec<(Expr, Expr)>),
    Index(Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Expr>),
    Unary(&'static str, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
}

#[derive(Debug)]
pub enum Stmt {
    Let(String, Expr),
    Assign(String, Expr),
    IndexAssign(Expr, Expr, Expr),
    Expr(Expr),
    If(Expr, Vec<Line>, Vec<Line>),
    While(Expr, Vec<Line>),
    For(String, Option<String>, Expr, Vec<Line>),
    Return(Option<Expr>),
    Break,
    Fn(String, Vec<String>, std::rc::Rc<Vec<Line>>),
}

/// A statement and its line number, for error messages.
pub type Line = (Stmt, u32);

pub struct Parser<'a> {
    toks: Vec<(Tok, u32)>,
    pos: usize,
    heap: &'a Heap,
}

impl<'a> Parser<'a> {
    pub fn new(toks: Vec<(Tok, u32)>, heap: &'a Heap) -> Parser<'a> {
        Parser { toks, pos: 0, heap }
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn line(&self) -> u32 {
        self.toks[self.pos].1
    }

    fn next(&mut self) -> Tok {
        let t = self.toks[self.pos].0.clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn is(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Sym(x) if *x == s)
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.is(s) {
            self.next();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, s: &str) -> Result<(), String> {
        if self.eat(s) {
            Ok(())
        } else {
            Err(format!(
                "line {}: expected {s:?}, found {:?}",
                self.line(),
                self.peek()
            ))
        }
    }

    fn ident(&mut self) -> Result<String, String> {
        match self.next() {
            Tok::Ident(s) => Ok(s),
            t => Err(format!(
                "line {}: expected a name, found {t:?}",
                self.line()
            )),
        }
    }

    pub fn program(&mut self) -> Result<Vec<Line>, String> {
        let mut out = Vec::new();
        while *self.peek() != Tok::Eof {
            out.push(self.stmt()?);
        }
        Ok(out)
    }

    fn block(&mut self) -> Result<Vec<Line>, String> {
        self.expect("{")?;
        let mut out = Vec::new();
        while !self.eat("}") {
            if *self.peek() == Tok::Eof {
                return Err(format!("line {}: unclosed block", self.line()));
            }
            out.push(self.stmt()?);
        }
        Ok(out)
    }

    fn stmt(&mut self) -> Result<Line, String> {
        let line = self.line();
        let s = if self.eat("let") {
            let name = self.ident()?;
            self.expect("=")?;
            Stmt::Let(name, self.expr()?)
        } else if self.eat("fn") {
            let name = self.ident()?;
            self.expect("(")?;
            let mut params = Vec::new();
            while !self.eat(")") {
                params.push(self.ident()?);
                if !self.is(")") {
                    self.expect(",")?;
                }
            }
            Stmt::Fn(name, params, std::rc::Rc::new(self.block()?))
        } else if self.eat("if") {
            self.if_rest()?
        } else if self.eat("while") {
            let c = self.expr()?;
            Stmt::While(c, self.block()?)
        } else if self.eat("for") {
            let k = self.ident()?;
            let v = if self.eat(",") {
                Some(self.ident()?)
            } else {
                None
            };
            self.expect("in")?;
            let m = self.expr()?;
            Stmt::For(k, v, m, self.block()?)
        } else if self.eat("return") {
            if self.is("}") || self.is(";") {
                Stmt::Return(None)
            } else {
                Stmt::Return(Some(self.expr()?))
            }
        } else if self.eat("break") {
            Stmt::Break
        } else {
            let e = self.expr()?;
            if self.eat("=") {
                let rhs = self.expr()?;
                match e {
                    Expr::Var(name) => Stmt::Assign(name, rhs),
                    Expr::Index(m, k) => Stmt::IndexAssign(*m, *k, rhs),
                    _ => return Err(format!("line {line}: cannot assign to that")),
                }
            } else {
                Stmt::Expr(e)
            }
        };
        self.eat(";");
        Ok((s, line))
    }

    fn if_rest(&mut self) -> Result<Stmt, String> {
        let c = self.expr()?;
        let then = self.block()?;
        let els = if self.eat("else") {
            if self.eat("if") {
                let line = self.line();
                vec![(self.if_rest()?, line)]
            } else {
                self.block()?
            }
        } else {
            Vec::new()
        };
        Ok(Stmt::If(c, then, els))
    }

    fn expr(&mut self) -> Result<Expr, String> {
        self.binary(0)
    }

    /// Precedence climbing over the binary operator levels.
    fn binary(&mut self, level: usize) -> Result<Expr, String> {
        const LEVELS: &[&[&str]] = &[
            &["or"],
            &["and"],
            &["==", "!=", "<", "<=", ">", ">="],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut lhs = self.binary(level + 1)?;
        loop {
            let op = match self.peek() {
                Tok::Sym(s) if LEVELS[level].contains(s) => *s,
                _ => return Ok(lhs),
            };
            self.next();
            let rhs = self.binary(level + 1)?;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
            if level == 2 {
                return Ok(lhs); // comparisons do not chain
            }
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        for op in ["-", "!"] {
            if self.eat(op) {
                return Ok(Expr::Unary(op, Box::new(self.unary()?)));
            }
        }
        let mut e = self.primary()?;
        loop {
            if self.eat("(") {
                let mut args = Vec::new();
                while !self.eat(")") {
                    args.push(self.expr()?);
                    if !self.is(")") {
                        self.expect(",")?;
                    }
                }
                e = Expr::Call(Box::new(e), args);
            } else if self.eat("[") {
                let k = self.expr()?;
                self.expect("]")?;
                e = Expr::Index(Box::new(e), Box::new(k));
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let line = self.line();
        Ok(match self.next() {
            Tok::Num(n) => Expr::Lit(Value::num(n)),
            Tok::Str(s) => Expr::Lit(self.heap.new_str(&s)),
            Tok::Ident(s) => Expr::Var(s),
            Tok::Sym("true") => Expr::Lit(Value::new(V::Bool(true))),
            Tok::Sym("false") => Expr::Lit(Value::new(V::Bool(false))),
            Tok::Sym("nil") => Expr::Lit(Value::NIL),
            Tok::Sym("(") => {
                let e = self.expr()?;
                self.expect(")")?;
                e
            }
            Tok::Sym("{") => {
                let mut pairs = Vec::new();
                while !self.eat("}") {
                    let k = self.expr()?;
                    self.expect(":")?;
                    pairs.push((k, self.expr()?));
                    if !self.is("}") {
                        self.expect(",")?;
                    }
                }
                Expr::MapLit(pairs)
            }
            t => return Err(format!("line {line}: unexpected {t:?}")),
        })
    }
}
