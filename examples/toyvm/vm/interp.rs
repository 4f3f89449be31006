//! A tree-walking interpreter whose maps are gomap maps of the VM's own `Value`s.

use std::collections::HashMap;
use std::io::Write;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::rc::Rc;

use gomap::maptype::MapType;
use gomap::runtime::{self, Hiter, Hmap};

use super::parser::{Expr, Line, Stmt};
use super::value::{values_equal, Heap, Value, V};
use gomap::maptype::GoIface;

/// How a statement ended.
enum Flow {
    Normal,
    Return(Value),
    Break,
}

type Res<T> = Result<T, String>;

struct Func {
    params: Vec<String>,
    body: Rc<Vec<Line>>,
}

pub struct Interp<'o> {
    pub heap: Box<Heap>,
    globals: HashMap<String, Value>,
    frames: Vec<HashMap<String, Value>>,
    funcs: Vec<Func>,
    out: &'o mut dyn Write,
    dir: PathBuf,
}

const MAX_DEPTH: usize = 200;

impl<'o> Interp<'o> {
    pub fn new(heap: Box<Heap>, out: &'o mut dyn Write, dir: PathBuf) -> Interp<'o> {
        gomap::maptype::genalg::quiet_go_runtime_errors();
        Interp {
            heap,
            globals: HashMap::new(),
            frames: Vec::new(),
            funcs: Vec::new(),
            out,
            dir,
        }
    }

    /// The map type, with a lifetime detached from `self` so that map calls can run
    /// while the interpreter is borrowed mutably.
    fn t(&self) -> *const MapType {
        &*self.heap.t
    }

    /// Runs a map operation, turning Go's unhashable-key panic (raised by the hasher
    /// before the map is touched) into an error.
    fn map_op<R>(&self, line: u32, f: impl FnOnce() -> R) -> Res<R> {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(r) => Ok(r),
            Err(p) => match gomap::maptype::genalg::go_runtime_error(&*p) {
                Some(m) => Err(format!("line {line}: {m}")),
                None => resume_unwind(p),
            },
        }
    }

    fn map_of(&self, v: Value, line: u32, what: &str) -> Res<*mut Hmap> {
        match v.get() {
            V::Map(i) => Ok(self.heap.map(i)),
            _ => Err(format!(
                "line {line}: {what} needs a map, got {}",
                v.type_name()
            )),
        }
    }

    fn get(&self, m: *mut Hmap, k: Value, line: u32) -> Res<Value> {
        let t = self.t();
        let k = self.heap.key(k);
        // SAFETY: `t` is the heap's map type and `m` one of its live maps; `k` is a key of
        // it. A missing key gives Go's zero value, which is the VM's nil.
        self.map_op(line, || unsafe {
            *(runtime::mapaccess1(&*t, m, (&k as *const GoIface).cast()) as *const Value)
        })
    }

    fn has(&self, m: *mut Hmap, k: Value, line: u32) -> Res<bool> {
        let t = self.t();
        let k = self.heap.key(k);
        // SAFETY: as in `get`.
        self.map_op(line, || unsafe {
            runtime::mapaccess2(&*t, m, (&k as *const GoIface).cast()).1
        })
    }

    fn set(&self, m: *mut Hmap, k: Value, v: Value, line: u32) -> Res<()> {
        let t = self.t();
        let k = self.heap.key(k);
        // SAFETY: as in `get`; the VM is single-threaded, so no other write runs, and the
        // returned elem is written before the next map call.
        self.map_op(line, || unsafe {
            *(runtime::mapassign(&*t, m, (&k as *const GoIface).cast()) as *mut Value) = v;
        })
    }

    fn delete(&self, m: *mut Hmap, k: Value, line: u32) -> Res<()> {
        let t = self.t();
        let k = self.heap.key(k);
        // SAFETY: as in `set`.
        self.map_op(line, || unsafe {
            runtime::mapdelete(&*t, m, (&k as *const GoIface).cast())
        })
    }

    /// The entries of a map, in Go's iteration order.
    fn entries(&self, m: *mut Hmap) -> Vec<(Value, Value)> {
        let mut out = Vec::new();
        let mut it = Hiter::new();
        // SAFETY: a live map of the heap's type, both outliving `it`.
        unsafe { runtime::mapiterinit(&*self.t(), m, &mut it) };
        while !it.key().is_null() {
            // SAFETY: the current entry's key is a stored key of the heap's store, its
            // elem a Value.
            unsafe {
                let k = self.heap.keys.value(*(it.key() as *const GoIface));
                out.push((k, *(it.elem() as *const Value)));
                runtime::mapiternext(&mut it);
            }
        }
        out
    }

    /// A new map `{0: xs[0], 1: xs[1], ...}`: the language's lists.
    fn list(&self, xs: &[Value], line: u32) -> Res<Value> {
        let l = self.heap.new_map(xs.len());
        let m = self.map_of(l, line, "list")?;
        for (i, &x) in xs.iter().enumerate() {
            self.set(m, Value::num(i as f64), x, line)?;
        }
        Ok(l)
    }

    fn show(&self, v: Value) -> String {
        let mut s = String::new();
        self.heap.show(v, &mut s);
        s
    }

    pub fn run(&mut self, prog: &[Line]) -> Res<()> {
        match self.block(prog)? {
            Flow::Normal => Ok(()),
            Flow::Return(_) => Err("return outside a function".into()),
            Flow::Break => Err("break outside a loop".into()),
        }
    }

    fn block(&mut self, b: &[Line]) -> Res<Flow> {
        for (s, line) in b {
            match self.stmt(s, *line)? {
                Flow::Normal => {}
                f => return Ok(f),
            }
        }
        Ok(Flow::Normal)
    }

    fn define(&mut self, name: &str, v: Value) {
        match self.frames.last_mut() {
            Some(f) => f.insert(name.to_string(), v),
            None => self.globals.insert(name.to_string(), v),
        };
    }

    fn stmt(&mut self, s: &Stmt, line: u32) -> Res<Flow> {
        match s {
            Stmt::Let(name, e) => {
                let v = self.eval(e, line)?;
                self.define(name, v);
            }
            Stmt::Assign(name, e) => {
                let v = self.eval(e, line)?;
                if let Some(slot) = self.frames.last_mut().and_then(|f| f.get_mut(name)) {
                    *slot = v;
                } else if let Some(slot) = self.globals.get_mut(name) {
                    *slot = v;
                } else {
                    return Err(format!(
                        "line {line}: assignment to undefined variable {name}"
                    ));
                }
            }
            Stmt::IndexAssign(m, k, e) => {
                let m = self.eval(m, line)?;
                let m = self.map_of(m, line, "indexed assignment")?;
                let k = self.eval(k, line)?;
                let v = self.eval(e, line)?;
                self.set(m, k, v, line)?;
            }
            Stmt::Expr(e) => {
                self.eval(e, line)?;
            }
            Stmt::If(c, then, els) => {
                let c = self.eval(c, line)?;
                return self.block(if c.truthy() { then } else { els });
            }
            Stmt::While(c, body) => {
                while self.eval(c, line)?.truthy() {
                    match self.block(body)? {
                        Flow::Normal => {}
                        Flow::Break => break,
                        f => return Ok(f),
                    }
                }
            }
            Stmt::For(kn, vn, m, body) => {
                let m = self.eval(m, line)?;
                let h = self.map_of(m, line, "for .. in")?;
                // Go's range loop: the body may insert and delete; gomap keeps the
                // iterator's guarantees (and its memory) while it is live.
                let mut it = Hiter::new();
                // SAFETY: a live map of the heap's type; both outlive `it`, which is
                // dropped (unregistered) when this function returns.
                unsafe { runtime::mapiterinit(&*self.t(), h, &mut it) };
                while !it.key().is_null() {
                    // SAFETY: the current entry is live; copy it before the body writes.
                    let (k, v) = unsafe {
                        (
                            self.heap.keys.value(*(it.key() as *const GoIface)),
                            *(it.elem() as *const Value),
                        )
                    };
                    self.define(kn, k);
                    if let Some(vn) = vn {
                        self.define(vn, v);
                    }
                    match self.block(body)? {
                        Flow::Normal => {}
                        Flow::Break => break,
                        f => return Ok(f),
                    }
                    // SAFETY: `it` is live on a live map; this thread is its only user.
                    unsafe { runtime::mapiternext(&mut it) };
                }
            }
            Stmt::Return(e) => {
                let v = match e {
                    Some(e) => self.eval(e, line)?,
                    None => Value::NIL,
                };
                return Ok(Flow::Return(v));
            }
            Stmt::Break => return Ok(Flow::Break),
            Stmt::Fn(name, params, body) => {
                self.funcs.push(Func {
                    params: params.clone(),
                    body: body.clone(),
                });
                let f = Value::new(V::Func(self.funcs.len() - 1));
                self.globals.insert(name.clone(), f);
            }
        }
        Ok(Flow::Normal)
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        self.frames
            .last()
            .and_then(|f| f.get(name))
            .or_else(|| self.globals.get(name))
            .copied()
    }

    fn eval(&mut self, e: &Expr, line: u32) -> Res<Value> {
        Ok(match e {
            Expr::Lit(v) => *v,
            Expr::Var(name) => self
                .lookup(name)
                .ok_or_else(|| format!("line {line}: undefined variable {name}"))?,
            Expr::MapLit(pairs) => {
                let mv = self.heap.new_map(pairs.len());
                let m = self.map_of(mv, line, "literal")?;
                for (k, v) in pairs {
                    let k = self.eval(k, line)?;
                    let v = self.eval(v, line)?;
                    self.set(m, k, v, line)?;
                }
                mv
            }
            Expr::Index(m, k) => {
                let mv = self.eval(m, line)?;
                let k = self.eval(k, line)?;
                match (mv.get(), k.get()) {
                    (V::Str(s), V::Num(n)) => {
                        let c = self.heap.str(s).chars().nth(n as usize);
                        let c =
                            c.ok_or_else(|| format!("line {line}: string index out of range"))?;
                        self.heap.new_str(&c.to_string())
                    }
                    _ => {
                        let m = self.map_of(mv, line, "indexing")?;
                        self.get(m, k, line)?
                    }
                }
            }
            Expr::Call(f, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, line)?);
                }
                if let Expr::Var(name) = &**f {
                    if self.lookup(name).is_none() {
                        return self.builtin(name, &vals, line);
                    }
                }
                let fv = self.eval(f, line)?;
                self.call(fv, vals, line)?
            }
            Expr::Unary(op, x) => {
                let x = self.eval(x, line)?;
                match (*op, x.get()) {
                    ("-", V::Num(n)) => Value::num(-n),
                    ("!", _) => Value::new(V::Bool(!x.truthy())),
                    _ => {
                        return Err(format!(
                            "line {line}: bad operand for {op}: {}",
                            x.type_name()
                        ))
                    }
                }
            }
            Expr::Binary(op, a, b) => {
                let a = self.eval(a, line)?;
                match *op {
                    "and" if !a.truthy() => return Ok(a),
                    "or" if a.truthy() => return Ok(a),
                    "and" | "or" => return self.eval(b, line),
                    _ => {}
                }
                let b = self.eval(b, line)?;
                self.binary(op, a, b, line)?
            }
        })
    }

    fn binary(&mut self, op: &str, a: Value, b: Value, line: u32) -> Res<Value> {
        let boolean = |x: bool| Value::new(V::Bool(x));
        Ok(match (op, a.get(), b.get()) {
            ("==", _, _) => boolean(values_equal(&self.heap, a, b)),
            ("!=", _, _) => boolean(!values_equal(&self.heap, a, b)),
            ("+", V::Str(_), _) | ("+", _, V::Str(_)) => {
                let s = self.show(a) + &self.show(b);
                self.heap.new_str(&s)
            }
            (_, V::Num(x), V::Num(y)) => match op {
                "+" => Value::num(x + y),
                "-" => Value::num(x - y),
                "*" => Value::num(x * y),
                "/" => Value::num(x / y),
                "%" => Value::num(x % y),
                "<" => boolean(x < y),
                "<=" => boolean(x <= y),
                ">" => boolean(x > y),
                ">=" => boolean(x >= y),
                _ => unreachable!("the parser only makes known operators"),
            },
            ("<" | "<=" | ">" | ">=", V::Str(x), V::Str(y)) => {
                let o = self.heap.str(x).cmp(&self.heap.str(y));
                boolean(match op {
                    "<" => o.is_lt(),
                    "<=" => o.is_le(),
                    ">" => o.is_gt(),
                    _ => o.is_ge(),
                })
            }
            _ => {
                return Err(format!(
                    "line {line}: bad operands for {op}: {} and {}",
                    a.type_name(),
                    b.type_name()
                ))
            }
        })
    }

    fn call(&mut self, f: Value, args: Vec<Value>, line: u32) -> Res<Value> {
        let V::Func(i) = f.get() else {
            return Err(format!("line {line}: cannot call a {}", f.type_name()));
        };
        let (params, body) = (self.funcs[i].params.clone(), self.funcs[i].body.clone());
        if params.len() != args.len() {
            return Err(format!(
                "line {line}: function takes {} arguments, got {}",
                params.len(),
                args.len()
            ));
        }
        if self.frames.len() >= MAX_DEPTH {
            return Err(format!("line {line}: call stack too deep"));
        }
        self.frames.push(params.into_iter().zip(args).collect());
        let r = self.block(&body);
        self.frames.pop();
        Ok(match r? {
            Flow::Return(v) => v,
            _ => Value::NIL,
        })
    }

    fn builtin(&mut self, name: &str, a: &[Value], line: u32) -> Res<Value> {
        let argc = |n: usize| {
            if a.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "line {line}: {name} takes {n} arguments, got {}",
                    a.len()
                ))
            }
        };
        let string = |v: Value| match v.get() {
            V::Str(i) => Ok(self.heap.str(i)),
            _ => Err(format!(
                "line {line}: {name} needs a string, got {}",
                v.type_name()
            )),
        };
        Ok(match name {
            "print" => {
                let parts: Vec<String> = a.iter().map(|&v| self.show(v)).collect();
                writeln!(self.out, "{}", parts.join(" ")).map_err(|e| e.to_string())?;
                Value::NIL
            }
            "len" => {
                argc(1)?;
                match a[0].get() {
                    V::Str(i) => Value::num(self.heap.str(i).chars().count() as f64),
                    V::Map(i) => Value::num(self.heap.map_len(i) as f64),
                    _ => return Err(format!("line {line}: len of a {}", a[0].type_name())),
                }
            }
            "delete" => {
                argc(2)?;
                let m = self.map_of(a[0], line, "delete")?;
                self.delete(m, a[1], line)?;
                Value::NIL
            }
            "has" => {
                argc(2)?;
                let m = self.map_of(a[0], line, "has")?;
                Value::new(V::Bool(self.has(m, a[1], line)?))
            }
            "get" => {
                argc(3)?;
                let m = self.map_of(a[0], line, "get")?;
                if self.has(m, a[1], line)? {
                    self.get(m, a[1], line)?
                } else {
                    a[2]
                }
            }
            "keys" | "values" => {
                argc(1)?;
                let m = self.map_of(a[0], line, name)?;
                let e = self.entries(m);
                let xs: Vec<Value> = e
                    .into_iter()
                    .map(|(k, v)| if name == "keys" { k } else { v })
                    .collect();
                self.list(&xs, line)?
            }
            "sort" => {
                argc(1)?;
                let m = self.map_of(a[0], line, "sort")?;
                let mut xs: Vec<Value> = self.entries(m).into_iter().map(|(_, v)| v).collect();
                let key = |v: &Value| match v.get() {
                    V::Num(n) => (0, n, String::new()),
                    V::Str(i) => (1, 0.0, self.heap.str(i)),
                    _ => (2, 0.0, String::new()),
                };
                xs.sort_by(|x, y| {
                    let (kx, ky) = (key(x), key(y));
                    kx.0.cmp(&ky.0)
                        .then(kx.1.total_cmp(&ky.1))
                        .then(kx.2.cmp(&ky.2))
                });
                self.list(&xs, line)?
            }
            "tuple" => self.heap.new_tuple(a),
            "str" => {
                argc(1)?;
                let s = self.show(a[0]);
                self.heap.new_str(&s)
            }
            "type" => {
                argc(1)?;
                self.heap.new_str(a[0].type_name())
            }
            "lower" => {
                argc(1)?;
                let s = string(a[0])?.to_lowercase();
                self.heap.new_str(&s)
            }
            "words" => {
                argc(1)?;
                let s = string(a[0])?;
                let ws: Vec<Value> = s
                    .split(|c: char| !c.is_alphanumeric() && c != '\'')
                    .filter(|w| !w.is_empty())
                    .map(|w| self.heap.new_str(w))
                    .collect();
                self.list(&ws, line)?
            }
            "read" => {
                argc(1)?;
                let p = self.dir.join(string(a[0])?);
                let s = std::fs::read_to_string(&p)
                    .map_err(|e| format!("line {line}: read {}: {e}", p.display()))?;
                self.heap.new_str(&s)
            }
            "num" => {
                argc(1)?;
                let s = string(a[0])?;
                let n: f64 = s
                    .trim()
                    .parse()
                    .map_err(|_| format!("line {line}: not a number: {s:?}"))?;
                Value::num(n)
            }
            "dump" => {
                argc(1)?;
                let m = self.map_of(a[0], line, "dump")?;
                // SAFETY: a live map of the heap's type; its keys hold no pointers.
                let d = unsafe { runtime::dump_string(&*self.t(), m) };
                write!(self.out, "{d}").map_err(|e| e.to_string())?;
                Value::NIL
            }
            _ => return Err(format!("line {line}: undefined function {name}")),
        })
    }
}
